package accesstest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
)

// The randomized test's shape.
const (
	randomRuns     = 4                      // runs with different seeds
	checksPerStep  = 64                     // authorisations after each operation
	maxSkew        = 3 * time.Second        // the checker's clock is off by up to this, either way
	randomServices = 4                      // services live at a time
	randomPeople   = 40                     // principals, of every kind
	epochLead      = 6 * time.Hour          // a new service's term starts at most this long after the clock
	boundaryJitter = 2 * time.Second        // how close to an expiry a jump lands
	maxProblems    = 10                     // problems reported in full
	unknownService = "svc-never-granted"    // a service nobody holds a grant on
	unknownPerson  = "principal-never-seen" // a principal without grants
)

// rolePrivileges are the privileges each kind of principal gets, from a
// template's roles.
var rolePrivileges = map[access.PrincipalKind][]access.Privilege{
	access.KindAgent:          {access.HandleEngagements, access.QueuePrivilege("tickets")},
	access.KindSupervisor:     {access.MonitorEngagements, access.BargeIn, access.ReassignEngagements, access.ViewReports},
	access.KindVirtualAgent:   {access.HandleEngagements},
	access.KindAttendee:       {access.StartEngagements, access.FeaturePrivilege("vip-line")},
	access.KindServiceAccount: {access.ViewReports},
}

// testRandomized drives two Authorities over one store: the lifecycle's,
// which issues, renews, moves expiries, revokes, issues tokens and rotates
// keys on its clock, and a checker's, whose clock is off from the
// lifecycle's by up to maxSkew either way. After every operation it makes
// checksPerStep authorisations, by principal (through the store's Decider
// and through ListByPrincipal) and by token, at instants around grant
// windows, term ends, extensions and shortenings, and compares each with a
// model of what the operations imply. It counts, and wants zero of:
// authorisations allowed outside the service's term (plus grace) or before
// a grant starts, authorisations allowed on a service where the principal
// holds no grant (or that is not the token's), and any disagreement with
// the model.
func testRandomized(t *testing.T, h Harness) {
	total := h.RandomizedChecks
	if total <= 0 {
		total = 1_000_000
		if testing.Short() {
			total = 100_000
		}
	}
	var sum randomCounts
	for seed := uint64(1); seed <= randomRuns; seed++ {
		t.Run(fmt.Sprintf("Seed%d", seed), func(t *testing.T) {
			r := newRandomRun(t, h, seed)
			for r.n.checks < (total+randomRuns-1)/randomRuns {
				r.step()
				for range checksPerStep {
					r.check()
				}
			}
			r.report()
			sum.add(r.n)
		})
	}
	t.Logf("in all: %d authorisations (%d by token), %d allowed, %d denied (%d exactly at a NotAfter); "+
		"allowed outside the window: %d, cross-service allows: %d, disagreements with the model: %d",
		sum.checks, sum.tokenChecks, sum.allowed, sum.denied, sum.atNotAfter, sum.outside, sum.crossService, sum.mismatches)
}

type randomCounts struct {
	checks, tokenChecks, allowed, denied, atNotAfter int
	outside, crossService, mismatches                int
	ops                                              map[string]int
}

func (c *randomCounts) add(o randomCounts) {
	c.checks += o.checks
	c.tokenChecks += o.tokenChecks
	c.allowed += o.allowed
	c.denied += o.denied
	c.atNotAfter += o.atNotAfter
	c.outside += o.outside
	c.crossService += o.crossService
	c.mismatches += o.mismatches
}

// The model.
type (
	mService struct {
		id     string
		expiry time.Time // term end plus grace, as the lifecycle has it now
	}
	mPerson struct {
		id   string
		kind access.PrincipalKind
	}
	mGrant struct {
		id, service, principal string
		privileges             []access.Privilege
		nb, na                 time.Time
		revoked                bool
		token, keyID           string // a token issued for the grant, and its key
		tokenRevoked           bool
	}
	mKey struct {
		until   time.Time // zero: verifies for ever
		dropped bool      // removed from the ring: verifies nothing
	}
	psKey struct{ principal, service string }
)

type randomRun struct {
	t     *testing.T
	rng   *rand.Rand
	store access.Store

	life, checker, listChecker *access.Authority
	tokens                     bool
	lifeNow, checkNow          time.Time

	services   []*mService // every service ever made
	live       [randomServices]*mService
	byService  map[string]*mService
	people     []mPerson
	grants     []*mGrant
	byPS       map[psKey][]*mGrant
	keys       map[string]*mKey
	currentKey string
	nextID     int

	n        randomCounts
	problems []string
}

func newRandomRun(t *testing.T, h Harness, seed uint64) *randomRun {
	r := &randomRun{
		t:         t,
		rng:       rand.New(rand.NewPCG(seed, 0xacce55)),
		store:     h.New(t),
		lifeNow:   termStart.Add(-epochLead),
		byService: map[string]*mService{},
		byPS:      map[psKey][]*mGrant{},
		keys:      map[string]*mKey{testKey.ID: {}},
	}
	r.n.ops = map[string]int{}
	r.currentKey = testKey.ID
	_, r.tokens = r.store.(access.TokenStore)
	cfg := func(now *time.Time, s access.Store, tokens bool) access.Config {
		c := access.Config{Store: s, Now: func() time.Time { return *now }}
		if tokens {
			c.Keys = []access.Key{testKey}
		}
		return c
	}
	var err error
	r.life, err = access.New(cfg(&r.lifeNow, r.store, r.tokens))
	require.NoError(t, err)
	r.checker, err = access.New(cfg(&r.checkNow, r.store, r.tokens))
	require.NoError(t, err)
	r.listChecker, err = access.New(cfg(&r.checkNow, listOnly(r.store), false))
	require.NoError(t, err)
	for i := range randomPeople {
		kinds := access.Kinds()
		r.people = append(r.people, mPerson{id: fmt.Sprintf("p%02d", i), kind: kinds[i%len(kinds)]})
	}
	for i := range r.live {
		r.newService(i)
	}
	return r
}

// newService starts a new service in slot i of the live ones: each slot has
// its own term length and grace period, and its term starts soon after the
// clock.
func (r *randomRun) newService(i int) {
	start := r.lifeNow.Add(r.between(0, epochLead))
	end := start.Add(time.Duration(12+12*i) * time.Hour)
	s := &mService{id: fmt.Sprintf("svc-%d", len(r.services)), expiry: end.Add(time.Hour + time.Duration(i)*30*time.Minute)}
	r.services = append(r.services, s)
	r.byService[s.id] = s
	r.live[i] = s
}

func (r *randomRun) pick(n int) int { return r.rng.IntN(n) }

// between returns a random duration in [lo, hi].
func (r *randomRun) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.rng.Int64N(int64(hi-lo)+1))
}

func (r *randomRun) randomGrant() *mGrant {
	if len(r.grants) == 0 {
		return nil
	}
	// Favour recent grants: they are the ones still in force.
	if r.pick(4) > 0 {
		n := min(len(r.grants), 32)
		return r.grants[len(r.grants)-1-r.pick(n)]
	}
	return r.grants[r.pick(len(r.grants))]
}

// step runs one random operation on the lifecycle's side.
func (r *randomRun) step() {
	ctx := context.Background()
	for i, s := range r.live {
		// An ended service stays live a little, for checks after its end.
		if r.lifeNow.After(s.expiry.Add(epochLead / 6)) {
			r.newService(i)
			r.op("new service")
		}
	}
	switch x := r.pick(200); {
	case x < 40:
		r.op("advance")
		switch r.pick(4) {
		case 0:
			r.lifeNow = r.lifeNow.Add(time.Nanosecond)
		case 1:
			r.lifeNow = r.lifeNow.Add(r.between(0, time.Second))
		case 2:
			r.lifeNow = r.lifeNow.Add(r.between(0, 10*time.Minute))
		default:
			r.lifeNow = r.lifeNow.Add(r.between(0, time.Hour))
		}
	case x < 46:
		r.op("jump to an expiry")
		s := r.live[r.pick(randomServices)]
		if to := s.expiry.Add(r.between(-boundaryJitter, boundaryJitter)); to.After(r.lifeNow) {
			r.lifeNow = to
		}
	case x < 100:
		r.issue(ctx)
	case x < 120:
		r.renew(ctx)
	case x < 136:
		r.moveExpiry(ctx, true)
	case x < 152:
		r.moveExpiry(ctx, false)
	case x < 160:
		r.revokeGrant(ctx)
	case x < 162:
		r.revokePrincipal(ctx)
	case x < 163:
		r.revokeService(ctx)
	case x < 194:
		r.issueToken(ctx)
	default:
		r.rotateKey()
	}
}

func (r *randomRun) op(name string) { r.n.ops[name]++ }

// expect fails the run if err is not what the model wants.
func (r *randomRun) expect(err, want error, format string, args ...any) bool {
	r.t.Helper()
	what := fmt.Sprintf(format, args...)
	if want == nil {
		require.NoError(r.t, err, "%s: wanted success", what)
		return true
	}
	require.ErrorIs(r.t, err, want, "%s: wanted this error", what)
	return false
}

func (r *randomRun) issue(ctx context.Context) {
	r.op("issue")
	p := r.people[r.pick(len(r.people))]
	s := r.live[r.pick(randomServices)]
	r.nextID++
	req := access.IssueRequest{
		ID: fmt.Sprintf("%s/%s/%d", s.id, p.id, r.nextID), ServiceID: s.id, Principal: p.id, Kind: p.kind,
		Role: string(p.kind), Privileges: rolePrivileges[p.kind], Expires: s.expiry,
		IssuedBy: "accesstest", Reason: "randomized",
	}
	nb, na := r.lifeNow, s.expiry
	if r.pick(10) >= 3 {
		req.NotBefore = r.lifeNow.Add(r.between(-2*time.Hour, 2*time.Hour))
		nb = req.NotBefore
	}
	switch r.pick(5) {
	case 0, 1: // until the expiry
	case 2, 3:
		req.NotAfter = r.lifeNow.Add(r.between(0, 120*time.Hour))
	default:
		req.NotAfter = s.expiry.Add(r.between(-time.Hour, time.Hour))
	}
	if !req.NotAfter.IsZero() && req.NotAfter.Before(na) {
		na = req.NotAfter
	}
	var want error
	if !na.After(nb) {
		want = access.ErrInvalid
	}
	g, err := r.life.Issue(ctx, req)
	if !r.expect(err, want, "Issue(%s, NotBefore %s, NotAfter %s, Expires %s)", req.ID, nb, req.NotAfter, s.expiry) {
		return
	}
	require.True(r.t, g.NotAfter.Equal(na) && g.NotBefore.Equal(nb),
		"Issue: wanted the window [%s, %s), got [%s, %s)", nb, na, g.NotBefore, g.NotAfter)
	m := &mGrant{id: req.ID, service: s.id, principal: p.id, privileges: req.Privileges, nb: nb, na: na}
	r.grants = append(r.grants, m)
	k := psKey{p.id, s.id}
	r.byPS[k] = append(r.byPS[k], m)
}

func (r *randomRun) renew(ctx context.Context) {
	g := r.randomGrant()
	if g == nil {
		return
	}
	r.op("renew")
	s := r.byService[g.service]
	var notAfter time.Time
	switch r.pick(3) {
	case 0: // up to the expiry
	case 1:
		notAfter = s.expiry.Add(r.between(-3*time.Hour, 3*time.Hour))
	default:
		notAfter = r.lifeNow.Add(r.between(0, 48*time.Hour))
	}
	na := s.expiry
	if !notAfter.IsZero() && notAfter.Before(na) {
		na = notAfter
	}
	var want error
	switch {
	case g.revoked:
		want = access.ErrRevoked
	case !na.After(g.nb):
		want = access.ErrInvalid
	}
	got, err := r.life.Renew(ctx, g.id, notAfter, s.expiry)
	if !r.expect(err, want, "Renew(%s, %s, expires %s)", g.id, notAfter, s.expiry) {
		return
	}
	require.True(r.t, got.NotAfter.Equal(na), "Renew(%s): wanted NotAfter %s, got %s", g.id, na, got.NotAfter)
	g.na = na
}

// moveExpiry extends or shortens a live service's term.
func (r *randomRun) moveExpiry(ctx context.Context, extend bool) {
	s := r.live[r.pick(randomServices)]
	from, to := s.expiry, s.expiry
	if extend {
		r.op("extend")
		to = from.Add(r.between(time.Nanosecond, 24*time.Hour))
	} else {
		r.op("shorten")
		to = from.Add(-r.between(time.Nanosecond, 24*time.Hour))
	}
	want := 0
	for _, g := range r.grants {
		switch {
		case g.service != s.id || g.revoked:
		case g.na.After(to):
			want++
			if !to.After(g.nb) {
				g.revoked, g.tokenRevoked = true, true
			} else {
				g.na = to
			}
		case to.After(from) && g.na.Equal(from):
			want++
			g.na = to
		}
	}
	s.expiry = to
	n, err := r.life.MoveExpiry(ctx, s.id, from, to)
	require.NoError(r.t, err, "MoveExpiry(%s, %s -> %s)", s.id, from, to)
	require.Equal(r.t, want, n, "MoveExpiry(%s, %s -> %s): grants moved or revoked", s.id, from, to)
}

func (r *randomRun) revokeGrant(ctx context.Context) {
	if len(r.grants) == 0 {
		return
	}
	g := r.grants[r.pick(len(r.grants))]
	r.op("revoke grant")
	require.NoError(r.t, r.life.Revoke(ctx, g.id, r.lifeNow), "Revoke(%s)", g.id)
	g.revoked, g.tokenRevoked = true, g.token != ""
}

func (r *randomRun) revokePrincipal(ctx context.Context) {
	r.op("revoke principal")
	p := r.people[r.pick(len(r.people))].id
	want := 0
	for _, g := range r.grants {
		if g.principal == p && !g.revoked {
			want++
			g.revoked, g.tokenRevoked = true, g.token != ""
		}
	}
	n, err := r.life.RevokePrincipal(ctx, p, r.lifeNow)
	require.NoError(r.t, err, "RevokePrincipal(%s)", p)
	require.Equal(r.t, want, n, "RevokePrincipal(%s): grants revoked", p)
}

func (r *randomRun) revokeService(ctx context.Context) {
	r.op("revoke service")
	s := r.live[r.pick(randomServices)].id
	want := 0
	for _, g := range r.grants {
		if g.service == s && !g.revoked {
			want++
			g.revoked, g.tokenRevoked = true, g.token != ""
		}
	}
	n, err := r.life.RevokeService(ctx, s, r.lifeNow)
	require.NoError(r.t, err, "RevokeService(%s)", s)
	require.Equal(r.t, want, n, "RevokeService(%s): grants revoked", s)
}

func (r *randomRun) issueToken(ctx context.Context) {
	g := r.randomGrant()
	if !r.tokens || g == nil || g.token != "" {
		return
	}
	r.op("issue token")
	var want error
	switch {
	case g.revoked:
		want = access.ErrRevoked
	case !r.lifeNow.Before(g.na):
		want = access.ErrInvalid
	}
	token, _, err := r.life.IssueToken(ctx, g.id)
	if r.expect(err, want, "IssueToken(%s)", g.id) {
		g.token, g.keyID = token, r.currentKey
	}
}

func (r *randomRun) rotateKey() {
	if !r.tokens {
		return
	}
	r.op("rotate key")
	id := fmt.Sprintf("key-%d", len(r.keys)+1)
	k := access.Key{ID: id, Secret: []byte(fmt.Sprintf("randomized key %s, at least 32 bytes long", id))}
	overlap := []time.Duration{0, time.Second, 10 * time.Minute, 2 * time.Hour}[r.pick(4)]
	require.NoError(r.t, r.life.RotateKey(k, overlap), "RotateKey on the lifecycle's side")
	r.checkNow = r.lifeNow // both sides rotate at the same moment
	require.NoError(r.t, r.checker.RotateKey(k, overlap), "RotateKey on the checker's side")
	for _, m := range r.keys {
		if !m.until.IsZero() && !r.lifeNow.Before(m.until) {
			m.dropped = true
		}
	}
	old := r.keys[r.currentKey]
	old.until = r.lifeNow.Add(overlap)
	old.dropped = overlap == 0
	r.keys[id] = &mKey{}
	r.currentKey = id
}

// grantAllows is the model's rule for one grant.
func grantAllows(g *mGrant, p access.Privilege, at time.Time) bool {
	return !g.revoked && !at.Before(g.nb) && at.Before(g.na) && p != "" && slices.Contains(g.privileges, p)
}

func (r *randomRun) allows(principal, service string, p access.Privilege, at time.Time) bool {
	for _, g := range r.byPS[psKey{principal, service}] {
		if grantAllows(g, p, at) {
			return true
		}
	}
	return false
}

func (r *randomRun) tokenAllows(g *mGrant, service string, p access.Privilege, at time.Time) bool {
	k := r.keys[g.keyID]
	return g.service == service && !g.tokenRevoked && !k.dropped && (k.until.IsZero() || at.Before(k.until)) &&
		grantAllows(g, p, at)
}

// check makes one authorisation on the checker's side and compares it with
// the model.
func (r *randomRun) check() {
	ctx := context.Background()
	g := r.randomGrant()
	live := r.live
	principal, service := unknownPerson, unknownService
	switch x := r.pick(100); {
	case g != nil && x < 70:
		principal, service = g.principal, g.service
	case g != nil && x < 85: // the grant's principal, on a service the grant is not for
		principal = g.principal
		if service = live[r.pick(randomServices)].id; service == g.service {
			service = unknownService
		}
	default:
		if r.pick(8) > 0 {
			principal = r.people[r.pick(len(r.people))].id
		}
		if r.pick(8) > 0 {
			service = r.services[r.pick(len(r.services))].id
		}
	}
	var p access.Privilege
	if g != nil && r.pick(10) < 7 {
		p = g.privileges[r.pick(len(g.privileges))]
	} else {
		kinds := access.Kinds()
		privs := rolePrivileges[kinds[r.pick(len(kinds))]]
		p = privs[r.pick(len(privs))]
		if r.pick(50) == 0 {
			p = ""
		}
	}
	now := r.lifeNow.Add(r.between(-maxSkew, maxSkew)) // the checker's clock
	switch y := r.pick(100); {
	case y < 40:
	case y < 70 && g != nil:
		now = []time.Time{g.nb.Add(-time.Nanosecond), g.nb, g.na.Add(-time.Nanosecond), g.na, g.na.Add(time.Nanosecond)}[r.pick(5)]
	case y < 90:
		if s := r.byService[service]; s != nil {
			now = s.expiry.Add(time.Duration(r.pick(3)-1) * time.Nanosecond)
		}
	default:
		now = r.lifeNow.Add(r.between(-48*time.Hour, 48*time.Hour))
	}
	r.checkNow = now

	var (
		err     error
		want    bool
		byToken = r.tokens && g != nil && g.token != "" && r.pick(100) < 40
		how     string
	)
	switch {
	case byToken:
		r.n.tokenChecks++
		_, err = r.checker.AuthorizeToken(ctx, g.token, service, p)
		want = r.tokenAllows(g, service, p, now)
		how = fmt.Sprintf("AuthorizeToken(token of %s, %q, %q)", g.id, service, p)
	case r.pick(2) == 0:
		err = r.checker.Authorize(ctx, principal, service, p)
		want = r.allows(principal, service, p, now)
		how = fmt.Sprintf("Authorize(%q, %q, %q)", principal, service, p)
	default:
		err = r.listChecker.Authorize(ctx, principal, service, p)
		want = r.allows(principal, service, p, now)
		how = fmt.Sprintf("Authorize via ListByPrincipal(%q, %q, %q)", principal, service, p)
	}
	r.n.checks++
	got := err == nil
	if err != nil && !errors.Is(err, access.ErrDenied) {
		r.problem("%s at %s: an error other than a denial: %v", how, now, err)
	}
	if !got {
		r.n.denied++
		if g != nil && now.Equal(g.na) {
			r.n.atNotAfter++
		}
	} else {
		r.n.allowed++
		s := r.byService[service]
		started := byToken && !now.Before(g.nb)
		for _, m := range r.byPS[psKey{principal, service}] {
			started = started || !byToken && !now.Before(m.nb)
		}
		switch {
		case byToken && g.service != service, !byToken && len(r.byPS[psKey{principal, service}]) == 0:
			r.n.crossService++
			r.problem("%s at %s: allowed on a service the principal holds no grant on", how, now)
		case s == nil || !now.Before(s.expiry) || !started:
			r.n.outside++
			r.problem("%s at %s: allowed outside the window", how, now)
		}
	}
	if got != want {
		r.n.mismatches++
		r.problem("%s at %s (lifecycle at %s): allowed=%v, the model says %v (%v)", how, now, r.lifeNow, got, want, err)
	}
}

func (r *randomRun) problem(format string, args ...any) {
	if len(r.problems) < maxProblems {
		r.problems = append(r.problems, fmt.Sprintf(format, args...))
	}
}

func (r *randomRun) report() {
	t := r.t
	ops := make([]string, 0, len(r.n.ops))
	for k, v := range r.n.ops {
		ops = append(ops, fmt.Sprintf("%s %d", k, v))
	}
	slices.Sort(ops)
	t.Logf("%d authorisations (%d by token), %d allowed, %d denied (%d exactly at a NotAfter), %d grants; operations: %s",
		r.n.checks, r.n.tokenChecks, r.n.allowed, r.n.denied, r.n.atNotAfter, len(r.grants), strings.Join(ops, ", "))
	detail := strings.Join(r.problems, "\n")
	assert.Zero(t, r.n.outside, "authorisations allowed outside the window: wanted none\n%s", detail)
	assert.Zero(t, r.n.crossService, "cross-service allows: wanted none\n%s", detail)
	assert.Zero(t, r.n.mismatches, "disagreements with the model: wanted none\n%s", detail)
	assert.Empty(t, r.problems, "problems")
	// A run that never allows, or never denies, proves nothing.
	assert.Greater(t, r.n.allowed, r.n.checks/20, "wanted at least 5%% of authorisations allowed, for the run to mean something")
	assert.Greater(t, r.n.denied, r.n.checks/20, "wanted at least 5%% of authorisations denied, for the run to mean something")
	assert.Positive(t, r.n.atNotAfter, "wanted authorisations exactly at a NotAfter")
	if r.tokens {
		assert.Positive(t, r.n.tokenChecks, "wanted authorisations by token")
	}
}
