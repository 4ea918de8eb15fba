package numbermaptest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/eventcc/eventcc/numbermap"
)

// RunBenchmarks measures a Store: [numbermap.LookupTo] (through the
// Store's [numbermap.Router] if it has one) on pools of 1,000 and 100,000
// numbers, half of them leased, from one goroutine and from all, and
// [numbermap.Lookup] on 100,000; and Claim (with Release, to keep the pool
// steady) on pools of 1,000 and 100,000 numbers. newStore returns a new,
// empty Store for each benchmark.
func RunBenchmarks(b *testing.B, newStore func(b *testing.B) numbermap.Store) {
	for _, size := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("LookupTo/pool=%d", size), func(b *testing.B) {
			s, ns, ats := lookupPool(b, newStore(b), size)
			ctx := context.Background()
			var rt numbermap.Route
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := numbermap.LookupTo(ctx, s, ns[i%size], ats[i%len(ats)], &rt); err != nil {
					b.Fatalf("LookupTo: %v", err)
				}
				i++
			}
		})
	}
	b.Run("Lookup/pool=100000", func(b *testing.B) {
		const size = 100_000
		s, ns, ats := lookupPool(b, newStore(b), size)
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
	b.Run("LookupToParallel/pool=100000", func(b *testing.B) {
		const size = 100_000
		s, ns, ats := lookupPool(b, newStore(b), size)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var rt numbermap.Route
			i := 0
			for pb.Next() {
				if err := numbermap.LookupTo(ctx, s, ns[i%size], ats[i%len(ats)], &rt); err != nil {
					b.Errorf("Lookup: %v", err)
					return
				}
				i += 7 // goroutines start together: spread them over the pool
			}
		})
	})
	for _, size := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("Claim/pool=%d", size), func(b *testing.B) {
			s := newStore(b)
			BenchPool(b, s, size)
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

// lookupPool fills s with size numbers, leases half of them to 10
// services, and returns the numbers and instants in every phase of the
// leases: term, policy, aging, after.
func lookupPool(b *testing.B, s numbermap.Store, size int) (numbermap.Store, []numbermap.Number, []time.Time) {
	b.Helper()
	const services = 10
	ns := BenchPool(b, s, size)
	for i := range services {
		if _, err := s.Claim(context.Background(), request(fmt.Sprintf("svc-%d", i), size/2/services, t0)); err != nil {
			b.Fatalf("claim: %v", err)
		}
	}
	ats := []time.Time{t0.Add(time.Hour), t0.Add(24*time.Hour + policy.For/2), t0.Add(26 * time.Hour), t0.Add(24*time.Hour + policy.For + policy.Aging)}
	return s, ns, ats
}

// BenchPool adds size US numbers to s, in batches of 10,000, each with a
// 34-character carrier reference, and returns them. The numbers are
// valid E.164 numbers ([numbermap.Number.Valid]) but not all in the
// numbering plan, which a Store does not consult.
func BenchPool(b testing.TB, s numbermap.Store, size int) []numbermap.Number {
	b.Helper()
	ns := make([]numbermap.Number, size)
	for i := range ns {
		ns[i] = numbermap.Number(fmt.Sprintf("+1%03d555%04d", 200+i/10_000, i%10_000))
	}
	const batch = 10_000
	os := make([]numbermap.Owned, 0, batch)
	for i := 0; i < size; i += batch {
		os = os[:0]
		for _, n := range ns[i:min(i+batch, size)] {
			os = append(os, numbermap.Owned{Number: n, Country: "US", Type: numbermap.TypeLocal,
				Capabilities: numbermap.Voice | numbermap.SMS, Provider: fmt.Sprintf("PN%032x", len(os)+i)})
		}
		if err := s.Add(context.Background(), os...); err != nil {
			b.Fatalf("Add: %v", err)
		}
	}
	return ns
}
