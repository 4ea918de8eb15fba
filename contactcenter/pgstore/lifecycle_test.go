package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
	"github.com/eventcc/eventcc/internal/simclock"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/numbermap"
)

// The scenarios below are contactcenter's crash and replica tests (its
// harness_test.go, crash_test.go and replicas_test.go), run with every
// durable adapter — services, grants, numbers — in PostgreSQL.

var t0 = time.Date(2027, 5, 2, 6, 0, 0, 0, time.UTC)

type world struct {
	clock   *simclock.Clock
	db      *pgstore.DB
	store   *pgstore.Services
	grants  *pgstore.Grants
	numbers *pgstore.Numbers
	mem     *memprovisioner.Provisioner
	channel *memchannel.Channel
	events  *memevents.EventSystem
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	db := newDB(t)
	ch, err := memchannel.New()
	require.NoError(t, err)
	w := &world{
		clock: simclock.New(t0), db: db, store: db.Services(), grants: db.Grants(), numbers: db.Numbers(),
		mem: memprovisioner.New(memprovisioner.Limits{}), channel: ch, events: memevents.New(),
	}
	for _, n := range []string{"+12025550101", "+12025550102", "+12025550103", "+12025550104", "+12025550105", "+12025550106"} {
		require.NoError(t, w.numbers.Add(ctx, numbermap.Owned{Number: numbermap.MustParse(n), Country: "US"}))
	}
	return w
}

func (w *world) config(owner string) contactcenter.Config {
	return contactcenter.Config{
		Store: w.store, Provisioner: w.mem, Access: w.grants, Numbers: w.numbers,
		Channels: []modality.Channel{w.channel}, EventSystem: w.events,
		Now: w.clock.Now, Owner: owner, LeaseTTL: 2 * time.Minute,
		Retry: contactcenter.Retry{Initial: time.Second, Max: 10 * time.Second, MaxElapsed: time.Minute},
	}
}

func (w *world) lifecycle(t testing.TB, owner string) *contactcenter.Lifecycle {
	t.Helper()
	lc, err := contactcenter.New(w.config(owner))
	require.NoError(t, err)
	t.Cleanup(func() { lc.Close() })
	return lc
}

func conference(id string) contactcenter.Request {
	start := time.Date(2027, 5, 3, 9, 0, 0, 0, time.UTC)
	return contactcenter.Request{
		EventID: id, EventType: "conference", Template: "conference",
		Term: contactcenter.Term{Start: start, End: start.Add(8 * time.Hour), TimeZone: "Europe/Berlin"},
		Features: contactcenter.Features{
			Modalities: []modality.Kind{modality.Telephony, modality.Chat}, Receptionist: true,
		},
		ExpectedAttendance: 1500,
	}
}

func (w *world) state(t *testing.T, id string) contactcenter.State {
	t.Helper()
	s, err := w.store.Get(context.Background(), id)
	require.NoError(t, err)
	return s.State
}

// assertNothingLeft checks the "nothing left behind" guarantee.
func (w *world) assertNothingLeft(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	now := w.clock.Now()
	inv, err := w.mem.Inventory(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, inv, "want the provisioner inventory of %s empty", id)
	gs, err := w.grants.ListByService(ctx, id)
	require.NoError(t, err)
	for _, g := range gs {
		for _, p := range g.Privileges {
			assert.ErrorIs(t, access.Authorize(ctx, w.grants, now, g.Principal, id, p), access.ErrDenied,
				"want grant %s not to authorise %s", g.ID, p)
		}
	}
	cs, err := w.channel.Counts(ctx, id)
	require.NoError(t, err)
	for _, c := range cs {
		assert.Zero(t, c.Live(), "want no %s end point of %s live", c.Kind, id)
	}
	recs, err := w.numbers.ListByService(ctx, id)
	require.NoError(t, err)
	for _, r := range recs {
		assert.NotEqual(t, numbermap.RouteService, r.RouteAt(now).Kind, "want number %s not routing to %s", r.Number, id)
	}
	_, published := w.events.Published(id)
	assert.False(t, published, "want the entry points of %s retracted", id)
}

// assertOnce checks that every step of both plans of id is done exactly
// once in the journal.
func (w *world) assertOnce(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	s, err := w.store.Get(ctx, id)
	require.NoError(t, err)
	for _, planID := range []string{s.DeployPlan, s.ClosePlan} {
		journal, err := w.store.Journal(ctx, planID)
		require.NoError(t, err)
		done := map[string]int{}
		for _, j := range journal {
			if j.Status == contactcenter.StepDone {
				done[j.Step]++
			}
		}
		plan, err := w.store.GetPlan(ctx, planID)
		require.NoError(t, err)
		for _, st := range plan.Steps {
			assert.Equal(t, 1, done[st.Key], "want %s step %s done exactly once", planID, st.Key)
		}
	}
}

func TestCrashAfterEveryStep(t *testing.T) {
	testURL(t)
	probe := newWorld(t)
	plans, err := probe.lifecycle(t, "").Plan(context.Background(), conference("probe"))
	require.NoError(t, err)
	for _, plan := range []contactcenter.Plan{plans.Deploy, plans.Close} {
		for i, step := range plan.Steps {
			t.Run(fmt.Sprintf("%s/%s", plan.Kind, step.Key), func(t *testing.T) {
				crashAfter(t, plan.Kind, plan.Steps[i].Key)
			})
		}
	}
}

func crashAfter(t *testing.T, kind contactcenter.PlanKind, key string) {
	w := newWorld(t)
	ctx := context.Background()
	req := conference("conf-crash")

	first := w.lifecycle(t, "")
	runCtx, crash := context.WithCancel(ctx)
	defer crash()
	crashed := false
	unsubscribe := first.Subscribe(func(e contactcenter.Event) {
		se, ok := e.(*contactcenter.StepEvent)
		if ok && se.Kind == kind && se.Status == contactcenter.StepDone && se.Step.Key == key {
			crashed = true
			crash()
		}
	})
	svc, err := first.Request(ctx, req)
	require.NoError(t, err)
	for !crashed {
		require.False(t, w.clock.Now().After(req.Term.End.Add(24*time.Hour)), "want step %s to run", key)
		_ = first.Tick(runCtx)
		if !crashed {
			w.clock.Advance(time.Minute)
		}
	}
	unsubscribe()
	require.NoError(t, first.Close())
	if w.state(t, svc.ID) == contactcenter.Active {
		_, err := w.channel.Arrive(ctx, svc.ID, "chat", "attendee", w.clock.Now())
		require.NoError(t, err)
	}

	second := w.lifecycle(t, "")
	for !w.state(t, svc.ID).Final() {
		require.False(t, w.clock.Now().After(req.Term.End.Add(24*time.Hour)), "want %s finished by the day after its term", svc.ID)
		_ = second.Tick(ctx)
		w.clock.Advance(time.Minute)
	}
	assert.Equal(t, contactcenter.Terminated, w.state(t, svc.ID), "want the service terminated after the restart")
	w.assertNothingLeft(t, svc.ID)
	w.assertOnce(t, svc.ID)

	gs, err := w.grants.ListByService(ctx, svc.ID)
	require.NoError(t, err)
	seen := map[string]int{}
	for _, g := range gs {
		seen[g.Principal]++
	}
	for p, n := range seen {
		assert.Equal(t, 1, n, "want one grant bundle for principal %s", p)
	}
}

func TestReplicas_OneOwnerPerServiceAndTakeover(t *testing.T) {
	testURL(t)
	w := newWorld(t)
	ctx := context.Background()
	names := []string{"a", "b", "c"}
	replicas := map[string]*contactcenter.Lifecycle{}
	drivers := map[string]map[string]bool{} // service → replicas that ran a step of it
	for _, n := range names {
		replicas[n] = w.lifecycle(t, n)
		replicas[n].Subscribe(func(e contactcenter.Event) {
			if se, ok := e.(*contactcenter.StepEvent); ok {
				if drivers[se.ServiceID] == nil {
					drivers[se.ServiceID] = map[string]bool{}
				}
				drivers[se.ServiceID][n] = true
			}
		})
	}
	var ids []string
	for i := range 9 {
		req := conference(fmt.Sprintf("conf-r%d", i))
		if i%3 != 0 { // chat only: six numbers cannot serve nine services at once
			req.Features.Modalities = []modality.Kind{modality.Chat}
			req.Overrides.Numbers = new(int)
		} else {
			one := 1
			req.Overrides.Numbers = &one
		}
		req.Term.Start = req.Term.Start.Add(time.Duration(i) * 2 * time.Hour)
		req.Term.End = req.Term.Start.Add(2 * time.Hour)
		_, err := replicas[names[i%3]].Request(ctx, req)
		require.NoError(t, err)
		ids = append(ids, req.EventID)
	}

	// Replica a dies right after a step of the first closing plan it runs.
	actx, kill := context.WithCancel(ctx)
	dead := false
	replicas["a"].Subscribe(func(e contactcenter.Event) {
		if se, ok := e.(*contactcenter.StepEvent); ok && se.Kind == contactcenter.CloseKind && se.Status == contactcenter.StepDone && !dead {
			dead = true
			kill()
		}
	})
	limit := t0.Add(4 * 24 * time.Hour)
	for {
		done := true
		for _, id := range ids {
			done = done && w.state(t, id).Final()
		}
		if done {
			break
		}
		require.False(t, w.clock.Now().After(limit), "want every service finished by %s", limit)
		for _, n := range names {
			switch {
			case n == "a" && dead:
			case n == "a":
				_ = replicas[n].Tick(actx)
			default:
				_ = replicas[n].Tick(ctx)
			}
		}
		w.clock.Advance(time.Minute)
	}
	require.True(t, dead, "want replica a killed mid-plan")
	for _, id := range ids {
		assert.Equal(t, contactcenter.Terminated, w.state(t, id), "want %s terminated", id)
		w.assertNothingLeft(t, id)
		w.assertOnce(t, id)
	}
	var takenOver bool
	for _, d := range drivers {
		if d["a"] && (d["b"] || d["c"]) {
			takenOver = true
		}
	}
	assert.True(t, takenOver, "want a service replica a had started finished by another replica")

	// No lease outlives its service.
	held, err := w.store.Acquire(ctx, "late", w.clock.Now(), time.Minute)
	require.NoError(t, err)
	assert.Empty(t, held, "want no service left to hold once all are final")
}
