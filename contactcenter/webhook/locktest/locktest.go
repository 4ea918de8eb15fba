package locktest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter/webhook"
)

// Harness tells the suite how to make the Lockers under test.
type Harness struct {
	// New returns n Lockers that share their locks, as the Lockers of n
	// replicas of a host do: each in a session (a process) of its own
	// where the implementation has sessions; an in-process Locker
	// returns one Locker n times. None holds a lock. It is called once
	// per subtest (and benchmark), with n at most 3; clean up with
	// t.Cleanup.
	New func(t testing.TB, n int) []webhook.Locker
	// Capacity is how many locks one of the Lockers New returns holds
	// at once at most; 0 for no bound. With a capacity, the suite
	// checks that Lock of one more key waits for a release, and keeps
	// to it elsewhere.
	Capacity int
	// Kill, if not nil, ends the sessions of l, one of the Lockers New
	// returned, as the death of its process would (for a database,
	// terminate its connections). The suite checks that its locks are
	// then released to the others, and that its unlock, called
	// afterwards, releases nobody else's. Nil skips the case: an
	// in-process Locker dies with its holders.
	Kill func(t testing.TB, l webhook.Locker)
}

// Waits of the suite. A Lock that must wait is given briefly and is
// expected to return context.DeadlineExceeded; one that must not wait is
// given generously, so that only a broken Locker makes a subtest slow.
const (
	briefly    = 150 * time.Millisecond
	generously = 20 * time.Second
)

// Run runs the conformance suite against the Lockers h makes.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("locktest: Harness.New is nil; want a constructor of Lockers sharing their locks")
	}
	var noCapacity, noKill string
	if h.Capacity == 0 {
		noCapacity = "Harness.Capacity is 0: the Lockers hold any number of locks"
	}
	if h.Kill == nil {
		noKill = "Harness.Kill is nil"
	}
	cases := []struct {
		name string
		n    int
		skip string
		run  func(t *testing.T, h Harness, ls []webhook.Locker)
	}{
		{name: "Lock/ThenUnlock", n: 1, run: testLockUnlock},
		{name: "Exclusion/SameLocker", n: 1, run: testExclusionSame},
		{name: "Exclusion/AcrossLockers", n: 2, run: testExclusionAcross},
		{name: "Exclusion/Handover", n: 2, run: testHandover},
		{name: "Keys/Independent", n: 2, run: testIndependent},
		{name: "Context/DoneBeforeLock", n: 2, run: testDoneBefore},
		{name: "Context/DeadlineWhileWaiting", n: 2, run: testDeadlineWaiting},
		{name: "Context/CancelWhileWaiting", n: 2, run: testCancelWaiting},
		{name: "Context/NotRetained", n: 2, run: testNotRetained},
		{name: "Unlock/Twice", n: 2, run: testUnlockTwice},
		{name: "Capacity/WaitsForARelease", n: 1, run: testCapacity, skip: noCapacity},
		{name: "Kill/ReleasesLocks", n: 3, run: testKill, skip: noKill},
		{name: "Concurrent/MutualExclusion", n: 3, run: testConcurrent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.skip != "" {
				t.Skip(c.skip)
			}
			ls := h.New(t, c.n)
			require.Len(t, ls, c.n, "Harness.New(t, %d): want %d Lockers", c.n, c.n)
			for i, l := range ls {
				require.NotNil(t, l, "Harness.New returned a nil Locker at %d", i)
			}
			c.run(t, h, ls)
		})
	}
}

// mustLock locks key on l, failing the test unless it does within
// generously. Should the test fail before it unlocks, the lock is
// released when it ends.
func mustLock(t testing.TB, l webhook.Locker, key, msg string) (unlock func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), generously)
	defer cancel()
	unlock, err := l.Lock(ctx, key)
	require.NoError(t, err, "%s: Lock(%q): want the lock", msg, key)
	require.NotNil(t, unlock, "%s: Lock(%q) returned no error and a nil unlock", msg, key)
	t.Cleanup(unlock) // a second call does nothing
	return unlock
}

// assertHeld asserts that Lock(key) on l waits: given briefly, it
// returns context.DeadlineExceeded.
func assertHeld(t testing.TB, l webhook.Locker, key, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), briefly)
	defer cancel()
	unlock, err := l.Lock(ctx, key)
	if err == nil {
		unlock()
	}
	assert.ErrorIs(t, err, context.DeadlineExceeded, "%s: Lock(%q) of a held key: want it to wait until its ctx expires", msg, key)
}

func testLockUnlock(t *testing.T, _ Harness, ls []webhook.Locker) {
	l := ls[0]
	unlock := mustLock(t, l, "event/expo", "a first Lock")
	unlock()
	unlock = mustLock(t, l, "event/expo", "a Lock after the unlock")
	unlock()
}

func testExclusionSame(t *testing.T, _ Harness, ls []webhook.Locker) {
	l := ls[0]
	unlock := mustLock(t, l, "event/expo", "a first Lock")
	assertHeld(t, l, "event/expo", "the same Locker while held")
	unlock()
	mustLock(t, l, "event/expo", "after the unlock")()
}

func testExclusionAcross(t *testing.T, _ Harness, ls []webhook.Locker) {
	a, b := ls[0], ls[1]
	unlock := mustLock(t, a, "attendee/expo/att-42", "replica A")
	assertHeld(t, b, "attendee/expo/att-42", "replica B while A holds")
	assertHeld(t, a, "attendee/expo/att-42", "replica A again while it holds")
	unlock()
	unlock = mustLock(t, b, "attendee/expo/att-42", "replica B after A's unlock")
	assertHeld(t, a, "attendee/expo/att-42", "replica A while B holds")
	unlock()
}

// testHandover: a waiter gets the lock only after the holder's unlock,
// which comes from another goroutine than the Lock.
func testHandover(t *testing.T, _ Harness, ls []webhook.Locker) {
	a, b := ls[0], ls[1]
	var released atomic.Bool
	locked := make(chan func())
	go func() {
		unlock, err := a.Lock(context.Background(), "event/expo")
		if err != nil {
			close(locked)
			return
		}
		locked <- unlock
	}()
	unlockA, ok := <-locked
	require.True(t, ok, "replica A's Lock in a goroutine: want the lock")
	t.Cleanup(unlockA)

	type result struct {
		unlock       func()
		err          error
		afterRelease bool
	}
	got := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), generously)
		defer cancel()
		unlock, err := b.Lock(ctx, "event/expo")
		got <- result{unlock: unlock, err: err, afterRelease: released.Load()}
	}()
	released.Store(true)
	unlockA() // from another goroutine than A's Lock
	r := <-got
	require.NoError(t, r.err, "replica B waiting for the key: want the lock once A unlocks")
	t.Cleanup(r.unlock)
	assert.True(t, r.afterRelease, "replica B: want the lock only after A's unlock")
	r.unlock()
}

func testIndependent(t *testing.T, _ Harness, ls []webhook.Locker) {
	a, b := ls[0], ls[1]
	unlock := mustLock(t, a, "event/expo", "replica A")
	defer unlock()
	for _, key := range []string{"event/expo-2", "event/exp", "event/expo/", "attendee/expo/att-1", "event/Expo",
		"event/möbius ✓", "event/" + string(make([]byte, 300))} {
		mustLock(t, b, key, fmt.Sprintf("replica B, another key than the one A holds (%d bytes)", len(key)))()
	}
	mustLock(t, a, "event/expo-3", "replica A, another key than the one it holds")()
}

func testDoneBefore(t *testing.T, _ Harness, ls []webhook.Locker) {
	a, b := ls[0], ls[1]
	for _, c := range []struct {
		name string
		ctx  context.Context
	}{{"cancelled", cancelled(t)}, {"past its deadline", expired(t)}} {
		unlock, err := a.Lock(c.ctx, "event/expo")
		if err == nil {
			unlock()
		}
		assert.ErrorIs(t, err, c.ctx.Err(), "Lock with a ctx %s, of a free key: want ctx.Err()", c.name)
		mustLock(t, b, "event/expo", "another replica after a Lock with a ctx "+c.name+": want the key free")()
	}
}

func testDeadlineWaiting(t *testing.T, _ Harness, ls []webhook.Locker) {
	a, b := ls[0], ls[1]
	unlock := mustLock(t, a, "event/expo", "replica A")
	assertHeld(t, b, "event/expo", "replica B while A holds")
	unlock()
	// B's expired wait holds nothing: A locks again, at once.
	mustLock(t, a, "event/expo", "replica A after B's wait expired")()
	mustLock(t, b, "event/expo", "replica B after B's wait expired")()
}

func testCancelWaiting(t *testing.T, _ Harness, ls []webhook.Locker) {
	a, b := ls[0], ls[1]
	unlock := mustLock(t, a, "event/expo", "replica A")
	ctx, cancel := context.WithCancel(context.Background())
	stop := time.AfterFunc(briefly, cancel)
	defer stop.Stop()
	unlockB, err := b.Lock(ctx, "event/expo")
	if err == nil {
		unlockB()
	}
	assert.ErrorIs(t, err, context.Canceled, "replica B's Lock, its ctx cancelled while it waits: want context.Canceled")
	unlock()
	mustLock(t, a, "event/expo", "replica A after B's cancelled wait")()
}

// testNotRetained: a lock outlives the ctx it was taken with.
func testNotRetained(t *testing.T, _ Harness, ls []webhook.Locker) {
	a, b := ls[0], ls[1]
	ctx, cancel := context.WithCancel(context.Background())
	unlock, err := a.Lock(ctx, "event/expo")
	require.NoError(t, err, "replica A: want the lock")
	t.Cleanup(unlock)
	cancel()
	assertHeld(t, b, "event/expo", "replica B after A's ctx was cancelled: want the key still A's")
	unlock()
	mustLock(t, b, "event/expo", "replica B after A's unlock")()
}

func testUnlockTwice(t *testing.T, _ Harness, ls []webhook.Locker) {
	a, b := ls[0], ls[1]
	first := mustLock(t, a, "event/expo", "replica A")
	first()
	first() // does nothing
	second := mustLock(t, b, "event/expo", "replica B after A's unlocks")
	first() // still nothing: B's lock stays
	assertHeld(t, a, "event/expo", "replica A after a third call of its old unlock: want the key still B's")
	second()
	mustLock(t, a, "event/expo", "replica A after B's unlock")()
}

func testCapacity(t *testing.T, h Harness, ls []webhook.Locker) {
	l := ls[0]
	unlocks := make([]func(), h.Capacity)
	for i := range unlocks {
		unlocks[i] = mustLock(t, l, fmt.Sprint("event/e-", i), "within the capacity")
	}
	assertHeld(t, l, "event/one-more", fmt.Sprintf("one more key than the capacity of %d", h.Capacity))
	unlocks[0]()
	mustLock(t, l, "event/one-more", "one more key once another is released")()
	for _, u := range unlocks[1:] {
		u()
	}
}

func testKill(t *testing.T, h Harness, ls []webhook.Locker) {
	dead, b, c := ls[0], ls[1], ls[2]
	unlock := mustLock(t, dead, "event/expo", "the replica to be killed")
	assertHeld(t, b, "event/expo", "another replica while the first holds")
	h.Kill(t, dead)
	unlockB := mustLock(t, b, "event/expo", "another replica once the holder is killed: want its lock released")
	unlock() // the dead holder's: must release nothing of B's
	assertHeld(t, c, "event/expo", "a third replica after the dead holder's unlock: want the key still B's")
	unlockB()
	mustLock(t, c, "event/expo", "a third replica after B's unlock")()
}

// testConcurrent has workers on every Locker lock a few keys at once,
// and checks that at most one holds a key at a time.
func testConcurrent(t *testing.T, h Harness, ls []webhook.Locker) {
	const workers, rounds = 9, 15
	keys := []string{"event/expo", "attendee/expo/att-1", "event/summit"}
	var (
		holders [3]atomic.Int32
		done    [3]atomic.Int32
		overlap atomic.Int32
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []error
	)
	start := make(chan struct{})
	for w := range workers {
		l := ls[w%len(ls)]
		wg.Go(func() {
			<-start
			for r := range rounds {
				k := (w + r) % len(keys)
				ctx, cancel := context.WithTimeout(context.Background(), generously)
				unlock, err := l.Lock(ctx, keys[k])
				cancel()
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				if holders[k].Add(1) != 1 {
					overlap.Add(1)
				}
				done[k].Add(1)
				holders[k].Add(-1)
				unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	require.Empty(t, errs, "concurrent Locks: want every one to succeed")
	assert.Zero(t, overlap.Load(), "want at most one holder of a key at a time")
	var total int32
	for k := range keys {
		total += done[k].Load()
	}
	assert.Equal(t, int32(workers*rounds), total, "want every Lock to have held its key once")
}

// Benchmark measures Lock and unlock: one key again and again, and
// distinct keys in parallel.
func Benchmark(b *testing.B, h Harness) {
	b.Helper()
	if h.New == nil {
		b.Fatal("locktest: Harness.New is nil; want a constructor of Lockers sharing their locks")
	}
	b.Run("OneKey", func(b *testing.B) {
		l := h.New(b, 1)[0]
		ctx := context.Background()
		for b.Loop() {
			unlock, err := l.Lock(ctx, "event/expo")
			if err != nil {
				b.Fatal(err)
			}
			unlock()
		}
	})
	b.Run("DistinctKeys", func(b *testing.B) {
		l := h.New(b, 1)[0]
		ctx := context.Background()
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			key := fmt.Sprint("event/e-", next.Add(1))
			for pb.Next() {
				unlock, err := l.Lock(ctx, key)
				if err != nil {
					b.Error(err)
					return
				}
				unlock()
			}
		})
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
