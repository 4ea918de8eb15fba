package scaling_test

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/scaling"
)

// bigErlang returns B(n, a) and C(n, a) (C only when a < n) from the
// defining sums Σ aᵏ/k!, in 256-bit floating point.
func bigErlang(n int, a float64) (b, c *big.Float) {
	const prec = 256
	fa := new(big.Float).SetPrec(prec).SetFloat64(a)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	for k := 1; k <= n; k++ {
		term.Mul(term, fa)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64(k)))
		sum.Add(sum, term)
	}
	b = new(big.Float).SetPrec(prec).Quo(term, sum)
	if a < float64(n) {
		fn := new(big.Float).SetPrec(prec).SetInt64(int64(n))
		oneMinusB := new(big.Float).SetPrec(prec).Sub(big.NewFloat(1).SetPrec(prec), b)
		den := new(big.Float).SetPrec(prec).Sub(fn, new(big.Float).SetPrec(prec).Mul(fa, oneMinusB))
		c = new(big.Float).SetPrec(prec).Quo(new(big.Float).SetPrec(prec).Mul(fn, b), den)
	}
	return b, c
}

// relErr returns |got − want| / |want|.
func relErr(got float64, want *big.Float) float64 {
	w, _ := want.Float64()
	return math.Abs(got-w) / math.Abs(w)
}

// TestErlangHighPrecision compares ErlangB and ErlangC with the defining
// sums computed in 256-bit floating point, up to 10,000 agents and
// erlangs: the relative error must stay within 1e-12.
func TestErlangHighPrecision(t *testing.T) {
	if testing.Short() {
		t.Skip("high-precision sums take a few seconds")
	}
	ns := []int{1, 2, 3, 7, 10, 50, 100, 333, 1000, 2500, 5000, 10000}
	worstB, worstC := 0.0, 0.0
	for _, n := range ns {
		fn := float64(n)
		// The loads about fn − 10√fn straddle where erlangB starts its
		// recursion late.
		loads := []float64{0.01, 0.5, 1, fn / 2, fn - 10*math.Sqrt(fn) - 0.5, fn - 10*math.Sqrt(fn) + 0.5, fn - math.Sqrt(fn), fn - 1, fn - 0.001, fn, fn + math.Sqrt(fn), 2 * fn, 10000}
		for _, a := range loads {
			if a <= 0 {
				continue
			}
			wantB, wantC := bigErlang(n, a)
			if wb, _ := wantB.Float64(); wb < 1e-290 {
				assert.Less(t, scaling.ErlangB(n, a), 1e-280, "B(%d, %v); want about %v", n, a, wb)
				continue
			}
			e := relErr(scaling.ErlangB(n, a), wantB)
			worstB = max(worstB, e)
			assert.Less(t, e, 1e-12, "relative error of B(%d, %v) = %v; want < 1e-12 against %v", n, a, scaling.ErlangB(n, a), wantB.Text('g', 20))
			c, err := scaling.ErlangC(n, a)
			if wantC == nil {
				assert.ErrorIs(t, err, scaling.ErrUnstable, "C(%d, %v); want ErrUnstable", n, a)
				continue
			}
			require.NoError(t, err, "C(%d, %v)", n, a)
			e = relErr(c, wantC)
			worstC = max(worstC, e)
			assert.Less(t, e, 1e-12, "relative error of C(%d, %v) = %v; want < 1e-12 against %v", n, a, c, wantC.Text('g', 20))
		}
	}
	t.Logf("worst relative error: B %.3g, C %.3g", worstB, worstC)
}

func TestErlangBEdges(t *testing.T) {
	assert.Equal(t, 1.0, scaling.ErlangB(0, 5), "B(0, 5): no servers block everything")
	assert.Equal(t, 1.0, scaling.ErlangB(0, 0), "B(0, 0)")
	assert.Equal(t, 0.0, scaling.ErlangB(3, 0), "B(3, 0): no traffic, no blocking")
	assert.InDelta(t, 0.5, scaling.ErlangB(1, 1), 1e-15, "B(1, 1) = 1/2")
	assert.Equal(t, 0.0, scaling.ErlangB(100000, 1), "B(100000, 1) underflows to 0")
	for _, c := range []struct {
		n int
		a float64
	}{{-1, 1}, {1, -1}, {1, math.NaN()}, {1, math.Inf(1)}} {
		assert.True(t, math.IsNaN(scaling.ErlangB(c.n, c.a)), "B(%d, %v); want NaN", c.n, c.a)
		_, err := scaling.ErlangC(c.n, c.a)
		assert.ErrorIs(t, err, scaling.ErrInvalid, "C(%d, %v); want ErrInvalid", c.n, c.a)
	}
	c, err := scaling.ErlangC(5, 0)
	assert.NoError(t, err, "C(5, 0)")
	assert.Equal(t, 0.0, c, "C(5, 0): no traffic, no wait")
	c, err = scaling.ErlangC(10, 10)
	assert.ErrorIs(t, err, scaling.ErrUnstable, "C(10, 10); want ErrUnstable")
	assert.Equal(t, 1.0, c, "C(10, 10): everyone waits")
}

// TestPublishedExamples checks worked examples and tables published for
// call-centre staffing.
func TestPublishedExamples(t *testing.T) {
	// Call Centre Helper, "Erlang C Formula – Made Simple With an Easy
	// Worked Example", https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm:
	// 100 calls in 30 minutes of 180 s each, 80 % answered in 20 s: 10
	// erlangs need 14 agents, who wait with probability 0.174 and answer
	// with an ASA of 7.84 s. The same formulas give 88.8 % answered in
	// 20 s and an occupancy of 71.4 %, and 20 agents scheduled at 30 %
	// shrinkage.
	t.Run("callcentrehelper 100 calls in 30 minutes", func(t *testing.T) {
		q := scaling.Queue{Rate: 100.0 / 1800, HandleTime: 180 * time.Second}
		p, err := q.Staff(scaling.Targets{ServiceLevel: 0.8, Within: 20 * time.Second})
		require.NoError(t, err, "Staff")
		assert.Equal(t, 14, p.Agents, "agents")
		assert.InDelta(t, 10, p.Load, 1e-12, "load in erlangs")
		assert.InDelta(t, 0.1741, p.WaitProbability, 5e-5, "probability of waiting")
		assert.InDelta(t, 0.888, p.ServiceLevel, 5e-4, "service level in 20 s")
		assert.InDelta(t, 7.84, p.ASA.Seconds(), 5e-3, "ASA in seconds")
		assert.InDelta(t, 0.714, p.Occupancy, 5e-4, "occupancy")
		s, err := scaling.Scheduled(p.Agents, 0.3)
		require.NoError(t, err, "Scheduled")
		assert.Equal(t, 20, s, "agents scheduled at 30 %% shrinkage")
		p13, err := q.Evaluate(13, 20*time.Second)
		require.NoError(t, err, "Evaluate 13")
		assert.Less(t, p13.ServiceLevel, 0.8, "13 agents must miss 80/20 for 14 to be the least")
	})
	// Standard Erlang B tables (traffic capacity at 1 % blocking): 10
	// lines carry 4.46 E, 20 lines 12.03 E, 50 lines 37.90 E, 100 lines
	// 84.06 E. The capacity is the load at which B reaches 1 %.
	t.Run("Erlang B table at 1 % blocking", func(t *testing.T) {
		for _, c := range []struct {
			lines int
			load  float64
		}{{10, 4.46}, {20, 12.03}, {50, 37.90}, {100, 84.06}} {
			got := capacity(func(a float64) bool { return scaling.ErlangB(c.lines, a) <= 0.01 }, float64(c.lines))
			assert.InDelta(t, c.load, got, 0.005, "capacity of %d lines at 1 %% blocking; want the table's %v E", c.lines, c.load)
		}
		// 17 erlangs at under 1 % blocking need 27 lines: 26 block more.
		assert.Greater(t, scaling.ErlangB(26, 17), 0.01, "B(26, 17)")
		assert.Less(t, scaling.ErlangB(27, 17), 0.01, "B(27, 17)")
	})
	// Avaya, "Basic Call Management System (BCMS) Operations",
	// 07-300061 Issue 5.0 (May 2005), "Average service time engineering
	// tables": busy-hour calls a number of agents handle so that 90 % are
	// answered within a delay. Entries of the 60-second and 90-second
	// tables, as reproduced in its examples 2 and 3 (pp. 109–112,
	// https://www.manualshelf.com/manual/avaya/basic-call-management-system-bcms/user-s-manual-english/page-111.html).
	t.Run("Avaya BCMS engineering tables", func(t *testing.T) {
		for _, c := range []struct {
			agents   int
			aht      time.Duration
			within   time.Duration
			callsPer float64 // per hour
		}{
			{5, time.Minute, 30 * time.Second, 186},
			{5, time.Minute, 45 * time.Second, 202},
			{6, time.Minute, 30 * time.Second, 238},
			{6, time.Minute, 45 * time.Second, 257},
			{8, 90 * time.Second, 30 * time.Second, 217},
			{8, 90 * time.Second, 45 * time.Second, 231},
		} {
			got := capacity(func(r float64) bool {
				p, err := scaling.Queue{Rate: r / 3600, HandleTime: c.aht}.Evaluate(c.agents, c.within)
				return err == nil && p.ServiceLevel >= 0.9
			}, float64(c.agents)*time.Hour.Seconds()/c.aht.Seconds())
			assert.Equal(t, c.callsPer, math.Round(got), "calls per hour %d agents of %v answer 90 %% within %v (%.2f)", c.agents, c.aht, c.within, got)
		}
	})
}

// capacity returns the largest x in [0, hi] for which ok holds, by
// bisection (ok must hold below some point and fail above it).
func capacity(ok func(float64) bool, hi float64) float64 {
	lo := 0.0
	for range 200 {
		m := (lo + hi) / 2
		if ok(m) {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

func TestEvaluateErlangC(t *testing.T) {
	q := scaling.Queue{Rate: 2, HandleTime: 5 * time.Second} // 10 erlangs
	p, err := q.Evaluate(12, 10*time.Second)
	require.NoError(t, err, "Evaluate")
	c, err := scaling.ErlangC(12, 10)
	require.NoError(t, err, "ErlangC")
	assert.InDelta(t, c, p.WaitProbability, 1e-15, "WaitProbability is C(n, A)")
	assert.InDelta(t, 1-c*math.Exp(-2*10.0/5), p.ServiceLevel, 1e-15, "ServiceLevel is 1 − C·exp(−(n−A)t/h)")
	assert.InDelta(t, c*5/2, p.ASA.Seconds(), 1e-9, "ASA is C·h/(n−A)")
	assert.InDelta(t, 10.0/12, p.Occupancy, 1e-15, "Occupancy is A/n")
	assert.Zero(t, p.AbandonProbability, "no abandonment without patience")

	t.Run("unstable", func(t *testing.T) {
		for _, n := range []int{0, 5, 10} {
			p, err := q.Evaluate(n, 10*time.Second)
			assert.ErrorIs(t, err, scaling.ErrUnstable, "%d agents for 10 erlangs; want ErrUnstable", n)
			assert.Equal(t, 1.0, p.WaitProbability, "%d agents: everyone waits", n)
			assert.Zero(t, p.ServiceLevel, "%d agents: no service level", n)
			assert.Zero(t, p.ASA, "%d agents: no ASA", n)
		}
	})
	t.Run("no traffic", func(t *testing.T) {
		p, err := scaling.Queue{HandleTime: time.Minute}.Evaluate(0, 0)
		require.NoError(t, err, "Evaluate without traffic")
		assert.Equal(t, scaling.Performance{ServiceLevel: 1}, p, "no traffic: all (none) answered at once")
	})
	t.Run("invalid", func(t *testing.T) {
		_, err := scaling.Queue{Rate: -1, HandleTime: 0, Patience: -time.Second}.Evaluate(-1, -time.Second)
		require.ErrorIs(t, err, scaling.ErrInvalid, "invalid queue")
		for _, want := range []string{"Queue.Rate -1", "Queue.HandleTime 0s", "Queue.Patience -1s", "agents -1", "within -1s"} {
			assert.Contains(t, err.Error(), want, "the error; want every problem named")
		}
		_, err = scaling.Queue{Rate: math.Inf(1), HandleTime: time.Second}.Evaluate(1, 0)
		assert.ErrorIs(t, err, scaling.ErrInvalid, "infinite rate")
		_, err = scaling.Queue{Rate: math.MaxFloat64 / 10, HandleTime: time.Hour}.Evaluate(1, 0)
		assert.ErrorIs(t, err, scaling.ErrInvalid, "a load that overflows")
	})
}

// TestStaffLeast checks, over a grid of loads and targets, that Staff
// returns a count that meets the targets and that one agent fewer does
// not.
func TestStaffLeast(t *testing.T) {
	targets := []scaling.Targets{
		{ServiceLevel: 0.8, Within: 20 * time.Second},
		{ServiceLevel: 0.9, Within: 10 * time.Second, MaxOccupancy: 0.85},
		{MaxASA: 15 * time.Second},
		{ServiceLevel: 0.5},
		{MaxOccupancy: 0.7},
		{ServiceLevel: 0.95, Within: time.Minute, MaxASA: 2 * time.Second},
		{ServiceLevel: 0.8, Within: 20 * time.Second, MaxAbandon: 0.02},
	}
	meets := func(p scaling.Performance, tg scaling.Targets) bool {
		return (tg.ServiceLevel == 0 || p.ServiceLevel >= tg.ServiceLevel) &&
			(tg.MaxOccupancy == 0 || p.Occupancy <= tg.MaxOccupancy) &&
			(tg.MaxASA == 0 || p.ASA <= tg.MaxASA) &&
			(tg.MaxAbandon == 0 || p.AbandonProbability <= tg.MaxAbandon)
	}
	for _, patience := range []time.Duration{0, 30 * time.Second, 3 * time.Minute} {
		for _, load := range []float64{0.05, 0.9, 3, 10, 47.5, 200, 1500} {
			for i, tg := range targets {
				name := fmt.Sprintf("patience=%v/load=%v/targets=%d", patience, load, i)
				q := scaling.Queue{Rate: load / 240, HandleTime: 4 * time.Minute, Patience: patience}
				p, err := q.Staff(tg)
				require.NoError(t, err, "%s: Staff", name)
				assert.True(t, meets(p, tg), "%s: %+v; want it to meet %+v", name, p, tg)
				if patience == 0 {
					assert.Greater(t, float64(p.Agents), load, "%s: want a stable count", name)
				}
				again, err := q.Evaluate(p.Agents, tg.Within)
				require.NoError(t, err, "%s: Evaluate the count Staff found", name)
				assertPerformance(t, again, p, 1e-12, "%s: Staff's performance; want Evaluate's for the same count", name)
				assert.GreaterOrEqual(t, p.Agents, 1, "%s: traffic needs an agent", name)
				if p.Agents <= 1 {
					continue
				}
				fewer, err := q.Evaluate(p.Agents-1, tg.Within)
				if err == nil {
					assert.False(t, meets(fewer, tg), "%s: %d agents give %+v, which meets %+v too; want Staff to return the least", name, p.Agents-1, fewer, tg)
				} else {
					assert.ErrorIs(t, err, scaling.ErrUnstable, "%s: one fewer", name)
				}
			}
		}
	}
}

func TestStaffErrors(t *testing.T) {
	q := scaling.Queue{Rate: 1, HandleTime: time.Minute}
	cases := []struct {
		name string
		q    scaling.Queue
		t    scaling.Targets
		want error
		msg  []string
	}{
		{"no target", q, scaling.Targets{Within: time.Second}, scaling.ErrInvalid, []string{"no target"}},
		{"bad targets", q, scaling.Targets{ServiceLevel: 1.2, Within: -time.Second, MaxOccupancy: -0.1, MaxASA: -1, MaxAbandon: math.NaN()},
			scaling.ErrInvalid, []string{"Targets.ServiceLevel 1.2", "Targets.Within -1s", "Targets.MaxOccupancy -0.1", "Targets.MaxASA -1ns", "Targets.MaxAbandon NaN"}},
		{"bad queue", scaling.Queue{Rate: math.NaN(), HandleTime: -1}, scaling.Targets{ServiceLevel: 0.8}, scaling.ErrInvalid, []string{"Queue.Rate NaN", "Queue.HandleTime -1ns"}},
		{"service level 1", q, scaling.Targets{ServiceLevel: 1, Within: time.Hour}, scaling.ErrUnreachable, nil},
		{"service level 1 with patience", scaling.Queue{Rate: 1, HandleTime: time.Minute, Patience: time.Minute}, scaling.Targets{ServiceLevel: 1}, scaling.ErrUnreachable, nil},
		{"beyond MaxStaff", scaling.Queue{Rate: 1e6, HandleTime: time.Minute}, scaling.Targets{ServiceLevel: 0.8, Within: time.Second}, scaling.ErrUnreachable, nil},
		{"beyond any int", scaling.Queue{Rate: 1e30, HandleTime: time.Hour}, scaling.Targets{ServiceLevel: 0.8, Within: time.Second}, scaling.ErrUnreachable, nil},
		{"patience too long for the rate", scaling.Queue{Rate: 1e4, HandleTime: time.Second, Patience: time.Hour}, scaling.Targets{ServiceLevel: 0.8}, scaling.ErrInvalid, []string{"Erlang C"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.q.Staff(c.t)
			require.ErrorIs(t, err, c.want, "Staff")
			for _, m := range c.msg {
				assert.Contains(t, err.Error(), m, "the error; want the problem named")
			}
		})
	}
	t.Run("no traffic needs no agents", func(t *testing.T) {
		p, err := scaling.Queue{HandleTime: time.Minute}.Staff(scaling.Targets{ServiceLevel: 0.99, Within: time.Second})
		require.NoError(t, err, "Staff without traffic")
		assert.Equal(t, 0, p.Agents, "agents for no traffic")
	})
}

func TestScheduled(t *testing.T) {
	cases := []struct {
		required  int
		shrinkage float64
		want      int
	}{
		{21, 0.3, 30}, // 21/0.7 is 30.000000000000004 in float64
		{14, 0.3, 20},
		{7, 0.65, 20},
		{10, 0, 10},
		{0, 0.5, 0},
		{10, 0.35, 16}, // 15.38…
		{1, 0.999, 1000},
		{3, 1.0 / 3, 5}, // 4.5
		{math.MaxInt32, 0.5, math.MaxInt32},
	}
	for _, c := range cases {
		got, err := scaling.Scheduled(c.required, c.shrinkage)
		require.NoError(t, err, "Scheduled(%d, %v)", c.required, c.shrinkage)
		assert.Equal(t, c.want, got, "Scheduled(%d, %v)", c.required, c.shrinkage)
	}
	// No float noise adds an agent: every required count and every
	// shrinkage in whole per cent whose quotient is a whole number.
	for pct := 0; pct < 100; pct++ {
		s := float64(pct) / 100
		for r := 0; r <= 1000; r++ {
			if (r*100)%(100-pct) != 0 {
				continue
			}
			want := r * 100 / (100 - pct)
			got, err := scaling.Scheduled(r, s)
			require.NoError(t, err, "Scheduled(%d, %v)", r, s)
			require.Equal(t, want, got, "Scheduled(%d, %v): exactly %d, float noise must not add an agent", r, s, want)
		}
	}
	for _, bad := range []struct {
		r int
		s float64
	}{{-1, 0.3}, {5, 1}, {5, -0.1}, {5, math.NaN()}} {
		_, err := scaling.Scheduled(bad.r, bad.s)
		assert.ErrorIs(t, err, scaling.ErrInvalid, "Scheduled(%d, %v); want ErrInvalid", bad.r, bad.s)
	}
}

// TestErrorsAreDistinct guards the sentinels against being merged.
func TestErrorsAreDistinct(t *testing.T) {
	errs := []error{scaling.ErrUnstable, scaling.ErrUnreachable, scaling.ErrInvalid}
	for i, a := range errs {
		for j, b := range errs {
			assert.Equal(t, i == j, errors.Is(a, b), "errors.Is(%v, %v)", a, b)
		}
	}
}

// assertPerformance checks that got matches want: the same agents, every
// measure within a relative tol.
func assertPerformance(t *testing.T, want, got scaling.Performance, tol float64, msg string, args ...any) {
	t.Helper()
	what := fmt.Sprintf(msg, args...)
	assert.Equal(t, want.Agents, got.Agents, "%s: agents", what)
	for _, f := range []struct {
		name      string
		want, got float64
	}{
		{"load", want.Load, got.Load},
		{"wait probability", want.WaitProbability, got.WaitProbability},
		{"service level", want.ServiceLevel, got.ServiceLevel},
		{"ASA", want.ASA.Seconds(), got.ASA.Seconds()},
		{"occupancy", want.Occupancy, got.Occupancy},
		{"abandon probability", want.AbandonProbability, got.AbandonProbability},
	} {
		assert.InDelta(t, f.want, f.got, tol*math.Max(math.Abs(f.want), 1e-9)+1e-9*boolf(f.name == "ASA"), "%s: %s", what, f.name)
	}
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
