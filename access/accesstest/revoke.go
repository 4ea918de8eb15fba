package accesstest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
)

// testRevokePrincipal checks access.RevokePrincipal on the store: through
// its access.BulkRevoker if it has one, and through the one-by-one
// fallback.
func testRevokePrincipal(t *testing.T, h Harness) {
	if _, ok := h.New(t).(access.BulkRevoker); ok {
		t.Run("Bulk", func(t *testing.T) { testRevokePrincipalVia(t, h, true) })
	}
	t.Run("ViaList", func(t *testing.T) {
		inner := h.New
		h.New = func(t *testing.T) access.Store { return listOnly(inner(t)) }
		testRevokePrincipalVia(t, h, false)
	})
}

func testRevokePrincipalVia(t *testing.T, h Harness, native bool) {
	ctx := context.Background()

	// fill stores ann's grants on three services (one revoked already) and
	// bob's on two, and returns bob's.
	fill := func(t *testing.T, s access.Store) []access.Grant {
		create(t, s, grant("a1", "svc-1", "ann"))
		create(t, s, grant("a2", "svc-2", "ann"))
		create(t, s, grant("a3", "svc-3", "ann"))
		require.NoError(t, s.Revoke(ctx, "a2", revokedAt))
		return []access.Grant{create(t, s, grant("b1", "svc-1", "bob")), create(t, s, grant("b2", "svc-2", "bob"))}
	}

	t.Run("CountsAndIsolation", func(t *testing.T) {
		s := h.New(t)
		bob := fill(t, s)
		before, err := s.ListByPrincipal(ctx, "ann")
		require.NoError(t, err)
		n, err := access.RevokePrincipal(ctx, s, "ann", laterAt)
		require.NoError(t, err, "RevokePrincipal of a known principal")
		assert.Equal(t, 2, n, "RevokePrincipal must count the grants it revoked, not the one already revoked")
		after, err := s.ListByPrincipal(ctx, "ann")
		require.NoError(t, err)
		require.Len(t, after, len(before), "RevokePrincipal must keep the grants, revoked")
		for i, g := range before {
			want := g
			if !g.Revoked {
				want.Revoked, want.RevokedAt, want.Revision = true, laterAt, g.Revision+1
			}
			assertGrant(t, want, after[i], "grant %s after RevokePrincipal (an already revoked grant keeps its RevokedAt)", g.ID)
		}
		gotBob, err := s.ListByPrincipal(ctx, "bob")
		require.NoError(t, err)
		assertGrants(t, bob, gotBob, "another principal's grants after RevokePrincipal")
		for _, svc := range []string{"svc-1", "svc-2", "svc-3"} {
			assertDenied(t, access.Authorize(ctx, s, laterAt, "ann", svc, privHandle), access.Revoked,
				"ann on %s after RevokePrincipal", svc)
		}
		assert.NoError(t, access.Authorize(ctx, s, laterAt, "bob", "svc-1", privHandle),
			"bob on a service where ann was revoked must stay allowed")
	})

	t.Run("Idempotent", func(t *testing.T) {
		s := h.New(t)
		fill(t, s)
		_, err := access.RevokePrincipal(ctx, s, "ann", revokedAt)
		require.NoError(t, err)
		want, err := s.ListByPrincipal(ctx, "ann")
		require.NoError(t, err)
		n, err := access.RevokePrincipal(ctx, s, "ann", laterAt)
		require.NoError(t, err, "a second RevokePrincipal is not an error")
		assert.Zero(t, n, "a second RevokePrincipal must revoke nothing")
		got, err := s.ListByPrincipal(ctx, "ann")
		require.NoError(t, err)
		assertGrants(t, want, got, "grants after a second RevokePrincipal (nothing may change)")
	})

	t.Run("UnknownPrincipal", func(t *testing.T) {
		s := h.New(t)
		bob := fill(t, s)
		n, err := access.RevokePrincipal(ctx, s, "nobody", laterAt)
		assert.NoError(t, err, "RevokePrincipal of an unknown principal is not an error")
		assert.Zero(t, n, "RevokePrincipal of an unknown principal revokes nothing")
		got, err := s.ListByPrincipal(ctx, "bob")
		require.NoError(t, err)
		assertGrants(t, bob, got, "grants after RevokePrincipal of an unknown principal")
	})

	t.Run("CancelledContext", func(t *testing.T) {
		s := h.New(t)
		fill(t, s)
		want, err := s.ListByPrincipal(ctx, "ann")
		require.NoError(t, err)
		done, cancel := context.WithCancel(ctx)
		cancel()
		_, err = access.RevokePrincipal(done, s, "ann", laterAt)
		assert.ErrorIs(t, err, context.Canceled, "RevokePrincipal with a cancelled ctx wants context.Canceled")
		got, err := s.ListByPrincipal(ctx, "ann")
		require.NoError(t, err)
		assertGrants(t, want, got, "RevokePrincipal with a cancelled ctx must change nothing")
	})

	if !native {
		return // one by one, concurrent calls may each count a grant they both revoked
	}
	t.Run("ConcurrentCallsCountEachGrantOnce", func(t *testing.T) {
		const grants, revokers = 100, 8
		s := h.New(t)
		for i := range grants {
			create(t, s, grant(fmt.Sprintf("g%03d", i), fmt.Sprintf("svc-%d", i%7), "ann"))
		}
		other := create(t, s, grant("other", "svc-1", "bob"))
		start := make(chan struct{})
		counts := make([]int, revokers)
		results := make([]error, revokers)
		var wg sync.WaitGroup
		for r := range revokers {
			wg.Go(func() {
				<-start
				counts[r], results[r] = access.RevokePrincipal(ctx, s, "ann", revokedAt)
			})
		}
		close(start)
		wg.Wait()
		total := 0
		for r := range revokers {
			assert.NoError(t, results[r], "concurrent RevokePrincipal %d", r)
			total += counts[r]
		}
		assert.Equal(t, grants, total, "concurrent RevokePrincipal calls must revoke each grant exactly once between them")
		gs, err := s.ListByPrincipal(ctx, "ann")
		require.NoError(t, err)
		for _, g := range gs {
			assert.True(t, g.Revoked, "grant %s must be revoked", g.ID)
			assert.Equal(t, int64(2), g.Revision, "grant %s: revoked once, one more revision", g.ID)
		}
		assertGrant(t, other, get(t, s, "other"), "another principal's grant after concurrent RevokePrincipal")
	})
}

// testBulkRevoker checks the store's access.BulkRevoker, if it has one.
func testBulkRevoker(t *testing.T, h Harness) {
	if _, ok := h.New(t).(access.BulkRevoker); !ok {
		t.Skip("the store does not implement access.BulkRevoker")
	}
	ctx := context.Background()
	bulk := func(s access.Store) access.BulkRevoker { return s.(access.BulkRevoker) }

	// fill stores ann's and bob's grants on svc-1 and svc-2, and cat's on
	// svc-1 (revoked already).
	fill := func(t *testing.T, s access.Store) map[string]access.Grant {
		all := map[string]access.Grant{}
		for _, g := range []access.Grant{
			grant("a1", "svc-1", "ann"), grant("a2", "svc-2", "ann"),
			grant("b1", "svc-1", "bob"), grant("b2", "svc-2", "bob"),
			grant("c1", "svc-1", "cat"),
		} {
			all[g.ID] = create(t, s, g)
		}
		require.NoError(t, s.Revoke(ctx, "c1", revokedAt))
		all["c1"] = get(t, s, "c1")
		return all
	}

	for _, tc := range []struct {
		name string
		m    access.GrantMatch
		want []string // IDs revoked
	}{
		{"Service", access.GrantMatch{ServiceID: "svc-1"}, []string{"a1", "b1"}},
		{"Principal", access.GrantMatch{Principal: "ann"}, []string{"a1", "a2"}},
		{"ServiceAndPrincipal", access.GrantMatch{ServiceID: "svc-2", Principal: "bob"}, []string{"b2"}},
		{"UnknownService", access.GrantMatch{ServiceID: "svc-9"}, nil},
		{"UnknownPrincipal", access.GrantMatch{Principal: "dan"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := h.New(t)
			all := fill(t, s)
			got, err := bulk(s).RevokeGrants(ctx, tc.m, laterAt)
			require.NoError(t, err, "RevokeGrants(%+v)", tc.m)
			var want []access.Grant
			for _, id := range tc.want {
				g := all[id]
				g.Revoked, g.RevokedAt, g.Revision = true, laterAt, g.Revision+1
				want = append(want, g)
			}
			assertGrants(t, want, sortedByID(got), "RevokeGrants returns the grants it revoked, as stored")
			for id, g := range all {
				if slices.Contains(tc.want, id) {
					g.Revoked, g.RevokedAt, g.Revision = true, laterAt, g.Revision+1
				}
				assertGrant(t, g, get(t, s, id), "grant %s after RevokeGrants(%+v)", id, tc.m)
			}
			again, err := bulk(s).RevokeGrants(ctx, tc.m, laterAt.Add(time.Hour))
			require.NoError(t, err, "a second RevokeGrants is not an error")
			assert.Empty(t, again, "a second RevokeGrants revokes nothing")
		})
	}

	t.Run("EmptyMatchIsErrInvalid", func(t *testing.T) {
		s := h.New(t)
		all := fill(t, s)
		_, err := bulk(s).RevokeGrants(ctx, access.GrantMatch{}, laterAt)
		assert.ErrorIs(t, err, access.ErrInvalid, "RevokeGrants with an empty match wants ErrInvalid")
		assertGrant(t, all["a1"], get(t, s, "a1"), "a refused RevokeGrants changes nothing")
	})

	t.Run("CancelledContext", func(t *testing.T) {
		s := h.New(t)
		all := fill(t, s)
		done, cancel := context.WithCancel(ctx)
		cancel()
		_, err := bulk(s).RevokeGrants(done, access.GrantMatch{ServiceID: "svc-1"}, laterAt)
		assert.ErrorIs(t, err, context.Canceled, "RevokeGrants with a cancelled ctx wants context.Canceled")
		assertGrant(t, all["a1"], get(t, s, "a1"), "RevokeGrants with a cancelled ctx changes nothing")
	})

	t.Run("ConcurrentCallsReturnEachGrantOnce", func(t *testing.T) {
		const grants, revokers = 200, 8
		s := h.New(t)
		for i := range grants {
			create(t, s, grant(fmt.Sprintf("g%03d", i), "svc-1", fmt.Sprintf("agent-%d", i%10)))
		}
		start := make(chan struct{})
		results := make([][]access.Grant, revokers)
		errs := make([]error, revokers)
		var wg sync.WaitGroup
		for r := range revokers {
			wg.Go(func() {
				<-start
				m := access.GrantMatch{ServiceID: "svc-1"}
				if r%2 == 1 {
					m = access.GrantMatch{Principal: fmt.Sprintf("agent-%d", r)}
				}
				results[r], errs[r] = bulk(s).RevokeGrants(ctx, m, revokedAt)
			})
		}
		close(start)
		wg.Wait()
		seen := map[string]int{}
		for r := range revokers {
			assert.NoError(t, errs[r], "concurrent RevokeGrants %d", r)
			for _, g := range results[r] {
				seen[g.ID]++
			}
		}
		assert.Len(t, seen, grants, "concurrent RevokeGrants calls must revoke every grant between them")
		for id, n := range seen {
			assert.Equal(t, 1, n, "grant %s must be returned by exactly one call", id)
		}
	})
}
