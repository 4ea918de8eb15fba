package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/lifecycletest"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/numbermap"
)

// BenchmarkTransitions drives services from request to Terminated with
// two replicas on one database and reports state transitions per second
// of wall time (every entry of every service's timeline).
func BenchmarkTransitions(b *testing.B) {
	w := newWorld(b)
	ctx := context.Background()
	// Each replica advances up to 16 services at once, so that commits of
	// different services overlap instead of queueing behind one another.
	replica := func(owner string) *contactcenter.Lifecycle {
		cfg := w.Config(owner)
		cfg.Parallelism = 16
		// The simulated clock moves 30 minutes a tick; in production a
		// lease outlives many ticks, so it does here too.
		cfg.LeaseTTL = time.Hour
		lc, err := contactcenter.New(cfg)
		require.NoError(b, err)
		b.Cleanup(func() { lc.Close() })
		return lc
	}
	r1, r2 := replica("r1"), replica("r2")
	var steps [2]atomic.Int64 // steps each replica ran
	for i, r := range []*contactcenter.Lifecycle{r1, r2} {
		r.Subscribe(func(e contactcenter.Event) {
			if se, ok := e.(*contactcenter.StepEvent); ok && se.Status == contactcenter.StepDone {
				steps[i].Add(1)
			}
		})
	}
	// Both replicas run before the first event arrives, as in production:
	// each knows the other is live when work comes.
	require.NoError(b, r1.Tick(ctx))
	require.NoError(b, r2.Tick(ctx))
	const perRound = 64
	transitions := 0
	b.ResetTimer()
	for round := range b.N {
		b.StopTimer()
		var ids []string
		base := w.Clock.Now().Add(time.Hour)
		for i := range perRound {
			req := lifecycletest.Conference(fmt.Sprintf("bench-%d-%d", round, i))
			req.Features.Modalities = []modality.Kind{modality.Chat}
			req.Overrides.Numbers = new(int)
			req.Term.Start = base
			req.Term.End = base.Add(time.Hour)
			_, err := []*contactcenter.Lifecycle{r1, r2}[i%2].Request(ctx, req)
			require.NoError(b, err)
			ids = append(ids, req.EventID)
		}
		b.StartTimer()
		for left := len(ids); left > 0; {
			var wg sync.WaitGroup // the replicas tick at once, as in production
			wg.Go(func() { _ = r1.Tick(ctx) })
			wg.Go(func() { _ = r2.Tick(ctx) })
			wg.Wait()
			b.StopTimer()
			w.Clock.Advance(30 * time.Minute)
			left = 0
			for _, id := range ids {
				s, err := w.db.Services().Get(ctx, id)
				require.NoError(b, err)
				if !s.State.Final() {
					left++
				}
			}
			b.StartTimer()
		}
		b.StopTimer()
		for _, id := range ids {
			s, err := w.db.Services().Get(ctx, id)
			require.NoError(b, err)
			transitions += len(s.Timeline)
		}
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(transitions)/b.Elapsed().Seconds(), "transitions/s")
	b.ReportMetric(float64(steps[0].Load())/float64(steps[0].Load()+steps[1].Load()), "r1-share")
}

// BenchmarkTakeover measures, in wall time, how long after its owner
// stops renewing another replica holds a service: the lease TTL plus at
// most one tick of the survivor (50ms here).
func BenchmarkTakeover(b *testing.B) {
	db := newDB(b)
	ctx := context.Background()
	st := db.Services()
	const ttl, tick = 500 * time.Millisecond, 50 * time.Millisecond
	for i := range b.N {
		id := fmt.Sprintf("svc-%d", i)
		_, err := st.Create(ctx, contactcenter.Service{ID: id, State: contactcenter.Active})
		require.NoError(b, err)
		held, err := st.Acquire(ctx, "dying", time.Now(), ttl)
		require.NoError(b, err)
		require.NotEmpty(b, held)
		died := time.Now() // the last renewal
		t := time.NewTicker(tick)
		for taken := false; !taken; {
			<-t.C
			held, err := st.Acquire(ctx, "survivor", time.Now(), ttl)
			require.NoError(b, err)
			for _, h := range held {
				taken = taken || h.ServiceID == id
			}
		}
		t.Stop()
		b.ReportMetric(float64(time.Since(died).Milliseconds()), "ms-to-takeover")
		require.NoError(b, st.Release(ctx, "survivor"))
		_, err = st.Update(ctx, contactcenter.Service{ID: id, State: contactcenter.Terminated, Revision: 1})
		require.NoError(b, err)
	}
}

// BenchmarkAuthorize compares access.Authorize against the database
// (cold: every check a query) with the notified cache warm.
func BenchmarkAuthorize(b *testing.B) {
	db := newDB(b)
	ctx := context.Background()
	for i := range 100 {
		_, err := db.Grants().Create(ctx, grant(fmt.Sprintf("g%03d", i), fmt.Sprintf("agent-%03d", i), "svc"))
		require.NoError(b, err)
	}
	now := from.Add(time.Hour)
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			if err := access.Authorize(ctx, db.Grants(), now, "agent-042", "svc", "engagement.handle"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		c, err := db.NewCache(ctx, discard)
		require.NoError(b, err)
		defer c.Close()
		g := c.Grants()
		require.NoError(b, access.Authorize(ctx, g, now, "agent-042", "svc", "engagement.handle"))
		for b.Loop() {
			if err := access.Authorize(ctx, g, now, "agent-042", "svc", "engagement.handle"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRoute compares numbermap.Lookup against the database (cold)
// with the notified cache warm.
func BenchmarkRoute(b *testing.B) {
	db := newDB(b)
	ctx := context.Background()
	n := numbermap.MustParse("+12025550101")
	require.NoError(b, db.Numbers().Add(ctx, numbermap.Owned{Number: n, Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}))
	_, err := db.Numbers().Claim(ctx, numbermap.ClaimRequest{Count: 1, At: from,
		Lease: numbermap.Lease{ServiceID: "svc", EntryPoint: "main", Start: from, Expires: until, Policy: numbermap.Policy{Kind: numbermap.Vacant}}})
	require.NoError(b, err)
	now := from.Add(time.Hour)
	var rt numbermap.Route
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			if err := db.Numbers().Route(ctx, n, now, &rt); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		c, err := db.NewCache(ctx, discard)
		require.NoError(b, err)
		defer c.Close()
		r := c.Numbers()
		require.NoError(b, r.Route(ctx, n, now, &rt))
		for b.Loop() {
			if err := r.Route(ctx, n, now, &rt); err != nil {
				b.Fatal(err)
			}
		}
	})
}
