package accesstest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
)

func testCreate(t *testing.T, h Harness) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		s := h.New(t)
		in := grant("g1", "svc-1", "ann")
		in.Revision = 7 // ignored: a created grant has Revision 1
		got, err := s.Create(ctx, in)
		require.NoError(t, err, "Create of a valid grant")
		want := in
		want.Revision = 1
		assertGrant(t, want, got, "Create must return the grant with Revision 1")
		assertGrant(t, want, get(t, s, "g1"), "Get after Create must return the created grant")
	})

	t.Run("EveryKindRoundTrips", func(t *testing.T) {
		s := h.New(t)
		// The empty kind (grants made before kinds existed) stays empty.
		for i, kind := range append([]access.PrincipalKind{""}, access.Kinds()...) {
			in := grant(fmt.Sprintf("g%d", i), "svc-1", fmt.Sprintf("p%d", i))
			in.Kind = kind
			want := in
			want.Revision = 1
			assertGrant(t, want, create(t, s, in), "Create of a grant of kind %q", kind)
			assertGrant(t, want, get(t, s, in.ID), "Get of a grant of kind %q", kind)
		}
	})

	t.Run("NilAndEmptyPrivileges", func(t *testing.T) {
		s := h.New(t)
		for id, privs := range map[string][]access.Privilege{"g-nil": nil, "g-empty": {}} {
			in := grant(id, "svc-1", "ann")
			in.Privileges = privs
			got := create(t, s, in)
			assert.Empty(t, got.Privileges, "a grant without privileges round-trips without privileges")
			assert.Error(t, access.Authorize(ctx, s, revokedAt, "ann", "svc-1", privHandle),
				"a grant without privileges authorises nothing")
		}
	})

	t.Run("ExistingIDIsErrExists", func(t *testing.T) {
		s := h.New(t)
		first := create(t, s, grant("g1", "svc-1", "ann"))
		_, err := s.Create(ctx, grant("g1", "svc-2", "bob"))
		assert.ErrorIs(t, err, access.ErrExists, "Create with a stored ID wants ErrExists")
		assertGrant(t, first, get(t, s, "g1"), "a refused Create must leave the stored grant as it was")
		list, err := s.ListByService(ctx, "svc-2")
		require.NoError(t, err)
		assert.Empty(t, list, "a refused Create must not index the grant")
	})

	t.Run("InvalidIsErrInvalid", func(t *testing.T) {
		for _, tc := range invalidGrants(grant("g1", "svc-1", "ann")) {
			t.Run(tc.name, func(t *testing.T) {
				s := h.New(t)
				_, err := s.Create(ctx, tc.g)
				assert.ErrorIs(t, err, access.ErrInvalid, "Create of an invalid grant wants ErrInvalid")
				if tc.g.ID != "" {
					_, err = s.Get(ctx, tc.g.ID)
					assert.ErrorIs(t, err, access.ErrNotFound, "a refused Create must store nothing")
				}
				for _, svc := range []string{"svc-1", ""} {
					list, err := s.ListByService(ctx, svc)
					require.NoError(t, err)
					assert.Empty(t, list, "a refused Create must store nothing (service %q)", svc)
				}
			})
		}
	})

	t.Run("CopiesInput", func(t *testing.T) {
		s := h.New(t)
		in := grant("g1", "svc-1", "ann")
		want := in
		want.Privileges = append([]access.Privilege(nil), in.Privileges...)
		want.Revision = 1
		create(t, s, in)
		in.Privileges[0] = "everything"
		in.Role = "admin"
		assertGrant(t, want, get(t, s, "g1"), "mutating the grant passed to Create must not change the store")
	})

	t.Run("CopiesOutput", func(t *testing.T) {
		s := h.New(t)
		got := create(t, s, grant("g1", "svc-1", "ann"))
		want := got
		want.Privileges = append([]access.Privilege(nil), got.Privileges...)
		got.Privileges[0] = "everything"
		assertGrant(t, want, get(t, s, "g1"), "mutating the grant Create returned must not change the store")
	})
}

func testGet(t *testing.T, h Harness) {
	ctx := context.Background()

	t.Run("AbsentIsErrNotFound", func(t *testing.T) {
		s := h.New(t)
		create(t, s, grant("g1", "svc-1", "ann"))
		_, err := s.Get(ctx, "g2")
		assert.ErrorIs(t, err, access.ErrNotFound, "Get of an absent ID wants ErrNotFound")
	})

	t.Run("CopiesOutput", func(t *testing.T) {
		s := h.New(t)
		want := create(t, s, grant("g1", "svc-1", "ann"))
		got := get(t, s, "g1")
		got.Privileges[0] = "everything"
		got.Privileges = append(got.Privileges, privMonitor)
		assertGrant(t, want, get(t, s, "g1"), "mutating the grant Get returned must not change the store")
	})
}

func testUpdate(t *testing.T, h Harness) {
	ctx := context.Background()

	t.Run("ReplacesAndIncrementsRevision", func(t *testing.T) {
		s := h.New(t)
		g := create(t, s, grant("g1", "svc-1", "ann"))
		g.Role = "supervisor"
		g.Privileges = []access.Privilege{privMonitor}
		g.NotAfter = g.NotAfter.Add(24 * time.Hour)
		g.Reason = "promoted"
		g.IssuedBy = "lifecycle"
		got, err := s.Update(ctx, g)
		require.NoError(t, err, "Update with the stored revision must succeed")
		want := g
		want.Revision = 2
		assertGrant(t, want, got, "Update must return the grant with the next revision")
		assertGrant(t, want, get(t, s, "g1"), "Get after Update must return the updated grant")

		got.Reason = "again"
		again, err := s.Update(ctx, got)
		require.NoError(t, err, "a second Update with the returned revision must succeed")
		assert.Equal(t, int64(3), again.Revision, "every Update must increment the revision")
	})

	t.Run("StaleRevisionIsErrConflict", func(t *testing.T) {
		for _, rev := range []int64{0, 1, 3, 99} {
			t.Run(fmt.Sprint("Revision", rev), func(t *testing.T) {
				s := h.New(t)
				g := create(t, s, grant("g1", "svc-1", "ann"))
				g.Reason = "first"
				stored, err := s.Update(ctx, g) // now at revision 2
				require.NoError(t, err)
				stale := stored
				stale.Revision = rev
				stale.Reason = "stale"
				_, err = s.Update(ctx, stale)
				assert.ErrorIs(t, err, access.ErrConflict, "Update with revision %d when the store has 2 wants ErrConflict", rev)
				assertGrant(t, stored, get(t, s, "g1"), "a refused Update must change nothing")
			})
		}
	})

	t.Run("AbsentIsErrNotFound", func(t *testing.T) {
		s := h.New(t)
		g := grant("g1", "svc-1", "ann")
		g.Revision = 1
		_, err := s.Update(ctx, g)
		assert.ErrorIs(t, err, access.ErrNotFound, "Update of an absent grant wants ErrNotFound")
		_, err = s.Get(ctx, "g1")
		assert.ErrorIs(t, err, access.ErrNotFound, "a refused Update must not create the grant")
	})

	t.Run("InvalidIsErrInvalid", func(t *testing.T) {
		for _, tc := range invalidGrants(grant("g1", "svc-1", "ann")) {
			if tc.g.ID == "" {
				continue // nothing to update
			}
			t.Run(tc.name, func(t *testing.T) {
				s := h.New(t)
				stored := create(t, s, grant("g1", "svc-1", "ann"))
				bad := tc.g
				bad.Revision = stored.Revision
				_, err := s.Update(ctx, bad)
				assert.ErrorIs(t, err, access.ErrInvalid, "Update to an invalid grant wants ErrInvalid")
				assertGrant(t, stored, get(t, s, "g1"), "a refused Update must change nothing")
			})
		}
	})

	t.Run("UnrevokeIsErrInvalid", func(t *testing.T) {
		s := h.New(t)
		create(t, s, grant("g1", "svc-1", "ann"))
		require.NoError(t, s.Revoke(ctx, "g1", revokedAt))
		revoked := get(t, s, "g1")
		require.True(t, revoked.Revoked, "precondition: the grant is revoked")
		g := revoked
		g.Revoked = false
		g.RevokedAt = time.Time{}
		_, err := s.Update(ctx, g)
		assert.ErrorIs(t, err, access.ErrInvalid, "Update that un-revokes a grant wants ErrInvalid")
		assertGrant(t, revoked, get(t, s, "g1"), "a refused un-revoke must change nothing")
		assert.ErrorIs(t, access.Authorize(ctx, s, termStart, "ann", "svc-1", privHandle), access.ErrDenied,
			"a revoked grant must stay denied after a refused un-revoke")
	})

	t.Run("StaleUnrevokeIsErrConflict", func(t *testing.T) {
		s := h.New(t)
		stale := create(t, s, grant("g1", "svc-1", "ann"))
		require.NoError(t, s.Revoke(ctx, "g1", revokedAt))
		revoked := get(t, s, "g1")
		stale.Reason = "written before the revocation"
		_, err := s.Update(ctx, stale)
		assert.ErrorIs(t, err, access.ErrConflict,
			"Update with a stale revision wants ErrConflict, even when it would also un-revoke")
		assertGrant(t, revoked, get(t, s, "g1"), "a refused Update must change nothing")
	})

	t.Run("CanRevoke", func(t *testing.T) {
		s := h.New(t)
		g := create(t, s, grant("g1", "svc-1", "ann"))
		g.Revoked, g.RevokedAt = true, revokedAt
		got, err := s.Update(ctx, g)
		require.NoError(t, err, "Update that revokes must succeed")
		want := g
		want.Revision = 2
		assertGrant(t, want, got, "Update must store Revoked and RevokedAt")
		assert.ErrorIs(t, access.Authorize(ctx, s, laterAt, "ann", "svc-1", privHandle), access.ErrDenied,
			"a grant revoked by Update must not authorise")
	})

	t.Run("RevokedGrantStaysRevoked", func(t *testing.T) {
		s := h.New(t)
		create(t, s, grant("g1", "svc-1", "ann"))
		require.NoError(t, s.Revoke(ctx, "g1", revokedAt))
		g := get(t, s, "g1")
		g.Reason = "note after revocation"
		got, err := s.Update(ctx, g)
		require.NoError(t, err, "Update of a revoked grant that keeps it revoked must succeed")
		want := g
		want.Revision = g.Revision + 1
		assertGrant(t, want, got, "Update of a revoked grant")
	})

	t.Run("MovesBetweenIndexes", func(t *testing.T) {
		s := h.New(t)
		g := create(t, s, grant("g1", "svc-1", "ann"))
		g.ServiceID, g.Principal = "svc-2", "bob"
		moved, err := s.Update(ctx, g)
		require.NoError(t, err, "Update may change ServiceID and Principal")
		for _, c := range []struct {
			list func(context.Context, string) ([]access.Grant, error)
			key  string
			want []access.Grant
		}{
			{s.ListByService, "svc-1", nil},
			{s.ListByService, "svc-2", []access.Grant{moved}},
			{s.ListByPrincipal, "ann", nil},
			{s.ListByPrincipal, "bob", []access.Grant{moved}},
		} {
			got, err := c.list(ctx, c.key)
			require.NoError(t, err)
			assertGrants(t, c.want, got, "list of "+c.key+" after Update moved the grant")
		}
		assert.ErrorIs(t, access.Authorize(ctx, s, laterAt, "ann", "svc-1", privHandle), access.ErrDenied,
			"the grant's former principal and service must no longer be authorised")
		assert.NoError(t, access.Authorize(ctx, s, laterAt, "bob", "svc-2", privHandle),
			"the grant's new principal and service must be authorised")
	})

	t.Run("CopiesInputAndOutput", func(t *testing.T) {
		s := h.New(t)
		g := create(t, s, grant("g1", "svc-1", "ann"))
		g.Privileges = []access.Privilege{privMonitor, privTickets}
		got, err := s.Update(ctx, g)
		require.NoError(t, err)
		want := got
		want.Privileges = []access.Privilege{privMonitor, privTickets}
		g.Privileges[0] = "everything"
		got.Privileges[1] = "everything"
		assertGrant(t, want, get(t, s, "g1"), "mutating the grant passed to or returned by Update must not change the store")
	})
}

func testRevoke(t *testing.T, h Harness) {
	ctx := context.Background()

	t.Run("MarksRevoked", func(t *testing.T) {
		s := h.New(t)
		before := create(t, s, grant("g1", "svc-1", "ann"))
		other := create(t, s, grant("g2", "svc-1", "ann"))
		require.NoError(t, s.Revoke(ctx, "g1", revokedAt), "Revoke of a stored grant")
		want := before
		want.Revoked, want.RevokedAt, want.Revision = true, revokedAt, before.Revision+1
		assertGrant(t, want, get(t, s, "g1"), "Revoke must set Revoked and RevokedAt and increment the revision")
		assertGrant(t, other, get(t, s, "g2"), "Revoke must not touch other grants")
	})

	t.Run("Idempotent", func(t *testing.T) {
		s := h.New(t)
		create(t, s, grant("g1", "svc-1", "ann"))
		require.NoError(t, s.Revoke(ctx, "g1", revokedAt))
		want := get(t, s, "g1")
		assert.NoError(t, s.Revoke(ctx, "g1", laterAt), "revoking a revoked grant is not an error")
		assertGrant(t, want, get(t, s, "g1"), "revoking a revoked grant must change nothing, not even RevokedAt or Revision")
	})

	t.Run("AbsentIsErrNotFound", func(t *testing.T) {
		s := h.New(t)
		create(t, s, grant("g1", "svc-1", "ann"))
		err := s.Revoke(ctx, "g2", revokedAt)
		assert.ErrorIs(t, err, access.ErrNotFound, "Revoke of an absent ID wants ErrNotFound")
		_, err = s.Get(ctx, "g2")
		assert.ErrorIs(t, err, access.ErrNotFound, "a refused Revoke must not create the grant")
	})
}

func testRevokeService(t *testing.T, h Harness) {
	ctx := context.Background()

	// fill stores five grants on svc-a (one already revoked) and three on
	// svc-b, and returns the svc-b grants.
	fill := func(t *testing.T, s access.Store) []access.Grant {
		for i := range 5 {
			create(t, s, grant(fmt.Sprintf("a%d", i), "svc-a", fmt.Sprintf("agent-%d", i)))
		}
		require.NoError(t, s.Revoke(ctx, "a3", revokedAt))
		var b []access.Grant
		for i := range 3 {
			// agent-0 also works on svc-b: principals span services.
			b = append(b, create(t, s, grant(fmt.Sprintf("b%d", i), "svc-b", fmt.Sprintf("agent-%d", i))))
		}
		return b
	}

	t.Run("CountsAndIsolation", func(t *testing.T) {
		s := h.New(t)
		b := fill(t, s)
		before, err := s.ListByService(ctx, "svc-a")
		require.NoError(t, err)
		n, err := s.RevokeService(ctx, "svc-a", laterAt)
		require.NoError(t, err, "RevokeService of a known service")
		assert.Equal(t, 4, n, "RevokeService must count the grants it revoked, not the one already revoked")
		after, err := s.ListByService(ctx, "svc-a")
		require.NoError(t, err)
		require.Len(t, after, len(before), "RevokeService must keep the grants, revoked")
		for i, g := range before {
			want := g
			if !g.Revoked {
				want.Revoked, want.RevokedAt, want.Revision = true, laterAt, g.Revision+1
			}
			assertGrant(t, want, after[i], "grant %s after RevokeService (an already revoked grant keeps its RevokedAt)", g.ID)
		}
		gotB, err := s.ListByService(ctx, "svc-b")
		require.NoError(t, err)
		assertGrants(t, b, gotB, "grants of another service after RevokeService")
		assert.NoError(t, access.Authorize(ctx, s, laterAt, "agent-0", "svc-b", privHandle),
			"RevokeService must not revoke the principal's grants on other services")
	})

	t.Run("Idempotent", func(t *testing.T) {
		s := h.New(t)
		fill(t, s)
		_, err := s.RevokeService(ctx, "svc-a", revokedAt)
		require.NoError(t, err)
		want, err := s.ListByService(ctx, "svc-a")
		require.NoError(t, err)
		n, err := s.RevokeService(ctx, "svc-a", laterAt)
		require.NoError(t, err, "a second RevokeService is not an error")
		assert.Zero(t, n, "a second RevokeService must revoke nothing")
		got, err := s.ListByService(ctx, "svc-a")
		require.NoError(t, err)
		assertGrants(t, want, got, "grants after a second RevokeService (nothing may change)")
	})

	t.Run("UnknownService", func(t *testing.T) {
		s := h.New(t)
		b := fill(t, s)
		n, err := s.RevokeService(ctx, "svc-unknown", laterAt)
		assert.NoError(t, err, "RevokeService of an unknown service is not an error")
		assert.Zero(t, n, "RevokeService of an unknown service revokes nothing")
		got, err := s.ListByService(ctx, "svc-b")
		require.NoError(t, err)
		assertGrants(t, b, got, "grants after RevokeService of an unknown service")
	})
}

func testList(t *testing.T, h Harness) {
	ctx := context.Background()

	// Created out of ID order, across two services and three principals.
	fill := func(t *testing.T, s access.Store) map[string]access.Grant {
		all := map[string]access.Grant{}
		for _, g := range []access.Grant{
			grant("g05", "svc-1", "ann"),
			grant("g02", "svc-2", "ann"),
			grant("g10", "svc-1", "bob"),
			grant("g01", "svc-1", "ann"),
			grant("g07", "svc-2", "cat"),
			grant("g03", "svc-1", "cat"),
		} {
			all[g.ID] = create(t, s, g)
		}
		require.NoError(t, s.Revoke(ctx, "g03", revokedAt))
		all["g03"] = get(t, s, "g03")
		return all
	}
	pick := func(all map[string]access.Grant, ids ...string) []access.Grant {
		var out []access.Grant
		for _, id := range ids {
			out = append(out, all[id])
		}
		return out
	}

	t.Run("ByServiceSortedAndIsolated", func(t *testing.T) {
		s := h.New(t)
		all := fill(t, s)
		for svc, want := range map[string][]access.Grant{
			"svc-1": pick(all, "g01", "g03", "g05", "g10"), // g03 revoked: still listed
			"svc-2": pick(all, "g02", "g07"),
			"svc-3": nil,
		} {
			got, err := s.ListByService(ctx, svc)
			require.NoError(t, err, "ListByService(%q)", svc)
			assertGrants(t, want, got, "ListByService("+svc+"): every grant of the service, revoked or not, sorted by ID")
		}
	})

	t.Run("ByPrincipalSortedAndIsolated", func(t *testing.T) {
		s := h.New(t)
		all := fill(t, s)
		for who, want := range map[string][]access.Grant{
			"ann": pick(all, "g01", "g02", "g05"), // across services
			"bob": pick(all, "g10"),
			"cat": pick(all, "g03", "g07"), // g03 revoked: still listed
			"dan": nil,
		} {
			got, err := s.ListByPrincipal(ctx, who)
			require.NoError(t, err, "ListByPrincipal(%q)", who)
			assertGrants(t, want, got, "ListByPrincipal("+who+"): every grant of the principal, sorted by ID")
		}
	})

	t.Run("CopiesOutput", func(t *testing.T) {
		s := h.New(t)
		fill(t, s)
		for name, list := range map[string]func() ([]access.Grant, error){
			"ListByService":   func() ([]access.Grant, error) { return s.ListByService(ctx, "svc-1") },
			"ListByPrincipal": func() ([]access.Grant, error) { return s.ListByPrincipal(ctx, "ann") },
		} {
			want, err := list()
			require.NoError(t, err)
			for i := range want { // a copy of its own, whatever the store does
				want[i].Privileges = slices.Clone(want[i].Privileges)
			}
			got, err := list()
			require.NoError(t, err)
			for i := range got {
				got[i].Privileges[0] = "everything"
				got[i].Role = "admin"
			}
			again, err := list()
			require.NoError(t, err)
			assertGrants(t, want, again, "mutating what "+name+" returned must not change the store")
		}
	})
}

// testCancelled checks that every method given a done ctx returns an error
// that is context.Canceled and changes nothing.
func testCancelled(t *testing.T, h Harness) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	ctx := context.Background()

	setup := func(t *testing.T) (access.Store, func() map[string][]access.Grant) {
		s := h.New(t)
		create(t, s, grant("g1", "svc-1", "ann"))
		create(t, s, grant("g2", "svc-1", "bob"))
		create(t, s, grant("g3", "svc-2", "ann"))
		snapshot := func() map[string][]access.Grant {
			out := map[string][]access.Grant{}
			for _, svc := range []string{"svc-1", "svc-2"} {
				gs, err := s.ListByService(ctx, svc)
				require.NoError(t, err)
				out[svc] = gs
			}
			return out
		}
		return s, snapshot
	}

	for _, tc := range []struct {
		name string
		call func(s access.Store) error
	}{
		{"Create", func(s access.Store) error {
			_, err := s.Create(done, grant("g4", "svc-1", "cat"))
			return err
		}},
		{"Get", func(s access.Store) error {
			_, err := s.Get(done, "g1")
			return err
		}},
		{"Update", func(s access.Store) error {
			g := grant("g1", "svc-1", "ann")
			g.Revision = 1
			g.Reason = "cancelled"
			_, err := s.Update(done, g)
			return err
		}},
		{"ListByService", func(s access.Store) error {
			_, err := s.ListByService(done, "svc-1")
			return err
		}},
		{"ListByPrincipal", func(s access.Store) error {
			_, err := s.ListByPrincipal(done, "ann")
			return err
		}},
		{"Revoke", func(s access.Store) error {
			return s.Revoke(done, "g1", revokedAt)
		}},
		{"RevokeService", func(s access.Store) error {
			_, err := s.RevokeService(done, "svc-1", revokedAt)
			return err
		}},
		{"Authorize", func(s access.Store) error {
			return access.Authorize(done, s, laterAt, "ann", "svc-1", privHandle)
		}},
	} {
		name, call := tc.name, tc.call
		t.Run(name, func(t *testing.T) {
			s, snapshot := setup(t)
			before := snapshot()
			err := call(s)
			assert.ErrorIs(t, err, context.Canceled, "%s with a cancelled ctx wants context.Canceled", name)
			after := snapshot()
			for svc := range before {
				assertGrants(t, before[svc], after[svc], name+" with a cancelled ctx must change nothing ("+svc+")")
			}
			if name == "Create" {
				_, err := s.Get(ctx, "g4")
				assert.ErrorIs(t, err, access.ErrNotFound, "Create with a cancelled ctx must store nothing")
			}
		})
	}
}
