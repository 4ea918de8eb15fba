package webhook

import (
	"context"
	"sync"
)

// Locker serialises the deliveries about one subject across every
// Handler that shares it. A Handler holds the lock of a delivery's
// subject while it reads the subject's last record from its
// [VersionStore], applies the delivery to the Lifecycle and records it,
// so that of two versions of one event delivered at the same moment the
// older is either applied first or answered stale, never applied after
// the newer. Keys are the subjects of [VersionStore]: "event/<event id>"
// and "attendee/<event id>/<attendee id>".
//
// Replicas of a host that each mount a Handler share one cross-process
// Locker, as they share their VersionStore and ReplayStore (pgstore:
// [github.com/eventcc/eventcc/contactcenter/pgstore.DB.WebhookLocks]).
// The default, [MemLocks], serialises one Handler's own deliveries
// only.
//
// Implementations must be safe for concurrent use. A Handler holds at
// most one lock at a time and calls Lock only while it holds none.
type Locker interface {
	// Lock waits until the caller holds the lock of key and returns the
	// function that releases it.
	//
	// Mutual exclusion: from a Lock that returns no error until its
	// unlock is called, no other Lock of key returns without an error,
	// on this Locker or on any other sharing its locks, in this process
	// or another. Locks of distinct keys are independent: Lock of a key
	// nobody holds does not wait for the holders of other keys, except
	// that an implementation may bound how many locks it holds at once
	// (connections of a pool), and then waits for one of them to be
	// released.
	//
	// A holder that dies releases its locks: when its process ends, or
	// loses the session that holds them, the store that keeps the locks
	// frees them, so that a crashed replica does not block a subject for
	// ever. A holder cut off from that store this way loses its lock
	// without being told.
	//
	// ctx bounds the wait only. A ctx done before Lock takes the lock,
	// or while it waits, makes Lock return ctx.Err(), possibly wrapped,
	// holding nothing; once Lock has returned the lock is held until
	// unlock is called, whatever becomes of ctx. Any other error also
	// means that nothing is held; the Handler then answers 503 and
	// applies nothing (it fails closed), so that the sender retries.
	//
	// unlock may be called from any goroutine; it releases the lock and
	// calling it again does nothing. It reports no error: an
	// implementation that cannot release a lock otherwise ends the
	// session that holds it.
	Lock(ctx context.Context, key string) (unlock func(), err error)
}

// MemLocks is an in-process [Locker], the Handler's default: a mutex per
// key, holding memory only for the keys locked or waited for. It
// serialises the deliveries of the Handlers in one process that share
// it, and no others: replicas in other processes share a cross-process
// Locker instead. The zero value is ready to use.
type MemLocks struct {
	mu sync.Mutex
	m  map[string]*memLock
}

// memLock is one key's lock: ch holds a token while the key is locked.
type memLock struct {
	ch chan struct{}
	n  int // holders and waiters
}

var _ Locker = (*MemLocks)(nil)

// NewMemLocks returns a MemLocks with no lock held.
func NewMemLocks() *MemLocks { return &MemLocks{} }

// Lock implements [Locker].
func (l *MemLocks) Lock(ctx context.Context, key string) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*memLock)
	}
	k := l.m[key]
	if k == nil {
		k = &memLock{ch: make(chan struct{}, 1)}
		l.m[key] = k
	}
	k.n++
	l.mu.Unlock()
	select {
	case k.ch <- struct{}{}:
	case <-ctx.Done():
		l.leave(key, k)
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-k.ch
			l.leave(key, k)
		})
	}, nil
}

// leave counts out a holder or waiter of key, forgetting the key once
// nobody holds or waits for it.
func (l *MemLocks) leave(key string, k *memLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if k.n--; k.n == 0 {
		delete(l.m, key)
	}
}

// Len returns how many keys l holds or waits for, and so keeps in
// memory.
func (l *MemLocks) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}
