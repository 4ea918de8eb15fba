package memstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/eventcc/eventcc/contactcenter"
)

var _ contactcenter.Leaser = (*Store)(nil)

// lease is one owner's hold on one service.
type lease struct {
	owner string
	until time.Time
}

// Acquire implements [contactcenter.Leaser]: it renews owner's leases and
// claims every service not final whose lease is free or expired at now.
func (st *Store) Acquire(ctx context.Context, owner string, now time.Time, ttl time.Duration) ([]contactcenter.Held, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.leases == nil {
		st.leases = make(map[string]lease)
	}
	var held []contactcenter.Held
	for id, s := range st.services {
		if s.State.Final() {
			delete(st.leases, id)
			continue
		}
		l, ok := st.leases[id]
		if ok && l.owner != owner && now.Before(l.until) {
			continue // someone else's, still valid
		}
		st.leases[id] = lease{owner: owner, until: now.Add(ttl)}
		held = append(held, contactcenter.Held{ServiceID: id, Revision: s.Revision})
	}
	slices.SortFunc(held, func(a, b contactcenter.Held) int { return strings.Compare(a.ServiceID, b.ServiceID) })
	return held, nil
}

// Release implements [contactcenter.Leaser].
func (st *Store) Release(ctx context.Context, owner string, ids ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(ids) == 0 {
		for id, l := range st.leases {
			if l.owner == owner {
				delete(st.leases, id)
			}
		}
		return nil
	}
	for _, id := range ids {
		if l, ok := st.leases[id]; ok && l.owner == owner {
			delete(st.leases, id)
		}
	}
	return nil
}
