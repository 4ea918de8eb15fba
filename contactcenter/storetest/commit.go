package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
)

// commitCases check the optional contactcenter.Committer capability; Run
// skips them, with a message, for stores that do not implement it.
var commitCases = []capabilityCase[contactcenter.Committer]{
	{"Committer/UpdatesAndAppends", testCommitBoth},
	{"Committer/AppendsOnlyWithNilService", testCommitAppendOnly},
	{"Committer/UpdatesOnlyWithNoEntries", testCommitUpdateOnly},
	{"Committer/StaleRevisionChangesNothing", testCommitStale},
	{"Committer/SeqGapChangesNothing", testCommitSeqGap},
	{"Committer/UnknownPlanChangesNothing", testCommitUnknownPlan},
	{"Committer/UnknownServiceNotFound", testCommitUnknownService},
	{"Committer/SeveralPlans", testCommitSeveralPlans},
	{"Committer/CopiesInput", testCommitCopiesInput},
	{"Committer/CancelledContext", testCommitCancelled},
	{"Committer/ConcurrentOneWinnerPerRevision", testCommitConcurrent},
}

func testCommitBoth(t *testing.T, st contactcenter.Store, c contactcenter.Committer) {
	s := mustCreate(t, st, service("expo", contactcenter.Deploying))
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	appendSeqs(t, st, "expo/deploy", 1)
	s.State = contactcenter.Ready
	out, err := c.Commit(t.Context(), &s, entry("expo/deploy", 2), entry("expo/deploy", 3))
	require.NoError(t, err, "Commit of the stored revision and the next two Seqs")
	assertEqual(t, stored(s, 2), out, "want Commit to return the service with the next revision")
	assertEqual(t, stored(s, 2), mustGet(t, st, "expo"), "want the service stored")
	assertEqual(t, []contactcenter.JournalEntry{entry("expo/deploy", 1), entry("expo/deploy", 2), entry("expo/deploy", 3)},
		mustJournal(t, st, "expo/deploy"), "want both entries appended after the first, in order")
}

func testCommitAppendOnly(t *testing.T, st contactcenter.Store, c contactcenter.Committer) {
	s := mustCreate(t, st, service("expo", contactcenter.Deploying))
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	out, err := c.Commit(t.Context(), nil, entry("expo/deploy", 1), entry("expo/deploy", 2))
	require.NoError(t, err, "Commit of entries alone")
	assert.Zero(t, out, "with a nil service: want the zero Service back")
	assert.Equal(t, []int64{1, 2}, seqsOf(mustJournal(t, st, "expo/deploy")), "want both entries appended")
	assertEqual(t, s, mustGet(t, st, "expo"), "with a nil service: want the service unchanged")
}

func testCommitUpdateOnly(t *testing.T, st contactcenter.Store, c contactcenter.Committer) {
	s := mustCreate(t, st, service("expo", contactcenter.Deploying))
	s.State = contactcenter.Ready
	out, err := c.Commit(t.Context(), &s)
	require.NoError(t, err, "Commit of a service with no entries")
	assertEqual(t, stored(s, 2), out, "want the service with the next revision")
	assertEqual(t, stored(s, 2), mustGet(t, st, "expo"), "want the service stored")
}

// assertUnchanged checks that a refused Commit left the service at want
// and the plan's journal at seqs.
func assertUnchanged(t *testing.T, st contactcenter.Store, want contactcenter.Service, planID string, seqs []int64) {
	t.Helper()
	assertEqual(t, want, mustGet(t, st, want.ID), "after a refused Commit: want the service unchanged")
	assert.Equal(t, append([]int64{}, seqs...), append([]int64{}, seqsOf(mustJournal(t, st, planID))...),
		"after a refused Commit: want the journal unchanged")
}

func testCommitStale(t *testing.T, st contactcenter.Store, c contactcenter.Committer) {
	s := mustCreate(t, st, service("expo", contactcenter.Deploying))
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	appendSeqs(t, st, "expo/deploy", 1)
	stale := s
	stale.Revision = 7
	stale.State = contactcenter.Ready
	_, err := c.Commit(t.Context(), &stale, entry("expo/deploy", 2))
	assert.ErrorIs(t, err, contactcenter.ErrConflict, "Commit of revision 7 when 1 is stored: want ErrConflict")
	assertUnchanged(t, st, s, "expo/deploy", []int64{1})
}

func testCommitSeqGap(t *testing.T, st contactcenter.Store, c contactcenter.Committer) {
	s := mustCreate(t, st, service("expo", contactcenter.Deploying))
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	appendSeqs(t, st, "expo/deploy", 1)
	next := s
	next.State = contactcenter.Ready
	for _, seqs := range [][]int64{{3}, {2, 4}, {1}, {2, 2}} {
		var es []contactcenter.JournalEntry
		for _, q := range seqs {
			es = append(es, entry("expo/deploy", q))
		}
		_, err := c.Commit(t.Context(), &next, es...)
		assert.ErrorIs(t, err, contactcenter.ErrConflict, "Commit of Seqs %v after 1: want ErrConflict", seqs)
		assertUnchanged(t, st, s, "expo/deploy", []int64{1})
	}
}

func testCommitUnknownPlan(t *testing.T, st contactcenter.Store, c contactcenter.Committer) {
	s := mustCreate(t, st, service("expo", contactcenter.Deploying))
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	next := s
	next.State = contactcenter.Ready
	_, err := c.Commit(t.Context(), &next, entry("expo/deploy", 1), entry("expo/close", 1))
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "Commit with an entry of a plan never stored: want ErrNotFound")
	assertUnchanged(t, st, s, "expo/deploy", nil)
}

func testCommitUnknownService(t *testing.T, st contactcenter.Store, c contactcenter.Committer) {
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	ghost := stored(service("ghost", contactcenter.Ready), 1)
	_, err := c.Commit(t.Context(), &ghost, entry("expo/deploy", 1))
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "Commit of a service never created: want ErrNotFound")
	assert.Empty(t, mustJournal(t, st, "expo/deploy"), "after a refused Commit: want the journal unchanged")
	_, err = st.Get(t.Context(), "ghost")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "after a refused Commit: want the service still absent")
}

func testCommitSeveralPlans(t *testing.T, st contactcenter.Store, c contactcenter.Committer) {
	mustCreate(t, st, service("expo", contactcenter.Terminating))
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	mustPutPlan(t, st, plan("expo", contactcenter.CloseKind))
	appendSeqs(t, st, "expo/deploy", 1)
	_, err := c.Commit(t.Context(), nil, entry("expo/deploy", 2), entry("expo/close", 1), entry("expo/close", 2))
	require.NoError(t, err, "Commit of entries of two plans, each with its next Seqs")
	assert.Equal(t, []int64{1, 2}, seqsOf(mustJournal(t, st, "expo/deploy")))
	assert.Equal(t, []int64{1, 2}, seqsOf(mustJournal(t, st, "expo/close")))
}

func testCommitCopiesInput(t *testing.T, st contactcenter.Store, c contactcenter.Committer) {
	mustCreate(t, st, service("expo", contactcenter.Deploying))
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	in, e := stored(service("expo", contactcenter.Deploying), 1), entry("expo/deploy", 1)
	_, err := c.Commit(t.Context(), &in, e)
	require.NoError(t, err)
	scrambled(&in)
	scrambled(&e)
	assertEqual(t, stored(service("expo", contactcenter.Deploying), 2), mustGet(t, st, "expo"), "after the caller changed the service it passed to Commit: want the stored one unchanged")
	assertEqual(t, []contactcenter.JournalEntry{entry("expo/deploy", 1)}, mustJournal(t, st, "expo/deploy"),
		"after the caller changed the entry it passed to Commit: want the journal unchanged")
}

func testCommitCancelled(t *testing.T, st contactcenter.Store, c contactcenter.Committer) {
	s := mustCreate(t, st, service("expo", contactcenter.Deploying))
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	next := s
	next.State = contactcenter.Ready
	for name, ctx := range map[string]context.Context{"cancelled": cancelled(t), "expired": expired(t)} {
		_, err := c.Commit(ctx, &next, entry("expo/deploy", 1))
		assert.ErrorIs(t, err, ctx.Err(), "Commit with a %s context: want its error", name)
		assertUnchanged(t, st, s, "expo/deploy", nil)
	}
}

// testCommitConcurrent: of many Commits of one revision, each with the
// next Seq, exactly one succeeds, and its entry is the one appended.
func testCommitConcurrent(t *testing.T, st contactcenter.Store, c contactcenter.Committer) {
	s := mustCreate(t, st, service("expo", contactcenter.Deploying))
	mustPutPlan(t, st, plan("expo", contactcenter.DeployKind))
	const n = 16
	var wg sync.WaitGroup
	wins := make([]bool, n)
	for i := range n {
		wg.Go(func() {
			next := s
			next.CancelReason = string(rune('a' + i))
			e := entry("expo/deploy", 1)
			e.Attempt = 100 + i
			_, err := c.Commit(t.Context(), &next, e)
			if err == nil {
				wins[i] = true
			} else {
				assert.ErrorIs(t, err, contactcenter.ErrConflict, "a losing Commit: want ErrConflict")
			}
		})
	}
	wg.Wait()
	winner := -1
	for i, w := range wins {
		if w {
			require.Equal(t, -1, winner, "two Commits of revision 1 succeeded: %d and %d", winner, i)
			winner = i
		}
	}
	require.NotEqual(t, -1, winner, "want one of %d concurrent Commits to succeed", n)
	got := mustGet(t, st, "expo")
	assert.Equal(t, string(rune('a'+winner)), got.CancelReason, "want the winner's service stored")
	j := mustJournal(t, st, "expo/deploy")
	require.Len(t, j, 1, "want exactly the winner's entry appended")
	assert.Equal(t, 100+winner, j[0].Attempt, "want the winner's entry appended")
}
