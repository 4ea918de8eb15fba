package webhook

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMemReplays_MemoryBounded(t *testing.T) {
	at := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	s := NewMemReplays(100)
	for i := range 10_000 {
		now := at.Add(time.Duration(i) * time.Second)
		id := fmt.Sprint("d", i)
		c := ReplayClaim{ID: id, Signed: now, Until: now.Add(time.Minute)}
		require.NoError(t, s.Claim(t.Context(), c, now), "claim %d: entries older than the window must expire", i)
		if i%3 == 0 {
			// Released claims leave heap entries behind, and so do
			// claims released and claimed again.
			require.NoError(t, s.Release(t.Context(), id, now))
			require.NoError(t, s.Claim(t.Context(), c, now))
			require.NoError(t, s.Release(t.Context(), id, now))
		}
		if s.Len() > 100 || len(s.exp) > 2*100+2 {
			t.Fatalf("after %d claims: %d claims, heap %d; want at most the capacity", i+1, s.Len(), len(s.exp))
		}
	}
}

// TestMemReplays_ReleasedEntryDoesNotExpireAReclaim: the heap entry of a
// released claim must not take a later claim of the same delivery with
// it when it expires.
func TestMemReplays_ReleasedEntryDoesNotExpireAReclaim(t *testing.T) {
	at := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	s := NewMemReplays(10)
	ctx := t.Context()
	require.NoError(t, s.Claim(ctx, ReplayClaim{ID: "d1", Signed: at, Until: at.Add(time.Minute)}, at))
	require.NoError(t, s.Release(ctx, "d1", at))
	require.NoError(t, s.Claim(ctx, ReplayClaim{ID: "d1", Signed: at, Until: at.Add(5 * time.Minute)}, at))
	later := at.Add(2 * time.Minute) // past the first entry's Until
	require.ErrorIs(t, s.Claim(ctx, ReplayClaim{ID: "d1", Signed: at, Until: at.Add(5 * time.Minute)}, later), ErrReplayed,
		"want the second claim held until its own Until")
}
