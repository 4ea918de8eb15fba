package contactcenter

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter/desk"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/template"
)

// line is one service's engagement plane in the process that drives the
// service: its router, the desk its agents work at, and the delivery of
// the router's decisions to the channels (each engagement's notify), to
// subscribers ([EngagementEvent]) and to the engagement records.
//
// The router calls onEvent with its lock held; onEvent only queues the
// event. drain delivers the queue outside every lock, in order, on the
// goroutine of whoever caused the decisions (a channel's Enqueue, an
// agent's action, the lifecycle's Tick). A notify or a subscriber may
// act on the router again: the events that causes are queued and
// delivered by the drain already running, after the current one.
type line struct {
	id      string
	now     func() time.Time
	until   atomic.Int64 // unix ns: the lease's end; the line refuses to act from then on
	router  *routing.Router
	desk    *desk.Desk
	emit    func(Event)
	records routing.Records // nil: none kept

	mu       sync.Mutex
	tracked  map[string]*tracked // live engagements
	pending  []routing.Event
	spare    []routing.Event
	draining bool
	unsaved  []routing.Record // records to write at the next flush
	closed   bool
	onDuty   map[string]routing.Agent // by principal: who may open a session
	tally    tally                    // for the report
	handBack map[string]bool          // queues that overflow to the receptionist
	// remote is, by principal, the replica where an agent's session was
	// opened through the relay; forward sends it their events.
	remote      map[string]string
	forward     func(service, to string, ev routing.Event)
	forwardConv func(to string, ev *ConversationEvent)
	unwatch     []func() // stops watching the conversation channels
	// retiring are agents the scaler released while they handled
	// engagements: offered nothing more, they lose their access (revoke)
	// once they hold nothing.
	retiring map[string]bool
	revoke   func(principal string) error
	closing  atomic.Bool // the closing plan is disconnecting what is live
	// phones are the agents on duty through a phone a channel rings
	// ([modality.Phones]), by principal; issue gives their sessions'
	// tokens (nil: Config.Access issues none).
	phones map[string]*onPhone
	issue  func(ctx context.Context, principal string) (string, error)
	waited map[string]time.Duration // by kind: Stats.Waited at the last scaling decision
}

// busy reports whether an agent holds an engagement, or an offer, here.
func (ln *line) busy(principal string) bool {
	live, offered, err := ln.router.Holding(principal)
	return err == nil && (len(live) > 0 || offered != "")
}

// retire lets a released agent finish what they hold: they are offered
// nothing more, and tick revokes their access once they hold nothing.
func (ln *line) retire(principal string) {
	ln.mu.Lock()
	if ln.retiring == nil {
		ln.retiring = map[string]bool{}
	}
	ln.retiring[principal] = true
	ln.mu.Unlock()
	ln.desk.Retire(principal)
}

// retireDone revokes the access of the retiring agents who hold nothing
// any more, and takes them off the desk.
func (ln *line) retireDone() {
	ln.mu.Lock()
	retiring := make([]string, 0, len(ln.retiring))
	for who := range ln.retiring {
		retiring = append(retiring, who)
	}
	ln.mu.Unlock()
	for _, who := range retiring {
		if ln.busy(who) {
			continue
		}
		if err := ln.revoke(who); err != nil {
			continue // tried again at the next tick
		}
		ln.mu.Lock()
		delete(ln.retiring, who)
		ln.mu.Unlock()
		_ = ln.desk.Expel(who)
	}
}

// setRemote records that principal's session was opened on replica
// from, through the relay.
func (ln *line) setRemote(principal, from string) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.remote == nil {
		ln.remote = map[string]string{}
	}
	ln.remote[principal] = from
}

// conversation passes an event of one of the service's conversations to
// the subscribers, and to the replica of the agent connected with it.
// The channel calls it outside its locks.
func (ln *line) conversation(ev modality.ConversationEvent) {
	agent := ""
	if _, a, connected, err := ln.router.Where(ev.Conversation); err == nil && connected {
		agent = a
	}
	ln.mu.Lock()
	if t := ln.tracked[ev.Conversation]; agent == "" && t != nil {
		agent = t.rec.Agent
	}
	to := ""
	if agent != "" {
		to = ln.remote[agent]
	}
	ln.mu.Unlock()
	e := &ConversationEvent{ConversationEvent: ev, Agent: agent, At: ln.now()}
	ln.emit(e)
	if to != "" && ln.forwardConv != nil {
		ln.forwardConv(to, e)
	}
}

// tracked is what the line knows of a live engagement.
type tracked struct {
	notify func(modality.Decision)
	rec    routing.Record
	queued bool // it has been queued once: another EventQueued is a requeue
}

// newLine builds the service's router and desk from its configuration,
// with the engagements another process left live (Config.Engagements)
// put back in their queues.
func (l *Lifecycle) newLine(ctx context.Context, s *Service) (*line, error) {
	ln := &line{id: s.ID, now: l.now, emit: l.emit, records: l.cfg.Engagements, tracked: map[string]*tracked{}, tally: newTally(s)}
	if l.cfg.Relay != nil {
		ln.forward, ln.forwardConv = l.forward, l.forwardConv
	}
	ln.revoke = func(who string) error {
		err := l.cfg.Access.Revoke(context.WithoutCancel(ctx), grantID(s.ID, who), l.now())
		if err != nil && !errors.Is(err, access.ErrNotFound) {
			l.log.Error(err, "released agent's access not revoked; tried again at the next tick", "service", s.ID, "agent", who)
			return err
		}
		l.unregisterPhones(context.WithoutCancel(ctx), s.ID, who)
		return nil
	}
	if ti, ok := l.cfg.Access.(tokenIssuer); ok {
		ln.issue = func(ctx context.Context, principal string) (string, error) {
			token, _, err := ti.IssueToken(ctx, grantID(s.ID, principal))
			return token, err
		}
	}
	ln.until.Store(math.MaxInt64)
	ln.handBack = map[string]bool{}
	for _, q := range s.Config.Queues {
		if q.Overflow == template.OverflowToReceptionist {
			ln.handBack[q.Name] = true
		}
	}
	if l.cfg.Owner != "" {
		// The lease was renewed by this tick: it lasts a TTL from now.
		ln.renew(l.now().Add(l.cfg.LeaseTTL))
	}
	rc := RoutingConfig(s.Config)
	rc.Now = l.now
	rc.OnEvent = ln.onEvent
	r, err := routing.New(rc)
	if err != nil {
		return nil, fmt.Errorf("contactcenter: %s: router: %w", s.ID, err)
	}
	ln.router = r
	tokens, ok := l.cfg.Access.(desk.Tokens)
	if !ok {
		tokens = noTokens{}
	}
	var convs []modality.Conversations
	for _, ch := range l.cfg.Channels {
		if c, ok := ch.(modality.Conversations); ok {
			convs = append(convs, c)
		}
	}
	d, err := desk.New(desk.Config{ServiceID: s.ID, Router: r, Tokens: tokens, Profile: ln.profile,
		Guard: ln.guard, Settled: ln.drain, Conversations: convs})
	if err != nil {
		return nil, fmt.Errorf("contactcenter: %s: desk: %w", s.ID, err)
	}
	ln.desk = d
	for _, c := range convs {
		ln.unwatch = append(ln.unwatch, c.Watch(s.ID, ln.conversation))
	}
	ln.sync(s)
	if err := ln.restore(ctx); err != nil {
		return nil, err
	}
	return ln, nil
}

// restore puts back the engagements the stored records say are live: a
// process that drove the service before (another replica, or this one
// before a restart) admitted them. Each waits again in its queue, in its
// place by age, until its channel takes it up again (Enqueue with its
// ID) or it is answered.
func (ln *line) restore(ctx context.Context) error {
	if ln.records == nil {
		return nil
	}
	live, err := ln.records.Live(ctx, ln.id)
	if err != nil {
		return fmt.Errorf("contactcenter: %s: read live engagements: %w", ln.id, err)
	}
	for _, rec := range live {
		rec.Agent, rec.Accepted = "", time.Time{}
		ln.mu.Lock()
		ln.tracked[rec.ID] = &tracked{rec: rec, queued: true}
		ln.mu.Unlock()
		err := ln.router.Restore(routing.Engagement{ID: rec.ID, Queue: rec.Queue, Kind: rec.Kind, Arrived: rec.Arrived}, rec.Entered)
		if err != nil {
			// Its queue is gone from the configuration: it cannot wait
			// anywhere. It ends, and the record says so.
			ln.mu.Lock()
			delete(ln.tracked, rec.ID)
			rec.Ended, rec.Outcome, rec.Seq = ln.now(), routing.Expired, rec.Seq+1
			ln.unsaved = append(ln.unsaved, rec)
			ln.mu.Unlock()
		}
	}
	ln.drain()
	return nil
}

// renew lets the line act until the lease's end.
func (ln *line) renew(until time.Time) { ln.until.Store(until.UnixNano()) }

// guard refuses to act once the lease has run out: another replica may
// have taken the service over and be offering its engagements.
func (ln *line) guard() error {
	if ln.now().UnixNano() >= ln.until.Load() {
		return fmt.Errorf("contactcenter: %s: lease run out: %w", ln.id, ErrElsewhere)
	}
	return nil
}

// sync brings the line up to date with the service as stored: who is
// on duty, and how many agents the scaler may still add (for
// admission).
func (ln *line) sync(s *Service) {
	onDuty := make(map[string]routing.Agent, len(s.Staff))
	for _, p := range s.Staff {
		onDuty[p.ID] = agentOf(s.Config, p)
	}
	ln.mu.Lock()
	ln.onDuty = onDuty
	ln.tally.setAgents(s.Updated, s.Resources.Agents)
	ln.mu.Unlock()
	ln.router.SetHeadroom(max(maxAgents(s.Config)-s.Resources.Agents, 0))
}

// profile is who a person on duty is to the router.
func (ln *line) profile(principal string) (routing.Agent, bool) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	a, ok := ln.onDuty[principal]
	return a, ok
}

// noTokens is the desk's token checker when Config.Access checks none:
// every agent action is refused, saying why.
type noTokens struct{}

var errNoTokens = errors.New("contactcenter: Config.Access checks no tokens (use an *access.Authority with Keys): agents cannot sign in")

func (noTokens) AuthorizeToken(context.Context, string, string, access.Privilege) (access.Grant, error) {
	return access.Grant{}, errNoTokens
}

// maxAgents is the most agents the scaler may deploy for a service
// configured by cfg: the template's maximum, within what the licences
// pay for (each agent's, and their supervisors').
func maxAgents(cfg template.Config) int {
	p := scalingParams(cfg)
	n := max(p.MaxAgents, 0)
	if p.LicencesPerAgent <= 0 || p.MaxLicences <= 0 {
		return n
	}
	for n > 0 {
		sup := 0
		if p.AgentsPerSupervisor > 0 {
			sup = (n + p.AgentsPerSupervisor - 1) / p.AgentsPerSupervisor
		}
		if (n+sup)*p.LicencesPerAgent <= p.MaxLicences {
			break
		}
		n--
	}
	return n
}

// Enqueue implements modality.Router for the service's channels.
func (ln *line) Enqueue(e modality.Engagement, queue string, notify func(modality.Decision)) (modality.Place, error) {
	defer ln.drain()
	if err := ln.guard(); err != nil {
		return modality.Place{}, err
	}
	ln.mu.Lock()
	if ln.closed {
		ln.mu.Unlock()
		return modality.Place{}, fmt.Errorf("contactcenter: %s: engagement %q: %w", ln.id, e.ID, modality.ErrIntakeStopped)
	}
	if t, ok := ln.tracked[e.ID]; ok {
		if t.notify != nil {
			ln.mu.Unlock()
			return modality.Place{}, fmt.Errorf("contactcenter: %s: engagement %q: %w", ln.id, e.ID, routing.ErrExists)
		}
		// Restored from the records: its channel takes it up again.
		t.notify = notify
		ln.mu.Unlock()
		return modality.Place{}, nil
	}
	// Tracked before the router sees it: it may be offered, even
	// accepted, within Enqueue.
	ln.tracked[e.ID] = &tracked{notify: notify, rec: routing.Record{ServiceID: ln.id, ID: e.ID, Kind: e.Kind, Arrived: e.Arrived}}
	ln.mu.Unlock()

	t, err := ln.router.Enqueue(routing.Engagement{ID: e.ID, Queue: queue, Kind: e.Kind, Arrived: e.Arrived})
	if err == nil {
		return modality.Place{Position: t.Position, ExpectedWait: t.ExpectedWait}, nil
	}
	ln.mu.Lock()
	delete(ln.tracked, e.ID)
	ln.mu.Unlock()
	var refused *routing.RefusedError
	if errors.As(err, &refused) {
		reason := fmt.Sprintf("%d waiting, expected wait %v beyond %v", refused.Position, refused.ExpectedWait.Round(time.Second), refused.MaxWait)
		if refused.ExpectedWait == math.MaxInt64 { // nobody serves the queue
			reason = "no agent serves it"
		}
		return modality.Place{}, &modality.BusyError{Queue: queue, RetryAfter: refused.RetryAfter, Reason: reason}
	}
	return modality.Place{}, fmt.Errorf("contactcenter: %s: %w", ln.id, err)
}

var _ modality.Placer = (*line)(nil)

// Place says where a waiting engagement is now ([modality.Placer]).
func (ln *line) Place(engagementID string) (modality.Place, error) {
	t, err := ln.router.Place(engagementID)
	if err != nil {
		return modality.Place{}, err
	}
	return modality.Place{Position: t.Position, ExpectedWait: t.ExpectedWait}, nil
}

// Hangup implements modality.Router. Once the service is closing
// (closeIntake), an engagement still waiting ends Disconnected, not
// abandoned: its attendee did not give up.
func (ln *line) Hangup(engagementID string) error {
	defer ln.drain()
	hangup := ln.router.Hangup
	if ln.closing.Load() {
		hangup = ln.router.Disconnect
	}
	err := hangup(engagementID)
	if errors.Is(err, routing.ErrUnknownEngagement) {
		return nil // finished already
	}
	return err
}

// onEvent queues a router decision; it runs with the router's lock held.
func (ln *line) onEvent(ev routing.Event) {
	ln.mu.Lock()
	ln.pending = append(ln.pending, ev)
	ln.mu.Unlock()
}

// drain delivers the queued decisions, unless a drain is running already
// (on this goroutine, further up, or another): that one delivers them.
func (ln *line) drain() {
	ln.mu.Lock()
	if ln.draining {
		ln.mu.Unlock()
		return
	}
	ln.draining = true
	for len(ln.pending) > 0 {
		batch := ln.pending
		ln.pending = ln.spare[:0]
		for i := range batch {
			ln.deliver(batch[i])
		}
		clear(batch)
		ln.spare = batch[:0]
	}
	ln.draining = false
	ln.mu.Unlock()
}

// deliver hands one decision to its engagement's channel, the records
// and the subscribers. The caller holds ln.mu; deliver releases it while
// it calls out.
func (ln *line) deliver(ev routing.Event) {
	t := ln.tracked[ev.Engagement]
	var d modality.Decision
	agent := "" // who was connected with it, before ev
	if t != nil {
		agent = t.rec.Agent
		ln.tally.count(ev, !t.queued)
		d = ln.track(t, ev)
		if ev.Kind == routing.EventEnded {
			delete(ln.tracked, ev.Engagement)
		}
	}
	to := ""
	if ev.Agent != "" {
		to = ln.remote[ev.Agent]
	} else if agent != "" {
		to = ln.remote[agent] // it ended or went back to a queue from them
	}
	var ring func(string)
	if p := ln.phones[ev.Agent]; p != nil && ev.Kind == routing.EventOffered {
		ring = p.ring
	}
	ln.mu.Unlock()
	if d.Kind != 0 && t.notify != nil {
		t.notify(d)
	}
	if ring != nil { // the agent is on a phone: ring it (it never blocks)
		ring(ev.Engagement)
	}
	ln.emit(&EngagementEvent{ServiceID: ln.id, Event: ev})
	if to != "" && ln.forward != nil {
		ln.forward(ln.id, to, ev)
	}
	ln.mu.Lock()
}

// track updates what the line knows of an engagement with ev, queues
// its record for writing when it changed, and returns the decision to
// tell its channel (Kind 0: none). The caller holds ln.mu.
func (ln *line) track(t *tracked, ev routing.Event) modality.Decision {
	r := &t.rec
	d := modality.Decision{Engagement: ev.Engagement, Queue: ev.Queue, At: ev.At}
	switch ev.Kind {
	case routing.EventQueued:
		r.Queue, r.Entered, r.Agent, r.Accepted = ev.Queue, ev.At, "", time.Time{}
		if t.queued {
			d.Kind = modality.Requeued
		}
		t.queued = true
	case routing.EventOverflow:
		r.Queue, r.Entered = ev.Queue, ev.At
		d.Kind = modality.Requeued
	case routing.EventAccepted:
		r.Agent, r.Accepted = ev.Agent, ev.At
		d.Kind, d.Agent = modality.Connected, ev.Agent
	case routing.EventMonitored, routing.EventConferenced:
		d.Kind, d.Agent, d.Barge = modality.Supervised, ev.Agent, ev.Kind == routing.EventConferenced
		return d // no record change
	case routing.EventEnded:
		r.Ended, r.Outcome = ev.At, ev.Outcome
		d.Kind, d.Outcome = modality.Finished, string(ev.Outcome)
		d.BackToReceptionist = ev.Outcome == routing.Expired && ln.handBack[ev.Queue]
	default:
		return d // offers and misses change no record
	}
	if ln.records != nil {
		r.Seq++
		ln.unsaved = append(ln.unsaved, *r)
	}
	return d
}

// report returns the engagement report as of now, to store, and
// whether anything was counted since it was last taken.
func (ln *line) report() (*EngagementReport, bool) { return ln.snapshot(true) }

// peek is the report for reading: what is counted stays to be stored.
func (ln *line) peek() *EngagementReport {
	r, _ := ln.snapshot(false)
	return r
}

func (ln *line) snapshot(take bool) (*EngagementReport, bool) {
	stats := ln.router.Stats()
	ln.mu.Lock()
	defer ln.mu.Unlock()
	changed := ln.tally.changed
	if take {
		ln.tally.changed = false
	}
	return ln.tally.report(stats), changed
}

// flush writes the records changed since the last flush. A record the
// store finds stale was overtaken by a newer write: not an error here.
func (ln *line) flush(ctx context.Context) error {
	if ln.records == nil {
		return nil
	}
	ln.mu.Lock()
	recs := ln.unsaved
	ln.unsaved = nil
	ln.mu.Unlock()
	if len(recs) == 0 {
		return nil
	}
	err := ln.records.Put(ctx, recs...)
	if err == nil || errors.Is(err, routing.ErrStale) {
		return nil
	}
	// Kept for the next flush, before anything written since.
	ln.mu.Lock()
	ln.unsaved = append(recs, ln.unsaved...)
	ln.mu.Unlock()
	return fmt.Errorf("contactcenter: %s: store engagement records: %w", ln.id, err)
}

// tick does what the router has due at the clock's time and delivers
// what it decided. At and after the service's expiry no agent works:
// every session is closed, so nothing more is offered.
func (ln *line) tick(now, expires time.Time) {
	if !now.Before(expires) {
		ln.desk.CloseAll()
	}
	ln.router.Tick()
	ln.drain()
	ln.retireDone()
}

// close ends the line: every agent's session is closed and no
// engagement is taken any more. What the channels still hold they end
// themselves (Disconnect), hanging up here.
func (ln *line) close() {
	ln.mu.Lock()
	ln.closed = true
	unwatch := ln.unwatch
	ln.unwatch = nil
	ln.mu.Unlock()
	for _, stop := range unwatch {
		stop()
	}
	ln.desk.CloseAll()
	ln.drain()
}
