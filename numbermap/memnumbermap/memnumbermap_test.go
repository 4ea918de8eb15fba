package memnumbermap_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
	"github.com/eventcc/eventcc/numbermap/numbermaptest"
)

func TestConformance(t *testing.T) {
	numbermaptest.Run(t, numbermaptest.Harness{
		New: func(*testing.T) numbermap.Store { return memnumbermap.New() },
	})
}

var t0 = time.Date(2026, time.June, 1, 9, 0, 0, 0, time.UTC)

func request(service string, count int, at time.Time) numbermap.ClaimRequest {
	return numbermap.ClaimRequest{
		Lease: numbermap.Lease{ServiceID: service, EntryPoint: "main", Modality: "telephony", Start: at, Expires: at.Add(24 * time.Hour),
			Policy: numbermap.Policy{Kind: numbermap.Vacant, For: time.Hour}},
		Count: count,
		At:    at,
	}
}

// TestGrowthKeepsEveryNumber adds numbers one at a time, so the index is
// rebuilt many times, while readers route, and checks that every number
// is found, during and after.
func TestGrowthKeepsEveryNumber(t *testing.T) {
	const size = 5_000
	ctx := context.Background()
	s := memnumbermap.New()
	ns := make([]numbermap.Number, size)
	for i := range ns {
		ns[i] = numbermap.Number(fmt.Sprintf("+1202%07d", i))
	}
	var (
		wg      sync.WaitGroup
		added   = make(chan int, size)
		missing = make(chan numbermap.Number, size)
	)
	wg.Go(func() { // a reader routes each number as soon as it is added
		for i := range added {
			var rt numbermap.Route
			if err := s.Route(ctx, ns[i], t0, &rt); err != nil || rt.Number != ns[i] {
				missing <- ns[i]
			}
		}
	})
	for i, n := range ns {
		require.NoError(t, s.Add(ctx, numbermap.Owned{Number: n}), "Add(%s)", n)
		added <- i
	}
	close(added)
	wg.Wait()
	close(missing)
	var lost []numbermap.Number
	for n := range missing {
		lost = append(lost, n)
	}
	assert.Empty(t, lost, "every number added is routable as soon as Add returns, while the index grows")
	for _, n := range ns {
		_, err := s.Get(ctx, n)
		assert.NoError(t, err, "Get(%s) after %d additions", n, size)
	}
}

// TestClaimQueuesStayBounded churns claims and releases on a small pool
// and checks that claims stay correct after the availability queues have
// been tidied many times.
func TestClaimQueuesStayBounded(t *testing.T) {
	ctx := context.Background()
	s := memnumbermap.New()
	for i := range 8 {
		require.NoError(t, s.Add(ctx, numbermap.Owned{Number: numbermap.Number(fmt.Sprintf("+1202555%04d", 100+i)), Country: "US"}), "precondition: Add")
	}
	for i := range 2_000 {
		svc := fmt.Sprintf("svc-%d", i)
		at := t0.Add(time.Duration(i) * time.Minute)
		recs, err := s.Claim(ctx, request(svc, 3, at))
		require.NoError(t, err, "claim %d", i)
		require.Len(t, recs, 3, "claim %d gets 3 numbers", i)
		_, err = s.SetExpiry(ctx, svc, at.Add(time.Hour))
		require.NoError(t, err, "set expiry %d", i)
		n, err := s.Release(ctx, svc, at)
		require.NoError(t, err, "release %d", i)
		require.Equal(t, 3, n, "release %d releases its 3 numbers", i)
	}
	recs, err := s.Claim(ctx, request("last", 8, t0.Add(3_000*time.Minute)))
	require.NoError(t, err, "after the churn the whole pool is available")
	assert.Len(t, recs, 8, "after the churn the whole pool is claimed")
}

func BenchmarkStore(b *testing.B) {
	numbermaptest.RunBenchmarks(b, func(*testing.B) numbermap.Store { return memnumbermap.New() })
}

// BenchmarkRoute1M routes numbers of a pool of 1,000,000, half of them
// leased, in random order, so the index does not stay in the processor's
// caches. The dialled strings themselves are laid out one after the other,
// as a channel would have the one it just read at hand.
func BenchmarkRoute1M(b *testing.B) {
	const size = 1_000_000
	ctx := context.Background()
	s := memnumbermap.New()
	ns := numbermaptest.BenchPool(b, s, size)
	for i := range 100 {
		if _, err := s.Claim(ctx, request(fmt.Sprintf("svc-%d", i), size/2/100, t0)); err != nil {
			b.Fatalf("claim: %v", err)
		}
	}
	probes := make([]numbermap.Number, 1<<16)
	var arena strings.Builder
	x := uint64(1)
	for range probes {
		x = x*6364136223846793005 + 1442695040888963407
		arena.WriteString(string(ns[int(x>>33)%size]))
	}
	all, off := arena.String(), 0
	for i := range probes {
		probes[i] = numbermap.Number(all[off : off+len(ns[0])])
		off += len(ns[0])
	}
	var rt numbermap.Route
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := s.Route(ctx, probes[i&(len(probes)-1)], t0.Add(time.Hour), &rt); err != nil {
			b.Fatalf("Route: %v", err)
		}
		i++
	}
}

// BenchmarkRoute1MActive routes, in random order, the numbers that calls
// reach in practice: those leased to the events under way. The pool holds
// 1,000,000 numbers, 10,000 of them leased to 100 running services; the
// rest are unassigned or aging and get no calls.
func BenchmarkRoute1MActive(b *testing.B) {
	const size, services, each = 1_000_000, 100, 100
	ctx := context.Background()
	s := memnumbermap.New()
	numbermaptest.BenchPool(b, s, size)
	var leased []numbermap.Number
	for i := range services {
		recs, err := s.Claim(ctx, request(fmt.Sprintf("svc-%d", i), each, t0))
		if err != nil {
			b.Fatalf("claim: %v", err)
		}
		for _, r := range recs {
			leased = append(leased, r.Number)
		}
	}
	probes := make([]numbermap.Number, 1<<16)
	x := uint64(1)
	for i := range probes {
		x = x*6364136223846793005 + 1442695040888963407
		probes[i] = leased[int(x>>33)%len(leased)]
	}
	now := t0.Add(time.Hour)
	var rt numbermap.Route
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := numbermap.LookupTo(ctx, s, probes[i&(len(probes)-1)], now, &rt); err != nil {
			b.Fatalf("LookupTo: %v", err)
		}
		i++
	}
	if rt.Kind != numbermap.RouteService {
		b.Fatalf("last route is %q, want %q", rt.Kind, numbermap.RouteService)
	}
}

// BenchmarkClaim1M claims and releases one number of a pool of 1,000,000.
func BenchmarkClaim1M(b *testing.B) {
	ctx := context.Background()
	s := memnumbermap.New()
	numbermaptest.BenchPool(b, s, 1_000_000)
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
}

// BenchmarkMemory1M measures the heap a pool of 1,000,000 numbers takes,
// each with a 34-character carrier reference: unleased, then all leased
// to 1,000 services. Run it with -benchtime=1x: each iteration builds the
// pool.
func BenchmarkMemory1M(b *testing.B) {
	const size = 1_000_000
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var idle, leased uint64
	for b.Loop() {
		before := heap()
		s := memnumbermap.New()
		numbermaptest.BenchPool(b, s, size)
		idle = heap() - before
		for i := range 1_000 {
			if _, err := s.Claim(context.Background(), request(fmt.Sprintf("svc-%04d", i), size/1_000, t0)); err != nil {
				b.Fatalf("claim: %v", err)
			}
		}
		leased = heap() - before
		runtime.KeepAlive(s)
	}
	b.ReportMetric(float64(idle)/1e6, "MB-idle")
	b.ReportMetric(float64(idle)/size, "B/number-idle")
	b.ReportMetric(float64(leased)/1e6, "MB-leased")
	b.ReportMetric(float64(leased)/size, "B/number-leased")
}
