// Package webhookrace opens, deterministically, the window of the race
// between two versions of one subject delivered at the same moment to
// two webhook Handlers, A (given the older version) and B (the newer),
// as two replicas of a host would receive them: B reads the subject's
// last record only after A has read it, and A goes on only after B has
// recorded its version. Unless the Handlers serialise the subject
// between them, A then applies the older version after B applied the
// newer one.
//
// With a shared Locker each Handler also goes on once the other has
// called Lock: the Lock of one cannot then return before the other
// unlocks, so the hook never waits for what the lock forbids. A Handler
// that skipped its Locker would still lose the race; one whose Locker
// does not exclude across replicas may or may not (the Locker
// conformance suite, webhook/locktest, catches that).
package webhookrace

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/eventcc/eventcc/contactcenter/webhook"
)

// Hook is the race of one subject. Wrap A's and B's VersionStore and
// Locker with it, deliver what comes before the race, Arm it, then
// deliver the two versions at once.
type Hook struct {
	shared                    bool
	armed                     atomic.Bool
	aRead, bPut, aLock, bLock signal
	aPaused, bPaused          atomic.Bool
}

// New returns a Hook, disarmed. shared says whether A and B share their
// Locker.
func New(shared bool) *Hook {
	return &Hook{shared: shared, aRead: newSignal(), bPut: newSignal(), aLock: newSignal(), bLock: newSignal()}
}

// Arm makes the hook act on the next Last of A and of B; until then the
// wrapped stores and Lockers only pass calls through.
func (h *Hook) Arm() { h.armed.Store(true) }

// VersionsA wraps A's VersionStore: its first Last once armed returns
// only after B has recorded its version (or, shared, called Lock).
func (h *Hook) VersionsA(v webhook.VersionStore) webhook.VersionStore {
	return versions{VersionStore: v, h: h}
}

// VersionsB wraps B's VersionStore: its first Last once armed reads only
// after A has read (or, shared, called Lock).
func (h *Hook) VersionsB(v webhook.VersionStore) webhook.VersionStore {
	return versions{VersionStore: v, h: h, b: true}
}

// LockerA wraps A's Locker, to tell B when A calls Lock.
func (h *Hook) LockerA(l webhook.Locker) webhook.Locker { return locker{Locker: l, h: h} }

// LockerB wraps B's Locker, to tell A when B calls Lock.
func (h *Hook) LockerB(l webhook.Locker) webhook.Locker { return locker{Locker: l, h: h, b: true} }

type signal struct {
	ch   chan struct{}
	once *sync.Once
}

func newSignal() signal { return signal{ch: make(chan struct{}), once: new(sync.Once)} }

func (s signal) fire() { s.once.Do(func() { close(s.ch) }) }

// await waits for done or, shared, for locking.
func (h *Hook) await(ctx context.Context, done, locking signal) error {
	var lc chan struct{} // nil: never
	if h.shared {
		lc = locking.ch
	}
	select {
	case <-done.ch:
	case <-lc:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

type versions struct {
	webhook.VersionStore
	h *Hook
	b bool
}

func (v versions) Last(ctx context.Context, subject string) (webhook.Record, bool, error) {
	h := v.h
	if !h.armed.Load() {
		return v.VersionStore.Last(ctx, subject)
	}
	if v.b {
		if h.bPaused.CompareAndSwap(false, true) {
			if err := h.await(ctx, h.aRead, h.aLock); err != nil {
				return webhook.Record{}, false, err
			}
		}
		return v.VersionStore.Last(ctx, subject)
	}
	r, ok, err := v.VersionStore.Last(ctx, subject)
	if err != nil || !h.aPaused.CompareAndSwap(false, true) {
		return r, ok, err
	}
	h.aRead.fire()
	if err := h.await(ctx, h.bPut, h.bLock); err != nil {
		return webhook.Record{}, false, err
	}
	return r, ok, nil
}

func (v versions) Put(ctx context.Context, subject string, r webhook.Record) error {
	err := v.VersionStore.Put(ctx, subject, r)
	if err == nil && v.b && v.h.armed.Load() {
		v.h.bPut.fire()
	}
	return err
}

type locker struct {
	webhook.Locker
	h *Hook
	b bool
}

func (l locker) Lock(ctx context.Context, key string) (func(), error) {
	if l.h.armed.Load() {
		if l.b {
			l.h.bLock.fire()
		} else {
			l.h.aLock.fire()
		}
	}
	return l.Locker.Lock(ctx, key)
}
