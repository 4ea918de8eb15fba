package scaling_test

import (
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/scaling"
)

// erlangParams returns Params for the Erlang policy tests: telephony and
// chat (3 sessions per agent) of 180 s, 80 % answered in 20 s.
func erlangParams() scaling.Params {
	return scaling.Params{
		Modalities: []scaling.Modality{
			{Kind: "telephony", HandleTime: 180 * time.Second, Concurrency: 1, SpacePerEngagement: 1},
			{Kind: "chat", HandleTime: 180 * time.Second, Concurrency: 3, SpacePerEngagement: 0.25},
		},
		TargetUtilisation: 0.8, MinAgents: 0, MaxAgents: 500,
		LicencesPerAgent: 1, MaxLicences: 10000, MaxSpace: 10000,
		Targets: scaling.Targets{ServiceLevel: 0.8, Within: 20 * time.Second},
	}
}

func TestErlangRecommend(t *testing.T) {
	classic := func(kind string) scaling.Sample { // 100 in 30 minutes: 10 erlangs
		return scaling.Sample{Modality: kind, Interval: 30 * time.Minute, Arrivals: 100}
	}
	with := func(f func(*scaling.Params)) scaling.Params {
		p := erlangParams()
		f(&p)
		return p
	}
	cases := []struct {
		name    string
		p       scaling.Params
		samples []scaling.Sample
		want    int
	}{
		{"the classic example", erlangParams(), []scaling.Sample{classic("telephony")}, 14},
		{"the sample's handle time wins", with(func(p *scaling.Params) { p.Modalities[0].HandleTime = time.Hour }),
			[]scaling.Sample{{Modality: "telephony", Interval: 30 * time.Minute, Arrivals: 100, HandleTime: 180 * time.Second, Completed: 90}}, 14},
		{"chat: 14 sessions at 3 per agent", erlangParams(), []scaling.Sample{classic("chat")}, 5},
		{"modalities add up", erlangParams(), []scaling.Sample{classic("telephony"), classic("chat")}, 19},
		{"live floor", erlangParams(), []scaling.Sample{{Modality: "telephony", Interval: time.Minute, Arrivals: 1, Concurrent: 20, Queued: 5}}, 25},
		{"live chats, rounded up", erlangParams(), []scaling.Sample{{Modality: "chat", Concurrent: 7}}, 3},
		{"other modalities ignored", erlangParams(), []scaling.Sample{classic("video")}, 0},
		{"no interval, nothing live", erlangParams(), []scaling.Sample{{Modality: "telephony", Arrivals: 100}}, 0},
		{"negative counts count as 0", erlangParams(), []scaling.Sample{{Modality: "telephony", Interval: time.Minute, Arrivals: -5, Concurrent: -3, Queued: -1}}, 0},
		{"no targets: utilisation", with(func(p *scaling.Params) { p.Targets = scaling.Targets{} }), []scaling.Sample{classic("telephony")}, 13},
		{"unreachable target: as many as allowed", with(func(p *scaling.Params) { p.Targets.ServiceLevel = 1 }), []scaling.Sample{classic("telephony")}, math.MaxInt32},
		{"patience: Erlang A", with(func(p *scaling.Params) { p.Modalities[0].Patience = 5 * time.Minute }), []scaling.Sample{classic("telephony")}, 13},
		{"occupancy cap", with(func(p *scaling.Params) { p.Targets.MaxOccupancy = 0.6 }), []scaling.Sample{classic("telephony")}, 17},
		{"no samples", erlangParams(), nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, scaling.Erlang{}.Recommend(c.p, c.samples), "Recommend(%+v)", c.samples)
		})
	}
}

func TestErlangRecommendDemand(t *testing.T) {
	p := erlangParams()
	rate := 100.0 / 1800
	cases := []struct {
		name   string
		demand []scaling.Demand
		want   int
	}{
		{"telephony", []scaling.Demand{{Modality: "telephony", Rate: rate, HandleTime: 180 * time.Second}}, 14},
		{"handle time from the modality", []scaling.Demand{{Modality: "telephony", Rate: rate}}, 14},
		{"chat", []scaling.Demand{{Modality: "chat", Rate: rate, HandleTime: 180 * time.Second}}, 5},
		{"live floor", []scaling.Demand{{Modality: "chat", Rate: rate, Live: 30}}, 10},
		{"unknown", []scaling.Demand{{Modality: "fax", Rate: 10}}, 0},
		{"negative", []scaling.Demand{{Modality: "telephony", Rate: -1, Live: -4}}, 0},
		{"NaN rate", []scaling.Demand{{Modality: "telephony", Rate: math.NaN()}}, 0},
		{"infinite rate", []scaling.Demand{{Modality: "telephony", Rate: math.Inf(1)}}, math.MaxInt32},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, scaling.Erlang{}.RecommendDemand(p, c.demand), "%s: RecommendDemand(%+v)", c.name, c.demand)
	}
}

// TestAutoscalerForecast drives an Autoscaler with the Erlang policy and
// a forecast through a surge that builds.
func TestAutoscalerForecast(t *testing.T) {
	p := erlangParams()
	p.Forecast = scaling.Forecast{Alpha: 0.5, Beta: 0.5, Horizon: 2 * time.Minute}
	a, err := scaling.NewAutoscaler(p, scaling.Erlang{})
	require.NoError(t, err, "NewAutoscaler")

	// The first samples cover nothing: the demand knows what is live.
	d := a.Decide(t0, 0, []scaling.Sample{{Modality: "telephony", Concurrent: 2}})
	require.Len(t, d.Demand, 1, "demand of the first decision: telephony only, chat unseen")
	assert.Equal(t, scaling.Demand{Modality: "telephony", Rate: 0, HandleTime: 180 * time.Second, Live: 2}, d.Demand[0], "first demand")
	assert.Equal(t, 2, d.Recommended, "the live floor only")

	// Arrivals per minute growing by 4 each minute.
	var last scaling.Decision
	for i, n := range []int{4, 8, 12, 16, 20} {
		now := t0.Add(time.Duration(i+1) * time.Minute)
		last = a.Decide(now, last.Desired.Agents, []scaling.Sample{{Modality: "telephony", At: now, Interval: time.Minute, Arrivals: n}})
	}
	observed := 20.0 / 60
	require.Len(t, last.Demand, 1, "demand")
	assert.Greater(t, last.Demand[0].Rate, observed, "forecast rate %v/s; want the growth extrapolated above the last minute's %v/s", last.Demand[0].Rate, observed)
	plain := scaling.Erlang{}.Recommend(p, last.Samples)
	assert.Greater(t, last.Recommended, plain, "with the forecast, staff ahead of the last minute's %d agents", plain)
	assert.Equal(t, scaling.Erlang{}.RecommendDemand(a.Params(), last.Demand), last.Recommended, "Recommended is the policy's answer for the recorded demand")

	// A steady rate: the forecast settles on it.
	var steady scaling.Decision
	for i := range 40 {
		now := t0.Add(time.Duration(10+i) * time.Minute)
		steady = a.Decide(now, 10, []scaling.Sample{{Modality: "telephony", At: now, Interval: time.Minute, Arrivals: 6}})
	}
	assert.InEpsilon(t, 0.1, steady.Demand[0].Rate, 1e-3, "the forecast of a steady 6 a minute")
}

// TestAutoscalerWindowHoldsLevel checks what the stabilisation window
// remembers of a forecasting decision: the staffing for the traffic
// seen (the smoothed level), not for the trend's anticipation. A jump
// in traffic is held for the window; an extrapolated trend that the
// next minute does not confirm is not.
func TestAutoscalerWindowHoldsLevel(t *testing.T) {
	p := erlangParams()
	p.ScaleDownWindow = 10 * time.Minute
	// Alpha and Beta 1: the level is the latest minute's rate, the trend
	// its latest change, so the demands below are exact.
	p.Forecast = scaling.Forecast{Alpha: 1, Beta: 1, Horizon: 5 * time.Minute}
	staff := func(perMinute float64) int {
		return scaling.Erlang{}.RecommendDemand(p, []scaling.Demand{{Modality: "telephony", Rate: perMinute / 60, HandleTime: 180 * time.Second}})
	}
	run := func(t *testing.T, perMinute ...int) []scaling.Decision {
		a, err := scaling.NewAutoscaler(p, scaling.Erlang{})
		require.NoError(t, err, "NewAutoscaler")
		var ds []scaling.Decision
		current := 0
		for i, n := range perMinute {
			now := t0.Add(time.Duration(i+1) * time.Minute)
			d := a.Decide(now, current, []scaling.Sample{{Modality: "telephony", At: now, Interval: time.Minute, Arrivals: n}})
			ds, current = append(ds, d), d.Desired.Agents
		}
		return ds
	}
	require.Less(t, staff(12), staff(42), "precondition: 42 a minute needs more agents than 12")

	t.Run("trend", func(t *testing.T) {
		// 6, 6, then 12 a minute: the trend of +6 a minute per minute
		// extrapolates to 42 a minute 5 minutes ahead; the next minute
		// stays at 12, and the trend is gone.
		ds := run(t, 6, 6, 12, 12)
		assert.InDelta(t, 42.0/60, ds[2].Demand[0].Rate, 1e-9, "forecast rate at the jump")
		assert.Equal(t, staff(42), ds[2].Desired.Agents, "scale up at once for the forecast")
		assert.Equal(t, staff(12), ds[3].Desired.Agents, "the trend gone; want the staffing for the 12 a minute seen, not held for the window")
		assert.Equal(t, scaling.ReasonScaleDown, ds[3].Reason, "reason")
	})
	t.Run("traffic", func(t *testing.T) {
		// 42 a minute seen, then 12: the window holds the 42's staffing.
		ds := run(t, 42, 42, 12, 12)
		assert.Equal(t, staff(42), ds[1].Desired.Agents, "staffing for 42 a minute")
		for _, d := range ds[2:] {
			assert.Equal(t, staff(42), d.Desired.Agents, "traffic seen within the window; want its staffing held")
			assert.Equal(t, scaling.ReasonStabilisation, d.Reason, "reason")
		}
	})
}

func TestAutoscalerForecastHandleTime(t *testing.T) {
	p := erlangParams()
	p.Forecast = scaling.Forecast{Alpha: 0.2}
	a, err := scaling.NewAutoscaler(p, scaling.Erlang{})
	require.NoError(t, err, "NewAutoscaler")
	sample := func(i int) []scaling.Sample {
		return []scaling.Sample{{Modality: "telephony", Interval: time.Minute, Arrivals: 10, Completed: 10, HandleTime: time.Minute}}
	}
	d := a.Decide(t0, 5, sample(0))
	// 10 completions of 60 s against the modality's 180 s, weighted as 10.
	assert.Equal(t, 120*time.Second, d.Demand[0].HandleTime, "handle time after the first completions")
	for i := range 60 {
		d = a.Decide(t0.Add(time.Duration(i+1)*time.Minute), 5, sample(i))
	}
	// The decayed count of completions tends to 10/0.2 = 50; the
	// modality's 180 s keeps its weight of 10.
	assert.InDelta(t, (50*60+10*180)/60.0, d.Demand[0].HandleTime.Seconds(), 0.1, "handle time after many completions of 60 s")
}

func TestAutoscalerForecastOff(t *testing.T) {
	samples := []scaling.Sample{{Modality: "telephony", Interval: 30 * time.Minute, Arrivals: 100}}
	t.Run("no forecast", func(t *testing.T) {
		a, err := scaling.NewAutoscaler(erlangParams(), scaling.Erlang{})
		require.NoError(t, err, "NewAutoscaler")
		d := a.Decide(t0, 0, samples)
		assert.Nil(t, d.Demand, "Demand without a forecast")
		assert.Equal(t, 14, d.Recommended, "Recommended from the samples")
	})
	t.Run("not a forecast policy", func(t *testing.T) {
		p := erlangParams()
		p.Forecast = scaling.DefaultForecast()
		a, err := scaling.NewAutoscaler(p, scaling.Utilisation{})
		require.NoError(t, err, "NewAutoscaler")
		d := a.Decide(t0, 0, samples)
		assert.Nil(t, d.Demand, "Demand with a policy that cannot use it")
		assert.Equal(t, 13, d.Recommended, "Utilisation's recommendation")
	})
}

// TestAutoscalerForecastConcurrent drives one forecasting Autoscaler
// from several goroutines; run with -race.
func TestAutoscalerForecastConcurrent(t *testing.T) {
	p := erlangParams()
	p.Forecast = scaling.DefaultForecast()
	a, err := scaling.NewAutoscaler(p, scaling.Erlang{})
	require.NoError(t, err, "NewAutoscaler")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				s := []scaling.Sample{{Modality: "telephony", Interval: time.Minute, Arrivals: (g*7 + i) % 50}, {Modality: "chat", Interval: time.Minute, Arrivals: i % 30}}
				d := a.Decide(t0.Add(time.Duration(i)*time.Second), 10, s)
				assert.LessOrEqual(t, d.Desired.Agents, p.MaxAgents, "agents; want at most MaxAgents")
				assert.Len(t, d.Demand, 2, "demand of both modalities")
			}
		})
	}
	wg.Wait()
}

func TestParamsValidateErlang(t *testing.T) {
	require.NoError(t, erlangParams().Validate(), "erlangParams must be valid")
	p := erlangParams()
	p.Forecast = scaling.DefaultForecast()
	require.NoError(t, p.Validate(), "DefaultForecast must be valid")
	cases := []struct {
		edit func(*scaling.Params)
		want string
	}{
		{func(p *scaling.Params) { p.Modalities[1].Patience = -time.Second }, "scaling: Modalities[1].Patience -1s < 0"},
		{func(p *scaling.Params) { p.Targets.ServiceLevel = 1.1 }, "scaling: Targets.ServiceLevel 1.1 not in [0,1]"},
		{func(p *scaling.Params) { p.Targets.MaxOccupancy = math.NaN() }, "scaling: Targets.MaxOccupancy NaN not in [0,1]"},
		{func(p *scaling.Params) { p.Targets.MaxAbandon = -0.5 }, "scaling: Targets.MaxAbandon -0.5 not in [0,1]"},
		{func(p *scaling.Params) { p.Targets.Within = -time.Second }, "scaling: Targets.Within -1s < 0"},
		{func(p *scaling.Params) { p.Targets.MaxASA = -time.Second }, "scaling: Targets.MaxASA -1s < 0"},
		{func(p *scaling.Params) { p.Forecast.Alpha = 2 }, "scaling: Forecast.Alpha 2 not in [0,1]"},
		{func(p *scaling.Params) { p.Forecast.Beta = -1 }, "scaling: Forecast.Beta -1 not in [0,1]"},
		{func(p *scaling.Params) { p.Forecast.Horizon = -time.Minute }, "scaling: Forecast.Horizon -1m0s < 0"},
	}
	for _, c := range cases {
		p := erlangParams()
		c.edit(&p)
		err := p.Validate()
		require.Error(t, err, "Validate; want %q", c.want)
		assert.Equal(t, []string{c.want}, messages(err), "Validate's problems")
	}
}

// messages returns the messages of the problems of a joined error.
func messages(err error) []string {
	var out []string
	for _, e := range problems(err) {
		out = append(out, e.Error())
	}
	return out
}

func ExampleQueue_Staff() {
	// 100 calls in 30 minutes, 3 minutes each, 80 % answered in 20 s.
	q := scaling.Queue{Rate: 100.0 / 1800, HandleTime: 3 * time.Minute}
	p, err := q.Staff(scaling.Targets{ServiceLevel: 0.8, Within: 20 * time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d agents: %.1f%% wait, %.1f%% answered in 20 s, ASA %.2fs, occupancy %.1f%%\n",
		p.Agents, 100*p.WaitProbability, 100*p.ServiceLevel, p.ASA.Seconds(), 100*p.Occupancy)

	// Callers who hang up after 2 minutes on average: Erlang A.
	q.Patience = 2 * time.Minute
	p, err = q.Staff(scaling.Targets{ServiceLevel: 0.8, Within: 20 * time.Second, MaxAbandon: 0.03})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("with patience: %d agents, %.1f%% abandon\n", p.Agents, 100*p.AbandonProbability)
	// Output:
	// 14 agents: 17.4% wait, 88.8% answered in 20 s, ASA 7.84s, occupancy 71.4%
	// with patience: 14 agents, 2.3% abandon
}

func ExampleQueue_Evaluate() {
	q := scaling.Queue{Rate: 2, HandleTime: 5 * time.Second} // 10 erlangs
	for _, n := range []int{10, 11, 12} {
		p, err := q.Evaluate(n, 10*time.Second)
		if err != nil {
			fmt.Printf("%d agents: %v\n", n, err)
			continue
		}
		fmt.Printf("%d agents: %.0f%% in 10 s\n", n, 100*p.ServiceLevel)
	}
	// Output:
	// 10 agents: scaling: unstable queue: offered load is at least the number of agents: 10 erlangs on 10 agents
	// 11 agents: 91% in 10 s
	// 12 agents: 99% in 10 s
}

func ExampleScheduled() {
	n, err := scaling.Scheduled(21, 0.3) // 21 on the phones, 30 % shrinkage
	fmt.Println(n, err)
	// Output:
	// 30 <nil>
}

// The Erlang policy in an Autoscaler with a forecast: a keynote lets out
// and calls build up; the forecast staffs ahead of the latest minute.
func ExampleErlang() {
	a, err := scaling.NewAutoscaler(scaling.Params{
		Modalities:        []scaling.Modality{{Kind: "telephony", HandleTime: 4 * time.Minute, Concurrency: 1}},
		TargetUtilisation: 0.85, MinAgents: 2, MaxAgents: 100,
		LicencesPerAgent: 1, MaxLicences: 200, MaxSpace: 100,
		ScaleDownWindow: 10 * time.Minute,
		Targets:         scaling.Targets{ServiceLevel: 0.8, Within: 20 * time.Second},
		Forecast:        scaling.DefaultForecast(),
	}, scaling.Erlang{})
	if err != nil {
		fmt.Println(err)
		return
	}
	start := time.Date(2030, time.June, 1, 10, 0, 0, 0, time.UTC)
	agents := 2
	for i, calls := range []int{2, 3, 6, 10, 14, 15, 15} { // per minute
		now := start.Add(time.Duration(i+1) * time.Minute)
		d := a.Decide(now, agents, []scaling.Sample{{Modality: "telephony", At: now, Interval: time.Minute, Arrivals: calls}})
		fmt.Printf("%s %2d calls: forecast %4.1f a minute, %2d agents (%s)\n",
			now.Format("15:04"), calls, d.Demand[0].Rate*60, d.Desired.Agents, d.Reason)
		agents = d.Desired.Agents
	}
	// Output:
	// 10:01  2 calls: forecast  2.0 a minute, 11 agents (scale up)
	// 10:02  3 calls: forecast  2.2 a minute, 13 agents (scale up)
	// 10:03  6 calls: forecast  3.2 a minute, 17 agents (scale up)
	// 10:04 10 calls: forecast  4.9 a minute, 24 agents (scale up)
	// 10:05 14 calls: forecast  7.4 a minute, 35 agents (scale up)
	// 10:06 15 calls: forecast  9.7 a minute, 45 agents (scale up)
	// 10:07 15 calls: forecast 11.7 a minute, 53 agents (scale up)
}

// TestAutoscalerObservedPatience: the abandonments the samples report,
// with the time attendees waited, give the demand a patience (time at
// risk over abandonments), and Erlang A staffs for it: impatient
// attendees who leave need fewer agents to answer the rest in time.
func TestAutoscalerObservedPatience(t *testing.T) {
	p := erlangParams()
	p.Forecast = scaling.DefaultForecast()
	decide := func(waited time.Duration, abandoned int) scaling.Decision {
		a, err := scaling.NewAutoscaler(p, scaling.Erlang{})
		require.NoError(t, err)
		var d scaling.Decision
		for i := range 10 {
			s := []scaling.Sample{{Modality: "telephony", Interval: 5 * time.Minute, Arrivals: 300, Completed: 280,
				HandleTime: 3 * time.Minute, Abandoned: abandoned, Waited: waited}}
			d = a.Decide(t0.Add(time.Duration(i)*5*time.Minute), 40, s)
		}
		return d
	}
	none := decide(0, 0)
	require.Len(t, none.Demand, 1)
	assert.Zero(t, none.Demand[0].Patience, "no waits reported: the modality's own patience")

	few := decide(10*time.Minute, 1)
	assert.Zero(t, few.Demand[0].Patience, "too few abandonments to trust")

	impatient := decide(20*time.Minute, 20) // a minute at risk per abandonment
	require.Len(t, impatient.Demand, 1)
	assert.InDelta(t, 60, impatient.Demand[0].Patience.Seconds(), 1, "time at risk over abandonments")
	assert.Less(t, impatient.Recommended, none.Recommended,
		"Erlang A with a minute's patience staffs fewer than Erlang C (%d, %d)", impatient.Recommended, none.Recommended)
}
