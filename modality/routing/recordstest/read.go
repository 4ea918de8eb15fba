package recordstest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/routing"
)

func testLiveOrder(t *testing.T, s routing.Records) {
	sec := func(n int) time.Time { return base.Add(time.Duration(n) * time.Second) }
	first := connect(waiting("expo", "z", sec(0), 9), "ann", sec(30), 10) // connected: still live
	first.Entered = sec(20)                                               // entered its queue last
	tie1 := waiting("expo", "B", sec(1), 8)
	tie2 := waiting("expo", "a", sec(1), 7)
	tie3 := waiting("expo", "e-10", sec(1), 6)
	last := waiting("expo", "e-9", sec(2), 1)
	gone := end(waiting("expo", "e-0", base.Add(-time.Minute), 1), sec(3), routing.Abandoned, 2)
	mustPut(t, s, last, tie3, gone, tie1, first, tie2)
	assertRecords(t, []routing.Record{first, tie1, tie2, tie3, last}, mustLive(t, s, "expo"),
		"Live: want the live records by Arrived, ties by ID in byte order (B < a < e-10), the ended one left out")
}

func testLiveUnknown(t *testing.T, s routing.Records) {
	got, err := s.Live(context.Background(), "nobody")
	assert.NoError(t, err, "Live of a service never written, in an empty store: want no error")
	assert.Empty(t, got, "Live of a service never written, in an empty store: want no records")

	mustPut(t, s, waiting("expo", "e-1", base, 1))
	got, err = s.Live(context.Background(), "nobody")
	assert.NoError(t, err, "Live of a service never written: want no error")
	assert.Empty(t, got, "Live of a service never written: want no records")
}

func testLiveNewSlice(t *testing.T, s routing.Records) {
	want := []routing.Record{waiting("expo", "e-1", base, 1), waiting("expo", "e-2", base.Add(time.Second), 1)}
	mustPut(t, s, want...)
	first := mustLive(t, s, "expo")
	second := mustLive(t, s, "expo")
	require.Len(t, first, 2, "Live: want both records")
	first[0].Queue, first[0].Seq = "scribbled", 99
	first[1] = routing.Record{}
	assertRecords(t, want, second, "a second Live, after the caller changed what the first returned: want it unchanged")
	assertRecords(t, want, mustLive(t, s, "expo"), "Live after the caller changed what Live returned: want the store unchanged")
}

func testEndedWindow(t *testing.T, s routing.Records) {
	sec := func(n int) time.Time { return base.Add(time.Duration(n) * time.Second) }
	// Arrived in the reverse order of Ended: Ended orders by Ended.
	ended := func(id string, at time.Time, arrived int) routing.Record {
		return end(waiting("expo", id, sec(-arrived), 1), at, routing.Abandoned, 2)
	}
	e0 := ended("x-0", sec(10), 1)
	e1a := ended("x-2", sec(11), 2)
	e1b := ended("x-10", sec(11), 3) // x-10 < x-2 in byte order
	e2 := ended("x-3", sec(12), 4)
	e3 := ended("x-4", sec(13), 5)
	live := waiting("expo", "w", sec(0), 1)
	mustPut(t, s, e3, e1a, live, e0, e2, e1b)

	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     []routing.Record
	}{
		{"[11s, 13s)", sec(11), sec(13), []routing.Record{e1b, e1a, e2}},
		{"[11s+1µs, 13s+1µs)", sec(11).Add(time.Microsecond), sec(13).Add(time.Microsecond), []routing.Record{e2, e3}},
		{"[10s, 10s+1µs)", sec(10), sec(10).Add(time.Microsecond), []routing.Record{e0}},
		{"[zero, far)", time.Time{}, far, []routing.Record{e0, e1b, e1a, e2, e3}},
		{"[11s, 11s): empty", sec(11), sec(11), nil},
		{"[13s, 11s): empty", sec(13), sec(11), nil},
		{"[14s, far): after every one", sec(14), far, nil},
	} {
		assertRecords(t, tc.want, mustEnded(t, s, "expo", tc.from, tc.to),
			"Ended in "+tc.name+": want the ended records with Ended in the window, by Ended then ID, no live one")
	}
}

func testEndedUnknown(t *testing.T, s routing.Records) {
	got, err := s.Ended(context.Background(), "nobody", time.Time{}, far)
	assert.NoError(t, err, "Ended of a service never written, in an empty store: want no error")
	assert.Empty(t, got, "Ended of a service never written, in an empty store: want no records")

	mustPut(t, s, end(waiting("expo", "e-1", base, 1), base.Add(time.Minute), routing.Abandoned, 2))
	got, err = s.Ended(context.Background(), "nobody", time.Time{}, far)
	assert.NoError(t, err, "Ended of a service never written: want no error")
	assert.Empty(t, got, "Ended of a service never written: want no records")
}

func testEndedNewSlice(t *testing.T, s routing.Records) {
	want := []routing.Record{
		end(waiting("expo", "e-1", base, 1), base.Add(time.Minute), routing.Abandoned, 2),
		end(waiting("expo", "e-2", base, 1), base.Add(2*time.Minute), routing.Expired, 2),
	}
	mustPut(t, s, want...)
	first := mustEnded(t, s, "expo", base, far)
	second := mustEnded(t, s, "expo", base, far)
	require.Len(t, first, 2, "Ended: want both records")
	first[0].Outcome, first[0].Seq = "scribbled", 99
	first[1] = routing.Record{}
	assertRecords(t, want, second, "a second Ended, after the caller changed what the first returned: want it unchanged")
	assertRecords(t, want, mustEnded(t, s, "expo", base, far), "Ended after the caller changed what Ended returned: want the store unchanged")
}

func testDelete(t *testing.T, s routing.Records) {
	ctx := context.Background()
	w := waiting("expo", "e-1", base, 5)
	c := connect(waiting("expo", "e-2", base.Add(time.Second), 1), "ann", base.Add(time.Minute), 2)
	e := end(waiting("expo", "e-3", base.Add(2*time.Second), 1), base.Add(time.Minute), routing.Abandoned, 9)
	other := []routing.Record{waiting("gala", "e-1", base, 1), end(waiting("gala", "e-3", base, 1), base.Add(time.Minute), routing.Expired, 2)}
	mustPut(t, s, w, c, e)
	mustPut(t, s, other...)

	n, err := s.Delete(ctx, "expo")
	require.NoError(t, err, "Delete of a service with records: want no error")
	assert.Equal(t, 3, n, "Delete of a service with two live records and one ended: want 3")
	assert.Empty(t, keys(mustLive(t, s, "expo")), "Live after Delete: want nothing")
	assert.Empty(t, keys(mustEnded(t, s, "expo", time.Time{}, far)), "Ended after Delete: want nothing")
	assertRecords(t, other[:1], mustLive(t, s, "gala"), "Live of another service after Delete: want its records untouched")
	assertRecords(t, other[1:], mustEnded(t, s, "gala", time.Time{}, far), "Ended of another service after Delete: want its records untouched")

	n, err = s.Delete(ctx, "expo")
	assert.NoError(t, err, "a second Delete of a service: want no error")
	assert.Zero(t, n, "a second Delete of a service: want 0")
	n, err = s.Delete(ctx, "nobody")
	assert.NoError(t, err, "Delete of a service never written: want no error")
	assert.Zero(t, n, "Delete of a service never written: want 0")

	again := []routing.Record{waiting("expo", "e-1", base, 1), waiting("expo", "e-3", base.Add(time.Second), 1)}
	assert.NoError(t, s.Put(ctx, again...), "Put after Delete of lower Seqs than deleted records, one of them ended: want them stored, nothing is kept")
	assertRecords(t, again, mustLive(t, s, "expo"), "Live after Delete and Put: want only what was put after")
}

func testIsolated(t *testing.T, s routing.Records) {
	ctx := context.Background()
	expo := []routing.Record{
		connect(waiting("expo", "e-1", base, 1), "ann", base.Add(time.Minute), 5),
		end(waiting("expo", "e-2", base, 1), base.Add(time.Minute), routing.Abandoned, 5),
	}
	mustPut(t, s, expo...)
	gala := []routing.Record{
		waiting("gala", "e-1", base.Add(time.Second), 1),                                               // a lower Seq than expo's e-1
		end(waiting("gala", "e-2", base.Add(time.Second), 1), base.Add(time.Hour), routing.Expired, 1), // expo's e-2 has ended
		waiting("gala", "e-3", base.Add(2*time.Second), 1),
	}
	gala[1].Queue = "gala-queue"
	assert.NoError(t, s.Put(ctx, gala...), "Put of records with the IDs of another service's, lower Seqs: want them stored, services are apart")
	assertRecords(t, expo[:1], mustLive(t, s, "expo"), "Live of expo: want only expo's")
	assertRecords(t, expo[1:], mustEnded(t, s, "expo", time.Time{}, far), "Ended of expo: want only expo's")
	assertRecords(t, []routing.Record{gala[0], gala[2]}, mustLive(t, s, "gala"), "Live of gala: want only gala's")
	assertRecords(t, gala[1:2], mustEnded(t, s, "gala", time.Time{}, far), "Ended of gala: want only gala's")

	// A batch may span services.
	both := []routing.Record{connect(expo[0], "bob", base.Add(2*time.Minute), 6), connect(gala[0], "cy", base.Add(2*time.Minute), 2)}
	mustPut(t, s, both...)
	assertRecords(t, both[:1], mustLive(t, s, "expo"), "Live of expo after a batch over both services")
	assertRecords(t, []routing.Record{both[1], gala[2]}, mustLive(t, s, "gala"), "Live of gala after a batch over both services")
}

func testDone(t *testing.T, s routing.Records, done context.Context) {
	stored := waiting("expo", "e-1", base, 1)
	mustPut(t, s, stored)
	ended := end(waiting("expo", "e-0", base, 1), base.Add(time.Minute), routing.Abandoned, 2)
	mustPut(t, s, ended)
	want := done.Err()

	err := s.Put(done, waiting("expo", "e-2", base.Add(time.Second), 1), connect(stored, "ann", base.Add(time.Minute), 2))
	assert.ErrorIs(t, err, want, "Put with a done ctx: want ctx.Err()")
	_, err = s.Live(done, "expo")
	assert.ErrorIs(t, err, want, "Live with a done ctx: want ctx.Err()")
	_, err = s.Ended(done, "expo", time.Time{}, far)
	assert.ErrorIs(t, err, want, "Ended with a done ctx: want ctx.Err()")
	_, err = s.Delete(done, "expo")
	assert.ErrorIs(t, err, want, "Delete with a done ctx: want ctx.Err()")

	assertRecords(t, []routing.Record{stored}, mustLive(t, s, "expo"), "Live after calls with a done ctx: want nothing put, nothing deleted")
	assertRecords(t, []routing.Record{ended}, mustEnded(t, s, "expo", time.Time{}, far), "Ended after calls with a done ctx: want nothing deleted")
}
