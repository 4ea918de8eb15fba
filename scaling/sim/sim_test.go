package sim_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/scaling"
	"github.com/eventcc/eventcc/scaling/sim"
)

// fixed is a contender that always staffs n agents.
func fixed(n int) sim.Contender {
	return sim.Contender{Name: fmt.Sprint("fixed ", n), New: func(sim.Setup) (sim.Policy, error) {
		return decideFunc(func(sim.Observation) int { return n }), nil
	}}
}

type decideFunc func(sim.Observation) int

func (f decideFunc) Decide(o sim.Observation) int { return f(o) }

// oneQueue returns Params for a single telephony queue with a handle
// time of aht and an 80/20 target.
func oneQueue(aht time.Duration) scaling.Params {
	return scaling.Params{
		Modalities:        []scaling.Modality{{Kind: "telephony", HandleTime: aht, Concurrency: 1, SpacePerEngagement: 1}},
		TargetUtilisation: 0.85, MinAgents: 0, MaxAgents: 1000,
		LicencesPerAgent: 1, SpacePerAgent: 0.5, BaseSpace: 2, MaxLicences: 100000, MaxSpace: 100000,
		Targets: scaling.Targets{ServiceLevel: 0.8, Within: 20 * time.Second},
	}
}

// steady returns a trace of hours hours of constant traffic, in
// 30-minute intervals.
func steady(hours int, perHalfHour float64, aht, patience time.Duration) sim.Trace {
	var t sim.Trace
	for i := range 2 * hours {
		t = append(t, sim.Interval{Start: time.Duration(i) * 30 * time.Minute, Length: 30 * time.Minute,
			Modality: "telephony", Arrivals: perHalfHour, HandleTime: aht, Patience: patience})
	}
	return t
}

// TestRunMatchesErlang checks the simulator against the Erlang
// formulas: a long steady run with a fixed staffing must land, within
// sampling error, on the service level, ASA, occupancy and abandonment
// that Erlang C (no patience) and Erlang A (patience) predict. This
// checks the simulator and the formulas against each other.
func TestRunMatchesErlang(t *testing.T) {
	if testing.Short() {
		t.Skip("a long simulated run")
	}
	cases := []struct {
		name     string
		agents   int
		patience time.Duration
	}{
		{"Erlang C, 14 agents", 14, 0},
		{"Erlang C, 12 agents", 12, 0},
		{"Erlang A, 11 agents, patience 1m", 11, time.Minute},
		{"Erlang A, 9 agents, patience 3m", 9, 3 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			const hours = 400
			aht := 180 * time.Second
			tr := steady(hours, 100, aht, c.patience) // 10 erlangs
			res, err := sim.Run(context.Background(), tr, sim.Config{Params: oneQueue(aht), Seed: 7}, fixed(c.agents))
			require.NoError(t, err, "Run")
			want, err := scaling.Queue{Rate: 100.0 / 1800, HandleTime: aht, Patience: c.patience}.Evaluate(c.agents, 20*time.Second)
			require.NoError(t, err, "Evaluate")
			got := res.Total
			t.Logf("simulated %d arrivals: SL %.4f (Erlang %.4f), ASA %v (%v), occupancy %.4f (%.4f), abandoned %.4f (%.4f)",
				got.Arrivals, got.ServiceLevel(), want.ServiceLevel, got.ASA(), want.ASA, got.Occupancy(), want.Occupancy,
				got.AbandonRate(), want.AbandonProbability)
			assert.InDelta(t, 100.0*2*hours, float64(got.Arrivals), 4*math.Sqrt(100*2*hours), "arrivals; want a Poisson count")
			if c.patience == 0 {
				// Without abandonment the router's definitions are Erlang C's.
				assert.InDelta(t, want.ServiceLevel, got.ServiceLevel(), 0.02, "service level")
				assert.InEpsilon(t, want.ASA.Seconds(), got.ASA().Seconds(), 0.15, "ASA")
			} else {
				// The router counts every abandonment against the service
				// level (Erlang A's leaves out those within the threshold):
				// answered within / arrivals = SL × (1 − abandoned within /
				// arrivals), and at most all abandoned did so within it.
				assert.LessOrEqual(t, got.ServiceLevel(), want.ServiceLevel+0.02, "service level; want at most Erlang A's")
				assert.GreaterOrEqual(t, got.ServiceLevel(), want.ServiceLevel*(1-want.AbandonProbability)-0.02,
					"service level; want at least Erlang A's with every abandonment counted against it")
				// The router's ASA is the wait of the answered; Erlang A's
				// counts the abandoned's waits too.
				answered := float64(got.Routing.Answered) / float64(got.Arrivals)
				assert.LessOrEqual(t, got.ASA().Seconds()*answered, want.ASA.Seconds()*1.15, "the answered's share of the mean wait; want at most Erlang A's ASA")
			}
			assert.InDelta(t, want.Occupancy, got.Occupancy(), 0.01, "occupancy")
			assert.InDelta(t, want.AbandonProbability, got.AbandonRate(), 0.01, "abandon rate")
			assert.Equal(t, got.Arrivals, got.Routing.Answered+got.Routing.Abandoned, "every arrival is answered or abandons")
			assert.Equal(t, got.Arrivals, got.Routing.Offered, "every arrival entered the router's queue")
			assert.InEpsilon(t, aht.Seconds(), got.AHT().Seconds(), 0.02, "the router's AHT; want the trace's")
			assert.InDelta(t, float64(c.agents)*hours, got.AgentHours(), 1e-6, "agent-hours of a fixed staffing")
		})
	}
}

func TestRunDeterministic(t *testing.T) {
	tr := sim.Scenarios()["concert"].Trace(3)
	p := conferenceParams()
	p.Modalities = concertModalities()
	cfg := sim.Config{Params: p, Seed: 11}
	contenders := []sim.Contender{sim.StaticPeak(), sim.HPA{}.Contender(), sim.Autoscaler("", nil), sim.Oracle()}
	a, err := sim.Compare(context.Background(), tr, cfg, contenders...)
	require.NoError(t, err, "Compare")
	b, err := sim.Compare(context.Background(), tr, cfg, contenders...)
	require.NoError(t, err, "Compare again")
	assert.Equal(t, a, b, "two runs with the same seed; want the same results")
	for i := 1; i < len(a); i++ {
		assert.Equal(t, a[0].Total.Arrivals, a[i].Total.Arrivals, "%s faces the same arrivals as %s", a[i].Policy, a[0].Policy)
	}
	cfg.Seed = 12
	c, err := sim.Compare(context.Background(), tr, cfg, contenders...)
	require.NoError(t, err, "Compare with another seed")
	assert.NotEqual(t, a[0].Total.Arrivals, c[0].Total.Arrivals, "another seed; want other arrivals")
}

// TestRunAccounts checks the bookkeeping of a run: periods, totals,
// steps, clamping, and every arrival resolved.
func TestRunAccounts(t *testing.T) {
	p := oneQueue(2 * time.Minute)
	p.MinAgents, p.MaxAgents = 2, 30
	tr := sim.Trace{
		{Start: time.Hour, Length: 30 * time.Minute, Modality: "telephony", Arrivals: 200, HandleTime: 2 * time.Minute},
		{Start: 90 * time.Minute, Length: 30 * time.Minute, Modality: "telephony", Arrivals: 20, HandleTime: 2 * time.Minute, Patience: time.Minute},
		// a gap, then a last interval
		{Start: 3 * time.Hour, Length: 15 * time.Minute, Modality: "telephony", Arrivals: 10, HandleTime: 2 * time.Minute},
	}
	var asked []int
	wild := sim.Contender{Name: "wild", New: func(sim.Setup) (sim.Policy, error) {
		i := 0
		return decideFunc(func(o sim.Observation) int {
			i++
			asked = append(asked, o.Current)
			switch {
			case i%3 == 0:
				return -5 // clamped to MinAgents
			case i%3 == 1:
				return 1 << 30 // clamped to MaxAgents
			default:
				return 17
			}
		}), nil
	}}
	res, err := sim.Run(context.Background(), tr, sim.Config{Params: p, Seed: 1, DecisionInterval: 5 * time.Minute}, wild)
	require.NoError(t, err, "Run")
	require.Len(t, res.Periods, 4, "periods: the three intervals and the gap")
	wantStarts := []time.Duration{time.Hour, 90 * time.Minute, 2 * time.Hour, 3 * time.Hour}
	var sum sim.Stats
	for i, per := range res.Periods {
		assert.Equal(t, wantStarts[i], per.Start, "period %d start", i)
		sum.Arrivals += per.Arrivals
		sum.AgentSeconds += per.AgentSeconds
	}
	assert.Equal(t, sum.Arrivals, res.Total.Arrivals, "total arrivals; want the periods' sum")
	assert.InDelta(t, sum.AgentSeconds, res.Total.AgentSeconds, 1e-6, "total agent-seconds; want the periods' sum")
	assert.Zero(t, res.Periods[2].Arrivals, "nothing arrives in the gap")
	assert.Equal(t, res.Total.Arrivals, res.Total.Routing.Answered+res.Total.Routing.Abandoned, "every arrival is answered or abandons")
	assert.Zero(t, res.Periods[0].Routing.Abandoned, "no patience in the first interval: nobody abandons")
	for _, s := range res.Steps {
		assert.Contains(t, []int{2, 17, 30}, s.Agents, "step %+v; want every decision clamped into [2, 30]", s)
	}
	assert.Equal(t, 30, res.PeakAgents, "peak agents")
	assert.Equal(t, time.Hour, res.Steps[0].At, "the first decision at the trace's start")
	// Agent-seconds: staffed counts by 5-minute decision, in [2, 30].
	assert.GreaterOrEqual(t, res.Total.AgentHours(), 2*2.25, "agent-hours; want at least MinAgents throughout")
	assert.LessOrEqual(t, res.Total.AgentHours(), 30*2.25+1, "agent-hours; want at most MaxAgents throughout (and some finishing)")
	assert.Equal(t, 2, asked[0], "Current at the first decision; want the initial staffing (MinAgents)")
	assert.Greater(t, res.Total.LicenceHours(), 0.0, "licence-hours")
	assert.Greater(t, res.Total.SpaceHours(), 0.0, "space-hours")
}

// TestRunDrains checks that agents removed while busy finish their
// engagements: nothing is dropped, and they are paid until they leave.
func TestRunDrains(t *testing.T) {
	p := oneQueue(10 * time.Minute)
	tr := sim.Trace{{Start: 0, Length: 20 * time.Minute, Modality: "telephony", Arrivals: 30, HandleTime: 10 * time.Minute}}
	// 30 agents for the first 10 minutes, then 1.
	pol := sim.Contender{Name: "drop", New: func(s sim.Setup) (sim.Policy, error) {
		return decideFunc(func(o sim.Observation) int {
			if o.At.Sub(s.Start) < 10*time.Minute {
				return 30
			}
			return 1
		}), nil
	}}
	res, err := sim.Run(context.Background(), tr, sim.Config{Params: p, Seed: 5}, pol)
	require.NoError(t, err, "Run")
	assert.Equal(t, res.Total.Arrivals, res.Total.Routing.Answered, "every arrival answered: no engagement dropped by a scale-down")
	assert.Equal(t, res.Total.Arrivals, res.Total.Routing.Handled, "every arrival answered once and ended: none requeued by a scale-down")
	// From 10 minutes on, 1 agent plus those still finishing.
	assert.Greater(t, res.Total.AgentSeconds, 30*600.0+600, "agent-seconds; want those finishing after the scale-down paid")
	assert.Less(t, res.Total.AgentSeconds, 30*1200.0, "agent-seconds; want idle agents gone at once")
}

func TestConfigErrors(t *testing.T) {
	tr := steady(1, 10, time.Minute, 0)
	good := oneQueue(time.Minute)
	cases := []struct {
		name string
		cfg  sim.Config
		tr   sim.Trace
		want []string
		is   error
	}{
		{"no target", sim.Config{Params: func() scaling.Params { p := good; p.Targets = scaling.Targets{}; return p }()}, tr,
			[]string{"Targets.ServiceLevel"}, sim.ErrConfig},
		{"unknown modality", sim.Config{Params: good}, append(tr[:1:1], sim.Interval{Start: 0, Length: time.Minute, Modality: "fax", Arrivals: 1, HandleTime: time.Second}),
			[]string{`"fax"`}, sim.ErrConfig},
		{"invalid params and fields", sim.Config{Params: func() scaling.Params { p := good; p.MaxAgents = 0; return p }(), DecisionInterval: -1, InitialAgents: -1, MaxArrivals: -1, WrapUp: -1}, tr,
			[]string{"MaxAgents 0", "DecisionInterval -1ns", "InitialAgents -1", "MaxArrivals -1", "WrapUp -1ns"}, sim.ErrConfig},
		{"a kind the router does not serve", sim.Config{Params: func() scaling.Params {
			p := good
			p.Modalities = []scaling.Modality{{Kind: "fax", HandleTime: time.Minute, Concurrency: 1}}
			return p
		}()}, sim.Trace{{Start: 0, Length: time.Minute, Modality: "fax", Arrivals: 1, HandleTime: time.Second}},
			[]string{`Params.Modalities[0]`, `"fax"`, "router"}, sim.ErrConfig},
		{"empty trace", sim.Config{Params: good}, nil, nil, sim.ErrEmpty},
		{"too many arrivals", sim.Config{Params: good, MaxArrivals: 5}, tr, nil, sim.ErrTooManyArrivals},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := sim.Run(context.Background(), c.tr, c.cfg, fixed(3))
			require.ErrorIs(t, err, c.is, "Run")
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w, "the error; want the problem named")
			}
		})
	}
	t.Run("contender error", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := sim.Run(context.Background(), tr, sim.Config{Params: good}, sim.Contender{Name: "bad", New: func(sim.Setup) (sim.Policy, error) { return nil, boom }})
		require.ErrorIs(t, err, boom, "a contender's error")
		assert.Contains(t, err.Error(), "bad", "the error names the contender")
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := sim.Run(ctx, steady(10, 1000, time.Minute, 0), sim.Config{Params: good}, fixed(40))
		assert.ErrorIs(t, err, context.Canceled, "a cancelled context")
	})
}

func TestOracleAndStaticPeak(t *testing.T) {
	p := conferenceParams()
	tr := sim.Scenarios()["conference"].Trace(1)
	periods, need := sim.Requirement(p, tr)
	require.NotEmpty(t, periods, "periods")
	peak := 0
	for _, n := range need {
		peak = max(peak, n)
	}
	res, err := sim.Compare(context.Background(), tr, sim.Config{Params: p, Seed: 1}, sim.Oracle(), sim.StaticPeak())
	require.NoError(t, err, "Compare")
	oracle, static := res[0], res[1]
	for i, per := range oracle.Periods {
		// Agents removed at a period's start finish what they handle.
		assert.GreaterOrEqual(t, per.MeanAgents(), float64(need[i])-1e-9, "oracle's mean agents in period %d; want its requirement", i)
		assert.LessOrEqual(t, per.MeanAgents(), float64(max(need[i], need[max(i-1, 0)]))+1e-9,
			"oracle's mean agents in period %d; want its requirement, and those of the previous period finishing", i)
	}
	assert.Equal(t, peak, static.PeakAgents, "static peak staffs the highest requirement")
	assert.Len(t, static.Steps, 1, "static peak never changes")
	assert.InDelta(t, float64(peak)*tr.End().Hours()-float64(peak)*periods[0].Start.Hours(), static.Total.AgentHours(), 1e-6, "static peak's agent-hours")
	// With wrap-up, both staff for the time an agent is held: the
	// handle time and the wrap-up after it.
	held, err := sim.Compare(context.Background(), tr, sim.Config{Params: p, Seed: 1, WrapUp: time.Minute}, sim.Oracle(), sim.StaticPeak())
	require.NoError(t, err, "Compare with wrap-up")
	assert.Greater(t, held[0].Total.AgentHours(), oracle.Total.AgentHours(), "the oracle's agent-hours; want more with a minute of wrap-up")
	assert.Greater(t, held[1].PeakAgents, static.PeakAgents, "static peak; want more with a minute of wrap-up")
	// The oracle's requirement is Erlang C per modality, summed.
	q := scaling.Queue{Rate: tr[0].Arrivals / tr[0].Length.Seconds(), HandleTime: tr[0].HandleTime}
	perf, err := q.Staff(p.Targets)
	require.NoError(t, err, "Staff")
	assert.GreaterOrEqual(t, need[0], perf.Agents, "first period's requirement includes its telephony's Erlang C staffing")
}

func TestHPA(t *testing.T) {
	p := oneQueue(time.Minute)
	p.MaxAgents = 1000
	setup := sim.Setup{Params: p, Start: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	pol, err := sim.HPA{Target: 0.5}.Contender().New(setup)
	require.NoError(t, err, "New")
	at := func(m int) time.Time { return setup.Start.Add(time.Duration(m) * time.Minute) }
	steps := []struct {
		minute        int
		current       int
		busy, waiting float64
		want          int
		why           string
	}{
		{0, 10, 5.2, 0, 10, "load 0.52 per agent is within 10 % of 0.5"},
		{1, 10, 7, 1, 16, "load 0.8: ⌈10 × 1.6⌉"},
		{2, 16, 16, 40, 32, "scale up at most doubles"},
		{3, 2, 2, 20, 6, "or adds 4"},
		{4, 32, 8, 0, 32, "scale down held by the window's highest, 32"},
		{10, 32, 8, 0, 16, "the window has passed: ⌈32 × 0.25/0.5⌉"},
		{11, 0, 3, 0, 4, "from no agents, the load over the target (6), adding at most 4"},
	}
	for _, s := range steps {
		got := pol.Decide(sim.Observation{At: at(s.minute), Current: s.current, Busy: s.busy, Waiting: s.waiting})
		assert.Equal(t, s.want, got, "minute %d: %s", s.minute, s.why)
	}
	_, err = sim.HPA{Target: 2}.Contender().New(setup)
	assert.ErrorIs(t, err, sim.ErrConfig, "a target above 1")
}

// conferenceParams returns the conference template's staffing as the
// simulator uses it: no cap but MaxAgents 100000, and a 2-minute window
// (scenarioConfig sets the template's own).
func conferenceParams() scaling.Params {
	return scaling.Params{
		Modalities: []scaling.Modality{
			{Kind: "telephony", HandleTime: 4 * time.Minute, Concurrency: 1, SpacePerEngagement: 1},
			{Kind: "chat", HandleTime: 3 * time.Minute, Concurrency: 3, SpacePerEngagement: 0.25},
			{Kind: "sms", HandleTime: 2 * time.Minute, Concurrency: 4, SpacePerEngagement: 0.1},
		},
		TargetUtilisation: 0.85, MinAgents: 2, MaxAgents: 100000, AgentsPerSupervisor: 10,
		LicencesPerAgent: 1, SpacePerAgent: 0.5, BaseSpace: 4, MaxLicences: 1 << 30, MaxSpace: 1 << 30,
		ScaleDownWindow: 2 * time.Minute,
		Targets:         scaling.Targets{ServiceLevel: 0.8, Within: 20 * time.Second},
		Forecast:        scaling.DefaultForecast(),
	}
}

func concertModalities() []scaling.Modality {
	return []scaling.Modality{
		{Kind: "telephony", HandleTime: 3 * time.Minute, Concurrency: 1, SpacePerEngagement: 1},
		{Kind: "chat", HandleTime: 2 * time.Minute, Concurrency: 4, SpacePerEngagement: 0.2},
		{Kind: "sms", HandleTime: 90 * time.Second, Concurrency: 5, SpacePerEngagement: 0.1},
	}
}

func tradeShowModalities() []scaling.Modality {
	return []scaling.Modality{
		{Kind: "telephony", HandleTime: 5 * time.Minute, Concurrency: 1, SpacePerEngagement: 1},
		{Kind: "video", HandleTime: 10 * time.Minute, Concurrency: 1, SpacePerEngagement: 3},
		{Kind: "chat", HandleTime: 4 * time.Minute, Concurrency: 3, SpacePerEngagement: 0.25},
		{Kind: "sms", HandleTime: 2 * time.Minute, Concurrency: 4, SpacePerEngagement: 0.1},
	}
}

// scenarioConfig returns the Config the benchmarks simulate each
// built-in scenario with (but the seed): its template's modalities,
// minAgents, targetUtilisation, factors, scaleDownWindow, step limits,
// scaleInterval and wrapUp (copied here, since scaling may not import
// template; examples/simulate's tests run the same checks on the
// template files themselves), and the default forecast. As the
// lifecycle's scaler does, the Params staff each modality for its handle
// time plus the wrap-up.
func scenarioConfig(name string) sim.Config {
	p := conferenceParams()
	// conference.json
	p.ScaleDownWindow, p.MaxStepUp, p.MaxStepDown = 3*time.Minute, 10, 5
	every, wrapUp := 2*time.Minute, 30*time.Second
	switch name {
	case "concert": // concert.json
		p.Modalities, p.MinAgents, p.TargetUtilisation, p.AgentsPerSupervisor, p.BaseSpace = concertModalities(), 4, 0.8, 15, 8
		p.ScaleDownWindow, p.MaxStepUp, p.MaxStepDown = 3*time.Minute, 20, 10
		every, wrapUp = time.Minute, 20*time.Second
	case "tradeshow": // trade-show.json
		p.Modalities, p.MinAgents, p.TargetUtilisation, p.AgentsPerSupervisor, p.LicencesPerAgent, p.BaseSpace = tradeShowModalities(), 3, 0.8, 12, 2, 6
		p.ScaleDownWindow, p.MaxStepUp, p.MaxStepDown = 3*time.Minute, 10, 5
		every, wrapUp = 3*time.Minute, 45*time.Second
	}
	for i := range p.Modalities {
		p.Modalities[i].HandleTime += wrapUp
	}
	return sim.Config{Params: p, DecisionInterval: every, WrapUp: wrapUp}
}

// TestTargetsOnTraces checks eventcc's autoscaler against the targets
// on the built-in event traces (seeds 1 to 3), with the scale-down
// windows, step limits and decision intervals of the scenarios'
// templates: it meets the service
// level over the whole event, meets it in no fewer intervals than the
// oracle minus 5 percentage points, and uses at most 1.10× the oracle's
// agent-hours and 0.6× static peak's. BENCHMARKS.md reports the
// figures.
func TestTargetsOnTraces(t *testing.T) {
	for _, name := range []string{"conference", "concert", "tradeshow"} {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", name, seed), func(t *testing.T) {
				tr := sim.Scenarios()[name].Trace(seed)
				cfg := scenarioConfig(name)
				cfg.Seed = seed
				rs, err := sim.Compare(context.Background(), tr, cfg,
					sim.StaticPeak(), sim.HPA{}.Contender(), sim.Autoscaler("", nil), sim.Oracle())
				require.NoError(t, err, "Compare")
				static, hpa, ev, oracle := rs[0], rs[1], rs[2], rs[3]
				evMet, _ := ev.PeriodsMet()
				orMet, _ := oracle.PeriodsMet()
				hpaMet, _ := hpa.PeriodsMet()
				t.Logf("eventcc SL %.3f met %.3f hours %.1f | oracle SL %.3f met %.3f hours %.1f | static %.1f | hpa SL %.3f met %.3f hours %.1f",
					ev.Total.ServiceLevel(), evMet, ev.Total.AgentHours(), oracle.Total.ServiceLevel(), orMet, oracle.Total.AgentHours(),
					static.Total.AgentHours(), hpa.Total.ServiceLevel(), hpaMet, hpa.Total.AgentHours())
				assert.GreaterOrEqual(t, ev.Total.ServiceLevel(), 0.8, "eventcc's service level over the event")
				assert.GreaterOrEqual(t, evMet, orMet-0.05, "eventcc's share of intervals meeting the target; want the oracle's minus 5 pp at least")
				assert.LessOrEqual(t, ev.Total.AgentHours(), 1.10*oracle.Total.AgentHours(), "eventcc's agent-hours; want at most 1.10× the oracle's")
				assert.LessOrEqual(t, ev.Total.AgentHours(), 0.6*static.Total.AgentHours(), "eventcc's agent-hours; want at most 0.6× static peak's")
			})
		}
	}
}

// TestCompareLeavesNoGoroutines runs a comparison, and a cancelled one,
// in a synctest bubble, which fails if any goroutine outlives them.
func TestCompareLeavesNoGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := sim.Scenarios()["conference"].Trace(1)
		_, err := sim.Compare(context.Background(), tr, sim.Config{Params: conferenceParams()},
			sim.StaticPeak(), sim.HPA{}.Contender(), sim.Autoscaler("", nil), sim.Oracle())
		require.NoError(t, err, "Compare")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = sim.Compare(ctx, tr, sim.Config{Params: conferenceParams()}, sim.Oracle(), sim.StaticPeak())
		require.ErrorIs(t, err, context.Canceled, "a cancelled Compare")
	})
}

// TestWrapUp checks that wrap-up is modelled: the same arrivals, served
// by the same fixed staffing, with and without 30s of wrap-up after each
// call. Every answered call then occupies its agent 30s longer, the
// agents, busier, answer later, and the router's handle time, from
// answer to end, stays the trace's.
func TestWrapUp(t *testing.T) {
	const agents = 13
	aht := 3 * time.Minute
	tr := steady(40, 100, aht, 0) // 10 erlangs for 40 hours
	run := func(wrapUp time.Duration) sim.Stats {
		t.Helper()
		res, err := sim.Run(context.Background(), tr, sim.Config{Params: oneQueue(aht), Seed: 4, WrapUp: wrapUp}, fixed(agents))
		require.NoError(t, err, "Run with wrap-up %v", wrapUp)
		return res.Total
	}
	none, wrap := run(0), run(30*time.Second)
	t.Logf("wrap-up 0: SL %.4f, ASA %v, occupancy %.4f; 30s: SL %.4f, ASA %v, occupancy %.4f",
		none.ServiceLevel(), none.ASA(), none.Occupancy(), wrap.ServiceLevel(), wrap.ASA(), wrap.Occupancy())
	require.Equal(t, none.Arrivals, wrap.Arrivals, "the same seed; want the same arrivals")
	assert.InDelta(t, none.AgentSeconds, wrap.AgentSeconds, 1e-6, "the same fixed staffing")
	// An agent is occupied for the router's handle time of each call,
	// and then for its wrap-up (but for what the trace's end cuts, a
	// few seconds).
	assert.InEpsilon(t, none.Routing.HandleTime.Seconds(), none.BusySeconds, 0.01,
		"occupied agent-seconds without wrap-up; want the router's total handle time")
	assert.InEpsilon(t, wrap.Routing.HandleTime.Seconds()+float64(wrap.Routing.Answered)*30, wrap.BusySeconds, 0.01,
		"occupied agent-seconds with wrap-up; want the router's total handle time and 30s per answered call")
	assert.Greater(t, wrap.Occupancy(), none.Occupancy()+0.1, "occupancy; want it higher with wrap-up")
	assert.Less(t, wrap.ServiceLevel(), none.ServiceLevel()-0.1, "service level; want it lower with wrap-up")
	assert.Greater(t, wrap.ASA(), none.ASA(), "ASA; want it longer with wrap-up")
	for _, s := range []sim.Stats{none, wrap} {
		assert.InEpsilon(t, aht.Seconds(), s.AHT().Seconds(), 0.03, "the router's AHT; want the trace's handle time, wrap-up excluded")
	}
}

// TestServiceLevelIsTheRouters checks the definitions that come with
// the router's Stats: an attendee who abandons counts against the
// service level even within the threshold, and those still waiting when
// the run ends, with no agent to answer them, are hung up and count as
// abandoned.
func TestServiceLevelIsTheRouters(t *testing.T) {
	p := oneQueue(time.Minute)
	tr := sim.Trace{
		{Start: 0, Length: 30 * time.Minute, Modality: "telephony", Arrivals: 50, HandleTime: time.Minute, Patience: time.Second},
		{Start: 30 * time.Minute, Length: 30 * time.Minute, Modality: "telephony", Arrivals: 50, HandleTime: time.Minute},
	}
	res, err := sim.Run(context.Background(), tr, sim.Config{Params: p, Seed: 2}, fixed(0))
	require.NoError(t, err, "Run")
	require.Len(t, res.Periods, 2, "periods")
	first, second := res.Periods[0], res.Periods[1]
	require.NotZero(t, first.Arrivals, "arrivals in the first half hour")
	assert.Equal(t, first.Arrivals, first.Routing.Abandoned, "nobody answers: every attendee of the first half hour abandons in it")
	assert.Zero(t, first.ServiceLevel(), "service level with every attendee abandoning within the 20s threshold; want 0, as the router counts it")
	assert.Equal(t, 1.0, first.AbandonRate(), "abandon rate")
	assert.Equal(t, second.Arrivals, second.Routing.Abandoned, "those with no patience, never answered, are hung up when the run ends")
	assert.Zero(t, res.Total.Routing.Waiting, "nobody is left waiting")
	assert.Zero(t, res.Total.ServiceLevel(), "service level of the run")
	assert.Zero(t, res.Total.ASA(), "ASA with nobody answered")
}
