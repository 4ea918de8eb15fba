package recordstest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
)

func testRoundTrip(t *testing.T, s routing.Records) {
	w := waiting("expo", "e-1", base, 1)
	w.Kind = modality.Telephony
	c := connect(waiting("expo", "e-2", base.Add(time.Second), 1), "ann", base.Add(20*time.Second), 2)
	c.Kind, c.Queue = modality.Video, "vip"
	e := end(connect(waiting("expo", "e-3", base.Add(2*time.Second), 1), "bob", base.Add(30*time.Second), 2),
		base.Add(5*time.Minute+7*time.Microsecond), routing.Answered, 3)
	e.Entered = base.Add(9 * time.Second) // moved to an overflow queue
	e.Queue = "overflow"
	a := end(waiting("expo", "e-4", base.Add(3*time.Second), 1), base.Add(4*time.Minute), routing.Abandoned, 2)
	a.Kind = modality.SMS
	require.Empty(t, zeroFields(e), "fixture: want every field of the answered record set, so that each round-trips")

	mustPut(t, s, w, c, e, a)
	assertRecords(t, []routing.Record{w, c}, mustLive(t, s, "expo"),
		"Live after Put of a waiting and a connected record: want both, every field as put")
	assertRecords(t, []routing.Record{a, e}, mustEnded(t, s, "expo", base, far),
		"Ended after Put of an abandoned and an answered record: want both, every field as put")
}

func testHigherSeq(t *testing.T, s routing.Records) {
	w := waiting("expo", "e-1", base, 1)
	mustPut(t, s, w)
	assertRecords(t, []routing.Record{w}, mustLive(t, s, "expo"), "Live after the first Put")

	c := connect(w, "ann", base.Add(time.Minute), 2)
	mustPut(t, s, c)
	assertRecords(t, []routing.Record{c}, mustLive(t, s, "expo"), "Live after Put of a higher Seq: want it replacing the waiting record")

	e := end(c, base.Add(5*time.Minute), routing.Answered, 7) // Seqs need not be consecutive
	mustPut(t, s, e)
	assert.Empty(t, keys(mustLive(t, s, "expo")), "Live after Put of the ended record with a higher Seq: want nothing live")
	assertRecords(t, []routing.Record{e}, mustEnded(t, s, "expo", base, far), "Ended after Put of the ended record")
}

func testLowerOrEqualSeq(t *testing.T, s routing.Records) {
	c := connect(waiting("expo", "e-1", base, 1), "ann", base.Add(time.Minute), 4)
	mustPut(t, s, c)
	for _, tc := range []struct {
		name string
		rec  routing.Record
	}{
		{"a lower Seq", waiting("expo", "e-1", base, 3)},
		{"the same Seq, other fields", connect(waiting("expo", "e-1", base, 1), "bob", base.Add(2*time.Minute), 4)},
		{"the same Seq, the record unchanged", c},
		{"the same Seq, ended", end(c, base.Add(5*time.Minute), routing.Answered, 4)},
		{"a lower Seq, ended", end(c, base.Add(5*time.Minute), routing.Answered, 2)},
	} {
		err := s.Put(context.Background(), tc.rec)
		assert.ErrorIs(t, err, routing.ErrStale, "Put of %s than the stored live record: want ErrStale", tc.name)
		assert.NotErrorIs(t, err, routing.ErrInvalidRecord, "Put of %s: a valid record, want no ErrInvalidRecord", tc.name)
		assertRecords(t, []routing.Record{c}, mustLive(t, s, "expo"), "Live after Put of "+tc.name+": want the stored record unchanged")
	}
	assert.Empty(t, keys(mustEnded(t, s, "expo", time.Time{}, far)), "Ended after the stale Puts: want nothing ended")
}

func testEndedFinal(t *testing.T, s routing.Records) {
	e := end(waiting("expo", "e-1", base, 1), base.Add(time.Minute), routing.Abandoned, 3)
	mustPut(t, s, e)
	for _, tc := range []struct {
		name string
		rec  routing.Record
	}{
		{"a live record of a higher Seq", connect(waiting("expo", "e-1", base, 1), "ann", base.Add(time.Minute), 10)},
		{"another ended record of a higher Seq", end(waiting("expo", "e-1", base, 1), base.Add(2*time.Minute), routing.Expired, 10)},
		{"the same ended record again", e},
	} {
		err := s.Put(context.Background(), tc.rec)
		assert.ErrorIs(t, err, routing.ErrStale, "Put of %s over an ended record: want ErrStale, an ended record is final", tc.name)
		assertRecords(t, []routing.Record{e}, mustEnded(t, s, "expo", base, far), "Ended after Put of "+tc.name+": want the ended record unchanged")
		assert.Empty(t, keys(mustLive(t, s, "expo")), "Live after Put of %s over an ended record: want nothing live", tc.name)
	}
}

func testStaleSkipsOne(t *testing.T, s routing.Records) {
	a5 := connect(waiting("expo", "a", base, 1), "ann", base.Add(time.Minute), 5)
	b1 := waiting("expo", "b", base.Add(time.Second), 1)
	mustPut(t, s, a5, b1)

	b2 := connect(b1, "bob", base.Add(2*time.Minute), 2)
	a3 := waiting("expo", "a", base, 3)
	c1 := waiting("expo", "c", base.Add(2*time.Second), 1)
	d1 := end(waiting("expo", "d", base.Add(3*time.Second), 1), base.Add(time.Hour), routing.Expired, 1)
	err := s.Put(context.Background(), b2, a3, c1, d1)
	assert.ErrorIs(t, err, routing.ErrStale, "Put of a batch with one stale record: want ErrStale")
	assert.NotErrorIs(t, err, routing.ErrInvalidRecord, "Put of a batch of valid records: want no ErrInvalidRecord")
	assertRecords(t, []routing.Record{a5, b2, c1}, mustLive(t, s, "expo"),
		"Live after a batch with a stale record: want the stale one skipped and those before and after it stored")
	assertRecords(t, []routing.Record{d1}, mustEnded(t, s, "expo", base, far),
		"Ended after a batch with a stale record: want the ended record after it stored")
}

func testBatchInOrder(t *testing.T, s routing.Records) {
	x1 := waiting("expo", "x", base, 1)
	x2 := connect(x1, "ann", base.Add(time.Minute), 2)
	assert.NoError(t, s.Put(context.Background(), x1, x2),
		"Put of two records of one engagement, Seq 1 then 2: want no error, the second replacing the first")

	y1 := waiting("expo", "y", base.Add(time.Second), 1)
	y2 := connect(y1, "bob", base.Add(time.Minute), 2)
	assert.ErrorIs(t, s.Put(context.Background(), y2, y1), routing.ErrStale,
		"Put of two records of one engagement, Seq 2 then 1: want ErrStale for the second")

	z1 := waiting("expo", "z", base.Add(2*time.Second), 1)
	z2 := end(z1, base.Add(time.Minute), routing.Abandoned, 2)
	z3 := connect(z1, "cy", base.Add(2*time.Minute), 3)
	assert.ErrorIs(t, s.Put(context.Background(), z1, z2, z3), routing.ErrStale,
		"Put of an engagement's records waiting, ended, then live with a higher Seq: want ErrStale for the last")

	assertRecords(t, []routing.Record{x2, y2}, mustLive(t, s, "expo"), "Live after the batches: want the highest Seq of each live engagement")
	assertRecords(t, []routing.Record{z2}, mustEnded(t, s, "expo", base, far), "Ended after the batches: want the ended record kept")
}

func testSeqPerEngagement(t *testing.T, s routing.Records) {
	a := waiting("expo", "a", base, 100)
	mustPut(t, s, a)
	b := waiting("expo", "b", base.Add(time.Second), 1)
	assert.NoError(t, s.Put(context.Background(), b), "Put of another engagement with a lower Seq: want it stored, Seq orders one engagement's records")
	assertRecords(t, []routing.Record{a, b}, mustLive(t, s, "expo"), "Live: want both engagements")
}

func testInvalid(t *testing.T, s routing.Records) {
	stored := waiting("expo", "e-1", base, 1)
	mustPut(t, s, stored)
	valid := waiting("expo", "e-2", base.Add(time.Second), 1)
	update := end(connect(stored, "ann", base.Add(time.Minute), 2), base.Add(2*time.Minute), routing.Answered, 3)
	ended := end(connect(waiting("expo", "e-4", base.Add(3*time.Second), 1), "bob", base.Add(time.Minute), 1),
		base.Add(3*time.Minute), routing.Answered, 1)
	for _, tc := range []struct {
		name string
		mod  func(r *routing.Record)
	}{
		{"EmptyServiceID", func(r *routing.Record) { r.ServiceID = "" }},
		{"EmptyID", func(r *routing.Record) { r.ID = "" }},
		{"EmptyQueue", func(r *routing.Record) { r.Queue = "" }},
		{"EmptyKind", func(r *routing.Record) { r.Kind = "" }},
		{"OutcomeWithoutEnded", func(r *routing.Record) { r.Ended = time.Time{} }},
		{"EndedWithoutOutcome", func(r *routing.Record) { r.Outcome = "" }},
		{"AcceptedWithoutAgent", func(r *routing.Record) { r.Agent = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := end(connect(waiting("expo", "e-3", base.Add(2*time.Second), 1), "cy", base.Add(time.Minute), 1),
				base.Add(4*time.Minute), routing.Answered, 1)
			tc.mod(&bad)
			require.ErrorIs(t, bad.Validate(), routing.ErrInvalidRecord, "fixture: want the record invalid")
			for _, batch := range [][]routing.Record{
				{valid, update, ended, bad}, // the invalid record last
				{bad, valid, update, ended},
				{valid, bad, update},
			} {
				err := s.Put(context.Background(), batch...)
				assert.ErrorIs(t, err, routing.ErrInvalidRecord, "Put of %s with one record invalid (%s): want ErrInvalidRecord", keys(batch), tc.name)
			}
			assertRecords(t, []routing.Record{stored}, mustLive(t, s, "expo"),
				"Live after Puts of batches with an invalid record: want nothing of them stored")
			assert.Empty(t, keys(mustEnded(t, s, "expo", time.Time{}, far)),
				"Ended after Puts of batches with an invalid record: want nothing of them stored")
		})
	}
}
