package recordstest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
)

// Harness tells the suite how to make the store under test.
type Harness struct {
	// New returns an empty store. It is called once per subtest (and
	// benchmark); clean up with t.Cleanup.
	New func(t testing.TB) routing.Records
}

// Run runs the conformance suite against the stores h makes. Run it
// under -race: the Concurrent subtests use many goroutines.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("recordstest: Harness.New is nil; want a constructor of empty Records stores")
	}
	cases := []struct {
		name string
		run  func(t *testing.T, s routing.Records)
	}{
		{"Put/RoundTripKeepsEveryField", testRoundTrip},
		{"Put/HigherSeqReplacesLive", testHigherSeq},
		{"Put/LowerOrEqualSeqIsStale", testLowerOrEqualSeq},
		{"Put/EndedIsFinal", testEndedFinal},
		{"Put/StaleSkipsOnlyThatRecord", testStaleSkipsOne},
		{"Put/BatchAppliedInOrder", testBatchInOrder},
		{"Put/SeqPerEngagement", testSeqPerEngagement},
		{"Put/InvalidStoresNothing", testInvalid},
		{"Live/ArrivalThenIDOrder", testLiveOrder},
		{"Live/UnknownServiceEmpty", testLiveUnknown},
		{"Live/NewSlice", testLiveNewSlice},
		{"Ended/WindowAndOrder", testEndedWindow},
		{"Ended/UnknownServiceEmpty", testEndedUnknown},
		{"Ended/NewSlice", testEndedNewSlice},
		{"Delete/CountsAndForgets", testDelete},
		{"Services/Isolated", testIsolated},
		{"Context/Cancelled", func(t *testing.T, s routing.Records) { testDone(t, s, cancelled(t)) }},
		{"Context/DeadlineExceeded", func(t *testing.T, s routing.Records) { testDone(t, s, expired(t)) }},
		{"Concurrent/HighestSeqWins", testConcurrentHighestSeq},
		{"Concurrent/DistinctServices", testConcurrentServices},
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

// far is an instant after every one the suite stores.
var far = base.Add(24 * time.Hour)

// waiting returns the record of an engagement that arrived at arrived
// and waits in queue "tickets" since 1.5ms later.
func waiting(service, id string, arrived time.Time, seq int64) routing.Record {
	return routing.Record{
		ServiceID: service,
		ID:        id,
		Queue:     "tickets",
		Kind:      modality.Chat,
		Arrived:   arrived,
		Entered:   arrived.Add(1500 * time.Microsecond),
		Seq:       seq,
	}
}

// connect returns r connected with agent at accepted, written as seq.
func connect(r routing.Record, agent string, accepted time.Time, seq int64) routing.Record {
	r.Agent, r.Accepted, r.Seq = agent, accepted, seq
	return r
}

// end returns r ended at at with outcome, written as seq.
func end(r routing.Record, at time.Time, outcome routing.Outcome, seq int64) routing.Record {
	r.Ended, r.Outcome, r.Seq = at, outcome, seq
	return r
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

func mustPut(t testing.TB, s routing.Records, recs ...routing.Record) {
	t.Helper()
	require.NoError(t, s.Put(context.Background(), recs...), "Put of %s: want them stored", keys(recs))
}

func mustLive(t testing.TB, s routing.Records, service string) []routing.Record {
	t.Helper()
	got, err := s.Live(context.Background(), service)
	require.NoError(t, err, "Live(%q): want no error", service)
	return got
}

func mustEnded(t testing.TB, s routing.Records, service string, from, to time.Time) []routing.Record {
	t.Helper()
	got, err := s.Ended(context.Background(), service, from, to)
	require.NoError(t, err, "Ended(%q, %s, %s): want no error", service, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
	return got
}

// keys names records by ID and Seq ("e-1#3"), in order.
func keys(rs []routing.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("%s#%d", r.ID, r.Seq)
	}
	return out
}

// assertRecords checks a list against the records wanted, in order.
func assertRecords(t testing.TB, want, got []routing.Record, what string) bool {
	t.Helper()
	if !assert.Equal(t, keys(want), keys(got), "%s: wanted these records (ID#Seq), in this order", what) {
		return false
	}
	ok := true
	for i := range want {
		ok = assertRecord(t, want[i], got[i], fmt.Sprintf("%s[%d]", what, i)) && ok
	}
	return ok
}

// assertRecord checks that got holds the same record as want: times
// compare as instants, as a store may drop monotonic readings and change
// locations.
func assertRecord(t testing.TB, want, got routing.Record, what string) bool {
	t.Helper()
	ok := assert.Equal(t, want.ServiceID, got.ServiceID, "%s: ServiceID", what)
	ok = assert.Equal(t, want.ID, got.ID, "%s: ID", what) && ok
	ok = assert.Equal(t, want.Queue, got.Queue, "%s: Queue", what) && ok
	ok = assert.Equal(t, want.Kind, got.Kind, "%s: Kind", what) && ok
	ok = assertInstant(t, want.Arrived, got.Arrived, what+": Arrived") && ok
	ok = assertInstant(t, want.Entered, got.Entered, what+": Entered") && ok
	ok = assert.Equal(t, want.Agent, got.Agent, "%s: Agent", what) && ok
	ok = assertInstant(t, want.Accepted, got.Accepted, what+": Accepted") && ok
	ok = assertInstant(t, want.Ended, got.Ended, what+": Ended") && ok
	ok = assert.Equal(t, want.Outcome, got.Outcome, "%s: Outcome", what) && ok
	ok = assert.Equal(t, want.Seq, got.Seq, "%s: Seq", what) && ok
	return ok
}

func assertInstant(t testing.TB, want, got time.Time, what string) bool {
	t.Helper()
	if want.IsZero() && got.IsZero() || want.Equal(got) {
		return true
	}
	return assert.Fail(t, what+": wanted the same instant",
		"want %s, got %s", want.Format(time.RFC3339Nano), got.Format(time.RFC3339Nano))
}

// zeroFields returns the names of r's fields that hold their zero value.
func zeroFields(r routing.Record) []string {
	var out []string
	v := reflect.ValueOf(r)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			out = append(out, v.Type().Field(i).Name)
		}
	}
	return out
}
