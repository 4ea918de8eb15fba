package versionstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter/webhook"
)

// Harness tells the suite how to make the VersionStore under test.
type Harness struct {
	// New returns an empty VersionStore. It is called once per subtest;
	// clean up with t.Cleanup.
	New func(t *testing.T) webhook.VersionStore
}

// Run runs the conformance suite against the VersionStores h makes.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("versionstest: Harness.New is nil; want a constructor of empty VersionStores")
	}
	cases := []struct {
		name string
		run  func(t *testing.T, s webhook.VersionStore)
	}{
		{"Last/Empty", testEmpty},
		{"Put/ThenLast", testPutLast},
		{"Put/ReplacesOnlyWithNewer", testOnlyNewer},
		{"Put/OrderedByVersionThenUpdateTime", testOrder},
		{"Put/IncomparableNotNewer", testIncomparable},
		{"Subjects/Isolated", testIsolated},
		{"Context/Cancelled", func(t *testing.T, s webhook.VersionStore) { testDone(t, s, cancelled(t)) }},
		{"Context/DeadlineExceeded", func(t *testing.T, s webhook.VersionStore) { testDone(t, s, expired(t)) }},
		{"Concurrent/DistinctSubjects", testConcurrent},
		{"Concurrent/SameStamp", testConcurrentSameStamp},
		{"Concurrent/NewestWins", testConcurrentNewestWins},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := h.New(t)
			require.NotNil(t, s, "Harness.New returned a nil VersionStore; want an empty one")
			c.run(t, s)
		})
	}
}

// at is an instant any store can hold: whole seconds in UTC.
var at = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)

func record(version int64, delivery string) webhook.Record {
	return webhook.Record{Stamp: webhook.Stamp{Version: version, UpdatedAt: at.Add(time.Duration(version) * time.Minute)},
		Delivery: delivery, Status: 200, Change: "extended"}
}

func refusal() webhook.Record {
	return webhook.Record{Stamp: webhook.Stamp{UpdatedAt: at}, Delivery: "d-409", Status: 409, Code: "expired", Error: "term already expired"}
}

// assertLast asserts that want is the record of subject.
func assertLast(t *testing.T, s webhook.VersionStore, subject string, want webhook.Record, msg string) {
	t.Helper()
	got, ok, err := s.Last(t.Context(), subject)
	require.NoError(t, err, "%s: Last(%q): want no error", msg, subject)
	if assert.True(t, ok, "%s: Last(%q): want a record", msg, subject) {
		assert.True(t, want.Stamp.UpdatedAt.Equal(got.Stamp.UpdatedAt), "%s: want the update time kept as an instant", msg)
		got.Stamp.UpdatedAt = want.Stamp.UpdatedAt
		assert.Equal(t, want, got, "%s: Last(%q): want the record put last", msg, subject)
	}
}

func assertNone(t *testing.T, s webhook.VersionStore, subject, msg string) {
	t.Helper()
	got, ok, err := s.Last(t.Context(), subject)
	require.NoError(t, err, "%s: Last(%q) of a subject without a record: want no error", msg, subject)
	assert.False(t, ok, "%s: Last(%q): want no record, got %+v", msg, subject, got)
}

func mustPut(t *testing.T, s webhook.VersionStore, subject string, r webhook.Record) {
	t.Helper()
	require.NoError(t, s.Put(t.Context(), subject, r), "Put(%q): want no error", subject)
}

func testEmpty(t *testing.T, s webhook.VersionStore) {
	assertNone(t, s, "event/expo", "a new store")
}

func testPutLast(t *testing.T, s webhook.VersionStore) {
	mustPut(t, s, "event/expo", record(3, "d3"))
	assertLast(t, s, "event/expo", record(3, "d3"), "after Put")
	mustPut(t, s, "attendee/expo/att-42", refusal())
	assertLast(t, s, "attendee/expo/att-42", refusal(), "a refusal, with only an update time")
}

// assertNotNewer asserts that Put(subject, r) fails with
// webhook.ErrNotNewer and leaves want as the record.
func assertNotNewer(t *testing.T, s webhook.VersionStore, subject string, r, want webhook.Record, msg string) {
	t.Helper()
	assert.ErrorIs(t, s.Put(t.Context(), subject, r), webhook.ErrNotNewer, "%s: Put(%q): want webhook.ErrNotNewer", msg, subject)
	assertLast(t, s, subject, want, msg+": want the record unchanged")
}

func testOnlyNewer(t *testing.T, s webhook.VersionStore) {
	mustPut(t, s, "event/expo", record(3, "d3"))
	mustPut(t, s, "event/expo", record(5, "d5"))
	assertLast(t, s, "event/expo", record(5, "d5"), "after a Put of a higher version")
	assertNotNewer(t, s, "event/expo", record(4, "d4"), record(5, "d5"), "a Put of a lower version")
	same := record(5, "d5-bis")
	same.Change = "shortened"
	assertNotNewer(t, s, "event/expo", same, record(5, "d5"), "a Put of the same version")
}

// stamped is a record with stamp st.
func stamped(st webhook.Stamp, delivery string) webhook.Record {
	return webhook.Record{Stamp: st, Delivery: delivery, Status: 200, Change: "extended"}
}

func testOrder(t *testing.T, s webhook.VersionStore) {
	// Versions decide when both stamps carry one, whatever the times.
	v3 := stamped(webhook.Stamp{Version: 3, UpdatedAt: at.Add(time.Hour)}, "v3")
	mustPut(t, s, "event/v", v3)
	v4 := stamped(webhook.Stamp{Version: 4, UpdatedAt: at}, "v4")
	mustPut(t, s, "event/v", v4)
	assertLast(t, s, "event/v", v4, "a higher version with an earlier update time")
	assertNotNewer(t, s, "event/v", stamped(webhook.Stamp{Version: 2, UpdatedAt: at.Add(2 * time.Hour)}, "v2"), v4,
		"a lower version with a later update time")
	// Update times decide otherwise, to the nanosecond and as instants.
	assertNotNewer(t, s, "event/v", stamped(webhook.Stamp{UpdatedAt: at.In(time.FixedZone("CET", 3600))}, "t-same"), v4,
		"only the same update time, in another zone")
	t1 := stamped(webhook.Stamp{UpdatedAt: at.Add(time.Nanosecond)}, "t1")
	mustPut(t, s, "event/v", t1)
	assertLast(t, s, "event/v", t1, "only an update time a nanosecond later")
	assertNotNewer(t, s, "event/v", stamped(webhook.Stamp{Version: 9, UpdatedAt: at}, "v9"), t1,
		"a version (the record has none) with an update time a nanosecond earlier")
	t2 := stamped(webhook.Stamp{UpdatedAt: at.Add(2 * time.Nanosecond)}, "t2")
	mustPut(t, s, "event/v", t2)
	assertLast(t, s, "event/v", t2, "an update time a nanosecond later again")
	// Before the Unix epoch: seconds and nanoseconds order as instants.
	e1 := stamped(webhook.Stamp{UpdatedAt: time.Date(1960, 1, 1, 0, 0, 0, 900, time.UTC)}, "e1")
	mustPut(t, s, "event/epoch", e1)
	e2 := stamped(webhook.Stamp{UpdatedAt: time.Date(1960, 1, 1, 0, 0, 1, 100, time.UTC)}, "e2")
	mustPut(t, s, "event/epoch", e2)
	assertLast(t, s, "event/epoch", e2, "a later update time before 1970")
	assertNotNewer(t, s, "event/epoch", e1, e2, "an earlier update time before 1970")
}

func testIncomparable(t *testing.T, s webhook.VersionStore) {
	v := stamped(webhook.Stamp{Version: 3}, "v3")
	mustPut(t, s, "event/expo", v)
	assertNotNewer(t, s, "event/expo", stamped(webhook.Stamp{UpdatedAt: at.Add(time.Hour)}, "t"), v,
		"an update time only, after a version only")
	u := stamped(webhook.Stamp{UpdatedAt: at}, "t")
	mustPut(t, s, "event/expo-2", u)
	assertNotNewer(t, s, "event/expo-2", stamped(webhook.Stamp{Version: 7}, "v7"), u,
		"a version only, after an update time only")
}

func testIsolated(t *testing.T, s webhook.VersionStore) {
	mustPut(t, s, "event/expo", record(1, "d1"))
	mustPut(t, s, "event/expo-2", record(7, "d7"))
	mustPut(t, s, "attendee/expo/att-1", record(2, "a2"))
	assertLast(t, s, "event/expo", record(1, "d1"), "beside other subjects")
	assertNone(t, s, "event/exp", "a subject that prefixes another")
	assertNone(t, s, "attendee/expo/att-10", "a subject that another prefixes")
}

func testDone(t *testing.T, s webhook.VersionStore, done context.Context) {
	want := done.Err()
	require.Error(t, want)
	assert.ErrorIs(t, s.Put(done, "event/expo", record(1, "d1")), want, "Put with a done ctx: want ctx.Err()")
	_, _, err := s.Last(done, "event/expo")
	assert.ErrorIs(t, err, want, "Last with a done ctx: want ctx.Err()")
	assertNone(t, s, "event/expo", "after a Put with a done ctx")
}

func testConcurrent(t *testing.T, s webhook.VersionStore) {
	const workers, rounds = 6, 30
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for w := range workers {
		wg.Go(func() {
			subject := fmt.Sprint("event/e-", w)
			for r := int64(1); r <= rounds; r++ {
				if err := s.Put(t.Context(), subject, record(r, fmt.Sprint("d", r))); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				if _, _, err := s.Last(t.Context(), fmt.Sprint("event/e-", (w+1)%workers)); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	require.Empty(t, errs, "concurrent Put and Last: want no error")
	for w := range workers {
		assertLast(t, s, fmt.Sprint("event/e-", w), record(rounds, fmt.Sprint("d", rounds)), "after concurrent use")
	}
}

// testConcurrentSameStamp races writers putting one stamp, as two
// replicas deciding the same delivery: exactly one must succeed.
func testConcurrentSameStamp(t *testing.T, s webhook.VersionStore) {
	const writers, rounds = 8, 20
	for r := range rounds {
		subject := fmt.Sprint("event/race-", r)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			won      []string
			failures []error
		)
		start := make(chan struct{})
		for w := range writers {
			wg.Go(func() {
				<-start
				d := fmt.Sprint("w", w)
				err := s.Put(t.Context(), subject, record(1, d))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won = append(won, d)
				case !errors.Is(err, webhook.ErrNotNewer):
					failures = append(failures, err)
				}
			})
		}
		close(start)
		wg.Wait()
		require.Empty(t, failures, "round %d: concurrent Puts of one stamp: want nil or webhook.ErrNotNewer only", r)
		require.Len(t, won, 1, "round %d: %d writers putting one stamp at once: want exactly one to succeed", r, writers)
		assertLast(t, s, subject, record(1, won[0]), "after the race: want the winner's record")
	}
}

// testConcurrentNewestWins races writers putting distinct versions of
// one subject: whatever the interleaving, the highest is kept.
func testConcurrentNewestWins(t *testing.T, s webhook.VersionStore) {
	const writers, rounds = 8, 10
	for r := range rounds {
		subject := fmt.Sprint("event/newest-", r)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			failures []error
		)
		start := make(chan struct{})
		for w := range writers {
			v := int64((w*5+r)%writers + 1) // each round, another order
			wg.Go(func() {
				<-start
				if err := s.Put(t.Context(), subject, record(v, fmt.Sprint("d", v))); err != nil && !errors.Is(err, webhook.ErrNotNewer) {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		require.Empty(t, failures, "round %d: concurrent Puts: want nil or webhook.ErrNotNewer only", r)
		assertLast(t, s, subject, record(writers, fmt.Sprint("d", writers)), "after concurrent Puts of versions 1 to 8: want version 8")
	}
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
