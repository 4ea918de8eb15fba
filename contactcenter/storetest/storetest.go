package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
)

// Harness tells the suite how to make the Store under test.
type Harness struct {
	// New returns an empty store. It is called once per subtest; clean up
	// with t.Cleanup.
	New func(t *testing.T) contactcenter.Store
}

// Run runs the conformance suite against the stores h makes.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("storetest: Harness.New is nil; want a constructor of empty stores")
	}
	cases := []struct {
		name string
		run  func(t *testing.T, st contactcenter.Store)
	}{
		{"Fixtures/FullyPopulated", testFixtures},
		{"Create/RoundTripKeepsEveryField", testCreateRoundTrip},
		{"Create/RevisionIsOne", testCreateRevisionOne},
		{"Create/Exists", testCreateExists},
		{"Get/NotFound", testGetNotFound},
		{"Copies/CreateInput", testCopyCreateInput},
		{"Copies/CreateResult", testCopyCreateResult},
		{"Copies/GetResult", testCopyGetResult},
		{"Copies/UpdateInput", testCopyUpdateInput},
		{"Copies/UpdateResult", testCopyUpdateResult},
		{"Copies/ListResult", testCopyListResult},
		{"Copies/PutPlanInput", testCopyPutPlanInput},
		{"Copies/GetPlanResult", testCopyGetPlanResult},
		{"Copies/AppendInput", testCopyAppendInput},
		{"Copies/JournalResult", testCopyJournalResult},
		{"Update/NextRevision", testUpdateNextRevision},
		{"Update/ReplacesEveryField", testUpdateReplaces},
		{"Update/StaleRevisionConflicts", testUpdateStale},
		{"Update/FutureRevisionConflicts", testUpdateFuture},
		{"Update/NotFound", testUpdateNotFound},
		{"List/AllSortedByID", testListAll},
		{"List/ByStates", testListByStates},
		{"List/Empty", testListEmpty},
		{"List/FollowsUpdates", testListFollowsUpdates},
		{"PutPlan/RoundTripKeepsEveryField", testPlanRoundTrip},
		{"PutPlan/SameDigestIsNoOp", testPlanSameDigest},
		{"PutPlan/OtherDigestConflicts", testPlanOtherDigest},
		{"GetPlan/NotFound", testGetPlanNotFound},
		{"Append/FirstSeqIsOne", testAppendFirstSeq},
		{"Append/NextSeq", testAppendNextSeq},
		{"Append/GapConflicts", testAppendGap},
		{"Append/DuplicateConflicts", testAppendDuplicate},
		{"Append/UnknownPlanNotFound", testAppendUnknownPlan},
		{"Journal/InSeqOrder", testJournalOrder},
		{"Journal/EmptyForPlanNeverRun", testJournalEmpty},
		{"Journal/UnknownPlanNotFound", testJournalUnknownPlan},
		{"Journal/PerPlan", testJournalPerPlan},
		{"Context/Cancelled", func(t *testing.T, st contactcenter.Store) { testDoneContext(t, st, cancelled(t)) }},
		{"Context/DeadlineExceeded", func(t *testing.T, st contactcenter.Store) { testDoneContext(t, st, expired(t)) }},
		{"Concurrent/UpdatesOneWinnerPerRevision", testConcurrentUpdates},
		{"Concurrent/UpdatesWithRetryLoseNothing", testConcurrentIncrements},
		{"Concurrent/CreatesOneWinner", testConcurrentCreates},
		{"Concurrent/AppendsOneWinnerPerSeq", testConcurrentAppendsOneSeq},
		{"Concurrent/AppendsEachSeqOnce", testConcurrentAppends},
		{"Concurrent/Mixed", testConcurrentMixed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := h.New(t)
			require.NotNil(t, st, "Harness.New returned a nil Store; want an empty store")
			c.run(t, st)
		})
	}
	runCapability(t, h, commitCases, "the executor writes one change at a time")
	runCapability(t, h, leaseCases, "a store for one Lifecycle at a time")
	runCapability(t, h, accountCases, "messages to social accounts are not forwarded between replicas")
}

// capabilityCase is a case of an optional capability C of a Store.
type capabilityCase[C any] struct {
	name string
	run  func(t *testing.T, st contactcenter.Store, c C)
}

// runCapability runs cases against new stores of h's, each skipped, with
// what that means (without), when the store does not implement C.
func runCapability[C any](t *testing.T, h Harness, cases []capabilityCase[C], without string) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := h.New(t)
			cp, ok := st.(C)
			if !ok {
				var zero *C
				t.Skipf("%T does not implement %v: %s", st, reflect.TypeOf(zero).Elem(), without)
			}
			c.run(t, st, cp)
		})
	}
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

// assertEqual compares want and got after normalizing both.
func assertEqual[T any](t *testing.T, want, got T, msgAndArgs ...any) bool {
	t.Helper()
	return assert.Equal(t, normalized(want), normalized(got), msgAndArgs...)
}

// stored returns s as Create or Update should have stored it.
func stored(s contactcenter.Service, revision int64) contactcenter.Service {
	s.Revision = revision
	return s
}

func mustCreate(t *testing.T, st contactcenter.Store, s contactcenter.Service) contactcenter.Service {
	t.Helper()
	got, err := st.Create(t.Context(), s)
	require.NoError(t, err, "Create(%q) of a new service: want no error", s.ID)
	return got
}

func mustGet(t *testing.T, st contactcenter.Store, id string) contactcenter.Service {
	t.Helper()
	got, err := st.Get(t.Context(), id)
	require.NoError(t, err, "Get(%q) of a stored service: want no error", id)
	return got
}

func mustPutPlan(t *testing.T, st contactcenter.Store, p contactcenter.Plan) {
	t.Helper()
	require.NoError(t, st.PutPlan(t.Context(), p), "PutPlan(%q) of a new plan: want no error", p.ID)
}

func mustJournal(t *testing.T, st contactcenter.Store, planID string) []contactcenter.JournalEntry {
	t.Helper()
	j, err := st.Journal(t.Context(), planID)
	require.NoError(t, err, "Journal(%q) of a stored plan: want no error", planID)
	return j
}

func appendSeqs(t *testing.T, st contactcenter.Store, planID string, seqs ...int64) {
	t.Helper()
	for _, seq := range seqs {
		require.NoError(t, st.Append(t.Context(), entry(planID, seq)), "Append(%q, seq %d) in order: want no error", planID, seq)
	}
}

func seqsOf(j []contactcenter.JournalEntry) []int64 {
	out := make([]int64, len(j))
	for i, e := range j {
		out[i] = e.Seq
	}
	return out
}

func idsOf(ss []contactcenter.Service) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

func testFixtures(t *testing.T, _ contactcenter.Store) {
	s := stored(service("expo", contactcenter.Active), 1) // stores set Revision
	assert.Empty(t, zeroPaths(reflect.ValueOf(s), "Service", nil), "want every field of the Service fixture set")
	p := plan("expo", contactcenter.DeployKind)
	assert.Empty(t, zeroPaths(reflect.ValueOf(p), "Plan", nil), "want every field of the Plan fixture set")
	e := entry("expo/deploy", 1)
	assert.Empty(t, zeroPaths(reflect.ValueOf(e), "JournalEntry", nil), "want every field of the JournalEntry fixture set")
	assert.Equal(t, p.ComputeDigest(), p.Digest, "want the Plan fixture's Digest computed from its steps")
}

func testCreateRoundTrip(t *testing.T, st contactcenter.Store) {
	want := service("expo-2026", contactcenter.Scheduled)
	created := mustCreate(t, st, want)
	assertEqual(t, stored(want, 1), created, "Create: want the service returned as given, with Revision 1")
	assertEqual(t, stored(want, 1), mustGet(t, st, want.ID), "Get after Create: want every field as given, with Revision 1")
}

func testCreateRevisionOne(t *testing.T, st contactcenter.Store) {
	for _, rev := range []int64{0, 1, 7, -3} {
		s := service(fmt.Sprintf("rev-%d", rev), contactcenter.Requested)
		s.Revision = rev
		got := mustCreate(t, st, s)
		assert.Equal(t, int64(1), got.Revision, "Create with Revision %d: want Revision 1 returned", rev)
		assert.Equal(t, int64(1), mustGet(t, st, s.ID).Revision, "Create with Revision %d: want Revision 1 stored", rev)
	}
}

func testCreateExists(t *testing.T, st contactcenter.Store) {
	first := service("gala", contactcenter.Requested)
	mustCreate(t, st, first)
	second := service("gala", contactcenter.Active)
	second.Err = &contactcenter.Failure{Message: "second"}
	_, err := st.Create(t.Context(), second)
	assert.ErrorIs(t, err, contactcenter.ErrExists, "second Create of one ID: want ErrExists")
	assertEqual(t, stored(first, 1), mustGet(t, st, "gala"), "after a refused Create: want the first service unchanged")
}

func testGetNotFound(t *testing.T, st contactcenter.Store) {
	_, err := st.Get(t.Context(), "nobody")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "Get of an unknown ID: want ErrNotFound")
	mustCreate(t, st, service("somebody", contactcenter.Requested))
	_, err = st.Get(t.Context(), "nobody")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "Get of an unknown ID in a non-empty store: want ErrNotFound")
}

func testCopyCreateInput(t *testing.T, st contactcenter.Store) {
	in := service("copy", contactcenter.Active)
	_, err := st.Create(t.Context(), in)
	require.NoError(t, err)
	scrambled(&in)
	assertEqual(t, stored(service("copy", contactcenter.Active), 1), mustGet(t, st, "copy"),
		"after the caller changed what it passed to Create: want the stored service unchanged")
}

func testCopyCreateResult(t *testing.T, st contactcenter.Store) {
	out := mustCreate(t, st, service("copy", contactcenter.Active))
	scrambled(&out)
	assertEqual(t, stored(service("copy", contactcenter.Active), 1), mustGet(t, st, "copy"),
		"after the caller changed what Create returned: want the stored service unchanged")
}

func testCopyGetResult(t *testing.T, st contactcenter.Store) {
	mustCreate(t, st, service("copy", contactcenter.Active))
	out := mustGet(t, st, "copy")
	scrambled(&out)
	assertEqual(t, stored(service("copy", contactcenter.Active), 1), mustGet(t, st, "copy"),
		"after the caller changed what Get returned: want the stored service unchanged")
}

func testCopyUpdateInput(t *testing.T, st contactcenter.Store) {
	mustCreate(t, st, service("copy", contactcenter.Active))
	in := stored(service("copy", contactcenter.Terminating), 1)
	_, err := st.Update(t.Context(), in)
	require.NoError(t, err, "Update at the stored revision: want no error")
	scrambled(&in)
	assertEqual(t, stored(service("copy", contactcenter.Terminating), 2), mustGet(t, st, "copy"),
		"after the caller changed what it passed to Update: want the stored service unchanged")
}

func testCopyUpdateResult(t *testing.T, st contactcenter.Store) {
	mustCreate(t, st, service("copy", contactcenter.Active))
	out, err := st.Update(t.Context(), stored(service("copy", contactcenter.Terminating), 1))
	require.NoError(t, err, "Update at the stored revision: want no error")
	scrambled(&out)
	assertEqual(t, stored(service("copy", contactcenter.Terminating), 2), mustGet(t, st, "copy"),
		"after the caller changed what Update returned: want the stored service unchanged")
}

func testCopyListResult(t *testing.T, st contactcenter.Store) {
	mustCreate(t, st, service("copy", contactcenter.Active))
	out, err := st.List(t.Context())
	require.NoError(t, err)
	require.Len(t, out, 1, "List of a store with one service: want it")
	scrambled(&out)
	assertEqual(t, stored(service("copy", contactcenter.Active), 1), mustGet(t, st, "copy"),
		"after the caller changed what List returned: want the stored service unchanged")
}

func testCopyPutPlanInput(t *testing.T, st contactcenter.Store) {
	in := plan("copy", contactcenter.DeployKind)
	mustPutPlan(t, st, in)
	scrambled(&in)
	got, err := st.GetPlan(t.Context(), "copy/deploy")
	require.NoError(t, err)
	assertEqual(t, plan("copy", contactcenter.DeployKind), got,
		"after the caller changed what it passed to PutPlan: want the stored plan unchanged")
}

func testCopyGetPlanResult(t *testing.T, st contactcenter.Store) {
	mustPutPlan(t, st, plan("copy", contactcenter.DeployKind))
	out, err := st.GetPlan(t.Context(), "copy/deploy")
	require.NoError(t, err)
	scrambled(&out)
	got, err := st.GetPlan(t.Context(), "copy/deploy")
	require.NoError(t, err)
	assertEqual(t, plan("copy", contactcenter.DeployKind), got,
		"after the caller changed what GetPlan returned: want the stored plan unchanged")
}

func testCopyAppendInput(t *testing.T, st contactcenter.Store) {
	mustPutPlan(t, st, plan("copy", contactcenter.DeployKind))
	in := entry("copy/deploy", 1)
	require.NoError(t, st.Append(t.Context(), in))
	scrambled(&in)
	assertEqual(t, []contactcenter.JournalEntry{entry("copy/deploy", 1)}, mustJournal(t, st, "copy/deploy"),
		"after the caller changed what it passed to Append (its Output too): want the journal unchanged")
}

func testCopyJournalResult(t *testing.T, st contactcenter.Store) {
	mustPutPlan(t, st, plan("copy", contactcenter.DeployKind))
	appendSeqs(t, st, "copy/deploy", 1, 2)
	out := mustJournal(t, st, "copy/deploy")
	scrambled(&out)
	assertEqual(t, []contactcenter.JournalEntry{entry("copy/deploy", 1), entry("copy/deploy", 2)}, mustJournal(t, st, "copy/deploy"),
		"after the caller changed what Journal returned: want the journal unchanged")
}

func testUpdateNextRevision(t *testing.T, st contactcenter.Store) {
	cur := mustCreate(t, st, service("expo", contactcenter.Scheduled))
	for want := int64(2); want <= 4; want++ {
		cur.State = contactcenter.Deploying
		cur.Timeline = append(cur.Timeline, contactcenter.Transition{At: t0.Add(time.Duration(want) * time.Hour), From: contactcenter.Scheduled, To: contactcenter.Deploying, Reason: fmt.Sprint("update ", want)})
		next, err := st.Update(t.Context(), cur)
		require.NoError(t, err, "Update at the stored revision %d: want no error", cur.Revision)
		assertEqual(t, stored(cur, want), next, "Update at revision %d: want the service returned with revision %d", cur.Revision, want)
		assertEqual(t, stored(cur, want), mustGet(t, st, "expo"), "Get after Update: want the update stored with revision %d", want)
		cur = next
	}
}

func testUpdateReplaces(t *testing.T, st contactcenter.Store) {
	mustCreate(t, st, service("expo", contactcenter.Active))
	// A service with little set: an update replaces, it does not merge.
	sparse := contactcenter.Service{ID: "expo", State: contactcenter.Terminated, Revision: 1, Created: t0, Updated: t0.Add(200 * time.Hour)}
	got, err := st.Update(t.Context(), sparse)
	require.NoError(t, err, "Update at the stored revision: want no error")
	assertEqual(t, stored(sparse, 2), got, "Update with fields cleared: want them cleared in the result")
	assertEqual(t, stored(sparse, 2), mustGet(t, st, "expo"), "Update with fields cleared: want them cleared in the store, not merged")

	full := stored(service("expo", contactcenter.Cancelled), 2)
	got, err = st.Update(t.Context(), full)
	require.NoError(t, err, "Update at the stored revision: want no error")
	assertEqual(t, stored(full, 3), got, "Update setting every field: want every field returned")
	assertEqual(t, stored(full, 3), mustGet(t, st, "expo"), "Update setting every field: want every field stored")
}

func testUpdateStale(t *testing.T, st contactcenter.Store) {
	first := mustCreate(t, st, service("expo", contactcenter.Scheduled))
	second := first
	second.State = contactcenter.Deploying
	second, err := st.Update(t.Context(), second)
	require.NoError(t, err)

	stale := first
	stale.State = contactcenter.Cancelled
	_, err = st.Update(t.Context(), stale)
	assert.ErrorIs(t, err, contactcenter.ErrConflict, "Update at revision 1 when 2 is stored: want ErrConflict")
	assertEqual(t, second, mustGet(t, st, "expo"), "after a conflicting Update: want the stored service unchanged")
}

func testUpdateFuture(t *testing.T, st contactcenter.Store) {
	first := mustCreate(t, st, service("expo", contactcenter.Scheduled))
	for _, rev := range []int64{0, 2, 9} {
		s := first
		s.Revision = rev
		s.State = contactcenter.Cancelled
		_, err := st.Update(t.Context(), s)
		assert.ErrorIs(t, err, contactcenter.ErrConflict, "Update at revision %d when 1 is stored: want ErrConflict", rev)
	}
	assertEqual(t, first, mustGet(t, st, "expo"), "after conflicting Updates: want the stored service unchanged")
}

func testUpdateNotFound(t *testing.T, st contactcenter.Store) {
	for _, rev := range []int64{0, 1} {
		s := service("ghost", contactcenter.Active)
		s.Revision = rev
		_, err := st.Update(t.Context(), s)
		assert.ErrorIs(t, err, contactcenter.ErrNotFound, "Update (revision %d) of an unknown service: want ErrNotFound", rev)
	}
	_, err := st.Get(t.Context(), "ghost")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "after Update of an unknown service: want it still unknown, not created")
}

// population creates services in an order unlike their IDs' and returns
// them by ID.
func population(t *testing.T, st contactcenter.Store) map[string]contactcenter.Service {
	t.Helper()
	byID := map[string]contactcenter.Service{}
	for _, c := range []struct {
		id    string
		state contactcenter.State
	}{
		{"m-gala", contactcenter.Active},
		{"b-fair", contactcenter.Requested},
		{"z-expo", contactcenter.Active},
		{"a-con", contactcenter.Terminated},
		{"k-summit", contactcenter.Scheduled},
		{"A-upper", contactcenter.Failed},
		{"b-fair-2", contactcenter.Cancelled},
	} {
		byID[c.id] = mustCreate(t, st, service(c.id, c.state))
	}
	return byID
}

func testListAll(t *testing.T, st contactcenter.Store) {
	byID := population(t, st)
	got, err := st.List(t.Context())
	require.NoError(t, err, "List with no states: want no error")
	assert.Equal(t, []string{"A-upper", "a-con", "b-fair", "b-fair-2", "k-summit", "m-gala", "z-expo"}, idsOf(got),
		"List with no states: want every service, sorted by ID (byte order)")
	for _, s := range got {
		assertEqual(t, byID[s.ID], s, "List: want service %q with every field as stored", s.ID)
	}
}

func testListByStates(t *testing.T, st contactcenter.Store) {
	population(t, st)
	for _, c := range []struct {
		name   string
		states []contactcenter.State
		want   []string
	}{
		{"one state", []contactcenter.State{contactcenter.Active}, []string{"m-gala", "z-expo"}},
		{"two states", []contactcenter.State{contactcenter.Terminated, contactcenter.Requested}, []string{"a-con", "b-fair"}},
		{"repeated state", []contactcenter.State{contactcenter.Active, contactcenter.Active}, []string{"m-gala", "z-expo"}},
		{"final states", []contactcenter.State{contactcenter.Terminated, contactcenter.Cancelled, contactcenter.Failed}, []string{"A-upper", "a-con", "b-fair-2"}},
		{"no service in state", []contactcenter.State{contactcenter.Deploying}, nil},
		{"unknown state", []contactcenter.State{"no-such-state"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := st.List(t.Context(), c.states...)
			require.NoError(t, err, "List(%v): want no error", c.states)
			assert.Equal(t, c.want, normalized(idsOf(got)), "List(%v): want the services in those states, sorted by ID, each once", c.states)
			for _, s := range got {
				assert.Contains(t, c.states, s.State, "List(%v) returned %q in state %q", c.states, s.ID, s.State)
			}
		})
	}
}

func testListEmpty(t *testing.T, st contactcenter.Store) {
	got, err := st.List(t.Context())
	require.NoError(t, err, "List of an empty store: want no error")
	assert.Empty(t, got, "List of an empty store: want nothing")
	got, err = st.List(t.Context(), contactcenter.Active)
	require.NoError(t, err, "List(active) of an empty store: want no error")
	assert.Empty(t, got, "List(active) of an empty store: want nothing")
}

func testListFollowsUpdates(t *testing.T, st contactcenter.Store) {
	population(t, st)
	s := mustGet(t, st, "m-gala")
	s.State = contactcenter.Terminating
	_, err := st.Update(t.Context(), s)
	require.NoError(t, err)
	active, err := st.List(t.Context(), contactcenter.Active)
	require.NoError(t, err)
	assert.Equal(t, []string{"z-expo"}, idsOf(active), "List(active) after m-gala moved to terminating: want only z-expo")
	terminating, err := st.List(t.Context(), contactcenter.Terminating)
	require.NoError(t, err)
	require.Equal(t, []string{"m-gala"}, idsOf(terminating), "List(terminating) after m-gala moved there: want it")
	assert.Equal(t, int64(2), terminating[0].Revision, "List after an Update: want the updated revision")
}

func testPlanRoundTrip(t *testing.T, st contactcenter.Store) {
	for _, kind := range []contactcenter.PlanKind{contactcenter.DeployKind, contactcenter.CloseKind} {
		mustPutPlan(t, st, plan("expo", kind))
	}
	for _, kind := range []contactcenter.PlanKind{contactcenter.DeployKind, contactcenter.CloseKind} {
		want := plan("expo", kind)
		got, err := st.GetPlan(t.Context(), want.ID)
		require.NoError(t, err, "GetPlan(%q) of a stored plan: want no error", want.ID)
		assertEqual(t, want, got, "GetPlan(%q): want every field as stored, undo steps included", want.ID)
	}
}

func testPlanSameDigest(t *testing.T, st contactcenter.Store) {
	first := plan("expo", contactcenter.DeployKind)
	mustPutPlan(t, st, first)
	again := plan("expo", contactcenter.DeployKind)
	again.Created = first.Created.Add(time.Hour) // not part of the digest
	require.Equal(t, first.Digest, again.Digest)
	assert.NoError(t, st.PutPlan(t.Context(), again), "PutPlan of a stored ID with the same Digest: want no error")
	got, err := st.GetPlan(t.Context(), first.ID)
	require.NoError(t, err)
	assertEqual(t, first, got, "PutPlan again with the same Digest: want a no-op, the plan as first stored")

	appendSeqs(t, st, first.ID, 1, 2)
	assert.NoError(t, st.PutPlan(t.Context(), first), "PutPlan again after the plan ran: want no error")
	assert.Equal(t, []int64{1, 2}, seqsOf(mustJournal(t, st, first.ID)), "PutPlan again after the plan ran: want its journal kept")
}

func testPlanOtherDigest(t *testing.T, st contactcenter.Store) {
	first := plan("expo", contactcenter.DeployKind)
	mustPutPlan(t, st, first)
	other := plan("expo", contactcenter.DeployKind)
	other.Steps = other.Steps[:1]
	other.Digest = other.ComputeDigest()
	require.NotEqual(t, first.Digest, other.Digest)
	err := st.PutPlan(t.Context(), other)
	assert.ErrorIs(t, err, contactcenter.ErrConflict, "PutPlan of a stored ID with another Digest: want ErrConflict")
	got, err := st.GetPlan(t.Context(), first.ID)
	require.NoError(t, err)
	assertEqual(t, first, got, "after a conflicting PutPlan: want the plan as first stored")
}

func testGetPlanNotFound(t *testing.T, st contactcenter.Store) {
	_, err := st.GetPlan(t.Context(), "expo/deploy")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "GetPlan of an unknown plan: want ErrNotFound")
	mustPutPlan(t, st, plan("expo", contactcenter.CloseKind))
	_, err = st.GetPlan(t.Context(), "expo/deploy")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "GetPlan of an unknown plan beside a stored one: want ErrNotFound")
	mustCreate(t, st, service("gala", contactcenter.Requested))
	_, err = st.GetPlan(t.Context(), "gala")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "GetPlan of a service's ID: want ErrNotFound, plans and services are apart")
}

func testAppendFirstSeq(t *testing.T, st contactcenter.Store) {
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	for _, seq := range []int64{0, -1, 2, 5} {
		err := st.Append(t.Context(), entry("expo/deploy", seq))
		assert.ErrorIs(t, err, contactcenter.ErrConflict, "first Append with Seq %d: want ErrConflict, the first Seq is 1", seq)
	}
	assert.Empty(t, mustJournal(t, st, "expo/deploy"), "after refused Appends: want the journal empty")
	assert.NoError(t, st.Append(t.Context(), entry("expo/deploy", 1)), "first Append with Seq 1: want no error")
}

func testAppendNextSeq(t *testing.T, st contactcenter.Store) {
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	for seq := int64(1); seq <= 5; seq++ {
		assert.NoError(t, st.Append(t.Context(), entry("expo/deploy", seq)), "Append with Seq %d after %d entries: want no error", seq, seq-1)
	}
	assert.Equal(t, []int64{1, 2, 3, 4, 5}, seqsOf(mustJournal(t, st, "expo/deploy")), "after Appends 1 to 5: want them all")
}

func testAppendGap(t *testing.T, st contactcenter.Store) {
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	appendSeqs(t, st, "expo/deploy", 1, 2, 3)
	for _, seq := range []int64{5, 100} {
		err := st.Append(t.Context(), entry("expo/deploy", seq))
		assert.ErrorIs(t, err, contactcenter.ErrConflict, "Append with Seq %d after 3: want ErrConflict", seq)
	}
	assert.Equal(t, []int64{1, 2, 3}, seqsOf(mustJournal(t, st, "expo/deploy")), "after refused Appends: want the journal unchanged")
}

func testAppendDuplicate(t *testing.T, st contactcenter.Store) {
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	appendSeqs(t, st, "expo/deploy", 1, 2, 3)
	for _, seq := range []int64{3, 2, 1, 0} {
		dup := entry("expo/deploy", seq)
		dup.Step = "someone else's"
		err := st.Append(t.Context(), dup)
		assert.ErrorIs(t, err, contactcenter.ErrConflict, "Append with Seq %d after 3: want ErrConflict", seq)
	}
	assertEqual(t, []contactcenter.JournalEntry{entry("expo/deploy", 1), entry("expo/deploy", 2), entry("expo/deploy", 3)},
		mustJournal(t, st, "expo/deploy"), "after refused duplicate Appends: want the journal unchanged")
}

func testAppendUnknownPlan(t *testing.T, st contactcenter.Store) {
	err := st.Append(t.Context(), entry("ghost/deploy", 1))
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "Append to an unknown plan: want ErrNotFound")
	mustCreate(t, st, service("ghost", contactcenter.Requested))
	err = st.Append(t.Context(), entry("ghost", 1))
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "Append to a service's ID, not a plan's: want ErrNotFound")
	mustPutPlan(t, st, plan("ghost", contactcenter.DeployKind))
	assert.Empty(t, mustJournal(t, st, "ghost/deploy"), "a plan stored after a refused Append: want its journal empty")
}

func testJournalOrder(t *testing.T, st contactcenter.Store) {
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	var want []contactcenter.JournalEntry
	statuses := []contactcenter.StepStatus{contactcenter.StepStarted, contactcenter.StepDone, contactcenter.StepStarted, contactcenter.StepFailed, contactcenter.StepUndone}
	for i, status := range statuses {
		e := entry("expo/deploy", int64(i+1))
		e.Status = status
		e.Step = fmt.Sprintf("%02d-step", 10-i) // keys sort unlike Seq
		e.At = t0.Add(-time.Duration(i) * time.Minute)
		require.NoError(t, st.Append(t.Context(), e))
		want = append(want, e)
	}
	assertEqual(t, want, mustJournal(t, st, "expo/deploy"), "Journal: want every entry with every field, in Seq order")
}

func testJournalEmpty(t *testing.T, st contactcenter.Store) {
	mustPutPlan(t, st, plan("expo", contactcenter.CloseKind))
	j, err := st.Journal(t.Context(), "expo/close")
	assert.NoError(t, err, "Journal of a stored plan never run: want no error")
	assert.Empty(t, j, "Journal of a stored plan never run: want it empty")
}

func testJournalUnknownPlan(t *testing.T, st contactcenter.Store) {
	_, err := st.Journal(t.Context(), "ghost/deploy")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "Journal of an unknown plan: want ErrNotFound")
	mustPutPlan(t, st, plan("ghost", contactcenter.CloseKind))
	_, err = st.Journal(t.Context(), "ghost/deploy")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "Journal of an unknown plan beside a stored one: want ErrNotFound")
}

func testJournalPerPlan(t *testing.T, st contactcenter.Store) {
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	mustPutPlan(t, st, plan("expo", contactcenter.CloseKind))
	mustPutPlan(t, st, plan("gala", contactcenter.DeployKind))
	appendSeqs(t, st, "expo/deploy", 1, 2, 3)
	appendSeqs(t, st, "gala/deploy", 1)
	assert.NoError(t, st.Append(t.Context(), entry("expo/close", 1)), "first Append to a plan beside a longer journal: want Seq 1 accepted")
	assert.Equal(t, []int64{1, 2, 3}, seqsOf(mustJournal(t, st, "expo/deploy")), "journal of expo/deploy: want only its own entries")
	assert.Equal(t, []int64{1}, seqsOf(mustJournal(t, st, "expo/close")), "journal of expo/close: want only its own entries")
	gala := mustJournal(t, st, "gala/deploy")
	assert.Equal(t, []int64{1}, seqsOf(gala), "journal of gala/deploy: want only its own entries")
	for _, e := range gala {
		assert.Equal(t, "gala/deploy", e.PlanID, "journal of gala/deploy: want entries of that plan")
	}
}

// testDoneContext checks that every method returns ctx.Err() for a done
// ctx and changes nothing.
func testDoneContext(t *testing.T, st contactcenter.Store, done context.Context) {
	want := done.Err()
	require.Error(t, want)
	existing := mustCreate(t, st, service("expo", contactcenter.Active))
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	appendSeqs(t, st, "expo/deploy", 1)

	_, err := st.Create(done, service("new", contactcenter.Requested))
	assert.ErrorIs(t, err, want, "Create with a done ctx: want ctx.Err()")
	_, err = st.Get(t.Context(), "new")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "after Create with a done ctx: want nothing created")

	_, err = st.Get(done, "expo")
	assert.ErrorIs(t, err, want, "Get with a done ctx: want ctx.Err()")

	upd := existing
	upd.State = contactcenter.Terminating
	_, err = st.Update(done, upd)
	assert.ErrorIs(t, err, want, "Update with a done ctx: want ctx.Err()")
	assertEqual(t, existing, mustGet(t, st, "expo"), "after Update with a done ctx: want the service unchanged")

	_, err = st.List(done)
	assert.ErrorIs(t, err, want, "List with a done ctx: want ctx.Err()")
	_, err = st.List(done, contactcenter.Active)
	assert.ErrorIs(t, err, want, "List(active) with a done ctx: want ctx.Err()")

	err = st.PutPlan(done, plan("expo", contactcenter.CloseKind))
	assert.ErrorIs(t, err, want, "PutPlan with a done ctx: want ctx.Err()")
	_, err = st.GetPlan(t.Context(), "expo/close")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "after PutPlan with a done ctx: want nothing stored")

	_, err = st.GetPlan(done, "expo/deploy")
	assert.ErrorIs(t, err, want, "GetPlan with a done ctx: want ctx.Err()")

	err = st.Append(done, entry("expo/deploy", 2))
	assert.ErrorIs(t, err, want, "Append with a done ctx: want ctx.Err()")
	assert.Equal(t, []int64{1}, seqsOf(mustJournal(t, st, "expo/deploy")), "after Append with a done ctx: want the journal unchanged")

	_, err = st.Journal(done, "expo/deploy")
	assert.ErrorIs(t, err, want, "Journal with a done ctx: want ctx.Err()")
}

// errorsOf collects unexpected errors from goroutines, to be checked by
// the test's own goroutine.
type errorsOf struct {
	mu   sync.Mutex
	errs []error
}

func (e *errorsOf) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, err)
}

func (e *errorsOf) check(t *testing.T, what string) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	assert.Empty(t, e.errs, "%s: want no error but ErrConflict", what)
}

const (
	writers = 8
	rounds  = 20
)

func testConcurrentUpdates(t *testing.T, st contactcenter.Store) {
	mustCreate(t, st, service("expo", contactcenter.Active))
	for round := range rounds {
		cur := mustGet(t, st, "expo")
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			winners   []string
			conflicts int
			unexpect  errorsOf
		)
		start := make(chan struct{})
		for w := range writers {
			wg.Go(func() {
				s := cur // each writer changes its own copy of the value
				s.Err = &contactcenter.Failure{Message: fmt.Sprintf("round %d writer %d", round, w)}
				<-start
				_, err := st.Update(t.Context(), s)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					winners = append(winners, s.Err.Message)
				case errors.Is(err, contactcenter.ErrConflict):
					conflicts++
				default:
					unexpect.add(err)
				}
			})
		}
		close(start)
		wg.Wait()
		unexpect.check(t, "concurrent Updates")
		require.Len(t, winners, 1, "round %d: %d concurrent Updates at revision %d: want exactly one to succeed", round, writers, cur.Revision)
		assert.Equal(t, writers-1, conflicts, "round %d: want every other Update to get ErrConflict", round)
		got := mustGet(t, st, "expo")
		assert.Equal(t, cur.Revision+1, got.Revision, "round %d: want the revision one more", round)
		require.NotNil(t, got.Err)
		assert.Equal(t, winners[0], got.Err.Message, "round %d: want the winner's service stored", round)
	}
}

func testConcurrentIncrements(t *testing.T, st contactcenter.Store) {
	mustCreate(t, st, service("expo", contactcenter.Active))
	var (
		wg       sync.WaitGroup
		unexpect errorsOf
	)
	for range writers {
		wg.Go(func() {
			for range rounds {
				for {
					s, err := st.Get(t.Context(), "expo")
					if err != nil {
						unexpect.add(err)
						return
					}
					s.Usage.PeakAgents++
					_, err = st.Update(t.Context(), s)
					if err == nil {
						break
					}
					if !errors.Is(err, contactcenter.ErrConflict) {
						unexpect.add(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	unexpect.check(t, "concurrent read-modify-Update loops")
	want := service("expo", contactcenter.Active).Usage.PeakAgents + writers*rounds
	got := mustGet(t, st, "expo")
	assert.Equal(t, want, got.Usage.PeakAgents, "%d writers each incrementing %d times with retry on ErrConflict: want no increment lost", writers, rounds)
	assert.Equal(t, int64(1+writers*rounds), got.Revision, "want one revision per successful Update")
}

func testConcurrentCreates(t *testing.T, st contactcenter.Store) {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		winners  []string
		exists   int
		unexpect errorsOf
	)
	start := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			s := service("expo", contactcenter.Requested)
			s.Err = &contactcenter.Failure{Message: fmt.Sprint("writer ", w)}
			<-start
			_, err := st.Create(t.Context(), s)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners = append(winners, s.Err.Message)
			case errors.Is(err, contactcenter.ErrExists):
				exists++
			default:
				unexpect.add(err)
			}
		})
	}
	close(start)
	wg.Wait()
	unexpect.check(t, "concurrent Creates")
	require.Len(t, winners, 1, "%d concurrent Creates of one ID: want exactly one to succeed", writers)
	assert.Equal(t, writers-1, exists, "want every other Create to get ErrExists")
	got := mustGet(t, st, "expo")
	require.NotNil(t, got.Err)
	assert.Equal(t, winners[0], got.Err.Message, "want the winner's service stored")
	assert.Equal(t, int64(1), got.Revision, "want Revision 1")
}

func testConcurrentAppendsOneSeq(t *testing.T, st contactcenter.Store) {
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	for seq := int64(1); seq <= rounds; seq++ {
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			winners   []string
			conflicts int
			unexpect  errorsOf
		)
		start := make(chan struct{})
		for w := range writers {
			wg.Go(func() {
				e := entry("expo/deploy", seq)
				e.Step = fmt.Sprint("writer ", w)
				<-start
				err := st.Append(t.Context(), e)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					winners = append(winners, e.Step)
				case errors.Is(err, contactcenter.ErrConflict):
					conflicts++
				default:
					unexpect.add(err)
				}
			})
		}
		close(start)
		wg.Wait()
		unexpect.check(t, "concurrent Appends")
		require.Len(t, winners, 1, "%d concurrent Appends of Seq %d: want exactly one to succeed", writers, seq)
		assert.Equal(t, writers-1, conflicts, "Seq %d: want every other Append to get ErrConflict", seq)
		j := mustJournal(t, st, "expo/deploy")
		require.Len(t, j, int(seq), "after the Appends of Seq %d: want %d entries", seq, seq)
		assert.Equal(t, winners[0], j[seq-1].Step, "Seq %d: want the winner's entry", seq)
	}
}

func testConcurrentAppends(t *testing.T, st contactcenter.Store) {
	const entries = 60
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		wrote    = map[int64][]string{} // seq -> writers whose Append succeeded
		unexpect errorsOf
	)
	for w := range writers {
		wg.Go(func() {
			me := fmt.Sprint("writer ", w)
			for {
				j, err := st.Journal(t.Context(), "expo/deploy")
				if err != nil {
					unexpect.add(err)
					return
				}
				seq := int64(len(j)) + 1
				if seq > entries {
					return
				}
				e := entry("expo/deploy", seq)
				e.Step = me
				err = st.Append(t.Context(), e)
				if err == nil {
					mu.Lock()
					wrote[seq] = append(wrote[seq], me)
					mu.Unlock()
					continue
				}
				if !errors.Is(err, contactcenter.ErrConflict) {
					unexpect.add(err)
					return
				}
			}
		})
	}
	wg.Wait()
	unexpect.check(t, "concurrent Journal-then-Append loops")
	j := mustJournal(t, st, "expo/deploy")
	require.Len(t, j, entries, "%d writers appending until %d entries: want %d entries", writers, entries, entries)
	for i, e := range j {
		seq := int64(i + 1)
		assert.Equal(t, seq, e.Seq, "journal entry %d: want Seq %d", i, seq)
		if assert.Len(t, wrote[seq], 1, "Seq %d: want exactly one successful Append", seq) {
			assert.Equal(t, wrote[seq][0], e.Step, "Seq %d: want the entry of the writer whose Append succeeded", seq)
		}
	}
}

func testConcurrentMixed(t *testing.T, st contactcenter.Store) {
	var (
		wg       sync.WaitGroup
		unexpect errorsOf
	)
	for w := range writers {
		wg.Go(func() {
			id := fmt.Sprint("svc-", w)
			s, err := st.Create(t.Context(), service(id, contactcenter.Requested))
			if err != nil {
				unexpect.add(err)
				return
			}
			p := plan(id, contactcenter.DeployKind)
			if err := st.PutPlan(t.Context(), p); err != nil {
				unexpect.add(err)
				return
			}
			for i := range rounds {
				s.State = []contactcenter.State{contactcenter.Scheduled, contactcenter.Deploying, contactcenter.Active}[i%3]
				if s, err = st.Update(t.Context(), s); err != nil {
					unexpect.add(err)
					return
				}
				if err := st.Append(t.Context(), entry(p.ID, int64(i+1))); err != nil {
					unexpect.add(err)
					return
				}
				if _, err := st.List(t.Context(), contactcenter.Active); err != nil {
					unexpect.add(err)
					return
				}
				if _, err := st.Journal(t.Context(), p.ID); err != nil {
					unexpect.add(err)
					return
				}
				if _, err := st.GetPlan(t.Context(), p.ID); err != nil {
					unexpect.add(err)
					return
				}
			}
		})
	}
	wg.Wait()
	unexpect.check(t, "concurrent use of distinct services")
	all, err := st.List(t.Context())
	require.NoError(t, err)
	assert.Len(t, all, writers, "want every service created concurrently listed")
	for _, s := range all {
		assert.Equal(t, int64(1+rounds), s.Revision, "%s: want every Update of it kept", s.ID)
		assert.Len(t, mustJournal(t, st, s.ID+"/deploy"), rounds, "%s: want every Append of its plan kept", s.ID)
	}
	assert.True(t, slices.IsSortedFunc(all, func(a, b contactcenter.Service) int { return strings.Compare(a.ID, b.ID) }), "want List sorted by ID")
}
