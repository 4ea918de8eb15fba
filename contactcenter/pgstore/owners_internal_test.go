package pgstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOwnersSweptAndReleased: an owner is a row of cc_owners from its
// first Acquire; a graceful Release without ids removes it, and a dead
// owner's row is swept once it has been dead for longer than a ttl.
func TestOwnersSweptAndReleased(t *testing.T) {
	ctx := context.Background()
	db := internalDB(t)
	st := db.Services()
	owners := func() []string {
		rows, err := db.pool.Query(ctx, `SELECT owner FROM cc_owners ORDER BY owner`)
		require.NoError(t, err)
		var out []string
		for rows.Next() {
			var o string
			require.NoError(t, rows.Scan(&o))
			out = append(out, o)
		}
		require.NoError(t, rows.Err())
		return out
	}
	t0 := time.Date(2031, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, o := range []string{"leaving", "dying", "staying"} {
		_, err := st.Acquire(ctx, o, t0, time.Minute)
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"dying", "leaving", "staying"}, owners())

	require.NoError(t, st.Release(ctx, "leaving"))
	assert.Equal(t, []string{"dying", "staying"}, owners(), "want Release without ids to remove the owner")
	require.NoError(t, st.Release(ctx, "staying", "some-service"))
	assert.Equal(t, []string{"dying", "staying"}, owners(), "want Release of some leases to keep the owner live")

	// dying was live until t0+1m; at t0+2m it has been dead for one ttl,
	// and a moment later for longer.
	_, err := st.Acquire(ctx, "staying", t0.Add(2*time.Minute), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, []string{"dying", "staying"}, owners(), "want an owner dead for exactly a ttl kept")
	_, err = st.Acquire(ctx, "staying", t0.Add(2*time.Minute+time.Second), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, []string{"staying"}, owners(), "want an owner dead for longer than a ttl swept")
}
