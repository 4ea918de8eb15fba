// Package memroster is an in-memory [contactcenter.Roster]: the people an
// event can call on, activated for a service when the scaler deploys
// agents and released when it deploys fewer. Hosts with a staff
// directory or a workforce-management system implement the Roster on it;
// this one is for tests, examples and small events.
package memroster

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/eventcc/eventcc/contactcenter"
)

var _ contactcenter.Roster = (*Roster)(nil)

// ErrInvalid is wrapped by New's error for a person it refuses.
var ErrInvalid = errors.New("memroster: invalid person")

// Roster holds people and who of them is on duty for which service. A
// person is on duty for at most one service at a time. It is safe for
// concurrent use.
type Roster struct {
	mu     sync.Mutex
	people []contactcenter.Person // in the order given: activation prefers the earliest
	duty   map[string]string      // person → service
	onDuty map[string][]string    // service → people, in the order activated
	byID   map[string]contactcenter.Person
}

// New returns a roster of people, activated in the order given among
// those equally suited. Every person needs an ID no other has.
func New(people ...contactcenter.Person) (*Roster, error) {
	r := &Roster{duty: map[string]string{}, onDuty: map[string][]string{}, byID: map[string]contactcenter.Person{}}
	for i, p := range people {
		switch _, dup := r.byID[p.ID]; {
		case p.ID == "":
			return nil, fmt.Errorf("memroster: people[%d].ID: empty: %w", i, ErrInvalid)
		case dup:
			return nil, fmt.Errorf("memroster: people[%d].ID: %q given twice: %w", i, p.ID, ErrInvalid)
		}
		p.Skills, p.Capacity, p.Seat = maps.Clone(p.Skills), maps.Clone(p.Capacity), ""
		r.people = append(r.people, p)
		r.byID[p.ID] = p
	}
	return r, nil
}

// Staff implements [contactcenter.Roster]: it activates free people,
// those with the most of the requested skills first, or releases those
// activated last, until r.Count are on duty for the service (fewer if
// nobody else is free).
func (r *Roster) Staff(ctx context.Context, req contactcenter.StaffRequest) ([]contactcenter.Person, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req.ServiceID == "" {
		return nil, fmt.Errorf("memroster: staff: empty service ID: %w", ErrInvalid)
	}
	if req.Count < 0 {
		return nil, fmt.Errorf("memroster: staff %s: negative count %d: %w", req.ServiceID, req.Count, ErrInvalid)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	on := r.onDuty[req.ServiceID]
	for len(on) > req.Count { // release the last activated
		delete(r.duty, on[len(on)-1])
		on = on[:len(on)-1]
	}
	if len(on) < req.Count {
		free := make([]contactcenter.Person, 0, len(r.people))
		for _, p := range r.people {
			if _, busy := r.duty[p.ID]; !busy {
				free = append(free, p)
			}
		}
		suited := func(p contactcenter.Person) int {
			n := 0
			for _, k := range req.Skills {
				if p.Skills[k] > 0 {
					n++
				}
			}
			return n
		}
		slices.SortStableFunc(free, func(a, b contactcenter.Person) int { return suited(b) - suited(a) })
		for _, p := range free {
			if len(on) == req.Count {
				break
			}
			r.duty[p.ID] = req.ServiceID
			on = append(on, p.ID)
		}
	}
	if len(on) == 0 {
		delete(r.onDuty, req.ServiceID)
	} else {
		r.onDuty[req.ServiceID] = on
	}
	out := make([]contactcenter.Person, len(on))
	for i, id := range on {
		p := r.byID[id]
		p.Skills, p.Capacity = maps.Clone(p.Skills), maps.Clone(p.Capacity)
		out[i] = p
	}
	return out, nil
}

// OnDuty returns the IDs of the people on duty for the service, in the
// order activated.
func (r *Roster) OnDuty(serviceID string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.onDuty[serviceID])
}
