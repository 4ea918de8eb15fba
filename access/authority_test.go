package access_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/accesstest"
	"github.com/eventcc/eventcc/access/memaccess"
)

// key1 and key2 are server keys for tests: fixtures, not secrets.
var (
	key1 = access.Key{ID: "k1", Secret: []byte("test key one: at least thirty-two bytes")}
	key2 = access.Key{ID: "k2", Secret: []byte("test key two: at least thirty-two bytes")}
)

// fixture is an Authority over a memaccess store, with a clock the test
// sets and the audit events it reports.
type fixture struct {
	a      *access.Authority
	s      *memaccess.Store
	now    time.Time
	mu     sync.Mutex
	events []access.AuditEvent
}

func newFixture(t *testing.T, keys ...access.Key) *fixture {
	f := &fixture{s: memaccess.New(), now: mid}
	a, err := access.New(access.Config{Store: f.s, Keys: keys, Now: func() time.Time { return f.now }})
	require.NoError(t, err, "access.New with a valid Config")
	f.a = a
	unsubscribe := a.Subscribe(func(ev access.AuditEvent) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.events = append(f.events, ev)
	})
	t.Cleanup(unsubscribe)
	return f
}

// take returns the events reported since the last take.
func (f *fixture) take() []access.AuditEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	evs := f.events
	f.events = nil
	return evs
}

func kinds(evs []access.AuditEvent) []access.AuditKind {
	out := make([]access.AuditKind, len(evs))
	for i, ev := range evs {
		out[i] = ev.Kind
	}
	return out
}

func issueReq(principal string) access.IssueRequest {
	return access.IssueRequest{ServiceID: "svc-1", Principal: principal, Kind: access.KindAgent, Role: "agent",
		Privileges: []access.Privilege{handle, tickets}, NotBefore: start, Expires: end,
		IssuedBy: "lifecycle", Reason: "deployed"}
}

func TestNewConfig(t *testing.T) {
	bare := struct{ access.Store }{memaccess.New()} // a Store without a TokenStore
	for _, tc := range []struct {
		name string
		cfg  access.Config
		want []access.ConfigProblem // every problem, in field order
	}{
		{"NoStore", access.Config{}, []access.ConfigProblem{{Field: "Store", Message: "required"}}},
		{"KeysWithoutTokenStore", access.Config{Store: bare, Keys: []access.Key{key1}}, []access.ConfigProblem{
			{Field: "Keys", Message: "given, but there is no TokenStore (set Tokens, or use a Store that implements it)"}}},
		{"TokensWithoutKeys", access.Config{Store: bare, Tokens: memaccess.New()}, []access.ConfigProblem{
			{Field: "Keys", Message: "required with Tokens"}}},
		{"BadKeys", access.Config{Store: memaccess.New(), Keys: []access.Key{
			{ID: "", Secret: []byte("short")},
			{ID: "k1", Secret: key1.Secret},
			{ID: "k1", Secret: key1.Secret},
			{ID: "bad\nid", Secret: key1.Secret},
			{ID: strings.Repeat("x", 65), Secret: key1.Secret},
		}}, []access.ConfigProblem{
			{Field: "Keys[0].ID", Message: "empty"},
			{Field: "Keys[0].Secret", Message: "5 bytes, at least 32"},
			{Field: "Keys[2].ID", Message: `"k1" used twice`},
			{Field: "Keys[3].ID", Message: "not printable UTF-8"},
			{Field: "Keys[4].ID", Message: "65 bytes, at most 64"},
		}},
		{"CurrentKeyRetires", access.Config{Store: memaccess.New(), Keys: []access.Key{{ID: "k1", Secret: key1.Secret, Until: end}}},
			[]access.ConfigProblem{{Field: "Keys[0].Until", Message: "set, but the key that digests new tokens must not retire"}}},
		{"Several", access.Config{Tokens: memaccess.New(), Keys: []access.Key{{ID: "k1", Secret: key1.Secret, Until: end}}},
			[]access.ConfigProblem{{Field: "Store", Message: "required"},
				{Field: "Keys[0].Until", Message: "set, but the key that digests new tokens must not retire"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := access.New(tc.cfg)
			assert.Nil(t, a, "an invalid Config gives no Authority")
			var ce *access.ConfigError
			require.ErrorAs(t, err, &ce, "an invalid Config is a *ConfigError")
			assert.Equal(t, "access.Config", ce.Config)
			assert.Equal(t, tc.want, ce.Problems, "every problem must be reported, with its field, in field order")
		})
	}
	t.Run("Message", func(t *testing.T) {
		_, err := access.New(access.Config{Tokens: memaccess.New()})
		assert.EqualError(t, err, "access.Config: Store: required; Keys: required with Tokens")
	})
	t.Run("Valid", func(t *testing.T) {
		for name, cfg := range map[string]access.Config{
			"StoreOnly":          {Store: memaccess.New()},
			"StoreWithKeys":      {Store: memaccess.New(), Keys: []access.Key{key1, {ID: "k0", Secret: key2.Secret, Until: end}}},
			"SeparateTokenStore": {Store: bare, Tokens: memaccess.New(), Keys: []access.Key{key1}},
		} {
			a, err := access.New(cfg)
			assert.NoError(t, err, "%s: a valid Config", name)
			assert.NotNil(t, a, "%s: a valid Config gives an Authority", name)
		}
	})
}

// plain hides every optional interface of memaccess: a Store and nothing
// more, like a minimal durable store.
func plain() access.Store { return struct{ access.Store }{memaccess.New()} }

// TestAuthorityConformance runs the Store conformance suite on an
// Authority over memaccess, and over a plain Store (the fallbacks for
// stores without the optional interfaces): auditing must not change the
// contract.
func TestAuthorityConformance(t *testing.T) {
	for name, inner := range map[string]func() access.Store{
		"OverMemaccess":  func() access.Store { return memaccess.New() },
		"OverPlainStore": plain,
	} {
		t.Run(name, func(t *testing.T) {
			accesstest.Run(t, accesstest.Harness{
				New: func(t *testing.T) access.Store {
					a, err := access.New(access.Config{Store: inner()})
					require.NoError(t, err)
					a.Subscribe(func(access.AuditEvent) {}) // events on: the audited paths run
					return a
				},
				RandomizedChecks: 40_000, // memaccess's own suite makes the million
			})
		})
	}
}

// TestAuditWithoutBulkRevoker checks the bulk revocations' events over a
// store that cannot say which grants it revoked.
func TestAuditWithoutBulkRevoker(t *testing.T) {
	ctx := context.Background()
	a, err := access.New(access.Config{Store: plain(), Now: func() time.Time { return mid }})
	require.NoError(t, err)
	var revoked []string
	a.Subscribe(func(ev access.AuditEvent) {
		if ev.Kind == access.AuditRevoked {
			revoked = append(revoked, ev.GrantID)
		}
	})
	for _, r := range []access.IssueRequest{issueReq("ann"), issueReq("bob"), issueReq("cat"),
		func() access.IssueRequest { r := issueReq("ann"); r.ServiceID = "svc-2"; return r }()} {
		_, err := a.Issue(ctx, r)
		require.NoError(t, err)
	}
	require.NoError(t, a.Revoke(ctx, "svc-1/cat", start))
	revoked = nil

	n, err := a.RevokeService(ctx, "svc-1", mid)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "RevokeService counts the grants it revoked")
	assert.ElementsMatch(t, []string{"svc-1/ann", "svc-1/bob"}, revoked, "one event per grant revoked, none for cat's, revoked before")
	revoked = nil
	n, err = a.RevokePrincipal(ctx, "ann", mid)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "RevokePrincipal counts the grants it revoked")
	assert.Equal(t, []string{"svc-2/ann"}, revoked, "one event per grant revoked")
	revoked = nil
	n, err = a.RevokeService(ctx, "svc-1", end)
	require.NoError(t, err)
	assert.Zero(t, n, "revoking again revokes nothing")
	assert.Empty(t, revoked, "revoking again reports nothing")
}

func TestIssue(t *testing.T) {
	ctx := context.Background()

	t.Run("Defaults", func(t *testing.T) {
		f := newFixture(t)
		r := issueReq("ann")
		r.NotBefore = time.Time{}
		g, err := f.a.Issue(ctx, r)
		require.NoError(t, err, "Issue")
		assert.Equal(t, "svc-1/ann", g.ID, "the default ID is one bundle per person per service")
		assert.Equal(t, access.GrantID("svc-1", "ann"), g.ID, "GrantID gives the default ID")
		assert.True(t, g.NotBefore.Equal(mid), "NotBefore defaults to the clock's now")
		assert.True(t, g.NotAfter.Equal(end), "NotAfter defaults to Expires")
		assert.Equal(t, int64(1), g.Revision, "Issue stores the grant")
		_, err = f.a.Issue(ctx, r)
		assert.ErrorIs(t, err, access.ErrExists, "a second bundle for the same person and service wants ErrExists")
	})

	t.Run("NotAfterNeverPastExpires", func(t *testing.T) {
		f := newFixture(t)
		r := issueReq("ann")
		r.NotAfter = end.Add(time.Hour)
		g, err := f.a.Issue(ctx, r)
		require.NoError(t, err)
		assert.True(t, g.NotAfter.Equal(end), "NotAfter past Expires is clamped to Expires, got %s", g.NotAfter)
		r = issueReq("bob")
		r.NotAfter = end.Add(-time.Hour)
		g, err = f.a.Issue(ctx, r)
		require.NoError(t, err)
		assert.True(t, g.NotAfter.Equal(end.Add(-time.Hour)), "an earlier NotAfter is kept")
	})

	t.Run("Invalid", func(t *testing.T) {
		for name, mod := range map[string]func(*access.IssueRequest){
			"NoExpires":        func(r *access.IssueRequest) { r.Expires = time.Time{} },
			"ServiceExpired":   func(r *access.IssueRequest) { r.NotBefore = end },
			"UnknownKind":      func(r *access.IssueRequest) { r.Kind = "robot" },
			"NoService":        func(r *access.IssueRequest) { r.ServiceID = "" },
			"NoRole":           func(r *access.IssueRequest) { r.Role = "" },
			"EmptyPrivilege":   func(r *access.IssueRequest) { r.Privileges = []access.Privilege{""} },
			"StartsAfterItEnd": func(r *access.IssueRequest) { r.NotBefore, r.NotAfter = mid, start },
		} {
			t.Run(name, func(t *testing.T) {
				f := newFixture(t)
				r := issueReq("ann")
				mod(&r)
				_, err := f.a.Issue(ctx, r)
				assert.ErrorIs(t, err, access.ErrInvalid, "wanted ErrInvalid")
				gs, err := f.s.ListByService(ctx, "svc-1")
				require.NoError(t, err)
				assert.Empty(t, gs, "a refused Issue stores nothing")
				assert.Empty(t, f.take(), "a refused Issue reports nothing")
			})
		}
	})
}

// conflicting fails the first n Updates with ErrConflict, as if another
// writer got there first.
type conflicting struct {
	access.Store
	mu sync.Mutex
	n  int
}

func (c *conflicting) Update(ctx context.Context, g access.Grant) (access.Grant, error) {
	c.mu.Lock()
	fail := c.n > 0
	c.n--
	c.mu.Unlock()
	if fail {
		return access.Grant{}, fmt.Errorf("injected: %w", access.ErrConflict)
	}
	return c.Store.Update(ctx, g)
}

func TestRenew(t *testing.T) {
	ctx := context.Background()
	later := end.Add(24 * time.Hour)

	f := newFixture(t)
	_, err := f.a.Issue(ctx, issueReq("ann"))
	require.NoError(t, err)

	g, err := f.a.Renew(ctx, "svc-1/ann", later, later)
	require.NoError(t, err, "Renew up to an extended expiry")
	assert.True(t, g.NotAfter.Equal(later), "Renew moves NotAfter")
	g, err = f.a.Renew(ctx, "svc-1/ann", later.Add(time.Hour), later)
	require.NoError(t, err)
	assert.True(t, g.NotAfter.Equal(later), "Renew never moves NotAfter past expires")
	g, err = f.a.Renew(ctx, "svc-1/ann", time.Time{}, later.Add(time.Hour))
	require.NoError(t, err)
	assert.True(t, g.NotAfter.Equal(later.Add(time.Hour)), "a zero notAfter renews up to expires")
	g, err = f.a.Renew(ctx, "svc-1/ann", mid.Add(time.Hour), later)
	require.NoError(t, err, "Renew may shorten")
	assert.True(t, g.NotAfter.Equal(mid.Add(time.Hour)), "Renew to an earlier NotAfter")

	_, err = f.a.Renew(ctx, "svc-1/ann", start, later)
	assert.ErrorIs(t, err, access.ErrInvalid, "a NotAfter not after NotBefore wants ErrInvalid")
	_, err = f.a.Renew(ctx, "svc-1/ann", later, time.Time{})
	assert.ErrorIs(t, err, access.ErrInvalid, "Renew without expires wants ErrInvalid")
	_, err = f.a.Renew(ctx, "svc-1/nobody", later, later)
	assert.ErrorIs(t, err, access.ErrNotFound, "Renew of an absent grant wants ErrNotFound")
	require.NoError(t, f.a.Revoke(ctx, "svc-1/ann", mid))
	_, err = f.a.Renew(ctx, "svc-1/ann", later, later)
	assert.ErrorIs(t, err, access.ErrRevoked, "Renew of a revoked grant wants ErrRevoked: revocation is final")

	t.Run("RetriesConflicts", func(t *testing.T) {
		s := &conflicting{Store: memaccess.New(), n: 2}
		_, err := access.Issue(ctx, s, start, issueReq("ann"))
		require.NoError(t, err)
		g, err := access.Renew(ctx, s, "svc-1/ann", later, later)
		require.NoError(t, err, "Renew must re-read and retry on ErrConflict")
		assert.True(t, g.NotAfter.Equal(later), "the retried Renew moves NotAfter")
	})
	t.Run("GivesUpOnPersistentConflicts", func(t *testing.T) {
		s := &conflicting{Store: memaccess.New(), n: 1000}
		_, err := access.Issue(ctx, s, start, issueReq("ann"))
		require.NoError(t, err)
		done, cancel := context.WithCancel(ctx)
		cancel()
		_, err = access.Renew(done, s, "svc-1/ann", later, later)
		assert.Error(t, err, "Renew gives up when ctx is done")
	})
}

func TestMoveExpiry(t *testing.T) {
	ctx := context.Background()
	// ann runs to the term's end (end), bob stops earlier, cat started late,
	// dan is revoked.
	setup := func(t *testing.T) *fixture {
		f := newFixture(t)
		for _, r := range []access.IssueRequest{
			issueReq("ann"),
			func() access.IssueRequest { r := issueReq("bob"); r.NotAfter = mid; return r }(),
			func() access.IssueRequest { r := issueReq("cat"); r.NotBefore = end.Add(-time.Hour); return r }(),
			issueReq("dan"),
		} {
			_, err := f.a.Issue(ctx, r)
			require.NoError(t, err)
		}
		require.NoError(t, f.a.Revoke(ctx, "svc-1/dan", mid))
		f.take()
		return f
	}
	notAfter := func(t *testing.T, f *fixture, who string) time.Time {
		g, err := f.s.Get(ctx, "svc-1/"+who)
		require.NoError(t, err)
		return g.NotAfter
	}

	t.Run("Extension", func(t *testing.T) {
		f := setup(t)
		to := end.Add(24 * time.Hour)
		n, err := f.a.MoveExpiry(ctx, "svc-1", end, to)
		require.NoError(t, err)
		assert.Equal(t, 2, n, "an extension moves the grants that ran to the old expiry (ann, cat)")
		assert.True(t, notAfter(t, f, "ann").Equal(to), "ann ran to the old expiry: moved")
		assert.True(t, notAfter(t, f, "cat").Equal(to), "cat ran to the old expiry: moved")
		assert.True(t, notAfter(t, f, "bob").Equal(mid), "bob ended earlier: left alone")
		assert.True(t, notAfter(t, f, "dan").Equal(end), "dan is revoked: left alone")
		assert.Equal(t, []access.AuditKind{access.AuditRenewed, access.AuditRenewed}, kinds(f.take()), "one renewal event per grant moved")
		n, err = f.a.MoveExpiry(ctx, "svc-1", end, to)
		require.NoError(t, err)
		assert.Zero(t, n, "moving again changes nothing")
	})

	t.Run("Shortening", func(t *testing.T) {
		f := setup(t)
		to := end.Add(-2 * time.Hour) // before cat's NotBefore
		n, err := f.a.MoveExpiry(ctx, "svc-1", end, to)
		require.NoError(t, err)
		assert.Equal(t, 2, n, "a shortening pulls in ann and revokes cat")
		assert.True(t, notAfter(t, f, "ann").Equal(to), "ann is pulled in to the new expiry")
		assert.True(t, notAfter(t, f, "bob").Equal(mid), "bob already ends before the new expiry")
		cat, err := f.s.Get(ctx, "svc-1/cat")
		require.NoError(t, err)
		assert.True(t, cat.Revoked, "cat's window would be empty: revoked")
		assert.True(t, cat.RevokedAt.Equal(mid), "revoked at the clock's now")
		assert.ElementsMatch(t, []access.AuditKind{access.AuditShortened, access.AuditRevoked}, kinds(f.take()),
			"a shortening reports the grants pulled in and revoked")
		f.now = to.Add(-time.Nanosecond)
		assert.NoError(t, f.a.Authorize(ctx, "ann", "svc-1", handle), "ann 1ns before the new expiry")
		f.now = to
		assert.ErrorIs(t, f.a.Authorize(ctx, "ann", "svc-1", handle), access.ErrDenied, "ann at the new expiry")
	})

	t.Run("ZeroFromOnlyPullsIn", func(t *testing.T) {
		f := setup(t)
		n, err := f.a.MoveExpiry(ctx, "svc-1", time.Time{}, end.Add(time.Hour))
		require.NoError(t, err)
		assert.Zero(t, n, "without the old expiry, nothing is extended")
	})

	t.Run("NoTarget", func(t *testing.T) {
		f := setup(t)
		_, err := f.a.MoveExpiry(ctx, "svc-1", end, time.Time{})
		assert.ErrorIs(t, err, access.ErrInvalid, "a zero new expiry wants ErrInvalid")
	})
}

func TestAuditEvents(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, key1)

	_, err := f.a.Issue(access.WithAudit(ctx, "host", "hired"), issueReq("ann"))
	require.NoError(t, err)
	_, err = f.a.Issue(ctx, issueReq("bob"))
	require.NoError(t, err)
	evs := f.take()
	require.Len(t, evs, 2, "one event per issue")
	assert.Equal(t, access.AuditEvent{Kind: access.AuditIssued, At: mid, ServiceID: "svc-1", Principal: "ann",
		PrincipalKind: access.KindAgent, GrantID: "svc-1/ann", Role: "agent", Privileges: []access.Privilege{handle, tickets},
		NotBefore: start, NotAfter: end, Actor: "host", Reason: "hired"}, evs[0], "an issue event says who got what, until when, from whom and why")
	assert.Equal(t, "lifecycle", evs[1].Actor, "without WithAudit, the actor is the grant's IssuedBy")
	assert.Equal(t, "deployed", evs[1].Reason, "without WithAudit, the reason is the grant's")

	_, err = f.a.Renew(access.WithAudit(ctx, "host", "event extended"), "svc-1/ann", end.Add(time.Hour), end.Add(time.Hour))
	require.NoError(t, err)
	evs = f.take()
	require.Len(t, evs, 1)
	assert.Equal(t, access.AuditRenewed, evs[0].Kind)
	assert.True(t, evs[0].PreviousNotAfter.Equal(end) && evs[0].NotAfter.Equal(end.Add(time.Hour)),
		"a renewal event gives the old and new NotAfter")
	assert.Equal(t, "event extended", evs[0].Reason)

	g, err := f.s.Get(ctx, "svc-1/bob")
	require.NoError(t, err)
	g.Role = "supervisor"
	_, err = f.a.Update(ctx, g)
	require.NoError(t, err)
	assert.Equal(t, []access.AuditKind{access.AuditChanged}, kinds(f.take()), "another update is a change")

	_, cred, err := f.a.IssueToken(ctx, "svc-1/ann")
	require.NoError(t, err)
	evs = f.take()
	require.Len(t, evs, 1)
	assert.Equal(t, access.AuditTokenIssued, evs[0].Kind)
	assert.Equal(t, cred.ID, evs[0].CredentialID, "a token event names the credential")

	err = f.a.Authorize(access.WithAudit(ctx, "phone system", "incoming call"), "ann", "svc-1", monitor)
	require.ErrorIs(t, err, access.ErrDenied)
	evs = f.take()
	require.Len(t, evs, 1, "a denial is reported")
	assert.Equal(t, access.AuditEvent{Kind: access.AuditDenied, At: mid, ServiceID: "svc-1", Principal: "ann",
		GrantID: "svc-1/ann", Privilege: monitor, Deny: access.PrivilegeNotGranted, Actor: "phone system", Reason: "incoming call"},
		evs[0], "a denial event says who asked for what, where, and why not")
	require.NoError(t, f.a.Authorize(ctx, "ann", "svc-1", handle))
	assert.Empty(t, f.take(), "an allowed request reports nothing")

	require.NoError(t, f.a.Revoke(ctx, "svc-1/ann", mid))
	evs = f.take()
	assert.Equal(t, []access.AuditKind{access.AuditRevoked, access.AuditTokenRevoked}, kinds(evs),
		"revoking a grant reports it, then its tokens")
	assert.True(t, evs[0].RevokedAt.Equal(mid), "a revocation event gives the instant")
	assert.Equal(t, 1, evs[1].Count, "the token event counts the credentials revoked")
	require.NoError(t, f.a.Revoke(ctx, "svc-1/ann", end))
	assert.Empty(t, f.take(), "revoking again reports nothing")

	for _, who := range []string{"cat", "dan"} {
		_, err := f.a.Issue(ctx, issueReq(who))
		require.NoError(t, err)
	}
	f.take()
	n, err := f.a.RevokeService(access.WithAudit(ctx, "lifecycle", "term ended"), "svc-1", end)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	evs = f.take()
	var revoked []string
	for _, ev := range evs {
		assert.Equal(t, access.AuditRevoked, ev.Kind)
		assert.Equal(t, "term ended", ev.Reason)
		revoked = append(revoked, ev.Principal)
	}
	assert.ElementsMatch(t, []string{"bob", "cat", "dan"}, revoked, "RevokeService reports each grant it revoked, and not ann's, revoked before")

	f.now = end.Add(time.Hour)
	_, err = f.a.Issue(ctx, func() access.IssueRequest {
		r := issueReq("eve")
		r.ServiceID, r.NotBefore, r.Expires = "svc-2", start, end.Add(48*time.Hour)
		return r
	}())
	require.NoError(t, err)
	f.take()
	n, err = f.a.RevokePrincipal(ctx, "eve", f.now)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	evs = f.take()
	require.Len(t, evs, 1)
	assert.Equal(t, access.AuditRevoked, evs[0].Kind)
	assert.Equal(t, "svc-2", evs[0].ServiceID)

	t.Run("Unsubscribe", func(t *testing.T) {
		f := newFixture(t)
		var got int
		unsubscribe := f.a.Subscribe(func(access.AuditEvent) { got++ })
		_, err := f.a.Issue(ctx, issueReq("ann"))
		require.NoError(t, err)
		unsubscribe()
		_, err = f.a.Issue(ctx, issueReq("bob"))
		require.NoError(t, err)
		assert.Equal(t, 1, got, "no events after unsubscribing")
		assert.Len(t, f.take(), 2, "other subscribers keep theirs")
	})
}

// failing is a store whose every read fails.
type failing struct{ access.Store }

var errStore = errors.New("injected: store unreachable")

func (failing) ListByPrincipal(context.Context, string) ([]access.Grant, error) { return nil, errStore }
func (failing) Get(context.Context, string) (access.Grant, error)               { return access.Grant{}, errStore }

func TestAuthorityFailsClosed(t *testing.T) {
	ctx := context.Background()
	s := memaccess.New()
	_, err := access.Issue(ctx, s, start, issueReq("ann"))
	require.NoError(t, err)
	a, err := access.New(access.Config{Store: failing{s}, Now: func() time.Time { return mid }})
	require.NoError(t, err)
	var evs []access.AuditEvent
	a.Subscribe(func(ev access.AuditEvent) { evs = append(evs, ev) })
	err = a.Authorize(ctx, "ann", "svc-1", handle)
	assert.ErrorIs(t, err, errStore, "a store error is returned, never nil")
	require.Len(t, evs, 1, "a request failed by the store is reported as a denial")
	assert.Equal(t, access.AuditDenied, evs[0].Kind)
	assert.ErrorIs(t, evs[0].Err, errStore, "the denial carries the store's error")
}

// brokenCleanup is a token store whose bulk revocation fails: the grants
// are revoked, their credentials are not.
type brokenCleanup struct{ *memaccess.Store }

func (brokenCleanup) RevokeCredentials(context.Context, access.CredentialMatch, time.Time) (int, error) {
	return 0, errStore
}

// TestHalfDoneRevocationDenies: revocation marks grants revoked first, so
// a revocation whose clean-up fails already denies, by principal and by
// token, and retrying is safe.
func TestHalfDoneRevocationDenies(t *testing.T) {
	ctx := context.Background()
	for name, revoke := range map[string]func(a *access.Authority) error{
		"Revoke": func(a *access.Authority) error { return a.Revoke(ctx, "svc-1/ann", mid) },
		"RevokeService": func(a *access.Authority) error {
			_, err := a.RevokeService(ctx, "svc-1", mid)
			return err
		},
		"RevokePrincipal": func(a *access.Authority) error {
			_, err := a.RevokePrincipal(ctx, "ann", mid)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := memaccess.New()
			a, err := access.New(access.Config{Store: s, Tokens: brokenCleanup{s}, Keys: []access.Key{key1},
				Now: func() time.Time { return mid }})
			require.NoError(t, err)
			_, err = a.Issue(ctx, issueReq("ann"))
			require.NoError(t, err)
			token, _, err := a.IssueToken(ctx, "svc-1/ann")
			require.NoError(t, err)

			err = revoke(a)
			assert.ErrorIs(t, err, errStore, "a failed clean-up is reported")
			assertReason(t, a.Authorize(ctx, "ann", "svc-1", handle), access.Revoked, "by principal after a half-done revocation")
			_, err = a.AuthorizeToken(ctx, token, "svc-1", handle)
			assertReason(t, err, access.Revoked, "by token after a half-done revocation")
			assert.ErrorIs(t, revoke(a), errStore, "retrying is safe (and the clean-up is tried again)")
		})
	}
}

func assertReason(t *testing.T, err error, want access.DenyReason, what string) {
	t.Helper()
	var d *access.DeniedError
	if assert.ErrorAs(t, err, &d, "%s: wanted a *DeniedError", what) {
		assert.Equal(t, want, d.Reason, "%s: reason", what)
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, key1)
	_, err := f.a.Issue(ctx, issueReq("ann"))
	require.NoError(t, err)
	other := issueReq("ann")
	other.ServiceID = "svc-2"
	_, err = f.a.Issue(ctx, other)
	require.NoError(t, err)

	token, cred, err := f.a.IssueToken(ctx, "svc-1/ann")
	require.NoError(t, err, "IssueToken")
	assert.True(t, strings.HasPrefix(token, access.TokenPrefix), "a token starts with TokenPrefix")
	assert.Len(t, token, access.TokenLen)
	pt, err := access.ParseToken(token)
	require.NoError(t, err, "an issued token parses")
	assert.Equal(t, cred.ID, pt.CredentialID(), "the token names its credential")
	assert.Equal(t, key1.ID, cred.KeyID, "the credential is digested under the current key")
	assert.NotContains(t, fmt.Sprintf("%+v", cred), token[len(access.TokenPrefix):], "the credential does not hold the token")
	stored, err := f.s.GetCredential(ctx, cred.ID)
	require.NoError(t, err)
	assert.Equal(t, cred, stored, "IssueToken returns the stored credential")

	t.Run("Boundaries", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			now  time.Time
			want access.DenyReason // "" for allowed
		}{
			{"NotBefore-1ns", start.Add(-time.Nanosecond), access.NotYetValid},
			{"NotBefore", start, ""},
			{"NotAfter-1ns", end.Add(-time.Nanosecond), ""},
			{"NotAfter", end, access.Expired},
			{"NotAfter+1ns", end.Add(time.Nanosecond), access.Expired},
		} {
			f.now = tc.now
			g, err := f.a.AuthorizeToken(ctx, token, "svc-1", handle)
			if tc.want == "" {
				if assert.NoError(t, err, "%s: wanted allowed", tc.name) {
					assert.Equal(t, "svc-1/ann", g.ID, "AuthorizeToken returns the token's grant")
				}
				continue
			}
			assertReason(t, err, tc.want, tc.name)
		}
		f.now = mid
	})

	t.Run("NeverAnotherService", func(t *testing.T) {
		for _, svc := range []string{"svc-2", "svc-", "", "svc-1 "} {
			_, err := f.a.AuthorizeToken(ctx, token, svc, handle)
			assertReason(t, err, access.NoGrant, fmt.Sprintf("a token for svc-1 on %q", svc))
		}
		_, err := f.a.AuthorizeToken(ctx, token, "svc-1", monitor)
		assertReason(t, err, access.PrivilegeNotGranted, "a privilege the grant lacks")
	})

	t.Run("Forgeries", func(t *testing.T) {
		other, _, err := f.a.IssueToken(ctx, "svc-2/ann")
		require.NoError(t, err)
		_, err = f.a.AuthorizeToken(ctx, other, "svc-1", handle)
		assertReason(t, err, access.NoGrant, "ann's token for svc-2 on svc-1")
		_, err = f.a.AuthorizeToken(ctx, "ecc_"+strings.Repeat("A", access.TokenLen-4), "svc-1", handle)
		assert.ErrorIs(t, err, access.ErrMalformedToken, "a token with a wrong checksum is malformed")
		var te *access.TokenError
		assert.ErrorAs(t, err, &te, "a malformed token gives a *TokenError")
		_, err = f.a.AuthorizeToken(ctx, token[:len(token)-1], "svc-1", handle)
		assert.ErrorIs(t, err, access.ErrMalformedToken, "a truncated token is malformed")
		assert.NotErrorIs(t, err, access.ErrDenied, "malformed is not a denial by the grants; it is still an error")
	})

	t.Run("RightIDWrongSecret", func(t *testing.T) {
		// Built from the documented layout: prefix, then base64url of
		// selector (12 bytes), secret (32), CRC-32C of prefix+selector+secret.
		raw, err := base64.RawURLEncoding.DecodeString(token[len(access.TokenPrefix):])
		require.NoError(t, err)
		require.Len(t, raw, 48, "the documented layout")
		raw[12] ^= 0xff // another secret
		tab := crc32.MakeTable(crc32.Castagnoli)
		sum := crc32.Update(crc32.Checksum([]byte(access.TokenPrefix), tab), tab, raw[:44])
		binary.BigEndian.PutUint32(raw[44:], sum)
		forged := access.TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
		pt, err := access.ParseToken(forged)
		require.NoError(t, err, "the forgery is well formed")
		require.Equal(t, cred.ID, pt.CredentialID(), "the forgery names the real credential")
		_, err = f.a.AuthorizeToken(ctx, forged, "svc-1", handle)
		assertReason(t, err, access.UnknownCredential, "a token with the right credential ID and a wrong secret")
	})

	t.Run("UnknownCredential", func(t *testing.T) {
		g := newFixture(t, key1) // another store: the token's credential is not there
		_, err := g.a.AuthorizeToken(ctx, token, "svc-1", handle)
		assertReason(t, err, access.UnknownCredential, "a token no credential matches")
	})

	t.Run("Revoked", func(t *testing.T) {
		f := newFixture(t, key1)
		_, err := f.a.Issue(ctx, issueReq("ann"))
		require.NoError(t, err)
		t1, c1, err := f.a.IssueToken(ctx, "svc-1/ann")
		require.NoError(t, err)
		t2, _, err := f.a.IssueToken(ctx, "svc-1/ann")
		require.NoError(t, err)
		require.NoError(t, f.a.RevokeToken(ctx, c1.ID))
		_, err = f.a.AuthorizeToken(ctx, t1, "svc-1", handle)
		assertReason(t, err, access.CredentialRevoked, "a revoked token")
		_, err = f.a.AuthorizeToken(ctx, t2, "svc-1", handle)
		assert.NoError(t, err, "revoking one token leaves the grant's other tokens")
		require.NoError(t, f.a.RevokeToken(ctx, c1.ID), "RevokeToken is idempotent")
		assert.ErrorIs(t, f.a.RevokeToken(ctx, "AAAAAAAAAAAAAAAA"), access.ErrNotFound, "RevokeToken of an absent credential")
	})

	t.Run("IssueRefusals", func(t *testing.T) {
		_, _, err := f.a.IssueToken(ctx, "svc-9/nobody")
		assert.ErrorIs(t, err, access.ErrNotFound, "IssueToken for an absent grant")
		f.now = end
		_, _, err = f.a.IssueToken(ctx, "svc-1/ann")
		assert.ErrorIs(t, err, access.ErrInvalid, "IssueToken for an expired grant")
		f.now = mid
	})

	t.Run("Unsupported", func(t *testing.T) {
		g := newFixture(t)
		_, _, err := g.a.IssueToken(ctx, "svc-1/ann")
		assert.ErrorIs(t, err, errors.ErrUnsupported, "IssueToken without keys")
		_, err = g.a.AuthorizeToken(ctx, token, "svc-1", handle)
		assert.ErrorIs(t, err, errors.ErrUnsupported, "AuthorizeToken without keys")
		assert.ErrorIs(t, g.a.RevokeToken(ctx, cred.ID), errors.ErrUnsupported, "RevokeToken without keys")
		assert.ErrorIs(t, g.a.RotateKey(key2, time.Hour), errors.ErrUnsupported, "RotateKey without keys")
		assert.Empty(t, g.a.KeyIDs(), "no keys")
	})
}

// A caller who knows a credential's selector but not its secret learns
// nothing about the credential: not even that its key was retired.
func TestAuthorizeToken_DigestBeforeKeyState(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, key1)
	_, err := f.a.Issue(ctx, issueReq("ann"))
	require.NoError(t, err)
	token, _, err := f.a.IssueToken(ctx, "svc-1/ann")
	require.NoError(t, err)
	forged := access.ForgeSecret(token)

	_, err = f.a.AuthorizeToken(ctx, forged, "svc-1", handle)
	assertReason(t, err, access.UnknownCredential, "a forged secret, key current")
	require.NoError(t, f.a.RotateKey(key2, 0), "RotateKey without overlap")
	_, err = f.a.AuthorizeToken(ctx, forged, "svc-1", handle)
	assertReason(t, err, access.UnknownCredential, "a forged secret, key retired")
	_, err = f.a.AuthorizeToken(ctx, token, "svc-1", handle)
	assertReason(t, err, access.KeyRetired, "the genuine token, key retired")

	k3 := access.Key{ID: "k3", Secret: []byte("test key three: at least thirty-two bytes")}
	require.NoError(t, f.a.RotateKey(k3, 0), "a second rotation drops k1")
	_, err = f.a.AuthorizeToken(ctx, token, "svc-1", handle)
	assertReason(t, err, access.UnknownCredential, "a token under a dropped key cannot be told from a forgery")
}

func TestRotateKey(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, key1)
	_, err := f.a.Issue(ctx, issueReq("ann"))
	require.NoError(t, err)
	old, _, err := f.a.IssueToken(ctx, "svc-1/ann")
	require.NoError(t, err)

	require.NoError(t, f.a.RotateKey(key2, time.Hour), "RotateKey with an overlap")
	assert.Equal(t, []string{"k2", "k1"}, f.a.KeyIDs(), "both keys verify during the overlap, the new one first")
	fresh, c, err := f.a.IssueToken(ctx, "svc-1/ann")
	require.NoError(t, err)
	assert.Equal(t, "k2", c.KeyID, "new tokens are digested under the new key")

	f.now = mid.Add(time.Hour - time.Nanosecond)
	_, err = f.a.AuthorizeToken(ctx, old, "svc-1", handle)
	assert.NoError(t, err, "an old token verifies until the overlap ends")
	f.now = mid.Add(time.Hour)
	_, err = f.a.AuthorizeToken(ctx, old, "svc-1", handle)
	assertReason(t, err, access.KeyRetired, "an old token once the overlap has ended")
	_, err = f.a.AuthorizeToken(ctx, fresh, "svc-1", handle)
	assert.NoError(t, err, "a new token keeps verifying")
	assert.Equal(t, []string{"k2"}, f.a.KeyIDs(), "the old key no longer verifies")

	k3 := access.Key{ID: "k3", Secret: key1.Secret}
	require.NoError(t, f.a.RotateKey(k3, 0), "RotateKey without overlap")
	_, err = f.a.AuthorizeToken(ctx, fresh, "svc-1", handle)
	assertReason(t, err, access.KeyRetired, "without overlap, the replaced key stops at once")
	assert.Equal(t, []string{"k3"}, f.a.KeyIDs(), "the expired k1 was dropped too")

	for name, tc := range map[string]struct {
		k       access.Key
		overlap time.Duration
		want    string
	}{
		"ShortSecret":     {access.Key{ID: "k4", Secret: []byte("short")}, time.Hour, "key.Secret"},
		"Retiring":        {access.Key{ID: "k4", Secret: key1.Secret, Until: end}, time.Hour, "key.Until"},
		"NegativeOverlap": {access.Key{ID: "k4", Secret: key1.Secret}, -time.Second, "overlap"},
		"IDInUse":         {access.Key{ID: "k3", Secret: key2.Secret}, time.Hour, "in use"},
	} {
		err := f.a.RotateKey(tc.k, tc.overlap)
		assert.ErrorContains(t, err, tc.want, "%s: RotateKey must refuse and say why", name)
	}
	assert.Equal(t, []string{"k3"}, f.a.KeyIDs(), "a refused rotation changes nothing")
}

func TestAuthorizeAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	_, err := f.a.Issue(ctx, issueReq("ann"))
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		if err := f.a.Authorize(ctx, "ann", "svc-1", handle); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "an allowed Authorize by principal on memaccess allocates nothing")
}
