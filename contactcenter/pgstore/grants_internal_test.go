package pgstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
)

// TestRevokeLocked checks the path Revoke falls back to when concurrent
// changes keep moving a grant's revision, which the conformance suite
// rarely reaches: it revokes once, idempotently, and says ErrNotFound.
func TestRevokeLocked(t *testing.T) {
	ctx := context.Background()
	db := internalDB(t)

	st := db.Grants()
	from := time.Date(2030, 5, 1, 8, 0, 0, 0, time.UTC)
	at := from.Add(time.Hour)
	_, err := st.Create(ctx, access.Grant{ID: "g1", ServiceID: "svc", Principal: "ann", Role: "agent",
		NotBefore: from, NotAfter: from.Add(24 * time.Hour)})
	require.NoError(t, err)

	require.NoError(t, st.revokeLocked(ctx, "g1", at))
	g, err := st.Get(ctx, "g1")
	require.NoError(t, err)
	assert.True(t, g.Revoked && g.RevokedAt.Equal(at), "want g1 revoked at %s, got %+v", at, g)
	assert.Equal(t, int64(2), g.Revision, "want one more revision")

	require.NoError(t, st.revokeLocked(ctx, "g1", at.Add(time.Hour)), "revoking again is not an error")
	again, err := st.Get(ctx, "g1")
	require.NoError(t, err)
	assert.Equal(t, g, again, "revoking again changes nothing")

	assert.ErrorIs(t, st.revokeLocked(ctx, "nope", at), access.ErrNotFound, "want ErrNotFound for an absent grant")
}
