// Package outboxtest is the conformance suite of outbox.Store: the
// in-memory outbox and every durable one (contactcenter/pgstore's) run
// it.
//
//	func TestOutbox(t *testing.T) {
//		outboxtest.Run(t, outboxtest.Harness{New: func(t *testing.T) outbox.Store { return newStore(t) }})
//	}
package outboxtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/messaging/outbox"
	"github.com/eventcc/eventcc/modality/transcript"
)

// Harness makes the stores under test.
type Harness struct {
	// New returns an empty store; it may register cleanups with t.
	New func(t *testing.T) outbox.Store
}

// t0 has microseconds and no finer: durable stores keep times to the
// microsecond.
var t0 = time.Date(2030, 6, 1, 9, 0, 0, 123456000, time.UTC)

// reply is the n-th reply of service svc's conversation conv.
func reply(svc, conv string, n int) outbox.Reply {
	return outbox.Reply{Ref: fmt.Sprintf("r-%s-%s-%d", svc, conv, n), Provider: "twilio", From: "+12025550100", To: "+12025550143",
		First: t0.Add(time.Duration(n) * time.Second),
		Message: transcript.Message{ServiceID: svc, Conversation: conv, ID: fmt.Sprintf("m%d", n), Seq: int64(n),
			Author: "agent:ada", Body: fmt.Sprintf("réponse n°%d ✓", n), At: t0.Add(time.Duration(n) * time.Second)}}
}

func refs(rs []outbox.Reply) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Ref
	}
	return out
}

// Run runs every case against a new store of h's each.
func Run(t *testing.T, h Harness) {
	require.NotNil(t, h.New, "outboxtest: Harness.New is required")
	cases := []struct {
		name string
		run  func(t *testing.T, s outbox.Store)
	}{
		{"Put/PendingInOrderWithEveryField", testPending},
		{"Put/Idempotent", testPutIdempotent},
		{"Put/Invalid", testPutInvalid},
		{"Pending/PerService", testPerService},
		{"Sent/NoLongerPendingAndFound", testSent},
		{"Sent/UnknownIsNoError", testSentUnknown},
		{"Drop/Forgets", testDrop},
		{"Forget/ByFirstAttempt", testForget},
		{"Context/Done", testDone},
		{"Concurrent/EveryPutKeptOnce", testConcurrent},
		{"Concurrent/SentOnceEach", testConcurrentSent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, h.New(t)) })
	}
}

func testPending(t *testing.T, s outbox.Store) {
	ctx := t.Context()
	want := []outbox.Reply{reply("svc", "c1", 3), reply("svc", "c1", 1), reply("svc", "c2", 2)}
	for _, r := range want {
		require.NoError(t, s.Put(ctx, r))
	}
	got, err := s.Pending(ctx, "svc")
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, want[i].Ref, got[i].Ref, "in the order put")
		assert.Equal(t, want[i].Provider, got[i].Provider)
		assert.Equal(t, want[i].From, got[i].From)
		assert.Equal(t, want[i].To, got[i].To)
		assert.True(t, want[i].First.Equal(got[i].First), "First %v, want %v", got[i].First, want[i].First)
		assert.True(t, want[i].Message.At.Equal(got[i].Message.At), "Message.At %v, want %v", got[i].Message.At, want[i].Message.At)
		g, w := got[i].Message, want[i].Message
		g.At, w.At = time.Time{}, time.Time{}
		assert.Equal(t, w, g, "the message, every field")
		assert.Empty(t, got[i].ProviderID, "pending: not sent")
		assert.True(t, got[i].Sent.IsZero(), "pending: not sent")
	}
}

func testPutIdempotent(t *testing.T, s outbox.Store) {
	ctx := t.Context()
	r := reply("svc", "c1", 1)
	require.NoError(t, s.Put(ctx, r))
	again := r
	again.Message.Body = "changed"
	require.NoError(t, s.Put(ctx, again), "putting a Ref again is not an error")
	got, err := s.Pending(ctx, "svc")
	require.NoError(t, err)
	require.Len(t, got, 1, "kept once")
	assert.Equal(t, r.Message.Body, got[0].Message.Body, "the first put is kept")
	require.NoError(t, s.Sent(ctx, r.Ref, "SM1", t0))
	require.NoError(t, s.Put(ctx, r))
	got, err = s.Pending(ctx, "svc")
	require.NoError(t, err)
	assert.Empty(t, got, "a sent reply put again stays sent")
}

func testPutInvalid(t *testing.T, s outbox.Store) {
	for name, mutate := range map[string]func(*outbox.Reply){
		"no Ref":          func(r *outbox.Reply) { r.Ref = "" },
		"no Provider":     func(r *outbox.Reply) { r.Provider = "" },
		"no service":      func(r *outbox.Reply) { r.Message.ServiceID = "" },
		"no conversation": func(r *outbox.Reply) { r.Message.Conversation = "" },
	} {
		r := reply("svc", "c1", 1)
		mutate(&r)
		assert.ErrorIs(t, s.Put(t.Context(), r), outbox.ErrInvalid, name)
	}
	got, err := s.Pending(t.Context(), "svc")
	require.NoError(t, err)
	assert.Empty(t, got, "nothing kept")
}

func testPerService(t *testing.T, s outbox.Store) {
	ctx := t.Context()
	require.NoError(t, s.Put(ctx, reply("a", "c1", 1)))
	require.NoError(t, s.Put(ctx, reply("b", "c1", 1)))
	require.NoError(t, s.Put(ctx, reply("a", "c2", 2)))
	got, err := s.Pending(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, []string{"r-a-c1-1", "r-a-c2-2"}, refs(got))
	got, err = s.Pending(ctx, "nobody")
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testSent(t *testing.T, s outbox.Store) {
	ctx := t.Context()
	r1, r2 := reply("svc", "c1", 1), reply("svc", "c1", 2)
	require.NoError(t, s.Put(ctx, r1))
	require.NoError(t, s.Put(ctx, r2))
	at := t0.Add(time.Minute)
	require.NoError(t, s.Sent(ctx, r1.Ref, "SM0001", at))
	got, err := s.Pending(ctx, "svc")
	require.NoError(t, err)
	assert.Equal(t, []string{r2.Ref}, refs(got), "a sent reply is no longer pending")
	found, err := s.Lookup(ctx, "twilio", "SM0001")
	require.NoError(t, err)
	assert.Equal(t, r1.Ref, found.Ref)
	assert.Equal(t, "SM0001", found.ProviderID)
	assert.True(t, at.Equal(found.Sent), "Sent %v, want %v", found.Sent, at)
	assert.Equal(t, r1.Message.Body, found.Message.Body)
	_, err = s.Lookup(ctx, "meta", "SM0001")
	assert.ErrorIs(t, err, outbox.ErrNotFound, "another provider's ID")
	_, err = s.Lookup(ctx, "twilio", "SM0002")
	assert.ErrorIs(t, err, outbox.ErrNotFound)
	require.NoError(t, s.Sent(ctx, r1.Ref, "SM9999", at.Add(time.Hour)), "sent twice: not an error")
	found, err = s.Lookup(ctx, "twilio", "SM0001")
	require.NoError(t, err, "the first Sent stands")
	assert.Equal(t, r1.Ref, found.Ref)
}

func testSentUnknown(t *testing.T, s outbox.Store) {
	require.NoError(t, s.Sent(t.Context(), "r-nobody", "SM1", t0))
	_, err := s.Lookup(t.Context(), "twilio", "SM1")
	assert.ErrorIs(t, err, outbox.ErrNotFound)
}

func testDrop(t *testing.T, s outbox.Store) {
	ctx := t.Context()
	r1, r2 := reply("svc", "c1", 1), reply("svc", "c1", 2)
	require.NoError(t, s.Put(ctx, r1))
	require.NoError(t, s.Put(ctx, r2))
	require.NoError(t, s.Sent(ctx, r2.Ref, "SM2", t0))
	require.NoError(t, s.Drop(ctx, r1.Ref))
	require.NoError(t, s.Drop(ctx, r2.Ref))
	require.NoError(t, s.Drop(ctx, r2.Ref), "idempotent")
	got, err := s.Pending(ctx, "svc")
	require.NoError(t, err)
	assert.Empty(t, got)
	_, err = s.Lookup(ctx, "twilio", "SM2")
	assert.ErrorIs(t, err, outbox.ErrNotFound, "a dropped reply is not found")
}

func testForget(t *testing.T, s outbox.Store) {
	ctx := t.Context()
	for n := 1; n <= 4; n++ {
		require.NoError(t, s.Put(ctx, reply("svc", "c1", n)))
	}
	require.NoError(t, s.Sent(ctx, "r-svc-c1-1", "SM1", t0))
	require.NoError(t, s.Sent(ctx, "r-svc-c1-3", "SM3", t0))
	n, err := s.Forget(ctx, t0.Add(3*time.Second)) // the replies first tried at +1 s and +2 s
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	got, err := s.Pending(ctx, "svc")
	require.NoError(t, err)
	assert.Equal(t, []string{"r-svc-c1-4"}, refs(got))
	_, err = s.Lookup(ctx, "twilio", "SM1")
	assert.ErrorIs(t, err, outbox.ErrNotFound, "forgotten")
	_, err = s.Lookup(ctx, "twilio", "SM3")
	assert.NoError(t, err, "first tried at +3 s: kept")
}

func testDone(t *testing.T, s outbox.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := reply("svc", "c1", 1)
	assert.ErrorIs(t, s.Put(ctx, r), context.Canceled)
	_, err := s.Pending(ctx, "svc")
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, s.Sent(ctx, r.Ref, "SM1", t0), context.Canceled)
	assert.ErrorIs(t, s.Drop(ctx, r.Ref), context.Canceled)
	_, err = s.Lookup(ctx, "twilio", "SM1")
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.Forget(ctx, t0)
	assert.ErrorIs(t, err, context.Canceled)
	got, err := s.Pending(t.Context(), "svc")
	require.NoError(t, err)
	assert.Empty(t, got, "nothing kept")
}

func testConcurrent(t *testing.T, s outbox.Store) {
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for n := range each {
				r := reply("svc", fmt.Sprint("c", w), n+1)
				assert.NoError(t, s.Put(t.Context(), r))
				assert.NoError(t, s.Put(t.Context(), r))
			}
		})
	}
	wg.Wait()
	got, err := s.Pending(t.Context(), "svc")
	require.NoError(t, err)
	assert.Len(t, got, writers*each, "every reply once")
	last := map[string]int64{}
	for _, r := range got {
		assert.Greater(t, r.Message.Seq, last[r.Message.Conversation], "each writer's replies in the order it put them")
		last[r.Message.Conversation] = r.Message.Seq
	}
}

// testConcurrentSent: many replies marked sent at once, each by two
// callers racing with different provider IDs: every reply is sent, and
// one of the two IDs stands for it, never both.
func testConcurrentSent(t *testing.T, s outbox.Store) {
	const convs, each = 8, 25
	var all []outbox.Reply
	for c := range convs {
		for n := range each {
			r := reply("svc", fmt.Sprint("c", c), n+1)
			require.NoError(t, s.Put(t.Context(), r))
			all = append(all, r)
		}
	}
	var wg sync.WaitGroup
	for _, r := range all {
		for _, who := range []string{"A", "B"} {
			wg.Go(func() { assert.NoError(t, s.Sent(t.Context(), r.Ref, who+"-"+r.Ref, t0.Add(time.Minute))) })
		}
	}
	wg.Wait()
	got, err := s.Pending(t.Context(), "svc")
	require.NoError(t, err)
	assert.Empty(t, got, "every reply sent")
	for _, r := range all {
		found := 0
		for _, who := range []string{"A", "B"} {
			f, err := s.Lookup(t.Context(), "twilio", who+"-"+r.Ref)
			if err == nil {
				found++
				assert.Equal(t, r.Ref, f.Ref)
			} else {
				assert.ErrorIs(t, err, outbox.ErrNotFound)
			}
		}
		assert.Equal(t, 1, found, "reply %s: one provider ID stands", r.Ref)
	}
}
