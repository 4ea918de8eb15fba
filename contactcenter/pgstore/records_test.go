package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/modality/routing/recordstest"
)

func recordsHarness() recordstest.Harness {
	return recordstest.Harness{New: func(t testing.TB) routing.Records { return newDB(t).Records() }}
}

func TestRecords_Conformance(t *testing.T) {
	testURL(t)
	recordstest.Run(t, recordsHarness())
}

func BenchmarkRecords(b *testing.B) {
	testURL(b)
	recordstest.Benchmark(b, recordsHarness())
}

// waitingRecord returns the record of an engagement of service expo
// waiting since arrived.
func waitingRecord(id string, arrived time.Time, seq int64) routing.Record {
	return routing.Record{ServiceID: "expo", ID: id, Queue: "tickets", Kind: modality.Chat,
		Arrived: arrived, Entered: arrived, Seq: seq}
}

// TestRecords_Nanoseconds: instants keep the nanoseconds below the
// microsecond PostgreSQL keeps, and order by them, as Go's time.Time.
func TestRecords_Nanoseconds(t *testing.T) {
	s := newDB(t).Records()
	ctx := context.Background()
	at := time.Date(2030, time.May, 1, 9, 0, 0, 123456789, time.UTC)
	a := waitingRecord("a", at.Add(2), 1)    // later within the microsecond, first by ID
	b := waitingRecord("b", at.Add(-700), 1) // earlier within the microsecond
	c := waitingRecord("c", at, 1)
	c.Agent, c.Accepted = "ann", at.Add(-1)
	require.NoError(t, s.Put(ctx, a, b, c))
	live, err := s.Live(ctx, "expo")
	require.NoError(t, err)
	require.Len(t, live, 3, "Live: want the three records")
	assert.Equal(t, []string{"b", "c", "a"}, []string{live[0].ID, live[1].ID, live[2].ID},
		"Live: want the records by Arrived to the nanosecond, not by ID within a microsecond")
	assert.Equal(t, at.Add(-1), live[1].Accepted, "Accepted: want the instant to the nanosecond, in UTC")
	assert.Equal(t, at, live[1].Arrived, "Arrived: want the instant to the nanosecond, in UTC")

	ended := func(id string, at time.Time) routing.Record {
		r := waitingRecord(id, at.Add(-time.Minute), 2)
		r.Ended, r.Outcome = at, routing.Abandoned
		return r
	}
	require.NoError(t, s.Put(ctx, ended("x", at.Add(-1)), ended("y", at), ended("z", at.Add(1))))
	got, err := s.Ended(ctx, "expo", at, at.Add(1))
	require.NoError(t, err)
	if assert.Len(t, got, 1, "Ended in [at, at+1ns): want only the record ended at at") {
		assert.Equal(t, "y", got[0].ID, "Ended in [at, at+1ns)")
		assert.Equal(t, at, got[0].Ended, "Ended: want the instant to the nanosecond, in UTC")
	}
}

// TestRecords_RangeOfInstants: the first and last instants the table
// holds round-trip; Put refuses a batch beyond them, storing nothing;
// Ended takes bounds beyond them.
func TestRecords_RangeOfInstants(t *testing.T) {
	s := newDB(t).Records()
	ctx := context.Background()
	first := time.Date(-4713, time.November, 24, 0, 0, 0, 0, time.UTC)
	last := time.Unix(9223372036853, 999999999).UTC()
	early, late := waitingRecord("early", first, 1), waitingRecord("late", last, 1)
	late.Ended, late.Outcome = last, routing.Expired
	require.NoError(t, s.Put(ctx, early, late), "Put of the first and the last instants the table holds")
	live, err := s.Live(ctx, "expo")
	require.NoError(t, err)
	if assert.Len(t, live, 1, "Live: want the early record") {
		assert.Equal(t, first, live[0].Arrived, "Arrived: want the first instant round-tripped")
	}
	got, err := s.Ended(ctx, "expo", time.Date(-100_000, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(1<<62, 0))
	require.NoError(t, err, "Ended with bounds beyond what the table holds")
	if assert.Len(t, got, 1, "Ended with bounds beyond what the table holds: want the late record") {
		assert.Equal(t, last, got[0].Ended, "Ended: want the last instant round-tripped")
	}

	for _, bad := range []time.Time{first.Add(-time.Nanosecond), last.Add(time.Nanosecond), time.Unix(1<<62, 0)} {
		ok := waitingRecord("ok", first.Add(time.Hour), 1)
		err := s.Put(ctx, ok, waitingRecord("bad", bad, 1))
		assert.ErrorContains(t, err, "out of the range", "Put of a record arrived at %s: want it refused", bad.Format(time.RFC3339Nano))
		live, err := s.Live(ctx, "expo")
		require.NoError(t, err)
		assert.Len(t, live, 1, "Live after a refused Put: want nothing of the batch stored")
	}
}

// TestRecords_BatchIsOneTransaction: a batch that fails in the database
// (text with a NUL byte, which PostgreSQL refuses) stores nothing, in
// one statement or in rounds.
func TestRecords_BatchIsOneTransaction(t *testing.T) {
	s := newDB(t).Records()
	ctx := context.Background()
	at := time.Date(2030, time.May, 1, 9, 0, 0, 0, time.UTC)
	stored := waitingRecord("stored", at, 1)
	require.NoError(t, s.Put(ctx, stored))

	bad := waitingRecord("bad", at, 1)
	bad.Queue = "tick\x00ets"
	update := stored
	update.Agent, update.Accepted, update.Seq = "ann", at.Add(time.Minute), 2
	again := bad
	again.Queue, again.Seq = "tickets", 0
	for name, batch := range map[string][]routing.Record{
		"one statement":                 {waitingRecord("new", at, 1), update, bad},
		"rounds, failing in the second": {again, waitingRecord("new", at, 1), update, bad},
	} {
		err := s.Put(ctx, batch...)
		assert.ErrorContains(t, err, "pgstore: put records", "%s: want the database's error, wrapped", name)
		assert.NotErrorIs(t, err, routing.ErrStale, "%s: want no ErrStale", name)
		live, err := s.Live(ctx, "expo")
		require.NoError(t, err)
		if assert.Len(t, live, 1, "%s: Live after a failed batch: want nothing of it stored", name) {
			assert.Equal(t, int64(1), live[0].Seq, "%s: want the stored record unchanged", name)
		}
	}
}
