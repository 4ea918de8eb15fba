package routing

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/eventcc/eventcc/modality"
)

// Router routes one service's engagements to its agents. Create one with
// [New].
type Router struct {
	mu       sync.Mutex
	cfg      Config
	queues   []*queue // by priority: served first, first
	byName   map[string]*queue
	agents   []*agent // by number; nil once left
	byID     map[string]*agent
	engs     map[string]*engagement
	spare    []*engagement // ended, for reuse
	seq      uint64        // orders arrivals and pool entries
	headroom int           // agents the scaler may still add
}

// agent is an Agent and where they are.
type agent struct {
	Agent
	num       int // in the order agents joined
	status    Status
	seats     []seat // one per lane the agent may serve, by queue priority
	seated    int    // how many of them are in their lane's pool
	load      [numKinds]int
	cap       [numKinds]int
	offer     *engagement   // pending
	live      []*engagement // connected
	wrapUntil time.Time
	restUntil time.Time
	misses    int
	handled   int
}

// engagement is an Engagement and where it is.
type engagement struct {
	id        string
	lane      *lane
	kind      int // kind index
	arrived   time.Time
	queued    time.Time // entered its lane: MaxWait runs from here
	seq       uint64
	agent     *agent // offered to, or connected with
	offeredAt time.Time
	accepted  time.Time
	connected bool

	prev, next *engagement // in its lane's waiting line
}

// older reports whether e is served before o.
func (e *engagement) older(o *engagement) bool {
	if !e.arrived.Equal(o.arrived) {
		return e.arrived.Before(o.arrived)
	}
	return e.seq < o.seq
}

const numKinds = 5

func kindIndex(k modality.Kind) int {
	switch k {
	case modality.Telephony:
		return 0
	case modality.Video:
		return 1
	case modality.Chat:
		return 2
	case modality.SMS:
		return 3
	case modality.Social:
		return 4
	}
	return -1
}

// New validates cfg and returns a Router with its queues and no agents.
// A refused Config is a *[ConfigError] naming every bad field.
func New(cfg Config) (*Router, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.OfferTimeout == 0 {
		cfg.OfferTimeout = 20 * time.Second
	}
	if cfg.MissPause == 0 {
		cfg.MissPause = 5 * time.Second
	}
	if cfg.MaxMisses == 0 {
		cfg.MaxMisses = 3
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Expect = clone(cfg.Expect)
	r := &Router{cfg: cfg, byName: map[string]*queue{}, byID: map[string]*agent{}, engs: map[string]*engagement{}}
	for _, qc := range cfg.Queues {
		q := &queue{Queue: qc}
		q.Modalities = slices.Clone(qc.Modalities)
		q.Skills = slices.Clone(qc.Skills)
		if q.Threshold == 0 {
			q.Threshold = 20 * time.Second
		}
		for _, k := range q.Modalities {
			q.lanes = append(q.lanes, &lane{q: q, kind: k, k: kindIndex(k), pool: newPool(q.Strategy),
				stats: Stats{Queue: q.Name, Kind: k}})
		}
		r.queues = append(r.queues, q)
		r.byName[q.Name] = q
	}
	slices.SortStableFunc(r.queues, func(a, b *queue) int { return b.Priority - a.Priority })
	for _, q := range r.queues {
		if q.Overflow != "" {
			q.overflow = r.byName[q.Overflow]
		}
	}
	r.cfg.Queues = nil // the router's own copies are in queues
	return r, nil
}

// Join adds an agent, Offline. Its skills and capacities are copied.
func (r *Router) Join(a Agent) error {
	if err := a.validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byID[a.ID]; ok {
		return fmt.Errorf("routing: join %q: %w", a.ID, ErrExists)
	}
	ag := &agent{Agent: Agent{ID: a.ID, Skills: clone(a.Skills), Capacity: clone(a.Capacity)},
		num: len(r.agents), status: Offline}
	for k, n := range a.Capacity {
		ag.cap[kindIndex(k)] = n
	}
	for _, q := range r.queues {
		if !ag.qualifies(q) {
			continue
		}
		score := 0
		for _, s := range q.Skills {
			score += ag.Skills[s]
		}
		for _, l := range q.lanes {
			if ag.cap[l.k] > 0 {
				ag.seats = append(ag.seats, seat{a: ag, lane: l, k: int32(l.k), score: int32(score), index: -1})
			}
		}
	}
	r.agents = append(r.agents, ag)
	r.byID[a.ID] = ag
	return nil
}

func (a *agent) qualifies(q *queue) bool {
	for _, s := range q.Skills {
		if a.Skills[s] <= 0 {
			return false
		}
	}
	return true
}

// Leave removes an agent: a pending offer goes to the next agent and the
// engagements they hold are requeued, in their place by age.
func (r *Router) Leave(id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, err := r.agent(id, "leave")
	if err != nil {
		return err
	}
	now := r.cfg.Now()
	r.setStatus(a, Offline)
	r.release(a, now)
	delete(r.byID, id)
	r.agents[a.num] = nil
	return nil
}

// SetStatus sets what an agent says about themself. Available makes them
// eligible at once (and forgives their misses); Break keeps what they
// hold but offers them nothing (a pending offer goes to the next agent);
// Offline also requeues what they hold.
func (r *Router) SetStatus(id string, s Status) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, err := r.agent(id, "set status")
	if err != nil {
		return err
	}
	now := r.cfg.Now()
	switch s {
	case Available:
		r.setStatus(a, Available)
		a.misses = 0
		r.settle(a, now)
	case Break:
		r.setStatus(a, Break)
		r.unseat(a)
		r.withdraw(a, now)
	case Offline:
		r.setStatus(a, Offline)
		r.release(a, now)
	default:
		return fmt.Errorf("routing: set status of %q: unknown status %q", id, s)
	}
	return nil
}

// Presence returns where an agent is.
func (r *Router) Presence(id string) (Presence, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, err := r.agent(id, "presence")
	if err != nil {
		return "", err
	}
	now := r.cfg.Now()
	switch {
	case a.status == Offline:
		return PresenceOffline, nil
	case a.status == Break:
		return PresenceBreak, nil
	case a.offer != nil:
		return PresenceOffered, nil
	case now.Before(a.wrapUntil):
		return PresenceWrapUp, nil
	case now.Before(a.restUntil):
		return PresenceResting, nil
	}
	for _, s := range a.seats {
		if a.load[s.k] < a.cap[s.k] {
			return PresenceAvailable, nil
		}
	}
	return PresenceBusy, nil
}

// Enqueue admits an engagement to its queue and offers it to an agent at
// once if one is eligible; the Ticket says where it waits otherwise. The
// engagement must take a kind its queue takes ([ErrIneligible]
// otherwise) and have an ID unknown to the router.
//
// A queue with a MaxWait admits an engagement while its expected wait
// (see [Ticket]), counting the agents the scaler may still add
// ([Router.SetHeadroom]), is within MaxWait. Beyond that it is refused
// with a *[RefusedError] (errors.Is ErrFull) saying when to try again:
// a surge waits for the agents being added, and only what they could
// not serve in time is turned away.
func (r *Router) Enqueue(e Engagement) (Ticket, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	q, ok := r.byName[e.Queue]
	if !ok {
		return Ticket{}, fmt.Errorf("routing: enqueue %q in %q: %w", e.ID, e.Queue, ErrUnknownQueue)
	}
	l := q.lane(e.Kind)
	if l == nil {
		return Ticket{}, fmt.Errorf("routing: enqueue %q: queue %q does not take %q: %w", e.ID, e.Queue, e.Kind, ErrIneligible)
	}
	if e.ID == "" {
		return Ticket{}, fmt.Errorf("routing: enqueue in %q: empty engagement ID: %w", e.Queue, ErrUnknownEngagement)
	}
	if _, dup := r.engs[e.ID]; dup {
		return Ticket{}, fmt.Errorf("routing: enqueue %q: %w", e.ID, ErrExists)
	}
	now := r.cfg.Now()
	to, refused := r.admit(l)
	if to == nil {
		l.stats.Refused++
		return Ticket{}, refused
	}
	t := r.ticket(to, to.waiting.n)
	en := r.newEngagement()
	en.id, en.lane, en.kind = e.ID, l, l.k
	en.arrived = e.Arrived
	if en.arrived.IsZero() {
		en.arrived = now
	}
	r.seq++
	en.seq = r.seq
	r.engs[e.ID] = en
	if to != l {
		// Past the line it asked for already: it overflows at once.
		en.lane, en.queued = l, now
		l.stats.Offered++
		l.stats.OverflowedOut++
		r.emit(Event{Kind: EventQueued, At: now, Engagement: en.id, Queue: l.q.Name})
		r.emit(Event{Kind: EventOverflow, At: now, Engagement: en.id, Queue: to.q.Name})
	}
	r.enter(en, to, now)
	if en.agent != nil {
		return Ticket{}, nil // offered at once
	}
	return t, nil
}

// Restore puts back an engagement another process had admitted: a
// replica taking a service over rebuilds its router from the stored
// records ([Records.Live]). It waits in its queue in its place by age
// (e.Arrived), its MaxWait running from entered (when it entered the
// queue; zero: now), and is offered like any other; there is no
// admission, and it is not counted in [Stats.Offered] again. An
// engagement that was with an agent waits again: the agent's session
// was with the process that is gone.
func (r *Router) Restore(e Engagement, entered time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	q, ok := r.byName[e.Queue]
	if !ok {
		return fmt.Errorf("routing: restore %q in %q: %w", e.ID, e.Queue, ErrUnknownQueue)
	}
	l := q.lane(e.Kind)
	switch {
	case l == nil:
		return fmt.Errorf("routing: restore %q: queue %q does not take %q: %w", e.ID, e.Queue, e.Kind, ErrIneligible)
	case e.ID == "":
		return fmt.Errorf("routing: restore in %q: empty engagement ID: %w", e.Queue, ErrUnknownEngagement)
	}
	if _, dup := r.engs[e.ID]; dup {
		return fmt.Errorf("routing: restore %q: %w", e.ID, ErrExists)
	}
	now := r.cfg.Now()
	en := r.newEngagement()
	en.id, en.lane, en.kind, en.arrived = e.ID, l, l.k, e.Arrived
	if en.arrived.IsZero() {
		en.arrived = now
	}
	r.seq++
	en.seq = r.seq
	r.engs[e.ID] = en
	en.queued = now
	if !entered.IsZero() && entered.Before(now) {
		en.queued = entered
	}
	r.emit(Event{Kind: EventQueued, At: now, Engagement: en.id, Queue: l.q.Name})
	r.place(en, now)
	return nil
}

// admit returns the lane an engagement asking for l joins: l, unless
// its expected wait there (with the agents the scaler may still add) is
// beyond the queue's MaxWait, in which case the first queue down its
// overflow chain whose wait is within bounds. With none, it returns nil
// and the refusal, measured at l.
func (r *Router) admit(l *lane) (*lane, *RefusedError) {
	var refused *RefusedError
	for hops, at := 0, l; at != nil && hops <= len(r.queues); hops++ {
		q := at.q
		wait := r.expectedWait(at, at.waiting.n, r.headroom)
		if q.MaxWait <= 0 || at.pool.pick() != nil || wait <= q.MaxWait {
			return at, nil
		}
		if refused == nil {
			refused = &RefusedError{Queue: q.Name, Kind: at.kind, Position: at.waiting.n, ExpectedWait: wait,
				MaxWait: q.MaxWait, RetryAfter: wait - q.MaxWait}
			if wait == noAgent {
				refused.RetryAfter = q.MaxWait // nobody serves it: try again in a while
			}
		}
		at = nil
		if q.overflow != nil {
			at = q.overflow.lane(l.kind)
		}
	}
	return nil, refused
}

// SetHeadroom tells the router how many agents the scaler may still add
// (up to the template's maximum): admission counts them as on their way.
func (r *Router) SetHeadroom(agents int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.headroom = max(agents, 0)
}

// ticket is where an engagement joining l behind ahead others waits.
func (r *Router) ticket(l *lane, ahead int) Ticket {
	return Ticket{Position: ahead + 1, ExpectedWait: r.expectedWait(l, ahead, 0)}
}

// expectedWait is how long an engagement joining lane l behind ahead
// others is expected to wait with the agents serving l now and extra
// more: in Erlang C's model (M/M/c, first come first served), an arrival
// that finds all c slots busy and ahead waiting waits for ahead+1
// completions, each 1/(c·μ) apart on average, where 1/μ is the handle
// time. With no slot at all it is the longest duration.
func (r *Router) expectedWait(l *lane, ahead, extra int) time.Duration {
	slots := l.slots + extra*r.concurrency(l.kind)
	if slots <= 0 {
		return noAgent
	}
	return time.Duration(float64(ahead+1) * float64(r.handleTime(l)) / float64(slots))
}

// noAgent is the expected wait where no agent serves a lane, and none
// may be added.
const noAgent = time.Duration(math.MaxInt64)

// handleTime is l's mean handle time: observed once it has ended a few
// engagements, else what the Config expects of its kind.
func (r *Router) handleTime(l *lane) time.Duration {
	if l.stats.Handled >= 5 {
		return l.stats.HandleTime / time.Duration(l.stats.Handled)
	}
	if x, ok := r.cfg.Expect[l.kind]; ok && x.HandleTime > 0 {
		return x.HandleTime
	}
	return 3 * time.Minute
}

// concurrency is how many engagements of kind k an agent the scaler adds
// holds at once.
func (r *Router) concurrency(k modality.Kind) int {
	if x, ok := r.cfg.Expect[k]; ok && x.Concurrency > 0 {
		return x.Concurrency
	}
	return 1
}

// setStatus sets a's status, keeping count of the slots of available
// agents in each lane they serve.
func (r *Router) setStatus(a *agent, st Status) {
	if (a.status == Available) != (st == Available) {
		d := 1
		if st != Available {
			d = -1
		}
		for i := range a.seats {
			s := &a.seats[i]
			s.lane.slots += d * a.cap[s.k]
		}
	}
	a.status = st
}

// Accept connects the agent with the engagement offered to them.
func (r *Router) Accept(agentID, engagementID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, e, err := r.pair(agentID, engagementID, "accept")
	if err != nil {
		return err
	}
	if a.offer != e {
		return fmt.Errorf("routing: %s accept %q: %w", agentID, engagementID, ErrNotOffered)
	}
	now := r.cfg.Now()
	a.offer = nil
	a.misses = 0
	a.handled++
	a.load[e.kind]++
	a.live = append(a.live, e)
	e.connected, e.accepted = true, now
	wait := now.Sub(e.queued)
	st := &e.lane.stats
	st.Answered++
	if wait <= e.lane.q.Threshold {
		st.AnsweredWithin++
	}
	st.WaitAnswered += wait
	st.Waited += wait
	st.LongestWait = max(st.LongestWait, wait)
	r.emit(Event{Kind: EventAccepted, At: now, Engagement: e.id, Queue: e.lane.q.Name, Agent: a.ID, Wait: wait})
	r.settle(a, now)
	return nil
}

// Decline gives back an engagement offered to the agent: a miss, as if
// the offer had timed out.
func (r *Router) Decline(agentID, engagementID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, e, err := r.pair(agentID, engagementID, "decline")
	if err != nil {
		return err
	}
	if a.offer != e {
		return fmt.Errorf("routing: %s decline %q: %w", agentID, engagementID, ErrNotOffered)
	}
	r.miss(a, r.cfg.Now())
	return nil
}

// End ends an engagement the agent is connected with: Answered. The
// agent wraps up for Config.WrapUp, then may be offered again.
func (r *Router) End(agentID, engagementID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, e, err := r.pair(agentID, engagementID, "end")
	if err != nil {
		return err
	}
	if !e.connected || e.agent != a {
		return fmt.Errorf("routing: %s end %q: %w", agentID, engagementID, ErrNotConnected)
	}
	r.hangUp(e, r.cfg.Now())
	return nil
}

// Hangup ends an engagement from the attendee's side: Answered if an
// agent had accepted it, else Abandoned (an offer pending is withdrawn).
func (r *Router) Hangup(engagementID string) error {
	return r.leaveUnanswered(engagementID, "hang up", Abandoned)
}

// Disconnect ends an engagement because the service is closing: one an
// agent had accepted ends Answered, as with Hangup; one still waiting (or
// offered) ends Disconnected, counted apart from the abandoned.
func (r *Router) Disconnect(engagementID string) error {
	return r.leaveUnanswered(engagementID, "disconnect", Disconnected)
}

// leaveUnanswered ends an engagement whose attendee is gone: Answered
// if an agent had accepted it, else with outcome (an offer pending is
// withdrawn).
func (r *Router) leaveUnanswered(engagementID, op string, outcome Outcome) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.engs[engagementID]
	if !ok {
		return fmt.Errorf("routing: %s %q: %w", op, engagementID, ErrUnknownEngagement)
	}
	now := r.cfg.Now()
	switch {
	case e.connected:
		r.hangUp(e, now)
	case e.agent != nil:
		a := e.agent
		a.offer, e.agent = nil, nil
		r.emit(Event{Kind: EventWithdrawn, At: now, Engagement: e.id, Queue: e.lane.q.Name, Agent: a.ID})
		r.finish(e, outcome, now)
		r.settle(a, now)
	default:
		e.lane.waiting.remove(e)
		r.finish(e, outcome, now)
	}
	return nil
}

// Transfer moves an engagement, waiting or connected, to another queue,
// where it waits anew; the agent it was connected with is released.
func (r *Router) Transfer(engagementID, toQueue string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.engs[engagementID]
	if !ok {
		return fmt.Errorf("routing: transfer %q: %w", engagementID, ErrUnknownEngagement)
	}
	q, ok := r.byName[toQueue]
	if !ok {
		return fmt.Errorf("routing: transfer %q to %q: %w", engagementID, toQueue, ErrUnknownQueue)
	}
	l := q.lane(e.lane.kind)
	if l == nil {
		return fmt.Errorf("routing: transfer %q: queue %q does not take %q: %w", engagementID, toQueue, e.lane.kind, ErrIneligible)
	}
	now := r.cfg.Now()
	a := r.detach(e, now)
	e.arrived = now // waits anew, behind those already waiting
	r.seq++
	e.seq = r.seq
	r.enter(e, l, now)
	if a != nil {
		r.settle(a, now)
	}
	return nil
}

// TransferToAgent moves an engagement, waiting or connected, to one
// agent: it is offered to them at once, as if their queue had chosen
// them, whatever the queue's skills (the one transferring chose them).
// The agent must be Available, with no offer pending, out of wrap-up and
// rest, and with capacity left for its kind; otherwise the error wraps
// ErrUnavailable and nothing changes. If they miss or decline the offer,
// the engagement waits in its queue, in its place by age. The agent it
// was connected with, if any, is released.
func (r *Router) TransferToAgent(engagementID, agentID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.engs[engagementID]
	if !ok {
		return fmt.Errorf("routing: transfer %q: %w", engagementID, ErrUnknownEngagement)
	}
	a, err := r.agent(agentID, "transfer to")
	if err != nil {
		return err
	}
	now := r.cfg.Now()
	switch {
	case e.agent == a:
		return fmt.Errorf("routing: transfer %q to %s: already theirs: %w", engagementID, agentID, ErrUnavailable)
	case a.status != Available || a.offer != nil || now.Before(a.wrapUntil) || now.Before(a.restUntil):
		return fmt.Errorf("routing: transfer %q to %s: not available: %w", engagementID, agentID, ErrUnavailable)
	case a.load[e.kind] >= a.cap[e.kind]:
		return fmt.Errorf("routing: transfer %q to %s: no capacity for %s: %w", engagementID, agentID, e.lane.kind, ErrUnavailable)
	}
	from := r.detach(e, now)
	e.queued = now
	e.lane.stats.Offered++
	r.emit(Event{Kind: EventQueued, At: now, Engagement: e.id, Queue: e.lane.q.Name})
	r.unseat(a)
	a.offer, e.agent, e.offeredAt = e, a, now
	r.emit(Event{Kind: EventOffered, At: now, Engagement: e.id, Queue: e.lane.q.Name, Agent: a.ID})
	if from != nil {
		r.settle(from, now)
	}
	return nil
}

// Supervise tells that supervisor listens in on a connected engagement
// (EventMonitored) or, with barge, joins the conversation
// (EventConferenced). The router only records it: the channel connects
// the supervisor. A supervisor needs no seat and holds no capacity.
func (r *Router) Supervise(engagementID, supervisor string, barge bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.engs[engagementID]
	if !ok {
		return fmt.Errorf("routing: supervise %q: %w", engagementID, ErrUnknownEngagement)
	}
	if !e.connected {
		return fmt.Errorf("routing: supervise %q: %w", engagementID, ErrNotConnected)
	}
	if supervisor == "" {
		return fmt.Errorf("routing: supervise %q: empty supervisor: %w", engagementID, ErrUnknownAgent)
	}
	kind := EventMonitored
	if barge {
		kind = EventConferenced
	}
	r.emit(Event{Kind: kind, At: r.cfg.Now(), Engagement: e.id, Queue: e.lane.q.Name, Agent: supervisor})
	return nil
}

// Tick does what is due at the clock's time: offers not accepted within
// OfferTimeout are missed, wrap-ups and rests end, and engagements past
// their queue's MaxWait overflow or expire.
func (r *Router) Tick() {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.cfg.Now()
	for _, a := range r.agents {
		if a == nil {
			continue
		}
		if a.offer != nil && !now.Before(a.offer.offeredAt.Add(r.cfg.OfferTimeout)) {
			r.miss(a, now)
		}
		if (!a.wrapUntil.IsZero() && !now.Before(a.wrapUntil)) || (!a.restUntil.IsZero() && !now.Before(a.restUntil)) {
			r.settle(a, now)
		}
	}
	for _, q := range r.queues {
		if q.MaxWait <= 0 {
			continue
		}
		for _, l := range q.lanes {
			for e := l.waiting.head; e != nil && !now.Before(e.queued.Add(q.MaxWait)); e = l.waiting.head {
				l.waiting.remove(e)
				r.overflow(e, now)
			}
		}
	}
}

// Where says which queue an engagement is in, and the agent it is
// offered to or connected with ("" while it waits).
func (r *Router) Where(engagementID string) (queue, agent string, connected bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.engs[engagementID]
	if !ok {
		return "", "", false, fmt.Errorf("routing: where is %q: %w", engagementID, ErrUnknownEngagement)
	}
	if e.agent != nil {
		agent = e.agent.ID
	}
	return e.lane.q.Name, agent, e.connected, nil
}

// Place says where a waiting engagement is now, as [Router.Enqueue]'s
// Ticket did when it arrived: its position in its queue's line (1: next)
// and its expected wait with the agents serving it now. An engagement
// offered to or connected with an agent has the zero Ticket. It walks
// the line ahead of the engagement: O(position).
func (r *Router) Place(engagementID string) (Ticket, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.engs[engagementID]
	if !ok {
		return Ticket{}, fmt.Errorf("routing: place of %q: %w", engagementID, ErrUnknownEngagement)
	}
	if e.agent != nil {
		return Ticket{}, nil
	}
	ahead := 0
	for p := e.prev; p != nil; p = p.prev {
		ahead++
	}
	return r.ticket(e.lane, ahead), nil
}

// Holding returns the engagements an agent is connected with, and the
// one offered to them ("" if none).
func (r *Router) Holding(agentID string) (connected []string, offered string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, err := r.agent(agentID, "holding")
	if err != nil {
		return nil, "", err
	}
	for _, e := range a.live {
		connected = append(connected, e.id)
	}
	if a.offer != nil {
		offered = a.offer.id
	}
	return connected, offered, nil
}

// Stats returns the counts of every queue and kind, queues by priority.
func (r *Router) Stats() []Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Stats
	for _, q := range r.queues {
		for _, l := range q.lanes {
			s := l.stats
			s.Waiting = l.waiting.n
			out = append(out, s)
		}
	}
	return out
}

// enter puts e in lane l: offered to the agent l's pool picks, or
// waiting in its place by age (arrived, then the order of arrival).
func (r *Router) enter(e *engagement, l *lane, now time.Time) {
	e.lane, e.queued = l, now
	l.stats.Offered++
	r.emit(Event{Kind: EventQueued, At: now, Engagement: e.id, Queue: l.q.Name})
	r.place(e, now)
}

// place offers e to the agent its lane's pool picks, or makes it wait.
func (r *Router) place(e *engagement, now time.Time) {
	if s := e.lane.pool.pick(); s != nil {
		r.offer(s.a, s, e, now)
		return
	}
	e.lane.waiting.insert(e)
}

// offer reserves agent a for e: a leaves every pool until the offer is
// accepted, declined or timed out.
func (r *Router) offer(a *agent, s *seat, e *engagement, now time.Time) {
	r.unseat(a)
	s.lane.pool.chose(s)
	a.offer, e.agent, e.offeredAt = e, a, now
	r.emit(Event{Kind: EventOffered, At: now, Engagement: e.id, Queue: e.lane.q.Name, Agent: a.ID, Wait: now.Sub(e.queued)})
}

// settle makes a offerable again if they may be: the best engagement
// waiting in the lanes they serve is offered to them, or, if none waits,
// they join the pools of the lanes they have capacity in.
func (r *Router) settle(a *agent, now time.Time) {
	r.unseat(a)
	if a.status != Available || a.offer != nil || now.Before(a.wrapUntil) || now.Before(a.restUntil) {
		return
	}
	a.wrapUntil, a.restUntil = time.Time{}, time.Time{}
	var (
		best     *engagement
		bestSeat *seat
	)
	for i := range a.seats {
		s := &a.seats[i]
		if a.load[s.k] >= a.cap[s.k] {
			continue
		}
		h := s.lane.waiting.head
		if h == nil {
			continue
		}
		if best == nil || h.lane.q.Priority > best.lane.q.Priority || (h.lane.q.Priority == best.lane.q.Priority && h.older(best)) {
			best, bestSeat = h, s
		}
	}
	if best != nil {
		best.lane.waiting.remove(best)
		r.offer(a, bestSeat, best, now)
		return
	}
	for i := range a.seats {
		s := &a.seats[i]
		if a.load[s.k] < a.cap[s.k] {
			r.seq++
			s.seq, s.in = r.seq, true
			s.lane.pool.add(s)
			a.seated++
		}
	}
}

// unseat takes a out of every pool.
func (r *Router) unseat(a *agent) {
	for i := 0; a.seated > 0 && i < len(a.seats); i++ {
		if s := &a.seats[i]; s.in {
			s.lane.pool.remove(s)
			s.in = false
			a.seated--
		}
	}
}

// miss takes back the engagement offered to a: it goes to the next
// agent, and a rests, or goes on a break after MaxMisses in a row.
func (r *Router) miss(a *agent, now time.Time) {
	e := a.offer
	a.offer, e.agent = nil, nil
	r.emit(Event{Kind: EventMissed, At: now, Engagement: e.id, Queue: e.lane.q.Name, Agent: a.ID})
	a.misses++
	if a.misses >= r.cfg.MaxMisses {
		r.setStatus(a, Break)
		r.emit(Event{Kind: EventAgentBreak, At: now, Agent: a.ID})
	} else {
		a.restUntil = now.Add(r.cfg.MissPause)
	}
	r.place(e, now)
	r.settle(a, now)
}

// withdraw gives a's pending offer, if any, to the next agent; it is not
// a miss.
func (r *Router) withdraw(a *agent, now time.Time) {
	if e := a.offer; e != nil {
		a.offer, e.agent = nil, nil
		r.emit(Event{Kind: EventWithdrawn, At: now, Engagement: e.id, Queue: e.lane.q.Name, Agent: a.ID})
		r.place(e, now)
	}
}

// release takes everything from a: the pending offer goes to the next
// agent and the engagements a holds are requeued in their place by age.
func (r *Router) release(a *agent, now time.Time) {
	r.unseat(a)
	r.withdraw(a, now)
	for len(a.live) > 0 {
		e := a.live[len(a.live)-1]
		r.detach(e, now)
		e.lane.stats.Offered-- // counted again as it enters
		r.enter(e, e.lane, now)
	}
}

// detach takes e from wherever it is (waiting, offered or connected)
// and returns the agent it released, if any, for the caller to settle
// once e is where it goes next: its Queued event then comes before any
// new offer to that agent.
func (r *Router) detach(e *engagement, now time.Time) *agent {
	a := e.agent
	switch {
	case a == nil:
		e.lane.waiting.remove(e)
		return nil
	case e.connected:
		r.drop(a, e, now)
	default:
		a.offer = nil
		r.emit(Event{Kind: EventWithdrawn, At: now, Engagement: e.id, Queue: e.lane.q.Name, Agent: a.ID})
	}
	e.agent, e.connected = nil, false
	return a
}

// drop removes a connected e from a's load, and starts a's wrap-up.
func (r *Router) drop(a *agent, e *engagement, now time.Time) {
	a.load[e.kind]--
	for i, x := range a.live {
		if x == e {
			a.live = slices.Delete(a.live, i, i+1)
			break
		}
	}
	st := &e.lane.stats
	st.HandleTime += now.Sub(e.accepted)
	st.Handled++
	if r.cfg.WrapUp > 0 {
		a.wrapUntil = now.Add(r.cfg.WrapUp)
	}
}

// hangUp ends a connected engagement: Answered.
func (r *Router) hangUp(e *engagement, now time.Time) {
	a := e.agent
	r.drop(a, e, now)
	e.agent, e.connected = nil, false
	r.finish(e, Answered, now)
	r.settle(a, now)
}

// overflow moves e, past its queue's MaxWait, to the overflow queue, or
// ends it Expired.
func (r *Router) overflow(e *engagement, now time.Time) {
	from := e.lane
	wait := now.Sub(e.queued)
	from.stats.LongestWait = max(from.stats.LongestWait, wait)
	from.stats.Waited += wait
	if q := from.q.overflow; q != nil {
		if l := q.lane(from.kind); l != nil {
			from.stats.OverflowedOut++
			r.emit(Event{Kind: EventOverflow, At: now, Engagement: e.id, Queue: q.Name, Wait: wait})
			r.enter(e, l, now)
			return
		}
	}
	from.stats.Expired++
	r.finish(e, Expired, now)
}

// finish ends e with outcome: told once, then forgotten.
func (r *Router) finish(e *engagement, outcome Outcome, now time.Time) {
	st := &e.lane.stats
	switch outcome {
	case Abandoned:
		st.Abandoned++
		st.LongestWait = max(st.LongestWait, now.Sub(e.queued))
		st.Waited += now.Sub(e.queued)
	case Disconnected:
		st.Disconnected++
	}
	r.emit(Event{Kind: EventEnded, At: now, Engagement: e.id, Queue: e.lane.q.Name, Outcome: outcome, Wait: now.Sub(e.queued)})
	delete(r.engs, e.id)
	*e = engagement{}
	r.spare = append(r.spare, e)
}

func (r *Router) newEngagement() *engagement {
	if n := len(r.spare); n > 0 {
		e := r.spare[n-1]
		r.spare = r.spare[:n-1]
		return e
	}
	return &engagement{}
}

func (r *Router) emit(ev Event) {
	if r.cfg.OnEvent != nil {
		r.cfg.OnEvent(ev)
	}
}

func (r *Router) agent(id, op string) (*agent, error) {
	a, ok := r.byID[id]
	if !ok {
		return nil, fmt.Errorf("routing: %s %q: %w", op, id, ErrUnknownAgent)
	}
	return a, nil
}

func (r *Router) pair(agentID, engagementID, op string) (*agent, *engagement, error) {
	a, err := r.agent(agentID, op)
	if err != nil {
		return nil, nil, err
	}
	// What an agent acts on is usually what they hold: found there, it
	// costs no look-up in the (large) map of every engagement.
	if a.offer != nil && a.offer.id == engagementID {
		return a, a.offer, nil
	}
	for _, e := range a.live {
		if e.id == engagementID {
			return a, e, nil
		}
	}
	e, ok := r.engs[engagementID]
	if !ok {
		return nil, nil, fmt.Errorf("routing: %s %s %q: %w", agentID, op, engagementID, ErrUnknownEngagement)
	}
	return a, e, nil
}

func clone[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
