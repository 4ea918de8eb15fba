package pgstore_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
)

// testKeys are the server keys of the token tests' Authorities: a test
// fixture, not a secret.
var testKeys = []access.Key{{ID: "pgstore-test-1", Secret: []byte("pgstore test key: 32 bytes or more, not secret")}}

// assertDeniedFor checks that err is a denial for the reason wanted.
func assertDeniedFor(t *testing.T, err error, reason access.DenyReason, what string) {
	t.Helper()
	var d *access.DeniedError
	if assert.True(t, errors.As(err, &d), "%s: want a *access.DeniedError, got %v", what, err) {
		assert.Equal(t, reason, d.Reason, "%s: want this reason", what)
	}
}

// TestAuthority_TokensAcrossReplicas issues a bearer token through one
// replica's Authority over PostgreSQL and checks it on another replica and
// on a fresh process with the same keys; then revokes on one replica and
// checks that every other refuses at once.
func TestAuthority_TokensAcrossReplicas(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	now := from.Add(time.Hour + 123456789*time.Nanosecond) // the credential must keep the nanoseconds
	authority := func(s access.Store) *access.Authority {
		t.Helper()
		a, err := access.New(access.Config{Store: s, Keys: testKeys, Now: func() time.Time { return now }})
		require.NoError(t, err, "want an Authority with keys over pgstore: its Store is a TokenStore")
		return a
	}
	ca, cb := newCache(t, db), newCache(t, db) // two replicas' caches
	a, b := authority(ca.Grants()), authority(cb.Grants())
	// A fresh process: its own pool on the same schema, no cache.
	pool, err := pgstore.Connect(ctx, testURL(t), db.Pool().Config().ConnConfig.RuntimeParams["search_path"])
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	freshStore := pgstore.New(pool).Grants()
	fresh := authority(freshStore)

	issue := func(principal string) string {
		t.Helper()
		g, err := a.Issue(ctx, access.IssueRequest{ServiceID: "svc", Principal: principal, Kind: access.KindServiceAccount,
			Role: "integration", Privileges: []access.Privilege{access.ViewReports}, Expires: until})
		require.NoError(t, err, "want %s's grant issued", principal)
		return g.ID
	}
	grantID := issue("crm-sync")
	token, cred, err := a.IssueToken(ctx, grantID)
	require.NoError(t, err, "want a token issued over pgstore")

	// The database keeps the digest, never the token or its secret.
	var row string
	require.NoError(t, db.Pool().QueryRow(ctx, `SELECT row_to_json(c)::text FROM access_credentials c WHERE id = $1`, cred.ID).Scan(&row))
	raw, err := base64.RawURLEncoding.DecodeString(token[len(access.TokenPrefix):])
	require.NoError(t, err)
	secretB64 := token[len(access.TokenPrefix)+access.CredentialIDLen:]
	assert.NotContains(t, row, secretB64, "want no token text stored")
	secret := raw[12 : 12+32] // after the 12-byte selector: see the token layout in package access
	assert.NotContains(t, row, hex.EncodeToString(secret), "want no token secret stored")
	stored, err := freshStore.GetCredential(ctx, cred.ID)
	require.NoError(t, err)
	assert.Equal(t, cred, stored, "want the credential stored exactly as issued, IssuedAt's nanoseconds included")

	for name, r := range map[string]*access.Authority{"issuing replica": a, "other replica": b, "fresh process": fresh} {
		g, err := r.AuthorizeToken(ctx, token, "svc", access.ViewReports)
		if assert.NoError(t, err, "%s: want the token accepted", name) {
			assert.Equal(t, "crm-sync", g.Principal, "%s: want the token's grant", name)
		}
		_, err = r.AuthorizeToken(ctx, token, "other-svc", access.ViewReports)
		assertDeniedFor(t, err, access.NoGrant, name+": the token on another service")
	}

	// A token revoked on one replica is refused by every other at once:
	// credentials are never cached.
	other := issue("bi-export")
	token2, cred2, err := b.IssueToken(ctx, other)
	require.NoError(t, err)
	require.NoError(t, fresh.RevokeToken(ctx, cred2.ID))
	for name, r := range map[string]*access.Authority{"issuing replica": b, "other replica": a} {
		_, err := r.AuthorizeToken(ctx, token2, "svc", access.ViewReports)
		assertDeniedFor(t, err, access.CredentialRevoked, name+": a token revoked on a fresh process")
	}
	require.NoError(t, b.Authorize(ctx, "bi-export", "svc", access.ViewReports),
		"want the grant of a revoked token still in force: RevokeToken revokes the token only")

	// A grant revoked on one replica voids its tokens' credentials, and
	// every replica refuses the token at once and the principal once the
	// notification is in.
	require.NoError(t, b.Revoke(ctx, grantID, now))
	stored, err = freshStore.GetCredential(ctx, cred.ID)
	require.NoError(t, err)
	assert.True(t, stored.Revoked && stored.RevokedAt.Equal(now),
		"want the credential revoked at the grant's revocation, %s; got %+v", now, stored)
	for name, r := range map[string]*access.Authority{"issuing replica": a, "revoking replica": b, "fresh process": fresh} {
		_, err := r.AuthorizeToken(ctx, token, "svc", access.ViewReports)
		assertDeniedFor(t, err, access.CredentialRevoked, name+": a token of a grant revoked on another replica")
	}
	require.NoError(t, ca.Sync(ctx))
	assertDeniedFor(t, a.Authorize(ctx, "crm-sync", "svc", access.ViewReports), access.Revoked,
		"the principal of a revoked grant on the other replica's cache")
	_, _, err = fresh.IssueToken(ctx, grantID)
	assert.ErrorIs(t, err, access.ErrRevoked, "want no new token for a revoked grant")
}
