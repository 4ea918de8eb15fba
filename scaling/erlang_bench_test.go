package scaling_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/eventcc/eventcc/scaling"
)

// BenchmarkStaff solves for the least agents meeting 80 % in 20 s, with
// 180-second calls, for loads up to 10,000 erlangs (target: <= 100 µs
// at 10,000 erlangs).
func BenchmarkStaff(b *testing.B) {
	for _, erlangs := range []float64{10, 100, 1000, 10000} {
		q := scaling.Queue{Rate: erlangs / 180, HandleTime: 180 * time.Second}
		t := scaling.Targets{ServiceLevel: 0.8, Within: 20 * time.Second}
		b.Run(fmt.Sprintf("erlangs=%v", erlangs), func(b *testing.B) {
			for b.Loop() {
				if _, err := q.Staff(t); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStaffErlangA is BenchmarkStaff with a mean patience of one
// handle time.
func BenchmarkStaffErlangA(b *testing.B) {
	for _, erlangs := range []float64{10, 100, 1000, 10000} {
		q := scaling.Queue{Rate: erlangs / 180, HandleTime: 180 * time.Second, Patience: 180 * time.Second}
		t := scaling.Targets{ServiceLevel: 0.8, Within: 20 * time.Second}
		b.Run(fmt.Sprintf("erlangs=%v", erlangs), func(b *testing.B) {
			for b.Loop() {
				if _, err := q.Staff(t); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkErlangB(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("servers=%d", n), func(b *testing.B) {
			for b.Loop() {
				scaling.ErlangB(n, float64(n))
			}
		})
	}
}

// BenchmarkDecideErlang takes one Autoscaler decision for a service with
// telephony, chat and SMS traffic of about 20, 10 and 3 agents' worth
// (target: <= 5 µs with the Erlang policy and its forecast).
func BenchmarkDecideErlang(b *testing.B) {
	p := scaling.Params{
		Modalities: []scaling.Modality{
			{Kind: "telephony", HandleTime: 4 * time.Minute, Concurrency: 1, SpacePerEngagement: 1},
			{Kind: "chat", HandleTime: 3 * time.Minute, Concurrency: 3, SpacePerEngagement: 0.25},
			{Kind: "sms", HandleTime: 2 * time.Minute, Concurrency: 4, SpacePerEngagement: 0.1},
		},
		TargetUtilisation: 0.85, MinAgents: 2, MaxAgents: 200, AgentsPerSupervisor: 10,
		LicencesPerAgent: 1, SpacePerAgent: 0.5, BaseSpace: 4, MaxLicences: 500, MaxSpace: 500,
		ScaleDownWindow: 10 * time.Minute, MaxStepUp: 20, MaxStepDown: 5,
		Targets:  scaling.Targets{ServiceLevel: 0.8, Within: 20 * time.Second},
		Forecast: scaling.DefaultForecast(),
	}
	samples := []scaling.Sample{
		{Modality: "telephony", Interval: time.Minute, Arrivals: 5, Completed: 5, HandleTime: 230 * time.Second, Concurrent: 18, Queued: 1},
		{Modality: "chat", Interval: time.Minute, Arrivals: 10, Completed: 9, HandleTime: 170 * time.Second, Concurrent: 27},
		{Modality: "sms", Interval: time.Minute, Arrivals: 6, Completed: 6, HandleTime: 110 * time.Second, Concurrent: 11},
	}
	for _, c := range []struct {
		name   string
		policy scaling.Policy
		rising bool // arrivals climbing most minutes: a rising trend, so the policy is asked twice
	}{{"erlang+forecast", scaling.Erlang{}, false}, {"erlang+forecast+rising", scaling.Erlang{}, true}, {"utilisation", scaling.Utilisation{}, false}} {
		b.Run(c.name, func(b *testing.B) {
			a, err := scaling.NewAutoscaler(p, c.policy)
			if err != nil {
				b.Fatal(err)
			}
			s := slices.Clone(samples)
			now := time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)
			current := 20
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(time.Minute)
				if c.rising {
					i++
					for j := range s {
						s[j].Arrivals = samples[j].Arrivals + i%20
					}
				}
				current = a.Decide(now, current, s).Desired.Agents
			}
		})
	}
}
