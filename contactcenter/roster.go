package contactcenter

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/template"
)

// Person is someone an event can call on to work as an agent: staff, a
// volunteer, a member of an outsourced team. Their ID is the access
// principal of their grant.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Skills and their levels (1 to 100): languages, topics. A queue's
	// skills must all be here for the person to serve it.
	Skills map[string]int `json:"skills,omitempty"`
	// Capacity is how many engagements of each kind the person takes at
	// once. Nil: the template's concurrency for each of the service's
	// modalities.
	Capacity map[modality.Kind]int `json:"capacity,omitempty"`
	// Seat is the provisioner's agent seat (and its licences) assigned
	// to the person while on duty; the lifecycle sets it.
	Seat string `json:"seat,omitempty"`
}

// StaffRequest asks a [Roster] for the people on duty for a service.
type StaffRequest struct {
	ServiceID string
	EventID   string
	// Count is how many people the service needs on duty now.
	Count int
	// Skills are those the service's queues require: people who have
	// them serve more of its engagements.
	Skills []string
}

// Roster is the people an event can call on. The lifecycle asks it for
// agents when the scaler deploys them and releases them when it
// deploys fewer; each person on duty is given an agent seat and a grant
// whose principal is the person.
//
// Implementations must be safe for concurrent use. Staff is idempotent:
// asking again for the same Count changes nothing.
type Roster interface {
	// Staff brings the people on duty for the service to r.Count,
	// activating more (preferring those with r.Skills) or releasing
	// those it activated last, and returns everyone on duty, in the
	// order they were activated, in a new slice. It returns fewer than
	// r.Count when it has nobody else; Count 0 releases everyone.
	Staff(ctx context.Context, r StaffRequest) ([]Person, error)
}

// staff assigns people to the agent seats held, asking the roster for
// as many people as seats. Without a Roster (Config.Roster nil) each
// seat is a person, named by the seat's ID, with every skill the
// service's queues require. With fewer people than seats, it gives the
// seats nobody takes back to the provisioner, and returns the seats
// held after that. A person keeps the seat they held.
func (p ports) staff(ctx context.Context, s *Service, seats []Item) ([]Person, []Item, error) {
	skills := queueSkills(s.Config)
	if p.cfg.Roster == nil {
		people := make([]Person, len(seats))
		for i, it := range seats {
			sk := make(map[string]int, len(skills))
			for _, k := range skills {
				sk[k] = 1
			}
			people[i] = Person{ID: it.ID, Skills: sk, Seat: it.ID}
		}
		return people, seats, nil
	}
	people, err := p.cfg.Roster.Staff(ctx, StaffRequest{ServiceID: s.ID, EventID: s.Request.EventID, Count: len(seats), Skills: skills})
	if err != nil {
		return nil, seats, fmt.Errorf("roster: staff %d: %w", len(seats), err)
	}
	if len(people) > len(seats) {
		return nil, seats, fmt.Errorf("roster: staff %d: returned %d people", len(seats), len(people))
	}
	if len(people) < len(seats) {
		// No seat, and no licence, for nobody.
		if seats, err = p.cfg.Provisioner.Set(ctx, s.ID, Agents, len(people)); err != nil {
			return nil, seats, fmt.Errorf("release seats the roster could not fill: %w", err)
		}
	}
	return assignSeats(s.Staff, people, seats), seats, nil
}

// assignSeats gives each person a seat: the one they held before if it
// is still held, else the first free one.
func assignSeats(before, people []Person, seats []Item) []Person {
	had := make(map[string]string, len(before))
	for _, p := range before {
		had[p.ID] = p.Seat
	}
	held := make(map[string]bool, len(seats))
	for _, it := range seats {
		held[it.ID] = true
	}
	taken := make(map[string]bool, len(seats))
	out := make([]Person, len(people))
	for i, p := range people {
		p.Seat = ""
		if seat := had[p.ID]; held[seat] {
			p.Seat = seat
			taken[seat] = true
		}
		out[i] = p
	}
	free := seats[:0:0]
	for _, it := range seats {
		if !taken[it.ID] {
			free = append(free, it)
		}
	}
	for i := range out {
		if out[i].Seat == "" && len(free) > 0 {
			out[i].Seat, free = free[0].ID, free[1:]
		}
	}
	return out
}

// queueSkills returns every skill the service's queues require, sorted.
func queueSkills(cfg template.Config) []string {
	seen := map[string]bool{}
	for _, q := range cfg.Queues {
		for _, k := range q.Skills {
			seen[k] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// agentOf is who a person on duty is to the service's router.
func agentOf(cfg template.Config, p Person) routing.Agent {
	capacity := p.Capacity
	if capacity == nil {
		capacity = make(map[modality.Kind]int, len(cfg.Modalities))
		for _, m := range cfg.Modalities {
			capacity[m.Kind] = max(m.Concurrency, 1)
		}
	}
	return routing.Agent{ID: p.ID, Skills: p.Skills, Capacity: capacity}
}
