// Package outbox keeps the replies a messaging channel sends through
// providers until each is sent, so that a reply outlives the process
// that wrote it: the [Store] interface the channel writes to, with an
// in-memory [Mem]. contactcenter/pgstore keeps them in PostgreSQL;
// outbox/outboxtest is the conformance suite both pass.
//
// A reply is put before its first attempt and is pending until the
// provider takes it (Sent, with the provider's ID of the message, by
// which a later delivery status finds it) or the channel gives it up
// (Drop). The replica that opens a service, at its start or when it
// takes the service over from a replica that died, sends what is
// pending for it, in order. A reply can so be sent twice (the process
// died between the provider taking it and Sent), never not at all; it
// carries the same Ref each time, for providers that take an
// idempotency key.
package outbox

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/eventcc/eventcc/modality/transcript"
)

// Reply is one reply on its way to an attendee.
type Reply struct {
	// Ref is the channel's ID of the reply, the same on every attempt.
	Ref string
	// Provider is the name of the provider it goes through.
	Provider string
	// From is the service's address (the number or account the attendee
	// wrote to); To is the attendee.
	From, To string
	// Message is the reply as the conversation's transcript has it: its
	// service, conversation, ID, Seq, author, body and time.
	Message transcript.Message
	// First is when the reply was first tried: retries end a while after.
	First time.Time
	// ProviderID is the provider's ID of the message, once sent.
	ProviderID string
	// Sent is when the provider took it; zero while pending.
	Sent time.Time
}

// ErrNotFound is wrapped by Lookup's error for a reply it does not
// have.
var ErrNotFound = errors.New("outbox: no such reply")

// ErrInvalid is wrapped by Put's error for a reply without a Ref,
// provider, service or conversation.
var ErrInvalid = errors.New("outbox: invalid reply")

// Store keeps replies until they are sent. Implementations must be safe
// for concurrent use, from several processes if shared by them. A done
// ctx returns ctx.Err() (possibly wrapped) and changes nothing. Values
// passed in and out are copies owned by the receiver.
type Store interface {
	// Put keeps r, pending. A Ref kept before is not changed: Put is
	// idempotent. A reply without Ref, Provider, Message.ServiceID or
	// Message.Conversation is an error wrapping ErrInvalid.
	Put(ctx context.Context, r Reply) error
	// Pending returns serviceID's pending replies in the order they were
	// put.
	Pending(ctx context.Context, serviceID string) ([]Reply, error)
	// Sent records that the provider took the reply ref at at, as its
	// message providerID: no longer pending, and found by Lookup. A Ref
	// it does not have (forgotten, or dropped) is not an error.
	Sent(ctx context.Context, ref, providerID string, at time.Time) error
	// Drop forgets the reply ref: it was given up. Idempotent.
	Drop(ctx context.Context, ref string) error
	// Lookup returns the sent reply that provider knows as providerID,
	// or an error wrapping ErrNotFound.
	Lookup(ctx context.Context, provider, providerID string) (Reply, error)
	// Forget drops every reply first tried before before, pending or
	// sent, and returns how many: the channel keeps replies a day.
	Forget(ctx context.Context, before time.Time) (int, error)
}

// Validate reports why r cannot be put, as an error wrapping
// ErrInvalid.
func (r Reply) Validate() error {
	for _, f := range []struct{ name, v string }{{"Ref", r.Ref}, {"Provider", r.Provider},
		{"Message.ServiceID", r.Message.ServiceID}, {"Message.Conversation", r.Message.Conversation}} {
		if f.v == "" {
			return fmt.Errorf("outbox: reply %q: no %s: %w", r.Ref, f.name, ErrInvalid)
		}
	}
	return nil
}

// Mem is the in-memory [Store]. Make one with [NewMem].
type Mem struct {
	mu     sync.Mutex
	next   int64
	byRef  map[string]*memReply
	byProv map[string]*memReply // provider + "\x00" + provider ID
}

type memReply struct {
	Reply
	order int64
}

var _ Store = (*Mem)(nil)

// NewMem returns an empty in-memory outbox.
func NewMem() *Mem {
	return &Mem{byRef: map[string]*memReply{}, byProv: map[string]*memReply{}}
}

// Put implements [Store.Put].
func (m *Mem) Put(ctx context.Context, r Reply) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byRef[r.Ref] != nil {
		return nil
	}
	m.next++
	r.ProviderID, r.Sent = "", time.Time{}
	m.byRef[r.Ref] = &memReply{Reply: r, order: m.next}
	return nil
}

// Pending implements [Store.Pending].
func (m *Mem) Pending(ctx context.Context, serviceID string) ([]Reply, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	var out []*memReply
	for _, r := range m.byRef {
		if r.Message.ServiceID == serviceID && r.Sent.IsZero() {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *memReply) int { return cmp.Compare(a.order, b.order) })
	rs := make([]Reply, len(out))
	for i, r := range out {
		rs[i] = r.Reply
	}
	m.mu.Unlock()
	return rs, nil
}

// Sent implements [Store.Sent].
func (m *Mem) Sent(ctx context.Context, ref, providerID string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.byRef[ref]
	if r == nil || !r.Sent.IsZero() {
		return nil
	}
	r.ProviderID, r.Sent = providerID, at
	m.byProv[r.Provider+"\x00"+providerID] = r
	return nil
}

// Drop implements [Store.Drop].
func (m *Mem) Drop(ctx context.Context, ref string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.drop(m.byRef[ref])
	return nil
}

func (m *Mem) drop(r *memReply) {
	if r == nil {
		return
	}
	delete(m.byRef, r.Ref)
	if k := r.Provider + "\x00" + r.ProviderID; !r.Sent.IsZero() && m.byProv[k] == r {
		delete(m.byProv, k)
	}
}

// Lookup implements [Store.Lookup].
func (m *Mem) Lookup(ctx context.Context, provider, providerID string) (Reply, error) {
	if err := ctx.Err(); err != nil {
		return Reply{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.byProv[provider+"\x00"+providerID]
	if r == nil {
		return Reply{}, fmt.Errorf("outbox: %s message %q: %w", provider, providerID, ErrNotFound)
	}
	return r.Reply, nil
}

// Forget implements [Store.Forget].
func (m *Mem) Forget(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, r := range m.byRef {
		if r.First.Before(before) {
			m.drop(r)
			n++
		}
	}
	return n, nil
}
