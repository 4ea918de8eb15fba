package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/eventcc/eventcc/contactcenter"
)

// Store is an in-memory [contactcenter.Store], [contactcenter.Leaser] and
// [contactcenter.Committer]. The zero value is not ready for use; call
// [New].
type Store struct {
	mu       sync.RWMutex
	services map[string]contactcenter.Service
	plans    map[string]contactcenter.Plan
	journals map[string][]contactcenter.JournalEntry // by plan ID; only plans with entries
	leases   map[string]lease                        // by service ID
	owners   map[string]time.Time                    // live until, by owner
	accounts map[string][]string                     // service IDs by social account (Features.Accounts)
}

var (
	_ contactcenter.Store        = (*Store)(nil)
	_ contactcenter.Committer    = (*Store)(nil)
	_ contactcenter.AccountIndex = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{
		services: make(map[string]contactcenter.Service),
		plans:    make(map[string]contactcenter.Plan),
		journals: make(map[string][]contactcenter.JournalEntry),
		accounts: make(map[string][]string),
	}
}

// Create stores a copy of s with Revision 1 and returns a copy of what it
// stored. It returns an error wrapping [contactcenter.ErrExists] if a
// service with s.ID is stored.
func (st *Store) Create(ctx context.Context, s contactcenter.Service) (contactcenter.Service, error) {
	if err := ctx.Err(); err != nil {
		return contactcenter.Service{}, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.services[s.ID]; ok {
		return contactcenter.Service{}, fmt.Errorf("memstore: service %q: %w", s.ID, contactcenter.ErrExists)
	}
	s = s.Clone()
	s.Revision = 1
	st.services[s.ID] = s
	st.index(nil, s.Request.Features.Accounts, s.ID)
	return s.Clone(), nil
}

// Get returns a copy of the service stored under id, or an error wrapping
// [contactcenter.ErrNotFound].
func (st *Store) Get(ctx context.Context, id string) (contactcenter.Service, error) {
	if err := ctx.Err(); err != nil {
		return contactcenter.Service{}, err
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	s, ok := st.services[id]
	if !ok {
		return contactcenter.Service{}, fmt.Errorf("memstore: service %q: %w", id, contactcenter.ErrNotFound)
	}
	return s.Clone(), nil
}

// Update replaces the service stored under s.ID with a copy of s if
// s.Revision is the stored revision, and returns a copy of what it stored,
// with the next revision. It returns an error wrapping
// [contactcenter.ErrConflict] if the revisions differ and
// [contactcenter.ErrNotFound] if no service is stored under s.ID.
func (st *Store) Update(ctx context.Context, s contactcenter.Service) (contactcenter.Service, error) {
	if err := ctx.Err(); err != nil {
		return contactcenter.Service{}, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.checkUpdate(s); err != nil {
		return contactcenter.Service{}, err
	}
	return st.update(s), nil
}

// checkUpdate reports why s may not replace the stored service; st.mu is
// held.
func (st *Store) checkUpdate(s contactcenter.Service) error {
	old, ok := st.services[s.ID]
	if !ok {
		return fmt.Errorf("memstore: service %q: %w", s.ID, contactcenter.ErrNotFound)
	}
	if s.Revision != old.Revision {
		return fmt.Errorf("memstore: service %q: update of revision %d, stored revision is %d: %w",
			s.ID, s.Revision, old.Revision, contactcenter.ErrConflict)
	}
	return nil
}

// update stores a copy of s, checked, with the next revision, and returns
// a copy; st.mu is held.
func (st *Store) update(s contactcenter.Service) contactcenter.Service {
	s = s.Clone()
	s.Revision++
	old := st.services[s.ID].Request.Features.Accounts
	st.services[s.ID] = s
	if !slices.Equal(old, s.Request.Features.Accounts) {
		st.index(old, s.Request.Features.Accounts, s.ID)
	}
	return s.Clone()
}

// index moves service id from the accounts old to the accounts new in
// st.accounts; st.mu is held.
func (st *Store) index(old, new []string, id string) {
	for _, a := range old {
		ids := slices.DeleteFunc(st.accounts[a], func(x string) bool { return x == id })
		if len(ids) == 0 {
			delete(st.accounts, a)
			continue
		}
		st.accounts[a] = ids
	}
	for _, a := range new {
		if !slices.Contains(st.accounts[a], id) {
			st.accounts[a] = append(st.accounts[a], id)
		}
	}
}

// ServiceWithAccount implements [contactcenter.AccountIndex]: the
// service whose request names account, an open one first, then one not
// final, then the rest; among equals the one whose term ends last (then
// the greatest ID, for a stable answer).
func (st *Store) ServiceWithAccount(ctx context.Context, account string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	best := ""
	for _, id := range st.accounts[account] {
		if best == "" || accountOrder(st.services[id], st.services[best]) > 0 {
			best = id
		}
	}
	if best == "" {
		return "", fmt.Errorf("memstore: account %q: %w", account, contactcenter.ErrNotFound)
	}
	return best, nil
}

// accountOrder compares a and b as ServiceWithAccount prefers them.
func accountOrder(a, b contactcenter.Service) int {
	rank := func(s contactcenter.Service) int {
		switch {
		case s.State == contactcenter.Active || s.State == contactcenter.Terminating:
			return 2
		case !s.State.Final():
			return 1
		}
		return 0
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), a.Expires.Compare(b.Expires), cmp.Compare(a.ID, b.ID))
}

// List returns copies of the services in any of states, or of every
// service when no state is given, sorted by ID.
func (st *Store) List(ctx context.Context, states ...contactcenter.State) ([]contactcenter.Service, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := make([]contactcenter.Service, 0, listCap(len(st.services), len(states)))
	for _, s := range st.services {
		if len(states) == 0 || slices.Contains(states, s.State) {
			out = append(out, s.Clone())
		}
	}
	slices.SortFunc(out, func(a, b contactcenter.Service) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// listCap guesses the capacity of List's result: every service when
// unfiltered, a few otherwise.
func listCap(services, states int) int {
	if states == 0 {
		return services
	}
	return min(services, 16)
}

// PutPlan stores a copy of p under p.ID. Storing a plan again with the
// same Digest changes nothing; with another Digest it returns an error
// wrapping [contactcenter.ErrConflict].
func (st *Store) PutPlan(ctx context.Context, p contactcenter.Plan) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if old, ok := st.plans[p.ID]; ok {
		if old.Digest != p.Digest {
			return fmt.Errorf("memstore: plan %q: stored with digest %s, not %s: %w",
				p.ID, old.Digest, p.Digest, contactcenter.ErrConflict)
		}
		return nil
	}
	st.plans[p.ID] = copyPlan(p)
	return nil
}

// GetPlan returns a copy of the plan stored under id, or an error wrapping
// [contactcenter.ErrNotFound].
func (st *Store) GetPlan(ctx context.Context, id string) (contactcenter.Plan, error) {
	if err := ctx.Err(); err != nil {
		return contactcenter.Plan{}, err
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	p, ok := st.plans[id]
	if !ok {
		return contactcenter.Plan{}, fmt.Errorf("memstore: plan %q: %w", id, contactcenter.ErrNotFound)
	}
	return copyPlan(p), nil
}

// Append adds a copy of e to the journal of plan e.PlanID. It returns an
// error wrapping [contactcenter.ErrNotFound] if the plan is not stored and
// [contactcenter.ErrConflict] if e.Seq is not one more than the journal's
// last Seq (1 for the first entry).
func (st *Store) Append(ctx context.Context, e contactcenter.JournalEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.checkAppend(e, 0); err != nil {
		return err
	}
	st.journals[e.PlanID] = append(st.journals[e.PlanID], copyEntry(e))
	return nil
}

// checkAppend reports why e may not be appended after the stored journal
// of its plan and ahead more entries of it; st.mu is held.
func (st *Store) checkAppend(e contactcenter.JournalEntry, ahead int) error {
	if _, ok := st.plans[e.PlanID]; !ok {
		return fmt.Errorf("memstore: journal of plan %q: %w", e.PlanID, contactcenter.ErrNotFound)
	}
	if want := int64(len(st.journals[e.PlanID])+ahead) + 1; e.Seq != want {
		return fmt.Errorf("memstore: journal of plan %q: append of seq %d, next seq is %d: %w",
			e.PlanID, e.Seq, want, contactcenter.ErrConflict)
	}
	return nil
}

// Commit implements [contactcenter.Committer]: it checks the update and
// every entry before it changes anything, under one lock.
func (st *Store) Commit(ctx context.Context, s *contactcenter.Service, entries ...contactcenter.JournalEntry) (contactcenter.Service, error) {
	if err := ctx.Err(); err != nil {
		return contactcenter.Service{}, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if s != nil {
		if err := st.checkUpdate(*s); err != nil {
			return contactcenter.Service{}, err
		}
	}
	ahead := make(map[string]int, 1)
	for _, e := range entries {
		if err := st.checkAppend(e, ahead[e.PlanID]); err != nil {
			return contactcenter.Service{}, err
		}
		ahead[e.PlanID]++
	}
	var out contactcenter.Service
	if s != nil {
		out = st.update(*s)
	}
	for _, e := range entries {
		st.journals[e.PlanID] = append(st.journals[e.PlanID], copyEntry(e))
	}
	return out, nil
}

// Journal returns copies of the entries of a plan's journal in Seq order:
// empty for a stored plan never run, an error wrapping
// [contactcenter.ErrNotFound] if the plan is not stored.
func (st *Store) Journal(ctx context.Context, planID string) ([]contactcenter.JournalEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	if _, ok := st.plans[planID]; !ok {
		return nil, fmt.Errorf("memstore: journal of plan %q: %w", planID, contactcenter.ErrNotFound)
	}
	j := st.journals[planID]
	out := make([]contactcenter.JournalEntry, len(j))
	for i, e := range j {
		out[i] = copyEntry(e)
	}
	return out, nil
}
