// Package transcript keeps the transcripts of conversations (web chat,
// and the messaging channels to come): the [Store] interface a channel
// writes to, with an in-memory [Mem]. contactcenter/pgstore keeps them in
// PostgreSQL; transcript/transcripttest is the conformance suite both
// pass. It imports nothing of eventcc's, so a store adapter compiles no
// channel.
package transcript

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Authors of a [Message] other than agents ("agent:<id>").
const (
	AuthorAttendee     = "attendee"
	AuthorReceptionist = "receptionist"
	AuthorSystem       = "system"
)

// Message is one message of a conversation's transcript.
type Message struct {
	ServiceID    string
	Conversation string // the conversation's (and engagement's) ID
	ID           string // unique within the conversation; assigned by Append
	Seq          int64  // 1, 2, ... within the conversation; assigned by Append
	Author       string // AuthorAttendee, AuthorReceptionist, AuthorSystem or "agent:<id>"
	Body         string
	At           time.Time
	ClientMsgID  string // the attendee's id for the message, for idempotent resends; may be empty
}

// ErrInvalid is wrapped by a [Store] error for a message it
// cannot store as given (no conversation or service).
var ErrInvalid = errors.New("transcript: invalid message")

// Store keeps the messages of conversations. Implementations must
// be safe for concurrent use; the channel appends to one conversation
// from one goroutine at a time, but to many conversations at once. A
// done ctx returns ctx.Err() (possibly wrapped) and changes nothing.
// Values passed in and out are copies owned by the receiver.
type Store interface {
	// Append stores m, assigning its Seq (the conversation's last Seq
	// plus one, starting at 1) and, if empty, its ID, and returns the
	// stored message. A message whose ClientMsgID the conversation
	// already has is not stored again: Append returns the stored one
	// (same ID and Seq). A message without Conversation or ServiceID is
	// an error wrapping [ErrInvalid].
	Append(ctx context.Context, m Message) (Message, error)
	// Since returns the conversation's messages with Seq above afterSeq,
	// in Seq order; none (and no error) for a conversation it does not
	// know.
	Since(ctx context.Context, conversation string, afterSeq int64) ([]Message, error)
	// DeleteService deletes every message of serviceID's conversations
	// and returns how many conversations it deleted.
	DeleteService(ctx context.Context, serviceID string) (int, error)
}

// Mem is the in-memory [Store]. Make one with
// [NewMem]. It keeps every message until DeleteService.
type Mem struct {
	mu    sync.Mutex
	convs map[string]*memConv
}

type memConv struct {
	service string
	msgs    []Message
	byCID   map[string]int // client msg id -> index in msgs
}

var _ Store = (*Mem)(nil)

// NewMem returns an empty in-memory transcript store.
func NewMem() *Mem {
	return &Mem{convs: make(map[string]*memConv)}
}

// Append implements [Store.Append].
func (s *Mem) Append(ctx context.Context, m Message) (Message, error) {
	if err := ctx.Err(); err != nil {
		return Message{}, err
	}
	if m.Conversation == "" || m.ServiceID == "" {
		return Message{}, fmt.Errorf("transcript: append: conversation %q of service %q: %w", m.Conversation, m.ServiceID, ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convs[m.Conversation]
	if c == nil {
		c = &memConv{service: m.ServiceID, byCID: make(map[string]int)}
		s.convs[m.Conversation] = c
	}
	if m.ClientMsgID != "" {
		if i, ok := c.byCID[m.ClientMsgID]; ok {
			return c.msgs[i], nil
		}
		c.byCID[m.ClientMsgID] = len(c.msgs)
	}
	m.Seq = int64(len(c.msgs)) + 1
	if m.ID == "" {
		m.ID = fmt.Sprintf("%s-%d", m.Conversation, m.Seq)
	}
	c.msgs = append(c.msgs, m)
	return m, nil
}

// Since implements [Store.Since].
func (s *Mem) Since(ctx context.Context, conversation string, afterSeq int64) ([]Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convs[conversation]
	if c == nil {
		return nil, nil
	}
	afterSeq = max(afterSeq, 0)
	if afterSeq >= int64(len(c.msgs)) {
		return nil, nil
	}
	return slices.Clone(c.msgs[afterSeq:]), nil
}

// DeleteService implements [Store.DeleteService].
func (s *Mem) DeleteService(ctx context.Context, serviceID string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, c := range s.convs {
		if c.service == serviceID {
			n++
			delete(s.convs, id)
		}
	}
	return n, nil
}
