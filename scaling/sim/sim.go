package sim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
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
	// Params.Validate must pass, Targets.ServiceLevel must be > 0, every
	// modality of the trace must be in Params.Modalities, and every one
	// of those must be a kind the router serves (modality.Kinds).
	//
	// Params are what the policies staff with: a host's scaler staffs
	// for the time an agent is held, the handle time and the wrap-up
	// after it (contactcenter adds staffing.wrapUp to each modality's
	// HandleTime); give the same here to simulate it.
	Params scaling.Params
	// WrapUp is how long an agent is offered nothing after each
	// engagement ends, to finish its notes: the router's
	// [routing.Config].WrapUp, a template's staffing.wrapUp. The agent is
	// paid and counted occupied meanwhile. The simulation ticks the
	// router (Router.Tick) the instant a wrap-up ends; a lifecycle ticks
	// it every TickInterval (1s by default), so there an agent may wait
	// up to that much longer for its next offer. Default: 0, none.
	WrapUp time.Duration
	// DecisionInterval is how often each policy decides. Default: 1m.
	DecisionInterval time.Duration
	// Seed seeds the arrivals, handle times and patience drawn from the
	// trace: the same seed gives the same run, and every policy of one
	// Compare faces the same engagements.
	Seed uint64
	// Start is the instant a trace time of 0 stands for, in the samples
	// and decisions policies see and on the router's clock. Default:
	// 2030-06-01 00:00 UTC.
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
	for i, m := range c.Params.Modalities {
		if _, err := modality.ParseKind(m.Kind); err != nil && m.Kind != "" {
			bad("Params.Modalities[%d]: the router serves no such kind: %v", i, err)
		}
	}
	if len(t) == 0 {
		errs = append(errs, ErrEmpty)
	}
	for _, kind := range t.Modalities() {
		if !slices.ContainsFunc(c.Params.Modalities, func(m scaling.Modality) bool { return m.Kind == kind }) {
			bad("trace modality %q is not in Params.Modalities", kind)
		}
	}
	if c.WrapUp < 0 {
		bad("WrapUp %v < 0", c.WrapUp)
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
	if len(errs) == 0 {
		// Anything else the router refuses (nothing, given the checks
		// above), said in its words.
		if _, err := routing.New(routerConfig(c, nil, nil)); err != nil {
			errs = append(errs, fmt.Errorf("%w: %w", ErrConfig, err))
		}
	}
	return c, errors.Join(errs...)
}

// Observation is what a [Policy] sees at a decision.
type Observation struct {
	At      time.Time        // the decision's instant
	Current int              // agents staffed now, not counting those leaving once they finish
	Samples []scaling.Sample // one per modality of Params.Modalities, covering the time since the previous decision
	// Busy is the mean number of agents occupied since the previous
	// decision: an agent wrapping up counts as one; otherwise each
	// engagement it holds counts 1/Concurrency of it, up to one.
	// Waiting is the mean number of agents' worth of engagements waiting
	// (each 1/Concurrency).
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
	WrapUp           time.Duration // Config.WrapUp: agents are held this much longer than each engagement
}

// A Contender is a named staffing policy, made afresh for each run.
type Contender struct {
	Name string
	New  func(s Setup) (Policy, error)
}

// Stats are a period's traffic, what the router counted, and what
// staffing it cost.
type Stats struct {
	// Arrivals are the engagements that arrived in the period (each is
	// enqueued in the router as it arrives).
	Arrivals int
	// Routing is what the router ([routing.Router.Stats]) counted in the
	// period, summed over its queues (one per modality): engagements that
	// entered a queue (Offered), were answered (Answered, AnsweredWithin
	// Targets.Within, WaitAnswered), abandoned, and ended (Handled,
	// HandleTime), counted when they happened, so an engagement that
	// arrived late in one period may be answered in the next. Waiting and
	// LongestWait are the router's at the period's end (the longest wait
	// of the run so far, of any queue). The last period also counts what
	// happened after the trace's end, until the last engagement ended.
	// Service level, ASA, abandonment and AHT are computed from it by the
	// router's own methods.
	Routing routing.Stats
	// BusySeconds are the agent-seconds occupied: an agent wrapping up
	// is occupied; otherwise each engagement it holds occupies
	// 1/Concurrency of it, up to the whole agent. The router lets an
	// agent hold engagements of several kinds at once (see the package
	// documentation).
	BusySeconds    float64
	AgentSeconds   float64 // agent-seconds staffed, those finishing before leaving included
	LicenceSeconds float64 // licence-seconds held
	SpaceSeconds   float64 // server-space-unit-seconds held
}

// ServiceLevel returns the router's service level
// ([routing.Stats.ServiceLevel]): the share of the engagements that left
// its queues that were answered within Targets.Within; those who
// abandoned, even within it, count against it. 1 when none left.
func (s Stats) ServiceLevel() float64 { return s.Routing.ServiceLevel() }

// ASA returns the router's average speed of answer
// ([routing.Stats.ASA]): the mean wait of the answered engagements.
func (s Stats) ASA() time.Duration { return s.Routing.ASA() }

// AbandonRate returns the router's abandonment rate
// ([routing.Stats.AbandonRate]): the share of the engagements that left
// its queues that were abandoned.
func (s Stats) AbandonRate() float64 { return s.Routing.AbandonRate() }

// AHT returns the router's average handle time ([routing.Stats.AHT]):
// from answer to end, the wrap-up not included.
func (s Stats) AHT() time.Duration { return s.Routing.AHT() }

// Occupancy returns the share of staffed agent time occupied (see
// BusySeconds): handling engagements or wrapping up.
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
	Policy  string
	Target  scaling.Targets // what ServiceLevel is measured against
	Periods []Period
	// Total sums the periods; its Routing is the router's Stats at the
	// end of the run, summed over its queues.
	Total Stats
	// Queues are the router's Stats at the end of the run, as
	// [routing.Router.Stats] returned them: one per modality of
	// Params.Modalities, in their order, named after it.
	Queues     []routing.Stats
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
// arrivals (cfg.Seed), concurrently, each with its own router, and
// returns their results in order. Errors wrap [ErrConfig] for an
// unusable cfg or trace (every problem named), [ErrTooManyArrivals], a
// contender's error from New (with its name), or ctx.Err() when ctx is
// done first.
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
			pol, err := c.New(Setup{Params: cfg.Params, Trace: t, DecisionInterval: cfg.DecisionInterval, Start: cfg.Start, WrapUp: cfg.WrapUp})
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
