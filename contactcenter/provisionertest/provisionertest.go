package provisionertest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
)

// Harness tells the suite how to make the Provisioner under test.
type Harness struct {
	// New returns a Provisioner holding nothing for any service the suite
	// uses. It is called once per subtest; clean up with t.Cleanup.
	New func(t *testing.T) contactcenter.Provisioner
	// Capacity is the number of units of each kind the Provisioner can
	// hold for all services together; 0 means it has no limit the suite
	// may reach, and the quota cases are skipped. The suite sets at most
	// 6 of each kind when Capacity is 0, and at most Capacity+1 otherwise.
	Capacity int
}

// Run runs the conformance suite against the Provisioners h makes.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("provisionertest: Harness.New is nil; want a constructor of empty Provisioners")
	}
	if h.Capacity < 0 {
		t.Fatalf("provisionertest: Harness.Capacity is %d; want 0 (unlimited) or more", h.Capacity)
	}
	s := suite{h}
	cases := []struct {
		name string
		run  func(t *testing.T, p contactcenter.Provisioner)
	}{
		{"Set/Up", s.testSetUp},
		{"Set/Down", s.testSetDown},
		{"Set/Zero", s.testSetZero},
		{"Set/ZeroOfNothing", s.testSetZeroOfNothing},
		{"Set/Idempotent", s.testSetIdempotent},
		{"Set/ItemsSortedOfKind", s.testSetSortedOfKind},
		{"Set/IDsUnique", s.testSetIDsUnique},
		{"Set/ReleasedIDsNotReused", s.testSetReleasedNotReused},
		{"Set/NegativePermanent", s.testSetNegative},
		{"Set/UnknownKindPermanent", s.testSetUnknownKind},
		{"Set/KindsApart", s.testKindsApart},
		{"Inventory/EveryKindSorted", s.testInventoryEveryKind},
		{"Inventory/EmptyAfterRelease", s.testInventoryEmptyAfterRelease},
		{"Inventory/UnknownService", s.testInventoryUnknown},
		{"Inventory/Idempotent", s.testInventoryIdempotent},
		{"Services/Isolated", s.testServicesIsolated},
		{"Quota/Exceeded", s.testQuotaExceeded},
		{"Quota/SharedByServices", s.testQuotaShared},
		{"Quota/ConcurrentOneFits", s.testQuotaConcurrent},
		{"Context/Cancelled", func(t *testing.T, p contactcenter.Provisioner) { s.testDoneContext(t, p, cancelled(t)) }},
		{"Context/DeadlineExceeded", func(t *testing.T, p contactcenter.Provisioner) { s.testDoneContext(t, p, expired(t)) }},
		{"Concurrent/DistinctServices", s.testConcurrentServices},
		{"Concurrent/SameService", s.testConcurrentSameService},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := h.New(t)
			require.NotNil(t, p, "Harness.New returned a nil Provisioner; want an empty one")
			c.run(t, p)
		})
	}
}

type suite struct{ h Harness }

// most returns the most units of a kind a case may ask for one service,
// at most want.
func (s suite) most(want int) int {
	if s.h.Capacity > 0 {
		return min(want, s.h.Capacity)
	}
	return want
}

func (s suite) needCapacity(t *testing.T) {
	t.Helper()
	if s.h.Capacity == 0 {
		t.Skip("Harness.Capacity is 0 (unlimited): no quota to exceed")
	}
}

func cancelled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}

func expired(t *testing.T) context.Context {
	ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
	t.Cleanup(cancel)
	return ctx
}

func mustSet(t *testing.T, p contactcenter.Provisioner, service string, kind contactcenter.Resource, n int) []contactcenter.Item {
	t.Helper()
	items, err := p.Set(t.Context(), service, kind, n)
	require.NoError(t, err, "Set(%q, %s, %d): want no error", service, kind, n)
	return items
}

func mustInventory(t *testing.T, p contactcenter.Provisioner, service string) []contactcenter.Item {
	t.Helper()
	items, err := p.Inventory(t.Context(), service)
	require.NoError(t, err, "Inventory(%q): want no error", service)
	return items
}

// ofKind returns the items of inventory of kind.
func ofKind(inventory []contactcenter.Item, kind contactcenter.Resource) []contactcenter.Item {
	var out []contactcenter.Item
	for _, it := range inventory {
		if it.Kind == kind {
			out = append(out, it)
		}
	}
	return out
}

func byID(a, b contactcenter.Item) int { return cmp.Compare(a.ID, b.ID) }

// byKindThenID orders items by kind in the order of Resources, then ID.
func byKindThenID(a, b contactcenter.Item) int {
	order := contactcenter.Resources()
	if c := cmp.Compare(slices.Index(order, a.Kind), slices.Index(order, b.Kind)); c != 0 {
		return c
	}
	return byID(a, b)
}

// checkItems asserts that items are n items of kind, sorted by ID, with
// unique non-empty IDs.
func checkItems(t *testing.T, items []contactcenter.Item, kind contactcenter.Resource, n int, what string) {
	t.Helper()
	assert.Len(t, items, n, "%s: want %d items", what, n)
	seen := map[string]bool{}
	for _, it := range items {
		assert.Equal(t, kind, it.Kind, "%s: want items of kind %s", what, kind)
		assert.NotEmpty(t, it.ID, "%s: want every item to have an ID", what)
		assert.False(t, seen[it.ID], "%s: item ID %q appears twice; want unique IDs", what, it.ID)
		seen[it.ID] = true
	}
	assert.True(t, slices.IsSortedFunc(items, byID), "%s: want items sorted by ID, got %v", what, items)
}

// subset reports whether every item of a is in b.
func subset(a, b []contactcenter.Item) bool {
	for _, it := range a {
		if !slices.Contains(b, it) {
			return false
		}
	}
	return true
}

func (s suite) testSetUp(t *testing.T, p contactcenter.Provisioner) {
	for _, kind := range contactcenter.Resources() {
		var prev []contactcenter.Item
		for _, n := range []int{1, s.most(3), s.most(6)} {
			items := mustSet(t, p, "expo", kind, n)
			checkItems(t, items, kind, n, fmt.Sprintf("Set(expo, %s, %d)", kind, n))
			assert.True(t, subset(prev, items), "Set(expo, %s, %d) after %d: want the items held before kept, got %v then %v", kind, n, len(prev), prev, items)
			assert.ElementsMatch(t, items, ofKind(mustInventory(t, p, "expo"), kind), "Inventory after Set(expo, %s, %d): want the items Set returned", kind, n)
			prev = items
		}
	}
}

func (s suite) testSetDown(t *testing.T, p contactcenter.Provisioner) {
	for _, kind := range contactcenter.Resources() {
		prev := mustSet(t, p, "expo", kind, s.most(6))
		for _, n := range []int{s.most(4), 1} {
			items := mustSet(t, p, "expo", kind, n)
			checkItems(t, items, kind, n, fmt.Sprintf("Set(expo, %s, %d) down from %d", kind, n, len(prev)))
			assert.True(t, subset(items, prev), "Set(expo, %s, %d) down from %d: want items of those held before, got %v then %v", kind, n, len(prev), prev, items)
			assert.ElementsMatch(t, items, ofKind(mustInventory(t, p, "expo"), kind), "Inventory after Set(expo, %s, %d): want the items Set returned", kind, n)
			prev = items
		}
	}
}

func (s suite) testSetZero(t *testing.T, p contactcenter.Provisioner) {
	for _, kind := range contactcenter.Resources() {
		mustSet(t, p, "expo", kind, s.most(3))
		items := mustSet(t, p, "expo", kind, 0)
		assert.Empty(t, items, "Set(expo, %s, 0): want nothing held", kind)
		assert.Empty(t, ofKind(mustInventory(t, p, "expo"), kind), "Inventory after Set(expo, %s, 0): want no item of that kind", kind)
	}
}

func (s suite) testSetZeroOfNothing(t *testing.T, p contactcenter.Provisioner) {
	for _, kind := range contactcenter.Resources() {
		items := mustSet(t, p, "never-provisioned", kind, 0)
		assert.Empty(t, items, "Set(%s, 0) for a service holding nothing: want nothing", kind)
	}
	assert.Empty(t, mustInventory(t, p, "never-provisioned"), "Inventory after releasing nothing: want it empty")
}

func (s suite) testSetIdempotent(t *testing.T, p contactcenter.Provisioner) {
	for _, kind := range contactcenter.Resources() {
		n := s.most(3)
		first := mustSet(t, p, "expo", kind, n)
		for i := range 3 {
			again := mustSet(t, p, "expo", kind, n)
			assert.Equal(t, first, again, "Set(expo, %s, %d) repeated (%d): want the same items", kind, n, i+2)
		}
		assert.Equal(t, first, ofKind(mustInventory(t, p, "expo"), kind), "Inventory after repeated Sets: want the items once")
	}
}

func (s suite) testSetSortedOfKind(t *testing.T, p contactcenter.Provisioner) {
	// Grow, shrink and grow again, so a provider that numbers items
	// cannot come out sorted by accident.
	for _, kind := range contactcenter.Resources() {
		for _, n := range []int{s.most(6), s.most(2), s.most(5), s.most(6)} {
			items := mustSet(t, p, "expo", kind, n)
			checkItems(t, items, kind, n, fmt.Sprintf("Set(expo, %s, %d)", kind, n))
		}
	}
}

func (s suite) testSetIDsUnique(t *testing.T, p contactcenter.Provisioner) {
	for _, kind := range contactcenter.Resources() {
		n := s.most(6)
		items := mustSet(t, p, "expo", kind, n)
		checkItems(t, items, kind, n, fmt.Sprintf("Set(expo, %s, %d)", kind, n))
	}
	inv := mustInventory(t, p, "expo")
	type key struct {
		kind contactcenter.Resource
		id   string
	}
	seen := map[key]bool{}
	for _, it := range inv {
		k := key{it.Kind, it.ID}
		assert.False(t, seen[k], "Inventory: item %v listed twice; want every item once", it)
		seen[k] = true
	}
}

func (s suite) testSetReleasedNotReused(t *testing.T, p contactcenter.Provisioner) {
	// Shrink by one and grow back, then release all and grow back: a
	// provider that hands out the lowest free number gives a released ID
	// back at once, and the agent re-added under it would find the grants
	// of the one released (or their revocation) keyed by it.
	n := s.most(3)
	for _, kind := range contactcenter.Resources() {
		released := map[string]bool{}
		var prev []contactcenter.Item
		for _, m := range []int{n, n - 1, n, 0, n, n - 1, n} {
			items := mustSet(t, p, "expo", kind, m)
			for _, it := range items {
				assert.False(t, released[it.ID], "Set(expo, %s, %d): item ID %q was released by expo before; want a released ID never given to the same service again", kind, m, it.ID)
			}
			for _, it := range prev {
				if !slices.Contains(items, it) {
					released[it.ID] = true
				}
			}
			prev = items
		}
		require.NotEmpty(t, released, "the case released no %s; want it to release some", kind)
	}
}

func (s suite) testSetNegative(t *testing.T, p contactcenter.Provisioner) {
	for _, kind := range contactcenter.Resources() {
		held := mustSet(t, p, "expo", kind, s.most(2))
		items, err := p.Set(t.Context(), "expo", kind, -1)
		assert.ErrorIs(t, err, contactcenter.ErrPermanent, "Set(expo, %s, -1): want an error marked Permanent, which the executor does not retry; got %v", kind, err)
		assert.Empty(t, items, "Set(expo, %s, -1): want no items with the error", kind)
		assert.Equal(t, held, ofKind(mustInventory(t, p, "expo"), kind), "after Set(expo, %s, -1): want what was held before", kind)
	}
	for _, kind := range contactcenter.Resources() {
		_, err := p.Set(t.Context(), "never-provisioned", kind, -1)
		assert.ErrorIs(t, err, contactcenter.ErrPermanent, "Set(never-provisioned, %s, -1): want an error marked Permanent; got %v", kind, err)
	}
	assert.Empty(t, mustInventory(t, p, "never-provisioned"), "after refused Sets of a negative count: want nothing held")
}

// unknownKind is a Resource no Provisioner holds.
const unknownKind contactcenter.Resource = "holograms"

func (s suite) testSetUnknownKind(t *testing.T, p contactcenter.Provisioner) {
	require.NotContains(t, contactcenter.Resources(), unknownKind, "the suite's unknown kind is a known one")
	mustSet(t, p, "expo", contactcenter.Agents, s.most(2))
	before := mustInventory(t, p, "expo")
	for _, n := range []int{1, 0} {
		items, err := p.Set(t.Context(), "expo", unknownKind, n)
		assert.ErrorIs(t, err, contactcenter.ErrPermanent, "Set(expo, %q, %d), a kind not in contactcenter.Resources(): want an error marked Permanent, which the executor does not retry; got %v", unknownKind, n, err)
		assert.Empty(t, items, "Set(expo, %q, %d): want no items with the error", unknownKind, n)
	}
	assert.Equal(t, before, mustInventory(t, p, "expo"), "after Sets of an unknown kind: want the inventory unchanged")
}

func (s suite) testKindsApart(t *testing.T, p contactcenter.Provisioner) {
	held := map[contactcenter.Resource][]contactcenter.Item{}
	for i, kind := range contactcenter.Resources() {
		held[kind] = mustSet(t, p, "expo", kind, s.most(i+1))
	}
	for _, changed := range contactcenter.Resources() {
		held[changed] = mustSet(t, p, "expo", changed, s.most(len(held[changed])+1))
		for _, kind := range contactcenter.Resources() {
			assert.Equal(t, held[kind], ofKind(mustInventory(t, p, "expo"), kind),
				"after Set of %s: want the %s held unchanged", changed, kind)
		}
	}
}

func (s suite) testInventoryEveryKind(t *testing.T, p contactcenter.Provisioner) {
	var want []contactcenter.Item
	// Set in reverse order of Resources, so the inventory's order cannot
	// be the order of the calls.
	kinds := slices.Clone(contactcenter.Resources())
	slices.Reverse(kinds)
	for i, kind := range kinds {
		want = append(want, mustSet(t, p, "expo", kind, s.most(i+2))...)
	}
	got := mustInventory(t, p, "expo")
	assert.ElementsMatch(t, want, got, "Inventory: want every item Set returned, of every kind")
	assert.True(t, slices.IsSortedFunc(got, byKindThenID), "Inventory: want items sorted by kind, in the order of contactcenter.Resources(), then ID; got %v", got)
	for _, kind := range contactcenter.Resources() {
		assert.NotEmpty(t, ofKind(got, kind), "Inventory: want items of kind %s", kind)
	}
}

func (s suite) testInventoryEmptyAfterRelease(t *testing.T, p contactcenter.Provisioner) {
	for _, kind := range contactcenter.Resources() {
		mustSet(t, p, "expo", kind, s.most(3))
	}
	require.NotEmpty(t, mustInventory(t, p, "expo"))
	for _, kind := range contactcenter.Resources() {
		mustSet(t, p, "expo", kind, 0)
	}
	assert.Empty(t, mustInventory(t, p, "expo"), "Inventory after setting every kind to 0: want nothing left")
}

func (s suite) testInventoryUnknown(t *testing.T, p contactcenter.Provisioner) {
	assert.Empty(t, mustInventory(t, p, "never-provisioned"), "Inventory of a service never provisioned: want it empty")
	mustSet(t, p, "expo", contactcenter.Agents, s.most(2))
	assert.Empty(t, mustInventory(t, p, "never-provisioned"), "Inventory of a service never provisioned, beside one that was: want it empty")
}

func (s suite) testInventoryIdempotent(t *testing.T, p contactcenter.Provisioner) {
	for _, kind := range contactcenter.Resources() {
		mustSet(t, p, "expo", kind, s.most(2))
	}
	first := mustInventory(t, p, "expo")
	assert.Equal(t, first, mustInventory(t, p, "expo"), "Inventory twice: want the same items")
}

func (s suite) testServicesIsolated(t *testing.T, p contactcenter.Provisioner) {
	per := 3 // of each kind for each of the two services
	if c := s.h.Capacity; c > 0 {
		per = min(per, c/2)
	}
	gala := map[contactcenter.Resource][]contactcenter.Item{}
	for _, kind := range contactcenter.Resources() {
		gala[kind] = mustSet(t, p, "gala", kind, max(per, 1))
	}
	galaInv := mustInventory(t, p, "gala")
	for _, kind := range contactcenter.Resources() {
		assert.Equal(t, gala[kind], ofKind(galaInv, kind), "gala's inventory: want the %s Set returned", kind)
	}
	assert.Empty(t, mustInventory(t, p, "expo"), "after Sets for gala: want nothing held for expo")
	for _, kind := range contactcenter.Resources() {
		expo := mustSet(t, p, "expo", kind, per)
		for _, it := range expo {
			assert.NotContains(t, gala[kind], it, "Set(expo, %s): want expo's items apart from gala's", kind)
		}
	}
	assert.Equal(t, galaInv, mustInventory(t, p, "gala"), "after Sets for expo: want gala's inventory unchanged")
	for _, kind := range contactcenter.Resources() {
		mustSet(t, p, "expo", kind, 0)
	}
	assert.Empty(t, mustInventory(t, p, "expo"), "after releasing everything of expo: want its inventory empty")
	assert.Equal(t, galaInv, mustInventory(t, p, "gala"), "after releasing everything of expo: want gala's inventory unchanged")
}

func (s suite) testQuotaExceeded(t *testing.T, p contactcenter.Provisioner) {
	s.needCapacity(t)
	c := s.h.Capacity
	for _, kind := range contactcenter.Resources() {
		before := mustSet(t, p, "expo", kind, 1)
		inv := mustInventory(t, p, "expo")
		_, err := p.Set(t.Context(), "expo", kind, c+1)
		assert.ErrorIs(t, err, contactcenter.ErrQuota, "Set(expo, %s, %d) beyond the capacity %d: want ErrQuota", kind, c+1, c)
		assert.Equal(t, inv, mustInventory(t, p, "expo"), "after Set(expo, %s) beyond the capacity: want what was held before", kind)
		full := mustSet(t, p, "expo", kind, c)
		checkItems(t, full, kind, c, fmt.Sprintf("Set(expo, %s, %d) to the capacity", kind, c))
		assert.True(t, subset(before, full), "Set(expo, %s) up to the capacity: want the item held before kept", kind)
		_, err = p.Set(t.Context(), "expo", kind, c+1)
		assert.ErrorIs(t, err, contactcenter.ErrQuota, "Set(expo, %s, %d) at the capacity: want ErrQuota", kind, c+1)
		assert.Equal(t, full, ofKind(mustInventory(t, p, "expo"), kind), "after Set(expo, %s) beyond a full capacity: want what was held before", kind)
	}
}

func (s suite) testQuotaShared(t *testing.T, p contactcenter.Provisioner) {
	s.needCapacity(t)
	c := s.h.Capacity
	for _, kind := range contactcenter.Resources() {
		mustSet(t, p, "expo", kind, c)
		_, err := p.Set(t.Context(), "gala", kind, 1)
		assert.ErrorIs(t, err, contactcenter.ErrQuota, "Set(gala, %s, 1) while expo holds the capacity %d: want ErrQuota", kind, c)
		assert.Empty(t, ofKind(mustInventory(t, p, "gala"), kind), "after a refused Set(gala, %s): want nothing held for gala", kind)
		mustSet(t, p, "expo", kind, c-1)
		items := mustSet(t, p, "gala", kind, 1)
		checkItems(t, items, kind, 1, fmt.Sprintf("Set(gala, %s, 1) after expo released one", kind))
	}
}

func (s suite) testQuotaConcurrent(t *testing.T, p contactcenter.Provisioner) {
	s.needCapacity(t)
	const services = 4
	n := s.h.Capacity/2 + 1 // two services never fit together
	for _, kind := range contactcenter.Resources() {
		var (
			wg             sync.WaitGroup
			mu             sync.Mutex
			winners, quota []string
			unexpected     []error
			start          = make(chan struct{})
		)
		for i := range services {
			wg.Go(func() {
				id := fmt.Sprintf("svc-%s-%d", kind, i)
				<-start
				_, err := p.Set(t.Context(), id, kind, n)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					winners = append(winners, id)
				case errors.Is(err, contactcenter.ErrQuota):
					quota = append(quota, id)
				default:
					unexpected = append(unexpected, err)
				}
			})
		}
		close(start)
		wg.Wait()
		assert.Empty(t, unexpected, "concurrent Sets of %s: want no error but ErrQuota", kind)
		require.Len(t, winners, 1, "%d services each asking %d of %d %s at once: want exactly one to get them", services, n, s.h.Capacity, kind)
		assert.Len(t, quota, services-1, "want every other Set of %s to fail with ErrQuota", kind)
		assert.Len(t, mustInventory(t, p, winners[0]), n, "the winner: want it to hold %d", n)
		for _, id := range quota {
			assert.Empty(t, mustInventory(t, p, id), "%s refused with ErrQuota: want nothing held", id)
		}
		mustSet(t, p, winners[0], kind, 0)
	}
}

func (s suite) testDoneContext(t *testing.T, p contactcenter.Provisioner, done context.Context) {
	want := done.Err()
	require.Error(t, want)
	for _, kind := range contactcenter.Resources() {
		_, err := p.Set(done, "expo", kind, 1)
		assert.ErrorIs(t, err, want, "Set(%s) with a done ctx: want ctx.Err()", kind)
	}
	_, err := p.Inventory(done, "expo")
	assert.ErrorIs(t, err, want, "Inventory with a done ctx: want ctx.Err()")
}

func (s suite) testConcurrentServices(t *testing.T, p contactcenter.Provisioner) {
	writers, per := 6, 3
	if c := s.h.Capacity; c > 0 && c < writers*per {
		per = c / writers
		if per == 0 {
			writers, per = c, 1
		}
	}
	const rounds = 10
	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		unexpected []error
		final      = map[string][]contactcenter.Item{}
	)
	for w := range writers {
		wg.Go(func() {
			id := fmt.Sprint("svc-", w)
			var last []contactcenter.Item
			for r := range rounds {
				for i, kind := range contactcenter.Resources() {
					n := (w + r + i) % (per + 1)
					items, err := p.Set(t.Context(), id, kind, n)
					if err == nil && len(items) != n {
						err = fmt.Errorf("Set(%s, %s, %d) returned %d items", id, kind, n, len(items))
					}
					if err != nil {
						mu.Lock()
						unexpected = append(unexpected, err)
						mu.Unlock()
						return
					}
					if r == rounds-1 {
						last = append(last, items...)
					}
				}
				if _, err := p.Inventory(t.Context(), id); err != nil {
					mu.Lock()
					unexpected = append(unexpected, err)
					mu.Unlock()
					return
				}
			}
			mu.Lock()
			final[id] = last
			mu.Unlock()
		})
	}
	wg.Wait()
	require.Empty(t, unexpected, "concurrent Sets on distinct services within the capacity: want no error")
	for id, items := range final {
		assert.ElementsMatch(t, items, mustInventory(t, p, id), "%s after concurrent Sets: want its inventory to be what its last Sets returned", id)
		for _, kind := range contactcenter.Resources() {
			mustSet(t, p, id, kind, 0)
		}
		assert.Empty(t, mustInventory(t, p, id), "%s released: want nothing left", id)
	}
}

func (s suite) testConcurrentSameService(t *testing.T, p contactcenter.Provisioner) {
	const writers = 6
	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		unexpected []error
		asked      []int
		start      = make(chan struct{})
	)
	for w := range writers {
		n := s.most(w + 1)
		asked = append(asked, n)
		wg.Go(func() {
			<-start
			items, err := p.Set(t.Context(), "expo", contactcenter.Agents, n)
			if err == nil && len(items) != n {
				err = fmt.Errorf("Set(expo, agents, %d) returned %d items", n, len(items))
			}
			if err != nil {
				mu.Lock()
				unexpected = append(unexpected, err)
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	require.Empty(t, unexpected, "concurrent Sets of one service's agents within the capacity: want no error")
	inv := mustInventory(t, p, "expo")
	assert.Contains(t, asked, len(inv), "after concurrent Sets of expo's agents to %v: want it to hold one of those counts", asked)
	checkItems(t, inv, contactcenter.Agents, len(inv), "Inventory after concurrent Sets")
}
