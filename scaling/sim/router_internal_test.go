package sim

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/scaling"
)

// TestFiguresAreTheRouters runs a simulation, then asks the run's
// router itself for its Stats: the Result's queues are those, and its
// service level, ASA, abandonment and AHT are what the router's methods
// compute on their sum. The periods share the router's counts out
// without losing or adding any.
func TestFiguresAreTheRouters(t *testing.T) {
	p := scaling.Params{
		Modalities: []scaling.Modality{
			{Kind: "telephony", HandleTime: 4 * time.Minute, Concurrency: 1, SpacePerEngagement: 1},
			{Kind: "chat", HandleTime: 3 * time.Minute, Concurrency: 3, SpacePerEngagement: 0.25},
		},
		TargetUtilisation: 0.85, MinAgents: 1, MaxAgents: 100,
		LicencesPerAgent: 1, SpacePerAgent: 0.5, MaxLicences: 1000, MaxSpace: 1000,
		Targets: scaling.Targets{ServiceLevel: 0.8, Within: 20 * time.Second},
	}
	var tr Trace
	for i := range 8 {
		start := time.Duration(i) * 15 * time.Minute
		tr = append(tr,
			Interval{Start: start, Length: 15 * time.Minute, Modality: "telephony", Arrivals: 40, HandleTime: 4 * time.Minute, Patience: time.Minute},
			Interval{Start: start, Length: 15 * time.Minute, Modality: "chat", Arrivals: 30, HandleTime: 3 * time.Minute, Patience: 2 * time.Minute})
	}
	cfg, err := Config{Params: p, Seed: 9, WrapUp: 20 * time.Second}.withDefaults(tr)
	require.NoError(t, err, "Config")
	w, err := newWorkload(tr, cfg)
	require.NoError(t, err, "newWorkload")
	// Short of agents for a while, so that some wait and some abandon.
	r, err := w.simulate(context.Background(), policyFunc(func(o Observation) int {
		if o.At.Sub(cfg.Start) < time.Hour {
			return 9
		}
		return 14
	}))
	require.NoError(t, err, "simulate")
	res := r.result("test")

	got := r.router.Stats()
	assert.Equal(t, got, res.Queues, "the Result's queues; want the router's Stats")
	require.Len(t, got, 2, "one queue per modality")
	var sum routing.Stats
	for _, s := range got {
		sum.Offered += s.Offered
		sum.Answered += s.Answered
		sum.AnsweredWithin += s.AnsweredWithin
		sum.Abandoned += s.Abandoned
		sum.WaitAnswered += s.WaitAnswered
		sum.HandleTime += s.HandleTime
		sum.Handled += s.Handled
		sum.LongestWait = max(sum.LongestWait, s.LongestWait)
	}
	t.Logf("router: %d offered, %d answered (%d within 20s), %d abandoned: SL %.4f, ASA %v, abandoned %.4f, AHT %v",
		sum.Offered, sum.Answered, sum.AnsweredWithin, sum.Abandoned, sum.ServiceLevel(), sum.ASA(), sum.AbandonRate(), sum.AHT())
	require.NotZero(t, sum.Abandoned, "some abandon: the case is not trivial")
	require.Less(t, sum.ServiceLevel(), 1.0, "some wait past the threshold: the case is not trivial")
	assert.Equal(t, sum, res.Total.Routing, "the Result's total; want the sum of the router's Stats")
	assert.Equal(t, sum.ServiceLevel(), res.Total.ServiceLevel(), "service level; want the router's")
	assert.Equal(t, sum.ASA(), res.Total.ASA(), "ASA; want the router's")
	assert.Equal(t, sum.AbandonRate(), res.Total.AbandonRate(), "abandon rate; want the router's")
	assert.Equal(t, sum.AHT(), res.Total.AHT(), "AHT; want the router's")
	assert.Equal(t, res.Total.Arrivals, sum.Offered, "every arrival entered the router once")

	var periods routing.Stats
	for _, per := range res.Periods {
		periods.Offered += per.Routing.Offered
		periods.Answered += per.Routing.Answered
		periods.AnsweredWithin += per.Routing.AnsweredWithin
		periods.Abandoned += per.Routing.Abandoned
		periods.WaitAnswered += per.Routing.WaitAnswered
		periods.HandleTime += per.Routing.HandleTime
		periods.Handled += per.Routing.Handled
	}
	periods.LongestWait = res.Periods[len(res.Periods)-1].Routing.LongestWait
	assert.Equal(t, sum, periods, "the periods' router counts; want them to add up to the router's")
}
