package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
)

// leaseCases check the optional contactcenter.Leaser capability; Run skips
// them, with a message, for stores that do not implement it.
var leaseCases = []capabilityCase[contactcenter.Leaser]{
	{"Leaser/ClaimsFreeServicesWithRevisions", testLeaseClaims},
	{"Leaser/ExclusiveUntilExpiry", testLeaseExclusive},
	{"Leaser/RenewalKeepsIt", testLeaseRenewal},
	{"Leaser/FinalServicesNotHeld", testLeaseFinal},
	{"Leaser/ReleaseFreesAtOnce", testLeaseRelease},
	{"Leaser/CancelledContext", testLeaseCancelled},
	{"Leaser/ConcurrentOwnersNeverShare", testLeaseConcurrent},
	{"Leaser/LiveOwnersSplitFreeServices", testLeaseShares},
}

var leaseT0 = time.Date(2031, 3, 1, 12, 0, 0, 0, time.UTC)

func heldIDs(hs []contactcenter.Held) []string {
	ids := make([]string, len(hs))
	for i, h := range hs {
		ids[i] = h.ServiceID
	}
	return ids
}

func testLeaseClaims(t *testing.T, st contactcenter.Store, l contactcenter.Leaser) {
	a := mustCreate(t, st, service("lease-b", contactcenter.Active))
	mustCreate(t, st, service("lease-a", contactcenter.Scheduled))
	held, err := l.Acquire(t.Context(), "one", leaseT0, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, []string{"lease-a", "lease-b"}, heldIDs(held), "want every free service not final, sorted by ID")
	for _, h := range held {
		if h.ServiceID == a.ID {
			assert.Equal(t, a.Revision, h.Revision, "want the stored revision")
		}
	}
}

func testLeaseExclusive(t *testing.T, st contactcenter.Store, l contactcenter.Leaser) {
	mustCreate(t, st, service("lease-x", contactcenter.Active))
	_, err := l.Acquire(t.Context(), "one", leaseT0, time.Minute)
	require.NoError(t, err)
	held, err := l.Acquire(t.Context(), "two", leaseT0.Add(time.Minute-time.Nanosecond), time.Minute)
	require.NoError(t, err)
	assert.Empty(t, held, "want no claim on a lease still valid for another owner")
	held, err = l.Acquire(t.Context(), "two", leaseT0.Add(time.Minute), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, []string{"lease-x"}, heldIDs(held), "want the service claimable once the lease expired")
	held, err = l.Acquire(t.Context(), "one", leaseT0.Add(time.Minute), time.Minute)
	require.NoError(t, err)
	assert.Empty(t, held, "want the former owner to have lost it")
}

func testLeaseRenewal(t *testing.T, st contactcenter.Store, l contactcenter.Leaser) {
	mustCreate(t, st, service("lease-r", contactcenter.Active))
	for i := 0; i < 5; i++ {
		held, err := l.Acquire(t.Context(), "one", leaseT0.Add(time.Duration(i)*30*time.Second), time.Minute)
		require.NoError(t, err)
		require.Equal(t, []string{"lease-r"}, heldIDs(held), "want the owner to keep renewing it")
		other, err := l.Acquire(t.Context(), "two", leaseT0.Add(time.Duration(i)*30*time.Second+45*time.Second), time.Minute)
		require.NoError(t, err)
		assert.Empty(t, other, "want a renewed lease not claimable by another owner")
	}
}

func testLeaseFinal(t *testing.T, st contactcenter.Store, l contactcenter.Leaser) {
	s := mustCreate(t, st, service("lease-f", contactcenter.Terminating))
	held, err := l.Acquire(t.Context(), "one", leaseT0, time.Minute)
	require.NoError(t, err)
	require.Equal(t, []string{"lease-f"}, heldIDs(held))
	s.State = contactcenter.Terminated
	_, err = st.Update(t.Context(), s)
	require.NoError(t, err)
	held, err = l.Acquire(t.Context(), "one", leaseT0.Add(time.Second), time.Minute)
	require.NoError(t, err)
	assert.Empty(t, held, "want a final service no longer held")
	mustCreate(t, st, service("lease-g", contactcenter.Failed))
	held, err = l.Acquire(t.Context(), "two", leaseT0.Add(time.Second), time.Minute)
	require.NoError(t, err)
	assert.Empty(t, held, "want final services never claimed")
}

func testLeaseRelease(t *testing.T, st contactcenter.Store, l contactcenter.Leaser) {
	mustCreate(t, st, service("lease-1", contactcenter.Active))
	mustCreate(t, st, service("lease-2", contactcenter.Active))
	_, err := l.Acquire(t.Context(), "one", leaseT0, time.Hour)
	require.NoError(t, err)
	require.NoError(t, l.Release(t.Context(), "one", "lease-1"))
	require.NoError(t, l.Release(t.Context(), "two", "lease-2"), "want releasing a lease one does not hold not an error")
	held, err := l.Acquire(t.Context(), "two", leaseT0, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, []string{"lease-1"}, heldIDs(held), "want a released lease claimable at once, the other still held")
	require.NoError(t, l.Release(t.Context(), "one"))
	held, err = l.Acquire(t.Context(), "three", leaseT0, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, []string{"lease-2"}, heldIDs(held), "want Release without ids to free every lease of the owner")
}

func testLeaseCancelled(t *testing.T, st contactcenter.Store, l contactcenter.Leaser) {
	mustCreate(t, st, service("lease-c", contactcenter.Active))
	_, err := l.Acquire(cancelled(t), "one", leaseT0, time.Minute)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, l.Release(cancelled(t), "one"), context.Canceled)
	held, err := l.Acquire(t.Context(), "two", leaseT0, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, []string{"lease-c"}, heldIDs(held), "want a cancelled Acquire to have claimed nothing")
}

func testLeaseConcurrent(t *testing.T, st contactcenter.Store, l contactcenter.Leaser) {
	for i := 0; i < 20; i++ {
		mustCreate(t, st, service(fmt.Sprintf("lease-%02d", i), contactcenter.Active))
	}
	const owners = 8
	got := make([][]contactcenter.Held, owners)
	var wg sync.WaitGroup
	for o := 0; o < owners; o++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			held, err := l.Acquire(context.Background(), fmt.Sprint("owner-", o), leaseT0, time.Minute)
			assert.NoError(t, err)
			got[o] = held
		}()
	}
	wg.Wait()
	owner := map[string]int{}
	for o, hs := range got {
		for _, h := range hs {
			prev, dup := owner[h.ServiceID]
			assert.False(t, dup, "service %s held by owners %d and %d at once", h.ServiceID, prev, o)
			owner[h.ServiceID] = o
		}
	}
	// Owners that start at once may each claim what they took for their
	// share; a second round, with every owner live, leaves nothing free.
	for o := 0; o < owners; o++ {
		held, err := l.Acquire(context.Background(), fmt.Sprint("owner-", o), leaseT0, time.Minute)
		require.NoError(t, err)
		for _, h := range held {
			if prev, ok := owner[h.ServiceID]; ok && prev != o {
				assert.Fail(t, "lease moved", "service %s held by owner %d, then by owner %d while valid", h.ServiceID, prev, o)
			}
			owner[h.ServiceID] = o
		}
	}
	assert.Len(t, owner, 20, "want every service held by some owner")
}

// testLeaseShares: live owners split the free services; nobody's valid
// lease moves; a survivor takes over what a dead owner held.
func testLeaseShares(t *testing.T, st contactcenter.Store, l contactcenter.Leaser) {
	ctx := t.Context()
	for _, o := range []string{"one", "two"} { // both live, holding nothing
		held, err := l.Acquire(ctx, o, leaseT0, time.Minute)
		require.NoError(t, err)
		require.Empty(t, held)
	}
	for i := range 10 {
		mustCreate(t, st, service(fmt.Sprintf("share-%02d", i), contactcenter.Scheduled))
	}
	at := leaseT0.Add(10 * time.Second)
	one, err := l.Acquire(ctx, "one", at, time.Minute)
	require.NoError(t, err)
	assert.Len(t, one, 5, "with two live owners and 10 free services: want owner one to claim its half")
	two, err := l.Acquire(ctx, "two", at, time.Minute)
	require.NoError(t, err)
	assert.Len(t, two, 5, "want owner two to claim the other half")
	assert.Empty(t, intersect(heldIDs(one), heldIDs(two)), "want no service held by both")
	again, err := l.Acquire(ctx, "one", at.Add(time.Second), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, heldIDs(one), heldIDs(again), "with nothing free: want owner one to keep what it holds, no more")

	// Owner two stops renewing; once its leases and its liveness expire,
	// owner one, alone, takes everything.
	late := at.Add(time.Minute)
	all, err := l.Acquire(ctx, "one", late, time.Minute)
	require.NoError(t, err)
	assert.Len(t, all, 10, "after owner two expired: want the survivor to hold every service")
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
			}
		}
	}
	return out
}
