package memaccess

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eventcc/eventcc/access"
)

var (
	_ access.Store       = (*Store)(nil)
	_ access.Decider     = (*Store)(nil)
	_ access.BulkCreator = (*Store)(nil)
	_ access.BulkRevoker = (*Store)(nil)
	_ access.TokenStore  = (*Store)(nil)
)

// Store is an in-memory [access.Store], [access.Decider],
// [access.BulkCreator], [access.BulkRevoker] and [access.TokenStore]. Its zero value is not
// usable; call [New]. It is safe for concurrent use.
type Store struct {
	mu sync.RWMutex
	// Every grant is one record, which the indexes point to; a change
	// rewrites it in place, under mu.
	byID        table                // every grant
	byPrincipal table                // the first of each principal's grants, linked by record.next
	byService   map[string]*grantSet // every grant of a service
	profiles    map[string]*profile  // interned shared fields, by profileKey

	creds       map[string]*access.Credential
	credsBy     [3]map[string][]*access.Credential // by grant, service, principal
	zeroSeconds int64                              // time.Time{}.Unix(), the stored form of a zero time
}

const (
	byGrant = iota
	byService
	byPrincipal
)

// record is one grant. Fields many grants share (service, kind, role,
// issuer, reason, privileges) live in an interned profile; instants are
// kept as Unix seconds and nanoseconds, with the revoked flag in the top
// bit of the revocation's nanoseconds: 96 bytes a grant.
type record struct {
	id        string
	principal string
	prof      *profile
	next      *record // the principal's next grant
	secs      [3]int64
	revision  int64
	nsecs     [3]uint32
	pos       uint32 // index in the service's grantSet
}

// Indexes of record.secs and record.nsecs.
const (
	notBefore = iota
	notAfter
	revokedAt
)

const revokedBit = 1 << 31 // in nsecs[revokedAt]; nanoseconds stay below 1<<30

type grantSet struct{ grants []*record }

// profile holds the fields grants share. It is never modified once made;
// refs counts the records using it.
type profile struct {
	key        string
	refs       int
	service    string
	kind       access.PrincipalKind
	role       string
	issuedBy   string
	reason     string
	privileges []access.Privilege
}

// New returns an empty Store.
func New() *Store {
	s := &Store{
		byID:        newTable(false),
		byPrincipal: newTable(true),
		byService:   make(map[string]*grantSet),
		profiles:    make(map[string]*profile),
		creds:       make(map[string]*access.Credential),
		zeroSeconds: time.Time{}.Unix(),
	}
	for i := range s.credsBy {
		s.credsBy[i] = make(map[string][]*access.Credential)
	}
	return s
}

func (r *record) revoked() bool { return r.nsecs[revokedAt]&revokedBit != 0 }

func (s *Store) setTime(r *record, i int, t time.Time) {
	flag := r.nsecs[i] & revokedBit
	if t.IsZero() {
		r.secs[i], r.nsecs[i] = s.zeroSeconds, flag
		return
	}
	r.secs[i], r.nsecs[i] = t.Unix(), uint32(t.Nanosecond())|flag
}

func (s *Store) time(r *record, i int) time.Time {
	sec, nsec := r.secs[i], r.nsecs[i]&^revokedBit
	if sec == s.zeroSeconds && nsec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

func (s *Store) setRevoked(r *record, revoked bool, at time.Time) {
	if revoked {
		r.nsecs[revokedAt] |= revokedBit
	} else {
		r.nsecs[revokedAt] &^= revokedBit
	}
	s.setTime(r, revokedAt, at)
}

// grant returns a copy of r that shares no memory with the store. Times
// come back in UTC.
func (s *Store) grant(r *record) access.Grant {
	p := r.prof
	return access.Grant{
		ID:         r.id,
		ServiceID:  p.service,
		Principal:  r.principal,
		Kind:       p.kind,
		Role:       p.role,
		Privileges: slices.Clone(p.privileges),
		NotBefore:  s.time(r, notBefore),
		NotAfter:   s.time(r, notAfter),
		IssuedBy:   p.issuedBy,
		Reason:     p.reason,
		Revoked:    r.revoked(),
		RevokedAt:  s.time(r, revokedAt),
		Revision:   r.revision,
	}
}

// profileKey encodes g's shared fields, each with its length, so that
// distinct profiles never share a key.
func profileKey(g *access.Grant) string {
	var b strings.Builder
	add := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	add(g.ServiceID)
	add(string(g.Kind))
	add(g.Role)
	add(g.IssuedBy)
	add(g.Reason)
	if g.Privileges == nil {
		b.WriteByte('-') // nil and empty privileges round-trip as they came
	}
	for _, p := range g.Privileges {
		add(string(p))
	}
	return b.String()
}

// intern returns the profile of g's shared fields, counting one more use.
// s.mu must be held for writing.
func (s *Store) intern(g *access.Grant) *profile {
	key := profileKey(g)
	if p, ok := s.profiles[key]; ok {
		p.refs++
		return p
	}
	p := &profile{key: key, refs: 1, service: strings.Clone(g.ServiceID), kind: g.Kind,
		role: strings.Clone(g.Role), issuedBy: strings.Clone(g.IssuedBy), reason: strings.Clone(g.Reason)}
	if g.Privileges != nil {
		p.privileges = make([]access.Privilege, len(g.Privileges))
		for i, pr := range g.Privileges {
			p.privileges[i] = access.Privilege(strings.Clone(string(pr)))
		}
	}
	s.profiles[key] = p
	return p
}

func (s *Store) release(p *profile) {
	if p.refs--; p.refs == 0 {
		delete(s.profiles, p.key)
	}
}

func (s *Store) linkPrincipal(r *record) {
	r.next = s.byPrincipal.get(r.principal)
	s.byPrincipal.put(r)
}

func (s *Store) unlinkPrincipal(r *record) {
	head := s.byPrincipal.get(r.principal)
	if head == r {
		if r.next == nil {
			s.byPrincipal.remove(r.principal)
		} else {
			s.byPrincipal.put(r.next)
		}
	} else {
		for q := head; q != nil; q = q.next {
			if q.next == r {
				q.next = r.next
				break
			}
		}
	}
	r.next = nil
}

func (s *Store) linkService(r *record, service string) {
	set := s.byService[service]
	if set == nil {
		set = &grantSet{}
		s.byService[service] = set
	}
	r.pos = uint32(len(set.grants))
	set.grants = append(set.grants, r)
}

func (s *Store) unlinkService(r *record, service string) {
	set := s.byService[service]
	last := set.grants[len(set.grants)-1]
	set.grants[r.pos] = last
	last.pos = r.pos
	set.grants[len(set.grants)-1] = nil
	set.grants = set.grants[:len(set.grants)-1]
	if len(set.grants) == 0 {
		delete(s.byService, service)
	}
}

// Create stores a copy of g with Revision 1. It returns ErrInvalid if g
// fails [access.Validate], ErrExists if g.ID is taken, and ctx.Err() if ctx
// is done, changing nothing in each case.
func (s *Store) Create(ctx context.Context, g access.Grant) (access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return access.Grant{}, err
	}
	if err := access.Validate(g); err != nil {
		return access.Grant{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID.get(g.ID) != nil {
		return access.Grant{}, fmt.Errorf("%w: %q", access.ErrExists, g.ID)
	}
	return s.grant(s.insert(&g)), nil
}

// CreateGrants implements [access.BulkCreator]: under one lock, it stores
// a copy of each grant of gs whose ID is not taken, with Revision 1, and
// returns copies of them in the order of gs. It returns ErrInvalid if a
// grant fails [access.Validate] or two share an ID, and ctx.Err() if ctx is
// done, changing nothing in each case.
func (s *Store) CreateGrants(ctx context.Context, gs ...access.Grant) ([]access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(gs))
	for i := range gs {
		if err := access.Validate(gs[i]); err != nil {
			return nil, err
		}
		if seen[gs[i].ID] {
			return nil, fmt.Errorf("%w %q: ID: given twice", access.ErrInvalid, gs[i].ID)
		}
		seen[gs[i].ID] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []access.Grant
	for i := range gs {
		if s.byID.get(gs[i].ID) == nil {
			out = append(out, s.grant(s.insert(&gs[i])))
		}
	}
	return out, nil
}

// insert stores a new record for g, whose ID is not taken, with Revision
// 1. s.mu must be held for writing.
func (s *Store) insert(g *access.Grant) *record {
	r := &record{id: strings.Clone(g.ID), principal: strings.Clone(g.Principal), revision: 1}
	r.prof = s.intern(g)
	s.setTime(r, notBefore, g.NotBefore)
	s.setTime(r, notAfter, g.NotAfter)
	s.setRevoked(r, g.Revoked, g.RevokedAt)
	s.byID.put(r)
	s.linkPrincipal(r)
	s.linkService(r, r.prof.service)
	return r
}

// Get returns a copy of the grant with that ID, ErrNotFound if there is
// none, or ctx.Err() if ctx is done.
func (s *Store) Get(ctx context.Context, id string) (access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return access.Grant{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.byID.get(id)
	if r == nil {
		return access.Grant{}, fmt.Errorf("%w: %q", access.ErrNotFound, id)
	}
	return s.grant(r), nil
}

// Update replaces the stored grant g.ID with a copy of g and the next
// revision, if g.Revision is the stored one. It returns ErrInvalid if g
// fails [access.Validate] or would un-revoke the grant, ErrNotFound if
// there is no such grant, ErrConflict if g.Revision is stale, and ctx.Err()
// if ctx is done, changing nothing in each case.
func (s *Store) Update(ctx context.Context, g access.Grant) (access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return access.Grant{}, err
	}
	if err := access.Validate(g); err != nil {
		return access.Grant{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.byID.get(g.ID)
	switch {
	case r == nil:
		return access.Grant{}, fmt.Errorf("%w: %q", access.ErrNotFound, g.ID)
	case g.Revision != r.revision:
		return access.Grant{}, fmt.Errorf("%w: grant %q is at revision %d, the update carries %d",
			access.ErrConflict, g.ID, r.revision, g.Revision)
	case r.revoked() && !g.Revoked:
		return access.Grant{}, fmt.Errorf("%w %q: a revoked grant cannot be un-revoked", access.ErrInvalid, g.ID)
	}
	if g.Principal != r.principal {
		s.unlinkPrincipal(r)
		r.principal = strings.Clone(g.Principal)
		s.linkPrincipal(r)
	}
	old, p := r.prof, s.intern(&g)
	if p.service != old.service {
		s.unlinkService(r, old.service)
		s.linkService(r, p.service)
	}
	r.prof = p
	s.release(old)
	s.setTime(r, notBefore, g.NotBefore)
	s.setTime(r, notAfter, g.NotAfter)
	s.setRevoked(r, g.Revoked, g.RevokedAt)
	r.revision++
	return s.grant(r), nil
}

// ListByService returns copies of the grants of a service, sorted by ID,
// or ctx.Err() if ctx is done.
func (s *Store) ListByService(ctx context.Context, serviceID string) ([]access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	set := s.byService[serviceID]
	if set == nil {
		return nil, nil
	}
	return s.sorted(slices.Clone(set.grants)), nil
}

// ListByPrincipal returns copies of the grants of a principal, sorted by
// ID, or ctx.Err() if ctx is done.
func (s *Store) ListByPrincipal(ctx context.Context, principal string) ([]access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var rs []*record
	for r := s.byPrincipal.get(principal); r != nil; r = r.next {
		rs = append(rs, r)
	}
	return s.sorted(rs), nil
}

// sorted returns copies of rs's grants sorted by ID (sorting pointers, not
// grants). s.mu must be held.
func (s *Store) sorted(rs []*record) []access.Grant {
	if len(rs) == 0 {
		return nil
	}
	slices.SortFunc(rs, func(a, b *record) int { return strings.Compare(a.id, b.id) })
	out := make([]access.Grant, len(rs))
	for i, r := range rs {
		out[i] = s.grant(r)
	}
	return out
}

// Decide implements [access.Decider]: it walks the principal's grants in
// place, under the read lock, and copies none of them. It allocates
// nothing. It returns ctx.Err() if ctx is done.
func (s *Store) Decide(ctx context.Context, now time.Time, principal, serviceID string, p access.Privilege) (access.Decision, error) {
	if err := ctx.Err(); err != nil {
		return access.Decision{}, err
	}
	var d access.Decision
	s.mu.RLock()
	for r := s.byPrincipal.get(principal); r != nil; r = r.next {
		if r.prof.service != serviceID {
			continue
		}
		c := access.Candidate{
			GrantID:      r.id,
			NotBefore:    s.time(r, notBefore),
			NotAfter:     s.time(r, notAfter),
			HasPrivilege: access.HasPrivilege(r.prof.privileges, p),
		}
		if r.revoked() {
			c.Revoked, c.RevokedAt = true, s.time(r, revokedAt)
		}
		if d.Consider(now, &c) {
			break
		}
	}
	s.mu.RUnlock()
	return d, nil
}

// Revoke marks the grant id revoked at at and increments its revision. A
// revoked grant is left as it is. It returns ErrNotFound if there is no
// such grant and ctx.Err() if ctx is done.
func (s *Store) Revoke(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.byID.get(id)
	if r == nil {
		return fmt.Errorf("%w: %q", access.ErrNotFound, id)
	}
	s.revoke(r, at)
	return nil
}

// RevokeService marks every unrevoked grant of serviceID revoked at at,
// increments their revisions, and returns how many it revoked; or ctx.Err()
// if ctx is done. It takes time linear in the service's grants, not in the
// store's.
func (s *Store) RevokeService(ctx context.Context, serviceID string, at time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	if set := s.byService[serviceID]; set != nil {
		for _, r := range set.grants {
			if s.revoke(r, at) {
				n++
			}
		}
	}
	return n, nil
}

// RevokeGrants implements [access.BulkRevoker]: it marks every unrevoked
// grant m selects revoked at at, in one change, and returns copies of
// them; or ErrInvalid for an empty m, or ctx.Err() if ctx is done. It takes
// time linear in the grants of the principal (if m names one) or of the
// service, not in the store's.
func (s *Store) RevokeGrants(ctx context.Context, m access.GrantMatch, at time.Time) ([]access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if m.ServiceID == "" && m.Principal == "" {
		return nil, fmt.Errorf("%w: empty grant match", access.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []access.Grant
	revoke := func(r *record) {
		if (m.ServiceID == "" || r.prof.service == m.ServiceID) && s.revoke(r, at) {
			out = append(out, s.grant(r))
		}
	}
	if m.Principal != "" {
		for r := s.byPrincipal.get(m.Principal); r != nil; r = r.next {
			revoke(r)
		}
	} else if set := s.byService[m.ServiceID]; set != nil {
		out = make([]access.Grant, 0, len(set.grants))
		for _, r := range set.grants {
			revoke(r)
		}
	}
	return out, nil
}

// revoke marks r revoked at at, unless it already is, and reports whether
// it changed anything. s.mu must be held for writing.
func (s *Store) revoke(r *record, at time.Time) bool {
	if r.revoked() {
		return false
	}
	s.setRevoked(r, true, at)
	r.revision++
	return true
}
