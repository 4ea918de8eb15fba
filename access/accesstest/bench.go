package accesstest

import (
	"context"
	"fmt"
	"testing"

	"github.com/eventcc/eventcc/access"
)

// BenchHarness describes the implementation under benchmark.
type BenchHarness struct {
	// New returns an empty store. Bench calls it once per benchmark, and
	// for RevokeService once per iteration.
	New func(b *testing.B) access.Store
}

// Bench measures the operations the lifecycle relies on, as
// sub-benchmarks:
//
//   - Authorize: one principal holding 10 grants (one per service) among
//     10,000 grants, authorised on the service of its last grant.
//   - RevokeService: revoking a service of 100,000 grants (filling the
//     store is not timed).
//   - Create: storing one more grant.
func Bench(b *testing.B, h BenchHarness) {
	b.Run("Authorize", func(b *testing.B) { benchAuthorize(b, h) })
	b.Run("RevokeService", func(b *testing.B) { benchRevokeService(b, h) })
	b.Run("Create", func(b *testing.B) { benchCreate(b, h) })
}

func benchAuthorize(b *testing.B, h BenchHarness) {
	const principals, perPrincipal = 1000, 10
	ctx := context.Background()
	s := h.New(b)
	for p := range principals {
		for k := range perPrincipal {
			g := grant(fmt.Sprintf("g-%04d-%02d", p, k), fmt.Sprintf("svc-%02d", k), fmt.Sprintf("agent-%04d", p))
			if _, err := s.Create(ctx, g); err != nil {
				b.Fatalf("Create: %v", err)
			}
		}
	}
	who, svc := fmt.Sprintf("agent-%04d", principals/2), fmt.Sprintf("svc-%02d", perPrincipal-1)
	for b.Loop() {
		if err := access.Authorize(ctx, s, revokedAt, who, svc, privTickets); err != nil {
			b.Fatalf("Authorize wants allowed, got %v", err)
		}
	}
}

func benchRevokeService(b *testing.B, h BenchHarness) {
	const grants = 100_000
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s := h.New(b)
		for i := range grants {
			if _, err := s.Create(ctx, grant(fmt.Sprintf("g%06d", i), "svc-1", fmt.Sprintf("agent-%d", i))); err != nil {
				b.Fatalf("Create: %v", err)
			}
		}
		b.StartTimer()
		n, err := s.RevokeService(ctx, "svc-1", revokedAt)
		if err != nil || n != grants {
			b.Fatalf("RevokeService = %d, %v; want %d, nil", n, err, grants)
		}
	}
}

func benchCreate(b *testing.B, h BenchHarness) {
	ctx := context.Background()
	s := h.New(b)
	i := 0
	for b.Loop() {
		if _, err := s.Create(ctx, grant(fmt.Sprintf("g%09d", i), fmt.Sprintf("svc-%d", i%16), fmt.Sprintf("agent-%d", i))); err != nil {
			b.Fatalf("Create: %v", err)
		}
		i++
	}
}
