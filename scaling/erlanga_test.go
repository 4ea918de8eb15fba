package scaling_test

import (
	"fmt"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/scaling"
)

// erlangACase is an M/M/n+M queue: arrival rate, handle time, patience,
// agents and service-level threshold.
type erlangACase struct {
	rate            float64 // per second
	aht, patience   time.Duration
	agents          int
	within          time.Duration
	reference, name string
}

func erlangACases() []erlangACase {
	var cs []erlangACase
	add := func(rate float64, aht, patience time.Duration, within time.Duration, agents ...int) {
		for _, n := range agents {
			cs = append(cs, erlangACase{rate: rate, aht: aht, patience: patience, agents: n, within: within,
				name: fmt.Sprintf("%.4g/s aht=%v patience=%v n=%d within=%v", rate, aht, patience, n, within)})
		}
	}
	// 10 erlangs, the classic example, with patience short and long.
	for _, p := range []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute} {
		for _, w := range []time.Duration{0, 20 * time.Second, 2 * time.Minute} {
			add(100.0/1800, 180*time.Second, p, w, 1, 5, 9, 10, 12, 14, 20)
		}
	}
	// Patience shorter than a handle time: a = nμ/θ below 1.
	add(1.0/60, 4*time.Minute, 30*time.Second, 20*time.Second, 1, 2)
	// A large centre, 500 erlangs, under- and overstaffed.
	add(500.0/240, 4*time.Minute, 2*time.Minute, 20*time.Second, 400, 480, 500, 520)
	// Chats: long handle times, patient customers.
	add(2, 10*time.Minute, 15*time.Minute, time.Minute, 1100, 1200, 1250)
	return cs
}

// bigChain returns P(wait) and P(abandon) of an M/M/n+M queue from its
// stationary distribution, summed in 256-bit floating point:
// P(abandon) = θ·E[queue]/λ, independently of the per-state formulas
// scaling uses.
func bigChain(c erlangACase) (wait, abandon float64) {
	const prec = 256
	nf := func(x float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(x) }
	lam, mu, theta := c.rate, 1/c.aht.Seconds(), 1/c.patience.Seconds()
	term, total, queued, eq := nf(1), nf(1), nf(0), nf(0)
	for k := 1; k <= c.agents; k++ {
		term.Mul(term, nf(lam/(float64(k)*mu)))
		total.Add(total, term)
	}
	queued.Add(queued, term)
	tiny := nf(1e-40)
	for i := 1; ; i++ {
		term.Mul(term, nf(lam/(float64(c.agents)*mu+float64(i)*theta)))
		total.Add(total, term)
		queued.Add(queued, term)
		eq.Add(eq, new(big.Float).SetPrec(prec).Mul(term, nf(float64(i))))
		if lam < float64(c.agents)*mu+float64(i)*theta && term.Cmp(new(big.Float).SetPrec(prec).Mul(total, tiny)) < 0 {
			break
		}
	}
	w, _ := new(big.Float).SetPrec(prec).Quo(queued, total).Float64()
	q, _ := new(big.Float).SetPrec(prec).Quo(eq, total).Float64()
	return w, theta * q / lam
}

// TestErlangAHighPrecision compares Erlang A's waiting and abandon
// probabilities with the queue's stationary distribution summed in
// 256-bit floating point.
func TestErlangAHighPrecision(t *testing.T) {
	worst := 0.0
	for _, c := range erlangACases() {
		q := scaling.Queue{Rate: c.rate, HandleTime: c.aht, Patience: c.patience}
		p, err := q.Evaluate(c.agents, c.within)
		require.NoError(t, err, "%s: Evaluate", c.name)
		wait, abandon := bigChain(c)
		for _, m := range []struct {
			name      string
			got, want float64
		}{
			{"wait probability", p.WaitProbability, wait},
			{"abandon probability", p.AbandonProbability, abandon},
			{"ASA (mean wait = P(abandon)·patience)", p.ASA.Seconds(), abandon * c.patience.Seconds()},
		} {
			if m.name[0] == 'A' { // rounded to the nanosecond
				assert.InDelta(t, m.want, m.got, 1e-9, "%s: %s", c.name, m.name)
				continue
			}
			e := math.Abs(m.got-m.want) / m.want
			worst = max(worst, e)
			assert.LessOrEqual(t, e, 1e-12, "%s: %s %v; want %v", c.name, m.name, m.got, m.want)
		}
		assert.InDelta(t, q.Load()*(1-abandon)/float64(c.agents), p.Occupancy, 1e-12, "%s: occupancy is the carried load per agent", c.name)
	}
	t.Logf("worst relative error: %.3g", worst)
}

// TestErlangAServiceLevel compares Erlang A's service level with the
// integrals it reduces to, by quadrature. With U = e^(−θV) (V the offered
// wait), s = e^(−θt), a = nμ/θ and y = λ/θ, the sums over queue lengths
// are (relative to P(all agents busy)):
//
//	Σ w        = a ∫₀¹ u^(a−1) e^(y(1−u)) du
//	answered ≤ t  : a ∫ₛ¹ u^a e^(y(1−u)) du
//	abandoned ≤ t : Σ w − s·a ∫₀ˢ u^(a−1) e^(y(1−u)) du − (answered ≤ t)
func TestErlangAServiceLevel(t *testing.T) {
	for _, c := range erlangACases() {
		q := scaling.Queue{Rate: c.rate, HandleTime: c.aht, Patience: c.patience}
		p, err := q.Evaluate(c.agents, c.within)
		require.NoError(t, err, "%s: Evaluate", c.name)
		wait, _ := bigChain(c)
		theta := 1 / c.patience.Seconds()
		a := float64(c.agents) / c.aht.Seconds() / theta
		y := c.rate / theta
		s := math.Exp(-theta * c.within.Seconds())
		total := integral(a, y, 0, 0, 1)
		answered := integral(a, y, 1, s, 1)
		early := s * integral(a, y, 0, 0, s)
		abandoned := total - early - answered
		want := (1 - wait + wait*answered/total) / (1 - wait*abandoned/total)
		assert.InEpsilon(t, want, p.ServiceLevel, 1e-9, "%s: service level; want the quadrature's", c.name)
	}
}

// integral returns a·∫ u^(a−1+c) e^(−y·u) du over [lo, hi], scaled by a
// factor common to all calls with the same a and y (e^y and the
// integrand's peak left out), by 10-point Gauss–Legendre on 4000 panels,
// graded towards 0 where u^(a−1) is not smooth. For a < 1 it substitutes
// v = u^a, which removes the singularity at 0.
func integral(a, y float64, c int, lo, hi float64) float64 {
	u0 := min(max((a-1)/y, 1e-300), 1)
	peak := (a-1)*math.Log(u0) - y*u0
	f := func(u float64) float64 { return a * math.Exp((a-1+float64(c))*math.Log(u)-y*u-peak) }
	if a < 1 {
		// a·u^(a−1) du = dv, u = v^(1/a)
		f = func(v float64) float64 {
			u := math.Pow(v, 1/a)
			return math.Exp(float64(c)*math.Log(u) - y*u)
		}
		lo, hi = math.Pow(lo, a), math.Pow(hi, a)
	}
	x := [5]float64{0.1488743389816312, 0.4333953941292472, 0.6794095682990244, 0.8650633666889845, 0.9739065285171717}
	w := [5]float64{0.2955242247147529, 0.2692667193099963, 0.2190863625159820, 0.1494513491505806, 0.0666713443086881}
	const panels = 4000
	at := func(k int) float64 {
		r := float64(k) / panels
		if lo == 0 {
			r = r * r * r * r
		}
		return lo + (hi-lo)*r
	}
	sum := 0.0
	for k := range panels {
		l, r := at(k), at(k+1)
		mid, h := (l+r)/2, r-l
		for j := range x {
			d := x[j] * h / 2
			sum += w[j] * (f(mid-d) + f(mid+d)) * h / 2
		}
	}
	return sum
}

// TestErlangAToErlangC checks that Erlang A tends to Erlang C as
// patience grows without bound.
func TestErlangAToErlangC(t *testing.T) {
	for _, n := range []int{11, 12, 14, 20} {
		c := scaling.Queue{Rate: 100.0 / 1800, HandleTime: 180 * time.Second}
		a := c
		a.Patience = 2e4 * time.Hour
		pc, err := c.Evaluate(n, 20*time.Second)
		require.NoError(t, err, "Erlang C")
		pa, err := a.Evaluate(n, 20*time.Second)
		require.NoError(t, err, "Erlang A")
		// Patience 400,000 handle times long: differences of order 1e-5.
		assert.InDelta(t, pc.WaitProbability, pa.WaitProbability, 1e-4, "%d agents: wait probability", n)
		assert.InDelta(t, pc.ServiceLevel, pa.ServiceLevel, 1e-4, "%d agents: service level", n)
		assert.InEpsilon(t, pc.ASA.Seconds(), pa.ASA.Seconds(), 1e-4, "%d agents: ASA", n)
		assert.InEpsilon(t, pc.ASA.Seconds()/a.Patience.Seconds(), pa.AbandonProbability, 1e-3,
			"%d agents: abandon probability; want about Erlang C's mean wait over the patience", n)
	}
}

// TestErlangAMonotone checks, for large loads too, that every measure is
// a probability, and that each agent added lowers the waiting and
// abandon probabilities and the ASA and raises the service level.
func TestErlangAMonotone(t *testing.T) {
	for _, c := range []struct {
		load     float64
		patience time.Duration
	}{{10, 3 * time.Minute}, {400, time.Minute}, {5000, 4 * time.Minute}, {10000, 30 * time.Second}} {
		q := scaling.Queue{Rate: c.load / 240, HandleTime: 4 * time.Minute, Patience: c.patience}
		lo, hi := int(c.load*0.8), int(c.load*1.2)+5
		step := max(1, (hi-lo)/40)
		var prev scaling.Performance
		for n := lo; n <= hi; n += step {
			p, err := q.Evaluate(n, 20*time.Second)
			require.NoError(t, err, "load %v, %d agents", c.load, n)
			for name, v := range map[string]float64{"wait": p.WaitProbability, "abandon": p.AbandonProbability, "service level": p.ServiceLevel, "occupancy": p.Occupancy} {
				require.True(t, v >= 0 && v <= 1, "load %v, %d agents: %s %v; want a probability", c.load, n, name, v)
			}
			if n > lo {
				const noise = 1e-12
				assert.LessOrEqual(t, p.WaitProbability, prev.WaitProbability+noise, "load %v, %d agents: wait probability", c.load, n)
				assert.LessOrEqual(t, p.AbandonProbability, prev.AbandonProbability+noise, "load %v, %d agents: abandon probability", c.load, n)
				assert.LessOrEqual(t, p.ASA, prev.ASA, "load %v, %d agents: ASA", c.load, n)
				assert.GreaterOrEqual(t, p.ServiceLevel, prev.ServiceLevel-noise, "load %v, %d agents: service level", c.load, n)
			}
			prev = p
		}
	}
}

func TestErlangANoAgents(t *testing.T) {
	p, err := scaling.Queue{Rate: 1, HandleTime: time.Minute, Patience: time.Minute}.Evaluate(0, 20*time.Second)
	require.NoError(t, err, "Evaluate 0 agents with patience")
	assert.Equal(t, 1.0, p.WaitProbability, "everyone waits")
	assert.Equal(t, 1.0, p.AbandonProbability, "everyone abandons")
	assert.Zero(t, p.ServiceLevel, "nobody is answered")
	assert.Zero(t, p.Occupancy, "no agent is busy")
}
