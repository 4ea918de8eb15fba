package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/messaging/outbox"
	"github.com/eventcc/eventcc/modality/messaging/outbox/outboxtest"
	"github.com/eventcc/eventcc/modality/transcript"
)

func TestOutbox_Conformance(t *testing.T) {
	testURL(t)
	outboxtest.Run(t, outboxtest.Harness{New: func(t *testing.T) outbox.Store { return newDB(t).Outbox() }})
}

// outboxReply is the n-th reply of service svc's conversation c-1.
func outboxReply(svc string, n int, first time.Time) outbox.Reply {
	return outbox.Reply{Ref: fmt.Sprintf("r-%s-%d", svc, n), Provider: "twilio", From: "+12025550100", To: "+12025550143", First: first,
		Message: transcript.Message{ServiceID: svc, Conversation: "c-1", ID: fmt.Sprintf("m%d", n), Seq: int64(n),
			Author: "agent:ada", Body: fmt.Sprintf("reply %d", n), At: first}}
}

// TestOutbox_TwoProcesses: replicas on pools of their own (as processes
// of their own) share one outbox: what one puts, the other (taking the
// service over) finds pending in the order put and marks sent, and the
// first then finds each sent reply by its provider's ID.
func TestOutbox_TwoProcesses(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	a := replicaDB(t, db, appName("outbox")).Outbox()
	b := replicaDB(t, db, appName("outbox")).Outbox()
	t0 := time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)
	const n = 20
	var want []string
	for i := range n {
		r := outboxReply("expo", n-i, t0.Add(time.Duration(i)*time.Second)) // Seqs descending: the order is the put's
		require.NoError(t, a.Put(ctx, r))
		require.NoError(t, b.Put(ctx, r), "a Put of the same Ref through the other replica: want no error")
		want = append(want, r.Ref)
	}
	pending, err := b.Pending(ctx, "expo")
	require.NoError(t, err)
	require.Len(t, pending, n, "Pending from the other replica: want every reply once")
	for i, r := range pending {
		assert.Equal(t, want[i], r.Ref, "Pending from the other replica: want the order put")
		require.NoError(t, b.Sent(ctx, r.Ref, fmt.Sprintf("SM%04d", i), t0.Add(time.Hour)))
		require.NoError(t, a.Sent(ctx, r.Ref, "SM-late", t0.Add(2*time.Hour)), "a second Sent from the first replica: want no error")
	}
	pending, err = a.Pending(ctx, "expo")
	require.NoError(t, err)
	assert.Empty(t, pending, "Pending after the other replica sent every reply: want none")
	for i := range n {
		got, err := a.Lookup(ctx, "twilio", fmt.Sprintf("SM%04d", i))
		require.NoError(t, err, "Lookup from the first replica of what the other sent")
		assert.Equal(t, want[i], got.Ref)
		assert.True(t, t0.Add(time.Hour).Equal(got.Sent), "Sent %v: want the first Sent's instant", got.Sent)
	}
	_, err = a.Lookup(ctx, "twilio", "SM-late")
	assert.ErrorIs(t, err, outbox.ErrNotFound, "the ID of a Sent after the first: want none found")
}

// TestOutbox_Nanoseconds: instants keep the nanoseconds below the
// microsecond PostgreSQL keeps, in UTC; a zero one stays zero.
func TestOutbox_Nanoseconds(t *testing.T) {
	s := newDB(t).Outbox()
	ctx := context.Background()
	at := time.Date(2030, time.May, 1, 9, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))
	for i, when := range []time.Time{at, {}, time.Date(-4713, time.November, 24, 0, 0, 0, 0, time.UTC), time.Unix(9223372036853, 999999999).UTC()} {
		r := outboxReply("expo", i, when)
		require.NoError(t, s.Put(ctx, r), "Put of First %s", when)
		require.NoError(t, s.Sent(ctx, r.Ref, fmt.Sprint("SM", i), when), "Sent at %s", when)
		got, err := s.Lookup(ctx, "twilio", fmt.Sprint("SM", i))
		require.NoError(t, err)
		assert.Equal(t, when.UTC(), got.First, "reply %d: want First to the nanosecond, in UTC", i)
		assert.Equal(t, when.UTC(), got.Message.At, "reply %d: want Message.At to the nanosecond, in UTC", i)
		assert.Equal(t, when.UTC(), got.Sent, "reply %d: want Sent to the nanosecond, in UTC", i)
	}
	n, err := s.Forget(ctx, at.Add(-1))
	require.NoError(t, err)
	assert.Equal(t, 2, n, "Forget a nanosecond before an instant: want the replies first tried before it, and not the one at it")
}

// TestOutbox_Unstorable: what PostgreSQL text or timestamptz cannot hold
// is refused with ErrInvalid and nothing is stored.
func TestOutbox_Unstorable(t *testing.T) {
	s := newDB(t).Outbox()
	ctx := context.Background()
	t0 := time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		edit func(*outbox.Reply)
	}{
		{"a NUL byte in Ref", func(r *outbox.Reply) { r.Ref = "r\x00" }},
		{"invalid UTF-8 in To", func(r *outbox.Reply) { r.To = "+1\xff" }},
		{"a NUL byte in Message.Body", func(r *outbox.Reply) { r.Message.Body = "a\x00b" }},
		{"First before 4714 BC", func(r *outbox.Reply) { r.First = time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"Message.At after 294247 AD", func(r *outbox.Reply) { r.Message.At = time.Unix(9223372036854, 0) }},
	} {
		r := outboxReply("expo", 1, t0)
		tc.edit(&r)
		assert.ErrorIs(t, s.Put(ctx, r), outbox.ErrInvalid, "Put of a reply with %s: want ErrInvalid", tc.name)
	}
	pending, err := s.Pending(ctx, "expo")
	require.NoError(t, err)
	assert.Empty(t, pending, "Pending after the refused Puts: want nothing stored")

	r := outboxReply("expo", 1, t0)
	require.NoError(t, s.Put(ctx, r))
	assert.ErrorIs(t, s.Sent(ctx, r.Ref, "SM\x00", t0), outbox.ErrInvalid, "Sent with a NUL byte in providerID: want ErrInvalid")
	assert.ErrorIs(t, s.Sent(ctx, r.Ref, "SM1", time.Unix(9223372036854, 0)), outbox.ErrInvalid, "Sent at after 294247 AD: want ErrInvalid")
	pending, err = s.Pending(ctx, "expo")
	require.NoError(t, err)
	assert.Len(t, pending, 1, "Pending after the refused Sents: want the reply still pending")
}

// TestOutbox_ProviderIDs: a reply sent without a provider's ID is no
// longer pending and is not found; a provider's ID given to a second
// reply is refused, and that reply stays pending.
func TestOutbox_ProviderIDs(t *testing.T) {
	s := newDB(t).Outbox()
	ctx := context.Background()
	t0 := time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)
	for n := 1; n <= 4; n++ {
		require.NoError(t, s.Put(ctx, outboxReply("expo", n, t0)))
	}
	require.NoError(t, s.Sent(ctx, "r-expo-1", "", t0))
	require.NoError(t, s.Sent(ctx, "r-expo-2", "", t0), "a second reply sent without an ID: want no error")
	_, err := s.Lookup(ctx, "twilio", "")
	assert.ErrorIs(t, err, outbox.ErrNotFound, "Lookup of the empty ID: want none found")
	require.NoError(t, s.Sent(ctx, "r-expo-3", "SM3", t0))
	err = s.Sent(ctx, "r-expo-4", "SM3", t0)
	assert.Error(t, err, "Sent of a second reply with the ID of another: want an error")
	assert.NotErrorIs(t, err, outbox.ErrInvalid)
	pending, err := s.Pending(ctx, "expo")
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, "r-expo-4", pending[0].Ref, "Pending: want only the reply whose Sent was refused")
	got, err := s.Lookup(ctx, "twilio", "SM3")
	require.NoError(t, err)
	assert.Equal(t, "r-expo-3", got.Ref, "Lookup of the ID given twice: want the first reply")
}
