package memaccess

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/eventcc/eventcc/access"
)

var _ access.Store = (*Store)(nil)

// Store is an in-memory [access.Store]. Its zero value is not usable; call
// [New]. It is safe for concurrent use.
type Store struct {
	mu sync.RWMutex
	// Each grant lives in one access.Grant that the store owns and that
	// the three maps point to; a change rewrites it in place, under mu.
	byID        map[string]*access.Grant
	byService   map[string]map[string]*access.Grant // service -> ID -> grant
	byPrincipal map[string]map[string]*access.Grant // principal -> ID -> grant
}

// New returns an empty Store.
func New() *Store {
	return &Store{
		byID:        make(map[string]*access.Grant),
		byService:   make(map[string]map[string]*access.Grant),
		byPrincipal: make(map[string]map[string]*access.Grant),
	}
}

// clone returns a copy of g that shares no memory with it.
func clone(g access.Grant) access.Grant {
	g.Privileges = slices.Clone(g.Privileges)
	return g
}

func addIndex(idx map[string]map[string]*access.Grant, key string, g *access.Grant) {
	set, ok := idx[key]
	if !ok {
		set = make(map[string]*access.Grant)
		idx[key] = set
	}
	set[g.ID] = g
}

func removeIndex(idx map[string]map[string]*access.Grant, key, id string) {
	set := idx[key]
	delete(set, id)
	if len(set) == 0 {
		delete(idx, key)
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
	g = clone(g)
	g.Revision = 1
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[g.ID]; ok {
		return access.Grant{}, fmt.Errorf("%w: %q", access.ErrExists, g.ID)
	}
	stored := &g
	s.byID[g.ID] = stored
	addIndex(s.byService, g.ServiceID, stored)
	addIndex(s.byPrincipal, g.Principal, stored)
	return clone(g), nil
}

// Get returns a copy of the grant with that ID, ErrNotFound if there is
// none, or ctx.Err() if ctx is done.
func (s *Store) Get(ctx context.Context, id string) (access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return access.Grant{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := s.byID[id]
	if !ok {
		return access.Grant{}, fmt.Errorf("%w: %q", access.ErrNotFound, id)
	}
	return clone(*g), nil
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
	g = clone(g)
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, ok := s.byID[g.ID]
	if !ok {
		return access.Grant{}, fmt.Errorf("%w: %q", access.ErrNotFound, g.ID)
	}
	old := *stored
	switch {
	case g.Revision != old.Revision:
		return access.Grant{}, fmt.Errorf("%w: grant %q is at revision %d, the update carries %d",
			access.ErrConflict, g.ID, old.Revision, g.Revision)
	case old.Revoked && !g.Revoked:
		return access.Grant{}, fmt.Errorf("%w %q: a revoked grant cannot be un-revoked", access.ErrInvalid, g.ID)
	}
	g.Revision = old.Revision + 1
	*stored = g
	if g.ServiceID != old.ServiceID {
		removeIndex(s.byService, old.ServiceID, g.ID)
		addIndex(s.byService, g.ServiceID, stored)
	}
	if g.Principal != old.Principal {
		removeIndex(s.byPrincipal, old.Principal, g.ID)
		addIndex(s.byPrincipal, g.Principal, stored)
	}
	return clone(g), nil
}

// ListByService returns copies of the grants of a service, sorted by ID,
// or ctx.Err() if ctx is done.
func (s *Store) ListByService(ctx context.Context, serviceID string) ([]access.Grant, error) {
	return s.list(ctx, s.byService, serviceID)
}

// ListByPrincipal returns copies of the grants of a principal, sorted by
// ID, or ctx.Err() if ctx is done.
func (s *Store) ListByPrincipal(ctx context.Context, principal string) ([]access.Grant, error) {
	return s.list(ctx, s.byPrincipal, principal)
}

func (s *Store) list(ctx context.Context, idx map[string]map[string]*access.Grant, key string) ([]access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	set := idx[key]
	out := make([]access.Grant, 0, len(set))
	for _, g := range set {
		out = append(out, clone(*g))
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b access.Grant) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
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
	g, ok := s.byID[id]
	if !ok {
		return fmt.Errorf("%w: %q", access.ErrNotFound, id)
	}
	revoke(g, at)
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
	for _, g := range s.byService[serviceID] {
		if revoke(g, at) {
			n++
		}
	}
	return n, nil
}

// revoke marks the stored grant g revoked at at, unless it already is, and
// reports whether it changed anything. s.mu must be held for writing.
func revoke(g *access.Grant, at time.Time) bool {
	if g.Revoked {
		return false
	}
	g.Revoked, g.RevokedAt = true, at
	g.Revision++
	return true
}
