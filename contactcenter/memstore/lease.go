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
// claims its share of the services not final whose lease is free or
// expired at now, lowest IDs first.
func (st *Store) Acquire(ctx context.Context, owner string, now time.Time, ttl time.Duration) ([]contactcenter.Held, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.leases == nil {
		st.leases = make(map[string]lease)
	}
	if st.owners == nil {
		st.owners = make(map[string]time.Time)
	}
	st.owners[owner] = now.Add(ttl)
	live := 0
	for o, until := range st.owners {
		switch {
		case now.Before(until):
			live++
		case until.Before(now.Add(-ttl)):
			delete(st.owners, o) // long dead
		}
	}
	var held []contactcenter.Held
	var free []string
	active := 0
	for id, s := range st.services {
		if s.State.Final() {
			delete(st.leases, id)
			continue
		}
		active++
		l, ok := st.leases[id]
		switch {
		case ok && l.owner == owner:
			st.leases[id] = lease{owner: owner, until: now.Add(ttl)}
			held = append(held, contactcenter.Held{ServiceID: id, Revision: s.Revision})
		case !ok || !now.Before(l.until):
			free = append(free, id)
		}
	}
	share := (active+live-1)/live - len(held)
	slices.Sort(free)
	for _, id := range free[:max(0, min(share, len(free)))] {
		st.leases[id] = lease{owner: owner, until: now.Add(ttl)}
		held = append(held, contactcenter.Held{ServiceID: id, Revision: st.services[id].Revision})
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
		delete(st.owners, owner)
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

var _ contactcenter.Locator = (*Store)(nil)

// Holder implements [contactcenter.Locator]: the owner whose lease on
// the service is valid at now, or "".
func (st *Store) Holder(ctx context.Context, serviceID string, now time.Time) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if l, ok := st.leases[serviceID]; ok && now.Before(l.until) {
		return l.owner, nil
	}
	return "", nil
}
