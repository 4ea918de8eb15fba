package scaling

import "time"

// Demand is the traffic a [ForecastPolicy] staffs one modality for: the
// arrival rate and handle time the [Autoscaler] forecasts from the
// samples, and what is live now.
type Demand struct {
	Modality   string        // the modality's kind, as in [Modality.Kind]
	Rate       float64       // arrivals per second to staff for, >= 0
	HandleTime time.Duration // mean handle time to staff for, > 0
	Live       int           // engagements live now, with an agent or waiting
	// Patience is the attendees' mean patience observed (see
	// [Sample.Waited]); 0: the Modality's Patience.
	Patience time.Duration
}

// ForecastPolicy is a [Policy] that can staff for forecast demand rather
// than for the latest samples. An [Autoscaler] whose policy is a
// ForecastPolicy and whose Params.Forecast is on forecasts each
// modality's demand (see [Forecast]) and calls RecommendDemand instead
// of Recommend, with one Demand per modality of Params.Modalities that
// has been seen. RecommendDemand must be pure, like Recommend, and must
// neither change nor keep demand: the Decision records it.
type ForecastPolicy interface {
	Policy
	RecommendDemand(p Params, demand []Demand) int
}

// Erlang is the service-level [Policy]: it staffs each modality with the
// least agents that meet Params.Targets under the Erlang C model, or
// Erlang A when the modality has a Patience (see [Queue.Staff]), and
// never fewer than what is live now needs. It is a [ForecastPolicy]: an
// Autoscaler with a Forecast gives it the forecast rate instead of the
// latest interval's.
//
// A modality with Concurrency c is staffed as c sessions per agent: the
// queue's servers are sessions, each holding an engagement for its
// handle time, and the agents are ⌈sessions / c⌉. For each modality:
//
//	rate     = Arrivals / Interval (or the forecast rate)
//	aht      = the sample's HandleTime, else the Modality's
//	sessions = Queue{rate, aht, Patience}.Staff(Targets).Agents
//	agents   = max(⌈sessions / Concurrency⌉, ⌈live / Concurrency⌉)
//
// summed over the modalities of [Params.Modalities]; samples of other
// modalities are ignored. Targets no number of agents meets recommend
// math.MaxInt32 (the Autoscaler caps it at MaxAgents). With no Targets
// set, Erlang staffs like [Utilisation], for TargetUtilisation.
//
// Erlang is stateless, allocation-free and safe for concurrent use.
type Erlang struct{}

var _ ForecastPolicy = Erlang{}

// Recommend implements [Policy], from the latest samples.
func (Erlang) Recommend(p Params, samples []Sample) int {
	total := 0
	for i := range samples {
		s := &samples[i]
		m, ok := p.modality(s.Modality)
		if !ok {
			continue
		}
		var rate float64
		if s.Interval > 0 && s.Arrivals > 0 {
			rate = float64(s.Arrivals) / s.Interval.Seconds()
		}
		aht := s.HandleTime
		if aht <= 0 {
			aht = m.HandleTime
		}
		live := addCount(max(s.Concurrent, 0), max(s.Queued, 0))
		total = addCount(total, staffModality(&p, m, rate, aht, live))
	}
	return total
}

// RecommendDemand implements [ForecastPolicy].
func (Erlang) RecommendDemand(p Params, demand []Demand) int {
	total := 0
	for i := range demand {
		d := &demand[i]
		m, ok := p.modality(d.Modality)
		if !ok {
			continue
		}
		aht := d.HandleTime
		if aht <= 0 {
			aht = m.HandleTime
		}
		if d.Patience > 0 {
			m.Patience = d.Patience
		}
		total = addCount(total, staffModality(&p, m, d.Rate, aht, max(d.Live, 0)))
	}
	return total
}

// staffModality returns the agents modality m needs for rate arrivals
// per second of handle time aht, with live engagements live now.
func staffModality(p *Params, m Modality, rate float64, aht time.Duration, live int) int {
	conc := max(m.Concurrency, 1)
	agents := ceilDiv(live, conc)
	if !(rate > 0) || aht <= 0 {
		return agents
	}
	if p.Targets.IsZero() {
		target := p.TargetUtilisation
		if !(target > 0 && target <= 1) {
			target = 1
		}
		return max(agents, ceilCount(rate*aht.Seconds()/float64(conc)/target))
	}
	q := Queue{Rate: rate, HandleTime: aht, Patience: max(m.Patience, 0)}
	if q.Rate*q.Patience.Seconds() > maxPatienceLoad {
		q.Patience = 0 // patience that long is no patience limit at all
	}
	if q.validate() != nil || p.Targets.validate() != nil {
		return maxCount // absurd inputs: as many as allowed
	}
	perf, ok := q.staff(p.Targets)
	if !ok {
		return maxCount
	}
	return max(agents, ceilDiv(perf.agents, conc))
}
