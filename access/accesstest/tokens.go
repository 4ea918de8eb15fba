package accesstest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
)

// testKey is a server key for the suite's Authorities. It is a test
// fixture, not a secret.
var testKey = access.Key{ID: "accesstest-1", Secret: []byte("accesstest key: 32 bytes or more, not secret")}

// credential returns a valid credential, not yet stored.
func credential(n int, grantID, service, principal string) access.Credential {
	id := fmt.Sprintf("cred%012d", n) // 16 base64url characters
	return access.Credential{ID: id, KeyID: testKey.ID, Digest: sha256.Sum256([]byte(id)), GrantID: grantID,
		ServiceID: service, Principal: principal, IssuedAt: termStart}
}

func tokenStore(t *testing.T, h Harness) (access.Store, access.TokenStore) {
	s := h.New(t)
	ts, ok := s.(access.TokenStore)
	require.True(t, ok, "precondition: the store implements access.TokenStore")
	return s, ts
}

func getCredential(t *testing.T, ts access.TokenStore, id string) access.Credential {
	t.Helper()
	c, err := ts.GetCredential(context.Background(), id)
	require.NoError(t, err, "GetCredential(%q) of a stored credential must succeed", id)
	return c
}

func assertCredential(t *testing.T, want, got access.Credential, format string, args ...any) {
	t.Helper()
	what := fmt.Sprintf(format, args...)
	assert.Equal(t, want.ID, got.ID, "%s: ID", what)
	assert.Equal(t, want.KeyID, got.KeyID, "%s: KeyID", what)
	assert.Equal(t, want.Digest, got.Digest, "%s: Digest", what)
	assert.Equal(t, want.GrantID, got.GrantID, "%s: GrantID", what)
	assert.Equal(t, want.ServiceID, got.ServiceID, "%s: ServiceID", what)
	assert.Equal(t, want.Principal, got.Principal, "%s: Principal", what)
	assert.Equal(t, want.Revoked, got.Revoked, "%s: Revoked", what)
	assertInstant(t, want.IssuedAt, got.IssuedAt, "%s: IssuedAt", what)
	assertInstant(t, want.RevokedAt, got.RevokedAt, "%s: RevokedAt", what)
}

// testTokens checks the store's access.TokenStore, if it has one, and an
// Authority issuing and checking tokens over it.
func testTokens(t *testing.T, h Harness) {
	if _, ok := h.New(t).(access.TokenStore); !ok {
		t.Skip("the store does not implement access.TokenStore")
	}
	ctx := context.Background()

	t.Run("CreateGetRoundTrip", func(t *testing.T) {
		_, ts := tokenStore(t, h)
		c := credential(1, "g1", "svc-1", "ann")
		require.NoError(t, ts.CreateCredential(ctx, c), "CreateCredential of a valid credential")
		assertCredential(t, c, getCredential(t, ts, c.ID), "GetCredential after CreateCredential")
	})

	t.Run("ExistingIDIsErrExists", func(t *testing.T) {
		_, ts := tokenStore(t, h)
		c := credential(1, "g1", "svc-1", "ann")
		require.NoError(t, ts.CreateCredential(ctx, c))
		other := credential(1, "g2", "svc-2", "bob")
		assert.ErrorIs(t, ts.CreateCredential(ctx, other), access.ErrExists, "CreateCredential with a stored ID wants ErrExists")
		assertCredential(t, c, getCredential(t, ts, c.ID), "a refused CreateCredential must leave the stored one as it was")
	})

	t.Run("InvalidIsErrInvalid", func(t *testing.T) {
		base := credential(1, "g1", "svc-1", "ann")
		for name, f := range map[string]func(*access.Credential){
			"EmptyID":        func(c *access.Credential) { c.ID = "" },
			"ShortID":        func(c *access.Credential) { c.ID = "cred1" },
			"NotBase64ID":    func(c *access.Credential) { c.ID = "cred/00000000001" },
			"EmptyKeyID":     func(c *access.Credential) { c.KeyID = "" },
			"EmptyGrantID":   func(c *access.Credential) { c.GrantID = "" },
			"EmptyServiceID": func(c *access.Credential) { c.ServiceID = "" },
			"EmptyPrincipal": func(c *access.Credential) { c.Principal = "" },
			"ZeroIssuedAt":   func(c *access.Credential) { c.IssuedAt = time.Time{} },
			"ZeroDigest":     func(c *access.Credential) { c.Digest = access.Digest{} },
		} {
			t.Run(name, func(t *testing.T) {
				_, ts := tokenStore(t, h)
				c := base
				f(&c)
				assert.ErrorIs(t, ts.CreateCredential(ctx, c), access.ErrInvalid, "CreateCredential of an invalid credential wants ErrInvalid")
				_, err := ts.GetCredential(ctx, c.ID)
				assert.ErrorIs(t, err, access.ErrNotFound, "a refused CreateCredential must store nothing")
			})
		}
	})

	t.Run("AbsentIsErrNotFound", func(t *testing.T) {
		_, ts := tokenStore(t, h)
		_, err := ts.GetCredential(ctx, "cred000000000009")
		assert.ErrorIs(t, err, access.ErrNotFound, "GetCredential of an absent ID wants ErrNotFound")
		assert.ErrorIs(t, ts.RevokeCredential(ctx, "cred000000000009", revokedAt), access.ErrNotFound,
			"RevokeCredential of an absent ID wants ErrNotFound")
	})

	t.Run("RevokeCredentialIdempotent", func(t *testing.T) {
		_, ts := tokenStore(t, h)
		c := credential(1, "g1", "svc-1", "ann")
		other := credential(2, "g1", "svc-1", "ann")
		require.NoError(t, ts.CreateCredential(ctx, c))
		require.NoError(t, ts.CreateCredential(ctx, other))
		require.NoError(t, ts.RevokeCredential(ctx, c.ID, revokedAt), "RevokeCredential of a stored credential")
		want := c
		want.Revoked, want.RevokedAt = true, revokedAt
		assertCredential(t, want, getCredential(t, ts, c.ID), "RevokeCredential must set Revoked and RevokedAt")
		assert.NoError(t, ts.RevokeCredential(ctx, c.ID, laterAt), "revoking a revoked credential is not an error")
		assertCredential(t, want, getCredential(t, ts, c.ID), "revoking again must change nothing, not even RevokedAt")
		assertCredential(t, other, getCredential(t, ts, other.ID), "RevokeCredential must not touch other credentials")
	})

	t.Run("RevokeCredentialsMatches", func(t *testing.T) {
		creds := []access.Credential{
			credential(1, "g1", "svc-1", "ann"),
			credential(2, "g1", "svc-1", "ann"),
			credential(3, "g2", "svc-1", "bob"),
			credential(4, "g3", "svc-2", "ann"),
			credential(5, "g4", "svc-2", "cat"),
		}
		for _, tc := range []struct {
			name  string
			match access.CredentialMatch
			want  []int // indexes in creds revoked
		}{
			{"ByGrant", access.CredentialMatch{GrantID: "g1"}, []int{0, 1}},
			{"ByService", access.CredentialMatch{ServiceID: "svc-1"}, []int{0, 1, 2}},
			{"ByPrincipal", access.CredentialMatch{Principal: "ann"}, []int{0, 1, 3}},
			{"ByServiceAndPrincipal", access.CredentialMatch{ServiceID: "svc-2", Principal: "ann"}, []int{3}},
			{"Unknown", access.CredentialMatch{GrantID: "g9"}, nil},
			{"Disjoint", access.CredentialMatch{GrantID: "g1", Principal: "bob"}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, ts := tokenStore(t, h)
				for _, c := range creds {
					require.NoError(t, ts.CreateCredential(ctx, c))
				}
				require.NoError(t, ts.RevokeCredential(ctx, creds[1].ID, revokedAt)) // revoked already
				wantN := 0
				for _, i := range tc.want {
					if i != 1 {
						wantN++
					}
				}
				n, err := ts.RevokeCredentials(ctx, tc.match, laterAt)
				require.NoError(t, err, "RevokeCredentials(%+v)", tc.match)
				assert.Equal(t, wantN, n, "RevokeCredentials(%+v) must count the credentials it revoked", tc.match)
				for i, c := range creds {
					want := c
					switch {
					case i == 1:
						want.Revoked, want.RevokedAt = true, revokedAt
					case slices.Contains(tc.want, i):
						want.Revoked, want.RevokedAt = true, laterAt
					}
					assertCredential(t, want, getCredential(t, ts, c.ID), "credential %d after RevokeCredentials(%+v)", i, tc.match)
				}
				n, err = ts.RevokeCredentials(ctx, tc.match, laterAt.Add(time.Hour))
				require.NoError(t, err, "a second RevokeCredentials is not an error")
				assert.Zero(t, n, "a second RevokeCredentials must revoke nothing")
			})
		}
		t.Run("EmptyMatchIsErrInvalid", func(t *testing.T) {
			_, ts := tokenStore(t, h)
			require.NoError(t, ts.CreateCredential(ctx, creds[0]))
			_, err := ts.RevokeCredentials(ctx, access.CredentialMatch{}, laterAt)
			assert.ErrorIs(t, err, access.ErrInvalid, "RevokeCredentials with an empty match wants ErrInvalid")
			assertCredential(t, creds[0], getCredential(t, ts, creds[0].ID), "a refused RevokeCredentials must change nothing")
		})
	})

	t.Run("CancelledContext", func(t *testing.T) {
		done, cancel := context.WithCancel(ctx)
		cancel()
		for name, call := range map[string]func(ts access.TokenStore) error{
			"CreateCredential": func(ts access.TokenStore) error {
				return ts.CreateCredential(done, credential(2, "g1", "svc-1", "ann"))
			},
			"GetCredential": func(ts access.TokenStore) error {
				_, err := ts.GetCredential(done, credential(1, "g1", "svc-1", "ann").ID)
				return err
			},
			"RevokeCredential": func(ts access.TokenStore) error {
				return ts.RevokeCredential(done, credential(1, "g1", "svc-1", "ann").ID, revokedAt)
			},
			"RevokeCredentials": func(ts access.TokenStore) error {
				_, err := ts.RevokeCredentials(done, access.CredentialMatch{ServiceID: "svc-1"}, revokedAt)
				return err
			},
		} {
			t.Run(name, func(t *testing.T) {
				_, ts := tokenStore(t, h)
				c := credential(1, "g1", "svc-1", "ann")
				require.NoError(t, ts.CreateCredential(ctx, c))
				assert.ErrorIs(t, call(ts), context.Canceled, "%s with a cancelled ctx wants context.Canceled", name)
				assertCredential(t, c, getCredential(t, ts, c.ID), "%s with a cancelled ctx must change nothing", name)
				_, err := ts.GetCredential(ctx, credential(2, "g1", "svc-1", "ann").ID)
				assert.ErrorIs(t, err, access.ErrNotFound, "%s with a cancelled ctx must store nothing", name)
			})
		}
	})

	t.Run("ConcurrentRevokeCredentialsCountEachOnce", func(t *testing.T) {
		const creds, revokers = 100, 8
		_, ts := tokenStore(t, h)
		for i := range creds {
			require.NoError(t, ts.CreateCredential(ctx, credential(i, fmt.Sprintf("g%d", i), "svc-1", "ann")))
		}
		start := make(chan struct{})
		var total atomic.Int64
		var problems errs
		var wg sync.WaitGroup
		for range revokers {
			wg.Go(func() {
				<-start
				n, err := ts.RevokeCredentials(ctx, access.CredentialMatch{ServiceID: "svc-1"}, revokedAt)
				if err != nil {
					problems.add("RevokeCredentials: %w", err)
				}
				total.Add(int64(n))
			})
		}
		close(start)
		wg.Wait()
		problems.check(t)
		assert.Equal(t, int64(creds), total.Load(), "concurrent RevokeCredentials calls must revoke each credential exactly once between them")
	})

	t.Run("AuthorityTokens", func(t *testing.T) { testAuthorityTokens(t, h) })
	t.Run("NoTokenAuthorizeAfterRevoke", func(t *testing.T) {
		testTokenRevokeVisible(t, h, func(a *access.Authority, _ string) error { return a.Revoke(ctx, "g1", revokedAt) })
	})
	t.Run("NoTokenAuthorizeAfterRevokeService", func(t *testing.T) {
		testTokenRevokeVisible(t, h, func(a *access.Authority, _ string) error {
			_, err := a.RevokeService(ctx, "svc-1", revokedAt)
			return err
		})
	})
	t.Run("NoTokenAuthorizeAfterRevokePrincipal", func(t *testing.T) {
		testTokenRevokeVisible(t, h, func(a *access.Authority, _ string) error {
			_, err := a.RevokePrincipal(ctx, "ann", revokedAt)
			return err
		})
	})
	t.Run("NoTokenAuthorizeAfterRevokeToken", func(t *testing.T) {
		testTokenRevokeVisible(t, h, func(a *access.Authority, credentialID string) error {
			return a.RevokeToken(ctx, credentialID)
		})
	})
}

// newAuthority returns an Authority over s with the suite's key and a
// clock reading now().
func newAuthority(t testing.TB, s access.Store, now func() time.Time) *access.Authority {
	a, err := access.New(access.Config{Store: s, Keys: []access.Key{testKey}, Now: now})
	require.NoError(t, err, "access.New over the store under test")
	return a
}

// testAuthorityTokens runs the token flow of an Authority over the store.
func testAuthorityTokens(t *testing.T, h Harness) {
	ctx := context.Background()
	s, ts := tokenStore(t, h)
	now := revokedAt
	a := newAuthority(t, s, func() time.Time { return now })
	create(t, s, grant("g1", "svc-1", "ann"))
	create(t, s, grant("g2", "svc-2", "ann"))

	token, c, err := a.IssueToken(ctx, "g1")
	require.NoError(t, err, "IssueToken for a grant in force")
	assert.Len(t, token, access.TokenLen, "a token has TokenLen bytes")
	stored := getCredential(t, ts, c.ID)
	assertCredential(t, c, stored, "the credential IssueToken returned is the one stored")
	assert.NotContains(t, fmt.Sprintf("%+v", stored), token[len(access.TokenPrefix):], "the store must not hold the token")

	g, err := a.AuthorizeToken(ctx, token, "svc-1", privHandle)
	require.NoError(t, err, "the token authorises its grant's privileges on its service")
	assert.Equal(t, "ann", g.Principal, "AuthorizeToken returns the token's grant")
	_, err = a.AuthorizeToken(ctx, token, "svc-2", privHandle)
	assertDenied(t, err, access.NoGrant, "a token for svc-1 on svc-2, where its principal also holds a grant")
	_, err = a.AuthorizeToken(ctx, token, "svc-1", privMonitor)
	assertDenied(t, err, access.PrivilegeNotGranted, "a token asking for a privilege its grant lacks")

	now = termEnd
	_, err = a.AuthorizeToken(ctx, token, "svc-1", privHandle)
	assertDenied(t, err, access.Expired, "a token at its grant's NotAfter")
	now = termEnd.Add(-time.Nanosecond)
	_, err = a.AuthorizeToken(ctx, token, "svc-1", privHandle)
	assert.NoError(t, err, "a token 1ns before its grant's NotAfter")

	_, err = a.Renew(ctx, "g1", termEnd.Add(time.Hour), termEnd.Add(2*time.Hour))
	require.NoError(t, err, "Renew")
	now = termEnd
	_, err = a.AuthorizeToken(ctx, token, "svc-1", privHandle)
	assert.NoError(t, err, "renewing the grant renews its token")

	require.NoError(t, a.Revoke(ctx, "g1", now))
	_, err = a.AuthorizeToken(ctx, token, "svc-1", privHandle)
	assert.ErrorIs(t, err, access.ErrDenied, "a token of a revoked grant")
	assert.True(t, getCredential(t, ts, c.ID).Revoked, "revoking a grant through the Authority revokes its tokens' credentials")
	_, _, err = a.IssueToken(ctx, "g1")
	assert.ErrorIs(t, err, access.ErrRevoked, "IssueToken for a revoked grant wants ErrRevoked")
}

// testTokenRevokeVisible has authorisers loop on AuthorizeToken while
// revoke runs: every AuthorizeToken that starts after revoke has returned
// must be denied.
// revoke is given the Authority and the token's credential ID.
func testTokenRevokeVisible(t *testing.T, h Harness, revoke func(a *access.Authority, credentialID string) error) {
	const (
		authorisers = 6
		afterChecks = 30
	)
	ctx := context.Background()
	s, _ := tokenStore(t, h)
	a := newAuthority(t, s, func() time.Time { return laterAt })
	create(t, s, grant("g1", "svc-1", "ann"))
	token, c, err := a.IssueToken(ctx, "g1")
	require.NoError(t, err)

	var (
		revoked  atomic.Bool
		problems errs
		wg       sync.WaitGroup
		started  = make(chan bool, authorisers)
	)
	for range authorisers {
		wg.Go(func() {
			first := true
			for after := 0; after < afterChecks; {
				wasRevoked := revoked.Load()
				_, err := a.AuthorizeToken(ctx, token, "svc-1", privHandle)
				switch {
				case err != nil && !errors.Is(err, access.ErrDenied):
					problems.add("AuthorizeToken: unexpected error %w", err)
				case err == nil && wasRevoked:
					problems.add("AuthorizeToken allowed a call that started after revocation returned")
				}
				if first {
					started <- err == nil
					first = false
				}
				if wasRevoked {
					after++
				}
			}
		})
	}
	allowedBefore := 0
	for range authorisers {
		if <-started {
			allowedBefore++
		}
	}
	err = revoke(a, c.ID)
	revoked.Store(true)
	wg.Wait()
	require.NoError(t, err, "revocation")
	assert.Equal(t, authorisers, allowedBefore, "before revocation, AuthorizeToken wants allowed")
	problems.check(t)
}
