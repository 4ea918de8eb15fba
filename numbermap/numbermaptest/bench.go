package numbermaptest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/eventcc/eventcc/numbermap"
)

// RunBenchmarks measures a Store: Lookup on a pool of 100,000 numbers,
// half of them leased, and Claim (with Release, to keep the pool steady)
// on pools of 1,000 and 100,000 numbers. newStore returns a new, empty
// Store for each benchmark.
func RunBenchmarks(b *testing.B, newStore func(b *testing.B) numbermap.Store) {
	b.Run("Lookup/pool=100000", func(b *testing.B) {
		const (
			size     = 100_000
			services = 10
		)
		s := newStore(b)
		ns := benchPool(b, s, size)
		for i := range services {
			if _, err := s.Claim(context.Background(), request(fmt.Sprintf("svc-%d", i), size/2/services, t0)); err != nil {
				b.Fatalf("claim: %v", err)
			}
		}
		// Instants in every phase of the leases: term, policy, aging, after.
		ats := []time.Time{t0.Add(time.Hour), t0.Add(24 * time.Hour), t0.Add(26 * time.Hour), t0.Add(30 * time.Hour)}
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := numbermap.Lookup(ctx, s, ns[i%size], ats[i%len(ats)]); err != nil {
				b.Fatalf("Lookup: %v", err)
			}
			i++
		}
	})
	for _, size := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("Claim/pool=%d", size), func(b *testing.B) {
			s := newStore(b)
			benchPool(b, s, size)
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				svc := fmt.Sprintf("svc-%d", i)
				if _, err := s.Claim(ctx, request(svc, 1, t0)); err != nil {
					b.Fatalf("Claim: %v", err)
				}
				if _, err := s.Release(ctx, svc, t0); err != nil {
					b.Fatalf("Release: %v", err)
				}
				i++
			}
		})
	}
}

// benchPool adds size US numbers to s and returns them.
func benchPool(b *testing.B, s numbermap.Store, size int) []numbermap.Number {
	b.Helper()
	ns := make([]numbermap.Number, size)
	os := make([]numbermap.Owned, size)
	for i := range ns {
		ns[i] = numbermap.Number(fmt.Sprintf("+1555%07d", i))
		os[i] = numbermap.Owned{Number: ns[i], Country: "US"}
	}
	if err := s.Add(context.Background(), os...); err != nil {
		b.Fatalf("Add: %v", err)
	}
	return ns
}
