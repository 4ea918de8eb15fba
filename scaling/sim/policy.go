package sim

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/eventcc/eventcc/scaling"
)

// Requirement returns, for each period of t (as in [Result].Periods),
// the agents the Erlang staffing of p.Targets needs for the true rates
// of the trace: each modality's arrivals per second and handle time in
// that period, staffed by [scaling.Erlang] with the Erlang C model (the
// trace's patience ignored), summed over modalities, within
// [p.MinAgents, p.MaxAgents]. The [Oracle] and [StaticPeak] staff it on
// the trace with Setup.WrapUp added to every handle time: an agent is
// held for the engagement and the wrap-up after it.
func Requirement(p scaling.Params, t Trace) ([]Period, []int) {
	bounds := boundaries(t)
	periods := make([]Period, len(bounds)-1)
	need := make([]int, len(periods))
	c := p
	c.Modalities = append([]scaling.Modality(nil), p.Modalities...)
	for i := range c.Modalities {
		c.Modalities[i].Patience = 0
	}
	for i := range periods {
		start, end := bounds[i], bounds[i+1]
		periods[i] = Period{Start: start, Length: end - start}
		var demand []scaling.Demand
		for _, iv := range t {
			if iv.Start <= start && end <= iv.End() && iv.Arrivals > 0 {
				demand = append(demand, scaling.Demand{Modality: iv.Modality,
					Rate: iv.Arrivals / iv.Length.Seconds(), HandleTime: iv.HandleTime})
			}
		}
		need[i] = min(max(scaling.Erlang{}.RecommendDemand(c, demand), p.MinAgents), p.MaxAgents)
	}
	return periods, need
}

// held returns t with wrapUp added to every interval's handle time: how
// long each engagement holds an agent.
func held(t Trace, wrapUp time.Duration) Trace {
	if wrapUp == 0 {
		return t
	}
	out := slices.Clone(t)
	for i := range out {
		out[i].HandleTime += wrapUp
	}
	return out
}

// boundaries returns every start and end of t's intervals, sorted.
func boundaries(t Trace) []time.Duration {
	set := map[time.Duration]bool{}
	for _, iv := range t {
		set[iv.Start], set[iv.End()] = true, true
	}
	b := make([]time.Duration, 0, len(set))
	for d := range set {
		b = append(b, d)
	}
	sort.Slice(b, func(i, j int) bool { return b[i] < b[j] })
	return b
}

// policyFunc adapts a function to a Policy.
type policyFunc func(o Observation) int

func (f policyFunc) Decide(o Observation) int { return f(o) }

// Oracle staffs every period with exactly its [Requirement]: Erlang C on
// the true rates and handle times (plus the wrap-up), known in advance,
// changed at the period's start. It is the benchmark no real-time policy
// can beat on cost at the same service level.
func Oracle() Contender {
	return Contender{Name: "oracle", New: func(s Setup) (Policy, error) {
		periods, need := Requirement(s.Params, held(s.Trace, s.WrapUp))
		return policyFunc(func(o Observation) int {
			at := o.At.Sub(s.Start)
			i := sort.Search(len(periods), func(i int) bool { return periods[i].Start+periods[i].Length > at })
			if i == len(periods) {
				return s.Params.MinAgents
			}
			return need[i]
		}), nil
	}}
}

// StaticPeak staffs the whole event with the peak period's
// [Requirement] (wrap-up included): provisioning for the peak, as
// without autoscaling.
func StaticPeak() Contender {
	return Contender{Name: "static peak", New: func(s Setup) (Policy, error) {
		_, need := Requirement(s.Params, held(s.Trace, s.WrapUp))
		peak := 0
		for _, n := range need {
			peak = max(peak, n)
		}
		return policyFunc(func(Observation) int { return peak }), nil
	}}
}

// HPA configures a Kubernetes horizontal-pod-autoscaler-style ratio
// policy. Zero fields take their defaults.
type HPA struct {
	// Target is the load per agent aimed at, in (0,1]. Default:
	// Params.TargetUtilisation.
	Target float64
	// Tolerance is the relative deviation from Target within which the
	// staffing is left alone. Default: 0.1.
	Tolerance float64
	// ScaleDownWindow: scale down only to the highest recommendation of
	// this window. Default: 5m.
	ScaleDownWindow time.Duration
}

// Contender returns the HPA-style policy. At each decision it measures
// the load per agent, the mean agents occupied and engagements waiting
// (in agents' worth; [Observation] Busy and Waiting) over the interval
// divided by the current agents, and
//
//	ratio   = load / Target
//	desired = current                      when |ratio − 1| <= Tolerance
//	desired = ⌈current × ratio⌉             otherwise
//
// scaling up at once, by at most doubling or 4 agents, whichever is
// more (the HPA's default scale-up policies), and down only to the
// highest desired count of the last ScaleDownWindow. With no agents it
// starts from the load itself.
func (h HPA) Contender() Contender {
	return Contender{Name: "hpa", New: func(s Setup) (Policy, error) {
		c := h
		if c.Target == 0 {
			c.Target = s.Params.TargetUtilisation
		}
		if c.Tolerance == 0 {
			c.Tolerance = 0.1
		}
		if c.ScaleDownWindow == 0 {
			c.ScaleDownWindow = 5 * time.Minute
		}
		if !(c.Target > 0 && c.Target <= 1) || !(c.Tolerance >= 0) || c.ScaleDownWindow < 0 {
			return nil, fmt.Errorf("%w: HPA %+v", ErrConfig, c)
		}
		type rec struct {
			at time.Time
			n  int
		}
		var window []rec
		return policyFunc(func(o Observation) int {
			load := o.Busy + o.Waiting
			desired := o.Current
			switch {
			case o.Current == 0:
				desired = int(math.Ceil(load / c.Target))
			default:
				ratio := load / float64(o.Current) / c.Target
				if math.Abs(ratio-1) > c.Tolerance {
					desired = int(math.Ceil(float64(o.Current) * ratio))
				}
			}
			if up := max(2*o.Current, o.Current+4); desired > up {
				desired = up
			}
			kept := window[:0]
			for _, r := range window {
				if o.At.Sub(r.at) < c.ScaleDownWindow {
					kept = append(kept, r)
				}
			}
			window = append(kept, rec{o.At, desired})
			if desired < o.Current {
				highest := desired
				for _, r := range window {
					highest = max(highest, r.n)
				}
				desired = min(highest, o.Current)
			}
			return desired
		}), nil
	}}
}

// Autoscaler returns eventcc's [scaling.Autoscaler] with policy (nil:
// [scaling.Erlang]) on the run's Params, named name (empty: "eventcc").
func Autoscaler(name string, policy scaling.Policy) Contender {
	if name == "" {
		name = "eventcc"
	}
	if policy == nil {
		policy = scaling.Erlang{}
	}
	return Contender{Name: name, New: func(s Setup) (Policy, error) {
		a, err := scaling.NewAutoscaler(s.Params, policy)
		if err != nil {
			return nil, err
		}
		return policyFunc(func(o Observation) int {
			return a.Decide(o.At, o.Current, o.Samples).Desired.Agents
		}), nil
	}}
}
