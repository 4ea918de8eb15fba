package access

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"

	"github.com/eventcc/eventcc/internal/configerr"
)

// Config configures an [Authority]. [New] validates it and reports every
// problem at once; the Authority keeps its own copy.
type Config struct {
	// Store holds the grants. Required.
	Store Store
	// Tokens holds the credentials of bearer tokens. Default: Store, if it
	// implements TokenStore and Keys are given. Tokens need Keys.
	Tokens TokenStore
	// Keys are the server keys token digests are computed under. Keys[0]
	// digests new tokens and must have a zero Until; the others only
	// verify, each until its Until (an overlap window after a rotation).
	// IDs must be unique. Default: none, and the token methods return an
	// error wrapping errors.ErrUnsupported.
	Keys []Key
	// Now is the clock every decision goes through. Default: time.Now.
	Now func() time.Time
	// Logger receives the Authority's logs. Default: logs nothing.
	Logger logr.Logger
}

// Authority is the host-facing side of access: it authorises requests by
// principal or by bearer token against the clock, issues, renews and
// revokes grants, issues and verifies tokens, rotates the server keys, and
// reports every issue, renewal, revocation and denial to its subscribers
// as an [AuditEvent].
//
// An Authority is itself a [Store] (and a [Decider] and a [BulkCreator])
// over the one it is given: pass it wherever a Store
// goes, such as the contact-center lifecycle, and every change made
// through it is audited. Revocations through it mark the grants revoked
// first, then clean up their tokens' credentials: if the clean-up fails
// the call returns the error, and the revoked grants already deny. It is
// safe for concurrent use; it starts no goroutines and needs no Close.
type Authority struct {
	store  Store
	tokens TokenStore
	now    func() time.Time
	log    logr.Logger

	keysMu sync.Mutex // serialises rotations
	keys   atomic.Pointer[keyring]

	subsMu  sync.Mutex
	subs    atomic.Pointer[[]subscriber]
	nextSub int
}

type subscriber struct {
	id int
	fn func(AuditEvent)
}

var (
	_ Store       = (*Authority)(nil)
	_ Decider     = (*Authority)(nil)
	_ BulkCreator = (*Authority)(nil)
)

// New returns an Authority for cfg. It validates cfg as given, before
// it applies the defaults, and refuses it with a *[ConfigError] naming
// every bad field at once.
func New(cfg Config) (*Authority, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	tokens := cfg.Tokens
	if tokens == nil && len(cfg.Keys) > 0 {
		tokens, _ = cfg.Store.(TokenStore)
	}
	a := &Authority{store: cfg.Store, tokens: tokens, now: cfg.Now, log: cfg.Logger.WithName("access")}
	if a.now == nil {
		a.now = time.Now
	}
	if len(cfg.Keys) > 0 {
		ring := &keyring{}
		for _, k := range cfg.Keys {
			ring.all = append(ring.all, newMACKey(k))
		}
		ring.current = ring.all[0]
		a.keys.Store(ring)
	} else {
		a.tokens = nil
	}
	return a, nil
}

// validate reports every problem of cfg at once, as a *ConfigError in
// the order of the fields.
func (cfg *Config) validate() error {
	c := configerr.New("access.Config")
	if cfg.Store == nil {
		c.Add("Store", "required")
	}
	if _, ok := cfg.Store.(TokenStore); cfg.Tokens == nil && len(cfg.Keys) > 0 && cfg.Store != nil && !ok {
		c.Add("Keys", "given, but there is no TokenStore (set Tokens, or use a Store that implements it)")
	}
	if cfg.Tokens != nil && len(cfg.Keys) == 0 {
		c.Add("Keys", "required with Tokens")
	}
	seen := map[string]bool{}
	for i, k := range cfg.Keys {
		field := fmt.Sprintf("Keys[%d]", i)
		for _, p := range keyProblems(k) {
			c.Add(field+"."+p.Field, "%s", p.Message)
		}
		if seen[k.ID] {
			c.Add(field+".ID", "%q used twice", k.ID)
		}
		seen[k.ID] = true
		if i == 0 && !k.Until.IsZero() {
			c.Add(field+".Until", "set, but the key that digests new tokens must not retire")
		}
	}
	return c.Err()
}

// keyProblems reports every problem of k, each with the path of its field
// in k.
func keyProblems(k Key) []ConfigProblem {
	var ps []ConfigProblem
	switch {
	case k.ID == "":
		ps = append(ps, ConfigProblem{Field: "ID", Message: "empty"})
	case len(k.ID) > maxKeyIDLen:
		ps = append(ps, ConfigProblem{Field: "ID", Message: fmt.Sprintf("%d bytes, at most %d", len(k.ID), maxKeyIDLen)})
	case !printable(k.ID):
		ps = append(ps, ConfigProblem{Field: "ID", Message: "not printable UTF-8"})
	}
	if len(k.Secret) < MinKeyLen {
		ps = append(ps, ConfigProblem{Field: "Secret", Message: fmt.Sprintf("%d bytes, at least %d", len(k.Secret), MinKeyLen)})
	}
	return ps
}

// Subscribe calls fn with every audit event from now on, synchronously, on
// the goroutine that caused it, in the order that goroutine caused them.
// fn must be safe for concurrent use, must not block (hand events to a
// queue to persist them), and must not call the Authority. The returned
// function unsubscribes.
func (a *Authority) Subscribe(fn func(AuditEvent)) (unsubscribe func()) {
	a.subsMu.Lock()
	defer a.subsMu.Unlock()
	id := a.nextSub
	a.nextSub++
	var cur []subscriber
	if p := a.subs.Load(); p != nil {
		cur = *p
	}
	next := append(cur[:len(cur):len(cur)], subscriber{id, fn})
	a.subs.Store(&next)
	return func() {
		a.subsMu.Lock()
		defer a.subsMu.Unlock()
		var kept []subscriber
		for _, s := range *a.subs.Load() {
			if s.id != id {
				kept = append(kept, s)
			}
		}
		a.subs.Store(&kept)
	}
}

func (a *Authority) subscribed() bool {
	p := a.subs.Load()
	return p != nil && len(*p) > 0
}

func (a *Authority) emit(ev AuditEvent) {
	p := a.subs.Load()
	if p == nil {
		return
	}
	for _, s := range *p {
		s.fn(ev)
	}
}

// grantEvent is an audit event about g.
func (a *Authority) grantEvent(ctx context.Context, kind AuditKind, g Grant) AuditEvent {
	n := noteOf(ctx)
	return AuditEvent{Kind: kind, At: a.now(), ServiceID: g.ServiceID, Principal: g.Principal,
		PrincipalKind: g.EffectiveKind(), GrantID: g.ID, Role: g.Role, Privileges: g.Privileges,
		NotBefore: g.NotBefore, NotAfter: g.NotAfter, Actor: n.actor, Reason: n.reason}
}

// Now returns the Authority's clock reading.
func (a *Authority) Now() time.Time { return a.now() }

// Authorize checks whether principal may use privilege p on the service
// serviceID now, by the Authority's clock: nil if a grant allows it,
// otherwise a *[DeniedError] wrapping [ErrDenied], or the store's error
// (never nil on error: it fails closed). See the package function
// [Authorize] for the rules. A denial is reported to subscribers. It
// allocates nothing when it allows, if the Store implements [Decider].
func (a *Authority) Authorize(ctx context.Context, principal, serviceID string, p Privilege) error {
	now := a.now()
	d, err := Decide(ctx, a.store, now, principal, serviceID, p)
	if err == nil && d.Allowed && serviceID != "" && p != "" {
		return nil
	}
	if err == nil {
		d.Allowed = false
		err = d.err(principal, serviceID, p)
	}
	a.denied(ctx, now, err, AuditEvent{Principal: principal, ServiceID: serviceID, Privilege: p})
	return err
}

// denied reports a denial to subscribers and the log.
func (a *Authority) denied(ctx context.Context, now time.Time, err error, ev AuditEvent) {
	var d *DeniedError
	if errors.As(err, &d) {
		ev.Deny, ev.GrantID, ev.CredentialID = d.Reason, d.GrantID, d.CredentialID
		if d.Principal != "" {
			ev.Principal = d.Principal
		}
	} else {
		ev.Err = err
	}
	if l := a.log.V(1); l.Enabled() {
		l.Info("denied", "principal", ev.Principal, "service", ev.ServiceID, "privilege", ev.Privilege,
			"credential", ev.CredentialID, "reason", string(ev.Deny), "error", ev.Err)
	}
	if a.subscribed() {
		n := noteOf(ctx)
		ev.Kind, ev.At, ev.Actor, ev.Reason = AuditDenied, now, n.actor, n.reason
		a.emit(ev)
	}
}

// Issue creates the grant r asks for, with NotBefore defaulting to now by
// the Authority's clock; see the package function [Issue] for the rules
// and errors. Subscribers get an [AuditIssued] event.
func (a *Authority) Issue(ctx context.Context, r IssueRequest) (Grant, error) {
	return Issue(ctx, a, a.now(), r)
}

// Renew moves grant id's NotAfter to notAfter but never past expires; see
// the package function [Renew]. Subscribers get an [AuditRenewed] or
// [AuditShortened] event.
func (a *Authority) Renew(ctx context.Context, id string, notAfter, expires time.Time) (Grant, error) {
	return Renew(ctx, a, id, notAfter, expires)
}

// MoveExpiry applies a change of the service's expiry from from to to to
// its grants, revoking at the clock's now those left with an empty window;
// see the package function [MoveExpiry]. Subscribers get an event per
// grant changed.
func (a *Authority) MoveExpiry(ctx context.Context, serviceID string, from, to time.Time) (int, error) {
	return MoveExpiry(ctx, a, serviceID, from, to, a.now())
}

// Create stores a new grant, like [Store.Create], and reports an
// [AuditIssued] event.
func (a *Authority) Create(ctx context.Context, g Grant) (Grant, error) {
	out, err := a.store.Create(ctx, g)
	if err != nil {
		return Grant{}, err
	}
	a.issued(ctx, out)
	return out, nil
}

// CreateGrants stores the grants of gs not stored yet, like the package
// function [CreateGrants] over the Store, and reports an [AuditIssued]
// event for each grant it created (on an error too, for those created
// until then). It makes the Authority a [BulkCreator]: one atomic change
// if its Store is a BulkCreator, otherwise one Create per grant, after
// checking them all.
func (a *Authority) CreateGrants(ctx context.Context, gs ...Grant) ([]Grant, error) {
	out, err := CreateGrants(ctx, a.store, gs...)
	for _, g := range out {
		a.issued(ctx, g)
	}
	return out, err
}

// issued reports an [AuditIssued] event for g, just created.
func (a *Authority) issued(ctx context.Context, g Grant) {
	if !a.subscribed() {
		return
	}
	ev := a.grantEvent(ctx, AuditIssued, g)
	if ev.Actor == "" {
		ev.Actor = g.IssuedBy
	}
	if ev.Reason == "" {
		ev.Reason = g.Reason
	}
	a.emit(ev)
}

// Get returns one grant, like [Store.Get].
func (a *Authority) Get(ctx context.Context, id string) (Grant, error) { return a.store.Get(ctx, id) }

// ListByService lists a service's grants, like [Store.ListByService].
func (a *Authority) ListByService(ctx context.Context, serviceID string) ([]Grant, error) {
	return a.store.ListByService(ctx, serviceID)
}

// ListByPrincipal lists a principal's grants, like [Store.ListByPrincipal].
func (a *Authority) ListByPrincipal(ctx context.Context, principal string) ([]Grant, error) {
	return a.store.ListByPrincipal(ctx, principal)
}

// Decide implements [Decider] over the Store.
func (a *Authority) Decide(ctx context.Context, now time.Time, principal, serviceID string, p Privilege) (Decision, error) {
	return Decide(ctx, a.store, now, principal, serviceID, p)
}

// Update replaces a grant, like [Store.Update], and reports what changed:
// [AuditRenewed] or [AuditShortened] if NotAfter moved, [AuditRevoked] if
// the update revokes it (its tokens' credentials are then revoked too),
// [AuditChanged] otherwise.
func (a *Authority) Update(ctx context.Context, g Grant) (Grant, error) {
	before, berr := a.store.Get(ctx, g.ID)
	out, err := a.store.Update(ctx, g)
	if err != nil {
		return Grant{}, err
	}
	exact := berr == nil && before.Revision == g.Revision // before is what this Update replaced
	if exact && !before.Revoked && out.Revoked {
		a.revoked(ctx, out)
		return out, a.cleanUp(ctx, CredentialMatch{GrantID: out.ID}, out.RevokedAt)
	}
	if a.subscribed() {
		kind := AuditChanged
		if exact && before.ServiceID == out.ServiceID && before.Principal == out.Principal {
			switch {
			case out.NotAfter.After(before.NotAfter):
				kind = AuditRenewed
			case out.NotAfter.Before(before.NotAfter):
				kind = AuditShortened
			}
		}
		ev := a.grantEvent(ctx, kind, out)
		if kind != AuditChanged {
			ev.PreviousNotAfter = before.NotAfter
		}
		a.emit(ev)
	}
	return out, nil
}

// Revoke revokes one grant, like [Store.Revoke], then revokes the
// credentials of its tokens. It reports an [AuditRevoked] event if this
// call revoked it (revoking again reports nothing), and an
// [AuditTokenRevoked] event if credentials were revoked.
func (a *Authority) Revoke(ctx context.Context, id string, at time.Time) error {
	before, berr := a.store.Get(ctx, id)
	if err := a.store.Revoke(ctx, id, at); err != nil {
		return err
	}
	if berr == nil && !before.Revoked && a.subscribed() {
		if after, err := a.store.Get(ctx, id); err == nil && after.Revoked && after.RevokedAt.Equal(at) &&
			after.Revision == before.Revision+1 {
			a.revoked(ctx, after)
		}
	}
	return a.cleanUp(ctx, CredentialMatch{GrantID: id}, at)
}

// RevokeService revokes every grant of a service, like
// [Store.RevokeService] (one change: the bundle at termination), then
// revokes the credentials of their tokens. It reports an [AuditRevoked]
// event for each grant this call revoked, and an [AuditTokenRevoked] event
// if credentials were revoked.
func (a *Authority) RevokeService(ctx context.Context, serviceID string, at time.Time) (int, error) {
	if !a.subscribed() {
		n, err := a.store.RevokeService(ctx, serviceID, at)
		if err != nil {
			return n, err
		}
		return n, a.afterRevoking(ctx, n, CredentialMatch{ServiceID: serviceID}, at)
	}
	return a.revokeGrants(ctx, GrantMatch{ServiceID: serviceID}, at)
}

// RevokePrincipal revokes every grant of a principal on every service (see
// the package function [RevokePrincipal]), then revokes the credentials of
// its tokens, reporting events as RevokeService does.
func (a *Authority) RevokePrincipal(ctx context.Context, principal string, at time.Time) (int, error) {
	if principal == "" {
		return 0, nil
	}
	return a.revokeGrants(ctx, GrantMatch{Principal: principal}, at)
}

// revokeGrants revokes the grants m selects, then revokes their tokens'
// credentials, and reports an [AuditRevoked] event for each grant it
// revoked. With a Store that is a [BulkRevoker], that is one change and
// each grant is reported exactly once. Otherwise it revokes through
// RevokeService, or one by one for a principal, and finds the grants it
// revoked by listing them before and after: each is then reported at
// least once (twice only if another revocation at the same instant races
// it).
func (a *Authority) revokeGrants(ctx context.Context, m GrantMatch, at time.Time) (int, error) {
	cm := CredentialMatch{ServiceID: m.ServiceID, Principal: m.Principal}
	if b, ok := a.store.(BulkRevoker); ok {
		gs, err := b.RevokeGrants(ctx, m, at)
		if err != nil {
			return 0, err
		}
		for _, g := range gs {
			a.revoked(ctx, g)
		}
		return len(gs), a.afterRevoking(ctx, len(gs), cm, at)
	}
	var list func() ([]Grant, error)
	var revoke func() (int, error)
	switch {
	case m.Principal != "":
		list = func() ([]Grant, error) { return a.store.ListByPrincipal(ctx, m.Principal) }
		revoke = func() (int, error) {
			gs, err := list()
			if err != nil {
				return 0, err
			}
			n := 0
			for _, g := range gs {
				if g.Revoked || m.ServiceID != "" && g.ServiceID != m.ServiceID {
					continue
				}
				if err := a.store.Revoke(ctx, g.ID, at); err != nil && !errors.Is(err, ErrNotFound) {
					return n, err
				}
				n++
			}
			return n, nil
		}
	case m.ServiceID != "":
		list = func() ([]Grant, error) { return a.store.ListByService(ctx, m.ServiceID) }
		revoke = func() (int, error) { return a.store.RevokeService(ctx, m.ServiceID, at) }
	default:
		return 0, fmt.Errorf("%w: empty grant match", ErrInvalid)
	}
	before, lerr := list() // for the audit only: if it fails, the revocation goes ahead
	n, err := revoke()
	if err != nil {
		return n, err
	}
	if n > 0 && a.subscribed() {
		type state struct {
			revoked  bool
			revision int64
		}
		seen := make(map[string]state, len(before))
		for _, g := range before {
			seen[g.ID] = state{g.Revoked, g.Revision}
		}
		if after, err := list(); err == nil {
			for _, g := range after {
				was, listed := seen[g.ID]
				// Revoked by this call: unrevoked before and one revision
				// on, or created since the first listing (or that listing
				// failed), and revoked at this instant.
				ours := lerr != nil || !listed || !was.revoked && g.Revision == was.revision+1
				if ours && g.Revoked && g.RevokedAt.Equal(at) && (m.ServiceID == "" || g.ServiceID == m.ServiceID) {
					a.revoked(ctx, g)
				}
			}
		}
	}
	return n, a.afterRevoking(ctx, n, cm, at)
}

// afterRevoking logs a bulk revocation of n grants and cleans up their
// credentials.
func (a *Authority) afterRevoking(ctx context.Context, n int, m CredentialMatch, at time.Time) error {
	if n > 0 {
		a.log.Info("revoked grants", "service", m.ServiceID, "principal", m.Principal, "count", n)
	}
	return a.cleanUp(ctx, m, at)
}

func (a *Authority) revoked(ctx context.Context, g Grant) {
	if !a.subscribed() {
		return
	}
	ev := a.grantEvent(ctx, AuditRevoked, g)
	ev.RevokedAt = g.RevokedAt
	a.emit(ev)
}

// cleanUp revokes the credentials m selects, after their grants were
// revoked: the tokens deny already, this removes what they rest on.
func (a *Authority) cleanUp(ctx context.Context, m CredentialMatch, at time.Time) error {
	if a.tokens == nil {
		return nil
	}
	n, err := a.tokens.RevokeCredentials(ctx, m, at)
	if err != nil {
		a.log.Error(err, "revoking credentials after their grants; the grants are revoked and their tokens deny",
			"grant", m.GrantID, "service", m.ServiceID, "principal", m.Principal)
		return fmt.Errorf("access: grants revoked, but revoking their tokens' credentials failed: %w", err)
	}
	if n > 0 && a.subscribed() {
		nt := noteOf(ctx)
		a.emit(AuditEvent{Kind: AuditTokenRevoked, At: a.now(), ServiceID: m.ServiceID, Principal: m.Principal,
			GrantID: m.GrantID, RevokedAt: at, Count: n, Actor: nt.actor, Reason: nt.reason})
	}
	return nil
}

// errNoTokens is returned by the token methods of an Authority without
// keys.
var errNoTokens = fmt.Errorf("access: tokens need Config.Keys and a TokenStore: %w", errors.ErrUnsupported)

// IssueToken issues a bearer token for grant grantID and returns it with
// its stored credential. The token is shown only this once: the store
// keeps its HMAC-SHA256 digest under the current server key, never the
// token. The token authorises what the grant allows on the grant's service
// while the grant, the credential and the key last.
//
// It returns ErrNotFound if there is no such grant, ErrRevoked if it is
// revoked, ErrInvalid if it has expired by the clock, an error wrapping
// errors.ErrUnsupported if the Authority has no keys, or the stores'
// errors. Subscribers get an [AuditTokenIssued] event.
func (a *Authority) IssueToken(ctx context.Context, grantID string) (string, Credential, error) {
	ring := a.keys.Load()
	if ring == nil || a.tokens == nil {
		return "", Credential{}, errNoTokens
	}
	g, err := a.store.Get(ctx, grantID)
	if err != nil {
		return "", Credential{}, err
	}
	now := a.now()
	switch {
	case g.Revoked:
		return "", Credential{}, fmt.Errorf("%w: no token for %q", ErrRevoked, grantID)
	case !now.Before(g.NotAfter):
		return "", Credential{}, fmt.Errorf("%w %q: expired at %s: no token", ErrInvalid, grantID, g.NotAfter.Format(time.RFC3339Nano))
	}
	for attempt := 0; ; attempt++ {
		t, text, err := newToken()
		if err != nil {
			return "", Credential{}, err
		}
		c := Credential{ID: t.CredentialID(), KeyID: ring.current.ID, Digest: ring.current.digest(&t),
			GrantID: g.ID, ServiceID: g.ServiceID, Principal: g.Principal, IssuedAt: now}
		err = a.tokens.CreateCredential(ctx, c)
		if errors.Is(err, ErrExists) && attempt < 3 {
			continue // a selector drawn twice: draw again
		}
		if err != nil {
			return "", Credential{}, err
		}
		if a.subscribed() {
			ev := a.grantEvent(ctx, AuditTokenIssued, g)
			ev.CredentialID = c.ID
			a.emit(ev)
		}
		return text, c, nil
	}
}

// AuthorizeToken checks whether the bearer of token may use privilege p on
// the service serviceID now, by the Authority's clock. It returns the
// token's grant if so. Otherwise it returns, and reports to subscribers:
//
//   - a *[TokenError] wrapping [ErrMalformedToken] if token is not well
//     formed (it never panics, whatever the string);
//   - a *[DeniedError] wrapping [ErrDenied]: [UnknownCredential] if no
//     credential has the token's ID or its digest differs (compared in
//     constant time); [KeyRetired] if the credential's key no longer
//     verifies; [CredentialRevoked]; [NoGrant] if the grant is gone, or
//     now belongs to another principal or service, or serviceID is not the
//     grant's; else the grant's own reason, as [Authorize] gives it;
//   - the store's error, if a store fails;
//   - an error wrapping errors.ErrUnsupported without keys.
//
// Any error means denied. Errors never contain the token.
func (a *Authority) AuthorizeToken(ctx context.Context, token, serviceID string, p Privilege) (Grant, error) {
	now := a.now()
	g, err := a.authorizeToken(ctx, now, token, serviceID, p)
	if err != nil {
		a.denied(ctx, now, err, AuditEvent{ServiceID: serviceID, Privilege: p})
		return Grant{}, err
	}
	return g, nil
}

func (a *Authority) authorizeToken(ctx context.Context, now time.Time, token, serviceID string, p Privilege) (Grant, error) {
	ring := a.keys.Load()
	if ring == nil || a.tokens == nil {
		return Grant{}, errNoTokens
	}
	var t ParsedToken
	if err := parseToken(token, &t); err != nil {
		return Grant{}, err
	}
	id := t.CredentialID()
	deny := func(r DenyReason, principal string, at time.Time) (Grant, error) {
		return Grant{}, &DeniedError{Principal: principal, ServiceID: serviceID, Privilege: p, Reason: r,
			At: at, CredentialID: id}
	}
	c, err := a.tokens.GetCredential(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return deny(UnknownCredential, "", time.Time{})
	} else if err != nil {
		return Grant{}, err
	}
	// The digest first: until it matches, the caller has shown nothing
	// but a selector, and learns nothing about the credential, its key
	// included. A token under a key dropped from the ring cannot be told
	// from a forgery, so it is answered as one.
	k := ring.find(c.KeyID)
	if k == nil {
		return deny(UnknownCredential, "", time.Time{})
	}
	d := k.digest(&t)
	if !hmac.Equal(d[:], c.Digest[:]) {
		return deny(UnknownCredential, "", time.Time{})
	}
	if !k.verifies(now) {
		return deny(KeyRetired, "", time.Time{})
	}
	if c.Revoked {
		return deny(CredentialRevoked, c.Principal, c.RevokedAt)
	}
	g, err := a.store.Get(ctx, c.GrantID)
	if errors.Is(err, ErrNotFound) {
		return deny(NoGrant, c.Principal, time.Time{})
	} else if err != nil {
		return Grant{}, err
	}
	if g.Principal != c.Principal || g.ServiceID != c.ServiceID || serviceID == "" || g.ServiceID != serviceID {
		return deny(NoGrant, c.Principal, time.Time{})
	}
	var dec Decision
	cand := g.Candidate(p)
	if dec.Consider(now, &cand) {
		return g, nil
	}
	e := dec.err(c.Principal, serviceID, p).(*DeniedError)
	e.CredentialID = id
	return Grant{}, e
}

// RevokeToken revokes one token's credential at the clock's now.
// Idempotent. It returns ErrNotFound if there is no such credential, or an
// error wrapping errors.ErrUnsupported without keys. Subscribers get an
// [AuditTokenRevoked] event if this call revoked it.
func (a *Authority) RevokeToken(ctx context.Context, credentialID string) error {
	if a.tokens == nil {
		return errNoTokens
	}
	now := a.now()
	before, berr := a.tokens.GetCredential(ctx, credentialID)
	if err := a.tokens.RevokeCredential(ctx, credentialID, now); err != nil {
		return err
	}
	if berr == nil && !before.Revoked && a.subscribed() {
		nt := noteOf(ctx)
		a.emit(AuditEvent{Kind: AuditTokenRevoked, At: now, ServiceID: before.ServiceID, Principal: before.Principal,
			GrantID: before.GrantID, CredentialID: before.ID, RevokedAt: now, Count: 1, Actor: nt.actor, Reason: nt.reason})
	}
	return nil
}

// RotateKey makes k the key that digests new tokens. The key it replaces
// keeps verifying the tokens digested under it for overlap from now, by
// the clock, and then stops: holders of older tokens must get new ones
// within the window. The replaced key stays in the ring, no longer
// verifying, until the next rotation, so that its tokens are answered
// [KeyRetired] rather than [UnknownCredential]; keys whose window had
// ended before this rotation are dropped. k must be a
// valid key with a zero Until and an ID not in use; overlap must not be
// negative. Rotation is atomic: every check sees the old ring or the new.
func (a *Authority) RotateKey(k Key, overlap time.Duration) error {
	a.keysMu.Lock()
	defer a.keysMu.Unlock()
	old := a.keys.Load()
	if old == nil {
		return errNoTokens
	}
	var errs []error
	for _, p := range keyProblems(k) {
		errs = append(errs, fmt.Errorf("key.%s", p))
	}
	if !k.Until.IsZero() {
		errs = append(errs, errors.New("key.Until: set, but the key that digests new tokens must not retire"))
	}
	if overlap < 0 {
		errs = append(errs, fmt.Errorf("overlap: %s is negative", overlap))
	}
	if old.find(k.ID) != nil {
		errs = append(errs, fmt.Errorf("key.ID: %q is in use", k.ID))
	}
	if len(errs) > 0 {
		return fmt.Errorf("access: rotate key: %w", errors.Join(errs...))
	}
	now := a.now()
	next := &keyring{current: newMACKey(k)}
	next.all = append(next.all, next.current)
	prev := old.current.Key
	prev.Until = now.Add(overlap)
	replaced := newMACKey(prev)
	replaced.retired = overlap == 0
	next.all = append(next.all, replaced)
	for _, m := range old.all[1:] {
		if m.verifies(now) {
			next.all = append(next.all, m)
		}
	}
	a.keys.Store(next)
	a.log.Info("rotated token key", "key", k.ID, "previous", prev.ID, "previousUntil", prev.Until)
	return nil
}

// KeyIDs returns the IDs of the keys that verify tokens now, the one that
// digests new tokens first.
func (a *Authority) KeyIDs() []string {
	ring := a.keys.Load()
	if ring == nil {
		return nil
	}
	now := a.now()
	var ids []string
	for _, k := range ring.all {
		if k.verifies(now) {
			ids = append(ids, k.ID)
		}
	}
	return ids
}
