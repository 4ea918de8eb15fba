package accesstest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
)

// testDecider checks that the store's access.Decider, if it has one,
// decides every request as ListByPrincipal's grants do.
func testDecider(t *testing.T, h Harness) {
	ctx := context.Background()
	if _, ok := h.New(t).(access.Decider); !ok {
		t.Skip("the store does not implement access.Decider; Authorize lists grants")
	}

	t.Run("AgreesWithList", func(t *testing.T) {
		s := h.New(t)
		// Several grants of ann on svc-1 whose reasons compete, and
		// grants elsewhere.
		early := termStart.Add(-time.Hour)
		for _, g := range []access.Grant{
			withWindow(grant("a1", "svc-1", "ann"), early, termStart),
			withWindow(grant("a2", "svc-1", "ann"), revokedAt, termEnd),
			withPrivileges(grant("a3", "svc-1", "ann"), privMonitor),
			grant("a4", "svc-1", "ann"),
			grant("a5", "svc-2", "ann"),
			grant("b1", "svc-1", "bob"),
			withWindow(grant("b2", "svc-1", "bob"), termStart, revokedAt),
		} {
			create(t, s, g)
		}
		require.NoError(t, s.Revoke(ctx, "a4", laterAt))
		var instants []time.Time
		for _, at := range []time.Time{early, termStart, revokedAt, laterAt, termEnd} {
			instants = append(instants, at.Add(-time.Nanosecond), at, at.Add(time.Nanosecond))
		}
		compareDecisions(t, s, instants, []string{"ann", "bob", "cat", ""}, []string{"svc-1", "svc-2", "svc-3", ""},
			[]access.Privilege{privHandle, privTickets, privMonitor, ""})
	})

	t.Run("AgreesWithListRandomized", func(t *testing.T) {
		for seed := range uint64(8) {
			s := h.New(t)
			rng := rand.New(rand.NewPCG(seed, 7))
			var instants []time.Time
			for i := range 40 {
				nb := termStart.Add(time.Duration(rng.IntN(48)) * time.Hour)
				na := nb.Add(time.Duration(1+rng.IntN(48)) * time.Hour)
				g := withWindow(grant(fmt.Sprintf("g%02d", i), fmt.Sprintf("svc-%d", rng.IntN(3)),
					fmt.Sprintf("p%d", rng.IntN(4))), nb, na)
				if rng.IntN(3) == 0 {
					g = withPrivileges(g, privMonitor)
				}
				create(t, s, g)
				if rng.IntN(4) == 0 {
					require.NoError(t, s.Revoke(ctx, g.ID, nb.Add(time.Hour)))
				}
				instants = append(instants, nb.Add(-time.Nanosecond), nb, na.Add(-time.Nanosecond), na)
			}
			compareDecisions(t, s, instants, []string{"p0", "p1", "p2", "p3"}, []string{"svc-0", "svc-1", "svc-2"},
				[]access.Privilege{privHandle, privMonitor})
		}
	})

	t.Run("CancelledContext", func(t *testing.T) {
		s := h.New(t)
		create(t, s, grant("g1", "svc-1", "ann"))
		done, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.(access.Decider).Decide(done, revokedAt, "ann", "svc-1", privHandle)
		assert.ErrorIs(t, err, context.Canceled, "Decide with a cancelled ctx wants context.Canceled")
	})
}

// compareDecisions checks Decide against the decision built from
// ListByPrincipal for every combination given.
func compareDecisions(t *testing.T, s access.Store, instants []time.Time, principals, services []string, privs []access.Privilege) {
	t.Helper()
	ctx := context.Background()
	dc := s.(access.Decider)
	for _, now := range instants {
		for _, who := range principals {
			for _, svc := range services {
				for _, p := range privs {
					want, err := access.Decide(ctx, listOnly(s), now, who, svc, p)
					require.NoError(t, err)
					got, err := dc.Decide(ctx, now, who, svc, p)
					require.NoError(t, err, "Decide")
					what := fmt.Sprintf("Decide(%s, %q, %q, %q)", now.Format(time.RFC3339Nano), who, svc, p)
					if !assert.Equal(t, want.Allowed, got.Allowed, "%s: Allowed, wanted what the listed grants say", what) ||
						want.Allowed { // which grant allows, of several, is unspecified
						continue
					}
					assert.Equal(t, reasonOf(want), reasonOf(got), "%s: Reason", what)
					assert.Equal(t, want.GrantID, got.GrantID, "%s: GrantID", what)
					assert.True(t, want.At.Equal(got.At), "%s: At: want %s, got %s", what, want.At, got.At)
				}
			}
		}
	}
}

func reasonOf(d access.Decision) access.DenyReason {
	if d.Reason == "" && !d.Allowed {
		return access.NoGrant
	}
	return d.Reason
}

func withWindow(g access.Grant, nb, na time.Time) access.Grant {
	g.NotBefore, g.NotAfter = nb, na
	return g
}

func withPrivileges(g access.Grant, ps ...access.Privilege) access.Grant {
	g.Privileges = ps
	return g
}
