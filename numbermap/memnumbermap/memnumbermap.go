package memnumbermap

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/eventcc/eventcc/numbermap"
)

var _ numbermap.Store = (*Store)(nil)

// Store is an in-memory [numbermap.Store]. Its zero value is not usable;
// call [New]. It is safe for concurrent use: every method holds one mutex
// for its whole change, so each is atomic.
type Store struct {
	mu      sync.RWMutex
	records map[numbermap.Number]*numbermap.Record
	// byService indexes the numbers whose Lease is that service's.
	byService map[string]map[numbermap.Number]struct{}
}

// New returns an empty Store.
func New() *Store {
	return &Store{
		records:   make(map[numbermap.Number]*numbermap.Record),
		byService: make(map[string]map[numbermap.Number]struct{}),
	}
}

// clone returns a copy of r that shares nothing with it.
func clone(r *numbermap.Record) numbermap.Record {
	c := *r
	if r.Lease != nil {
		l := *r.Lease
		c.Lease = &l
	}
	return c
}

// Add implements [numbermap.Store.Add].
func (s *Store) Add(ctx context.Context, numbers ...numbermap.Owned) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[numbermap.Number]bool, len(numbers))
	for _, o := range numbers {
		if !o.Number.Valid() {
			return fmt.Errorf("memnumbermap: add %q: not in E.164 form: %w", o.Number, numbermap.ErrInvalid)
		}
		if _, ok := s.records[o.Number]; ok || seen[o.Number] {
			return fmt.Errorf("memnumbermap: add %s: %w", o.Number, numbermap.ErrExists)
		}
		seen[o.Number] = true
	}
	for _, o := range numbers {
		s.records[o.Number] = &numbermap.Record{Owned: o, Revision: 1}
	}
	return nil
}

// validateClaim checks what a claim request must carry.
func validateClaim(req numbermap.ClaimRequest) error {
	switch {
	case req.Count < 1:
		return fmt.Errorf("memnumbermap: claim of %d numbers, want at least 1: %w", req.Count, numbermap.ErrInvalid)
	case req.Lease.ServiceID == "":
		return fmt.Errorf("memnumbermap: claim without a Lease.ServiceID: %w", numbermap.ErrInvalid)
	case !req.Lease.Expires.After(req.Lease.Start):
		return fmt.Errorf("memnumbermap: claim for %q: Lease.Expires %v is not after Lease.Start %v: %w",
			req.Lease.ServiceID, req.Lease.Expires, req.Lease.Start, numbermap.ErrInvalid)
	}
	if err := numbermap.ValidatePolicy(req.Lease.Policy); err != nil {
		return fmt.Errorf("memnumbermap: claim for %q: %w", req.Lease.ServiceID, err)
	}
	return nil
}

// Claim implements [numbermap.Store.Claim].
func (s *Store) Claim(ctx context.Context, req numbermap.ClaimRequest) ([]numbermap.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := validateClaim(req); err != nil {
		return nil, err
	}
	service := req.Lease.ServiceID
	s.mu.Lock()
	defer s.mu.Unlock()
	if held := len(s.byService[service]); held > 0 {
		if held != req.Count {
			return nil, fmt.Errorf("memnumbermap: claim of %d numbers for %q, which already holds %d: %w",
				req.Count, service, held, numbermap.ErrConflict)
		}
		return s.listLocked(service), nil
	}

	// Keep the req.Count best candidates in a heap whose root is the worst
	// of them: one pass over the pool, without sorting all of it.
	best := &candidates{}
	available := 0
	for _, r := range s.records {
		if req.Country != "" && r.Country != req.Country {
			continue
		}
		from := r.AvailableFrom()
		if from.After(req.At) {
			continue
		}
		available++
		c := candidate{r, from}
		switch {
		case best.Len() < req.Count:
			heap.Push(best, c)
		case c.before((*best)[0]):
			(*best)[0] = c
			heap.Fix(best, 0)
		}
	}
	if available < req.Count {
		return nil, fmt.Errorf("memnumbermap: claim of %d numbers (country %q) for %q at %v: %d available: %w",
			req.Count, req.Country, service, req.At, available, numbermap.ErrInsufficient)
	}

	out := make([]numbermap.Record, 0, req.Count)
	for _, c := range *best {
		r := c.rec
		if r.Lease != nil {
			s.unindex(r.Lease.ServiceID, r.Number)
		}
		lease := req.Lease
		r.Lease = &lease
		r.AvailableAt = c.from
		r.Revision++
		s.index(service, r.Number)
		out = append(out, clone(r))
	}
	slices.SortFunc(out, byNumber)
	return out, nil
}

// candidate is a number Claim may lease, available from from.
type candidate struct {
	rec  *numbermap.Record
	from time.Time
}

// before reports whether c is preferred to d: available longer, or as long
// and a lower number.
func (c candidate) before(d candidate) bool {
	if cmp := c.from.Compare(d.from); cmp != 0 {
		return cmp < 0
	}
	return c.rec.Number < d.rec.Number
}

// candidates is a heap whose root is the least preferred candidate.
type candidates []candidate

func (h candidates) Len() int           { return len(h) }
func (h candidates) Less(i, j int) bool { return h[j].before(h[i]) }
func (h candidates) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *candidates) Push(x any)        { *h = append(*h, x.(candidate)) }
func (h *candidates) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

func byNumber(a, b numbermap.Record) int { return cmp.Compare(a.Number, b.Number) }

func (s *Store) index(service string, n numbermap.Number) {
	set := s.byService[service]
	if set == nil {
		set = make(map[numbermap.Number]struct{})
		s.byService[service] = set
	}
	set[n] = struct{}{}
}

func (s *Store) unindex(service string, n numbermap.Number) {
	set := s.byService[service]
	delete(set, n)
	if len(set) == 0 {
		delete(s.byService, service)
	}
}

// Get implements [numbermap.Store.Get].
func (s *Store) Get(ctx context.Context, n numbermap.Number) (numbermap.Record, error) {
	if err := ctx.Err(); err != nil {
		return numbermap.Record{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.records[n]
	if !ok {
		return numbermap.Record{}, fmt.Errorf("memnumbermap: get %q: %w", n, numbermap.ErrNotFound)
	}
	return clone(r), nil
}

// ListByService implements [numbermap.Store.ListByService].
func (s *Store) ListByService(ctx context.Context, serviceID string) ([]numbermap.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.listLocked(serviceID), nil
}

// listLocked returns copies of service's records sorted by number; s.mu
// is held.
func (s *Store) listLocked(service string) []numbermap.Record {
	set := s.byService[service]
	out := make([]numbermap.Record, 0, len(set))
	for n := range set {
		out = append(out, clone(s.records[n]))
	}
	slices.SortFunc(out, byNumber)
	return out
}

// SetExpiry implements [numbermap.Store.SetExpiry].
func (s *Store) SetExpiry(ctx context.Context, serviceID string, expires time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.byService[serviceID]
	for n := range set {
		if l := s.records[n].Lease; expires.Before(l.Start) {
			return 0, fmt.Errorf("memnumbermap: set expiry of %q to %v: before the lease of %s started (%v): %w",
				serviceID, expires, n, l.Start, numbermap.ErrInvalid)
		}
	}
	for n := range set {
		r := s.records[n]
		if !r.Lease.Expires.Equal(expires) {
			r.Lease.Expires = expires
			r.Revision++
		}
	}
	return len(set), nil
}

// Release implements [numbermap.Store.Release].
func (s *Store) Release(ctx context.Context, serviceID string, at time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.byService[serviceID]
	for n := range set {
		r := s.records[n]
		r.Lease = nil
		if at.After(r.AvailableAt) {
			r.AvailableAt = at
		}
		r.Revision++
	}
	delete(s.byService, serviceID)
	return len(set), nil
}
