package replaytest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter/webhook"
)

// Harness tells the suite how to make the ReplayStore under test.
type Harness struct {
	// New returns an empty ReplayStore. It is called once per subtest
	// (and benchmark); clean up with t.Cleanup.
	New func(t testing.TB) webhook.ReplayStore
	// Capacity is how many claims the stores New returns hold at most;
	// 0 for stores bounded only by time. With a capacity, the suite
	// checks that a full store returns webhook.ErrReplayFull and has
	// room again once claims expire.
	Capacity int
	// Retention is how long past a claim's Until the store keeps it at
	// most (a durable store shared by replicas keeps it a little longer,
	// for the skew between their clocks). The suite checks that a claim
	// is forgotten once now is more than Retention past its Until.
	Retention time.Duration
}

// tolerance is the signature check's tolerance the suite's claims carry.
const tolerance = 5 * time.Minute

// at is the instant the suite's deliveries are signed: whole seconds in
// UTC, as a Handler's claims are.
var at = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)

// Run runs the conformance suite against the ReplayStores h makes.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("replaytest: Harness.New is nil; want a constructor of empty ReplayStores")
	}
	cases := []struct {
		name string
		run  func(t *testing.T, h Harness, s webhook.ReplayStore)
	}{
		{"Claim/First", testFirst},
		{"Claim/Replayed", testReplayed},
		{"Claim/HeldThroughUntil", testHeldThroughUntil},
		{"Claim/SignedAfresh", testSignedAfresh},
		{"Claim/DeliveriesIsolated", testIsolated},
		{"Release/ThenClaim", testRelease},
		{"Expiry/Forgotten", testForgotten},
		{"Capacity/Full", testFull},
		{"Context/Cancelled", func(t *testing.T, _ Harness, s webhook.ReplayStore) { testDone(t, s, cancelled(t)) }},
		{"Context/DeadlineExceeded", func(t *testing.T, _ Harness, s webhook.ReplayStore) { testDone(t, s, expired(t)) }},
		{"Concurrent/SameDelivery", testConcurrentSame},
		{"Concurrent/DistinctDeliveries", testConcurrentDistinct},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := h.New(t)
			require.NotNil(t, s, "Harness.New returned a nil ReplayStore; want an empty one")
			c.run(t, h, s)
		})
	}
}

// claim is delivery id signed at signed, as a Handler with the suite's
// tolerance claims it.
func claim(id string, signed time.Time) webhook.ReplayClaim {
	return webhook.ReplayClaim{ID: id, Signed: signed, Until: signed.Add(tolerance)}
}

func mustClaim(t *testing.T, s webhook.ReplayStore, c webhook.ReplayClaim, now time.Time, msg string) {
	t.Helper()
	require.NoError(t, s.Claim(t.Context(), c, now), "%s: Claim(%s signed at %s) at %s: want it claimed", msg, c.ID, c.Signed, now)
}

func assertReplayed(t *testing.T, s webhook.ReplayStore, c webhook.ReplayClaim, now time.Time, msg string) {
	t.Helper()
	assert.ErrorIs(t, s.Claim(t.Context(), c, now), webhook.ErrReplayed,
		"%s: Claim(%s signed at %s) at %s: want webhook.ErrReplayed", msg, c.ID, c.Signed, now)
}

func testFirst(t *testing.T, _ Harness, s webhook.ReplayStore) {
	mustClaim(t, s, claim("d1", at), at, "a new store")
}

func testReplayed(t *testing.T, _ Harness, s webhook.ReplayStore) {
	mustClaim(t, s, claim("d1", at), at, "a first claim")
	assertReplayed(t, s, claim("d1", at), at, "the same claim at once")
	assertReplayed(t, s, claim("d1", at), at.Add(time.Minute), "the same claim a minute later")
	// Received early: the sender's clock ahead of the receiver's.
	early := at.Add(time.Hour)
	mustClaim(t, s, claim("d2", early), early.Add(-tolerance), "a claim signed ahead of now")
	assertReplayed(t, s, claim("d2", early), early, "the claim signed ahead, at its signing instant")
}

// testHeldThroughUntil: the signature check accepts a delivery at Until
// inclusive, so the claim must still be held then, even after other
// claims (which may sweep expired ones) at that instant.
func testHeldThroughUntil(t *testing.T, _ Harness, s webhook.ReplayStore) {
	c := claim("d1", at)
	mustClaim(t, s, c, at, "a first claim")
	mustClaim(t, s, claim("d2", c.Until), c.Until, "another delivery at d1's Until")
	mustClaim(t, s, claim("d3", c.Until), c.Until.Add(-time.Nanosecond), "another delivery just before d1's Until")
	assertReplayed(t, s, c, c.Until, "the same claim at its Until")
	assertReplayed(t, s, c, c.Until.Add(-time.Nanosecond), "the same claim just before its Until")
}

func testSignedAfresh(t *testing.T, _ Harness, s webhook.ReplayStore) {
	mustClaim(t, s, claim("d1", at), at, "a first claim")
	mustClaim(t, s, claim("d1", at.Add(time.Second)), at.Add(time.Second), "the same delivery signed a second later")
	mustClaim(t, s, claim("d1", at.Add(-time.Second)), at.Add(time.Second), "the same delivery signed a second earlier")
	assertReplayed(t, s, claim("d1", at.Add(time.Second)), at.Add(2*time.Second), "the attempt signed a second later, again")
}

func testIsolated(t *testing.T, _ Harness, s webhook.ReplayStore) {
	mustClaim(t, s, claim("d1", at), at, "a first claim")
	for _, id := range []string{"d10", "d", "D1", "d1 ", "dlv:d1"} {
		mustClaim(t, s, claim(id, at), at, fmt.Sprintf("delivery %q beside d1", id))
	}
	assertReplayed(t, s, claim("d1", at), at, "d1 among others")
}

func testRelease(t *testing.T, _ Harness, s webhook.ReplayStore) {
	ctx := t.Context()
	mustClaim(t, s, claim("d1", at), at, "a first claim")
	mustClaim(t, s, claim("d1", at.Add(time.Second)), at.Add(time.Second), "a second attempt")
	require.NoError(t, s.Release(ctx, "d1", at), "Release of a held claim: want no error")
	mustClaim(t, s, claim("d1", at), at.Add(2*time.Second), "a released claim again")
	assertReplayed(t, s, claim("d1", at.Add(time.Second)), at.Add(2*time.Second), "the attempt not released")
	require.NoError(t, s.Release(ctx, "d-none", at), "Release of what is not held: want no error")
	require.NoError(t, s.Release(ctx, "d1", at.Add(time.Hour)), "Release of a timestamp not held: want no error")
	assertReplayed(t, s, claim("d1", at), at.Add(3*time.Second), "after releasing another timestamp")
}

func testForgotten(t *testing.T, h Harness, s webhook.ReplayStore) {
	c := claim("d1", at)
	mustClaim(t, s, c, at, "a first claim")
	after := c.Until.Add(h.Retention + time.Second)
	mustClaim(t, s, claim("d2", after), after, "a claim after d1's retention")
	mustClaim(t, s, c, after, "the same claim after its retention (the store must forget claims to stay bounded)")
}

func testFull(t *testing.T, h Harness, s webhook.ReplayStore) {
	if h.Capacity == 0 {
		t.Skip("the store is bounded by time only (Harness.Capacity is 0)")
	}
	for i := range h.Capacity {
		mustClaim(t, s, claim(fmt.Sprint("d", i), at), at, "filling the store")
	}
	err := s.Claim(t.Context(), claim("d-over", at), at)
	require.ErrorIs(t, err, webhook.ErrReplayFull, "a claim beyond the capacity: want webhook.ErrReplayFull")
	assert.NotErrorIs(t, err, webhook.ErrReplayed, "a new delivery refused for room is no replay")
	after := at.Add(tolerance + h.Retention + time.Second)
	mustClaim(t, s, claim("d-over", after), after, "once the claims expired")
}

func testDone(t *testing.T, s webhook.ReplayStore, done context.Context) {
	want := done.Err()
	require.Error(t, want)
	assert.ErrorIs(t, s.Claim(done, claim("d1", at), at), want, "Claim with a done ctx: want ctx.Err()")
	mustClaim(t, s, claim("d1", at), at, "after a Claim with a done ctx (which must change nothing)")
	assert.ErrorIs(t, s.Release(done, "d1", at), want, "Release with a done ctx: want ctx.Err()")
	assertReplayed(t, s, claim("d1", at), at, "after a Release with a done ctx (which must change nothing)")
}

// testConcurrentSame races writers claiming the same delivery: exactly
// one must pass, as when two replicas receive one replayed request.
func testConcurrentSame(t *testing.T, _ Harness, s webhook.ReplayStore) {
	const writers, rounds = 8, 20
	for r := range rounds {
		c := claim(fmt.Sprint("race-", r), at)
		var (
			wg       sync.WaitGroup
			passed   atomic.Int32
			mu       sync.Mutex
			failures []error
		)
		start := make(chan struct{})
		for range writers {
			wg.Go(func() {
				<-start
				err := s.Claim(t.Context(), c, at)
				switch {
				case err == nil:
					passed.Add(1)
				case !errors.Is(err, webhook.ErrReplayed):
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		require.Empty(t, failures, "round %d: concurrent claims of one delivery: want nil or webhook.ErrReplayed only", r)
		require.EqualValues(t, 1, passed.Load(), "round %d: %d writers claiming one delivery at once: want exactly one to pass", r, writers)
	}
}

func testConcurrentDistinct(t *testing.T, _ Harness, s webhook.ReplayStore) {
	const workers, rounds = 6, 25
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				id := fmt.Sprintf("w%d-d%d", w, r)
				now := at.Add(time.Duration(r) * time.Second)
				err := s.Claim(t.Context(), claim(id, now), now)
				if err == nil && r%2 == 0 {
					err = s.Release(t.Context(), id, now)
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	require.Empty(t, errs, "concurrent claims and releases of distinct deliveries: want no error")
	for w := range workers {
		for r := range rounds {
			c := claim(fmt.Sprintf("w%d-d%d", w, r), at.Add(time.Duration(r)*time.Second))
			if r%2 == 0 {
				mustClaim(t, s, c, c.Signed, "a claim released concurrently")
			} else {
				assertReplayed(t, s, c, c.Signed, "a claim made concurrently")
			}
		}
	}
}

// Benchmark measures Claim of distinct deliveries, signed one per
// millisecond of a simulated clock, as a Handler under load makes them.
func Benchmark(b *testing.B, h Harness) {
	if h.New == nil {
		b.Fatal("replaytest: Harness.New is nil; want a constructor of empty ReplayStores")
	}
	b.Run("Claim", func(b *testing.B) {
		s := h.New(b)
		ctx := context.Background()
		i := 0
		for b.Loop() {
			now := at.Add(time.Duration(i) * time.Millisecond)
			c := webhook.ReplayClaim{ID: fmt.Sprint("bench-", i), Signed: now.Truncate(time.Second)}
			c.Until = c.Signed.Add(tolerance)
			if err := s.Claim(ctx, c, now); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func cancelled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}

func expired(t *testing.T) context.Context {
	ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
	t.Cleanup(cancel)
	return ctx
}
