package sim

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/scaling"
)

// never is a time nothing happens at: the patience of those who never
// abandon, and the latest time a run can reach.
const never = time.Duration(math.MaxInt64)

// after returns t+d, saturating below never.
func after(t, d time.Duration) time.Duration {
	if d >= never-1-t {
		return never - 1
	}
	return t + d
}

// seconds converts float seconds to a Duration, saturating below never.
func seconds(s float64) time.Duration {
	if s >= float64(never-1)/1e9 {
		return never - 1
	}
	return time.Duration(math.Round(s * 1e9))
}

// routerConfig is the router a run serves its engagements through: one
// queue per modality of cfg.Params, named after it, taking that kind,
// with Targets.Within as its threshold; cfg.WrapUp; and, for admission
// and tickets, each modality's HandleTime and Concurrency. No queue has
// a MaxWait, so nothing is refused or overflows; offers never time out,
// since simulated agents accept them at once.
func routerConfig(cfg Config, now func() time.Time, onEvent func(routing.Event)) routing.Config {
	rc := routing.Config{WrapUp: cfg.WrapUp, Now: now, OnEvent: onEvent,
		Expect: make(map[modality.Kind]routing.Expectation, len(cfg.Params.Modalities))}
	threshold := cfg.Params.Targets.Within
	if threshold == 0 {
		threshold = time.Nanosecond // answered at once; the router reads 0 as its default, 20s
	}
	for _, m := range cfg.Params.Modalities {
		k := modality.Kind(m.Kind)
		rc.Queues = append(rc.Queues, routing.Queue{Name: m.Kind, Modalities: []modality.Kind{k}, Threshold: threshold})
		rc.Expect[k] = routing.Expectation{HandleTime: m.HandleTime, Concurrency: m.Concurrency}
	}
	return rc
}

// contact is one engagement drawn from the trace; times are from the
// trace's 0.
type contact struct {
	at, handle, patience time.Duration // patience never when nobody abandons
	mod, period          int
}

// workload is a trace's engagements, drawn once for every policy.
type workload struct {
	cfg      Config
	contacts []contact       // by arrival
	ids      []string        // of the contacts, in the router
	bounds   []time.Duration // period boundaries
	mods     []int           // Params.Modalities index → capacity units one engagement takes
	units    int             // capacity units of one agent
	kinds    []string
	capacity map[modality.Kind]int // of every agent: each modality's Concurrency
}

func newWorkload(t Trace, cfg Config) (*workload, error) {
	p := cfg.Params
	w := &workload{cfg: cfg, capacity: make(map[modality.Kind]int, len(p.Modalities))}
	// Capacity units, for occupancy: an agent has the lcm of the
	// concurrencies; an engagement of a modality with Concurrency c
	// takes units/c.
	w.units = 1
	for _, m := range p.Modalities {
		w.units = lcm(w.units, m.Concurrency)
		if w.units > 1<<16 {
			return nil, fmt.Errorf("%w: the concurrencies of Params.Modalities have a least common multiple above 65536", ErrConfig)
		}
	}
	for _, m := range p.Modalities {
		w.mods = append(w.mods, w.units/m.Concurrency)
		w.kinds = append(w.kinds, m.Kind)
		w.capacity[modality.Kind(m.Kind)] = m.Concurrency
	}
	index := func(kind string) int {
		return slices.IndexFunc(p.Modalities, func(m scaling.Modality) bool { return m.Kind == kind })
	}

	expected := 0.0
	for _, iv := range t {
		expected += iv.Arrivals
	}
	if expected > float64(cfg.MaxArrivals) {
		return nil, fmt.Errorf("%w: the trace expects %.0f arrivals; MaxArrivals is %d", ErrTooManyArrivals, expected, cfg.MaxArrivals)
	}
	w.bounds = boundaries(t)

	// Arrivals: a Poisson process per interval, in trace order, from one
	// seeded source.
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed5eed))
	for _, iv := range t {
		if iv.Arrivals <= 0 {
			continue
		}
		start, end := iv.Start.Seconds(), iv.End().Seconds()
		rate := iv.Arrivals / (end - start)
		mod := index(iv.Modality)
		patience := never
		for at := start + rng.ExpFloat64()/rate; at < end; at += rng.ExpFloat64() / rate {
			if iv.Patience > 0 {
				patience = seconds(rng.ExpFloat64() * iv.Patience.Seconds())
			}
			c := contact{at: min(seconds(at), iv.End()), handle: seconds(rng.ExpFloat64() * iv.HandleTime.Seconds()),
				patience: patience, mod: mod}
			c.period = sort.Search(len(w.bounds), func(i int) bool { return w.bounds[i] > c.at }) - 1
			c.period = min(c.period, len(w.bounds)-2) // an arrival rounded to the trace's end
			w.contacts = append(w.contacts, c)
			if len(w.contacts) > cfg.MaxArrivals {
				return nil, fmt.Errorf("%w: more than MaxArrivals %d", ErrTooManyArrivals, cfg.MaxArrivals)
			}
		}
	}
	slices.SortStableFunc(w.contacts, func(a, b contact) int { return cmp.Compare(a.at, b.at) })
	w.ids = make([]string, len(w.contacts))
	for c := range w.ids {
		w.ids[c] = strconv.Itoa(c)
	}
	return w, nil
}

func lcm(a, b int) int {
	g, x := a, b
	for x != 0 {
		g, x = x, g%x
	}
	return a / g * b
}

// event kinds.
const (
	evEnd     = iota // an agent ends an engagement: its handle time is up
	evAbandon        // an attendee's patience is up
	evWrapped        // an agent's wrap-up is over
)

type event struct {
	at      time.Duration
	seq     uint64 // orders events of the same instant as they were scheduled
	kind    int
	contact int
	agent   int
}

// events is a min-heap of events by time, then by order of scheduling.
type events []event

func (h events) less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}

func (h *events) push(e event) {
	*h = append(*h, e)
	q := *h
	for i := len(q) - 1; i > 0; {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q[i], q[p] = q[p], q[i]
		i = p
	}
}

func (h *events) pop() event {
	q := *h
	e := q[0]
	n := len(q) - 1
	q[0] = q[n]
	q = q[:n]
	for i := 0; ; {
		m, l, r := i, 2*i+1, 2*i+2
		if l < n && q.less(l, m) {
			m = l
		}
		if r < n && q.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
	*h = q
	return e
}

// agent states.
const (
	agentOff      = iota // Offline in the router: not staffed
	agentActive          // Available
	agentDraining        // on Break: removed, finishing what it holds before going Offline
)

// agent is a simulated agent: one router agent, joined once and reused
// across shifts.
type agent struct {
	id        string
	state     int
	live      int           // engagements held
	used      int           // capacity units they take
	wrapUntil time.Duration // while wrapping up; 0 otherwise
	occupied  int           // capacity units counted occupied now
}

// outcome states of a contact.
const (
	waiting = iota + 1
	served
	abandoned
)

// run is one policy's run: a discrete-event simulation of the workload
// whose engagements the router routes.
type run struct {
	w      *workload
	cfg    Config
	p      scaling.Params
	pol    Policy
	router *routing.Router
	err    error // the router's first error: a bug of the simulator

	now    time.Duration
	seq    uint64
	events events
	state  []int8                   // per contact: 0 not yet arrived, waiting, served, abandoned
	offers []routing.Event          // offers made by the router call in progress, to accept
	ids    map[string]int           // router agent ID → index in agents
	agents []agent                  // every agent ever joined
	off    []int                    // agents Offline, to staff again
	prev   []routing.Stats          // the router's Stats at the previous period's end
	waited map[string]time.Duration // per kind: the router's Stats.Waited at the previous decision
	active int                      // agents Available
	leave  int                      // agents draining
	busy   int                      // capacity units occupied, all agents
	inSvc  []int                    // per modality: engagements held
	queued []int                    // per modality: engagements waiting

	// Since the previous decision: per modality, arrivals, completions,
	// abandonments and the handle times completed; unit-seconds occupied
	// and waiting.
	arr, done, ab       []int
	hold                []time.Duration
	accBusy, accWaiting float64

	period          int
	periods         []Period
	licences, space int
	sinceDecision   time.Duration
	steps           []Step
	peak            int
}

func (w *workload) run(ctx context.Context, name string, pol Policy) (Result, error) {
	r, err := w.simulate(ctx, pol)
	if err != nil {
		return Result{}, err
	}
	return r.result(name), nil
}

// simulate runs pol through the workload and returns the finished run.
func (w *workload) simulate(ctx context.Context, pol Policy) (*run, error) {
	cfg := w.cfg
	n := len(cfg.Params.Modalities)
	r := &run{
		w: w, cfg: cfg, p: cfg.Params, pol: pol,
		state:  make([]int8, len(w.contacts)),
		ids:    map[string]int{},
		inSvc:  make([]int, n),
		queued: make([]int, n),
		hold:   make([]time.Duration, n),
		arr:    make([]int, n),
		done:   make([]int, n),
		ab:     make([]int, n),
	}
	var err error
	r.router, err = routing.New(routerConfig(cfg, func() time.Time { return cfg.Start.Add(r.now) }, func(e routing.Event) {
		if e.Kind == routing.EventOffered {
			r.offers = append(r.offers, e)
		}
	}))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	r.periods = make([]Period, len(w.bounds)-1)
	for i := range r.periods {
		r.periods[i].Start = w.bounds[i]
		r.periods[i].Length = w.bounds[i+1] - w.bounds[i]
	}
	begin, end := w.bounds[0], w.bounds[len(w.bounds)-1]
	r.now = begin
	r.setAgents(r.clamp(cfg.InitialAgents))
	nextDecision := begin
	next := 0 // next arrival
	for iter := 0; r.err == nil; iter++ {
		if iter%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		t := never
		if next < len(w.contacts) {
			t = w.contacts[next].at
		}
		if len(r.events) > 0 {
			t = min(t, r.events[0].at)
		}
		decide := nextDecision < end && nextDecision <= t
		if decide {
			t = nextDecision
		}
		if t == never {
			break // nothing arrives, nobody waits or is served
		}
		r.advance(t)
		switch {
		case decide:
			r.decide()
			nextDecision += cfg.DecisionInterval
		case len(r.events) > 0 && (next >= len(w.contacts) || r.events[0].at <= w.contacts[next].at):
			e := r.events.pop()
			switch e.kind {
			case evEnd:
				r.end(e)
			case evAbandon:
				r.abandon(e.contact)
			case evWrapped:
				r.wrapped(e)
			}
		default:
			r.arrive(next)
			next++
		}
	}
	r.advance(end)
	r.close()
	if r.err != nil {
		return nil, fmt.Errorf("sim: the router refused the simulation: %w", r.err)
	}
	r.snapshot(len(r.periods) - 1)
	return r, nil
}

// result is the run's Result.
func (r *run) result(name string) Result {
	res := Result{Policy: name, Target: r.p.Targets, Periods: r.periods, Steps: r.steps, PeakAgents: r.peak}
	for _, p := range r.periods {
		res.Total.Arrivals += p.Arrivals
		res.Total.BusySeconds += p.BusySeconds
		res.Total.AgentSeconds += p.AgentSeconds
		res.Total.LicenceSeconds += p.LicenceSeconds
		res.Total.SpaceSeconds += p.SpaceSeconds
	}
	res.Queues = r.router.Stats()
	res.Total.Routing = since(res.Queues, nil)
	return res
}

// since sums, over the queues, what the router counted from prev (nil:
// the start) to cur, both as Router.Stats returned them; Waiting and
// LongestWait are cur's.
func since(cur, prev []routing.Stats) routing.Stats {
	var s routing.Stats
	for i, c := range cur {
		var p routing.Stats
		if prev != nil {
			p = prev[i]
		}
		s.Offered += c.Offered - p.Offered
		s.Answered += c.Answered - p.Answered
		s.AnsweredWithin += c.AnsweredWithin - p.AnsweredWithin
		s.Abandoned += c.Abandoned - p.Abandoned
		s.Expired += c.Expired - p.Expired
		s.Refused += c.Refused - p.Refused
		s.OverflowedOut += c.OverflowedOut - p.OverflowedOut
		s.WaitAnswered += c.WaitAnswered - p.WaitAnswered
		s.HandleTime += c.HandleTime - p.HandleTime
		s.Handled += c.Handled - p.Handled
		s.Waiting += c.Waiting
		s.LongestWait = max(s.LongestWait, c.LongestWait)
	}
	return s
}

// snapshot gives period p what the router counted since the previous
// snapshot.
func (r *run) snapshot(p int) {
	cur := r.router.Stats()
	r.periods[p].Routing = since(cur, r.prev)
	r.prev = cur
}

// check keeps the router's first error.
func (r *run) check(err error) {
	if err != nil && r.err == nil {
		r.err = err
	}
}

// push schedules an event.
func (r *run) push(e event) {
	r.seq++
	e.seq = r.seq
	r.events.push(e)
}

// clamp holds n within the bounds.
func (r *run) clamp(n int) int { return min(max(n, r.p.MinAgents), r.p.MaxAgents) }

// advance accounts for the time from r.now to t (within the trace) and
// moves r.now to t. Crossing a period's end, it gives that period what
// the router counted in it; the last period's is taken when the run is
// over.
func (r *run) advance(t time.Duration) {
	end := r.w.bounds[len(r.w.bounds)-1]
	for r.now < t && r.now < end && r.period < len(r.periods) {
		pEnd := r.w.bounds[r.period+1]
		seg := min(t, pEnd)
		if dt := (seg - r.now).Seconds(); dt > 0 {
			pd := &r.periods[r.period].Stats
			pd.AgentSeconds += float64(r.active+r.leave) * dt
			pd.BusySeconds += float64(r.busy) / float64(r.w.units) * dt
			pd.LicenceSeconds += float64(r.licences) * dt
			pd.SpaceSeconds += float64(r.space) * dt
			r.accBusy += float64(r.busy) * dt
			wait := 0
			for m, n := range r.queued {
				wait += n * r.w.mods[m]
			}
			r.accWaiting += float64(wait) * dt
			r.sinceDecision += seg - r.now
		}
		r.now = seg
		if seg >= pEnd {
			if r.period < len(r.periods)-1 {
				r.snapshot(r.period)
			}
			r.period++
		}
	}
	r.now = max(r.now, t)
}

// decide asks the policy and applies its answer.
func (r *run) decide() {
	at := r.cfg.Start.Add(r.now)
	samples := make([]scaling.Sample, len(r.p.Modalities))
	for m, mod := range r.p.Modalities {
		s := scaling.Sample{Modality: mod.Kind, At: at, Interval: r.sinceDecision,
			Arrivals: r.arr[m], Completed: r.done[m], Abandoned: r.ab[m],
			Concurrent: r.inSvc[m], Queued: r.queued[m]}
		if r.done[m] > 0 {
			// Plus the wrap-up that holds the agent after each, as the
			// contactcenter lifecycle adds it to what its channels see.
			s.HandleTime = r.hold[m]/time.Duration(r.done[m]) + r.cfg.WrapUp
		}
		samples[m] = s
		r.arr[m], r.done[m], r.ab[m], r.hold[m] = 0, 0, 0, 0
	}
	// How long those who left a queue had waited, from the router, as
	// the lifecycle reports it: the attendees' patience, for Erlang A.
	total := map[string]time.Duration{}
	for _, st := range r.router.Stats() {
		total[string(st.Kind)] += st.Waited
	}
	for m := range samples {
		k := samples[m].Modality
		samples[m].Waited = max(total[k]-r.waited[k], 0)
	}
	r.waited = total
	o := Observation{At: at, Current: r.active, Samples: samples}
	if secs := r.sinceDecision.Seconds(); secs > 0 {
		u := float64(r.w.units)
		o.Busy = r.accBusy / u / secs
		o.Waiting = r.accWaiting / u / secs
	}
	r.accBusy, r.accWaiting, r.sinceDecision = 0, 0, 0
	n := r.clamp(r.pol.Decide(o))
	if len(r.steps) == 0 || n != r.steps[len(r.steps)-1].Agents {
		r.steps = append(r.steps, Step{At: r.now, Agents: n})
	}
	r.peak = max(r.peak, n)
	r.setAgents(n)
	res := r.p.ResourcesFor(n, samples)
	r.licences, r.space = res.Licences, res.Space
}

// setAgents changes the agents Available to n. Agents added are first
// those still finishing before leaving (the busiest first), then agents
// Offline, then new ones joining; each is set Available, and may be
// offered waiting engagements at once. Agents removed are first the idle
// ones, who go Offline, then those only wrapping up, then the least
// busy: those go on a Break, which keeps what they hold but offers them
// nothing, and go Offline once they hold nothing and have wrapped up;
// they are paid until then.
func (r *run) setAgents(n int) {
	for r.active < n && r.leave > 0 {
		best := -1
		for i := range r.agents {
			if a := &r.agents[i]; a.state == agentDraining && (best < 0 || a.used > r.agents[best].used) {
				best = i
			}
		}
		r.leave--
		r.activate(best)
	}
	for r.active < n {
		var i int
		if k := len(r.off); k > 0 {
			i, r.off = r.off[k-1], r.off[:k-1]
		} else {
			i = len(r.agents)
			id := "agent-" + strconv.Itoa(i)
			r.agents = append(r.agents, agent{id: id})
			r.ids[id] = i
			r.check(r.router.Join(routing.Agent{ID: id, Capacity: r.w.capacity}))
		}
		r.activate(i)
	}
	if r.active <= n {
		return
	}
	var cands []int
	for i := range r.agents {
		if r.agents[i].state == agentActive {
			cands = append(cands, i)
		}
	}
	busy := func(a *agent) int {
		switch {
		case a.live == 0 && a.wrapUntil == 0:
			return 0
		case a.live == 0:
			return 1
		}
		return 2
	}
	slices.SortFunc(cands, func(i, j int) int {
		a, b := &r.agents[i], &r.agents[j]
		return cmp.Or(cmp.Compare(busy(a), busy(b)), cmp.Compare(a.used, b.used), cmp.Compare(j, i))
	})
	for _, i := range cands[:r.active-n] {
		r.active--
		if busy(&r.agents[i]) == 0 {
			r.retire(i)
			continue
		}
		r.agents[i].state = agentDraining
		r.leave++
		r.check(r.router.SetStatus(r.agents[i].id, routing.Break))
	}
}

// activate sets agent i Available and accepts what it is offered.
func (r *run) activate(i int) {
	r.agents[i].state = agentActive
	r.active++
	r.check(r.router.SetStatus(r.agents[i].id, routing.Available))
	r.accept()
}

// retire sets agent i, who holds nothing and is not wrapping up,
// Offline: no longer staffed.
func (r *run) retire(i int) {
	r.agents[i].state = agentOff
	r.off = append(r.off, i)
	r.check(r.router.SetStatus(r.agents[i].id, routing.Offline))
}

// occupy recounts agent i's occupied units: all of them while it wraps
// up, else those its engagements take, up to all.
func (r *run) occupy(i int) {
	a := &r.agents[i]
	n := min(a.used, r.w.units)
	if a.wrapUntil > 0 {
		n = r.w.units
	}
	r.busy += n - a.occupied
	a.occupied = n
}

// accept has each agent the router offered an engagement to accept it
// at once, the offers the acceptances lead to included.
func (r *run) accept() {
	for k := 0; k < len(r.offers) && r.err == nil; k++ {
		o := r.offers[k]
		r.check(r.router.Accept(o.Agent, o.Engagement))
		c, err := strconv.Atoi(o.Engagement)
		r.check(err)
		i, ok := r.ids[o.Agent]
		if r.err != nil || !ok {
			r.check(fmt.Errorf("offer to unknown agent %q", o.Agent))
			break
		}
		ct := &r.w.contacts[c]
		r.state[c] = served
		r.queued[ct.mod]--
		r.inSvc[ct.mod]++
		a := &r.agents[i]
		a.live++
		a.used += r.w.mods[ct.mod]
		r.occupy(i)
		r.push(event{at: after(r.now, ct.handle), kind: evEnd, contact: c, agent: i})
	}
	r.offers = r.offers[:0]
}

// arrive enqueues contact c.
func (r *run) arrive(c int) {
	ct := &r.w.contacts[c]
	r.periods[ct.period].Arrivals++
	r.arr[ct.mod]++
	r.state[c] = waiting
	r.queued[ct.mod]++
	if ct.patience != never {
		r.push(event{at: after(ct.at, ct.patience), kind: evAbandon, contact: c})
	}
	kind := r.w.kinds[ct.mod]
	_, err := r.router.Enqueue(routing.Engagement{ID: r.w.ids[c], Queue: kind, Kind: modality.Kind(kind)})
	r.check(err)
	r.accept()
}

// end has e.agent end contact e.contact, then wrap up; a draining agent
// who is done goes Offline.
func (r *run) end(e event) {
	ct := &r.w.contacts[e.contact]
	a := &r.agents[e.agent]
	r.check(r.router.End(a.id, r.w.ids[e.contact]))
	r.inSvc[ct.mod]--
	r.done[ct.mod]++
	r.hold[ct.mod] += ct.handle
	a.live--
	a.used -= r.w.mods[ct.mod]
	if r.cfg.WrapUp > 0 {
		a.wrapUntil = after(r.now, r.cfg.WrapUp) // a later end extends it, as in the router
		r.push(event{at: a.wrapUntil, kind: evWrapped, agent: e.agent})
	}
	r.occupy(e.agent)
	if a.state == agentDraining && a.live == 0 && a.wrapUntil == 0 {
		r.leave--
		r.retire(e.agent)
	}
	r.accept()
}

// wrapped ends e.agent's wrap-up, unless a later end extended it: the
// router's Tick makes the agent offerable again (or a draining one who
// is done goes Offline).
func (r *run) wrapped(e event) {
	a := &r.agents[e.agent]
	if a.wrapUntil != e.at {
		return // extended: a later event ends it
	}
	a.wrapUntil = 0
	r.occupy(e.agent)
	r.router.Tick()
	if a.state == agentDraining && a.live == 0 {
		r.leave--
		r.retire(e.agent)
	}
	r.accept()
}

// abandon hangs up contact c if it still waits: the router counts it
// abandoned.
func (r *run) abandon(c int) {
	if r.state[c] != waiting {
		return
	}
	ct := &r.w.contacts[c]
	r.state[c] = abandoned
	r.queued[ct.mod]--
	r.ab[ct.mod]++
	r.check(r.router.Hangup(r.w.ids[c]))
}

// close hangs up every engagement still waiting when nothing else can
// happen (no agent is left to answer it): the router counts them
// abandoned when the run ends.
func (r *run) close() {
	for c, st := range r.state {
		if st == waiting {
			r.abandon(c)
		}
	}
}
