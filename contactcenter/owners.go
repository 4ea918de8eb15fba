package contactcenter

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
)

// registry holds the entries of the services this Lifecycle knows, and
// decides which of them it drives: all for a sole driver, those it holds
// a lease on for a replica.
type registry struct {
	store Store
	owner string        // Config.Owner: "" for a sole driver
	ttl   time.Duration // Config.LeaseTTL
	ports ports         // to take lost services off this process's channels
	log   logr.Logger

	mu       sync.Mutex
	loaded   bool // a sole driver has read the Store's services
	services map[string]*entry
}

// lookup returns the entry of a service, if known.
func (r *registry) lookup(id string) (*entry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.services[id]
	return e, ok
}

// add keeps e unless the service has an entry already, and returns the
// entry kept.
func (r *registry) add(e *entry) *entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.services[e.svc.ID]; ok {
		return old
	}
	r.services[e.svc.ID] = e
	return e
}

// driven returns the entries this Lifecycle drives.
func (r *registry) driven() []*entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	due := make([]*entry, 0, len(r.services))
	for _, e := range r.services {
		if e.owned {
			due = append(due, e)
		}
	}
	return due
}

// drives reports whether this Lifecycle drives the service of e.
func (r *registry) drives(e *entry) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return e.owned
}

// forgetFinal drops finished services from memory; the Store keeps them.
func (r *registry) forgetFinal() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, e := range r.services {
		if e.final.Load() {
			delete(r.services, id)
		}
	}
}

// own decides which services this Lifecycle drives: all of the Store's
// (loaded once) for a sole driver; for a replica, those it holds a lease
// on, renewed at every tick, with any that another replica or a host call
// changed reloaded. It fails when it cannot tell which services are its
// own; errs are the services it could not reload or close, each left for
// the next tick, while the others go on.
func (r *registry) own(ctx context.Context, now time.Time) (errs []error, err error) {
	if r.owner == "" {
		return nil, r.load(ctx)
	}
	held, err := r.store.(Leaser).Acquire(ctx, r.owner, now, r.ttl)
	if err != nil {
		return nil, fmt.Errorf("contactcenter: acquire leases as %q: %w", r.owner, err)
	}
	stale, lost := r.lease(held, now.Add(r.ttl))
	// A service another replica holds now is served by its channels, not
	// ours: close what this process opened, ending what is still live.
	for _, e := range lost {
		if err := r.closeLost(ctx, e); err != nil {
			errs = append(errs, err)
			continue
		}
		r.dropIfLost(e)
	}
	for _, id := range stale {
		if err := r.reload(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return errs, nil
}

// lease marks as driven the services in held, and no others. It returns
// the services to read from the Store (new here, or changed since their
// working copy was stored) and those no longer driven whose entry points
// this process opened: they are kept until closeLost has closed them.
//
// The lines of the services held may act until until: the lease's end,
// by this process's clock.
func (r *registry) lease(held []Held, until time.Time) (stale []string, lost []*entry) {
	want := make(map[string]int64, len(held))
	for _, h := range held {
		want[h.ServiceID] = h.Revision
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, e := range r.services {
		if _, ok := want[id]; ok {
			continue
		}
		e.owned = false
		if e.opened.Load() {
			lost = append(lost, e)
		} else {
			delete(r.services, id)
		}
	}
	for id, rev := range want {
		e, ok := r.services[id]
		if ok {
			e.owned = true
			if ln := e.line.Load(); ln != nil {
				ln.renew(until)
			}
		}
		// A host call holding the entry may be storing a newer revision
		// right now: reloading is harmless, as reload keeps the newer.
		if !ok || e.revision.Load() != rev {
			stale = append(stale, id)
		}
	}
	return stale, lost
}

// dropIfLost forgets e if it is still not driven.
func (r *registry) dropIfLost(e *entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.services[e.svc.ID] == e && !e.owned {
		delete(r.services, e.svc.ID)
	}
}

// reload reads a service this replica holds a lease on from the Store.
func (r *registry) reload(ctx context.Context, id string) error {
	s, err := r.store.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("contactcenter: reload %s: %w", id, err)
	}
	// Taken over (or first seen after a restart): the owner before may
	// have died between issuing a grant or a lease and checking it
	// against a term change made elsewhere.
	fresh := newEntry(s, true)
	fresh.resync = deployed(s.State)
	e := r.add(fresh)
	if e == fresh {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if s.Revision > e.svc.Revision {
		if !s.Expires.Equal(e.svc.Expires) {
			e.resync = true // changed on another replica
		}
		e.set(s)
	}
	return nil
}

// deployed reports whether a service in state st may hold grants and
// number leases its owner issued: from the deploy to the end of closing.
func deployed(st State) bool {
	return st == Deploying || st == Ready || st == Active || st == Terminating
}

// closeLost takes a service this process no longer holds off its
// channels: it ends what is live there and forgets the entry points, so
// that only the owner's channels serve the service.
func (r *registry) closeLost(ctx context.Context, e *entry) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.opened.Load() {
		return nil
	}
	if _, err := r.ports.endLive(ctx, e.svc.ID); err != nil {
		return fmt.Errorf("contactcenter: %s: lost to another replica: disconnect: %w", e.svc.ID, err)
	}
	if err := r.ports.removeChannels(ctx, e.svc.ID); err != nil {
		return fmt.Errorf("contactcenter: %s: lost to another replica: close channels: %w", e.svc.ID, err)
	}
	e.opened.Store(false)
	if ln := e.line.Swap(nil); ln != nil {
		ln.close()
	}
	r.log.Info("service lost to another replica; its channels here are closed", "service", e.svc.ID)
	return nil
}

// load reads the services not yet final from the Store, once.
func (r *registry) load(ctx context.Context) error {
	r.mu.Lock()
	loaded := r.loaded
	r.mu.Unlock()
	if loaded {
		return nil
	}
	svcs, err := r.store.List(ctx, Requested, Scheduled, Deploying, Ready, Active, Terminating)
	if err != nil {
		return fmt.Errorf("contactcenter: load services: %w", err)
	}
	for _, s := range svcs {
		r.add(newEntry(s, true))
	}
	r.mu.Lock()
	r.loaded = true
	r.mu.Unlock()
	return nil
}

// entryFor returns the working entry of a service, loading it from the
// Store if needed.
func (r *registry) entryFor(ctx context.Context, id string) (*entry, error) {
	if e, ok := r.lookup(id); ok {
		return e, nil
	}
	s, err := r.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return r.add(newEntry(s, r.owner == "")), nil
}
