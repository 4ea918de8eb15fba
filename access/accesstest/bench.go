package accesstest

import (
	"context"
	"fmt"
	"testing"
	"time"

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
//     10,000 grants, authorised on the service of its last grant, through
//     the store's Decider if it has one.
//   - AuthorizeViaList: the same through ListByPrincipal.
//   - AuthorizeDenied: the same principal asking for a privilege it lacks.
//   - AuthorizeParallel: Authorize from GOMAXPROCS goroutines at once.
//   - RevokeService: revoking a service of 100,000 grants (filling the
//     store before each iteration is not timed, but takes a while: run
//     with -benchtime=10x).
//   - Create: storing one more grant.
func Bench(b *testing.B, h BenchHarness) {
	b.Run("Authorize", func(b *testing.B) { benchAuthorize(b, h, nil, privTickets, true) })
	b.Run("AuthorizeViaList", func(b *testing.B) { benchAuthorize(b, h, listOnly, privTickets, true) })
	b.Run("AuthorizeDenied", func(b *testing.B) { benchAuthorize(b, h, nil, privMonitor, false) })
	b.Run("AuthorizeParallel", func(b *testing.B) { benchAuthorizeParallel(b, h) })
	b.Run("RevokeService", func(b *testing.B) { benchRevokeService(b, h) })
	b.Run("Create", func(b *testing.B) { benchCreate(b, h) })
}

// benchPrincipals and benchServices shape the Authorize benchmarks'
// store: every principal holds one grant on each service.
const benchPrincipals, benchServices = 1000, 10

// FillForBench stores the grants the Authorize benchmarks use: each of
// 1,000 principals ("agent-0000" to "agent-0999") holds one grant on each
// of 10 services ("svc-00" to "svc-09"), with privileges
// "engagement.handle" and "queue.tickets", valid from 2030-05-01T08:00Z to
// 2030-05-03T20:00Z. It returns a principal and a service to authorise
// and an instant inside the window.
func FillForBench(b *testing.B, s access.Store) (principal, service string, now time.Time) {
	ctx := context.Background()
	for p := range benchPrincipals {
		for k := range benchServices {
			g := grant(fmt.Sprintf("g-%04d-%02d", p, k), fmt.Sprintf("svc-%02d", k), fmt.Sprintf("agent-%04d", p))
			if _, err := s.Create(ctx, g); err != nil {
				b.Fatalf("Create: %v", err)
			}
		}
	}
	return fmt.Sprintf("agent-%04d", benchPrincipals/2), fmt.Sprintf("svc-%02d", benchServices-1), revokedAt
}

func benchAuthorize(b *testing.B, h BenchHarness, wrap func(access.Store) access.Store, p access.Privilege, allowed bool) {
	ctx := context.Background()
	s := h.New(b)
	who, svc, now := FillForBench(b, s)
	if wrap != nil {
		s = wrap(s)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := access.Authorize(ctx, s, now, who, svc, p); (err == nil) != allowed {
			b.Fatalf("Authorize wants allowed=%v, got %v", allowed, err)
		}
	}
}

func benchAuthorizeParallel(b *testing.B, h BenchHarness) {
	ctx := context.Background()
	s := h.New(b)
	_, svc, now := FillForBench(b, s)
	names := make([]string, benchPrincipals)
	for i := range names {
		names[i] = fmt.Sprintf("agent-%04d", i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := access.Authorize(ctx, s, now, names[i%benchPrincipals], svc, privTickets); err != nil {
				b.Errorf("Authorize wants allowed, got %v", err)
				return
			}
			i++
		}
	})
}

// RevokeServiceGrants is how many grants the RevokeService benchmark
// revokes in one call.
const RevokeServiceGrants = 100_000

// ServiceGrantsForBench returns RevokeServiceGrants valid grants of one
// service "svc-1", each of its own principal, for benchmarks that refill a
// store every iteration.
func ServiceGrantsForBench() []access.Grant {
	gs := make([]access.Grant, RevokeServiceGrants)
	for i := range gs {
		gs[i] = grant(fmt.Sprintf("svc-1/agent-%06d", i), "svc-1", fmt.Sprintf("agent-%06d", i))
	}
	return gs
}

// benchRevokeService refills a store with a service of 100,000 grants
// before every iteration, untimed: run it with a small -benchtime such as
// 10x, or it spends minutes filling.
func benchRevokeService(b *testing.B, h BenchHarness) {
	ctx := context.Background()
	gs := ServiceGrantsForBench()
	for b.Loop() {
		b.StopTimer()
		s := h.New(b)
		for _, g := range gs {
			if _, err := s.Create(ctx, g); err != nil {
				b.Fatalf("Create: %v", err)
			}
		}
		b.StartTimer()
		n, err := s.RevokeService(ctx, "svc-1", revokedAt)
		if err != nil || n != len(gs) {
			b.Fatalf("RevokeService = %d, %v; want %d, nil", n, err, len(gs))
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
