package transcripttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/transcript"
)

// Harness tells the suite how to make the store under test.
type Harness struct {
	// New returns an empty store. It is called once per subtest (and
	// benchmark); clean up with t.Cleanup.
	New func(t testing.TB) transcript.Store
}

// Run runs the conformance suite against the stores h makes. Run it
// under -race: the Concurrent subtests use many goroutines.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("transcripttest: Harness.New is nil; want a constructor of empty Transcripts stores")
	}
	cases := []struct {
		name string
		run  func(t *testing.T, s transcript.Store)
	}{
		{"Append/KeepsEveryField", testRoundTrip},
		{"Append/SeqFromOneWithoutGaps", testSeq},
		{"Append/AssignsIDWhenEmpty", testAssignsID},
		{"Append/KeepsGivenID", testKeepsID},
		{"Append/IdempotentOnClientMsgID", testIdempotent},
		{"Append/EmptyClientMsgIDIsNoResend", testEmptyClientMsgID},
		{"Append/InvalidStoresNothing", testInvalid},
		{"Since/AfterSeqInOrder", testSince},
		{"Since/UnknownConversationEmpty", testSinceUnknown},
		{"Since/CallerOwnsResult", testSinceOwned},
		{"DeleteService/CountsConversations", testDeleteService},
		{"DeleteService/Isolated", testDeleteIsolated},
		{"Context/Cancelled", func(t *testing.T, s transcript.Store) { testDone(t, s, cancelled(t)) }},
		{"Context/DeadlineExceeded", func(t *testing.T, s transcript.Store) { testDone(t, s, expired(t)) }},
		{"Concurrent/ManyConversations", testConcurrentConversations},
		{"Concurrent/OneConversation", testConcurrentOneConversation},
		{"Concurrent/RacingResends", testConcurrentResends},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := h.New(t)
			require.NotNil(t, s, "Harness.New returned a nil store; want an empty one")
			c.run(t, s)
		})
	}
}

// base is the first instant of the suite: whole microseconds in UTC, so
// that a store keeping microseconds (a SQL timestamp) keeps it exactly.
var base = time.Date(2030, time.May, 1, 9, 0, 0, 0, time.UTC).Add(123456 * time.Microsecond)

// msg returns the attendee's n-th message (from 0) of conversation conv
// of service svc, said n seconds after base, with client id cid.
func msg(svc, conv, cid string, n int) transcript.Message {
	return transcript.Message{ServiceID: svc, Conversation: conv, ClientMsgID: cid,
		Author: transcript.AuthorAttendee, Body: fmt.Sprintf("message %d", n), At: base.Add(time.Duration(n) * time.Second)}
}

// cancelled returns a context that is already cancelled.
func cancelled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}

// expired returns a context whose deadline has passed.
func expired(t *testing.T) context.Context {
	ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
	t.Cleanup(cancel)
	return ctx
}

func mustAppend(t testing.TB, s transcript.Store, m transcript.Message) transcript.Message {
	t.Helper()
	got, err := s.Append(context.Background(), m)
	require.NoError(t, err, "Append of message %q to %s/%s: want it stored", m.Body, m.ServiceID, m.Conversation)
	return got
}

func mustSince(t testing.TB, s transcript.Store, conv string, afterSeq int64) []transcript.Message {
	t.Helper()
	got, err := s.Since(context.Background(), conv, afterSeq)
	require.NoError(t, err, "Since(%q, %d): want no error", conv, afterSeq)
	return got
}

// seqs returns the Seqs of msgs, in order.
func seqs(msgs []transcript.Message) []int64 {
	out := make([]int64, len(msgs))
	for i, m := range msgs {
		out[i] = m.Seq
	}
	return out
}

// upTo returns 1, 2, ..., n.
func upTo(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

// assertMessages checks a list against the messages wanted, in order.
func assertMessages(t testing.TB, want, got []transcript.Message, what string) bool {
	t.Helper()
	if !assert.Equal(t, seqs(want), seqs(got), "%s: wanted messages of these Seqs, in this order", what) {
		return false
	}
	ok := true
	for i := range want {
		ok = assertMessage(t, want[i], got[i], fmt.Sprintf("%s[%d]", what, i)) && ok
	}
	return ok
}

// assertMessage checks that got holds the same message as want: At
// compares as an instant, as a store may drop monotonic readings and
// change locations.
func assertMessage(t testing.TB, want, got transcript.Message, what string) bool {
	t.Helper()
	ok := assert.Equal(t, want.ServiceID, got.ServiceID, "%s: ServiceID", what)
	ok = assert.Equal(t, want.Conversation, got.Conversation, "%s: Conversation", what) && ok
	ok = assert.Equal(t, want.ID, got.ID, "%s: ID", what) && ok
	ok = assert.Equal(t, want.Seq, got.Seq, "%s: Seq", what) && ok
	ok = assert.Equal(t, want.Author, got.Author, "%s: Author", what) && ok
	ok = assert.Equal(t, want.Body, got.Body, "%s: Body", what) && ok
	ok = assert.Equal(t, want.ClientMsgID, got.ClientMsgID, "%s: ClientMsgID", what) && ok
	if !(want.At.IsZero() && got.At.IsZero() || want.At.Equal(got.At)) {
		ok = assert.Fail(t, what+": At: wanted the same instant",
			"want %s, got %s", want.At.Format(time.RFC3339Nano), got.At.Format(time.RFC3339Nano)) && ok
	}
	return ok
}
