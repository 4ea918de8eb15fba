package scaling_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/eventcc/eventcc/scaling"
)

// testParams returns valid Params with telephony (one engagement per agent,
// 5 minutes) and chat (three at once, 10 minutes) at a target of 0.8.
func testParams() scaling.Params {
	return scaling.Params{
		Modalities: []scaling.Modality{
			{Kind: "telephony", HandleTime: 5 * time.Minute, Concurrency: 1, SpacePerEngagement: 0.1},
			{Kind: "chat", HandleTime: 10 * time.Minute, Concurrency: 3, SpacePerEngagement: 0.05},
		},
		TargetUtilisation:   0.8,
		MinAgents:           0,
		MaxAgents:           100,
		AgentsPerSupervisor: 10,
		LicencesPerAgent:    2,
		SpacePerAgent:       0.5,
		BaseSpace:           4,
		MaxLicences:         1000,
		MaxSpace:            500,
	}
}

func TestUtilisationRecommend(t *testing.T) {
	tel := func(arrivals int, interval time.Duration) scaling.Sample {
		return scaling.Sample{Modality: "telephony", Arrivals: arrivals, Interval: interval}
	}
	with := func(f func(*scaling.Params)) scaling.Params {
		p := testParams()
		f(&p)
		return p
	}
	cases := []struct {
		name    string
		p       scaling.Params
		samples []scaling.Sample
		want    int
	}{
		{"no samples", testParams(), nil, 0},
		{"empty samples", testParams(), []scaling.Sample{}, 0},
		// 8 calls in 5 minutes of 5 minutes each: 8 agents of load.
		{"load 8 at 0.8 is exactly 10", testParams(), []scaling.Sample{tel(8, 5*time.Minute)}, 10},
		// 16 chats in 7 minutes of 10.5 minutes, 3 at once: 8 agents of load,
		// which floating point makes 10.000000000000002 agents at 0.8.
		{"load 8 at 0.8 with float noise is 10", testParams(), []scaling.Sample{
			{Modality: "chat", Arrivals: 16, Interval: 7 * time.Minute, HandleTime: 630 * time.Second},
		}, 10},
		// 1 call in 5 minutes of 12 minutes: 2.4 agents, 3.0000000000000004 at 0.8.
		{"load 2.4 at 0.8 with float noise is 3", testParams(), []scaling.Sample{
			{Modality: "telephony", Arrivals: 1, Interval: 5 * time.Minute, HandleTime: 12 * time.Minute},
		}, 3},
		{"load 0.8 at 0.8 is 1", testParams(), []scaling.Sample{tel(3, 15*time.Minute)}, 2}, // 3/900*300=1 -> 1.25 -> 2
		{"load 7 at 0.7 is exactly 10", with(func(p *scaling.Params) { p.TargetUtilisation = 0.7 }),
			[]scaling.Sample{tel(7, 5*time.Minute)}, 10},
		{"load 8.1 rounds up", testParams(), []scaling.Sample{tel(81, 50*time.Minute)}, 11}, // 8.1/0.8 = 10.125
		{"target 1 is the load", with(func(p *scaling.Params) { p.TargetUtilisation = 1 }),
			[]scaling.Sample{tel(8, 5*time.Minute)}, 8},
		{"sample handle time wins", testParams(),
			[]scaling.Sample{{Modality: "telephony", Arrivals: 8, Interval: 5 * time.Minute, HandleTime: 10 * time.Minute}}, 20},
		{"negative sample handle time falls back", testParams(),
			[]scaling.Sample{{Modality: "telephony", Arrivals: 8, Interval: 5 * time.Minute, HandleTime: -time.Minute}}, 10},
		// 12 chats in 10 minutes of 10 minutes, 3 at once: 4 agents of load.
		{"chat concurrency 3", testParams(),
			[]scaling.Sample{{Modality: "chat", Arrivals: 12, Interval: 10 * time.Minute}}, 5},
		{"busy floor, telephony", testParams(),
			[]scaling.Sample{{Modality: "telephony", Arrivals: 1, Interval: time.Hour, Concurrent: 7, Queued: 2}}, 9},
		{"busy floor, chat rounds up", testParams(),
			[]scaling.Sample{{Modality: "chat", Concurrent: 7}}, 3},
		{"busy floor with a zero interval (first sample)", testParams(),
			[]scaling.Sample{{Modality: "telephony", Arrivals: 50, Concurrent: 4, Queued: 1}}, 5},
		{"load above busy wins", testParams(),
			[]scaling.Sample{{Modality: "telephony", Arrivals: 8, Interval: 5 * time.Minute, Concurrent: 3}}, 10},
		{"sum over modalities", testParams(), []scaling.Sample{
			tel(8, 5*time.Minute),
			{Modality: "chat", Arrivals: 12, Interval: 10 * time.Minute},
		}, 15},
		{"unknown modality ignored", testParams(), []scaling.Sample{
			tel(8, 5*time.Minute),
			{Modality: "video", Arrivals: 1000, Interval: time.Minute, Concurrent: 50},
		}, 10},
		{"NaN target counts as 1", with(func(p *scaling.Params) { p.TargetUtilisation = math.NaN() }),
			[]scaling.Sample{tel(8, 5*time.Minute)}, 8},
		{"zero target counts as 1", with(func(p *scaling.Params) { p.TargetUtilisation = 0 }),
			[]scaling.Sample{tel(8, 5*time.Minute)}, 8},
		{"negative target counts as 1", with(func(p *scaling.Params) { p.TargetUtilisation = -0.5 }),
			[]scaling.Sample{tel(8, 5*time.Minute)}, 8},
		{"infinite target counts as 1", with(func(p *scaling.Params) { p.TargetUtilisation = math.Inf(1) }),
			[]scaling.Sample{tel(8, 5*time.Minute)}, 8},
		{"zero concurrency counts as 1", with(func(p *scaling.Params) { p.Modalities[1].Concurrency = 0 }),
			[]scaling.Sample{{Modality: "chat", Concurrent: 7}}, 7},
		{"negative counts are 0", testParams(), []scaling.Sample{
			{Modality: "telephony", Arrivals: -8, Interval: 5 * time.Minute, Concurrent: -3, Queued: -4},
		}, 0},
		{"negative interval is no traffic", testParams(), []scaling.Sample{tel(8, -5*time.Minute)}, 0},
		{"overflow saturates", testParams(), []scaling.Sample{tel(math.MaxInt32, time.Nanosecond)}, math.MaxInt32},
		{"sum saturates", testParams(), []scaling.Sample{
			tel(math.MaxInt32, time.Nanosecond),
			{Modality: "chat", Concurrent: math.MaxInt32, Queued: math.MaxInt32},
		}, math.MaxInt32},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := scaling.Utilisation{}.Recommend(c.p, c.samples)
			assert.Equal(t, c.want, got, "agents recommended for %+v", c.samples)
		})
	}
}

func TestUtilisationPure(t *testing.T) {
	p := testParams()
	samples := []scaling.Sample{
		{Modality: "telephony", Arrivals: 8, Interval: 5 * time.Minute, Concurrent: 2},
		{Modality: "chat", Arrivals: 12, Interval: 10 * time.Minute},
	}
	keep := append([]scaling.Sample(nil), samples...)
	first := scaling.Utilisation{}.Recommend(p, samples)
	assert.Equal(t, first, scaling.Utilisation{}.Recommend(p, samples), "a second call with the same inputs; want the same answer")
	assert.Equal(t, keep, samples, "Recommend changed its samples; want them untouched")
	assert.Equal(t, testParams(), p, "Recommend changed its Params; want them untouched")
}
