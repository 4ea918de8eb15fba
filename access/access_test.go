package access_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
)

var (
	start = time.Date(2030, time.May, 1, 8, 0, 0, 0, time.UTC)
	end   = time.Date(2030, time.May, 3, 20, 0, 0, 0, time.UTC)
	mid   = time.Date(2030, time.May, 2, 12, 0, 0, 0, time.UTC)
)

const (
	handle  access.Privilege = "engagement.handle"
	tickets access.Privilege = "queue.tickets"
	monitor access.Privilege = "engagement.monitor"
)

func validGrant() access.Grant {
	return access.Grant{
		ID:         "g1",
		ServiceID:  "svc-1",
		Principal:  "ann",
		Role:       "agent",
		Privileges: []access.Privilege{handle, tickets},
		NotBefore:  start,
		NotAfter:   end,
	}
}

func TestGrantAllows(t *testing.T) {
	revoked := validGrant()
	revoked.Revoked, revoked.RevokedAt = true, mid
	noBefore := validGrant()
	noBefore.NotBefore = time.Time{}
	noAfter := validGrant()
	noAfter.NotAfter = time.Time{}
	emptyPriv := validGrant()
	emptyPriv.Privileges = append(emptyPriv.Privileges, "")
	noService := validGrant()
	noService.ServiceID = ""
	local := validGrant() // the same instants in another location
	cest := time.FixedZone("CEST", 2*60*60)
	local.NotBefore, local.NotAfter = start.In(cest), end.In(cest)

	for _, tc := range []struct {
		name    string
		g       access.Grant
		now     time.Time
		service string
		p       access.Privilege
		want    bool
	}{
		{"InsideWindow", validGrant(), mid, "svc-1", handle, true},
		{"OtherPrivilegeOfTheGrant", validGrant(), mid, "svc-1", tickets, true},
		{"AtNotBefore", validGrant(), start, "svc-1", handle, true},
		{"NotBeforeMinus1ns", validGrant(), start.Add(-time.Nanosecond), "svc-1", handle, false},
		{"NotAfterMinus1ns", validGrant(), end.Add(-time.Nanosecond), "svc-1", handle, true},
		{"AtNotAfter", validGrant(), end, "svc-1", handle, false},
		{"NotAfterPlus1ns", validGrant(), end.Add(time.Nanosecond), "svc-1", handle, false},
		{"ZeroNow", validGrant(), time.Time{}, "svc-1", handle, false},
		{"OtherService", validGrant(), mid, "svc-2", handle, false},
		{"ServicePrefix", validGrant(), mid, "svc-", handle, false},
		{"EmptyService", validGrant(), mid, "", handle, false},
		{"GrantWithoutServiceAskedForNone", noService, mid, "", handle, false},
		{"PrivilegeNotGranted", validGrant(), mid, "svc-1", monitor, false},
		{"EmptyPrivilege", emptyPriv, mid, "svc-1", "", false},
		{"Revoked", revoked, mid, "svc-1", handle, false},
		{"RevokedBeforeRevokedAt", revoked, start, "svc-1", handle, false},
		{"ZeroNotBefore", noBefore, mid, "svc-1", handle, false},
		{"ZeroNotAfter", noAfter, mid, "svc-1", handle, false},
		{"OtherLocationSameInstants", local, end.Add(-time.Nanosecond), "svc-1", handle, true},
		{"OtherLocationAtNotAfter", local, end, "svc-1", handle, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.g.Allows(tc.now, tc.service, tc.p)
			assert.Equal(t, tc.want, got, "Allows(%s, %q, %q)", tc.now.Format(time.RFC3339Nano), tc.service, tc.p)
		})
	}
}

// listStore is a Store whose ListByPrincipal returns fixed grants or an
// error, whatever they are: it stands for a store that breaks the contract
// or fails. Its other methods are not used by Authorize.
type listStore struct {
	access.Store
	grants []access.Grant
	err    error
}

func (s listStore) ListByPrincipal(ctx context.Context, principal string) ([]access.Grant, error) {
	return s.grants, s.err
}

func TestAuthorizeReasons(t *testing.T) {
	ctx := context.Background()
	g := func(id, service string, f func(*access.Grant)) access.Grant {
		gr := validGrant()
		gr.ID, gr.ServiceID = id, service
		if f != nil {
			f(&gr)
		}
		return gr
	}
	expiredAt := func(at time.Time) func(*access.Grant) {
		return func(g *access.Grant) { g.NotBefore, g.NotAfter = at.Add(-time.Hour), at }
	}
	validFrom := func(at time.Time) func(*access.Grant) {
		return func(g *access.Grant) { g.NotBefore, g.NotAfter = at, at.Add(time.Hour) }
	}
	revokedAt := func(at time.Time) func(*access.Grant) {
		return func(g *access.Grant) { g.Revoked, g.RevokedAt = true, at }
	}
	without := func(g *access.Grant) { g.Privileges = []access.Privilege{monitor} }
	t1, t2 := mid.Add(-2*time.Hour), mid.Add(-time.Hour)
	t3, t4 := mid.Add(time.Hour), mid.Add(2*time.Hour)

	for _, tc := range []struct {
		name      string
		grants    []access.Grant
		principal string
		want      access.DenyReason
		wantGrant string
		wantAt    time.Time
	}{
		{"NoGrantAtAll", nil, "ann", access.NoGrant, "", time.Time{}},
		{"OnlyOtherServices", []access.Grant{g("g1", "svc-2", nil), g("g2", "svc-3", nil)}, "ann", access.NoGrant, "", time.Time{}},
		{"Expired", []access.Grant{g("g1", "svc-1", expiredAt(t1))}, "ann", access.Expired, "g1", t1},
		{"NotYetValid", []access.Grant{g("g1", "svc-1", validFrom(t3))}, "ann", access.NotYetValid, "g1", t3},
		{"Revoked", []access.Grant{g("g1", "svc-1", revokedAt(t2))}, "ann", access.Revoked, "g1", t2},
		{"PrivilegeNotGranted", []access.Grant{g("g1", "svc-1", without)}, "ann", access.PrivilegeNotGranted, "g1", time.Time{}},
		{"NoValidityWindow", []access.Grant{g("g1", "svc-1", func(g *access.Grant) { g.NotAfter = time.Time{} })},
			"ann", access.NoValidityWindow, "g1", time.Time{}},
		{"RevokedBeatsExpiredInOneGrant", []access.Grant{g("g1", "svc-1", func(g *access.Grant) {
			expiredAt(t1)(g)
			revokedAt(t2)(g)
		})}, "ann", access.Revoked, "g1", t2},
		{"ExpiredLatestWins", []access.Grant{g("g1", "svc-1", expiredAt(t1)), g("g2", "svc-1", expiredAt(t2))},
			"ann", access.Expired, "g2", t2},
		{"NotYetValidSoonestWins", []access.Grant{g("g1", "svc-1", validFrom(t4)), g("g2", "svc-1", validFrom(t3))},
			"ann", access.NotYetValid, "g2", t3},
		{"InForceWithoutPrivilegeBeatsOthers", []access.Grant{
			g("g1", "svc-1", expiredAt(t1)), g("g2", "svc-1", revokedAt(t1)), g("g3", "svc-1", without), g("g4", "svc-1", validFrom(t3)),
		}, "ann", access.PrivilegeNotGranted, "g3", time.Time{}},
		{"NotYetValidBeatsExpired", []access.Grant{g("g1", "svc-1", expiredAt(t1)), g("g2", "svc-1", validFrom(t3))},
			"ann", access.NotYetValid, "g2", t3},
		{"ExpiredBeatsRevoked", []access.Grant{g("g1", "svc-1", revokedAt(t2)), g("g2", "svc-1", expiredAt(t1))},
			"ann", access.Expired, "g2", t1},
		{"OtherPrincipalsGrantIgnored", []access.Grant{g("g1", "svc-1", func(g *access.Grant) { g.Principal = "bob" })},
			"ann", access.NoGrant, "", time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := access.Authorize(ctx, listStore{grants: tc.grants}, mid, tc.principal, "svc-1", handle)
			require.ErrorIs(t, err, access.ErrDenied, "wanted a denial")
			var d *access.DeniedError
			require.ErrorAs(t, err, &d, "a denial wants a *DeniedError")
			assert.Equal(t, tc.want, d.Reason, "Reason")
			assert.Equal(t, tc.wantGrant, d.GrantID, "GrantID: the grant the reason is about")
			assert.True(t, tc.wantAt.Equal(d.At), "At: want %s, got %s", tc.wantAt, d.At)
			assert.Equal(t, tc.principal, d.Principal, "Principal")
			assert.Equal(t, "svc-1", d.ServiceID, "ServiceID")
			assert.Equal(t, handle, d.Privilege, "Privilege")
		})
	}
}

func TestAuthorizeAllowsWithAnyGrant(t *testing.T) {
	old := validGrant()
	old.ID, old.NotAfter = "g0", mid.Add(-time.Hour)
	err := access.Authorize(context.Background(), listStore{grants: []access.Grant{old, validGrant()}}, mid, "ann", "svc-1", handle)
	assert.NoError(t, err, "one grant in force allows, even next to an expired one")
}

func TestAuthorizeStoreErrorDenies(t *testing.T) {
	storeErr := errors.New("store unreachable")
	s := listStore{grants: []access.Grant{validGrant()}, err: storeErr}
	err := access.Authorize(context.Background(), s, mid, "ann", "svc-1", handle)
	assert.Same(t, storeErr, err, "Authorize must return the store's error as is (and never allow on error)")
}

func TestDeniedErrorMessage(t *testing.T) {
	for _, tc := range []struct {
		reason access.DenyReason
		at     time.Time
		want   []string
	}{
		{access.NoGrant, time.Time{}, []string{"no grant for the service"}},
		{access.Expired, end, []string{`grant "g1"`, "expired at 2030-05-03T20:00:00Z"}},
		{access.NotYetValid, start, []string{`grant "g1"`, "not yet valid", "2030-05-01T08:00:00Z"}},
		{access.Revoked, mid, []string{`grant "g1"`, "revoked at 2030-05-02T12:00:00Z"}},
		{access.PrivilegeNotGranted, time.Time{}, []string{`grant "g1"`, "does not include the privilege"}},
		{access.NoValidityWindow, time.Time{}, []string{`grant "g1"`, "no validity window"}},
	} {
		t.Run(string(tc.reason), func(t *testing.T) {
			e := &access.DeniedError{Principal: "ann", ServiceID: "svc-1", Privilege: handle, Reason: tc.reason, GrantID: "g1", At: tc.at}
			msg := e.Error()
			for _, part := range append([]string{"access: denied", `"ann"`, `"svc-1"`, `"engagement.handle"`}, tc.want...) {
				assert.Contains(t, msg, part, "the message must say who, where, what and why")
			}
			assert.ErrorIs(t, e, access.ErrDenied, "a DeniedError wraps ErrDenied")
		})
	}
}

func TestValidate(t *testing.T) {
	assert.NoError(t, access.Validate(validGrant()), "a complete grant is valid")
	noPrivileges := validGrant()
	noPrivileges.Privileges = nil
	assert.NoError(t, access.Validate(noPrivileges), "a grant without privileges is valid (it authorises nothing)")

	for _, tc := range []struct {
		name  string
		f     func(*access.Grant)
		field string
	}{
		{"EmptyID", func(g *access.Grant) { g.ID = "" }, "ID"},
		{"EmptyServiceID", func(g *access.Grant) { g.ServiceID = "" }, "ServiceID"},
		{"EmptyPrincipal", func(g *access.Grant) { g.Principal = "" }, "Principal"},
		{"EmptyRole", func(g *access.Grant) { g.Role = "" }, "Role"},
		{"ZeroNotBefore", func(g *access.Grant) { g.NotBefore = time.Time{} }, "NotBefore"},
		{"ZeroNotAfter", func(g *access.Grant) { g.NotAfter = time.Time{} }, "NotAfter"},
		{"NotAfterEqualsNotBefore", func(g *access.Grant) { g.NotAfter = g.NotBefore }, "NotAfter"},
		{"NotAfterBeforeNotBefore", func(g *access.Grant) { g.NotAfter = g.NotBefore.Add(-time.Nanosecond) }, "NotAfter"},
		{"EmptyPrivilege", func(g *access.Grant) { g.Privileges = []access.Privilege{handle, ""} }, "Privileges[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := validGrant()
			tc.f(&g)
			err := access.Validate(g)
			assert.ErrorIs(t, err, access.ErrInvalid, "wanted ErrInvalid")
			assert.ErrorContains(t, err, ": "+tc.field+": ", "the error must name the field")
		})
	}

	t.Run("AllProblemsReported", func(t *testing.T) {
		err := access.Validate(access.Grant{ID: "g1", Privileges: []access.Privilege{""}})
		require.ErrorIs(t, err, access.ErrInvalid, "wanted ErrInvalid")
		for _, field := range []string{"ServiceID", "Principal", "Role", "NotBefore", "NotAfter", "Privileges[0]"} {
			assert.ErrorContains(t, err, ": "+field+": ", "every broken rule must be reported")
		}
	})
}

// TestAuthorizeAgainstMemaccess runs the main flow on the reference store:
// allowed in the window, denied after expiry without anyone revoking, and
// denied after revocation.
func TestAuthorizeAgainstMemaccess(t *testing.T) {
	ctx := context.Background()
	s := memaccess.New()
	_, err := s.Create(ctx, validGrant())
	require.NoError(t, err)
	assert.NoError(t, access.Authorize(ctx, s, mid, "ann", "svc-1", handle), "inside the window")
	err = access.Authorize(ctx, s, end, "ann", "svc-1", handle)
	assert.ErrorIs(t, err, access.ErrDenied, "at NotAfter, with the grant never revoked: fail closed")
	require.NoError(t, s.Revoke(ctx, "g1", mid))
	var d *access.DeniedError
	if assert.ErrorAs(t, access.Authorize(ctx, s, mid, "ann", "svc-1", handle), &d, "after Revoke") {
		assert.Equal(t, access.Revoked, d.Reason, "after Revoke the reason is Revoked")
	}
}
