package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
)

// accountCases check the optional contactcenter.AccountIndex capability;
// Run skips them, with a message, for stores that do not implement it.
var accountCases = []capabilityCase[contactcenter.AccountIndex]{
	{"AccountIndex/FindsTheServiceNamingIt", testAccountFinds},
	{"AccountIndex/NotFound", testAccountNotFound},
	{"AccountIndex/OpenBeforeScheduledBeforeFinal", testAccountPreference},
	{"AccountIndex/FollowsUpdates", testAccountFollowsUpdates},
	{"AccountIndex/CancelledContext", testAccountCancelled},
}

// withAccounts is service(id, state) whose request names accounts and
// whose term ends at expires.
func withAccounts(id string, state contactcenter.State, expires time.Time, accounts ...string) contactcenter.Service {
	s := service(id, state)
	s.Request.Features.Accounts = accounts
	s.Expires = expires
	return s
}

func testAccountFinds(t *testing.T, st contactcenter.Store, ix contactcenter.AccountIndex) {
	mustCreate(t, st, withAccounts("acc-a", contactcenter.Active, t0, "@expo", "1234567890"))
	mustCreate(t, st, withAccounts("acc-b", contactcenter.Active, t0, "@fair"))
	for account, want := range map[string]string{"@expo": "acc-a", "1234567890": "acc-a", "@fair": "acc-b"} {
		got, err := ix.ServiceWithAccount(t.Context(), account)
		require.NoError(t, err, "ServiceWithAccount(%q)", account)
		assert.Equal(t, want, got, "ServiceWithAccount(%q)", account)
	}
}

func testAccountNotFound(t *testing.T, st contactcenter.Store, ix contactcenter.AccountIndex) {
	mustCreate(t, st, withAccounts("acc-a", contactcenter.Active, t0, "@expo"))
	for _, account := range []string{"@nobody", "@exp", "expo", ""} {
		_, err := ix.ServiceWithAccount(t.Context(), account)
		assert.ErrorIs(t, err, contactcenter.ErrNotFound, "ServiceWithAccount(%q): only an exact account matches", account)
	}
}

// One account, used by several events' services over time: the open one
// wins over one still to come, which wins over the ended ones, of which
// the one that ended last wins.
func testAccountPreference(t *testing.T, st contactcenter.Store, ix contactcenter.AccountIndex) {
	mustCreate(t, st, withAccounts("acc-2029", contactcenter.Terminated, t0.Add(-48*time.Hour), "@expo"))
	mustCreate(t, st, withAccounts("acc-2030", contactcenter.Terminated, t0.Add(-24*time.Hour), "@expo"))
	requireAccount(t, ix, "@expo", "acc-2030", "of ended services, the one whose term ended last")
	next := mustCreate(t, st, withAccounts("acc-2032", contactcenter.Scheduled, t0.Add(24*time.Hour), "@expo"))
	requireAccount(t, ix, "@expo", "acc-2032", "a service not final before ended ones")
	mustCreate(t, st, withAccounts("acc-2031", contactcenter.Active, t0, "@expo"))
	requireAccount(t, ix, "@expo", "acc-2031", "the open service before one still to come")
	next.State = contactcenter.Active
	mustUpdate(t, st, next)
	requireAccount(t, ix, "@expo", "acc-2032", "of two open services, the one whose term ends last")
}

func testAccountFollowsUpdates(t *testing.T, st contactcenter.Store, ix contactcenter.AccountIndex) {
	s := mustCreate(t, st, withAccounts("acc-a", contactcenter.Scheduled, t0, "@old"))
	s.Request.Features.Accounts = []string{"@new"}
	mustUpdate(t, st, s)
	requireAccount(t, ix, "@new", "acc-a", "an account added by an update")
	_, err := ix.ServiceWithAccount(t.Context(), "@old")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound, "an account an update removed")
}

func testAccountCancelled(t *testing.T, st contactcenter.Store, ix contactcenter.AccountIndex) {
	mustCreate(t, st, withAccounts("acc-a", contactcenter.Active, t0, "@expo"))
	_, err := ix.ServiceWithAccount(cancelled(t), "@expo")
	assert.ErrorIs(t, err, context.Canceled, "a done context")
}

func requireAccount(t *testing.T, ix contactcenter.AccountIndex, account, want, why string) {
	t.Helper()
	got, err := ix.ServiceWithAccount(t.Context(), account)
	require.NoError(t, err, "ServiceWithAccount(%q)", account)
	require.Equal(t, want, got, "ServiceWithAccount(%q): %s", account, why)
}

func mustUpdate(t *testing.T, st contactcenter.Store, s contactcenter.Service) contactcenter.Service {
	t.Helper()
	got, err := st.Update(t.Context(), s)
	require.NoError(t, err, "Update(%q) at its stored revision: want no error", s.ID)
	return got
}
