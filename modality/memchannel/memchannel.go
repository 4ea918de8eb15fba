package memchannel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/eventcc/eventcc/modality"
)

var _ modality.Channel = (*Channel)(nil)

// ErrRouted is returned by [Channel.Answer] for an engagement handed to
// its service's router ([modality.Setup.Router]): the router decides who
// answers it, through the agents' desk.
var ErrRouted = errors.New("memchannel: the engagement is routed")

// Channel is an in-memory [modality.Channel] for any of the kinds. Besides
// the Channel methods it has methods that drive traffic as attendees and
// agents would: [Channel.Arrive], [Channel.Answer], [Channel.End], and
// [Channel.Engagements] to look at what is live.
//
// Make one with [New]; the zero value is not usable.
//
// A Channel is safe for concurrent use by multiple goroutines. It holds
// only live engagements: an engagement that ends (by [Channel.End] or
// [Channel.Disconnect]) is forgotten once it is counted, so memory
// follows the traffic of the moment, not its history.
//
// The channel has no clock. Its time is the latest instant it has been
// given by Arrive, Answer or End; [Channel.Disconnect], which takes no
// instant, ends engagements at that time.
type Channel struct {
	kinds []modality.Kind       // served, in the order of modality.Kinds; immutable
	index map[modality.Kind]int // position of a served kind in kinds; immutable

	mu       sync.Mutex
	services map[string]*service    // by service ID, every service ever opened
	live     map[string]*engagement // by engagement ID, every live engagement
	seq      uint64                 // last engagement number handed out
	now      time.Time              // latest instant given to a traffic method
}

// service is what the channel holds for one service.
type service struct {
	open        bool                           // opened and not closed since
	intake      bool                           // accepting new engagements
	entryPoints map[string]modality.EntryPoint // by name; nil once closed
	queues      []string
	reception   *modality.Receptionist
	router      modality.Router        // nil: agents answer through Channel.Answer
	live        map[string]*engagement // by ID
	counts      []modality.Counts      // per served kind, in the order of kinds
}

type engagement struct {
	e      modality.Engagement
	svc    *service
	router modality.Router // the router it was handed to, or nil
	queue  string          // "" while with the receptionist
}

// New returns a channel serving kinds, or every kind when none is given.
// Duplicates are dropped and [Channel.Kinds] lists the kinds in the order
// of [modality.Kinds]. A kind that is none of the five is an error
// wrapping [modality.ErrUnknownKind].
func New(kinds ...modality.Kind) (*Channel, error) {
	if len(kinds) == 0 {
		kinds = modality.Kinds()
	}
	want := make(map[modality.Kind]bool, len(kinds))
	var errs []error
	for i, k := range kinds {
		if _, err := modality.ParseKind(string(k)); err != nil {
			errs = append(errs, fmt.Errorf("memchannel: kinds[%d]: %w", i, err))
			continue
		}
		want[k] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	c := &Channel{
		index:    make(map[modality.Kind]int, len(want)),
		services: make(map[string]*service),
		live:     make(map[string]*engagement),
	}
	for _, k := range modality.Kinds() {
		if want[k] {
			c.index[k] = len(c.kinds)
			c.kinds = append(c.kinds, k)
		}
	}
	return c, nil
}

// Kinds lists the kinds the channel serves, in the order of
// [modality.Kinds]; it never changes. The slice is new on each call and
// belongs to the caller.
func (c *Channel) Kinds() []modality.Kind { return slices.Clone(c.kinds) }

// Open configures serviceID from s and starts accepting engagements,
// replacing a previous setup of the service; live engagements and counts
// are kept. Opening after [Channel.StopIntake] or [Channel.Remove] accepts
// engagements again. The channel keeps its own copy of s.
//
// Open validates s first and, if anything is wrong, returns every problem
// together (joined with [errors.Join]), each naming its field, and opens
// nothing: the service's previous setup, if any, stays. An entry point of
// a kind the channel does not serve is [modality.ErrUnsupported] (and also
// [modality.ErrUnknownKind] when the kind is none of the five). The other
// problems are: a blank service id; a blank or repeated entry point name;
// a blank or repeated queue; an entry point or receptionist option naming
// a queue that is not in s.Queues; an entry point without a queue when
// there is neither a receptionist nor a queue; a receptionist that fails
// [modality.Receptionist.Validate].
//
// A done ctx returns ctx.Err() and changes nothing.
func (c *Channel) Open(ctx context.Context, serviceID string, s modality.Setup) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.validate(serviceID, s); err != nil {
		return fmt.Errorf("memchannel: open service %q: %w", serviceID, err)
	}
	eps := make(map[string]modality.EntryPoint, len(s.EntryPoints))
	for _, ep := range s.EntryPoints {
		eps[ep.Name] = ep
	}
	var reception *modality.Receptionist
	if s.Receptionist != nil {
		r := *s.Receptionist
		r.Options = slices.Clone(r.Options)
		reception = &r
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	svc := c.services[serviceID]
	if svc == nil {
		svc = &service{counts: make([]modality.Counts, len(c.kinds))}
		for i, k := range c.kinds {
			svc.counts[i].Kind = k
		}
		c.services[serviceID] = svc
	}
	svc.open, svc.intake = true, true
	svc.entryPoints = eps
	svc.queues = slices.Clone(s.Queues)
	svc.reception = reception
	svc.router = s.Router
	return nil
}

// validate reports every problem of s together.
func (c *Channel) validate(serviceID string, s modality.Setup) error {
	return s.Validate(serviceID, c.kinds)
}

// StopIntake refuses new engagements for serviceID from now on:
// [Channel.Arrive] returns [modality.ErrIntakeStopped]. Live engagements
// go on. It is not an error for a service that is not open. A done ctx
// returns ctx.Err() and changes nothing.
func (c *Channel) StopIntake(ctx context.Context, serviceID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if svc := c.services[serviceID]; svc != nil {
		svc.intake = false
	}
	return nil
}

// Disconnect ends every live engagement of serviceID, waiting or active,
// whether or not the service is still open, and returns how many it ended.
// They are counted as if ended by [Channel.End] at the channel's time (the
// latest instant it has been given): active ones as completed, waiting
// ones as abandoned. Afterwards the channel holds none of them. A service
// with nothing live, or never opened, gives 0. A done ctx returns
// ctx.Err() and ends nothing.
//
// Disconnect takes time proportional to the service's live engagements,
// not to the channel's.
func (c *Channel) Disconnect(ctx context.Context, serviceID string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	c.mu.Lock()
	svc := c.services[serviceID]
	if svc == nil {
		c.mu.Unlock()
		return 0, nil
	}
	n := len(svc.live)
	var routed []*engagement
	for id, e := range svc.live {
		delete(c.live, id)
		c.count(e, c.now)
		if e.router != nil {
			routed = append(routed, e)
		}
	}
	svc.live = nil // drop the map rather than clear it, so its memory goes too
	c.mu.Unlock()
	// The attendees are gone: their routers are told, outside the lock.
	var errs []error
	for _, e := range routed {
		if err := e.router.Hangup(e.e.ID); err != nil {
			errs = append(errs, fmt.Errorf("memchannel: disconnect %q: router: %w", e.e.ID, err))
		}
	}
	return n, errors.Join(errs...)
}

// Remove forgets serviceID's entry points: [Channel.Arrive] on them returns
// [modality.ErrNotOpen] until the service is opened again. Live
// engagements are not ended (call [Channel.Disconnect] first, or after)
// and counts are kept. Remove is idempotent and not an error for a service
// never opened. A done ctx returns ctx.Err() and changes nothing.
func (c *Channel) Remove(ctx context.Context, serviceID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if svc := c.services[serviceID]; svc != nil {
		svc.open, svc.intake = false, false
		svc.entryPoints, svc.queues, svc.reception = nil, nil, nil
	}
	return nil
}

// Counts returns serviceID's traffic per kind served, in the order of
// [Channel.Kinds]. A service never opened has zero counts. Counts survive
// [Channel.Remove] and a new [Channel.Open]: cumulative fields never go
// down. The slice is new on each call and belongs to the caller. A done
// ctx returns ctx.Err().
func (c *Channel) Counts(ctx context.Context, serviceID string) ([]modality.Counts, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if svc := c.services[serviceID]; svc != nil {
		return slices.Clone(svc.counts), nil
	}
	out := make([]modality.Counts, len(c.kinds))
	for i, k := range c.kinds {
		out[i].Kind = k
	}
	return out, nil
}

// Arrive is an attendee reaching serviceID through the entry point named
// entryPoint at the instant at, from the address from: it creates a
// [modality.Waiting] engagement with an ID unique on the channel and
// returns it (a copy; the caller owns it).
//
// It returns [modality.ErrNotOpen] if the service is not open on the
// channel or has no such entry point (the error says which), and
// [modality.ErrIntakeStopped] after [Channel.StopIntake]. A done ctx
// returns ctx.Err() and creates nothing. Safe for concurrent use.
//
// For a service opened with a router ([modality.Setup.Router]), an
// engagement arriving on an entry point with a queue (or, with no
// receptionist, for the first queue) is handed to the router, which
// decides the rest: an agent's acceptance makes it Active, a requeue
// Waiting again, and its end ends it here. If the router turns it away,
// Arrive returns the router's error (wrapping [modality.ErrBusy] when the
// queue is full) and the arrival is not counted. [Channel.End] and
// [Channel.Disconnect] tell the router the attendee left.
func (c *Channel) Arrive(ctx context.Context, serviceID, entryPoint, from string, at time.Time) (modality.Engagement, error) {
	if err := ctx.Err(); err != nil {
		return modality.Engagement{}, err
	}
	e, snap, queue, router, err := c.arrive(serviceID, entryPoint, from, at)
	if err != nil || router == nil {
		return snap, err
	}
	// Handed to the service's router, outside the lock: it may decide at
	// once, and notify takes the lock.
	if _, err := router.Enqueue(snap, queue, func(d modality.Decision) { c.decided(e, d) }); err != nil {
		c.refuse(e)
		return modality.Engagement{}, fmt.Errorf("memchannel: arrive at service %q: %w", serviceID, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.e, nil
}

// arrive creates the engagement and returns it, a copy of it, the queue
// it waits in and the router to hand it to (nil: none).
func (c *Channel) arrive(serviceID, entryPoint, from string, at time.Time) (e *engagement, snap modality.Engagement, queue string, router modality.Router, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	svc := c.services[serviceID]
	if svc == nil || !svc.open {
		return nil, snap, "", nil, fmt.Errorf("memchannel: arrive at service %q: %w", serviceID, modality.ErrNotOpen)
	}
	ep, ok := svc.entryPoints[entryPoint]
	if !ok {
		return nil, snap, "", nil, fmt.Errorf("memchannel: arrive at service %q: entry point %q unknown: %w", serviceID, entryPoint, modality.ErrNotOpen)
	}
	if !svc.intake {
		return nil, snap, "", nil, fmt.Errorf("memchannel: arrive at service %q: %w", serviceID, modality.ErrIntakeStopped)
	}
	c.tick(at)
	c.seq++
	e = &engagement{svc: svc, e: modality.Engagement{
		ID:         fmt.Sprintf("eng-%08d", c.seq),
		ServiceID:  serviceID,
		Kind:       ep.Kind,
		EntryPoint: ep.Name,
		From:       from,
		State:      modality.Waiting,
		Arrived:    at,
	}}
	c.live[e.e.ID] = e
	if svc.live == nil {
		svc.live = make(map[string]*engagement)
	}
	svc.live[e.e.ID] = e
	n := &svc.counts[c.index[ep.Kind]]
	n.Arrivals++
	n.Waiting++
	queue = ep.Queue
	if queue == "" && svc.reception == nil && len(svc.queues) > 0 {
		queue = svc.queues[0]
	}
	e.queue = queue
	if queue != "" {
		e.router = svc.router
	}
	return e, e.e, queue, e.router, nil
}

// Respond is the attendee of engagement id answering the service's
// virtual receptionist with input (a key pressed, a word typed): it
// returns the receptionist's reply. A reply that hands off to a queue
// puts the engagement there: handed to the service's router, if it has
// one (a refusal is the router's error, and the engagement ends,
// abandoned). It returns [modality.ErrNotFound] for no live engagement
// id, and an error for an engagement that is not with the receptionist.
// A done ctx returns ctx.Err() and changes nothing.
func (c *Channel) Respond(ctx context.Context, id, input string) (modality.Reply, error) {
	if err := ctx.Err(); err != nil {
		return modality.Reply{}, err
	}
	c.mu.Lock()
	e, ok := c.live[id]
	switch {
	case !ok:
		c.mu.Unlock()
		return modality.Reply{}, fmt.Errorf("memchannel: respond %q: %w", id, modality.ErrNotFound)
	case e.queue != "" || e.svc.reception == nil:
		c.mu.Unlock()
		return modality.Reply{}, fmt.Errorf("memchannel: respond %q: not with the receptionist", id)
	}
	reply := e.svc.reception.Respond(input)
	if reply.Queue == "" {
		c.mu.Unlock()
		return reply, nil
	}
	e.queue, e.router = reply.Queue, e.svc.router
	router, snap := e.router, e.e
	c.mu.Unlock()
	if router == nil {
		return reply, nil
	}
	if _, err := router.Enqueue(snap, reply.Queue, func(d modality.Decision) { c.decided(e, d) }); err != nil {
		c.mu.Lock()
		if _, ok := c.live[id]; ok {
			delete(c.live, id)
			delete(e.svc.live, id)
			c.count(e, c.now)
		}
		c.mu.Unlock()
		return reply, fmt.Errorf("memchannel: respond %q: hand off to %q: %w", id, reply.Queue, err)
	}
	return reply, nil
}

// refuse forgets an engagement its router turned away: it is not counted
// as an arrival.
func (c *Channel) refuse(e *engagement) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.live[e.e.ID]; !ok {
		return
	}
	delete(c.live, e.e.ID)
	delete(e.svc.live, e.e.ID)
	n := &e.svc.counts[c.index[e.e.Kind]]
	n.Arrivals--
	n.Waiting--
}

// decided applies a router's decision about e.
func (c *Channel) decided(e *engagement, d modality.Decision) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.live[e.e.ID]; !ok {
		return // ended here already
	}
	c.tick(d.At)
	n := &e.svc.counts[c.index[e.e.Kind]]
	switch d.Kind {
	case modality.Connected:
		if e.e.State == modality.Waiting {
			e.e.State, e.e.Answered = modality.Active, d.At
			n.Waiting--
			n.Active++
		}
	case modality.Requeued:
		if e.e.State == modality.Active {
			e.e.State, e.e.Answered = modality.Waiting, time.Time{}
			n.Active--
			n.Waiting++
		}
	case modality.Finished:
		if d.BackToReceptionist && e.svc.reception != nil && e.e.State == modality.Waiting {
			// Back with the receptionist, who says the fallback: the
			// attendee may choose again (Respond).
			e.queue, e.router = "", nil
			return
		}
		delete(c.live, e.e.ID)
		delete(e.svc.live, e.e.ID)
		at := d.At
		if at.Before(e.e.Answered) {
			at = e.e.Answered
		}
		c.count(e, at)
	}
}

// Answer is an agent taking the waiting engagement id at the instant at:
// it becomes [modality.Active]. It returns [modality.ErrNotFound] if no
// live engagement has that id (never created, or already ended), and an
// error if the engagement is already active or at is before it arrived.
// A done ctx returns ctx.Err() and changes nothing. Safe for concurrent
// use.
func (c *Channel) Answer(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.live[id]
	switch {
	case !ok:
		return fmt.Errorf("memchannel: answer %q: %w", id, modality.ErrNotFound)
	case e.e.State != modality.Waiting:
		return fmt.Errorf("memchannel: answer %q: already %s", id, e.e.State)
	case at.Before(e.e.Arrived):
		return fmt.Errorf("memchannel: answer %q: at %v is before it arrived at %v", id, at, e.e.Arrived)
	case e.router != nil:
		return fmt.Errorf("memchannel: answer %q: the service's router decides who answers: %w", id, ErrRouted)
	}
	c.tick(at)
	e.e.State, e.e.Answered = modality.Active, at
	n := &e.svc.counts[c.index[e.e.Kind]]
	n.Waiting--
	n.Active++
	return nil
}

// End is the engagement id ending at the instant at, by the attendee or
// the agent: an active one counts as completed (its answered-to-ended
// time goes into HandleTime), a waiting one as abandoned. The channel
// then forgets it. It returns [modality.ErrNotFound] if no live engagement
// has that id, and an error if at is before the engagement arrived or was
// answered. A done ctx returns ctx.Err() and changes nothing. Safe for
// concurrent use.
func (c *Channel) End(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	e, ok := c.live[id]
	switch {
	case !ok:
		c.mu.Unlock()
		return fmt.Errorf("memchannel: end %q: %w", id, modality.ErrNotFound)
	case at.Before(e.e.Arrived) || at.Before(e.e.Answered):
		c.mu.Unlock()
		return fmt.Errorf("memchannel: end %q: at %v is before it arrived (%v) or was answered (%v)", id, at, e.e.Arrived, e.e.Answered)
	}
	c.tick(at)
	delete(c.live, id)
	delete(e.svc.live, id)
	c.count(e, at)
	router := e.router
	c.mu.Unlock()
	if router != nil {
		if err := router.Hangup(id); err != nil {
			return fmt.Errorf("memchannel: end %q: router: %w", id, err)
		}
	}
	return nil
}

// Engagements returns serviceID's live engagements, sorted by Arrived,
// then by ID. Live engagements outlast [Channel.Remove], so a closed
// service may still have some. The slice and its values are new on each
// call and belong to the caller. A done ctx returns ctx.Err().
func (c *Channel) Engagements(ctx context.Context, serviceID string) ([]modality.Engagement, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	svc := c.services[serviceID]
	var out []modality.Engagement
	if svc != nil {
		out = make([]modality.Engagement, 0, len(svc.live))
		for _, e := range svc.live {
			out = append(out, e.e)
		}
	}
	c.mu.Unlock()
	slices.SortFunc(out, func(a, b modality.Engagement) int {
		return cmp.Or(a.Arrived.Compare(b.Arrived), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// count records that e ended at the instant at. The caller holds c.mu and
// has removed e from the maps.
func (c *Channel) count(e *engagement, at time.Time) {
	n := &e.svc.counts[c.index[e.e.Kind]]
	switch e.e.State {
	case modality.Active:
		n.Active--
		n.Completed++
		if at.After(e.e.Answered) {
			n.HandleTime += at.Sub(e.e.Answered)
		}
	case modality.Waiting:
		n.Waiting--
		n.Abandoned++
	}
	e.e.State, e.e.Ended = modality.Ended, at
}

// tick moves the channel's time to at if at is later. The caller holds
// c.mu.
func (c *Channel) tick(at time.Time) {
	if at.After(c.now) {
		c.now = at
	}
}
