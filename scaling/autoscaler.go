package scaling

import (
	"slices"
	"sync"
	"time"
)

// The reasons a [Decision] gives for its Desired.Agents. The first three
// say which way the count moved when no rule bound it; the others name the
// rule that bound it last.
const (
	ReasonSteady        = "steady"                       // no rule bound it, and the count stays
	ReasonScaleUp       = "scale up"                     // no rule bound it, and the count grows
	ReasonScaleDown     = "scale down"                   // no rule bound it, and the count shrinks
	ReasonMaxAgents     = "capped by maxAgents"          // Params.MaxAgents
	ReasonMinAgents     = "raised to minAgents"          // Params.MinAgents
	ReasonLiveFloor     = "floor: live engagements"      // the engagements live now need more
	ReasonStabilisation = "held by stabilisation window" // Params.ScaleDownWindow
	ReasonMaxStepUp     = "limited by maxStepUp"         // Params.MaxStepUp
	ReasonMaxStepDown   = "limited by maxStepDown"       // Params.MaxStepDown
	ReasonLicences      = "capped by licences"           // Params.MaxLicences
)

// Autoscaler turns a [Policy]'s recommendations into scaling decisions for
// one service, within the bounds of its [Params]. See the package
// documentation for the rules, in the order [Autoscaler.Decide] applies
// them.
//
// An Autoscaler remembers the desired counts of its recent decisions (the
// stabilisation window), so it belongs to one service. Its methods are
// safe for concurrent use, but decisions are meaningful only in the order
// of their instants: drive each Autoscaler from one goroutine, with an
// instant that never goes back.
type Autoscaler struct {
	p        Params // frozen: Modalities is the Autoscaler's own copy
	policy   Policy
	forecast ForecastPolicy // policy, when it is one and p.Forecast is on
	licCap   int            // the most agents whose agents and supervisors the licences pay for

	mu     sync.Mutex
	trends []trend // per modality of p.Modalities, when forecasting
	// window holds the desired counts of the decisions within the
	// stabilisation window as a monotonic queue: instants ascending,
	// counts strictly descending from window[head]. A decision is dropped
	// once a later one desires at least as many agents, since it can then
	// never be the window's maximum again; so the queue holds at most one
	// entry per distinct instant and per distinct count.
	window []mark
	head   int
}

// Hold records agents as if a decision at now had desired them, without
// deciding anything: no later decision scales below agents until
// ScaleDownWindow has passed since now. A host calls it when a service
// opens with staffing planned ahead (from the expected attendance), so
// that the first quiet minutes do not undo the plan before traffic has
// been seen. agents is held within [MinAgents, MaxAgents].
func (a *Autoscaler) Hold(now time.Time, agents int) {
	agents = min(max(agents, a.p.MinAgents), a.p.MaxAgents)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.remember(now, agents)
}

// mark is one decision's desired count in the stabilisation window.
type mark struct {
	at     time.Time
	agents int
}

// NewAutoscaler returns an Autoscaler for p, which it validates with
// [Params.Validate] and copies: the caller may change p afterwards. A nil
// policy means [Utilisation]. The only error is the one Validate returns,
// with every problem of p.
func NewAutoscaler(p Params, policy Policy) (*Autoscaler, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if policy == nil {
		policy = Utilisation{}
	}
	p.Modalities = slices.Clone(p.Modalities)
	a := &Autoscaler{p: p, policy: policy, licCap: licenceCap(p)}
	if fp, ok := policy.(ForecastPolicy); ok && p.Forecast.on() {
		a.forecast = fp
		a.trends = make([]trend, len(p.Modalities))
	}
	return a, nil
}

// licenceCap returns the most agents whose agents and supervisors the
// licences pay for: the largest a with a + ⌈a/k⌉ <= L, where L is
// MaxLicences/LicencesPerAgent and k AgentsPerSupervisor, which is
// ⌊kL/(k+1)⌋ = L − ⌈L/(k+1)⌉ (or L itself without supervisors).
func licenceCap(p Params) int {
	l := min(p.MaxLicences/p.LicencesPerAgent, maxCount)
	k := p.AgentsPerSupervisor
	switch {
	case k == 0:
		return l
	case k >= l: // one supervisor for all of them
		return max(l-1, 0)
	default:
		return l - ceilDiv(l, k+1)
	}
}

// Params returns the Autoscaler's Params, a copy the caller owns.
func (a *Autoscaler) Params() Params {
	p := a.p
	p.Modalities = slices.Clone(p.Modalities)
	return p
}

// Decide takes the scaling decision at now for a service that has current
// agents and the traffic in samples, and remembers its desired count for
// the stabilisation of later decisions. Decision.Desired holds the agents
// decided, with the supervisors, licences and space they need
// ([Params.ResourcesFor]); Decision.Reason names the rule that bound them.
//
// When the Policy is a [ForecastPolicy] and Params.Forecast is on,
// Decide first updates each modality's forecast with samples and asks
// the policy to staff for the forecast demand, which Decision.Demand
// records (see [Forecast]). When a rising trend lifts some modality's
// forecast above its smoothed level, Decide also asks the policy to
// staff for the levels, and the stabilisation window remembers that
// count instead: a scale-up the trend alone asked for is not held for a
// whole window once the trend fades.
//
// Decide keeps no reference to samples: Decision.Samples is a copy. It
// allocates nothing else (when the Policy does not) but Decision.Demand,
// so it can run on every traffic sample. The Policy is called once, or
// twice as above, without the Autoscaler's lock held; it must not change
// the Params it is given.
//
// An instant earlier than a previous decision's counts as that decision's
// instant.
func (a *Autoscaler) Decide(now time.Time, current int, samples []Sample) Decision {
	p := &a.p
	current = max(current, 0)
	var rec, seen int
	var demand []Demand
	if a.forecast != nil {
		a.mu.Lock()
		var levels []Demand
		demand, levels = a.demand(samples)
		a.mu.Unlock()
		rec = a.forecast.RecommendDemand(a.p, demand)
		seen = rec
		if levels != nil {
			seen = min(a.forecast.RecommendDemand(a.p, levels), rec)
		}
	} else {
		rec = a.policy.Recommend(a.p, samples)
		seen = rec
	}
	rec, seen = max(rec, 0), max(seen, 0)

	// What the traffic asks for, within the bounds; and what the window
	// remembers of it.
	live := min(liveNeed(p, samples), p.MaxAgents)
	agents, reason := a.bound(rec, live)
	kept := agents
	if seen < rec {
		kept, _ = a.bound(seen, live)
	}

	a.mu.Lock()
	held := max(a.remember(now, kept), agents)
	a.mu.Unlock()

	// How fast to get there: up at once, down only as far as the window
	// allows; each within its step.
	switch {
	case agents > current:
		if p.MaxStepUp > 0 && agents-current > p.MaxStepUp {
			agents, reason = current+p.MaxStepUp, ReasonMaxStepUp
		}
	case agents < current:
		if held > agents {
			agents, reason = min(held, current), ReasonStabilisation
		}
		if p.MaxStepDown > 0 && current-agents > p.MaxStepDown {
			agents, reason = current-p.MaxStepDown, ReasonMaxStepDown
		}
	}

	// Hard bounds, whatever the steps: a current count outside them goes
	// straight back inside.
	if agents > p.MaxAgents {
		agents, reason = p.MaxAgents, ReasonMaxAgents
	}
	if agents < p.MinAgents {
		agents, reason = p.MinAgents, ReasonMinAgents
	}
	if agents > a.licCap {
		agents, reason = a.licCap, ReasonLicences
	}
	if reason == "" {
		switch {
		case agents > current:
			reason = ReasonScaleUp
		case agents < current:
			reason = ReasonScaleDown
		default:
			reason = ReasonSteady
		}
	}

	d := Decision{
		At:          now,
		Current:     current,
		Recommended: rec,
		Desired:     p.ResourcesFor(agents, samples),
		Reason:      reason,
	}
	if len(samples) > 0 {
		d.Samples = slices.Clone(samples)
	}
	d.Demand = demand
	return d
}

// bound returns n within [MinAgents, MaxAgents] and at least live (the
// engagements live now need, already at most MaxAgents), with the
// reason of the rule that bound it last, or "".
func (a *Autoscaler) bound(n, live int) (int, string) {
	reason := ""
	if n > a.p.MaxAgents {
		n, reason = a.p.MaxAgents, ReasonMaxAgents
	}
	if n < a.p.MinAgents {
		n, reason = a.p.MinAgents, ReasonMinAgents
	}
	if live > n {
		n, reason = live, ReasonLiveFloor
	}
	return n, reason
}

// demand updates the forecasts with samples and returns the demand of
// each modality seen so far, in the order of Params.Modalities. When a
// rising trend lifts some modality's forecast rate above its smoothed
// level, it also returns levels: the same demand with each rate at most
// its level; else levels is nil. Both share one allocation. The caller
// holds a.mu.
func (a *Autoscaler) demand(samples []Sample) (demand, levels []Demand) {
	p := &a.p
	for i := range samples {
		if j := p.modalityIndex(samples[i].Modality); j >= 0 {
			a.trends[j].observe(p.Forecast, &samples[i])
		}
	}
	var out []Demand
	rising := false
	for j, m := range p.Modalities {
		live, sampled := 0, false
		for i := range samples {
			if s := &samples[i]; s.Modality == m.Kind {
				live, sampled = addCount(live, addCount(max(s.Concurrent, 0), max(s.Queued, 0))), true
			}
		}
		t := &a.trends[j]
		if !t.seen && !sampled {
			continue
		}
		if out == nil {
			out = make([]Demand, 0, 2*len(p.Modalities))
		}
		r := t.rate(p.Forecast)
		rising = rising || t.seenRate() < r
		out = append(out, Demand{Modality: m.Kind, Rate: r, HandleTime: t.handleTime(m.HandleTime), Live: live,
			Patience: t.patience()})
	}
	n := len(out)
	demand = out[:n:n]
	if !rising {
		return demand, nil
	}
	levels = append(out[n:], demand...) // within out's capacity: no allocation
	for i := range levels {
		if j := p.modalityIndex(levels[i].Modality); j >= 0 {
			levels[i].Rate = min(levels[i].Rate, a.trends[j].seenRate())
		}
	}
	return demand, levels
}

// remember records the desired count of the decision at now in the
// stabilisation window, drops what the window has left behind, and
// returns the highest desired count within the window, now's included.
// The caller holds a.mu.
func (a *Autoscaler) remember(now time.Time, agents int) int {
	w := a.p.ScaleDownWindow
	if w <= 0 {
		return agents
	}
	// Drop the decisions now is a whole window past.
	for a.head < len(a.window) && now.Sub(a.window[a.head].at) >= w {
		a.head++
	}
	if a.head == len(a.window) {
		a.window, a.head = a.window[:0], 0
	}
	// A decision at (or, out of order, before) the last one's instant
	// merges into it.
	at := now
	if n := len(a.window); n > a.head && !now.After(a.window[n-1].at) {
		at = a.window[n-1].at
		agents = max(agents, a.window[n-1].agents)
		a.window = a.window[:n-1]
	}
	// Older decisions that desired no more can never be the maximum again.
	for n := len(a.window); n > a.head && a.window[n-1].agents <= agents; n-- {
		a.window = a.window[:n-1]
	}
	if len(a.window) == cap(a.window) && a.head > 0 {
		n := copy(a.window, a.window[a.head:])
		a.window, a.head = a.window[:n], 0
	}
	a.window = append(a.window, mark{at: at, agents: agents})
	return a.window[a.head].agents
}

// liveNeed returns the agents the engagements live in samples need:
// Σ ⌈(Concurrent+Queued)/Concurrency⌉ over the samples of p's modalities.
func liveNeed(p *Params, samples []Sample) int {
	total := 0
	for i := range samples {
		s := &samples[i]
		if m, ok := p.modality(s.Modality); ok {
			total = addCount(total, busy(s, m.Concurrency))
		}
	}
	return total
}
