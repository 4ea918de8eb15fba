// Package memrelay is an in-memory [contactcenter.Relay]: the replicas
// of one process (tests, examples) pass messages through it. It is the
// reference implementation relaytest holds the others to.
package memrelay

import (
	"context"
	"fmt"
	"sync"

	"github.com/eventcc/eventcc/contactcenter"
)

var _ contactcenter.Relay = (*Relay)(nil)

// Relay passes messages between listeners in memory. The zero value is
// ready to use; it is safe for concurrent use.
type Relay struct {
	mu        sync.Mutex
	listeners map[string]chan []byte
}

// New returns an empty Relay.
func New() *Relay { return &Relay{} }

// queueLen is how many messages wait for a busy listener; Send drops
// those that find its queue full.
const queueLen = 1024

// Listen implements [contactcenter.Relay]. One listener per owner at a
// time: a second Listen for the same owner is an error. A message that
// is waiting when ctx is done is dropped, not handled.
func (r *Relay) Listen(ctx context.Context, owner string, handle func(msg []byte)) error {
	ch := make(chan []byte, queueLen)
	r.mu.Lock()
	if r.listeners == nil {
		r.listeners = map[string]chan []byte{}
	}
	if _, busy := r.listeners[owner]; busy {
		r.mu.Unlock()
		return fmt.Errorf("memrelay: %q is listened for already", owner)
	}
	r.listeners[owner] = ch
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.listeners, owner)
		r.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case msg := <-ch:
			// Both cases may be ready: select picks either, and
			// nothing is handled once ctx is done.
			if err := ctx.Err(); err != nil {
				return err
			}
			handle(msg)
		}
	}
}

// Send implements [contactcenter.Relay]. A message larger than
// contactcenter.MaxRelayMessage is an error, as it would be on
// PostgreSQL. Send never waits for the listener: a message that finds
// 1024 others waiting for it is dropped (delivery is at most once), as
// it would be for a listener that has just stopped. msg is copied.
func (r *Relay) Send(ctx context.Context, owner string, msg []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(msg) > contactcenter.MaxRelayMessage {
		return fmt.Errorf("memrelay: message of %d bytes, more than %d", len(msg), contactcenter.MaxRelayMessage)
	}
	r.mu.Lock()
	ch := r.listeners[owner]
	r.mu.Unlock()
	if ch == nil {
		return nil // nobody listens: dropped
	}
	select {
	case ch <- append([]byte(nil), msg...):
	default: // the listener is busy, or gone: dropped
	}
	return nil
}
