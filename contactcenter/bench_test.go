package contactcenter_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/template"
)

// BenchmarkLifecycle_WholeLife runs one conference from request to verified
// teardown on the simulated clock, ticking every 5 simulated minutes.
func BenchmarkLifecycle_WholeLife(b *testing.B) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w := newWorld(b)
		lc := w.lifecycle(b)
		b.StartTimer()
		svc, err := lc.Request(ctx, conference("conf-bench"))
		if err != nil {
			b.Fatal(err)
		}
		for !w.Clock.Now().After(svc.Expires.Add(time.Hour)) {
			_ = lc.Tick(ctx)
			w.Clock.Advance(5 * time.Minute)
		}
		if s, _ := w.store.Get(ctx, svc.ID); s.State != contactcenter.Terminated {
			b.Fatalf("state %s, want terminated", s.State)
		}
		lc.Close()
	}
}

// bigCatalog is the conference template with room for 1,000 agents.
func bigCatalog(tb testing.TB) *template.Catalog {
	t, err := template.Builtin().Lookup("conference")
	require.NoError(tb, err)
	t.Name = "big-conference"
	t.Staffing.MinAgents = 1000
	t.Staffing.MaxAgents = 1000
	t.Staffing.AgentsPerSupervisor = 0
	t.Capacity.MaxLicences = 100000
	t.Capacity.MaxSpace = 100000
	c, err := template.NewCatalog(t)
	require.NoError(tb, err)
	return c
}

// BenchmarkTeardown measures the closing plan of one service holding
// 10,000 live engagements and 1,000 agent grants: from the expiry tick to
// the last end point disconnected, the last grant revoked and the empty
// inventory verified.
func BenchmarkTeardown(b *testing.B) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w := newWorld(b)
		lc, err := contactcenter.New(contactcenter.Config{
			Store: w.store, Provisioner: w.prov, Access: w.grants, Numbers: w.numbers,
			Channels: []modality.Channel{w.Channel}, EventSystem: w.Events,
			Now: w.Clock.Now, Templates: bigCatalog(b),
		})
		require.NoError(b, err)
		req := conference("conf-big")
		req.Template = "big-conference"
		svc, err := lc.Request(ctx, req)
		require.NoError(b, err)
		w.Clock.Set(req.Term.Start)
		require.NoError(b, lc.Tick(ctx))
		for j := 0; j < 10000; j++ {
			ep := "telephony-1"
			if j%2 == 1 {
				ep = "chat"
			}
			e, err := w.Channel.Arrive(ctx, svc.ID, ep, fmt.Sprint("a", j), w.Clock.Now())
			require.NoError(b, err)
			if j%3 != 0 {
				require.NoError(b, w.Channel.Answer(ctx, e.ID, w.Clock.Now()))
			}
		}
		s, err := lc.Get(ctx, svc.ID)
		require.NoError(b, err)
		require.Equal(b, 1000, s.Resources.Agents)
		w.Clock.Set(s.Expires)
		b.StartTimer()
		require.NoError(b, lc.Tick(ctx))
		b.StopTimer()
		s, err = lc.Get(ctx, svc.ID)
		require.NoError(b, err)
		require.Equal(b, contactcenter.Terminated, s.State)
		require.Equal(b, 10000, s.Closing.Disconnected)
		require.GreaterOrEqual(b, s.Closing.GrantsRevoked, 1000)
		lc.Close()
		b.StartTimer()
	}
}

// BenchmarkTick_100kActive measures one scheduler tick over 100,000 active
// services and reports the heap the lifecycle and its in-memory adapters
// hold per service.
func BenchmarkTick_100kActive(b *testing.B) {
	const services = 100000
	ctx := context.Background()
	w := newWorld(b)
	t, err := template.Builtin().Lookup("webinar")
	require.NoError(b, err)
	t.Name = "lean"
	t.Numbers.Count = 0
	t.Receptionist = nil
	var mods []template.Modality
	for _, m := range t.Modalities {
		if m.Kind == modality.Chat {
			mods = append(mods, m)
		}
	}
	t.Modalities = mods
	t.Queues = []template.Queue{{Name: "help", Modalities: []modality.Kind{modality.Chat}}}
	t.Staffing.MinAgents = 1
	t.Staffing.ScaleInterval = template.Duration(time.Minute)
	cat, err := template.NewCatalog(t)
	require.NoError(b, err)
	lc, err := contactcenter.New(contactcenter.Config{
		Store: w.store, Provisioner: w.Provisioner, Access: w.grants, Numbers: w.numbers,
		Channels: []modality.Channel{w.Channel}, EventSystem: w.Events,
		Now: w.Clock.Now, Templates: cat,
	})
	require.NoError(b, err)
	defer lc.Close()

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := t0.Add(time.Hour)
	for i := 0; i < services; i++ {
		_, err := lc.Request(ctx, contactcenter.Request{
			EventID: fmt.Sprintf("w-%06d", i), EventType: t.EventTypes[0], Template: "lean",
			Term: contactcenter.Term{Start: start, End: start.Add(72 * time.Hour)},
		})
		require.NoError(b, err)
	}
	w.Clock.Set(start)
	require.NoError(b, lc.Tick(ctx)) // deploys and opens all
	w.Clock.Advance(time.Minute)
	require.NoError(b, lc.Tick(ctx))
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	active, err := lc.List(ctx, contactcenter.Active)
	require.NoError(b, err)
	require.Len(b, active, services)

	heapPerService := float64(after.HeapAlloc-before.HeapAlloc) / services

	// A tick every second, as Run does by default: decisions are spread
	// over the scale interval, so each tick takes a share of them.
	b.Run("every-second", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			w.Clock.Advance(time.Second)
			if err := lc.Tick(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(heapPerService, "heap-B/service")
	})
	// The worst case: a whole scale interval passed since the last tick,
	// so every service is due a decision.
	b.Run("all-due", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			w.Clock.Advance(time.Minute)
			if err := lc.Tick(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
