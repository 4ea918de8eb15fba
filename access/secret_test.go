package access_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
)

// A grant's secrets: stable while it lasts (a renewal keeps them), other
// for another purpose or another grant, both keys' during a rotation's
// overlap, and none once the grant is revoked or ended.
func TestGrantSecrets(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t, key1)
	issue := func(principal string) access.Grant {
		g, err := f.a.Issue(ctx, access.IssueRequest{ServiceID: "expo", Principal: principal, Role: "agent",
			Privileges: []access.Privilege{access.HandleEngagements}, NotBefore: start, Expires: end})
		require.NoError(t, err)
		return g
	}
	ada, bob := issue("ada"), issue("bob")
	s, err := f.a.GrantSecrets(ctx, ada.ID, "sip-phone")
	require.NoError(t, err)
	require.Len(t, s, 1)
	assert.Len(t, s[0], 24)
	again, _ := f.a.GrantSecrets(ctx, ada.ID, "sip-phone")
	assert.Equal(t, s, again, "the same secret each time")
	other, _ := f.a.GrantSecrets(ctx, ada.ID, "another-purpose")
	assert.NotEqual(t, s, other)
	bobs, _ := f.a.GrantSecrets(ctx, bob.ID, "sip-phone")
	assert.NotEqual(t, s, bobs)

	_, err = f.a.Renew(ctx, ada.ID, end, end)
	require.NoError(t, err)
	renewed, _ := f.a.GrantSecrets(ctx, ada.ID, "sip-phone")
	assert.Equal(t, s, renewed, "a renewal keeps the secret")

	require.NoError(t, f.a.RotateKey(key2, time.Hour))
	rotating, err := f.a.GrantSecrets(ctx, ada.ID, "sip-phone")
	require.NoError(t, err)
	require.Len(t, rotating, 2, "the new key's, then the old one's while it overlaps")
	assert.Equal(t, s[0], rotating[1])
	f.now = f.now.Add(2 * time.Hour)
	after, _ := f.a.GrantSecrets(ctx, ada.ID, "sip-phone")
	assert.Equal(t, rotating[:1], after, "the old key's is gone with its overlap")

	require.NoError(t, f.a.Revoke(ctx, ada.ID, f.now))
	_, err = f.a.GrantSecrets(ctx, ada.ID, "sip-phone")
	assert.ErrorIs(t, err, access.ErrRevoked)
	f.now = end
	_, err = f.a.GrantSecrets(ctx, bob.ID, "sip-phone")
	assert.ErrorIs(t, err, access.ErrInvalid, "ended at NotAfter")
	_, err = f.a.GrantSecrets(ctx, "expo/nobody", "sip-phone")
	assert.ErrorIs(t, err, access.ErrNotFound)

	none := newFixture(t)
	_, err = none.a.GrantSecrets(ctx, ada.ID, "sip-phone")
	assert.True(t, errors.Is(err, errors.ErrUnsupported), "no keys: %v", err)
}
