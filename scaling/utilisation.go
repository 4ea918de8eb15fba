package scaling

import "math"

// maxCount caps every count scaling computes, so that absurd inputs (a
// billion arrivals in a nanosecond) saturate instead of overflowing, on
// 32-bit platforms too.
const maxCount = math.MaxInt32

// epsilon is the relative slack under which a fractional part is taken as
// float noise: 8 agents of load at a target of 0.8 need 10 agents, though
// 8/0.8 is a hair above 10 in floating point.
const epsilon = 1e-12

// Utilisation is the target-utilisation [Policy]: enough agents that the
// offered load keeps them busy TargetUtilisation of their time, and never
// fewer than the engagements live now need.
//
// For each sample of a modality in [Params.Modalities] (matched by Kind;
// samples of other modalities are ignored):
//
//	rate   = Arrivals / Interval                      (per second; 0 when Interval is 0)
//	aht    = sample HandleTime, or the Modality's HandleTime when the sample has none
//	load   = rate × aht / Concurrency                 (agents kept busy)
//	busy   = ⌈(Concurrent + Queued) / Concurrency⌉    (agents to hold what is live)
//	agents = max(⌈load / TargetUtilisation⌉, busy)
//
// and the recommendation is the sum over samples. No samples recommend 0.
// Negative counts and durations count as 0; a TargetUtilisation outside
// (0,1] (which [Params.Validate] rejects) counts as 1; a Concurrency below
// 1 counts as 1. Results saturate at math.MaxInt32 rather than overflow.
// A fractional part within a relative 1e-12 of a whole number is float
// noise and adds no agent.
//
// Utilisation is stateless, allocation-free and safe for concurrent use.
type Utilisation struct{}

var _ Policy = Utilisation{}

// Recommend implements [Policy].
func (Utilisation) Recommend(p Params, samples []Sample) int {
	target := p.TargetUtilisation
	if !(target > 0 && target <= 1) { // also NaN
		target = 1
	}
	total := 0
	for i := range samples {
		s := &samples[i]
		m, ok := p.modality(s.Modality)
		if !ok {
			continue
		}
		conc := max(m.Concurrency, 1)
		var load float64
		if s.Interval > 0 && s.Arrivals > 0 {
			aht := s.HandleTime
			if aht <= 0 {
				aht = m.HandleTime
			}
			if aht > 0 {
				rate := float64(s.Arrivals) / s.Interval.Seconds()
				load = rate * aht.Seconds() / float64(conc)
			}
		}
		agents := max(ceilCount(load/target), busy(s, conc))
		total = addCount(total, agents)
	}
	return total
}

// modality returns the Modality of kind, if p has one.
func (p *Params) modality(kind string) (Modality, bool) {
	if i := p.modalityIndex(kind); i >= 0 {
		return p.Modalities[i], true
	}
	return Modality{}, false
}

// modalityIndex returns the index of kind in p.Modalities, or -1.
func (p *Params) modalityIndex(kind string) int {
	for i := range p.Modalities {
		if p.Modalities[i].Kind == kind {
			return i
		}
	}
	return -1
}

// busy returns the agents needed to hold what is live in s: one per conc
// engagements, rounded up.
func busy(s *Sample, conc int) int {
	live := addCount(max(s.Concurrent, 0), max(s.Queued, 0))
	return ceilDiv(live, max(conc, 1))
}

// ceilCount rounds x up to a count in [0, maxCount], taking NaN and
// negative values as 0 and ignoring a fractional part that is only float
// noise.
func ceilCount(x float64) int {
	if !(x > 0) {
		return 0
	}
	if x >= maxCount {
		return maxCount
	}
	f := math.Floor(x)
	if x-f > epsilon*max(1, x) {
		f++
	}
	return int(f)
}

// addCount adds two counts in [0, maxCount], saturating at maxCount.
func addCount(a, b int) int {
	if a > maxCount-b {
		return maxCount
	}
	return a + b
}

// mulCount multiplies two non-negative ints, saturating at maxCount.
func mulCount(a, b int) int {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > maxCount/b {
		return maxCount
	}
	return a * b
}

// ceilDiv returns ⌈a/b⌉ for a >= 0 and b >= 1 without overflow.
func ceilDiv(a, b int) int {
	q := a / b
	if a%b != 0 {
		q++
	}
	return q
}
