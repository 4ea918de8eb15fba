package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
)

// TestCachedGrants_DecideFromCacheAllocatesNothing checks that a check the
// cache answers copies no grant.
func TestCachedGrants_DecideFromCacheAllocatesNothing(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	c := newCache(t, db)
	_, err := db.Grants().Create(ctx, grant("g1", "agent-1", "svc"))
	require.NoError(t, err)
	require.NoError(t, c.Sync(ctx))
	g := c.Grants()
	now := from.Add(time.Hour)
	require.NoError(t, access.Authorize(ctx, g, now, "agent-1", "svc", "engagement.handle"), "want the cache warm")
	allocs := testing.AllocsPerRun(100, func() {
		if err := access.Authorize(ctx, g, now, "agent-1", "svc", "engagement.handle"); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "want an allowed Authorize served by the cache to allocate nothing")
}

// TestGrants_DecideReadsEveryDocument checks Decide on grants whose
// documents hold what PostgreSQL's JSON functions refuse (a NUL) and
// instants with nanoseconds, which timestamptz would round: it decides
// exactly as the listed grants do.
func TestGrants_DecideReadsEveryDocument(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	g := grant("g1", "agent-1", "svc")
	g.Reason = "imported\x00from the roster"
	g.NotAfter = until.Add(999 * time.Nanosecond)
	_, err := db.Grants().Create(ctx, g)
	require.NoError(t, err)
	for _, tc := range []struct {
		now     time.Time
		allowed bool
	}{
		{g.NotAfter.Add(-time.Nanosecond), true},
		{g.NotAfter, false},
	} {
		d, err := db.Grants().Decide(ctx, tc.now, "agent-1", "svc", "engagement.handle")
		require.NoError(t, err, "want Decide to read a document with a NUL in it")
		assert.Equal(t, tc.allowed, d.Allowed, "at %s, NotAfter %s: want allowed=%v", tc.now, g.NotAfter, tc.allowed)
		if !tc.allowed {
			assert.Equal(t, access.Expired, d.Reason, "want the grant expired at its NotAfter to the nanosecond")
			assert.True(t, g.NotAfter.Equal(d.At), "want At the NotAfter stored, %s; got %s", g.NotAfter, d.At)
		}
	}
}
