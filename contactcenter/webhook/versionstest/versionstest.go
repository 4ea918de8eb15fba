package versionstest

import (
	"context"
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
		{"Put/Replaces", testReplaces},
		{"Subjects/Isolated", testIsolated},
		{"Context/Cancelled", func(t *testing.T, s webhook.VersionStore) { testDone(t, s, cancelled(t)) }},
		{"Context/DeadlineExceeded", func(t *testing.T, s webhook.VersionStore) { testDone(t, s, expired(t)) }},
		{"Concurrent/DistinctSubjects", testConcurrent},
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

func testReplaces(t *testing.T, s webhook.VersionStore) {
	mustPut(t, s, "event/expo", record(3, "d3"))
	mustPut(t, s, "event/expo", record(5, "d5"))
	assertLast(t, s, "event/expo", record(5, "d5"), "after a second Put")
	// Put is not ordered by the store: the Handler decides what is newer.
	mustPut(t, s, "event/expo", record(4, "d4"))
	assertLast(t, s, "event/expo", record(4, "d4"), "after a Put of a lower version")
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
