package scaling

import "math"

// maxPatienceLoad bounds Rate × Patience, the queue that patience alone
// would hold, for Erlang A: its sums over queue lengths take at most
// about that many terms.
const maxPatienceLoad = 1e7

// erlangA returns the Erlang A (M/M/n+M) performance of n agents, for
// an offered load of load erlangs from arrival rate lam, service rate mu
// and abandonment rate theta (per second), and a service-level threshold
// of t seconds.
//
// An arrival that finds all n agents busy and i others waiting (which it
// does with the stationary probability π(n+i), arrivals being Poisson)
// reaches an agent after i+1 departures from the head of the queue,
// each at rate nμ + jθ with j still waiting ahead of it, unless its own
// patience runs out first. With a = nμ/θ, its offered wait V has
// e^(−θV) ~ Beta(a, i+1); its patience is exponential, so:
//
//	P(answered | i)              = a/(a+i+1)
//	P(answered within t | i)     = a/(a+i+1) · (1 − I_s(a+1, i+1))     with s = e^(−θt)
//	P(abandoned within t | i)    = 1 − s·I_s(a, i+1) − P(answered within t | i)
//
// where I_s is the regularised incomplete beta function, carried along i
// by I_s(α, β+1) = I_s(α, β) + s^α (1−s)^β Γ(α+β)/(Γ(α) β!). The state
// probabilities relative to π(n) are w_i = Π_{j=1..i} λ/(nμ + jθ) above
// n, and Σ_{k<n} π(k)/π(n) = 1/B(n, λ/μ) − 1 below it. The mean wait of
// all arrivals, abandoned or answered, is E[queue]/λ (Little), which is
// also P(abandon)/θ. Every sum adds
// positive terms; w is rescaled before it overflows, and the incomplete
// beta terms are carried as logarithms while they would underflow.
func erlangA(n int, load, lam, mu, theta, t float64) perf {
	if n == 0 {
		return perf{load: load, wait: 1, abandon: 1, asa: 1 / theta}
	}
	fn := float64(n)
	a := fn * mu / theta
	y := lam / theta
	logS := -theta * t
	s := math.Exp(logS)
	log1mS := math.Log(-math.Expm1(logS)) // −Inf when t is 0
	k0 := newBetaSum(a, logS, log1mS)     // I_s(a, i+1)
	k1 := newBetaSum(a+1, logS, log1mS)   // I_s(a+1, i+1)

	const big, logBig = 1e250, 250 * math.Ln10
	var (
		w, scale             = 1.0, 0.0 // w_i is w·e^scale
		sw, sAns, sg, sh, sq float64    // Σ w, Σ w·answered, Σ w·g, Σ w·h, Σ w·i (over e^scale)
	)
	for i := 0; i < 1<<26; i++ {
		fi := float64(i)
		if i > 0 {
			w *= y / (a + fi)
			k0.next(fi)
			k1.next(fi)
		}
		ans := a / (a + fi + 1)
		g := ans * (1 - k1.sum)
		h := max(1-s*k0.sum-g, 0)
		sw += w
		sAns += w * ans
		sg += w * g
		sh += w * h
		sq += w * fi
		if w > big {
			w, sw, sAns, sg, sh, sq = w/big, sw/big, sAns/big, sg/big, sh/big, sq/big
			scale += logBig
		}
		// Past the mode the terms fall at least geometrically with
		// ratio r, so the rest adds at most w·r/(1−r).
		if r := y / (a + fi + 1); r < 1 && w*r/(1-r) < 1e-17*sw {
			break
		}
	}

	// x = P(no wait)/P(wait) = (Σ_{k<n} π(k)) / (Σ_{i>=0} π(n+i)).
	below := fn / load * erlangBRecip(n-1, load) // 1/B(n) − 1, without the cancellation
	var x float64
	switch {
	case math.IsInf(below, 1):
		x = math.Inf(1)
	case scale == 0:
		x = below / sw
	default:
		x = math.Exp(math.Log(below) - math.Log(sw) - scale)
	}
	wait, noWait := 1/(1+x), x/(1+x)
	if math.IsInf(x, 1) {
		wait, noWait = 0, 1
	}
	answered := noWait + wait*sAns/sw
	abandonedWithin := wait * sh / sw
	p := perf{
		agents:  n,
		load:    load,
		wait:    wait,
		abandon: wait * (1 - sAns/sw),
		occ:     min(load*answered/fn, 1),
	}
	if d := 1 - abandonedWithin; d > 0 {
		p.sl = min((noWait+wait*sg/sw)/d, 1)
	}
	p.asa = wait * sq / sw / lam
	return p
}

// betaSum carries the regularised incomplete beta function
// I_s(α, i+1) = Σ_{j=0..i} D_j along i, with D_0 = s^α and
// D_j = D_{j−1}·(1−s)(α+j−1)/j. While the terms are too small for a
// float64 it carries log D instead.
type betaSum struct {
	alpha, log1mS float64
	oneMinusS     float64
	logD, d       float64
	live          bool // d holds D_j; otherwise logD does
	sum           float64
}

func newBetaSum(alpha, logS, log1mS float64) betaSum {
	b := betaSum{alpha: alpha, log1mS: log1mS, oneMinusS: -math.Expm1(logS), logD: alpha * logS}
	b.settle()
	return b
}

// next moves from D_{j−1} to D_j and adds it.
func (b *betaSum) next(j float64) {
	if b.sum >= 1 {
		return
	}
	if b.live {
		b.d *= b.oneMinusS * (b.alpha + j - 1) / j
		b.sum = min(b.sum+b.d, 1)
		return
	}
	b.logD += b.log1mS + math.Log((b.alpha+j-1)/j)
	b.settle()
}

// settle switches to carrying D itself once it is representable, and
// adds it.
func (b *betaSum) settle() {
	if b.logD > -700 {
		b.d, b.live = math.Exp(b.logD), true
		b.sum = min(b.sum+b.d, 1)
	}
}
