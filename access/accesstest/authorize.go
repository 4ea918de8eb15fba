package accesstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
)

// testAuthorize checks access.Authorize against stores h makes, each
// wrapped by wrap if it is not nil.
func testAuthorize(t *testing.T, h Harness, wrap func(access.Store) access.Store) {
	ctx := context.Background()
	if wrap != nil {
		inner := h.New
		h.New = func(t *testing.T) access.Store { return wrap(inner(t)) }
	}

	t.Run("Window", func(t *testing.T) {
		s := h.New(t)
		create(t, s, grant("g1", "svc-1", "ann"))
		for _, tc := range []struct {
			name   string
			now    time.Time
			reason access.DenyReason // "" for allowed
		}{
			{"NotBefore-1ns", termStart.Add(-time.Nanosecond), access.NotYetValid},
			{"NotBefore", termStart, ""},
			{"NotBefore+1ns", termStart.Add(time.Nanosecond), ""},
			{"Midterm", revokedAt, ""},
			{"NotAfter-1ns", termEnd.Add(-time.Nanosecond), ""},
			{"NotAfter", termEnd, access.Expired},
			{"NotAfter+1ns", termEnd.Add(time.Nanosecond), access.Expired},
			{"NextYear", termEnd.AddDate(1, 0, 0), access.Expired},
			{"ZeroTime", time.Time{}, access.NotYetValid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := access.Authorize(ctx, s, tc.now, "ann", "svc-1", privHandle)
				if tc.reason == "" {
					assert.NoError(t, err, "at %s, inside [NotBefore, NotAfter), access wants allowed", tc.now)
					return
				}
				assertDenied(t, err, tc.reason, "at %s", tc.now)
			})
		}
	})

	t.Run("OtherServiceNeverAllowed", func(t *testing.T) {
		s := h.New(t)
		create(t, s, grant("g1", "svc-1", "ann"))
		create(t, s, grant("g2", "svc-2", "bob"))
		for _, svc := range []string{"svc-2", "svc-3", "svc-10", "svc", ""} {
			err := access.Authorize(ctx, s, revokedAt, "ann", svc, privHandle)
			assertDenied(t, err, access.NoGrant, "ann's grant on svc-1 used on service %q", svc)
		}
	})

	t.Run("OtherPrincipalNeverAllowed", func(t *testing.T) {
		s := h.New(t)
		create(t, s, grant("g1", "svc-1", "ann"))
		for _, who := range []string{"bob", "an", "ann ", ""} {
			err := access.Authorize(ctx, s, revokedAt, who, "svc-1", privHandle)
			assertDenied(t, err, access.NoGrant, "ann's grant used by principal %q", who)
		}
	})

	t.Run("PrivilegeNotGranted", func(t *testing.T) {
		s := h.New(t)
		create(t, s, grant("g1", "svc-1", "ann"))
		for _, p := range []access.Privilege{privMonitor, "", "engagement"} {
			err := access.Authorize(ctx, s, revokedAt, "ann", "svc-1", p)
			assertDenied(t, err, access.PrivilegeNotGranted, "privilege %q not in the grant", p)
		}
	})

	t.Run("Revoked", func(t *testing.T) {
		s := h.New(t)
		create(t, s, grant("g1", "svc-1", "ann"))
		require.NoError(t, s.Revoke(ctx, "g1", laterAt))
		for _, now := range []time.Time{termStart, revokedAt, laterAt} {
			err := access.Authorize(ctx, s, now, "ann", "svc-1", privHandle)
			assertDenied(t, err, access.Revoked, "a revoked grant at %s (even before RevokedAt)", now)
		}
	})

	t.Run("RevokedByService", func(t *testing.T) {
		s := h.New(t)
		create(t, s, grant("g1", "svc-1", "ann"))
		create(t, s, grant("g2", "svc-1", "bob"))
		create(t, s, grant("g3", "svc-2", "ann"))
		_, err := s.RevokeService(ctx, "svc-1", revokedAt)
		require.NoError(t, err)
		for _, who := range []string{"ann", "bob"} {
			assertDenied(t, access.Authorize(ctx, s, laterAt, who, "svc-1", privHandle), access.Revoked,
				"%s on a service revoked by RevokeService", who)
		}
		assert.NoError(t, access.Authorize(ctx, s, laterAt, "ann", "svc-2", privHandle),
			"ann on another service must stay allowed")
	})

	t.Run("AnyGrantAllows", func(t *testing.T) {
		s := h.New(t)
		expired := grant("g1", "svc-1", "ann")
		expired.NotAfter = revokedAt
		create(t, s, expired)
		create(t, s, grant("g2", "svc-1", "ann"))
		require.NoError(t, s.Revoke(ctx, "g2", revokedAt))
		create(t, s, grant("g3", "svc-1", "ann"))
		assert.NoError(t, access.Authorize(ctx, s, laterAt, "ann", "svc-1", privHandle),
			"one grant in force allows, whatever the principal's other grants")
	})

	t.Run("NoAuthorizeAfterRevoke", func(t *testing.T) {
		testRevokeVisible(t, h, true, func(s access.Store) error { return s.Revoke(ctx, "g1", revokedAt) })
	})
	t.Run("NoAuthorizeAfterRevokeService", func(t *testing.T) {
		testRevokeVisible(t, h, true, func(s access.Store) error {
			_, err := s.RevokeService(ctx, "svc-1", revokedAt)
			return err
		})
	})
	t.Run("NoAuthorizeAfterRevokePrincipal", func(t *testing.T) {
		testRevokeVisible(t, h, false, func(s access.Store) error {
			_, err := access.RevokePrincipal(ctx, s, "ann", revokedAt)
			return err
		})
	})
}

// assertDenied checks that err is a denial for the reason wanted.
func assertDenied(t *testing.T, err error, reason access.DenyReason, format string, args ...any) {
	t.Helper()
	what := fmt.Sprintf(format, args...)
	if !assert.ErrorIs(t, err, access.ErrDenied, "wanted denied (%s): %s", reason, what) {
		return
	}
	var d *access.DeniedError
	if assert.ErrorAs(t, err, &d, "a denial wants a *access.DeniedError: %s", what) {
		assert.Equal(t, reason, d.Reason, "wanted this reason: %s", what)
	}
}

// testRevokeVisible has authorisers loop on Authorize while revoke runs:
// every Authorize that starts after revoke has returned must be denied.
// keepsOther says whether revoke leaves ann's grant on svc-2 alone.
func testRevokeVisible(t *testing.T, h Harness, keepsOther bool, revoke func(access.Store) error) {
	const (
		authorisers = 8
		afterChecks = 50 // Authorize calls each authoriser makes once revoke has returned
	)
	ctx := context.Background()
	s := h.New(t)
	create(t, s, grant("g1", "svc-1", "ann"))
	create(t, s, grant("g2", "svc-2", "ann")) // another service, never revoked here

	var (
		revoked  atomic.Bool
		problems errs
		wg       sync.WaitGroup
		started  = make(chan bool, authorisers) // first call's outcome: allowed?
	)
	for range authorisers {
		wg.Go(func() {
			first := true
			for after := 0; after < afterChecks; {
				wasRevoked := revoked.Load() // read before the call starts
				err := access.Authorize(ctx, s, laterAt, "ann", "svc-1", privHandle)
				switch {
				case err != nil && !errors.Is(err, access.ErrDenied):
					problems.add("Authorize: unexpected error %w", err)
				case err == nil && wasRevoked:
					problems.add("Authorize allowed a call that started after revocation returned")
				}
				if first {
					started <- err == nil
					first = false
				}
				if wasRevoked {
					after++
				}
			}
		})
	}
	allowedBefore := 0
	for range authorisers {
		if <-started {
			allowedBefore++
		}
	}
	err := revoke(s)
	revoked.Store(true) // always, so that the authorisers finish
	wg.Wait()
	require.NoError(t, err, "revocation")
	assert.Equal(t, authorisers, allowedBefore, "before revocation, Authorize wants allowed")
	problems.check(t)
	err = access.Authorize(ctx, s, laterAt, "ann", "svc-2", privHandle)
	if keepsOther {
		assert.NoError(t, err, "revoking svc-1's grant must leave ann's grant on svc-2 in force")
	} else {
		assertDenied(t, err, access.Revoked, "revoking all of ann's grants must revoke the one on svc-2 too")
	}
}
