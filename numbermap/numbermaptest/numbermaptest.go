package numbermaptest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/numbermap"
)

// Harness says how to get a Store to test.
type Harness struct {
	// New returns a new, empty Store. Run calls it once per subtest; it may
	// register cleanup with t.Cleanup.
	New func(t *testing.T) numbermap.Store
}

// t0 is the instant the suite's scenarios start from.
var t0 = time.Date(2026, time.June, 1, 9, 0, 0, 0, time.UTC)

// us returns the i-th test number in the US (0 <= i < 100): +1 202 555
// 0100 to 0199, valid numbers the NANP reserves for fiction.
func us(i int) numbermap.Number { return numbermap.MustParse(fmt.Sprintf("+1 202 555 %04d", 100+i)) }

// gb returns the i-th test number in the UK (0 <= i < 1000): +44 20 7946
// 0000 to 0999, valid numbers Ofcom reserves for drama.
func gb(i int) numbermap.Number { return numbermap.MustParse(fmt.Sprintf("+44 20 7946 %04d", i)) }

// office is where the suite's policy forwards calls.
var office = gb(999)

func owned(n numbermap.Number) numbermap.Owned {
	country := "US"
	if n[:3] == "+44" {
		country = "GB"
	}
	return numbermap.Owned{Number: n, Country: country, Provider: "prov-" + string(n)}
}

// pool adds the numbers to s, requiring success.
func pool(t *testing.T, s numbermap.Store, numbers ...numbermap.Number) {
	t.Helper()
	os := make([]numbermap.Owned, len(numbers))
	for i, n := range numbers {
		os[i] = owned(n)
	}
	require.NoError(t, s.Add(context.Background(), os...), "precondition: adding %v to an empty pool", numbers)
}

// policy is the suite's default post-term policy: forward for an hour,
// then age for the minimum.
var policy = numbermap.Policy{
	Kind:      numbermap.Forward,
	ForwardTo: office,
	For:       time.Hour,
	Aging:     numbermap.MinAging,
}

// request asks for count numbers for service, claimed at at, for a term
// of a day, with the suite's policy.
func request(service string, count int, at time.Time) numbermap.ClaimRequest {
	return numbermap.ClaimRequest{
		Lease: numbermap.Lease{
			ServiceID:  service,
			EntryPoint: "main",
			Modality:   "telephony",
			Start:      at,
			Expires:    at.Add(24 * time.Hour),
			Policy:     policy,
		},
		Count: count,
		At:    at,
	}
}

// claim claims, requiring success, and returns the numbers got.
func claim(t *testing.T, s numbermap.Store, req numbermap.ClaimRequest) []numbermap.Number {
	t.Helper()
	recs, err := s.Claim(context.Background(), req)
	require.NoError(t, err, "precondition: claim of %d numbers for %q at %v", req.Count, req.Lease.ServiceID, req.At)
	require.Len(t, recs, req.Count, "precondition: claim returns the %d numbers asked for", req.Count)
	return numbersOf(recs)
}

func numbersOf(recs []numbermap.Record) []numbermap.Number {
	ns := make([]numbermap.Number, len(recs))
	for i, r := range recs {
		ns[i] = r.Number
	}
	return ns
}

func get(t *testing.T, s numbermap.Store, n numbermap.Number) numbermap.Record {
	t.Helper()
	rec, err := s.Get(context.Background(), n)
	require.NoError(t, err, "precondition: Get(%s) of a number in the pool", n)
	return rec
}

func list(t *testing.T, s numbermap.Store, service string) []numbermap.Number {
	t.Helper()
	recs, err := s.ListByService(context.Background(), service)
	require.NoError(t, err, "ListByService(%q)", service)
	return numbersOf(recs)
}

// claimOne asks for one number for service at at.
func claimOne(s numbermap.Store, service string, at time.Time) ([]numbermap.Record, error) {
	return s.Claim(context.Background(), request(service, 1, at))
}

func route(t *testing.T, s numbermap.Store, n numbermap.Number, at time.Time) numbermap.RouteKind {
	t.Helper()
	rt, err := numbermap.Lookup(context.Background(), s, n, at)
	require.NoError(t, err, "Lookup(%s, %v)", n, at)
	return rt.Kind
}

// Run runs the conformance suite against the Stores h makes, each case in
// a named subtest with a fresh Store. Run it with -race: one case claims
// from many goroutines.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.New, "Harness.New is required")
	cases := []struct {
		name string
		fn   func(*testing.T, numbermap.Store)
	}{
		{"Add/StoresUnleasedWithRevision1", testAddStores},
		{"Add/ExistingNumberIsErrExists", testAddExisting},
		{"Add/AllOrNone", testAddAllOrNone},
		{"Add/SameNumberTwiceIsErrExists", testAddTwiceInOneCall},
		{"Add/InvalidNumberIsErrInvalid", testAddInvalid},
		{"Get/UnknownNumberIsErrNotFound", testGetNotFound},
		{"Claim/LeasesCountNumbersSortedByNumber", testClaimCount},
		{"Claim/CountryFilter", testClaimCountry},
		{"Claim/CriteriaRegionTypeCapabilities", testClaimCriteria},
		{"Claim/InsufficientErrorSaysWhy", testClaimInsufficientError},
		{"Claim/KeepsThePreviousLease", testClaimPrevious},
		{"Claim/ErrInsufficientClaimsNothing", testClaimInsufficient},
		{"Claim/InvalidRequestIsErrInvalid", testClaimInvalid},
		{"Claim/NotBeforeAgingEnds", testClaimAging},
		{"Claim/PrefersLongestAvailable", testClaimPrefersLongestAvailable},
		{"Claim/IdempotentForServiceHoldingLeases", testClaimIdempotent},
		{"Claim/ConcurrentClaimsNeverShareANumber", testClaimConcurrent},
		{"ListByService/SortedAndIsolated", testListSortedIsolated},
		{"ListByService/HeldThroughEveryPhaseUntilReleased", testListThroughPhases},
		{"SetExpiry/ExtensionMovesRouting", testSetExpiryExtend},
		{"SetExpiry/ShorteningMovesRoutingAndAvailability", testSetExpiryShorten},
		{"SetExpiry/ServiceWithoutLeases", testSetExpiryNone},
		{"SetExpiry/BeforeStartIsErrInvalid", testSetExpiryInvalid},
		{"Release/AvailableAtOnce", testReleaseAvailable},
		{"Release/Idempotent", testReleaseIdempotent},
		{"Route/PhaseBoundaries", testRouteBoundaries},
		{"Route/UnassignedAndNotFound", testRouteUnassigned},
		{"Route/StaleCallGuard", testRouteStale},
		{"Router/AgreesWithGet", testRouterAgrees},
		{"Revision/IncrementedByEveryChange", testRevision},
		{"Context/CancelledChangesNothing", testCancelled},
		{"Copies/ReturnedRecordsAreTheCallers", testCopiesOut},
		{"Copies/PassedValuesAreTheStores", testCopiesIn},
		{"Concurrency/MixedOperations", testConcurrentMixed},
		{"Property/RandomLeaseSequences", testProperty},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := h.New(t)
			require.NotNil(t, s, "Harness.New returned nil")
			c.fn(t, s)
		})
	}
}

func testAddStores(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1), gb(1))
	for _, n := range []numbermap.Number{us(1), gb(1)} {
		rec := get(t, s, n)
		assert.Equal(t, owned(n), rec.Owned, "Get returns the Owned that was added")
		assert.Nil(t, rec.Lease, "a number just added has no lease")
		assert.True(t, rec.AvailableAt.IsZero(), "a number never leased has a zero AvailableAt")
		assert.Equal(t, int64(1), rec.Revision, "a number just added has Revision 1")
	}
	assert.NoError(t, s.Add(context.Background()), "adding no numbers is not an error")
}

func testAddExisting(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1))
	err := s.Add(context.Background(), numbermap.Owned{Number: us(1), Country: "US", Provider: "other"})
	assert.ErrorIs(t, err, numbermap.ErrExists, "adding a number already in the pool")
	assert.Equal(t, "prov-"+string(us(1)), get(t, s, us(1)).Provider, "the number in the pool is unchanged")
}

func testAddAllOrNone(t *testing.T, s numbermap.Store) {
	pool(t, s, us(2))
	err := s.Add(context.Background(), owned(us(1)), owned(us(2)), owned(us(3)))
	require.ErrorIs(t, err, numbermap.ErrExists, "a batch holding a number already in the pool")
	for _, n := range []numbermap.Number{us(1), us(3)} {
		_, err := s.Get(context.Background(), n)
		assert.ErrorIs(t, err, numbermap.ErrNotFound, "no number of a refused batch is added (%s)", n)
	}
}

func testAddTwiceInOneCall(t *testing.T, s numbermap.Store) {
	err := s.Add(context.Background(), owned(us(1)), owned(us(2)), owned(us(1)))
	require.ErrorIs(t, err, numbermap.ErrExists, "a batch holding one number twice")
	for _, n := range []numbermap.Number{us(1), us(2)} {
		_, err := s.Get(context.Background(), n)
		assert.ErrorIs(t, err, numbermap.ErrNotFound, "no number of a refused batch is added (%s)", n)
	}
}

func testAddInvalid(t *testing.T, s numbermap.Store) {
	for _, bad := range []numbermap.Number{"", "15555550100", "+1 555 555 0100", "+05555550100", "+1555", "+2812345678", "+99912345678"} {
		err := s.Add(context.Background(), owned(us(1)), numbermap.Owned{Number: bad, Country: "US"})
		assert.ErrorIs(t, err, numbermap.ErrInvalid, "adding %q, not a valid E.164 number (Number.Valid)", bad)
	}
	_, err := s.Get(context.Background(), us(1))
	assert.ErrorIs(t, err, numbermap.ErrNotFound, "a batch holding an invalid number adds nothing")
}

func testGetNotFound(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1))
	_, err := s.Get(context.Background(), us(2))
	assert.ErrorIs(t, err, numbermap.ErrNotFound, "Get of a number not in the pool")
}

func testClaimCount(t *testing.T, s numbermap.Store) {
	pool(t, s, us(5), us(3), us(1), us(4), us(2))
	req := request("svc-a", 3, t0)
	recs, err := s.Claim(context.Background(), req)
	require.NoError(t, err, "claim of 3 numbers from a pool of 5")
	require.Len(t, recs, 3, "claim returns exactly Count records")
	assert.True(t, slices.IsSortedFunc(recs, func(a, b numbermap.Record) int { return compare(a.Number, b.Number) }),
		"claimed records are sorted by number, got %v", numbersOf(recs))
	for _, r := range recs {
		require.NotNil(t, r.Lease, "a claimed record has a lease")
		assert.Equal(t, req.Lease, *r.Lease, "a claimed record carries the requested lease")
		assert.Equal(t, owned(r.Number), r.Owned, "a claimed record keeps its Owned")
		stored := get(t, s, r.Number)
		assert.Equal(t, r, stored, "Get returns the record as Claim returned it")
	}
	leased := 0
	for i := 1; i <= 5; i++ {
		if get(t, s, us(i)).Lease != nil {
			leased++
		}
	}
	assert.Equal(t, 3, leased, "exactly Count numbers of the pool are leased")
}

func compare(a, b numbermap.Number) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func testClaimCountry(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1), us(2), gb(1), gb(2), gb(3))
	req := request("svc-uk", 2, t0)
	req.Country = "GB"
	recs, err := s.Claim(context.Background(), req)
	require.NoError(t, err, "claim of 2 GB numbers from a pool with 3")
	for _, r := range recs {
		assert.Equal(t, "GB", r.Country, "a claim with Country GB gets only GB numbers, got %s", r.Number)
	}
	req = request("svc-uk2", 2, t0)
	req.Country = "GB"
	_, err = s.Claim(context.Background(), req)
	assert.ErrorIs(t, err, numbermap.ErrInsufficient, "2 GB numbers wanted, 1 left: US numbers do not count")
	got := claim(t, s, request("svc-any", 3, t0))
	assert.Len(t, got, 3, "a claim without Country takes numbers of any country")
}

func testClaimInsufficient(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1), us(2))
	_, err := s.Claim(context.Background(), request("svc-a", 3, t0))
	require.ErrorIs(t, err, numbermap.ErrInsufficient, "claim of 3 numbers from a pool of 2")
	for _, n := range []numbermap.Number{us(1), us(2)} {
		rec := get(t, s, n)
		assert.Nil(t, rec.Lease, "a refused claim leases nothing (%s)", n)
		assert.Equal(t, int64(1), rec.Revision, "a refused claim changes nothing (%s)", n)
	}
	assert.Empty(t, list(t, s, "svc-a"), "a refused claim leaves the service holding nothing")
	_, err = s.Claim(context.Background(), request("svc-huge", 1<<40, t0))
	require.ErrorIs(t, err, numbermap.ErrInsufficient, "a claim of 2^40 numbers is refused for want of numbers, not by running out of memory")
	assert.Len(t, claim(t, s, request("svc-b", 2, t0)), 2, "after a refused claim the whole pool is still available")
}

func testClaimInvalid(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1), us(2))
	edit := func(f func(*numbermap.ClaimRequest)) numbermap.ClaimRequest {
		req := request("svc-a", 1, t0)
		f(&req)
		return req
	}
	cases := []struct {
		name string
		req  numbermap.ClaimRequest
	}{
		{"zero count", edit(func(r *numbermap.ClaimRequest) { r.Count = 0 })},
		{"negative count", edit(func(r *numbermap.ClaimRequest) { r.Count = -1 })},
		{"no service", edit(func(r *numbermap.ClaimRequest) { r.Lease.ServiceID = "" })},
		{"expires at start", edit(func(r *numbermap.ClaimRequest) { r.Lease.Expires = r.Lease.Start })},
		{"expires before start", edit(func(r *numbermap.ClaimRequest) { r.Lease.Expires = r.Lease.Start.Add(-time.Hour) })},
		{"forward without target", edit(func(r *numbermap.ClaimRequest) { r.Lease.Policy.ForwardTo = "" })},
		{"forward to an invalid number", edit(func(r *numbermap.ClaimRequest) { r.Lease.Policy.ForwardTo = "5550100" })},
		{"announce without announcement", edit(func(r *numbermap.ClaimRequest) {
			r.Lease.Policy = numbermap.Policy{Kind: numbermap.Announce, For: time.Hour}
		})},
		{"negative For", edit(func(r *numbermap.ClaimRequest) { r.Lease.Policy.For = -time.Second })},
		{"negative Aging", edit(func(r *numbermap.ClaimRequest) { r.Lease.Policy.Aging = -time.Second })},
		{"Aging below the minimum", edit(func(r *numbermap.ClaimRequest) { r.Lease.Policy.Aging = numbermap.MinAging - time.Second })},
		{"lease starting before the claim", edit(func(r *numbermap.ClaimRequest) { r.Lease.Start = r.At.Add(-time.Nanosecond) })},
		{"unknown kind", edit(func(r *numbermap.ClaimRequest) { r.Lease.Policy.Kind = "bounce" })},
		{"no kind", edit(func(r *numbermap.ClaimRequest) { r.Lease.Policy.Kind = "" })},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Claim(context.Background(), c.req)
			assert.ErrorIs(t, err, numbermap.ErrInvalid, "claim with %s", c.name)
			for _, n := range []numbermap.Number{us(1), us(2)} {
				assert.Nil(t, get(t, s, n).Lease, "an invalid claim leases nothing (%s)", n)
			}
		})
	}
}

func testClaimAging(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1))
	req := request("svc-old", 1, t0)
	claim(t, s, req)
	expires := req.Lease.Expires
	end := expires.Add(policy.For + policy.Aging)
	for _, c := range []struct {
		phase string
		at    time.Time
	}{
		{"in term", t0.Add(time.Hour)},
		{"at expiry", expires},
		{"under its policy", expires.Add(policy.For / 2)},
		{"when aging starts", expires.Add(policy.For)},
		{"aging", expires.Add(policy.For + policy.Aging/2)},
		{"1ns before aging ends", end.Add(-time.Nanosecond)},
	} {
		_, err := claimOne(s, "svc-new", c.at)
		assert.ErrorIs(t, err, numbermap.ErrInsufficient, "a number %s is not claimable", c.phase)
	}
	assert.Equal(t, []numbermap.Number{us(1)}, list(t, s, "svc-old"), "refused claims leave the lease with its service")
	recs, err := claimOne(s, "svc-new", end)
	require.NoError(t, err, "a number is claimable exactly when its policy period plus aging ends")
	require.Len(t, recs, 1, "claim of 1")
	assert.Equal(t, us(1), recs[0].Number, "the aged number is claimed")
	assert.Equal(t, "svc-new", recs[0].Lease.ServiceID, "the aged number is leased to the new service")
}

func testClaimPrefersLongestAvailable(t *testing.T, s numbermap.Store) {
	// us(5): leased long ago; its aging ends at t0+30m.
	pool(t, s, us(5))
	oldExpires := t0.Add(30*time.Minute - policy.For - policy.Aging)
	old := request("svc-old", 1, oldExpires.Add(-24*time.Hour))
	old.Lease.Expires = oldExpires
	require.Equal(t, []numbermap.Number{us(5)}, claim(t, s, old), "precondition: the old lease")
	// us(1..3): leased at t0 (us(5) is still aging then), released at
	// t0+3h, t0+2h and t0+1h.
	pool(t, s, us(1), us(2), us(3))
	for i, svc := range []string{"svc-1", "svc-2", "svc-3"} {
		got := claim(t, s, request(svc, 1, t0))
		require.Equal(t, []numbermap.Number{us(i + 1)}, got,
			"precondition: among numbers never leased, the lowest is claimed first")
		n, err := s.Release(context.Background(), svc, t0.Add(time.Duration(3-i)*time.Hour))
		require.NoError(t, err, "precondition: release of %s", svc)
		require.Equal(t, 1, n, "precondition: release of %s releases its number", svc)
	}
	// us(4): never leased.
	pool(t, s, us(4))

	at := t0.Add(4 * time.Hour)
	first := claim(t, s, request("svc-new-3", 3, at))
	assert.Equal(t, []numbermap.Number{us(3), us(4), us(5)}, first,
		"a claim of 3 gets the 3 numbers available longest (us(4) never leased, us(5) aged out at t0+30m, us(3) released at t0+1h), sorted by number")
	for _, want := range []struct {
		n   numbermap.Number
		why string
	}{
		{us(2), "released at t0+2h"},
		{us(1), "released at t0+3h"},
	} {
		recs, err := s.Claim(context.Background(), request("svc-new-"+string(want.n), 1, at))
		require.NoError(t, err, "claim of 1 at %v", at)
		require.Len(t, recs, 1, "claim of 1")
		assert.Equal(t, want.n, recs[0].Number, "the number available longest is claimed first: next is %s, %s", want.n, want.why)
	}
}

func testClaimIdempotent(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1), us(2), us(3), us(4))
	req := request("svc-a", 2, t0)
	first, err := s.Claim(context.Background(), req)
	require.NoError(t, err, "precondition: first claim")
	again, err := s.Claim(context.Background(), req)
	require.NoError(t, err, "the same claim again")
	assert.Equal(t, first, again, "a service holding Count leases gets the same records back, unchanged")

	later := request("svc-a", 2, t0.Add(48*time.Hour))
	again, err = s.Claim(context.Background(), later)
	require.NoError(t, err, "the claim again, after the term expired, with another lease")
	assert.Equal(t, first, again, "the held leases come back unchanged, not replaced by the new request's lease")

	_, err = s.Claim(context.Background(), request("svc-a", 3, t0))
	assert.ErrorIs(t, err, numbermap.ErrConflict, "a claim for another count than the service holds")
	assert.Equal(t, numbersOf(first), list(t, s, "svc-a"), "a conflicting claim changes nothing")
	for _, n := range []numbermap.Number{us(3), us(4)} {
		assert.Nil(t, get(t, s, n).Lease, "a conflicting claim leases nothing more (%s)", n)
	}
}

func testClaimConcurrent(t *testing.T, s numbermap.Store) {
	const (
		numbers  = 64
		services = 48
		each     = 2
	)
	ns := make([]numbermap.Number, numbers)
	for i := range ns {
		ns[i] = us(i)
	}
	pool(t, s, ns...)
	var (
		wg   sync.WaitGroup
		recs = make([][]numbermap.Record, services)
		errs = make([]error, services)
	)
	for i := range services {
		wg.Go(func() {
			recs[i], errs[i] = s.Claim(context.Background(), request(fmt.Sprintf("svc-%02d", i), each, t0))
		})
		wg.Go(func() { // readers race the claims
			_, _ = numbermap.Lookup(context.Background(), s, ns[i%numbers], t0)
			_, _ = s.ListByService(context.Background(), fmt.Sprintf("svc-%02d", i))
		})
	}
	wg.Wait()
	owner := map[numbermap.Number]string{}
	won := 0
	for i := range services {
		svc := fmt.Sprintf("svc-%02d", i)
		if errs[i] != nil {
			assert.ErrorIs(t, errs[i], numbermap.ErrInsufficient, "a concurrent claim fails only for want of numbers (%s)", svc)
			assert.Empty(t, list(t, s, svc), "a failed concurrent claim leaves %s holding nothing", svc)
			continue
		}
		won++
		assert.Len(t, recs[i], each, "a concurrent claim gets Count numbers (%s)", svc)
		for _, r := range recs[i] {
			if prev, dup := owner[r.Number]; dup {
				t.Errorf("%s was claimed by both %s and %s: two concurrent claims must never get the same number", r.Number, prev, svc)
			}
			owner[r.Number] = svc
			assert.Equal(t, svc, get(t, s, r.Number).Lease.ServiceID, "the store agrees %s is %s's", r.Number, svc)
		}
		assert.Equal(t, numbersOf(recs[i]), list(t, s, svc), "ListByService(%s) is what its claim returned", svc)
	}
	assert.Equal(t, numbers/each, won, "as many claims succeed as the pool can satisfy")
	assert.Len(t, owner, numbers, "every number is claimed once")
}

func testListSortedIsolated(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1), us(2), us(3), us(4), us(5), us(6))
	a := claim(t, s, request("svc-a", 3, t0))
	b := claim(t, s, request("svc-b", 2, t0))
	assert.Equal(t, a, list(t, s, "svc-a"), "ListByService returns the service's numbers, sorted")
	assert.Equal(t, b, list(t, s, "svc-b"), "ListByService returns only the service's numbers, sorted")
	got, err := s.ListByService(context.Background(), "svc-none")
	assert.NoError(t, err, "ListByService of a service holding nothing is not an error")
	assert.Empty(t, got, "ListByService of a service holding nothing is empty")
	recs, err := s.ListByService(context.Background(), "svc-a")
	require.NoError(t, err, "ListByService")
	for _, r := range recs {
		assert.Equal(t, get(t, s, r.Number), r, "ListByService returns whole records, as Get does")
	}
}

func testListThroughPhases(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1), us(2))
	req := request("svc-a", 2, t0)
	got := claim(t, s, req)
	// The list does not depend on time: a lease stays with its service
	// through term, policy and aging, and after aging until re-leased.
	end := req.Lease.Expires.Add(policy.For + policy.Aging)
	assert.Equal(t, got, list(t, s, "svc-a"), "the numbers stay the service's after its aging ended (%v), until re-leased", end)
	recs, err := s.Claim(context.Background(), request("svc-b", 1, end))
	require.NoError(t, err, "precondition: claim of an aged number")
	require.Len(t, recs, 1, "precondition: claim of 1")
	rest := slices.DeleteFunc(slices.Clone(got), func(n numbermap.Number) bool { return n == recs[0].Number })
	assert.Equal(t, rest, list(t, s, "svc-a"), "a number re-leased to another service leaves the old one's list")
	assert.Equal(t, numbersOf(recs), list(t, s, "svc-b"), "a re-leased number is the new service's")
	_, err = s.Release(context.Background(), "svc-a", end)
	require.NoError(t, err, "release")
	assert.Empty(t, list(t, s, "svc-a"), "released numbers leave the service's list")
}

func testSetExpiryExtend(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1), us(2), us(3))
	req := request("svc-a", 2, t0)
	got := claim(t, s, req)
	other := claim(t, s, request("svc-b", 1, t0))
	expires := req.Lease.Expires
	newExpires := expires.Add(6 * time.Hour)
	n, err := s.SetExpiry(context.Background(), "svc-a", newExpires)
	require.NoError(t, err, "SetExpiry extending the term")
	assert.Equal(t, 2, n, "SetExpiry returns how many leases the service holds")
	for _, num := range got {
		assert.Equal(t, newExpires, get(t, s, num).Lease.Expires, "SetExpiry moves Expires of %s", num)
		assert.Equal(t, numbermap.RouteService, route(t, s, num, expires), "at the old expiry the extended number still reaches its service")
		assert.Equal(t, numbermap.RouteService, route(t, s, num, newExpires.Add(-time.Nanosecond)), "1ns before the new expiry the number reaches its service")
		assert.Equal(t, numbermap.RouteForward, route(t, s, num, newExpires), "from the new expiry instant the number routes per its policy")
	}
	assert.Equal(t, expires, get(t, s, other[0]).Lease.Expires, "SetExpiry leaves other services' leases alone")
	assert.Equal(t, numbermap.RouteForward, route(t, s, other[0], expires), "another service's number still expires at its own expiry")
}

func testSetExpiryShorten(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1))
	req := request("svc-a", 1, t0)
	got := claim(t, s, req)
	newExpires := t0.Add(time.Hour)
	n, err := s.SetExpiry(context.Background(), "svc-a", newExpires)
	require.NoError(t, err, "SetExpiry shortening the term")
	assert.Equal(t, 1, n, "SetExpiry returns how many leases moved")
	assert.Equal(t, numbermap.RouteService, route(t, s, got[0], newExpires.Add(-time.Nanosecond)), "before the new expiry the number reaches its service")
	assert.Equal(t, numbermap.RouteForward, route(t, s, got[0], newExpires), "from the new, earlier expiry the number routes per its policy")
	end := newExpires.Add(policy.For + policy.Aging)
	assert.Equal(t, end, get(t, s, got[0]).AvailableFrom(), "availability follows the new expiry")
	_, err = claimOne(s, "svc-b", end.Add(-time.Nanosecond))
	assert.ErrorIs(t, err, numbermap.ErrInsufficient, "not claimable before the aging from the new expiry ends")
	_, err = claimOne(s, "svc-b", end)
	assert.NoError(t, err, "claimable when the aging from the new expiry ends, before the old one would have")
}

func testSetExpiryNone(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1))
	claim(t, s, request("svc-a", 1, t0))
	n, err := s.SetExpiry(context.Background(), "svc-none", t0.Add(time.Hour))
	assert.NoError(t, err, "SetExpiry of a service without leases is not an error")
	assert.Zero(t, n, "SetExpiry of a service without leases moves nothing")
	assert.Equal(t, t0.Add(24*time.Hour), get(t, s, us(1)).Lease.Expires, "SetExpiry of another service leaves this lease alone")
}

func testSetExpiryInvalid(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1), us(2))
	claim(t, s, request("svc-a", 1, t0))
	claim(t, s, request("svc-b", 1, t0.Add(time.Hour)))
	for _, at := range []time.Time{t0.Add(-time.Nanosecond), t0.Add(-time.Hour)} {
		_, err := s.SetExpiry(context.Background(), "svc-a", at)
		assert.ErrorIs(t, err, numbermap.ErrInvalid, "SetExpiry to %v, before the lease's start %v", at, t0)
	}
	rec := get(t, s, us(1))
	assert.Equal(t, t0.Add(24*time.Hour), rec.Lease.Expires, "a refused SetExpiry moves nothing")
	assert.Equal(t, int64(2), rec.Revision, "a refused SetExpiry changes nothing")

	n, err := s.SetExpiry(context.Background(), "svc-b", t0.Add(time.Hour))
	require.NoError(t, err, "SetExpiry to the lease's start (closing at the instant of the claim)")
	assert.Equal(t, 1, n, "SetExpiry to the lease's start moves the lease")
	assert.Equal(t, numbermap.RouteForward, route(t, s, us(2), t0.Add(time.Hour)), "a term ended at its start routes per its policy from then")
}

func testReleaseAvailable(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1), us(2), us(3))
	got := claim(t, s, request("svc-a", 2, t0))
	other := claim(t, s, request("svc-b", 1, t0))
	at := t0.Add(10 * time.Minute)
	n, err := s.Release(context.Background(), "svc-a", at)
	require.NoError(t, err, "Release")
	assert.Equal(t, 2, n, "Release returns how many leases it ended")
	for _, num := range got {
		rec := get(t, s, num)
		assert.Nil(t, rec.Lease, "a released number has no lease")
		assert.Equal(t, at, rec.AvailableFrom(), "a released number is available from the release instant")
		assert.Equal(t, numbermap.RouteUnassigned, route(t, s, num, at), "a released number is unassigned at once, as if it had never routed")
	}
	assert.Empty(t, list(t, s, "svc-a"), "a service holds nothing after Release")
	assert.Equal(t, other, list(t, s, "svc-b"), "Release leaves other services' leases alone")
	assert.Equal(t, "svc-b", get(t, s, other[0]).Lease.ServiceID, "Release leaves other services' leases alone")
	_, err = claimOne(s, "svc-c", at.Add(-time.Nanosecond))
	assert.ErrorIs(t, err, numbermap.ErrInsufficient, "released numbers are not available before the release instant")
	again := claim(t, s, request("svc-c", 2, at))
	assert.Equal(t, got, again, "released numbers are available from the release instant, with no aging")
}

func testReleaseIdempotent(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1))
	claim(t, s, request("svc-a", 1, t0))
	_, err := s.Release(context.Background(), "svc-a", t0)
	require.NoError(t, err, "precondition: first Release")
	before := get(t, s, us(1))
	n, err := s.Release(context.Background(), "svc-a", t0.Add(time.Hour))
	assert.NoError(t, err, "Release again is not an error")
	assert.Zero(t, n, "Release again releases nothing")
	assert.Equal(t, before, get(t, s, us(1)), "Release again changes nothing")
	n, err = s.Release(context.Background(), "svc-never", t0)
	assert.NoError(t, err, "Release of a service that never held a lease is not an error")
	assert.Zero(t, n, "Release of a service that never held a lease releases nothing")
}

func testRouteBoundaries(t *testing.T, s numbermap.Store) {
	const (
		forTerm = 30 * time.Minute
		aging   = numbermap.MinAging + time.Hour
	)
	kinds := []struct {
		policy numbermap.Policy
		want   numbermap.RouteKind
	}{
		{numbermap.Policy{Kind: numbermap.Forward, ForwardTo: office, For: forTerm, Aging: aging}, numbermap.RouteForward},
		{numbermap.Policy{Kind: numbermap.Announce, Announcement: "This event has ended.", For: forTerm, Aging: aging}, numbermap.RouteAnnounce},
		{numbermap.Policy{Kind: numbermap.Vacant, For: forTerm, Aging: aging}, numbermap.RouteVacant},
		{numbermap.Policy{Kind: numbermap.Park, For: forTerm, Aging: aging}, numbermap.RouteParked},
		{numbermap.Policy{Kind: numbermap.Release, For: forTerm, Aging: aging}, numbermap.RouteVacant},
	}
	for i, k := range kinds {
		t.Run(string(k.policy.Kind), func(t *testing.T) {
			n := us(i)
			pool(t, s, n)
			req := request("svc-"+string(k.policy.Kind), 1, t0)
			req.Lease.Policy = k.policy
			claim(t, s, req)
			exp := req.Lease.Expires
			steps := []struct {
				at   time.Time
				want numbermap.RouteKind
				why  string
			}{
				{t0, numbermap.RouteService, "at the lease's start"},
				{exp.Add(-time.Nanosecond), numbermap.RouteService, "1ns before expiry"},
				{exp, k.want, "exactly at expiry the policy applies"},
				{exp.Add(forTerm - time.Nanosecond), k.want, "1ns before the policy period ends"},
				{exp.Add(forTerm), numbermap.RouteVacant, "exactly when the policy period ends the number ages"},
				{exp.Add(forTerm + aging - time.Nanosecond), numbermap.RouteVacant, "1ns before aging ends"},
				{exp.Add(forTerm + aging), numbermap.RouteUnassigned, "exactly when aging ends the number is unassigned"},
			}
			for _, st := range steps {
				rt, err := numbermap.Lookup(context.Background(), s, n, st.at)
				require.NoError(t, err, "Lookup")
				assert.Equal(t, st.want, rt.Kind, "%s policy, %s (%v)", k.policy.Kind, st.why, st.at)
				assert.Equal(t, n, rt.Number, "the route carries the number")
				assert.Equal(t, req.Lease.ServiceID, rt.ServiceID, "the route carries the lease's service")
				assert.Equal(t, t0, rt.LeaseStart, "the route carries the lease's start")
				switch rt.Kind {
				case numbermap.RouteService:
					assert.Equal(t, "main", rt.EntryPoint, "a service route carries the entry point")
					assert.Equal(t, "telephony", rt.Modality, "a service route carries the modality")
				case numbermap.RouteForward:
					assert.Equal(t, k.policy.ForwardTo, rt.ForwardTo, "a forward route carries its target")
				case numbermap.RouteAnnounce:
					assert.Equal(t, k.policy.Announcement, rt.Announcement, "an announce route carries the announcement")
				}
			}
		})
	}
	t.Run("release with no policy period", func(t *testing.T) {
		n := us(10)
		pool(t, s, n)
		req := request("svc-release0", 1, t0)
		req.Lease.Policy = numbermap.Policy{Kind: numbermap.Release, Aging: aging}
		claim(t, s, req)
		exp := req.Lease.Expires
		assert.Equal(t, numbermap.RouteService, route(t, s, n, exp.Add(-time.Nanosecond)), "1ns before expiry")
		assert.Equal(t, numbermap.RouteVacant, route(t, s, n, exp), "a release policy ages the number from expiry")
		assert.Equal(t, numbermap.RouteUnassigned, route(t, s, n, exp.Add(aging)), "then it is unassigned")
	})
	t.Run("zero aging is the default", func(t *testing.T) {
		n := us(11)
		pool(t, s, n)
		req := request("svc-default-aging", 1, t0)
		req.Lease.Policy = numbermap.Policy{Kind: numbermap.Vacant, For: forTerm}
		claim(t, s, req)
		end := req.Lease.Expires.Add(forTerm + numbermap.DefaultAging)
		assert.Equal(t, numbermap.RouteVacant, route(t, s, n, end.Add(-time.Nanosecond)), "a policy with Aging 0 ages the number DefaultAging")
		assert.Equal(t, numbermap.RouteUnassigned, route(t, s, n, end), "then it is unassigned")
		assert.Equal(t, end, get(t, s, n).AvailableFrom(), "and available")
	})
}

func testRouteUnassigned(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1))
	rt, err := numbermap.Lookup(context.Background(), s, us(1), t0)
	require.NoError(t, err, "Lookup of a number never leased")
	assert.Equal(t, numbermap.Route{Kind: numbermap.RouteUnassigned, Number: us(1)}, rt, "a number never leased is unassigned")
	_, err = numbermap.Lookup(context.Background(), s, us(2), t0)
	assert.ErrorIs(t, err, numbermap.ErrNotFound, "Lookup of a number not in the pool")
}

func testRevision(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1))
	rev := func() int64 { t.Helper(); return get(t, s, us(1)).Revision }
	require.Equal(t, int64(1), rev(), "precondition: Revision 1 after Add")
	claim(t, s, request("svc-a", 1, t0))
	assert.Equal(t, int64(2), rev(), "Claim increments the revision")
	_, err := s.SetExpiry(context.Background(), "svc-a", t0.Add(time.Hour))
	require.NoError(t, err, "SetExpiry")
	assert.Equal(t, int64(3), rev(), "SetExpiry increments the revision")
	_, err = s.Release(context.Background(), "svc-a", t0.Add(time.Hour))
	require.NoError(t, err, "Release")
	assert.Equal(t, int64(4), rev(), "Release increments the revision")
}

// state is what the suite can observe of a store.
type state struct {
	records map[numbermap.Number]numbermap.Record
	lists   map[string][]numbermap.Number
}

func observe(t *testing.T, s numbermap.Store, numbers []numbermap.Number, services []string) state {
	t.Helper()
	st := state{records: map[numbermap.Number]numbermap.Record{}, lists: map[string][]numbermap.Number{}}
	for _, n := range numbers {
		rec, err := s.Get(context.Background(), n)
		if errors.Is(err, numbermap.ErrNotFound) {
			continue
		}
		require.NoError(t, err, "Get(%s)", n)
		if rec.Lease != nil { // keep what the store said, whatever is done to rec
			l := *rec.Lease
			rec.Lease = &l
		}
		st.records[n] = rec
	}
	for _, svc := range services {
		st.lists[svc] = list(t, s, svc)
	}
	return st
}

func testCancelled(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1), us(2), us(3))
	claim(t, s, request("svc-a", 1, t0))
	numbers := []numbermap.Number{us(1), us(2), us(3), us(4)}
	services := []string{"svc-a", "svc-b"}
	before := observe(t, s, numbers, services)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := []struct {
		name string
		call func() error
	}{
		{"Add", func() error { return s.Add(ctx, owned(us(4))) }},
		{"Claim", func() error { _, err := s.Claim(ctx, request("svc-b", 1, t0)); return err }},
		{"Get", func() error { _, err := s.Get(ctx, us(1)); return err }},
		{"ListByService", func() error { _, err := s.ListByService(ctx, "svc-a"); return err }},
		{"SetExpiry", func() error { _, err := s.SetExpiry(ctx, "svc-a", t0.Add(time.Hour)); return err }},
		{"Release", func() error { _, err := s.Release(ctx, "svc-a", t0); return err }},
		{"Lookup", func() error { _, err := numbermap.Lookup(ctx, s, us(1), t0); return err }},
	}
	for _, c := range calls {
		assert.ErrorIs(t, c.call(), context.Canceled, "%s with a cancelled ctx returns ctx.Err()", c.name)
	}
	assert.Equal(t, before, observe(t, s, numbers, services), "calls with a cancelled ctx change nothing")
}

func testCopiesOut(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1), us(2))
	recs, err := s.Claim(context.Background(), request("svc-a", 2, t0))
	require.NoError(t, err, "precondition: claim")
	want := observe(t, s, []numbermap.Number{us(1), us(2)}, []string{"svc-a"})
	scribble := func(rs ...numbermap.Record) {
		for i := range rs {
			rs[i].Lease.ServiceID = "scribbled"
			rs[i].Lease.Expires = time.Time{}
			rs[i].Lease.Policy.Kind = numbermap.Vacant
			rs[i].Country = "ZZ"
		}
	}
	scribble(recs...)
	rec := get(t, s, us(1))
	scribble(rec)
	listed, err := s.ListByService(context.Background(), "svc-a")
	require.NoError(t, err, "ListByService")
	scribble(listed...)
	again, err := s.Claim(context.Background(), request("svc-a", 2, t0))
	require.NoError(t, err, "idempotent claim")
	scribble(again...)
	assert.Equal(t, want, observe(t, s, []numbermap.Number{us(1), us(2)}, []string{"svc-a"}),
		"changing records (and their leases) returned by Claim, Get and ListByService does not change the store")
}

func testCopiesIn(t *testing.T, s numbermap.Store) {
	os := []numbermap.Owned{owned(us(1)), owned(us(2))}
	require.NoError(t, s.Add(context.Background(), os...), "precondition: Add")
	os[0].Provider = "scribbled"
	os[1].Number = us(9)
	assert.Equal(t, owned(us(1)), get(t, s, us(1)).Owned, "changing the slice given to Add does not change the store")
	assert.Equal(t, owned(us(2)), get(t, s, us(2)).Owned, "changing the slice given to Add does not change the store")
	req := request("svc-a", 1, t0)
	recs, err := s.Claim(context.Background(), req)
	require.NoError(t, err, "precondition: claim")
	req.Lease.ServiceID = "scribbled"
	assert.Equal(t, recs[0], get(t, s, recs[0].Number), "changing the request after Claim does not change the store")
}

func testConcurrentMixed(t *testing.T, s numbermap.Store) {
	const services = 16
	ns := make([]numbermap.Number, 4*services)
	for i := range ns {
		ns[i] = us(i)
	}
	pool(t, s, ns...)
	var wg sync.WaitGroup
	errs := make([]error, services)
	for i := range services {
		svc := fmt.Sprintf("svc-%02d", i)
		wg.Go(func() {
			errs[i] = func() error {
				ctx := context.Background()
				for range 2 { // the second claim is idempotent
					if _, err := s.Claim(ctx, request(svc, 2, t0)); err != nil {
						return fmt.Errorf("claim: %w", err)
					}
				}
				if _, err := s.SetExpiry(ctx, svc, t0.Add(time.Hour)); err != nil {
					return fmt.Errorf("set expiry: %w", err)
				}
				if _, err := s.ListByService(ctx, svc); err != nil {
					return fmt.Errorf("list: %w", err)
				}
				for _, n := range ns[:8] {
					if _, err := numbermap.Lookup(ctx, s, n, t0); err != nil {
						return fmt.Errorf("lookup: %w", err)
					}
				}
				if i%2 == 0 {
					if _, err := s.Release(ctx, svc, t0); err != nil {
						return fmt.Errorf("release: %w", err)
					}
				}
				return nil
			}()
		})
	}
	wg.Wait()
	held := map[numbermap.Number]string{}
	for i := range services {
		svc := fmt.Sprintf("svc-%02d", i)
		assert.NoError(t, errs[i], "concurrent operations of %s", svc)
		got := list(t, s, svc)
		if i%2 == 0 {
			assert.Empty(t, got, "%s released its numbers", svc)
			continue
		}
		assert.Len(t, got, 2, "%s holds the 2 numbers it claimed", svc)
		for _, n := range got {
			if prev, dup := held[n]; dup {
				t.Errorf("%s is held by both %s and %s", n, prev, svc)
			}
			held[n] = svc
			assert.Equal(t, t0.Add(time.Hour), get(t, s, n).Lease.Expires, "%s's expiry moved", svc)
		}
	}
}
