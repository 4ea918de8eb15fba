package contactcenter

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventcc/eventcc/scaling"
)

// entry is the lifecycle's working copy of one service.
//
// Whoever holds mu owns the entry: it alone reads and writes svc and the
// fields after it. The registry, deciding which entries to keep, reads
// only what set publishes (the revision, whether the service is final)
// and never waits for mu.
type entry struct {
	// owned: this Lifecycle drives the service (always for a sole driver;
	// for a replica, while it holds the lease). Guarded by registry.mu.
	owned bool

	// Published by set, for readers without mu.
	revision atomic.Int64
	final    atomic.Bool
	// opened: this process has opened the service's entry points on its
	// channels. The stored IntakeOpen says intake is open for the
	// service; opened says whether this process's channels know it, so
	// a new owner (after a takeover or a restart) opens them again.
	// Written under mu.
	opened atomic.Bool
	// line is the service's router and desk in this process, from its
	// channels' opening here until they close or the service ends.
	// Written under mu; read by agents' and channels' calls without it.
	line atomic.Pointer[line]

	mu        sync.Mutex
	svc       Service // as last stored; change it with set
	scaler    *scaling.Autoscaler
	nextScale time.Time
	retryAt   time.Time     // a failing step waits until then
	backoff   *backoffState // of the failing step, nil when none
	// resync: the grants and number leases of the service must be moved
	// to its stored expiry before anything else is done for it: it was
	// taken over, or reloaded with an expiry another replica changed.
	resync bool
}

func newEntry(s Service, owned bool) *entry {
	e := &entry{owned: owned}
	e.set(s)
	return e
}

// set makes s, as stored, the working copy. The caller holds mu (or is
// creating the entry).
func (e *entry) set(s Service) {
	e.svc = s
	e.revision.Store(s.Revision)
	e.final.Store(s.State.Final())
}
