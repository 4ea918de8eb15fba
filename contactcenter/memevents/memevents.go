package memevents

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/eventcc/eventcc/contactcenter"
)

// Op is what a call did.
type Op string

const (
	OpPublish Op = "publish"
	OpRetract Op = "retract"
)

// Record is one Publish or Retract, as the EventSystem received it.
type Record struct {
	Op        Op
	ServiceID string
	// Publication is what was published, for OpPublish; zero for
	// OpRetract.
	Publication contactcenter.Publication
}

// EventSystem is an in-memory [contactcenter.EventSystem]. The zero value
// is not ready for use; call [New].
type EventSystem struct {
	mu        sync.Mutex
	published map[string]contactcenter.Publication
	history   []Record
}

var _ contactcenter.EventSystem = (*EventSystem)(nil)

// New returns an EventSystem with nothing published.
func New() *EventSystem {
	return &EventSystem{published: make(map[string]contactcenter.Publication)}
}

var errNoService = contactcenter.Permanent(errors.New("memevents: publication without a service ID"))

// Publish shows a copy of p, replacing what was published for p.ServiceID.
func (es *EventSystem) Publish(ctx context.Context, p contactcenter.Publication) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.ServiceID == "" {
		return errNoService
	}
	p = copyPublication(p)
	es.mu.Lock()
	defer es.mu.Unlock()
	es.published[p.ServiceID] = p
	es.history = append(es.history, Record{Op: OpPublish, ServiceID: p.ServiceID, Publication: p})
	return nil
}

// Retract withdraws what was published for serviceID, if anything.
func (es *EventSystem) Retract(ctx context.Context, serviceID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	es.mu.Lock()
	defer es.mu.Unlock()
	delete(es.published, serviceID)
	es.history = append(es.history, Record{Op: OpRetract, ServiceID: serviceID})
	return nil
}

// Published returns a copy of what is published for serviceID, and
// whether anything is.
func (es *EventSystem) Published(serviceID string) (contactcenter.Publication, bool) {
	es.mu.Lock()
	defer es.mu.Unlock()
	p, ok := es.published[serviceID]
	if !ok {
		return contactcenter.Publication{}, false
	}
	return copyPublication(p), true
}

// History returns a copy of every Publish and Retract that succeeded, in
// the order they did.
func (es *EventSystem) History() []Record {
	es.mu.Lock()
	defer es.mu.Unlock()
	out := make([]Record, len(es.history))
	for i, r := range es.history {
		r.Publication = copyPublication(r.Publication)
		out[i] = r
	}
	return out
}

func copyPublication(p contactcenter.Publication) contactcenter.Publication {
	p.EntryPoints = slices.Clone(p.EntryPoints)
	return p
}
