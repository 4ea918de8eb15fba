package accesstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
)

func testConcurrency(t *testing.T, h Harness) {
	t.Run("Mixed", func(t *testing.T) { testMixed(t, h) })
	t.Run("OneUpdateWinsPerRound", func(t *testing.T) { testUpdateRounds(t, h) })
	t.Run("RevokeServiceCountsEachGrantOnce", func(t *testing.T) { testRevokeServiceRace(t, h) })
}

// errs collects errors from goroutines, to report them from the test's own.
type errs struct {
	mu   sync.Mutex
	list []error
}

func (e *errs) add(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, fmt.Errorf(format, args...))
}

func (e *errs) check(t *testing.T) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	assert.NoError(t, errors.Join(e.list...), "goroutines reported these problems")
}

// testMixed has workers create, update and revoke their own grants while
// another goroutine revokes a whole service and readers list and
// authorise, then checks that the store's state is what those calls imply.
func testMixed(t *testing.T, h Harness) {
	const (
		workers  = 8
		perW     = 24
		updates  = 2
		services = 3
	)
	ctx := context.Background()
	s := h.New(t)
	svc := func(k int) string { return fmt.Sprintf("svc-%d", k%services) }
	id := func(w, k int) string { return fmt.Sprintf("w%02d-g%02d", w, k) }
	// Grants of svc-2 are revoked only by RevokeService; those of the other
	// services with k%4 == 0 only by Revoke.
	byRevoke := func(k int) bool { return k%services != 2 && k%4 == 0 }

	var (
		problems    errs
		updatesDone [workers][perW]int
		mu          sync.Mutex
		serviceRevs int // grants revoked by RevokeService, per its counts
		workersWG   sync.WaitGroup
		othersWG    sync.WaitGroup
		stop        = make(chan struct{})
	)
	for w := range workers {
		workersWG.Go(func() {
			for k := range perW {
				if _, err := s.Create(ctx, grant(id(w, k), svc(k), fmt.Sprintf("agent-%02d", w))); err != nil {
					problems.add("Create(%s): %w", id(w, k), err)
				}
			}
			for k := range perW {
				for u := range updates {
					for { // re-read and retry on conflict
						g, err := s.Get(ctx, id(w, k))
						if err != nil {
							problems.add("Get(%s): %w", id(w, k), err)
							break
						}
						g.Reason = fmt.Sprintf("update %d", u)
						_, err = s.Update(ctx, g)
						if errors.Is(err, access.ErrConflict) {
							continue
						}
						if err != nil {
							problems.add("Update(%s): %w", id(w, k), err)
						} else {
							updatesDone[w][k]++
						}
						break
					}
				}
				if byRevoke(k) {
					if err := s.Revoke(ctx, id(w, k), revokedAt); err != nil {
						problems.add("Revoke(%s): %w", id(w, k), err)
					}
				}
			}
		})
	}
	othersWG.Go(func() { // revokes svc-2 again and again while workers run
		for {
			n, err := s.RevokeService(ctx, "svc-2", laterAt)
			if err != nil {
				problems.add("RevokeService: %w", err)
			}
			mu.Lock()
			serviceRevs += n
			mu.Unlock()
			select {
			case <-stop:
				return
			default:
			}
		}
	})
	for r := range 2 { // readers
		othersWG.Go(func() {
			for {
				gs, err := s.ListByService(ctx, svc(r))
				if err != nil {
					problems.add("ListByService: %w", err)
				} else if !slices.IsSortedFunc(gs, cmpID) {
					problems.add("ListByService(%s) not sorted by ID: %v", svc(r), ids(gs))
				}
				err = access.Authorize(ctx, s, laterAt, "agent-00", "svc-2", privHandle)
				if err != nil && !errors.Is(err, access.ErrDenied) {
					problems.add("Authorize: %w", err)
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	workersWG.Wait()
	close(stop)
	othersWG.Wait()
	problems.check(t)

	n, err := s.RevokeService(ctx, "svc-2", laterAt) // catch grants created after the last pass
	require.NoError(t, err)
	serviceRevs += n

	var inSvc2 int
	wantBySvc := map[string][]string{}
	for w := range workers {
		var wantOfW []string
		for k := range perW {
			wantOfW = append(wantOfW, id(w, k))
			wantBySvc[svc(k)] = append(wantBySvc[svc(k)], id(w, k))
			g := get(t, s, id(w, k))
			revoked := byRevoke(k) || svc(k) == "svc-2"
			if svc(k) == "svc-2" {
				inSvc2++
			}
			assert.Equal(t, updates, updatesDone[w][k], "every update of %s must eventually succeed", g.ID)
			assert.Equal(t, revoked, g.Revoked, "grant %s: Revoked", g.ID)
			if revoked {
				assert.Equal(t, int64(1+updates+1), g.Revision,
					"grant %s: one revision for Create, each Update and the revocation", g.ID)
			} else {
				assert.Equal(t, int64(1+updates), g.Revision, "grant %s: one revision for Create and each Update", g.ID)
			}
			if byRevoke(k) {
				assertInstant(t, revokedAt, g.RevokedAt, "grant %s: RevokedAt of Revoke", g.ID)
			} else if revoked {
				assertInstant(t, laterAt, g.RevokedAt, "grant %s: RevokedAt of RevokeService", g.ID)
			}
			assert.Equal(t, fmt.Sprintf("update %d", updates-1), g.Reason, "grant %s: the last update wins", g.ID)
		}
		gs, err := s.ListByPrincipal(ctx, fmt.Sprintf("agent-%02d", w))
		require.NoError(t, err)
		assert.Equal(t, wantOfW, ids(gs), "ListByPrincipal(agent-%02d) after concurrent changes", w)
	}
	assert.Equal(t, inSvc2, serviceRevs, "RevokeService counts must add up to the grants of the service, each counted once")
	for sv, want := range wantBySvc {
		slices.Sort(want)
		gs, err := s.ListByService(ctx, sv)
		require.NoError(t, err)
		assert.Equal(t, want, ids(gs), "ListByService(%s) after concurrent changes", sv)
	}
}

// testUpdateRounds runs rounds of concurrent Updates, all carrying the same
// revision: exactly one wins per round, the others get ErrConflict.
func testUpdateRounds(t *testing.T, h Harness) {
	const rounds, writers = 10, 8
	ctx := context.Background()
	s := h.New(t)
	create(t, s, grant("g1", "svc-1", "ann"))
	for r := range rounds {
		cur := get(t, s, "g1")
		start := make(chan struct{})
		results := make([]error, writers)
		var wg sync.WaitGroup
		for w := range writers {
			g := cur
			g.Reason = fmt.Sprintf("round %d writer %d", r, w)
			wg.Go(func() {
				<-start
				_, results[w] = s.Update(ctx, g)
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for w, err := range results {
			switch {
			case err == nil && winner < 0:
				winner = w
			case err == nil:
				assert.Fail(t, "two concurrent Updates with the same revision both succeeded",
					"round %d: writers %d and %d", r, winner, w)
			default:
				assert.ErrorIs(t, err, access.ErrConflict, "round %d writer %d: a losing Update wants ErrConflict", r, w)
			}
		}
		if !assert.GreaterOrEqual(t, winner, 0, "round %d: one Update must win", r) {
			continue
		}
		got := get(t, s, "g1")
		assert.Equal(t, cur.Revision+1, got.Revision, "round %d: one winning Update means one more revision", r)
		assert.Equal(t, fmt.Sprintf("round %d writer %d", r, winner), got.Reason, "round %d: the store holds the winner's grant", r)
	}
}

// testRevokeServiceRace revokes one service from many goroutines at once:
// their counts add up to the service's grants.
func testRevokeServiceRace(t *testing.T, h Harness) {
	const grants, revokers = 200, 8
	ctx := context.Background()
	s := h.New(t)
	for i := range grants {
		create(t, s, grant(fmt.Sprintf("g%03d", i), "svc-1", fmt.Sprintf("agent-%d", i%10)))
	}
	other := create(t, s, grant("other", "svc-2", "agent-0"))
	start := make(chan struct{})
	counts := make([]int, revokers)
	results := make([]error, revokers)
	var wg sync.WaitGroup
	for r := range revokers {
		wg.Go(func() {
			<-start
			counts[r], results[r] = s.RevokeService(ctx, "svc-1", revokedAt)
		})
	}
	close(start)
	wg.Wait()
	total := 0
	for r := range revokers {
		assert.NoError(t, results[r], "concurrent RevokeService %d", r)
		total += counts[r]
	}
	assert.Equal(t, grants, total, "concurrent RevokeService calls must revoke each grant exactly once between them")
	gs, err := s.ListByService(ctx, "svc-1")
	require.NoError(t, err)
	for _, g := range gs {
		assert.True(t, g.Revoked, "grant %s must be revoked", g.ID)
		assert.Equal(t, int64(2), g.Revision, "grant %s: revoked once, one more revision", g.ID)
	}
	assertGrant(t, other, get(t, s, "other"), "a grant of another service after concurrent RevokeService")
}
