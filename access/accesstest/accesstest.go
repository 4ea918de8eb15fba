package accesstest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
)

// Harness describes the implementation under test.
type Harness struct {
	// New returns an empty store. Run calls it once per subtest; register
	// any cleanup (closing a connection, dropping a schema) with t.Cleanup.
	// If the store also implements [access.Decider],
	// [access.BulkCreator], [access.BulkRevoker] or [access.TokenStore],
	// Run checks those contracts too.
	New func(t *testing.T) access.Store
	// RandomizedChecks is how many authorisations the randomized test
	// makes in all. Default: 1,000,000 (100,000 with -short). A store
	// behind a network may want fewer.
	RandomizedChecks int
}

// Run checks the store h.New returns against every sentence of the
// [access.Store] contract, in named subtests, checks [access.Authorize]
// against it (through [access.Decider] and through ListByPrincipal), checks
// the optional interfaces it implements, and drives an [access.Authority]
// over it through a randomized sequence of issues, renewals, term
// extensions and shortenings, revocations and token checks, with clock
// skew between the issuing side and the checking side. Run it under -race:
// several subtests use many goroutines.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.New, "Harness.New must be set")
	t.Run("Create", func(t *testing.T) { testCreate(t, h) })
	t.Run("Get", func(t *testing.T) { testGet(t, h) })
	t.Run("Update", func(t *testing.T) { testUpdate(t, h) })
	t.Run("Revoke", func(t *testing.T) { testRevoke(t, h) })
	t.Run("RevokeService", func(t *testing.T) { testRevokeService(t, h) })
	t.Run("RevokePrincipal", func(t *testing.T) { testRevokePrincipal(t, h) })
	t.Run("BulkRevoker", func(t *testing.T) { testBulkRevoker(t, h) })
	t.Run("CreateGrants", func(t *testing.T) { testCreateGrants(t, h) })
	t.Run("List", func(t *testing.T) { testList(t, h) })
	t.Run("CancelledContext", func(t *testing.T) { testCancelled(t, h) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, h) })
	t.Run("Authorize", func(t *testing.T) { testAuthorize(t, h, nil) })
	t.Run("AuthorizeViaList", func(t *testing.T) { testAuthorize(t, h, listOnly) })
	t.Run("Decider", func(t *testing.T) { testDecider(t, h) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, h) })
	t.Run("Randomized", func(t *testing.T) { testRandomized(t, h) })
}

// listOnly hides every method of s but those of access.Store, so that
// access.Authorize lists grants instead of asking a Decider.
func listOnly(s access.Store) access.Store { return struct{ access.Store }{s} }

// Instants the suite uses. They are whole seconds in UTC so that stores
// keeping microseconds (SQL timestamps) round-trip them exactly.
var (
	termStart = time.Date(2030, time.May, 1, 8, 0, 0, 0, time.UTC)
	termEnd   = time.Date(2030, time.May, 3, 20, 0, 0, 0, time.UTC) // grace included
	revokedAt = time.Date(2030, time.May, 2, 12, 0, 0, 0, time.UTC)
	laterAt   = time.Date(2030, time.May, 2, 13, 0, 0, 0, time.UTC)
)

const (
	privHandle  access.Privilege = "engagement.handle"
	privTickets access.Privilege = "queue.tickets"
	privMonitor access.Privilege = "engagement.monitor"
)

// grant returns a valid grant, not yet stored.
func grant(id, service, principal string) access.Grant {
	return access.Grant{
		ID:         id,
		ServiceID:  service,
		Principal:  principal,
		Kind:       access.KindAgent,
		Role:       "agent",
		Privileges: []access.Privilege{privHandle, privTickets},
		NotBefore:  termStart,
		NotAfter:   termEnd,
		IssuedBy:   "accesstest",
		Reason:     "deployed agent",
	}
}

// create stores g and fails the test if it cannot.
func create(t testing.TB, s access.Store, g access.Grant) access.Grant {
	t.Helper()
	got, err := s.Create(context.Background(), g)
	require.NoError(t, err, "Create(%q) of a valid grant must succeed", g.ID)
	return got
}

func get(t testing.TB, s access.Store, id string) access.Grant {
	t.Helper()
	got, err := s.Get(context.Background(), id)
	require.NoError(t, err, "Get(%q) of a stored grant must succeed", id)
	return got
}

// assertGrant checks that got holds the same grant as want: times compare
// as instants (a store may change their location), and a nil Privileges
// equals an empty one.
func assertGrant(t testing.TB, want, got access.Grant, msgAndArgs ...any) bool {
	t.Helper()
	what := ""
	if len(msgAndArgs) > 0 {
		what = fmt.Sprintf(fmt.Sprint(msgAndArgs[0]), msgAndArgs[1:]...) + ": "
	}
	ok := assert.Equal(t, want.ID, got.ID, "%sID", what)
	ok = assert.Equal(t, want.ServiceID, got.ServiceID, "%sServiceID", what) && ok
	ok = assert.Equal(t, want.Principal, got.Principal, "%sPrincipal", what) && ok
	ok = assert.Equal(t, want.Kind, got.Kind, "%sKind", what) && ok
	ok = assert.Equal(t, want.Role, got.Role, "%sRole", what) && ok
	wantPriv, gotPriv := want.Privileges, got.Privileges
	if len(wantPriv) == 0 {
		wantPriv = nil
	}
	if len(gotPriv) == 0 {
		gotPriv = nil
	}
	ok = assert.Equal(t, wantPriv, gotPriv, "%sPrivileges", what) && ok
	ok = assertInstant(t, want.NotBefore, got.NotBefore, "%sNotBefore", what) && ok
	ok = assertInstant(t, want.NotAfter, got.NotAfter, "%sNotAfter", what) && ok
	ok = assert.Equal(t, want.IssuedBy, got.IssuedBy, "%sIssuedBy", what) && ok
	ok = assert.Equal(t, want.Reason, got.Reason, "%sReason", what) && ok
	ok = assert.Equal(t, want.Revoked, got.Revoked, "%sRevoked", what) && ok
	ok = assertInstant(t, want.RevokedAt, got.RevokedAt, "%sRevokedAt", what) && ok
	ok = assert.Equal(t, want.Revision, got.Revision, "%sRevision", what) && ok
	return ok
}

func assertInstant(t testing.TB, want, got time.Time, format string, args ...any) bool {
	t.Helper()
	if want.IsZero() && got.IsZero() || want.Equal(got) {
		return true
	}
	return assert.Fail(t, fmt.Sprintf(format, args...)+": wanted the same instant",
		"want %s, got %s", want.Format(time.RFC3339Nano), got.Format(time.RFC3339Nano))
}

// assertGrants checks a list against the grants wanted, in order.
func assertGrants(t testing.TB, want, got []access.Grant, what string) {
	t.Helper()
	if !assert.Equal(t, ids(want), ids(got), "%s: wanted these grant IDs, in this order", what) {
		return
	}
	for i := range want {
		assertGrant(t, want[i], got[i], "%s[%d]", what, i)
	}
}

func ids(gs []access.Grant) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.ID
	}
	return out
}

func sortedByID(gs []access.Grant) []access.Grant {
	out := slices.Clone(gs)
	slices.SortFunc(out, cmpID)
	return out
}

// invalidGrants lists grants every store must refuse with ErrInvalid, each
// breaking one rule of access.Validate.
func invalidGrants(base access.Grant) []struct {
	name string
	g    access.Grant
} {
	mod := func(f func(*access.Grant)) access.Grant {
		g := base
		g.Privileges = slices.Clone(base.Privileges)
		f(&g)
		return g
	}
	return []struct {
		name string
		g    access.Grant
	}{
		{"EmptyID", mod(func(g *access.Grant) { g.ID = "" })},
		{"EmptyServiceID", mod(func(g *access.Grant) { g.ServiceID = "" })},
		{"EmptyPrincipal", mod(func(g *access.Grant) { g.Principal = "" })},
		{"EmptyRole", mod(func(g *access.Grant) { g.Role = "" })},
		{"UnknownKind", mod(func(g *access.Grant) { g.Kind = "robot" })},
		{"ZeroNotBefore", mod(func(g *access.Grant) { g.NotBefore = time.Time{} })},
		{"ZeroNotAfter", mod(func(g *access.Grant) { g.NotAfter = time.Time{} })},
		{"NotAfterEqualsNotBefore", mod(func(g *access.Grant) { g.NotAfter = g.NotBefore })},
		{"NotAfterBeforeNotBefore", mod(func(g *access.Grant) { g.NotAfter = g.NotBefore.Add(-time.Second) })},
		{"EmptyPrivilege", mod(func(g *access.Grant) { g.Privileges = append(g.Privileges, "") })},
	}
}

func cmpID(a, b access.Grant) int { return strings.Compare(a.ID, b.ID) }
