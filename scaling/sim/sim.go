package sim

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/eventcc/eventcc/scaling"
)

// Config configures a simulation. The zero value of each optional field
// takes the default documented on it.
type Config struct {
	// Params are the service's scaling parameters: the modalities (their
	// Concurrency, and HandleTime as the planning assumption), the bounds
	// every policy is held within, the Targets (Targets.ServiceLevel and
	// Targets.Within are what results are measured against), and the
	// factors that turn agents into licences and server space. Required:
	// Params.Validate must pass, Targets.ServiceLevel must be > 0, and
	// every modality of the trace must be in Params.Modalities.
	Params scaling.Params
	// DecisionInterval is how often each policy decides. Default: 1m.
	DecisionInterval time.Duration
	// Seed seeds the arrivals, handle times and patience drawn from the
	// trace: the same seed gives the same run, and every policy of one
	// Compare faces the same engagements.
	Seed uint64
	// Start is the instant a trace time of 0 stands for, in the samples
	// and decisions policies see. Default: 2030-06-01 00:00 UTC.
	Start time.Time
	// InitialAgents is the staffing when the run starts, before the
	// first decision. Default: Params.MinAgents.
	InitialAgents int
	// MaxArrivals bounds the engagements one run draws; more is an
	// error. Default: 5,000,000.
	MaxArrivals int
}

// ErrConfig means a Config or a trace cannot be simulated; the error
// wrapping it names every problem.
var ErrConfig = errors.New("sim: invalid configuration")

// ErrTooManyArrivals means a trace draws more engagements than
// Config.MaxArrivals.
var ErrTooManyArrivals = errors.New("sim: too many arrivals")

// withDefaults returns c with its defaults filled in, and every problem.
func (c Config) withDefaults(t Trace) (Config, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...))
	}
	if err := c.Params.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: Params: %w", ErrConfig, err))
	}
	if !(c.Params.Targets.ServiceLevel > 0) {
		bad("Params.Targets.ServiceLevel %v: want a service-level target to measure against", c.Params.Targets.ServiceLevel)
	}
	if len(t) == 0 {
		errs = append(errs, ErrEmpty)
	}
	for _, kind := range t.Modalities() {
		if !slices.ContainsFunc(c.Params.Modalities, func(m scaling.Modality) bool { return m.Kind == kind }) {
			bad("trace modality %q is not in Params.Modalities", kind)
		}
	}
	if c.DecisionInterval < 0 {
		bad("DecisionInterval %v < 0", c.DecisionInterval)
	}
	if c.InitialAgents < 0 {
		bad("InitialAgents %d < 0", c.InitialAgents)
	}
	if c.MaxArrivals < 0 {
		bad("MaxArrivals %d < 0", c.MaxArrivals)
	}
	if c.DecisionInterval == 0 {
		c.DecisionInterval = time.Minute
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2030, time.June, 1, 0, 0, 0, 0, time.UTC)
	}
	if c.InitialAgents == 0 {
		c.InitialAgents = c.Params.MinAgents
	}
	if c.MaxArrivals == 0 {
		c.MaxArrivals = 5_000_000
	}
	return c, errors.Join(errs...)
}

// Observation is what a [Policy] sees at a decision.
type Observation struct {
	At      time.Time        // the decision's instant
	Current int              // agents staffed now, not counting those leaving once they finish
	Samples []scaling.Sample // one per modality of Params.Modalities, covering the time since the previous decision
	// Busy and Waiting are the mean number of agents' worth of
	// engagements in service and waiting since the previous decision
	// (an engagement of a modality with Concurrency c counts 1/c).
	Busy, Waiting float64
}

// Policy decides the staffing during one simulated run. The simulator
// calls Decide every DecisionInterval, from one goroutine, and holds
// the answer within [Params.MinAgents, Params.MaxAgents].
type Policy interface {
	Decide(o Observation) int
}

// Setup is what a [Contender] gets to make a Policy for one run.
type Setup struct {
	Params           scaling.Params
	Trace            Trace
	DecisionInterval time.Duration
	Start            time.Time
}

// A Contender is a named staffing policy, made afresh for each run.
type Contender struct {
	Name string
	New  func(s Setup) (Policy, error)
}

// Stats are what happened to the engagements that arrived in a period,
// and what staffing it cost.
type Stats struct {
	Arrivals        int
	Answered        int
	AnsweredWithin  int     // answered within Targets.Within
	Abandoned       int     // abandoned before an answer
	AbandonedWithin int     // abandoned within Targets.Within
	WaitSeconds     float64 // waits of every arrival: until answered, or until abandoned
	BusySeconds     float64 // agent-seconds spent handling engagements
	AgentSeconds    float64 // agent-seconds staffed, those finishing before leaving included
	LicenceSeconds  float64 // licence-seconds held
	SpaceSeconds    float64 // server-space-unit-seconds held
}

// ServiceLevel returns the share of arrivals answered within the
// threshold, not counting those who abandoned within it (the definition
// of [scaling.Performance]); 1 when nothing arrived.
func (s Stats) ServiceLevel() float64 {
	d := s.Arrivals - s.AbandonedWithin
	if d <= 0 {
		return 1
	}
	return float64(s.AnsweredWithin) / float64(d)
}

// ASA returns the mean wait per arrival (answered or abandoned).
func (s Stats) ASA() time.Duration {
	if s.Arrivals == 0 {
		return 0
	}
	return time.Duration(s.WaitSeconds / float64(s.Arrivals) * 1e9)
}

// AbandonRate returns the share of arrivals that abandoned.
func (s Stats) AbandonRate() float64 {
	if s.Arrivals == 0 {
		return 0
	}
	return float64(s.Abandoned) / float64(s.Arrivals)
}

// Occupancy returns the share of staffed agent time spent on
// engagements.
func (s Stats) Occupancy() float64 {
	if s.AgentSeconds == 0 {
		return 0
	}
	return s.BusySeconds / s.AgentSeconds
}

// AgentHours, LicenceHours and SpaceHours return the staffing costs in
// hours.
func (s Stats) AgentHours() float64   { return s.AgentSeconds / 3600 }
func (s Stats) LicenceHours() float64 { return s.LicenceSeconds / 3600 }
func (s Stats) SpaceHours() float64   { return s.SpaceSeconds / 3600 }

func (s *Stats) add(o Stats) {
	s.Arrivals += o.Arrivals
	s.Answered += o.Answered
	s.AnsweredWithin += o.AnsweredWithin
	s.Abandoned += o.Abandoned
	s.AbandonedWithin += o.AbandonedWithin
	s.WaitSeconds += o.WaitSeconds
	s.BusySeconds += o.BusySeconds
	s.AgentSeconds += o.AgentSeconds
	s.LicenceSeconds += o.LicenceSeconds
	s.SpaceSeconds += o.SpaceSeconds
}

// Period is one period of a run: the trace's intervals cut at every
// start and end of any of them.
type Period struct {
	Start, Length time.Duration
	Stats
}

// MeanAgents returns the mean staffing over the period.
func (p Period) MeanAgents() float64 { return p.AgentSeconds / p.Length.Seconds() }

// Step is one decision of a run: from At on, Agents were decided.
type Step struct {
	At     time.Duration // from the trace's 0
	Agents int
}

// Result is one policy's run.
type Result struct {
	Policy     string
	Target     scaling.Targets // what ServiceLevel is measured against
	Periods    []Period
	Total      Stats
	Steps      []Step // every decision that changed the staffing, and the first
	PeakAgents int
}

// PeriodsMet returns the share of the periods with arrivals whose
// service level met the target, and the number of such periods.
func (r Result) PeriodsMet() (share float64, periods int) {
	met := 0
	for _, p := range r.Periods {
		if p.Arrivals == 0 {
			continue
		}
		periods++
		if p.ServiceLevel() >= r.Target.ServiceLevel {
			met++
		}
	}
	if periods == 0 {
		return 1, 0
	}
	return float64(met) / float64(periods), periods
}

// Compare runs every contender through the same trace with the same
// arrivals (cfg.Seed), concurrently, and returns their results in
// order. Errors wrap [ErrConfig] for an unusable cfg or trace (every
// problem named), [ErrTooManyArrivals], a contender's error from New
// (with its name), or ctx.Err() when ctx is done first.
func Compare(ctx context.Context, t Trace, cfg Config, contenders ...Contender) ([]Result, error) {
	cfg, err := cfg.withDefaults(t)
	if err != nil {
		return nil, err
	}
	w, err := newWorkload(t, cfg)
	if err != nil {
		return nil, err
	}
	results := make([]Result, len(contenders))
	errs := make([]error, len(contenders))
	done := make(chan struct{})
	for i, c := range contenders {
		go func() {
			defer func() { done <- struct{}{} }()
			pol, err := c.New(Setup{Params: cfg.Params, Trace: t, DecisionInterval: cfg.DecisionInterval, Start: cfg.Start})
			if err != nil {
				errs[i] = fmt.Errorf("sim: %s: %w", c.Name, err)
				return
			}
			results[i], errs[i] = w.run(ctx, c.Name, pol)
		}()
	}
	for range contenders {
		<-done
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return results, nil
}

// Run runs one policy through t; see [Compare].
func Run(ctx context.Context, t Trace, cfg Config, c Contender) (Result, error) {
	rs, err := Compare(ctx, t, cfg, c)
	if err != nil {
		return Result{}, err
	}
	return rs[0], nil
}

// contact is one engagement drawn from the trace.
type contact struct {
	at, handle, patience float64 // seconds; patience +Inf when nobody abandons
	mod, period          int
}

// workload is a trace's engagements, drawn once for every policy.
type workload struct {
	cfg      Config
	contacts []contact // by arrival
	bounds   []float64 // period boundaries, seconds
	begin    float64   // the trace's first start
	mods     []int     // Params.Modalities index → capacity units one engagement takes
	units    int       // capacity units of one agent
	kinds    []string
}

func newWorkload(t Trace, cfg Config) (*workload, error) {
	p := cfg.Params
	w := &workload{cfg: cfg}
	// Capacity units: an agent has the lcm of the concurrencies; an
	// engagement of a modality with Concurrency c takes units/c.
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
	}
	index := func(kind string) int {
		return slices.IndexFunc(p.Modalities, func(m scaling.Modality) bool { return m.Kind == kind })
	}

	// Periods: every start and end.
	set := map[float64]bool{}
	expected := 0.0
	for _, iv := range t {
		set[iv.Start.Seconds()] = true
		set[iv.End().Seconds()] = true
		expected += iv.Arrivals
	}
	if expected > float64(cfg.MaxArrivals) {
		return nil, fmt.Errorf("%w: the trace expects %.0f arrivals; MaxArrivals is %d", ErrTooManyArrivals, expected, cfg.MaxArrivals)
	}
	for b := range set {
		w.bounds = append(w.bounds, b)
	}
	sort.Float64s(w.bounds)
	w.begin = w.bounds[0]

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
		patience := math.Inf(1)
		for at := start + rng.ExpFloat64()/rate; at < end; at += rng.ExpFloat64() / rate {
			if iv.Patience > 0 {
				patience = rng.ExpFloat64() * iv.Patience.Seconds()
			}
			w.contacts = append(w.contacts, contact{
				at: at, handle: rng.ExpFloat64() * iv.HandleTime.Seconds(), patience: patience, mod: mod,
				period: sort.SearchFloat64s(w.bounds, at+1e-9) - 1,
			})
			if len(w.contacts) > cfg.MaxArrivals {
				return nil, fmt.Errorf("%w: more than MaxArrivals %d", ErrTooManyArrivals, cfg.MaxArrivals)
			}
		}
	}
	sort.SliceStable(w.contacts, func(i, j int) bool { return w.contacts[i].at < w.contacts[j].at })
	for i := range w.contacts {
		// A rounding at a boundary must not put a contact a period early.
		c := &w.contacts[i]
		for c.period+1 < len(w.bounds)-1 && c.at >= w.bounds[c.period+1] {
			c.period++
		}
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
	evComplete = iota
	evAbandon
)

type event struct {
	at      float64
	kind    int
	contact int
	agent   int
}

type events []event

func (h events) Len() int           { return len(h) }
func (h events) Less(i, j int) bool { return h[i].at < h[j].at }
func (h events) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *events) Push(x any)        { *h = append(*h, x.(event)) }
func (h *events) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// agent states.
const (
	agentActive = iota
	agentDraining
	agentGone
)

type agent struct {
	used  int // capacity units in use
	state int
	slot  int // position in its bucket while active
}

// outcome states of a contact.
const (
	waiting = iota + 1
	served
	abandoned
)

// run is one policy's run: a discrete-event simulation of the workload.
type run struct {
	w   *workload
	cfg Config
	p   scaling.Params
	pol Policy

	now    float64
	events events
	state  []int8 // per contact: 0 not yet arrived, waiting, served, abandoned

	agents  []agent
	free    []int   // indices of gone agents, for reuse
	buckets [][]int // active agents by used units
	active  int
	leaving int // draining agents

	queues  [][]int // per modality: waiting contacts, FIFO (abandoned ones removed lazily)
	heads   []int
	waiting []int // per modality: contacts waiting
	inSvc   []int // per modality: contacts in service
	units   int   // capacity units in use, all agents

	// Accounting.
	period           int
	periods          []Period
	licences, space  int
	sinceDecision    float64 // seconds accounted since the previous decision
	busyAcc, waitAcc float64 // unit-seconds since the previous decision
	arr, done, ab    []int   // per modality, since the previous decision
	handleSum        []float64
	steps            []Step
	peak             int
}

func (w *workload) run(ctx context.Context, name string, pol Policy) (Result, error) {
	cfg := w.cfg
	n := len(cfg.Params.Modalities)
	r := &run{
		w: w, cfg: cfg, p: cfg.Params, pol: pol,
		state:     make([]int8, len(w.contacts)),
		buckets:   make([][]int, w.units+1),
		queues:    make([][]int, n),
		heads:     make([]int, n),
		waiting:   make([]int, n),
		inSvc:     make([]int, n),
		arr:       make([]int, n),
		done:      make([]int, n),
		ab:        make([]int, n),
		handleSum: make([]float64, n),
	}
	r.periods = make([]Period, len(w.bounds)-1)
	for i := range r.periods {
		r.periods[i].Start = seconds(w.bounds[i])
		r.periods[i].Length = seconds(w.bounds[i+1]) - r.periods[i].Start
	}
	r.now = w.begin
	r.setAgents(r.clamp(cfg.InitialAgents))
	end := w.bounds[len(w.bounds)-1]
	step := cfg.DecisionInterval.Seconds()
	nextDecision := w.begin
	next := 0 // next arrival
	for iter := 0; ; iter++ {
		if iter%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return Result{}, err
			}
		}
		t := math.Inf(1)
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
		if math.IsInf(t, 1) {
			break // nothing arrives, nobody waits or is served
		}
		r.advance(t)
		switch {
		case decide:
			r.decide()
			nextDecision += step
		case len(r.events) > 0 && r.events[0].at <= t && (next >= len(w.contacts) || r.events[0].at <= w.contacts[next].at):
			e := heap.Pop(&r.events).(event)
			switch e.kind {
			case evComplete:
				r.complete(e)
			case evAbandon:
				r.abandon(e.contact)
			}
		default:
			r.arrive(next)
			next++
		}
	}
	r.advance(end)
	for c, st := range r.state {
		if st == waiting { // never answered: no agent left after the trace
			ct := &w.contacts[c]
			r.periods[ct.period].WaitSeconds += max(r.now, end) - ct.at
		}
	}
	res := Result{Policy: name, Target: cfg.Params.Targets, Periods: r.periods, Steps: r.steps, PeakAgents: r.peak}
	for _, p := range r.periods {
		res.Total.add(p.Stats)
	}
	return res, nil
}

// seconds converts float seconds to a Duration.
func seconds(s float64) time.Duration { return time.Duration(math.Round(s * 1e9)) }

// clamp holds n within the bounds.
func (r *run) clamp(n int) int { return min(max(n, r.p.MinAgents), r.p.MaxAgents) }

// advance accounts for the time from r.now to t (within the trace) and
// moves r.now to t.
func (r *run) advance(t float64) {
	end := r.w.bounds[len(r.w.bounds)-1]
	for r.now < t && r.now < end && r.period < len(r.periods) {
		pEnd := r.w.bounds[r.period+1]
		seg := min(t, pEnd, end)
		dt := seg - r.now
		if dt > 0 {
			pd := &r.periods[r.period].Stats
			pd.AgentSeconds += float64(r.active+r.leaving) * dt
			pd.BusySeconds += float64(r.units) / float64(r.w.units) * dt
			pd.LicenceSeconds += float64(r.licences) * dt
			pd.SpaceSeconds += float64(r.space) * dt
			r.busyAcc += float64(r.units) * dt
			wait := 0
			for m, n := range r.waiting {
				wait += n * r.w.mods[m]
			}
			r.waitAcc += float64(wait) * dt
			r.sinceDecision += dt
		}
		r.now = seg
		if seg >= pEnd {
			r.period++
		}
	}
	r.now = max(r.now, t)
}

// decide asks the policy and applies its answer.
func (r *run) decide() {
	at := r.cfg.Start.Add(seconds(r.now))
	interval := seconds(r.sinceDecision)
	samples := make([]scaling.Sample, len(r.p.Modalities))
	for m, mod := range r.p.Modalities {
		s := scaling.Sample{Modality: mod.Kind, At: at, Interval: interval,
			Arrivals: r.arr[m], Completed: r.done[m], Abandoned: r.ab[m],
			Concurrent: r.inSvc[m], Queued: r.waiting[m]}
		if r.done[m] > 0 {
			s.HandleTime = seconds(r.handleSum[m] / float64(r.done[m]))
		}
		samples[m] = s
		r.arr[m], r.done[m], r.ab[m], r.handleSum[m] = 0, 0, 0, 0
	}
	o := Observation{At: at, Current: r.active, Samples: samples}
	if r.sinceDecision > 0 {
		u := float64(r.w.units)
		o.Busy = r.busyAcc / u / r.sinceDecision
		o.Waiting = r.waitAcc / u / r.sinceDecision
	}
	r.busyAcc, r.waitAcc, r.sinceDecision = 0, 0, 0
	n := r.clamp(r.pol.Decide(o))
	if len(r.steps) == 0 || n != r.steps[len(r.steps)-1].Agents {
		r.steps = append(r.steps, Step{At: seconds(r.now), Agents: n})
	}
	r.peak = max(r.peak, n)
	r.setAgents(n)
	res := r.p.ResourcesFor(n, samples)
	r.licences, r.space = res.Licences, res.Space
	r.dispatch()
}

// setAgents changes the active agents to n: agents leaving first are
// the idle ones, then the least busy, who finish what they handle
// first; agents joining are those still finishing, then new ones.
func (r *run) setAgents(n int) {
	for r.active < n && r.leaving > 0 {
		// Keep the busiest of those about to leave.
		best := -1
		for i := range r.agents {
			if a := &r.agents[i]; a.state == agentDraining && (best < 0 || a.used > r.agents[best].used) {
				best = i
			}
		}
		r.agents[best].state = agentActive
		r.leaving--
		r.insert(best)
	}
	for r.active < n {
		var i int
		if k := len(r.free); k > 0 {
			i, r.free = r.free[k-1], r.free[:k-1]
			r.agents[i] = agent{}
		} else {
			i = len(r.agents)
			r.agents = append(r.agents, agent{})
		}
		r.insert(i)
	}
	for u := 0; r.active > n && u <= r.w.units; {
		b := r.buckets[u]
		if len(b) == 0 {
			u++
			continue
		}
		i := b[len(b)-1]
		r.remove(i)
		if u == 0 {
			r.agents[i].state = agentGone
			r.free = append(r.free, i)
		} else {
			r.agents[i].state = agentDraining
			r.leaving++
		}
	}
}

// insert makes agent i active, in the bucket of its used units.
func (r *run) insert(i int) {
	a := &r.agents[i]
	a.state = agentActive
	a.slot = len(r.buckets[a.used])
	r.buckets[a.used] = append(r.buckets[a.used], i)
	r.active++
}

// remove takes active agent i out of its bucket.
func (r *run) remove(i int) {
	a := &r.agents[i]
	b := r.buckets[a.used]
	last := b[len(b)-1]
	b[a.slot] = last
	r.agents[last].slot = a.slot
	r.buckets[a.used] = b[:len(b)-1]
	r.active--
}

// fit returns an active agent with room for cost units, the busiest
// such (so that idle agents stay free for engagements that need a whole
// agent), or -1.
func (r *run) fit(cost int) int {
	for u := r.w.units - cost; u >= 0; u-- {
		if b := r.buckets[u]; len(b) > 0 {
			return b[len(b)-1]
		}
	}
	return -1
}

// arrive handles the arrival of contact c.
func (r *run) arrive(c int) {
	ct := &r.w.contacts[c]
	r.periods[ct.period].Arrivals++
	r.arr[ct.mod]++
	r.state[c] = waiting
	r.queues[ct.mod] = append(r.queues[ct.mod], c)
	r.waiting[ct.mod]++
	if !math.IsInf(ct.patience, 1) {
		heap.Push(&r.events, event{at: ct.at + ct.patience, kind: evAbandon, contact: c})
	}
	r.dispatch()
}

// dispatch hands waiting contacts to agents with room, longest waiting
// first, until none fits.
func (r *run) dispatch() {
	for {
		best, bestAgent := -1, -1
		for m := range r.queues {
			c := r.head(m)
			if c < 0 {
				continue
			}
			if best >= 0 && r.w.contacts[best].at <= r.w.contacts[c].at {
				continue
			}
			if i := r.fit(r.w.mods[m]); i >= 0 {
				best, bestAgent = c, i
			}
		}
		if best < 0 {
			return
		}
		r.serve(best, bestAgent)
	}
}

// head returns modality m's first waiting contact, or -1.
func (r *run) head(m int) int {
	q := r.queues[m]
	for r.heads[m] < len(q) {
		if c := q[r.heads[m]]; r.state[c] == waiting {
			return c
		}
		r.heads[m]++
	}
	r.queues[m], r.heads[m] = q[:0], 0
	return -1
}

// serve gives contact c to agent i.
func (r *run) serve(c, i int) {
	ct := &r.w.contacts[c]
	cost := r.w.mods[ct.mod]
	r.heads[ct.mod]++
	r.state[c] = served
	r.waiting[ct.mod]--
	r.inSvc[ct.mod]++
	wait := r.now - ct.at
	p := &r.periods[ct.period].Stats
	p.Answered++
	p.WaitSeconds += wait
	if wait <= r.p.Targets.Within.Seconds() {
		p.AnsweredWithin++
	}
	r.remove(i)
	r.agents[i].used += cost
	r.insert(i)
	r.units += cost
	heap.Push(&r.events, event{at: r.now + ct.handle, kind: evComplete, contact: c, agent: i})
}

// complete ends contact e.contact's handling by agent e.agent.
func (r *run) complete(e event) {
	ct := &r.w.contacts[e.contact]
	cost := r.w.mods[ct.mod]
	r.inSvc[ct.mod]--
	r.done[ct.mod]++
	r.handleSum[ct.mod] += ct.handle
	r.units -= cost
	a := &r.agents[e.agent]
	switch a.state {
	case agentActive:
		r.remove(e.agent)
		a.used -= cost
		r.insert(e.agent)
	case agentDraining:
		a.used -= cost
		if a.used == 0 {
			a.state = agentGone
			r.leaving--
			r.free = append(r.free, e.agent)
		}
	}
	r.dispatch()
}

// abandon ends contact c's wait if it is still waiting.
func (r *run) abandon(c int) {
	if r.state[c] != waiting {
		return
	}
	ct := &r.w.contacts[c]
	r.state[c] = abandoned
	r.waiting[ct.mod]--
	r.ab[ct.mod]++
	p := &r.periods[ct.period].Stats
	p.Abandoned++
	p.WaitSeconds += ct.patience
	if ct.patience <= r.p.Targets.Within.Seconds() {
		p.AbandonedWithin++
	}
}
