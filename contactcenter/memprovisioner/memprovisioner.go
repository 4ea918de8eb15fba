package memprovisioner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/eventcc/eventcc/contactcenter"
)

// Limits is the capacity of the account, in units of each kind, shared by
// every service. Zero means unlimited.
type Limits struct {
	Space       int
	Licences    int
	Agents      int
	Supervisors int
}

func (l Limits) of(kind contactcenter.Resource) int {
	switch kind {
	case contactcenter.Space:
		return l.Space
	case contactcenter.Licences:
		return l.Licences
	case contactcenter.Agents:
		return l.Agents
	case contactcenter.Supervisors:
		return l.Supervisors
	}
	return 0
}

// prefixes start the IDs of the items of each kind.
var prefixes = map[contactcenter.Resource]string{
	contactcenter.Space:       "space",
	contactcenter.Licences:    "licence",
	contactcenter.Agents:      "agent",
	contactcenter.Supervisors: "supervisor",
}

// Provisioner is an in-memory [contactcenter.Provisioner]. The zero value
// is not ready for use; call [New].
type Provisioner struct {
	limits Limits

	mu sync.Mutex
	// held lists, by service and kind, the numbers of the items held, in
	// ascending order. Kinds with nothing held and services holding
	// nothing have no entry.
	held map[string]map[contactcenter.Resource][]int
	// last is, by service and kind, the highest number ever given; it
	// outlives the items so numbers are never reused.
	last  map[string]map[contactcenter.Resource]int
	total map[contactcenter.Resource]int
}

var _ contactcenter.Provisioner = (*Provisioner)(nil)

// New returns a Provisioner whose account holds limits, with nothing held.
// Negative limits count as zero: unlimited.
func New(limits Limits) *Provisioner {
	return &Provisioner{
		limits: limits,
		held:   make(map[string]map[contactcenter.Resource][]int),
		last:   make(map[string]map[contactcenter.Resource]int),
		total:  make(map[contactcenter.Resource]int),
	}
}

// errInvalid is the cause of errors for requests that retrying cannot fix.
var errInvalid = errors.New("memprovisioner: invalid request")

// Set brings the number of items of kind held for serviceID to n, adding
// items with new IDs or releasing the highest-numbered first, and returns
// the items of that kind held afterwards, sorted by ID. If the account's
// free capacity of kind cannot hold n, Set returns an error wrapping
// [contactcenter.ErrQuota] and holds what it held before.
func (p *Provisioner) Set(ctx context.Context, serviceID string, kind contactcenter.Resource, n int) ([]contactcenter.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := validate(serviceID, kind); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, contactcenter.Permanent(fmt.Errorf("memprovisioner: service %q: %d %s: %w", serviceID, n, kind, errInvalid))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	held := p.held[serviceID][kind]
	switch cur := len(held); {
	case n > cur:
		if limit := p.limits.of(kind); limit > 0 && p.total[kind]-cur+n > limit {
			return nil, fmt.Errorf("memprovisioner: service %q: %d %s wanted, %d held, %d of %d free in the account: %w",
				serviceID, n, kind, cur, limit-p.total[kind], limit, contactcenter.ErrQuota)
		}
		last := p.last[serviceID]
		if last == nil {
			last = make(map[contactcenter.Resource]int)
			p.last[serviceID] = last
		}
		for range n - cur {
			last[kind]++
			held = append(held, last[kind])
		}
	case n < cur:
		held = held[:n] // the highest numbers go
	}
	p.total[kind] += n - len(p.held[serviceID][kind])
	p.store(serviceID, kind, held)
	return items(serviceID, kind, held), nil
}

// store records held as what serviceID holds of kind.
func (p *Provisioner) store(serviceID string, kind contactcenter.Resource, held []int) {
	kinds := p.held[serviceID]
	if len(held) == 0 {
		delete(kinds, kind)
		if len(kinds) == 0 {
			delete(p.held, serviceID)
		}
		return
	}
	if kinds == nil {
		kinds = make(map[contactcenter.Resource][]int)
		p.held[serviceID] = kinds
	}
	kinds[kind] = held
}

// Inventory lists every item held for serviceID, by kind in the order of
// [contactcenter.Resources], then by ID.
func (p *Provisioner) Inventory(ctx context.Context, serviceID string) ([]contactcenter.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []contactcenter.Item
	for _, kind := range contactcenter.Resources() {
		out = append(out, items(serviceID, kind, p.held[serviceID][kind])...)
	}
	return out, nil
}

// Total returns the number of items of kind held for every service
// together.
func (p *Provisioner) Total(kind contactcenter.Resource) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.total[kind]
}

func validate(serviceID string, kind contactcenter.Resource) error {
	if serviceID == "" {
		return contactcenter.Permanent(fmt.Errorf("memprovisioner: empty service ID: %w", errInvalid))
	}
	if _, ok := prefixes[kind]; !ok {
		return contactcenter.Permanent(fmt.Errorf("memprovisioner: service %q: unknown resource kind %q: %w", serviceID, kind, errInvalid))
	}
	return nil
}

// items returns the items of kind numbered held, sorted by ID.
func items(serviceID string, kind contactcenter.Resource, held []int) []contactcenter.Item {
	out := make([]contactcenter.Item, len(held))
	for i, num := range held {
		out[i] = contactcenter.Item{Kind: kind, ID: fmt.Sprintf("%s-%s-%06d", prefixes[kind], serviceID, num)}
	}
	// Zero padding makes ID order the numbers' order up to 999999; past
	// that, items still come sorted by ID, as the contract asks.
	slices.SortFunc(out, func(a, b contactcenter.Item) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
