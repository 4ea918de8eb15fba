package pgstore_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/lifecycletest"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
	"github.com/eventcc/eventcc/numbermap"
)

var (
	from  = time.Date(2030, 5, 1, 8, 0, 0, 0, time.UTC)
	until = time.Date(2030, 5, 3, 20, 0, 0, 0, time.UTC)
)

func grant(id, principal, service string) access.Grant {
	return access.Grant{ID: id, ServiceID: service, Principal: principal, Role: "agent",
		Privileges: []access.Privilege{"engagement.handle"}, NotBefore: from, NotAfter: until}
}

func newCache(t *testing.T, db *pgstore.DB) *pgstore.Cache {
	t.Helper()
	c, err := db.NewCache(context.Background(), logr.Discard())
	require.NoError(t, err, "want a listening cache")
	t.Cleanup(func() { c.Close() })
	return c
}

func TestCache_RevocationReachesEveryReplica(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	a, b := newCache(t, db), newCache(t, db) // two replicas' caches
	_, err := a.Grants().Create(ctx, grant("g1", "agent-1", "svc"))
	require.NoError(t, err)
	now := from.Add(time.Hour)

	require.NoError(t, b.Sync(ctx))
	require.NoError(t, access.Authorize(ctx, b.Grants(), now, "agent-1", "svc", "engagement.handle"), "want the grant to authorise before revocation")
	principals, _ := b.Len()
	require.Equal(t, 1, principals, "want replica b's cache warm")

	require.NoError(t, a.Grants().Revoke(ctx, "g1", now))
	require.NoError(t, b.Sync(ctx), "want the notification delivered")
	assert.ErrorIs(t, access.Authorize(ctx, b.Grants(), now, "agent-1", "svc", "engagement.handle"), access.ErrDenied,
		"want replica b to deny once the revocation's notification arrived")
}

func TestCache_ExpiryFailsClosedWithoutNotification(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	c := newCache(t, db)
	_, err := db.Grants().Create(ctx, grant("g1", "agent-1", "svc"))
	require.NoError(t, err)
	require.NoError(t, c.Sync(ctx))
	require.NoError(t, access.Authorize(ctx, c.Grants(), until.Add(-time.Second), "agent-1", "svc", "engagement.handle"))
	// Nothing changes in the database: the cached grant is checked at
	// check time and denies from NotAfter on.
	assert.ErrorIs(t, access.Authorize(ctx, c.Grants(), until, "agent-1", "svc", "engagement.handle"), access.ErrDenied,
		"want the cached grant denied at its NotAfter")
}

func TestCache_RetiredNumberReachesEveryReplica(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	a, b := newCache(t, db), newCache(t, db)
	n := numbermap.MustParse("+12025550101")
	require.NoError(t, a.Numbers().Add(ctx, numbermap.Owned{Number: n, Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}))
	_, err := a.Numbers().Claim(ctx, numbermap.ClaimRequest{Count: 1, At: from,
		Lease: numbermap.Lease{ServiceID: "svc", EntryPoint: "main", Start: from, Expires: until, Policy: numbermap.Policy{Kind: numbermap.Vacant}}})
	require.NoError(t, err)
	require.NoError(t, b.Sync(ctx))
	now := from.Add(time.Hour)
	rt, err := numbermap.Lookup(ctx, b.Numbers(), n, now)
	require.NoError(t, err)
	require.Equal(t, numbermap.RouteService, rt.Kind, "want the number routing to its service")
	_, numbers := b.Len()
	require.Equal(t, 1, numbers, "want replica b's route cache warm")

	_, err = a.Numbers().SetExpiry(ctx, "svc", now) // retire it now
	require.NoError(t, err)
	require.NoError(t, b.Sync(ctx))
	rt, err = numbermap.Lookup(ctx, b.Numbers(), n, now)
	require.NoError(t, err)
	assert.Equal(t, numbermap.RouteVacant, rt.Kind, "want replica b to route per the policy once the retirement arrived")
}

func TestCache_ConcurrentChecksAndRevocations(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	c := newCache(t, db)
	for _, p := range []string{"a", "b", "c", "d"} {
		_, err := db.Grants().Create(ctx, grant("g-"+p, p, "svc"))
		require.NoError(t, err)
	}
	now := from.Add(time.Hour)
	var wg sync.WaitGroup
	for _, p := range []string{"a", "b", "c", "d"} {
		wg.Go(func() {
			for range 20 {
				_ = access.Authorize(ctx, c.Grants(), now, p, "svc", "engagement.handle")
			}
		})
	}
	wg.Go(func() { _, _ = db.Grants().RevokeService(ctx, "svc", now) })
	wg.Wait()
	require.NoError(t, c.Sync(ctx))
	for _, p := range []string{"a", "b", "c", "d"} {
		assert.ErrorIs(t, access.Authorize(ctx, c.Grants(), now, p, "svc", "engagement.handle"), access.ErrDenied,
			"want %s denied after RevokeService and a sync, whatever the interleaving", p)
	}
}

func TestMigrate_ConcurrentReplicas(t *testing.T) {
	db := newDB(t) // migrated once already
	ctx := context.Background()
	var wg sync.WaitGroup
	applied := make([][]int, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Go(func() { applied[i], errs[i] = db.Migrate(ctx) })
	}
	wg.Wait()
	for i := range 4 {
		assert.NoError(t, errs[i], "want Migrate from replica %d to succeed", i)
		assert.Empty(t, applied[i], "want nothing applied twice")
	}
	v, err := db.Version(ctx)
	require.NoError(t, err)
	assert.Equal(t, newestMigration(t), v, "want the newest schema version")
}

// newestMigration returns the version of the newest file in migrations/.
func newestMigration(t *testing.T) int {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	require.NoError(t, err)
	newest := 0
	for _, n := range names {
		v, err := strconv.Atoi(strings.SplitN(filepath.Base(n), "_", 2)[0])
		require.NoError(t, err, "want migration %s named by its version", n)
		newest = max(newest, v)
	}
	return newest
}

func TestExpireService_OneTransaction(t *testing.T) {
	testURL(t)
	w := newWorld(t)
	ctx := context.Background()
	lc := w.Lifecycle(t, "solo")
	req := lifecycletest.Conference("conf-expire")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	for w.State(t, svc.ID) != contactcenter.Active {
		require.False(t, w.Clock.Now().After(req.Term.End), "want the service active during its term")
		_ = lc.Tick(ctx)
		w.Clock.Advance(time.Minute)
	}
	s, err := w.db.Services().Get(ctx, svc.ID)
	require.NoError(t, err)
	// A bearer token for one of the service's grants.
	authority, err := access.New(access.Config{Store: w.db.Grants(), Keys: testKeys, Now: w.Clock.Now})
	require.NoError(t, err)
	_, cred, err := authority.IssueToken(ctx, access.GrantID(svc.ID, s.Agents[0]))
	require.NoError(t, err, "want a token for agent %s", s.Agents[0])
	_, err = w.db.ExpireService(ctx, svc.ID, s.Revision-1, w.Clock.Now())
	require.ErrorIs(t, err, contactcenter.ErrConflict, "want a stale revision refused")

	now := w.Clock.Now()
	_, err = w.db.ExpireService(ctx, svc.ID, s.Revision, now)
	require.NoError(t, err)
	gs, err := w.db.Grants().ListByService(ctx, svc.ID)
	require.NoError(t, err)
	require.NotEmpty(t, gs)
	for _, g := range gs {
		assert.True(t, g.Revoked, "want grant %s revoked by the expiry", g.ID)
	}
	c, err := w.db.Grants().GetCredential(ctx, cred.ID)
	require.NoError(t, err)
	assert.True(t, c.Revoked, "want the token's credential revoked with its grant")
	recs, err := w.db.Numbers().ListByService(ctx, svc.ID)
	require.NoError(t, err)
	for _, r := range recs {
		assert.NotEqual(t, numbermap.RouteService, r.RouteAt(now).Kind, "want number %s retired by the expiry", r.Number)
	}
	for !w.State(t, svc.ID).Final() {
		require.False(t, w.Clock.Now().After(now.Add(time.Hour)), "want the closing plan run within the hour")
		_ = lc.Tick(ctx)
		w.Clock.Advance(time.Minute)
	}
	assert.Equal(t, contactcenter.Terminated, w.State(t, svc.ID))
	w.AssertNothingLeft(t, svc.ID)
	w.AssertOnce(t, svc.ID)
}

var discard = logr.Discard()
