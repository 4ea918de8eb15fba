package scalingtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/scaling"
)

// The modalities the suite feeds: two of the kinds of package modality, so
// that a source reading real channels serves them.
const (
	Telephony = "telephony"
	Chat      = "chat"
)

// Feeder produces traffic on the source under test, standing in for the
// attendees who reach the service. The suite calls it with instants that
// only move forward within a subtest, and from several goroutines at once
// (for different services) in the concurrency case.
type Feeder interface {
	// Arrive makes n engagements of the modality (Telephony or Chat)
	// arrive on serviceID at the instant at. Any service ID must do: the
	// suite never declares its services first.
	Arrive(ctx context.Context, serviceID, modality string, n int, at time.Time) error
}

// Harness is what [Run] needs to test a [scaling.TrafficSource].
type Harness struct {
	// New returns a new source that has seen no service, and the Feeder
	// that produces traffic on it. It is called once per subtest, with
	// that subtest's t, and may register cleanups with it.
	New func(t *testing.T) (scaling.TrafficSource, Feeder)
}

// t0 is the instant every subtest starts at.
var t0 = time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)

// Run runs the conformance suite against the sources h makes, one named
// subtest per sentence of the [scaling.TrafficSource] contract.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.New, "Harness.New is required")

	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture)
	}{
		{"FirstCall/ZeroArrivals", testFirstCallZero},
		{"Arrivals/InNextSampleOfModality", testArrivalsInNext},
		{"Arrivals/CountedOnce", testArrivalsOnce},
		{"OneSamplePerModality", testOnePerModality},
		{"Interval/SincePreviousCall", testInterval},
		{"At/IsNow", testAtIsNow},
		{"Services/Isolated", testIsolated},
		{"Result/CallerOwns", testCallerOwns},
		{"Context/Canceled", testCanceled},
		{"Concurrency/Services", testConcurrency},
		{"Forgetter/NextCallIsFirst", testForget},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, feed := h.New(t)
			require.NotNil(t, src, "Harness.New must return a source")
			require.NotNil(t, feed, "Harness.New must return a Feeder")
			c.run(t, &fixture{src: src, feed: feed})
		})
	}
}

// fixture is one subtest's source and feeder.
type fixture struct {
	src  scaling.TrafficSource
	feed Feeder
}

// samples calls Samples and requires it to succeed.
func (f *fixture) samples(t *testing.T, svc string, now time.Time) []scaling.Sample {
	t.Helper()
	ss, err := f.src.Samples(t.Context(), svc, now)
	require.NoError(t, err, "Samples(%q, %v) failed; want samples", svc, now)
	return ss
}

// arrive feeds n arrivals and requires the feeder to succeed.
func (f *fixture) arrive(t *testing.T, svc, modality string, n int, at time.Time) {
	t.Helper()
	require.NoError(t, f.feed.Arrive(t.Context(), svc, modality, n, at),
		"Feeder.Arrive(%q, %q, %d) failed", svc, modality, n)
}

// arrivals returns the arrivals ss reports for modality, and whether it
// has a sample of it.
func arrivals(ss []scaling.Sample, modality string) (int, bool) {
	for _, s := range ss {
		if s.Modality == modality {
			return s.Arrivals, true
		}
	}
	return 0, false
}

// checkArrivals asserts that ss reports want arrivals for each modality
// of want, and none for any other modality.
func checkArrivals(t *testing.T, ss []scaling.Sample, want map[string]int, what string) {
	t.Helper()
	for m, n := range want {
		got, ok := arrivals(ss, m)
		if n > 0 && !assert.True(t, ok, "%s: no sample of %q; want one with %d arrivals", what, m, n) {
			continue
		}
		assert.Equal(t, n, got, "%s: arrivals of %q", what, m)
	}
	for _, s := range ss {
		if _, ok := want[s.Modality]; !ok {
			assert.Zero(t, s.Arrivals, "%s: arrivals of %q, which got none; want 0", what, s.Modality)
		}
	}
}

func testFirstCallZero(t *testing.T, f *fixture) {
	// Traffic before the first call is not in it.
	f.arrive(t, "svc", Telephony, 3, t0.Add(-time.Minute))
	f.arrive(t, "svc", Chat, 2, t0.Add(-time.Second))
	ss := f.samples(t, "svc", t0)
	for _, s := range ss {
		assert.Zero(t, s.Arrivals, "first call, %q: arrivals; want 0 (the first call covers nothing)", s.Modality)
		assert.Zero(t, s.Completed, "first call, %q: completions; want 0", s.Modality)
		assert.Zero(t, s.Abandoned, "first call, %q: abandonments; want 0", s.Modality)
		assert.Zero(t, s.Interval, "first call, %q: interval; want 0", s.Modality)
	}
	// A service never fed has nothing either.
	for _, s := range f.samples(t, "quiet", t0) {
		assert.Zero(t, s.Arrivals, "first call of an unfed service, %q: arrivals; want 0", s.Modality)
	}
}

// testForget checks the optional [scaling.Forgetter]: after Forget, the
// next call for the service is a first call again, and other services
// are untouched.
func testForget(t *testing.T, f *fixture) {
	fg, ok := f.src.(scaling.Forgetter)
	if !ok {
		t.Skipf("%T does not implement scaling.Forgetter", f.src)
	}
	f.samples(t, "svc", t0)
	f.samples(t, "other", t0)
	f.arrive(t, "svc", Telephony, 3, t0.Add(10*time.Second))
	f.arrive(t, "other", Telephony, 2, t0.Add(10*time.Second))
	fg.Forget("svc")
	fg.Forget("never-seen") // does nothing
	for _, s := range f.samples(t, "svc", t0.Add(time.Minute)) {
		assert.Zero(t, s.Arrivals, "after Forget, %q: arrivals; want 0 (a first call again)", s.Modality)
		assert.Zero(t, s.Interval, "after Forget, %q: interval; want 0 (a first call again)", s.Modality)
	}
	checkArrivals(t, f.samples(t, "other", t0.Add(time.Minute)), map[string]int{Telephony: 2}, "another service, after Forget of svc")
}

func testArrivalsInNext(t *testing.T, f *fixture) {
	f.samples(t, "svc", t0)
	f.arrive(t, "svc", Telephony, 3, t0.Add(10*time.Second))
	f.arrive(t, "svc", Chat, 2, t0.Add(20*time.Second))
	f.arrive(t, "svc", Telephony, 1, t0.Add(30*time.Second))
	ss := f.samples(t, "svc", t0.Add(time.Minute))
	checkArrivals(t, ss, map[string]int{Telephony: 4, Chat: 2}, "after 4 calls and 2 chats")
}

func testArrivalsOnce(t *testing.T, f *fixture) {
	f.samples(t, "svc", t0)
	f.arrive(t, "svc", Telephony, 5, t0.Add(10*time.Second))
	checkArrivals(t, f.samples(t, "svc", t0.Add(time.Minute)), map[string]int{Telephony: 5}, "interval with 5 calls")
	checkArrivals(t, f.samples(t, "svc", t0.Add(2*time.Minute)), map[string]int{Telephony: 0},
		"the next interval, with no traffic (each arrival is counted once)")
	f.arrive(t, "svc", Chat, 1, t0.Add(150*time.Second))
	checkArrivals(t, f.samples(t, "svc", t0.Add(3*time.Minute)), map[string]int{Telephony: 0, Chat: 1},
		"the interval after, with 1 chat")
}

func testOnePerModality(t *testing.T, f *fixture) {
	f.samples(t, "svc", t0)
	for i := range 3 {
		f.arrive(t, "svc", Telephony, 1, t0.Add(time.Duration(i+1)*time.Second))
		f.arrive(t, "svc", Chat, 1, t0.Add(time.Duration(i+1)*time.Second))
	}
	ss := f.samples(t, "svc", t0.Add(time.Minute))
	seen := map[string]int{}
	for _, s := range ss {
		seen[s.Modality]++
	}
	for m, n := range seen {
		assert.Equal(t, 1, n, "samples of %q in one call; want one per modality", m)
	}
	checkArrivals(t, ss, map[string]int{Telephony: 3, Chat: 3}, "after 3 calls and 3 chats")
}

func testInterval(t *testing.T, f *fixture) {
	calls := []time.Duration{0, time.Minute, 3 * time.Minute, 3*time.Minute + 500*time.Millisecond}
	for i, at := range calls {
		if i > 0 {
			f.arrive(t, "svc", Telephony, 1, t0.Add(at-time.Millisecond))
		}
		ss := f.samples(t, "svc", t0.Add(at))
		if i == 0 {
			continue
		}
		require.NotEmpty(t, ss, "call %d: no samples after an arrival; want one of %q", i, Telephony)
		want := at - calls[i-1]
		for _, s := range ss {
			assert.Equal(t, want, s.Interval, "call %d, %q: interval; want the time since the previous call", i, s.Modality)
		}
	}
}

func testAtIsNow(t *testing.T, f *fixture) {
	for i, at := range []time.Time{t0, t0.Add(time.Minute), t0.Add(90 * time.Second)} {
		f.arrive(t, "svc", Chat, 1, at.Add(-time.Millisecond))
		for _, s := range f.samples(t, "svc", at) {
			assert.True(t, s.At.Equal(at), "call %d, %q: At %v; want now, %v", i, s.Modality, s.At, at)
		}
	}
}

func testIsolated(t *testing.T, f *fixture) {
	f.samples(t, "a", t0)
	f.samples(t, "b", t0.Add(time.Second))
	f.arrive(t, "a", Telephony, 7, t0.Add(10*time.Second))
	f.arrive(t, "b", Chat, 2, t0.Add(10*time.Second))
	checkArrivals(t, f.samples(t, "a", t0.Add(time.Minute)), map[string]int{Telephony: 7}, "service a, fed 7 calls")
	// b's interval started a second after a's and runs on its own.
	sb := f.samples(t, "b", t0.Add(2*time.Minute))
	checkArrivals(t, sb, map[string]int{Chat: 2}, "service b, fed 2 chats")
	for _, s := range sb {
		assert.Equal(t, 2*time.Minute-time.Second, s.Interval, "service b, %q: interval; want the time since b's own previous call", s.Modality)
	}
	// A service the others' traffic never touched.
	f.samples(t, "c", t0)
	f.arrive(t, "a", Telephony, 1, t0.Add(61*time.Second))
	checkArrivals(t, f.samples(t, "c", t0.Add(2*time.Minute)), map[string]int{}, "service c, never fed")
}

func testCallerOwns(t *testing.T, f *fixture) {
	f.samples(t, "svc", t0)
	f.arrive(t, "svc", Telephony, 2, t0.Add(time.Second))
	f.arrive(t, "svc", Chat, 1, t0.Add(time.Second))
	first := f.samples(t, "svc", t0.Add(time.Minute))
	checkArrivals(t, first, map[string]int{Telephony: 2, Chat: 1}, "before any change")

	f.arrive(t, "svc", Telephony, 4, t0.Add(61*time.Second))
	second := f.samples(t, "svc", t0.Add(2*time.Minute))
	keep := append([]scaling.Sample(nil), second...)

	// Scribble over the first result, in place and beyond its length.
	for i := range first {
		first[i] = scaling.Sample{Modality: "scribbled", Arrivals: 1000, Interval: -1, Queued: 1000}
	}
	_ = append(first[:cap(first)], scaling.Sample{Modality: "appended", Arrivals: 1000})
	assert.Equal(t, keep, second, "a later result changed when the caller changed an earlier one; want results independent")

	f.arrive(t, "svc", Chat, 3, t0.Add(121*time.Second))
	third := f.samples(t, "svc", t0.Add(3*time.Minute))
	for i := range second {
		second[i].Arrivals = -1
		second[i].Modality = "scribbled"
	}
	checkArrivals(t, third, map[string]int{Telephony: 0, Chat: 3}, "after the caller changed earlier results")
	for _, s := range third {
		assert.NotEqual(t, "scribbled", s.Modality, "a result carries a modality the caller wrote into an earlier one")
		assert.Equal(t, time.Minute, s.Interval, "%q: interval after the caller changed earlier results", s.Modality)
	}
}

func testCanceled(t *testing.T, f *fixture) {
	f.samples(t, "svc", t0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := f.src.Samples(ctx, "svc", t0.Add(time.Minute))
	assert.ErrorIs(t, err, context.Canceled, "Samples with a cancelled ctx; want context.Canceled")
	_, err = f.src.Samples(ctx, "fresh", t0)
	assert.ErrorIs(t, err, context.Canceled, "first Samples of a service with a cancelled ctx; want context.Canceled")
}

func testConcurrency(t *testing.T, f *fixture) {
	const services, rounds = 8, 20
	ctx := t.Context()
	var wg sync.WaitGroup
	for g := range services {
		wg.Go(func() {
			svc := fmt.Sprintf("svc-%d", g)
			modality := Telephony
			if g%2 == 1 {
				modality = Chat
			}
			now := t0
			if _, err := f.src.Samples(ctx, svc, now); !assert.NoError(t, err, "%s: first Samples", svc) {
				return
			}
			for r := range rounds {
				n := g + r%3 + 1
				if err := f.feed.Arrive(ctx, svc, modality, n, now.Add(time.Second)); !assert.NoError(t, err, "%s: Arrive", svc) {
					return
				}
				now = now.Add(time.Minute)
				ss, err := f.src.Samples(ctx, svc, now)
				if !assert.NoError(t, err, "%s: Samples, round %d", svc, r) {
					return
				}
				want := map[string]int{modality: n}
				if !checkConcurrent(t, ss, want, fmt.Sprintf("%s, round %d", svc, r)) {
					return
				}
			}
		})
	}
	wg.Wait()
}

// checkConcurrent is checkArrivals for goroutines: it reports whether the
// checks passed, so the goroutine can stop at the first failure.
func checkConcurrent(t *testing.T, ss []scaling.Sample, want map[string]int, what string) bool {
	t.Helper()
	ok := true
	for m, n := range want {
		got, _ := arrivals(ss, m)
		ok = assert.Equal(t, n, got, "%s: arrivals of %q; want only this service's", what, m) && ok
	}
	for _, s := range ss {
		if _, in := want[s.Modality]; !in {
			ok = assert.Zero(t, s.Arrivals, "%s: arrivals of %q, which got none; want 0", what, s.Modality) && ok
		}
	}
	return ok
}
