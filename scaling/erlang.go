package scaling

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Errors of the staffing maths. Check them with errors.Is: the errors
// returned wrap them with the values at fault.
var (
	// ErrUnstable means the offered load is at least the number of agents
	// and nobody abandons: the queue grows without bound, and waiting
	// times, service level and occupancy have no steady state.
	ErrUnstable = errors.New("scaling: unstable queue: offered load is at least the number of agents")
	// ErrUnreachable means no number of agents up to [MaxStaff] meets the
	// targets (a service-level target of 1 is never met while anything
	// arrives).
	ErrUnreachable = errors.New("scaling: no number of agents meets the targets")
	// ErrInvalid means an input is out of its domain: a negative or
	// non-finite rate, a handle time that is not positive, a target
	// outside [0,1].
	ErrInvalid = errors.New("scaling: invalid input")
)

// MaxStaff is the most agents [Queue.Staff] considers. Loads that need
// more are [ErrUnreachable].
const MaxStaff = 1 << 24

// slack is the relative tolerance under which a comparison with a target
// counts as met: float noise in the last bits never adds an agent.
const slack = 1e-12

// ErlangB returns the probability that an arrival finds all servers busy
// in a loss system (M/M/n/n) offered load erlangs: the Erlang B formula
//
//	B(n, A) = (Aⁿ/n!) / Σₖ₌₀ⁿ (Aᵏ/k!)
//
// computed with the recursion 1/B(k) = 1 + (k/A)·1/B(k−1), B(0) = 1,
// which needs no factorial or power and loses no precision: it is exact
// to about 1e-12 relative error up to 10,000 servers and erlangs, and a
// probability below the smallest float64 comes out as 0. It takes O(n)
// time.
//
// ErlangB(0, A) is 1 and ErlangB(n, 0) is 0 for n >= 1. A negative
// servers, or a load that is negative, infinite or NaN, gives NaN.
func ErlangB(servers int, load float64) float64 {
	if servers < 0 || !(load >= 0) || math.IsInf(load, 1) {
		return math.NaN()
	}
	return erlangB(servers, load)
}

// erlangB is ErlangB for valid inputs.
func erlangB(n int, a float64) float64 {
	if n == 0 {
		return 1
	}
	if a == 0 {
		return 0
	}
	return 1 / erlangBRecip(n, a)
}

// erlangBRecip returns 1/B(n, a) for a > 0 by the recursion
// 1/B(k) = 1 + (k/a)·1/B(k−1); +Inf when B underflows.
//
// Below the load the recursion forgets its past fast: an error in
// 1/B(k) shrinks by a factor of about k/a at each step, so over the
// m = 10√a steps from k₀ = a − m to a it shrinks by about
// exp(−m²/2a) = e⁻⁵⁰. For n above k₀ the recursion therefore starts at
// k₀ from 1/B(k₀) ≈ a/(a − k₀), the value it tends to there, and costs
// O(n − a + √a) steps instead of O(n); for 10,000 erlangs, about a
// tenth. The error of the start is below 1e-20 by the time it matters.
func erlangBRecip(n int, a float64) float64 {
	k, inv := 0, 1.0
	if a < 1<<52 { // k₀ fits an int
		if k0 := int(a - 10*math.Sqrt(a)); k0 > 64 && n > k0 {
			k, inv = k0, a/(a-float64(k0))
		}
	}
	r := 1 / a
	for k++; k <= n; k++ {
		inv = 1 + inv*(float64(k)*r)
		if math.IsInf(inv, 1) {
			break
		}
	}
	return inv
}

// ErlangC returns the probability that an arrival waits in a queue
// (M/M/n) offered load erlangs with servers agents: the Erlang C formula
//
//	C(n, A) = n·B(n, A) / (n − A·(1 − B(n, A)))
//
// from [ErlangB], so it is as exact and as cheap. When load >= servers
// the queue is unstable: ErlangC returns 1 (everyone waits) and an error
// wrapping [ErrUnstable]. Invalid inputs (as for ErlangB) give NaN and an
// error wrapping [ErrInvalid].
func ErlangC(servers int, load float64) (float64, error) {
	if servers < 0 || !(load >= 0) || math.IsInf(load, 1) {
		return math.NaN(), fmt.Errorf("%w: ErlangC(%d, %v)", ErrInvalid, servers, load)
	}
	if load == 0 {
		return 0, nil
	}
	if load >= float64(servers) {
		return 1, fmt.Errorf("%w: %v erlangs on %d agents", ErrUnstable, load, servers)
	}
	return erlangC(servers, load, erlangB(servers, load)), nil
}

// erlangC is C(n, A) from b = B(n, A), for 0 < A < n.
func erlangC(n int, a, b float64) float64 {
	fn := float64(n)
	return fn * b / (fn - a*(1-b))
}

// Queue is the traffic offered to a group of agents: Poisson arrivals at
// Rate, handle times with mean HandleTime, and, when Patience > 0,
// callers who abandon after an exponential patience with mean Patience
// (the Erlang A model, M/M/n+M). With no Patience everyone waits as long
// as it takes (Erlang C, M/M/n). Handle times and patience are taken as
// exponential, as in every Erlang formula.
//
// A Queue is a value; its methods are safe for concurrent use.
type Queue struct {
	Rate       float64       // arrivals per second, finite and >= 0
	HandleTime time.Duration // mean handle time, > 0
	Patience   time.Duration // mean patience, >= 0; 0: nobody abandons
}

// Load returns the offered load in erlangs: Rate × HandleTime, the number
// of agents the traffic would keep busy if none ever waited.
func (q Queue) Load() float64 { return q.Rate * q.HandleTime.Seconds() }

// validate reports every problem of q, wrapping ErrInvalid.
func (q Queue) validate() error {
	var errs []error
	if !nonNegFinite(q.Rate) {
		errs = append(errs, fmt.Errorf("%w: Queue.Rate %v not a finite number >= 0", ErrInvalid, q.Rate))
	}
	if q.HandleTime <= 0 {
		errs = append(errs, fmt.Errorf("%w: Queue.HandleTime %v not > 0", ErrInvalid, q.HandleTime))
	}
	if q.Patience < 0 {
		errs = append(errs, fmt.Errorf("%w: Queue.Patience %v < 0", ErrInvalid, q.Patience))
	}
	if len(errs) == 0 && math.IsInf(q.Load(), 1) {
		errs = append(errs, fmt.Errorf("%w: Queue load %v×%v is not finite", ErrInvalid, q.Rate, q.HandleTime))
	}
	if len(errs) == 0 && q.Patience > 0 && q.Rate*q.Patience.Seconds() > maxPatienceLoad {
		errs = append(errs, fmt.Errorf("%w: Queue.Rate × Patience %v above %v: use Erlang C (no Patience)",
			ErrInvalid, q.Rate*q.Patience.Seconds(), float64(maxPatienceLoad)))
	}
	return errors.Join(errs...)
}

// Performance is what a [Queue] does with a number of agents in steady
// state. Probabilities are per arrival.
type Performance struct {
	Agents int     // agents answering
	Load   float64 // offered load in erlangs
	// WaitProbability is the probability that an arrival waits at all
	// (Erlang C's C(n, A)).
	WaitProbability float64
	// ServiceLevel is the share of arrivals answered within the
	// threshold (Within), not counting those who abandoned within it:
	//
	//	answered within / (arrivals − abandoned within)
	//
	// the industry's usual definition; without abandonment it is
	// P(wait <= Within) = 1 − C·exp(−(n − A)·Within/HandleTime).
	ServiceLevel float64
	// ASA, the average speed of answer, is the mean wait per arrival,
	// zero waits included: C·HandleTime/(n − A) without abandonment.
	// With abandonment, those who abandon count the time until they did
	// (the mean wait is then AbandonProbability × Patience), so that
	// losing callers never shortens it.
	ASA time.Duration
	// Occupancy is the share of the agents' time spent handling
	// engagements: the carried load over the agents, A·(1 − abandoned)/n.
	Occupancy float64
	// AbandonProbability is the probability that an arrival abandons
	// before it is answered; 0 without Patience.
	AbandonProbability float64
}

// Targets are what staffing must achieve. A zero field sets no target;
// at least one must be set for [Queue.Staff].
type Targets struct {
	// ServiceLevel is the least share of arrivals answered within
	// Within, in [0,1] (0.8 for "80 % in 20 s"). A target of 1 is
	// unreachable while anything arrives.
	ServiceLevel float64
	Within       time.Duration // the service level's threshold, >= 0
	MaxOccupancy float64       // highest occupancy, in [0,1]
	MaxASA       time.Duration // longest average speed of answer, >= 0
	MaxAbandon   float64       // highest abandon probability, in [0,1]; meaningful with Patience
}

// validate reports every problem of t, wrapping ErrInvalid.
func (t Targets) validate() error {
	var errs []error
	t.problems(func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	})
	return errors.Join(errs...)
}

// problems calls bad with each problem of t.
func (t Targets) problems(bad func(format string, args ...any)) {
	for _, f := range []struct {
		name string
		v    float64
	}{{"ServiceLevel", t.ServiceLevel}, {"MaxOccupancy", t.MaxOccupancy}, {"MaxAbandon", t.MaxAbandon}} {
		if !(f.v >= 0 && f.v <= 1) {
			bad("Targets.%s %v not in [0,1]", f.name, f.v)
		}
	}
	if t.Within < 0 {
		bad("Targets.Within %v < 0", t.Within)
	}
	if t.MaxASA < 0 {
		bad("Targets.MaxASA %v < 0", t.MaxASA)
	}
}

// IsZero reports whether t sets no target.
func (t Targets) IsZero() bool {
	return t.ServiceLevel == 0 && t.MaxOccupancy == 0 && t.MaxASA == 0 && t.MaxAbandon == 0
}

// perf is a Performance in float seconds, as the maths computes it.
type perf struct {
	agents                   int
	load, wait, sl, asa, occ float64
	abandon                  float64
	unstable                 bool // Erlang C with load >= agents
}

func (p perf) public() Performance {
	return Performance{
		Agents:             p.agents,
		Load:               p.load,
		WaitProbability:    p.wait,
		ServiceLevel:       p.sl,
		ASA:                seconds(p.asa),
		Occupancy:          p.occ,
		AbandonProbability: p.abandon,
	}
}

// seconds converts float seconds to a Duration, rounding to the
// nanosecond and saturating.
func seconds(s float64) time.Duration {
	switch ns := math.Round(s * 1e9); {
	case !(ns > 0):
		return 0
	case ns >= math.MaxInt64:
		return math.MaxInt64
	default:
		return time.Duration(ns)
	}
}

// meets reports whether p meets t, with float noise forgiven.
func (p perf) meets(t Targets) bool {
	if p.unstable {
		return false
	}
	if t.ServiceLevel > 0 && (t.ServiceLevel >= 1 || p.sl < t.ServiceLevel*(1-slack)) {
		return false
	}
	if t.MaxOccupancy > 0 && p.occ > t.MaxOccupancy*(1+slack) {
		return false
	}
	if t.MaxASA > 0 && p.asa > t.MaxASA.Seconds()*(1+slack) {
		return false
	}
	if t.MaxAbandon > 0 && p.abandon > t.MaxAbandon*(1+slack) {
		return false
	}
	return true
}

// Evaluate returns the performance of agents agents on q, with the
// service level measured against within. Without Patience it uses
// Erlang C and needs agents > Load(): otherwise it returns an error
// wrapping [ErrUnstable], with only Agents, Load, WaitProbability (1)
// and Occupancy (1) set. With Patience it uses Erlang A, which is
// always stable. With no traffic every arrival that never comes is
// answered at once: ServiceLevel 1, everything else 0. Invalid inputs
// give an error wrapping [ErrInvalid] that names each of them.
//
// Erlang C takes O(agents) time; Erlang A adds a sum over queue lengths
// of about √(Rate·Patience) + (Load − agents)·Patience/HandleTime terms.
func (q Queue) Evaluate(agents int, within time.Duration) (Performance, error) {
	err := q.validate()
	if agents < 0 {
		err = errors.Join(err, fmt.Errorf("%w: agents %d < 0", ErrInvalid, agents))
	}
	if within < 0 {
		err = errors.Join(err, fmt.Errorf("%w: within %v < 0", ErrInvalid, within))
	}
	if err != nil {
		return Performance{}, err
	}
	p := q.evaluate(agents, within.Seconds())
	if p.unstable {
		return p.public(), fmt.Errorf("%w: %v erlangs on %d agents", ErrUnstable, p.load, agents)
	}
	return p.public(), nil
}

// evaluate is Evaluate for valid inputs; t in seconds.
func (q Queue) evaluate(n int, t float64) perf {
	a := q.Load()
	if a == 0 {
		return perf{agents: n, sl: 1}
	}
	if q.Patience > 0 {
		return erlangA(n, a, q.Rate, 1/q.HandleTime.Seconds(), 1/q.Patience.Seconds(), t)
	}
	if a >= float64(n) {
		return perf{agents: n, load: a, wait: 1, occ: 1, unstable: true}
	}
	return erlangCPerf(n, a, erlangB(n, a), q.HandleTime.Seconds(), t)
}

// erlangCPerf returns the Erlang C performance of n agents on load a
// (< n), with b = B(n, a), handle time h and threshold t in seconds.
func erlangCPerf(n int, a, b, h, t float64) perf {
	c := erlangC(n, a, b)
	gap := float64(n) - a
	return perf{
		agents: n,
		load:   a,
		wait:   c,
		sl:     1 - c*math.Exp(-gap*t/h),
		asa:    c * h / gap,
		occ:    a / float64(n),
	}
}

// Staff returns the performance of the least number of agents that
// meets every target in t: the service level within t.Within, and the
// maximum occupancy, ASA and abandon probability that are set. Without
// Patience only stable counts (agents > Load()) are considered; with
// Patience the Erlang A model is used, and t.MaxAbandon applies. Any
// traffic needs at least one agent; no traffic needs none.
//
// Errors wrap [ErrInvalid] when q or t is invalid or t sets no target
// (each problem is named), and [ErrUnreachable] when no count up to
// [MaxStaff] meets the targets.
//
// Without Patience Staff takes O(n) time for the n agents it returns
// (about 30 µs for 10,000 erlangs); with Patience, O(n·log n) plus the
// sums of [Queue.Evaluate] for about 2·log₂(n) counts.
func (q Queue) Staff(t Targets) (Performance, error) {
	err := errors.Join(q.validate(), t.validate())
	if err == nil && t.IsZero() {
		err = fmt.Errorf("%w: Targets sets no target", ErrInvalid)
	}
	if err != nil {
		return Performance{}, err
	}
	p, ok := q.staff(t)
	if !ok {
		return p.public(), fmt.Errorf("%w: %v erlangs, targets %+v", ErrUnreachable, q.Load(), t)
	}
	return p.public(), nil
}

// staff is Staff for valid inputs. It reports false when no count up to
// MaxStaff meets t.
func (q Queue) staff(t Targets) (perf, bool) {
	a := q.Load()
	if a == 0 {
		return perf{sl: 1}, true
	}
	if t.ServiceLevel >= 1 {
		return perf{load: a}, false
	}
	within := t.Within.Seconds()
	if q.Patience > 0 {
		return q.staffA(t, within)
	}
	if a >= MaxStaff {
		return perf{load: a}, false
	}
	// Erlang C: from the least stable count up, one agent at a time,
	// carrying B(n, A) along the recursion.
	n := int(math.Floor(a)) + 1
	if t.MaxOccupancy > 0 {
		n = max(n, ceilStaff(a/t.MaxOccupancy))
	}
	if n > MaxStaff {
		return perf{load: a}, false
	}
	h := q.HandleTime.Seconds()
	b := erlangB(n, a)
	for {
		p := erlangCPerf(n, a, b, h, within)
		if p.meets(t) {
			return p, true
		}
		if n == MaxStaff {
			return perf{load: a}, false
		}
		n++
		b = a * b / (float64(n) + a*b)
	}
}

// staffA finds the least count meeting t under Erlang A by doubling,
// then bisection: its measures improve with every agent added.
func (q Queue) staffA(t Targets, within float64) (perf, bool) {
	eval := func(n int) perf { return q.evaluate(n, within) }
	a := q.Load()
	hi := max(1, ceilStaff(a))
	lo := 0 // 0 agents answer nobody: never meets a target
	p := eval(hi)
	for !p.meets(t) {
		if hi >= MaxStaff {
			return perf{load: a}, false
		}
		lo, hi = hi, min(2*hi, MaxStaff)
		p = eval(hi)
	}
	best := p
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if m := eval(mid); m.meets(t) {
			hi, best = mid, m
		} else {
			lo = mid
		}
	}
	return best, true
}

// ceilStaff rounds x > 0 up to a count, forgiving float noise, and
// saturating above MaxStaff.
func ceilStaff(x float64) int {
	if x > MaxStaff {
		return MaxStaff + 1
	}
	return ceilCount(x)
}

// Scheduled returns the agents to schedule so that required agents are
// available when a share shrinkage of scheduled time is lost to breaks,
// training and absence: ⌈required / (1 − shrinkage)⌉. A fractional part
// within float noise (a relative 1e-12) adds no agent, so 21 required
// agents at a shrinkage of 0.3 schedule 30, not 31. The result saturates
// at math.MaxInt32.
//
// Errors wrap [ErrInvalid]: required < 0, or shrinkage outside [0,1).
func Scheduled(required int, shrinkage float64) (int, error) {
	var errs []error
	if required < 0 {
		errs = append(errs, fmt.Errorf("%w: required agents %d < 0", ErrInvalid, required))
	}
	if !(shrinkage >= 0 && shrinkage < 1) {
		errs = append(errs, fmt.Errorf("%w: shrinkage %v not in [0,1)", ErrInvalid, shrinkage))
	}
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return ceilCount(float64(required) / (1 - shrinkage)), nil
}
