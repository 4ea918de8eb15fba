package accesstest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
)

// createGrantsFunc creates grants in bulk in s, one way or another.
type createGrantsFunc func(ctx context.Context, s access.Store, gs ...access.Grant) ([]access.Grant, error)

// testCreateGrants checks the store's access.BulkCreator, if it has one,
// and access.CreateGrants through its one-by-one fallback: both must keep
// the BulkCreator contract, short of atomicity when the store fails half
// way, which the fallback does not promise.
func testCreateGrants(t *testing.T, h Harness) {
	t.Run("BulkCreator", func(t *testing.T) {
		if _, ok := h.New(t).(access.BulkCreator); !ok {
			t.Skip("the store does not implement access.BulkCreator")
		}
		testCreateGrantsVia(t, h, func(ctx context.Context, s access.Store, gs ...access.Grant) ([]access.Grant, error) {
			return s.(access.BulkCreator).CreateGrants(ctx, gs...)
		})
	})
	t.Run("ViaCreate", func(t *testing.T) {
		testCreateGrantsVia(t, h, func(ctx context.Context, s access.Store, gs ...access.Grant) ([]access.Grant, error) {
			return access.CreateGrants(ctx, listOnly(s), gs...)
		})
	})
}

func testCreateGrantsVia(t *testing.T, h Harness, createGrants createGrantsFunc) {
	ctx := context.Background()

	// assertNothingStored checks that none of ids is stored and that no
	// service in svcs has grants.
	assertNothingStored := func(t *testing.T, s access.Store, what string, ids []string, svcs ...string) {
		t.Helper()
		for _, id := range ids {
			if id == "" {
				continue
			}
			_, err := s.Get(ctx, id)
			assert.ErrorIs(t, err, access.ErrNotFound, "%s: grant %q must not be stored", what, id)
		}
		for _, svc := range svcs {
			list, err := s.ListByService(ctx, svc)
			require.NoError(t, err)
			assert.Empty(t, list, "%s: service %q must have no grants", what, svc)
		}
	}

	t.Run("CreatesInOrderWithRevision1", func(t *testing.T) {
		s := h.New(t)
		in := []access.Grant{grant("g3", "svc-1", "cat"), grant("g1", "svc-1", "ann"), grant("g2", "svc-2", "ann")}
		in[1].Kind, in[1].Role = access.KindSupervisor, "supervisor"
		in[2].Revision = 7 // ignored: a created grant has Revision 1
		got, err := createGrants(ctx, s, in...)
		require.NoError(t, err, "CreateGrants of valid grants")
		want := make([]access.Grant, len(in))
		for i, g := range in {
			want[i] = g
			want[i].Revision = 1
		}
		require.Equal(t, ids(want), ids(got), "CreateGrants returns the grants it created, in the order given")
		for i := range want {
			assertGrant(t, want[i], got[i], "CreateGrants result %d", i)
			assertGrant(t, want[i], get(t, s, want[i].ID), "Get after CreateGrants")
		}
		list, err := s.ListByPrincipal(ctx, "ann")
		require.NoError(t, err)
		assertGrants(t, []access.Grant{want[1], want[2]}, list, "ListByPrincipal after CreateGrants")
		assert.NoError(t, access.Authorize(ctx, s, revokedAt, "cat", "svc-1", privHandle),
			"a grant CreateGrants returned must authorise at once")
	})

	t.Run("NoGrants", func(t *testing.T) {
		s := h.New(t)
		got, err := createGrants(ctx, s)
		assert.NoError(t, err, "CreateGrants of no grants is not an error")
		assert.Empty(t, got, "CreateGrants of no grants creates none")
	})

	t.Run("SkipsStoredAndIsIdempotent", func(t *testing.T) {
		s := h.New(t)
		stored := create(t, s, grant("g1", "svc-1", "ann"))
		require.NoError(t, s.Revoke(ctx, "g1", revokedAt))
		stored = get(t, s, "g1")
		again := grant("g1", "svc-2", "bob") // same ID, other contents: left alone
		in := []access.Grant{grant("g2", "svc-1", "bob"), again, grant("g3", "svc-1", "cat")}
		got, err := createGrants(ctx, s, in...)
		require.NoError(t, err, "CreateGrants with a stored ID is not an error")
		assert.Equal(t, []string{"g2", "g3"}, ids(got), "CreateGrants returns only the grants it created")
		assertGrant(t, stored, get(t, s, "g1"), "a stored grant must be left as it was (still revoked, same revision)")
		list, err := s.ListByService(ctx, "svc-2")
		require.NoError(t, err)
		assert.Empty(t, list, "a skipped grant must not be indexed")

		want := []access.Grant{get(t, s, "g1"), get(t, s, "g2"), get(t, s, "g3")}
		got, err = createGrants(ctx, s, in...)
		require.NoError(t, err, "a retried CreateGrants is not an error")
		assert.Empty(t, got, "a retried CreateGrants creates nothing")
		for _, w := range want {
			assertGrant(t, w, get(t, s, w.ID), "grant after a retried CreateGrants (nothing may change)")
		}
	})

	t.Run("InvalidStoresNothing", func(t *testing.T) {
		for _, tc := range invalidGrants(grant("bad", "svc-1", "bob")) {
			t.Run(tc.name, func(t *testing.T) {
				s := h.New(t)
				in := []access.Grant{grant("g1", "svc-1", "ann"), tc.g, grant("g2", "svc-2", "cat")}
				got, err := createGrants(ctx, s, in...)
				assert.ErrorIs(t, err, access.ErrInvalid, "CreateGrants with an invalid grant wants ErrInvalid")
				assert.Empty(t, got, "a refused CreateGrants creates nothing")
				assertNothingStored(t, s, "a refused CreateGrants stores nothing", []string{"g1", "g2", tc.g.ID},
					"svc-1", "svc-2", "")
			})
		}
	})

	t.Run("DuplicateIDsIsErrInvalid", func(t *testing.T) {
		s := h.New(t)
		stored := create(t, s, grant("g0", "svc-1", "dan"))
		for name, in := range map[string][]access.Grant{
			"New":    {grant("g1", "svc-1", "ann"), grant("g2", "svc-1", "bob"), grant("g1", "svc-2", "cat")},
			"Stored": {grant("g3", "svc-2", "ann"), grant("g0", "svc-2", "dan"), grant("g0", "svc-2", "dan")},
			"Equal":  {grant("g4", "svc-2", "ann"), grant("g4", "svc-2", "ann")},
		} {
			got, err := createGrants(ctx, s, in...)
			assert.ErrorIs(t, err, access.ErrInvalid, "%s: CreateGrants with an ID given twice wants ErrInvalid", name)
			assert.Empty(t, got, "%s: a refused CreateGrants creates nothing", name)
		}
		assertNothingStored(t, s, "a refused CreateGrants stores nothing", []string{"g1", "g2", "g3", "g4"}, "svc-2")
		assertGrant(t, stored, get(t, s, "g0"), "a refused CreateGrants leaves a stored grant as it was")
	})

	t.Run("CopiesInput", func(t *testing.T) {
		s := h.New(t)
		in := []access.Grant{grant("g1", "svc-1", "ann"), grant("g2", "svc-1", "bob")}
		want := make([]access.Grant, len(in))
		for i, g := range in {
			want[i] = g
			want[i].Privileges = append([]access.Privilege(nil), g.Privileges...)
			want[i].Revision = 1
		}
		_, err := createGrants(ctx, s, in...)
		require.NoError(t, err)
		for i := range in {
			in[i].Privileges[0] = "everything"
			in[i].Role = "admin"
		}
		for _, w := range want {
			assertGrant(t, w, get(t, s, w.ID), "mutating the grants passed to CreateGrants must not change the store")
		}
	})

	t.Run("CopiesOutput", func(t *testing.T) {
		s := h.New(t)
		got, err := createGrants(ctx, s, grant("g1", "svc-1", "ann"), grant("g2", "svc-1", "bob"))
		require.NoError(t, err)
		require.Len(t, got, 2)
		want := []access.Grant{get(t, s, "g1"), get(t, s, "g2")}
		for i := range got {
			got[i].Privileges[0] = "everything"
			got[i].Role = "admin"
		}
		for _, w := range want {
			assertGrant(t, w, get(t, s, w.ID), "mutating the grants CreateGrants returned must not change the store")
		}
	})

	t.Run("CancelledContext", func(t *testing.T) {
		s := h.New(t)
		done, cancel := context.WithCancel(ctx)
		cancel()
		_, err := createGrants(done, s, grant("g1", "svc-1", "ann"), grant("g2", "svc-1", "bob"))
		assert.ErrorIs(t, err, context.Canceled, "CreateGrants with a cancelled ctx wants context.Canceled")
		assertNothingStored(t, s, "CreateGrants with a cancelled ctx stores nothing", []string{"g1", "g2"}, "svc-1")
	})

	t.Run("ConcurrentCallsReturnEachGrantOnce", func(t *testing.T) {
		const grants, creators = 60, 8
		s := h.New(t)
		start := make(chan struct{})
		results := make([][]access.Grant, creators)
		errs := make([]error, creators)
		var wg sync.WaitGroup
		for c := range creators {
			// Each creator asks for an overlapping window of the grants,
			// starting at another place.
			var in []access.Grant
			for i := range grants / 2 {
				j := (c*grants/creators + i) % grants
				in = append(in, grant(fmt.Sprintf("g%03d", j), fmt.Sprintf("svc-%d", j%3), fmt.Sprintf("agent-%d", j%7)))
			}
			wg.Go(func() {
				<-start
				results[c], errs[c] = createGrants(ctx, s, in...)
			})
		}
		close(start)
		wg.Wait()
		seen := map[string]int{}
		for c := range creators {
			assert.NoError(t, errs[c], "concurrent CreateGrants %d", c)
			for _, g := range results[c] {
				seen[g.ID]++
				assert.Equal(t, int64(1), g.Revision, "grant %s: created with Revision 1", g.ID)
			}
		}
		assert.Len(t, seen, grants, "concurrent CreateGrants calls must create every grant between them")
		for id, n := range seen {
			assert.Equal(t, 1, n, "grant %s must be returned by exactly one call", id)
			assert.Equal(t, int64(1), get(t, s, id).Revision, "grant %s: stored once, Revision 1", id)
		}
	})
}
