package memrecords

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/eventcc/eventcc/modality/routing"
)

var _ routing.Records = (*Store)(nil)

// Store is an in-memory [routing.Records]. The zero value is not ready:
// use [New]. Safe for concurrent use.
type Store struct {
	mu       sync.RWMutex
	services map[string]map[string]routing.Record // by service, then engagement ID
}

// New returns an empty Store.
func New() *Store {
	return &Store{services: make(map[string]map[string]routing.Record)}
}

// Put implements [routing.Records]: it validates every record first,
// then applies them in order under the Store's lock, so that concurrent
// Puts are serialized. The error for skipped records wraps
// [routing.ErrStale] and names them.
func (s *Store) Put(ctx context.Context, recs ...routing.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var invalid []error
	for _, r := range recs {
		if err := r.Validate(); err != nil {
			invalid = append(invalid, err)
		}
	}
	if len(invalid) > 0 {
		return fmt.Errorf("memrecords: put records: %w", errors.Join(invalid...))
	}
	var stale []string
	s.mu.Lock()
	for _, r := range recs {
		byID := s.services[r.ServiceID]
		if byID == nil {
			byID = make(map[string]routing.Record)
			s.services[r.ServiceID] = byID
		}
		if cur, ok := byID[r.ID]; ok && (!cur.Live() || cur.Seq >= r.Seq) {
			stale = append(stale, fmt.Sprintf("%s/%s Seq %d", r.ServiceID, r.ID, r.Seq))
			continue
		}
		byID[r.ID] = r
	}
	s.mu.Unlock()
	if len(stale) > 0 {
		return fmt.Errorf("memrecords: put records: %d of %d skipped (%s): %w",
			len(stale), len(recs), strings.Join(stale, ", "), routing.ErrStale)
	}
	return nil
}

// Live implements [routing.Records].
func (s *Store) Live(ctx context.Context, serviceID string) ([]routing.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := s.collect(serviceID, routing.Record.Live)
	slices.SortFunc(out, func(a, b routing.Record) int {
		if c := a.Arrived.Compare(b.Arrived); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Ended implements [routing.Records].
func (s *Store) Ended(ctx context.Context, serviceID string, from, to time.Time) ([]routing.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := s.collect(serviceID, func(r routing.Record) bool {
		return !r.Live() && !r.Ended.Before(from) && r.Ended.Before(to)
	})
	slices.SortFunc(out, func(a, b routing.Record) int {
		if c := a.Ended.Compare(b.Ended); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// collect returns, in a new slice, the service's records keep selects.
func (s *Store) collect(serviceID string, keep func(routing.Record) bool) []routing.Record {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []routing.Record
	for _, r := range s.services[serviceID] {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// Delete implements [routing.Records].
func (s *Store) Delete(ctx context.Context, serviceID string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.services[serviceID])
	delete(s.services, serviceID)
	return n, nil
}
