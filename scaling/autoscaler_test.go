package scaling_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/scaling"
)

// policyFunc adapts a function to a scaling.Policy.
type policyFunc func(scaling.Params, []scaling.Sample) int

func (f policyFunc) Recommend(p scaling.Params, s []scaling.Sample) int { return f(p, s) }

// t0 is the instant the tests' decisions start at.
var t0 = time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)

// scaleParams returns valid Params for the Autoscaler tests: 2 to 40
// agents, one licence each and no supervisors, a 5-minute window and no
// step limits.
func scaleParams() scaling.Params {
	p := testParams()
	p.MinAgents, p.MaxAgents = 2, 40
	p.AgentsPerSupervisor, p.LicencesPerAgent, p.MaxLicences = 0, 1, 1000
	p.ScaleDownWindow = 5 * time.Minute
	return p
}

func TestAutoscalerDecide(t *testing.T) {
	type step struct {
		at      time.Duration // after t0
		current int
		rec     int // what the policy recommends
		samples []scaling.Sample
		want    int
		reason  string
	}
	with := func(f func(*scaling.Params)) scaling.Params {
		p := scaleParams()
		f(&p)
		return p
	}
	live := []scaling.Sample{
		{Modality: "telephony", Concurrent: 7, Queued: 2}, // 9 agents
		{Modality: "chat", Concurrent: 7},                 // 3 agents
		{Modality: "video", Concurrent: 100},              // not staffed
	}
	cases := []struct {
		name  string
		p     scaling.Params
		steps []step
	}{
		{"scale up at once", scaleParams(), []step{
			{0, 5, 12, nil, 12, scaling.ReasonScaleUp},
			{time.Second, 12, 40, nil, 40, scaling.ReasonScaleUp},
		}},
		{"steady", scaleParams(), []step{
			{0, 5, 5, nil, 5, scaling.ReasonSteady},
		}},
		{"limited by maxStepUp", with(func(p *scaling.Params) { p.MaxStepUp = 3 }), []step{
			{0, 5, 12, nil, 8, scaling.ReasonMaxStepUp},
			{time.Minute, 8, 12, nil, 11, scaling.ReasonMaxStepUp},
			{2 * time.Minute, 11, 12, nil, 12, scaling.ReasonScaleUp},
		}},
		{"capped by maxAgents", scaleParams(), []step{
			{0, 5, 100, nil, 40, scaling.ReasonMaxAgents},
			{time.Minute, 40, 100, nil, 40, scaling.ReasonMaxAgents},
		}},
		{"raised to minAgents", scaleParams(), []step{
			{0, 2, 0, nil, 2, scaling.ReasonMinAgents},
			// From 3, a recommendation of 1 is raised to 2, the most the window desired.
			{time.Minute, 3, 1, nil, 2, scaling.ReasonMinAgents},
		}},
		{"scale down held through the window, then allowed", scaleParams(), []step{
			{0, 5, 12, nil, 12, scaling.ReasonScaleUp},
			{time.Minute, 12, 4, nil, 12, scaling.ReasonStabilisation},
			{5*time.Minute - time.Second, 12, 6, nil, 12, scaling.ReasonStabilisation},
			// 12 was desired a whole window ago: the highest since is 6.
			{5 * time.Minute, 12, 3, nil, 6, scaling.ReasonStabilisation},
			{6 * time.Minute, 6, 3, nil, 6, scaling.ReasonStabilisation},
			{10*time.Minute - time.Second, 6, 3, nil, 3, scaling.ReasonScaleDown},
		}},
		{"the highest of the window holds", scaleParams(), []step{
			{0, 5, 12, nil, 12, scaling.ReasonScaleUp},
			{2 * time.Minute, 12, 9, nil, 12, scaling.ReasonStabilisation},
			{5 * time.Minute, 12, 3, nil, 9, scaling.ReasonStabilisation},
			{7 * time.Minute, 9, 3, nil, 3, scaling.ReasonScaleDown},
		}},
		{"a higher desire restarts the window", scaleParams(), []step{
			{0, 5, 12, nil, 12, scaling.ReasonScaleUp},
			{4 * time.Minute, 12, 12, nil, 12, scaling.ReasonSteady},
			{5 * time.Minute, 12, 3, nil, 12, scaling.ReasonStabilisation},
			{9 * time.Minute, 12, 3, nil, 3, scaling.ReasonScaleDown},
		}},
		{"no window: down at once", with(func(p *scaling.Params) { p.ScaleDownWindow = 0 }), []step{
			{0, 5, 12, nil, 12, scaling.ReasonScaleUp},
			{time.Second, 12, 4, nil, 4, scaling.ReasonScaleDown},
		}},
		{"limited by maxStepDown", with(func(p *scaling.Params) { p.ScaleDownWindow, p.MaxStepDown = 0, 3 }), []step{
			{0, 12, 4, nil, 9, scaling.ReasonMaxStepDown},
			{time.Minute, 9, 4, nil, 6, scaling.ReasonMaxStepDown},
			{2 * time.Minute, 6, 4, nil, 4, scaling.ReasonScaleDown},
		}},
		{"window, then maxStepDown", with(func(p *scaling.Params) { p.MaxStepDown = 2 }), []step{
			{0, 5, 12, nil, 12, scaling.ReasonScaleUp},
			{time.Minute, 12, 4, nil, 12, scaling.ReasonStabilisation},
			{6 * time.Minute, 12, 4, nil, 10, scaling.ReasonMaxStepDown},
		}},
		{"floor: live engagements", scaleParams(), []step{
			{0, 5, 1, live, 12, scaling.ReasonLiveFloor},
		}},
		{"floor: live engagements, capped by maxAgents", with(func(p *scaling.Params) { p.MaxAgents = 10 }), []step{
			{0, 5, 1, live, 10, scaling.ReasonLiveFloor},
		}},
		{"floor: live engagements, stepped up", with(func(p *scaling.Params) { p.MaxStepUp = 4 }), []step{
			{0, 5, 1, live, 9, scaling.ReasonMaxStepUp},
		}},
		{"recommendation above the floor", scaleParams(), []step{
			{0, 5, 20, live, 20, scaling.ReasonScaleUp},
		}},
		{"capped by licences", with(func(p *scaling.Params) {
			p.AgentsPerSupervisor, p.LicencesPerAgent, p.MaxLicences = 10, 2, 23 // 11 people: 10 agents and 1 supervisor
		}), []step{
			{0, 5, 15, nil, 10, scaling.ReasonLicences},
			{time.Minute, 10, 15, nil, 10, scaling.ReasonLicences},
		}},
		{"capped by licences, supervisors count", with(func(p *scaling.Params) {
			p.AgentsPerSupervisor, p.LicencesPerAgent, p.MaxLicences = 10, 2, 25 // 12 people: 11 agents need 2 supervisors
		}), []step{
			{0, 5, 11, nil, 10, scaling.ReasonLicences},
		}},
		{"licences just enough", with(func(p *scaling.Params) {
			p.AgentsPerSupervisor, p.LicencesPerAgent, p.MaxLicences = 10, 2, 26 // 13 people: 11 agents and 2 supervisors
		}), []step{
			{0, 5, 11, nil, 11, scaling.ReasonScaleUp},
		}},
		{"licences below minAgents win", with(func(p *scaling.Params) { p.MinAgents, p.MaxLicences = 5, 4 }), []step{
			{0, 2, 0, nil, 4, scaling.ReasonLicences},
		}},
		{"current above maxAgents goes straight down", with(func(p *scaling.Params) { p.MaxAgents, p.MaxStepDown = 20, 2 }), []step{
			{0, 30, 10, nil, 20, scaling.ReasonMaxAgents},
		}},
		{"current below minAgents goes straight up", with(func(p *scaling.Params) { p.MinAgents, p.MaxStepUp = 5, 2 }), []step{
			{0, 0, 0, nil, 5, scaling.ReasonMinAgents},
		}},
		{"negative recommendation is 0", scaleParams(), []step{
			{0, 2, -3, nil, 2, scaling.ReasonMinAgents},
		}},
		{"same instant: the higher one holds", scaleParams(), []step{
			{0, 5, 12, nil, 12, scaling.ReasonScaleUp},
			{0, 12, 4, nil, 12, scaling.ReasonStabilisation},
			{5 * time.Minute, 12, 4, nil, 4, scaling.ReasonScaleDown},
		}},
		{"an earlier instant counts as the latest", scaleParams(), []step{
			{0, 5, 12, nil, 12, scaling.ReasonScaleUp},
			{-time.Minute, 12, 4, nil, 12, scaling.ReasonStabilisation},
			{5 * time.Minute, 12, 4, nil, 4, scaling.ReasonScaleDown},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rec int
			a, err := scaling.NewAutoscaler(c.p, policyFunc(func(scaling.Params, []scaling.Sample) int { return rec }))
			require.NoError(t, err, "NewAutoscaler")
			for i, s := range c.steps {
				rec = s.rec
				now := t0.Add(s.at)
				d := a.Decide(now, s.current, s.samples)
				what := fmt.Sprintf("step %d (at +%v, %d agents, %d recommended)", i, s.at, s.current, s.rec)
				assert.Equal(t, s.want, d.Desired.Agents, "%s: agents", what)
				assert.Equal(t, s.reason, d.Reason, "%s: reason", what)
				assert.Equal(t, c.p.ResourcesFor(d.Desired.Agents, s.samples), d.Desired,
					"%s: resources; want those ResourcesFor gives for the agents", what)
				assert.True(t, d.At.Equal(now), "%s: At %v; want %v", what, d.At, now)
				assert.Equal(t, max(s.current, 0), d.Current, "%s: Current", what)
				assert.Equal(t, max(s.rec, 0), d.Recommended, "%s: Recommended", what)
				assert.Equal(t, s.samples, d.Samples, "%s: Samples; want the inputs", what)
			}
		})
	}
}

func TestAutoscalerNegativeCurrent(t *testing.T) {
	a, err := scaling.NewAutoscaler(scaleParams(), policyFunc(func(scaling.Params, []scaling.Sample) int { return 3 }))
	require.NoError(t, err, "NewAutoscaler")
	d := a.Decide(t0, -4, nil)
	assert.Equal(t, 0, d.Current, "Current for -4 agents; want 0")
	assert.Equal(t, 3, d.Desired.Agents, "agents from -4 with 3 recommended")
	assert.Equal(t, scaling.ReasonScaleUp, d.Reason, "reason from -4 with 3 recommended")
}

func TestNewAutoscaler(t *testing.T) {
	t.Run("invalid params", func(t *testing.T) {
		p := scaleParams()
		p.TargetUtilisation, p.MaxSpace = 1.5, 0
		a, err := scaling.NewAutoscaler(p, nil)
		require.Error(t, err, "NewAutoscaler with invalid Params; want an error")
		assert.Nil(t, a, "the Autoscaler with invalid Params; want none")
		assert.Equal(t, p.Validate().Error(), err.Error(), "the error; want Validate's, with every problem")
	})
	t.Run("nil policy is Utilisation", func(t *testing.T) {
		a, err := scaling.NewAutoscaler(scaleParams(), nil)
		require.NoError(t, err, "NewAutoscaler with a nil policy")
		samples := []scaling.Sample{{Modality: "telephony", Arrivals: 8, Interval: 5 * time.Minute}}
		d := a.Decide(t0, 5, samples)
		assert.Equal(t, 10, d.Recommended, "recommendation for 8 agents of load at 0.8; want Utilisation's 10")
		assert.Equal(t, 10, d.Desired.Agents, "agents for 8 agents of load at 0.8")
	})
	t.Run("params are copied", func(t *testing.T) {
		p := scaleParams()
		a, err := scaling.NewAutoscaler(p, nil)
		require.NoError(t, err, "NewAutoscaler")
		p.Modalities[0].HandleTime = time.Hour
		p.MaxAgents = 1
		assert.Equal(t, scaleParams(), a.Params(), "Params after the caller changed its own; want the Autoscaler's unchanged")
		got := a.Params()
		got.Modalities[0].Kind = "scribbled"
		got.Modalities = append(got.Modalities, scaling.Modality{Kind: "more"})
		assert.Equal(t, scaleParams(), a.Params(), "Params after the caller changed a result; want a copy each time")
	})
}

func TestDecideSamplesAreCopied(t *testing.T) {
	a, err := scaling.NewAutoscaler(scaleParams(), nil)
	require.NoError(t, err, "NewAutoscaler")
	samples := []scaling.Sample{
		{Modality: "telephony", Arrivals: 8, Interval: 5 * time.Minute, Concurrent: 3},
		{Modality: "chat", Concurrent: 2},
	}
	keep := append([]scaling.Sample(nil), samples...)
	d := a.Decide(t0, 5, samples)
	assert.Equal(t, keep, samples, "Decide changed its input samples; want them untouched")
	samples[0].Arrivals, samples[1].Modality = 1000, "scribbled"
	assert.Equal(t, keep, d.Samples, "Decision.Samples after the caller changed its input; want a copy")

	d = a.Decide(t0.Add(time.Second), 5, nil)
	assert.Nil(t, d.Samples, "Decision.Samples without samples; want nil")
}

// TestDecideConcurrent drives one Autoscaler from several goroutines; run
// with -race.
func TestDecideConcurrent(t *testing.T) {
	p := scaleParams()
	a, err := scaling.NewAutoscaler(p, nil)
	require.NoError(t, err, "NewAutoscaler")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				s := []scaling.Sample{{Modality: "telephony", Arrivals: (g*7 + i) % 50, Interval: time.Minute}}
				d := a.Decide(t0.Add(time.Duration(i)*time.Second), 10, s)
				assert.GreaterOrEqual(t, d.Desired.Agents, p.MinAgents, "agents; want at least MinAgents")
				assert.LessOrEqual(t, d.Desired.Agents, p.MaxAgents, "agents; want at most MaxAgents")
				assert.Equal(t, p, a.Params(), "Params while deciding")
			}
		})
	}
	wg.Wait()
}

// TestDecideProperties drives Autoscalers with random Params through
// random traffic and checks the rules hold at every decision: bounds,
// licences, steps, immediate scale up, and no scale down below what the
// window desired.
func TestDecideProperties(t *testing.T) {
	for seed := range uint64(200) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0x5ca1ab1e))
			p := randomParams(rng)
			require.NoError(t, p.Validate(), "random Params must be valid: %+v", p)
			a, err := scaling.NewAutoscaler(p, nil)
			require.NoError(t, err, "NewAutoscaler")

			t.Logf("params: %+v", p)
			licCap := bruteLicenceCap(p)
			lo, hi := min(p.MinAgents, licCap), min(p.MaxAgents, licCap)
			type past struct {
				at      time.Time
				desired int
			}
			var history []past
			now := t0
			current := lo + rng.IntN(hi-lo+1)
			for i := range 150 {
				switch rng.IntN(10) {
				case 0: // same instant
				case 1:
					now = now.Add(p.ScaleDownWindow) // exactly a window later
				default:
					now = now.Add(time.Duration(rng.IntN(180)) * time.Second)
				}
				if rng.IntN(10) == 0 { // someone else changed the count
					current = lo + rng.IntN(hi-lo+1)
				}
				samples := randomSamples(rng)
				d := a.Decide(now, current, samples)
				got := d.Desired.Agents
				what := fmt.Sprintf("decision %d at +%v from %d agents (recommended %d)", i, now.Sub(t0), current, d.Recommended)

				// What the rules want before pacing: the recommendation in
				// bounds, and never below the live floor.
				live := 0
				for _, s := range samples {
					if m, ok := modalityOf(p, s.Modality); ok {
						live += (s.Concurrent + s.Queued + m.Concurrency - 1) / m.Concurrency
					}
				}
				desired := max(min(max(d.Recommended, p.MinAgents), p.MaxAgents), min(live, p.MaxAgents))
				history = append(history, past{now, desired})
				windowMax := min(desired, hi) // the highest desired within the window, within licences
				for _, h := range history {
					if now.Sub(h.at) < p.ScaleDownWindow {
						windowMax = max(windowMax, min(h.desired, hi))
					}
				}

				t.Logf("%s: %d, %s (desired %d, window's highest %d)", what, got, d.Reason, desired, windowMax)
				require.GreaterOrEqual(t, got, lo, "%s: agents; want at least min(MinAgents, licence cap) %d", what, lo)
				require.LessOrEqual(t, got, hi, "%s: agents; want at most min(MaxAgents, licence cap) %d", what, hi)
				require.LessOrEqual(t, (got+d.Desired.Supervisors)*p.LicencesPerAgent, p.MaxLicences,
					"%s: licences agents and supervisors need; want at most MaxLicences", what)
				require.Equal(t, p.ResourcesFor(got, samples), d.Desired, "%s: resources", what)
				switch {
				case desired > current:
					want := min(desired, hi)
					if p.MaxStepUp > 0 {
						want = min(want, current+p.MaxStepUp)
					}
					require.Equal(t, want, got, "%s: scale up to %d; want it at once, within step and licences", what, desired)
				case got < current:
					require.Less(t, windowMax, current, "%s: scaled down within the window after desiring %d", what, windowMax)
					require.GreaterOrEqual(t, got, windowMax, "%s: scaled down below the window's highest %d", what, windowMax)
					if p.MaxStepDown > 0 {
						require.LessOrEqual(t, current-got, p.MaxStepDown, "%s: scaled down by more than MaxStepDown", what)
					}
				default:
					require.Equal(t, current, got, "%s: with nothing to scale up for, want no scale up", what)
				}
				current = got
			}
		})
	}
}

// randomParams returns valid Params with small bounds.
func randomParams(rng *rand.Rand) scaling.Params {
	p := testParams()
	p.TargetUtilisation = 0.5 + rng.Float64()/2
	p.MinAgents = rng.IntN(5)
	p.MaxAgents = max(p.MinAgents, 1) + rng.IntN(40)
	p.AgentsPerSupervisor = rng.IntN(12)
	p.LicencesPerAgent = 1 + rng.IntN(3)
	p.MaxLicences = 1 + rng.IntN(120)
	p.ScaleDownWindow = time.Duration(rng.IntN(4)) * 5 * time.Minute
	p.MaxStepUp = rng.IntN(6)
	p.MaxStepDown = rng.IntN(6)
	return p
}

// randomSamples returns the traffic of one minute of telephony, chat and
// an unstaffed modality, with bursts.
func randomSamples(rng *rand.Rand) []scaling.Sample {
	var ss []scaling.Sample
	for _, m := range []string{"telephony", "chat", "video"} {
		if rng.IntN(4) == 0 {
			continue
		}
		burst := 1 + rng.IntN(3)*rng.IntN(10)
		ss = append(ss, scaling.Sample{
			Modality:   m,
			Interval:   time.Minute,
			Arrivals:   rng.IntN(5) * burst,
			HandleTime: time.Duration(rng.IntN(600)) * time.Second,
			Concurrent: rng.IntN(8) * burst,
			Queued:     rng.IntN(4) * burst,
		})
	}
	return ss
}

// bruteLicenceCap returns the most agents whose agents and supervisors
// the licences pay for, by counting.
func bruteLicenceCap(p scaling.Params) int {
	for a := 0; ; a++ {
		sup := 0
		if p.AgentsPerSupervisor > 0 {
			sup = (a + 1 + p.AgentsPerSupervisor - 1) / p.AgentsPerSupervisor
		}
		if (a+1+sup)*p.LicencesPerAgent > p.MaxLicences {
			return a
		}
	}
}

func modalityOf(p scaling.Params, kind string) (scaling.Modality, bool) {
	for _, m := range p.Modalities {
		if m.Kind == kind {
			return m, true
		}
	}
	return scaling.Modality{}, false
}

func BenchmarkDecide(b *testing.B) {
	p := scaleParams()
	p.Modalities = append(p.Modalities, scaling.Modality{Kind: "video", HandleTime: 15 * time.Minute, Concurrency: 1, SpacePerEngagement: 0.3})
	p.MaxAgents, p.MaxLicences, p.MaxSpace = 500, 2000, 2000
	a, err := scaling.NewAutoscaler(p, nil)
	require.NoError(b, err, "NewAutoscaler")
	traffic := [][]scaling.Sample{
		{
			{Modality: "telephony", Interval: 15 * time.Second, Arrivals: 12, HandleTime: 4 * time.Minute, Concurrent: 40, Queued: 3},
			{Modality: "chat", Interval: 15 * time.Second, Arrivals: 20, HandleTime: 9 * time.Minute, Concurrent: 60},
			{Modality: "video", Interval: 15 * time.Second, Arrivals: 2, Concurrent: 5},
		},
		{
			{Modality: "telephony", Interval: 15 * time.Second, Arrivals: 1, Concurrent: 10},
			{Modality: "chat", Interval: 15 * time.Second, Arrivals: 3, Concurrent: 12},
			{Modality: "video", Interval: 15 * time.Second},
		},
	}
	now, current := t0, 10
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		now = now.Add(15 * time.Second)
		d := a.Decide(now, current, traffic[(i/20)%2])
		current = d.Desired.Agents
	}
}

func TestAutoscaler_HoldDelaysScaleDown(t *testing.T) {
	p := scaling.Params{
		Modalities:        []scaling.Modality{{Kind: "chat", HandleTime: time.Minute, Concurrency: 1}},
		TargetUtilisation: 0.8, MinAgents: 1, MaxAgents: 20, LicencesPerAgent: 1,
		MaxLicences: 100, MaxSpace: 100, ScaleDownWindow: 10 * time.Minute,
	}
	a, err := scaling.NewAutoscaler(p, nil)
	require.NoError(t, err)
	open := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
	a.Hold(open, 8)
	quiet := []scaling.Sample{{Modality: "chat", At: open, Interval: time.Minute}}
	d := a.Decide(open.Add(time.Minute), 8, quiet)
	assert.Equal(t, 8, d.Desired.Agents, "planned staffing is held through the window")
	assert.Equal(t, scaling.ReasonStabilisation, d.Reason)
	d = a.Decide(open.Add(10*time.Minute), 8, quiet)
	assert.Equal(t, 1, d.Desired.Agents, "after the window, quiet traffic scales down to the minimum")
	a.Hold(open.Add(11*time.Minute), 500)
	d = a.Decide(open.Add(12*time.Minute), 20, quiet)
	assert.Equal(t, 20, d.Desired.Agents, "a hold keeps the staffing, within MaxAgents")
}
