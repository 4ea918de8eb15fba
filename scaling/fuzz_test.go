package scaling_test

import (
	"math"
	"testing"
	"time"

	"github.com/eventcc/eventcc/scaling"
)

// FuzzScaling feeds arbitrary numbers to Utilisation, Erlang,
// ResourcesFor and, when the Params are valid, Autoscalers with either
// policy (Erlang with a forecast): none may panic, and every count must
// stay in [0, math.MaxInt32] and within the bounds.
func FuzzScaling(f *testing.F) {
	f.Add(0.8, 2, 40, 10, 2, 500, 0.5, 4.0, 0.1, 3, int64(300e9), int64(300e9), 8, 5, 2, 5)
	f.Add(math.NaN(), 0, 1, 0, 1, 1, math.Inf(1), -1.0, math.NaN(), 0, int64(0), int64(-1), -5, -1, -1, -3)
	f.Add(1.0, 0, math.MaxInt32, 1, math.MaxInt32, math.MaxInt32, 1e300, 1e300, 1e300, 1, int64(1), int64(math.MaxInt64), math.MaxInt, math.MaxInt, math.MaxInt, math.MaxInt)
	f.Add(1e-300, 5, 5, math.MaxInt, 1, 3, 0.0, 1e-12, 0.0, 7, int64(60e9), int64(1), 1, 0, 0, 0)
	f.Fuzz(func(t *testing.T, target float64, minAgents, maxAgents, perSupervisor, licencesPerAgent, maxLicences int,
		spacePerAgent, baseSpace, spacePerEngagement float64, concurrency int,
		interval, handleTime int64, arrivals, concurrent, queued, agents int) {
		p := scaling.Params{
			Modalities:          []scaling.Modality{{Kind: "chat", HandleTime: time.Duration(handleTime), Concurrency: concurrency, SpacePerEngagement: spacePerEngagement}},
			TargetUtilisation:   target,
			MinAgents:           minAgents,
			MaxAgents:           maxAgents,
			AgentsPerSupervisor: perSupervisor,
			LicencesPerAgent:    licencesPerAgent,
			SpacePerAgent:       spacePerAgent,
			BaseSpace:           baseSpace,
			MaxLicences:         maxLicences,
			MaxSpace:            maxLicences,
			ScaleDownWindow:     time.Duration(interval),
			Targets:             scaling.Targets{ServiceLevel: target, Within: time.Duration(handleTime)},
			Forecast:            scaling.DefaultForecast(),
		}
		samples := []scaling.Sample{
			{Modality: "chat", Interval: time.Duration(interval), HandleTime: time.Duration(handleTime), Arrivals: arrivals, Concurrent: concurrent, Queued: queued},
			{Modality: "chat", Interval: time.Duration(handleTime), Arrivals: queued, Concurrent: arrivals, Queued: concurrent},
			{Modality: "other", Arrivals: arrivals, Concurrent: concurrent},
		}
		inRange := func(what string, n int) {
			if n < 0 || n > math.MaxInt32 {
				t.Fatalf("%s %d; want it in [0, MaxInt32]", what, n)
			}
		}
		inRange("recommendation", scaling.Utilisation{}.Recommend(p, samples))
		inRange("Erlang recommendation", scaling.Erlang{}.Recommend(p, samples))
		r := p.ResourcesFor(agents, samples)
		inRange("agents", r.Agents)
		inRange("supervisors", r.Supervisors)
		inRange("licences", r.Licences)
		inRange("space", r.Space)
		if r.Supervisors > r.Agents {
			t.Fatalf("%d supervisors for %d agents; want at most one each", r.Supervisors, r.Agents)
		}

		if p.Validate() != nil {
			return
		}
		for _, policy := range []scaling.Policy{nil, scaling.Erlang{}} {
			a, err := scaling.NewAutoscaler(p, policy)
			if err != nil {
				t.Fatalf("NewAutoscaler of valid Params: %v", err)
			}
			now := time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)
			current := agents
			for i := range 3 {
				d := a.Decide(now.Add(time.Duration(i)*time.Minute), current, samples)
				got := d.Desired.Agents
				if got > p.MaxAgents || (got < p.MinAgents && d.Reason != scaling.ReasonLicences) {
					t.Fatalf("decision %d: %d agents (%s); want them in [%d, %d]", i, got, d.Reason, p.MinAgents, p.MaxAgents)
				}
				if people := int64(got + d.Desired.Supervisors); people*int64(p.LicencesPerAgent) > int64(p.MaxLicences) {
					t.Fatalf("decision %d: %d agents and %d supervisors need more than %d licences", i, got, d.Desired.Supervisors, p.MaxLicences)
				}
				current = got
			}
		}
	})
}
