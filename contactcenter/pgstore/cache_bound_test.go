package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
	"github.com/eventcc/eventcc/numbermap"
)

func TestNewCache_InvalidConfig(t *testing.T) {
	ctx := context.Background()
	db := pgstore.New(nil) // the config is checked before any I/O
	_, err := db.NewCache(ctx, discard, pgstore.CacheConfig{MaxPrincipals: -1, MaxNumbers: -2})
	require.Error(t, err, "want negative bounds refused")
	assert.ErrorContains(t, err, "MaxPrincipals", "want every invalid field named")
	assert.ErrorContains(t, err, "MaxNumbers", "want every invalid field named")
	_, err = db.NewCache(ctx, discard, pgstore.CacheConfig{}, pgstore.CacheConfig{})
	assert.ErrorContains(t, err, "at most one", "want two CacheConfigs refused")
}

// TestCache_BoundedPrincipals asks a cache bounded to 8 principals about
// 10 times as many, with and without grants, in two passes: it never
// holds more than 8, and every answer is what the database says.
func TestCache_BoundedPrincipals(t *testing.T) {
	const bound, asked = 8, 80
	db := newDB(t)
	ctx := context.Background()
	c, err := db.NewCache(ctx, discard, pgstore.CacheConfig{MaxPrincipals: bound})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	g := c.Grants()
	name := func(i int) string { return fmt.Sprintf("agent-%03d", i) }
	hasGrant := func(i int) bool { return i%3 == 0 } // the others get empty answers
	for i := range asked {
		if hasGrant(i) {
			_, err := db.Grants().Create(ctx, grant(fmt.Sprintf("g%03d", i), name(i), "svc"))
			require.NoError(t, err)
		}
	}
	require.NoError(t, c.Sync(ctx))
	now := from.Add(time.Hour)
	check := func(pass string, i int) {
		t.Helper()
		err := access.Authorize(ctx, g, now, name(i), "svc", "engagement.handle")
		if hasGrant(i) {
			assert.NoError(t, err, "%s: want %s, who holds a grant, allowed", pass, name(i))
		} else {
			assert.ErrorIs(t, err, access.ErrDenied, "%s: want %s, who holds none, denied", pass, name(i))
		}
		gs, err := g.ListByPrincipal(ctx, name(i))
		require.NoError(t, err)
		assert.Equal(t, hasGrant(i), len(gs) == 1, "%s: want ListByPrincipal(%s) from the cache to agree with the database", pass, name(i))
		principals, _ := c.Len()
		assert.LessOrEqual(t, principals, bound, "%s: want at most %d principals cached after asking for %s", pass, bound, name(i))
	}
	for i := range asked {
		check("first pass", i)
	}
	principals, _ := c.Len()
	assert.Equal(t, bound, principals, "want the cache full, at its bound")
	for i := asked - 1; i >= 0; i-- { // the most recent first: hits, then refills
		check("second pass", i)
	}

	// A notification still drops a cached entry: agent-000 is cached
	// (asked last) and loses its grant on another connection.
	_, err = db.Grants().RevokeService(ctx, "svc", now)
	require.NoError(t, err)
	require.NoError(t, c.Sync(ctx))
	assert.ErrorIs(t, access.Authorize(ctx, g, now, name(0), "svc", "engagement.handle"), access.ErrDenied,
		"want a revocation notified to the bounded cache seen")
}

// TestCache_BoundedNumbers routes 10 times as many numbers as a cache
// bounded to 4 holds: it never holds more than 4, and every route is
// right.
func TestCache_BoundedNumbers(t *testing.T) {
	const bound, asked = 4, 40
	db := newDB(t)
	ctx := context.Background()
	c, err := db.NewCache(ctx, discard, pgstore.CacheConfig{MaxNumbers: bound})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	num := func(i int) numbermap.Number { return numbermap.MustParse(fmt.Sprintf("+120255501%02d", i)) }
	for i := range asked {
		require.NoError(t, db.Numbers().Add(ctx, numbermap.Owned{Number: num(i), Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}))
	}
	_, err = db.Numbers().Claim(ctx, numbermap.ClaimRequest{Count: asked / 2, At: from,
		Lease: numbermap.Lease{ServiceID: "svc", EntryPoint: "main", Start: from, Expires: until, Policy: numbermap.Policy{Kind: numbermap.Vacant}}})
	require.NoError(t, err)
	recs, err := db.Numbers().ListByService(ctx, "svc")
	require.NoError(t, err)
	leased := map[numbermap.Number]bool{}
	for _, r := range recs {
		leased[r.Number] = true
	}
	require.Len(t, leased, asked/2)
	now := from.Add(time.Hour)
	for pass := range 2 {
		for i := range asked {
			rt, err := numbermap.Lookup(ctx, c.Numbers(), num(i), now)
			require.NoError(t, err)
			if leased[num(i)] {
				assert.Equal(t, numbermap.RouteService, rt.Kind, "pass %d: want leased %s routed to its service", pass, num(i))
			} else {
				assert.NotEqual(t, numbermap.RouteService, rt.Kind, "pass %d: want free %s routed to no service", pass, num(i))
			}
			_, numbers := c.Len()
			assert.LessOrEqual(t, numbers, bound, "pass %d: want at most %d numbers cached after routing %s", pass, bound, num(i))
		}
	}
}
