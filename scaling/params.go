package scaling

import (
	"errors"
	"fmt"
	"math"
)

// Validate reports every problem of p at once, joined with [errors.Join];
// each problem names the field and its value, for example
// "scaling: TargetUtilisation 1.5 not in (0,1]" or
// "scaling: Modalities[1].Concurrency 0 < 1". It returns nil when p is
// usable:
//
//   - TargetUtilisation in (0,1];
//   - 0 <= MinAgents <= MaxAgents, and MaxAgents >= 1;
//   - AgentsPerSupervisor >= 0, LicencesPerAgent >= 1;
//   - SpacePerAgent >= 0 and BaseSpace >= 0, both finite;
//   - MaxLicences >= 1, MaxSpace >= 1;
//   - ScaleDownWindow >= 0, MaxStepUp >= 0, MaxStepDown >= 0;
//   - each Modality: Kind non-empty and unique, Concurrency >= 1,
//     HandleTime > 0, SpacePerEngagement >= 0 and finite, Patience >= 0;
//   - Targets: ServiceLevel, MaxOccupancy and MaxAbandon in [0,1],
//     Within >= 0, MaxASA >= 0;
//   - Forecast: Alpha and Beta in [0,1], Horizon >= 0.
func (p Params) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("scaling: "+format, args...))
	}
	if !(p.TargetUtilisation > 0 && p.TargetUtilisation <= 1) {
		bad("TargetUtilisation %v not in (0,1]", p.TargetUtilisation)
	}
	if p.MinAgents < 0 {
		bad("MinAgents %d < 0", p.MinAgents)
	}
	if p.MaxAgents < 1 {
		bad("MaxAgents %d < 1", p.MaxAgents)
	}
	if p.MinAgents > p.MaxAgents {
		bad("MinAgents %d > MaxAgents %d", p.MinAgents, p.MaxAgents)
	}
	if p.AgentsPerSupervisor < 0 {
		bad("AgentsPerSupervisor %d < 0", p.AgentsPerSupervisor)
	}
	if p.LicencesPerAgent < 1 {
		bad("LicencesPerAgent %d < 1", p.LicencesPerAgent)
	}
	if !nonNegFinite(p.SpacePerAgent) {
		bad("SpacePerAgent %v not a finite number >= 0", p.SpacePerAgent)
	}
	if !nonNegFinite(p.BaseSpace) {
		bad("BaseSpace %v not a finite number >= 0", p.BaseSpace)
	}
	if p.MaxLicences < 1 {
		bad("MaxLicences %d < 1", p.MaxLicences)
	}
	if p.MaxSpace < 1 {
		bad("MaxSpace %d < 1", p.MaxSpace)
	}
	if p.ScaleDownWindow < 0 {
		bad("ScaleDownWindow %v < 0", p.ScaleDownWindow)
	}
	if p.MaxStepUp < 0 {
		bad("MaxStepUp %d < 0", p.MaxStepUp)
	}
	if p.MaxStepDown < 0 {
		bad("MaxStepDown %d < 0", p.MaxStepDown)
	}
	for i, m := range p.Modalities {
		if m.Kind == "" {
			bad("Modalities[%d].Kind is empty", i)
		} else {
			for j := range i {
				if p.Modalities[j].Kind == m.Kind {
					bad("Modalities[%d].Kind %q repeats Modalities[%d]", i, m.Kind, j)
					break
				}
			}
		}
		if m.Concurrency < 1 {
			bad("Modalities[%d].Concurrency %d < 1", i, m.Concurrency)
		}
		if m.HandleTime <= 0 {
			bad("Modalities[%d].HandleTime %v not > 0", i, m.HandleTime)
		}
		if !nonNegFinite(m.SpacePerEngagement) {
			bad("Modalities[%d].SpacePerEngagement %v not a finite number >= 0", i, m.SpacePerEngagement)
		}
		if m.Patience < 0 {
			bad("Modalities[%d].Patience %v < 0", i, m.Patience)
		}
	}
	p.Targets.problems(bad)
	p.Forecast.problems(bad)
	return errors.Join(errs...)
}

// ResourcesFor returns what agents agents need, with the traffic live in
// samples:
//
//	Supervisors = ⌈agents / AgentsPerSupervisor⌉   (0 when AgentsPerSupervisor is 0 or agents is 0)
//	Licences    = (agents + Supervisors) × LicencesPerAgent, at most MaxLicences
//	Space       = ⌈BaseSpace + agents × SpacePerAgent
//	               + Σ (Concurrent + Queued) × SpacePerEngagement⌉, at most MaxSpace
//
// where the sum runs over the samples of modalities in p.Modalities
// (others add nothing). Space is at least 1 when BaseSpace > 0, before the
// cap. Agents is agents as given: licences do not bound it here (the
// [Autoscaler] does that before it calls ResourcesFor).
//
// ResourcesFor does not validate p: negative or non-finite inputs count as
// 0, the caps apply as they are, and no quantity is negative or above
// math.MaxInt32. It does not allocate and keeps no reference to samples.
func (p Params) ResourcesFor(agents int, samples []Sample) Resources {
	agents = min(max(agents, 0), maxCount)
	r := Resources{Agents: agents}
	if p.AgentsPerSupervisor > 0 {
		r.Supervisors = ceilDiv(agents, p.AgentsPerSupervisor)
	}
	r.Licences = min(mulCount(addCount(agents, r.Supervisors), p.LicencesPerAgent), max(p.MaxLicences, 0))

	base := nonNeg(p.BaseSpace)
	space := base + float64(agents)*nonNeg(p.SpacePerAgent)
	for i := range samples {
		s := &samples[i]
		m, ok := p.modality(s.Modality)
		if !ok {
			continue
		}
		live := addCount(max(s.Concurrent, 0), max(s.Queued, 0))
		space += float64(live) * nonNeg(m.SpacePerEngagement)
	}
	units := ceilCount(space)
	if base > 0 {
		units = max(units, 1)
	}
	r.Space = min(units, max(p.MaxSpace, 0))
	return r
}

// nonNegFinite reports whether x is a finite number >= 0.
func nonNegFinite(x float64) bool { return x >= 0 && !math.IsInf(x, 1) }

// nonNeg returns x when it is a finite number >= 0, and 0 otherwise.
func nonNeg(x float64) float64 {
	if nonNegFinite(x) {
		return x
	}
	return 0
}
