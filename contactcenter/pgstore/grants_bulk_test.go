package pgstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
)

// warm makes c's cache hold each principal's grants (none is a value too).
func warm(t *testing.T, c interface {
	ListByPrincipal(context.Context, string) ([]access.Grant, error)
}, principals ...string) {
	t.Helper()
	for _, p := range principals {
		_, err := c.ListByPrincipal(context.Background(), p)
		require.NoError(t, err)
	}
}

func TestCache_BulkCreateDropsOnlyItsPrincipals(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	a, b := newCache(t, db), newCache(t, db) // two replicas' caches
	now := from.Add(1)
	warm(t, b.Grants(), "ann", "bob", "cat")
	require.ErrorIs(t, access.Authorize(ctx, b.Grants(), now, "ann", "svc", "engagement.handle"), access.ErrDenied,
		"want ann denied before her grant exists")

	got, err := a.Grants().CreateGrants(ctx, grant("g-ann", "ann", "svc"), grant("g-bob", "bob", "svc"))
	require.NoError(t, err)
	require.Len(t, got, 2, "want both grants created")
	require.NoError(t, b.Sync(ctx), "want the notification delivered")
	principals, _ := b.Len()
	assert.Equal(t, 1, principals, "want replica b to drop ann and bob, and keep cat")
	assert.NoError(t, access.Authorize(ctx, b.Grants(), now, "ann", "svc", "engagement.handle"),
		"want replica b to authorise ann once the notification arrived")

	// A retry inserts nothing and notifies nobody.
	warm(t, b.Grants(), "ann", "bob")
	got, err = a.Grants().CreateGrants(ctx, grant("g-ann", "ann", "svc"), grant("g-bob", "bob", "svc"))
	require.NoError(t, err)
	assert.Empty(t, got, "want a retry to create nothing")
	require.NoError(t, b.Sync(ctx))
	principals, _ = b.Len()
	assert.Equal(t, 3, principals, "want a retry that created nothing to leave replica b's cache alone")
}

func TestCache_BulkCreateOfManyPrincipalsDropsAll(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	c := newCache(t, db)
	warm(t, c.Grants(), "cat")
	var gs []access.Grant
	for i := range 101 { // more than pgstore notifies one by one
		gs = append(gs, grant(fmt.Sprintf("g%d", i), fmt.Sprintf("agent-%d", i), "svc"))
	}
	got, err := db.Grants().CreateGrants(ctx, gs...)
	require.NoError(t, err)
	require.Len(t, got, len(gs))
	require.NoError(t, c.Sync(ctx))
	principals, _ := c.Len()
	assert.Zero(t, principals, "want a change to many principals to drop the whole cache")
}

func TestCache_BulkChangesReadYourWrites(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	c := newCache(t, db)
	now := from.Add(1)
	warm(t, c.Grants(), "ann")
	_, err := c.Grants().CreateGrants(ctx, grant("g1", "ann", "svc"), grant("g2", "ann", "svc-2"))
	require.NoError(t, err)
	// No Sync: the cache's own change drops what it cached at once.
	assert.NoError(t, access.Authorize(ctx, c.Grants(), now, "ann", "svc", "engagement.handle"),
		"want the grant created through the cache to authorise at once")

	revoked, err := c.Grants().RevokeGrants(ctx, access.GrantMatch{Principal: "ann"}, now)
	require.NoError(t, err)
	assert.Len(t, revoked, 2, "want both of ann's grants revoked")
	assert.ErrorIs(t, access.Authorize(ctx, c.Grants(), now, "ann", "svc-2", "engagement.handle"), access.ErrDenied,
		"want the revocation through the cache to deny at once")
}
