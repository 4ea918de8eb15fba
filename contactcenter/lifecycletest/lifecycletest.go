package lifecycletest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/clocktest"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/webhook"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/numbermap"
)

// Adapters are the durable adapters under test. Each call of Harness.New
// returns empty ones: no service, no grant, no number.
type Adapters struct {
	Store   contactcenter.Store
	Access  access.Store
	Numbers numbermap.Store
	// Engagements, if set, keeps the engagement records the replicas
	// share: the takeover test needs it, and an Access whose store keeps
	// tokens (access.TokenStore).
	Engagements routing.Records
	// Versions, Replays and Locks are the webhook state the replicas of
	// the chaos scenario share; nil: in-memory ones, shared by the
	// scenario's replicas (which run in one process).
	Versions webhook.VersionStore
	Replays  webhook.ReplayStore
	Locks    webhook.Locker
	// View, if not nil, gives each replica process of the chaos scenario
	// a view of its own over Access and Numbers (a cache, say), made anew
	// at every restart and closed when the process dies; the scenario
	// asks every replica's view. nil: replicas use Access and Numbers.
	View func(t testing.TB) View
}

// View is what one replica process has of the shared access and number
// stores: its own cache over them, say.
type View struct {
	Access  access.Store
	Numbers numbermap.Store
	// Sync waits until the view has seen every change committed before
	// it was called (a cache's notifications); nil: nothing to wait for.
	Sync func(context.Context) error
	// Close ends the view when its process dies; nil: nothing to end.
	Close func()
}

// Harness tells the scenarios how to make the adapters under test.
type Harness struct {
	// New returns empty adapters; it is called once per scenario (and per
	// crash point), and may register cleanups with t.
	New func(t testing.TB) Adapters
	// Relay, if set, returns the relay the Relay scenario's replicas
	// share: an agent's desk on one replica acts on the service another
	// drives. nil: the scenario is skipped.
	Relay func(t testing.TB) contactcenter.Relay
	// Schedules is how many seeded random schedules the Chaos scenario
	// plays. Default: DefaultSchedules (20 with -short). Set the
	// EVENTCC_CHAOS_SEED environment variable to play the one schedule a
	// failure named.
	Schedules int
}

// Run runs every scenario against the adapters h makes.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.New, "lifecycletest: Harness.New is required")
	t.Run("CrashAfterEveryStep", func(t *testing.T) { crashAfterEveryStep(t, h) })
	t.Run("Replicas", func(t *testing.T) { replicas(t, h) })
	t.Run("Chaos", func(t *testing.T) { chaos(t, h) })
	t.Run("Takeover", func(t *testing.T) { takeover(t, h) })
	t.Run("Relay", func(t *testing.T) { relayed(t, h) })
	t.Run("Messages", func(t *testing.T) { messages(t, h) })
}

// t0 is the simulated clock's start: the day before the test events.
var t0 = time.Date(2027, 5, 2, 6, 0, 0, 0, time.UTC)

// World is a set of adapters under test with what a scenario needs
// around them: the in-memory provisioner, channel and event system, a
// simulated clock starting the day before the test events, and six US
// numbers in the pool. Adapter packages use it to write scenarios of
// their own; the fields are the scenario's to drive and inspect.
type World struct {
	Adapters
	Clock       *clocktest.Clock
	Provisioner *memprovisioner.Provisioner
	Channel     *memchannel.Channel
	Events      *memevents.EventSystem
}

// NewWorld returns a World around a, which must be empty (no service,
// grant or number), after adding six numbers to a.Numbers.
func NewWorld(t testing.TB, a Adapters) *World {
	t.Helper()
	require.NotNil(t, a.Store, "lifecycletest: Adapters.Store is required")
	require.NotNil(t, a.Access, "lifecycletest: Adapters.Access is required")
	require.NotNil(t, a.Numbers, "lifecycletest: Adapters.Numbers is required")
	ch, err := memchannel.New()
	require.NoError(t, err)
	w := &World{Adapters: a, Clock: clocktest.New(t0), Provisioner: memprovisioner.New(memprovisioner.Limits{}),
		Channel: ch, Events: memevents.New()}
	for i := 1; i <= 6; i++ {
		n := numbermap.MustParse(fmt.Sprintf("+1202555010%d", i))
		require.NoError(t, a.Numbers.Add(context.Background(), numbermap.Owned{Number: n, Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}))
	}
	return w
}

func newWorld(t testing.TB, h Harness) *World {
	t.Helper()
	return NewWorld(t, h.New(t))
}

// Config returns the Config of a Lifecycle on the world, a replica named
// owner when owner is not empty, with a two-minute lease and retries
// from one second, given up on after a minute.
func (w *World) Config(owner string) contactcenter.Config {
	return contactcenter.Config{
		Store: w.Store, Provisioner: w.Provisioner, Access: w.Access, Numbers: w.Numbers,
		Channels: []modality.Channel{w.Channel}, EventSystem: w.Events,
		Now: w.Clock.Now, Owner: owner, LeaseTTL: 2 * time.Minute,
		Retry: contactcenter.Retry{Initial: time.Second, Max: 10 * time.Second, MaxElapsed: time.Minute},
	}
}

// Lifecycle returns a Lifecycle with [World.Config]; it is closed when
// the test ends.
func (w *World) Lifecycle(t testing.TB, owner string) *contactcenter.Lifecycle {
	t.Helper()
	lc, err := contactcenter.New(w.Config(owner))
	require.NoError(t, err)
	t.Cleanup(func() { lc.Close() })
	return lc
}

// Conference is a request for a conference from 09:00 to 17:00 on the day
// after the world's clock starts, with telephony, chat and the
// receptionist.
func Conference(id string) contactcenter.Request {
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

// State returns the stored state of service id.
func (w *World) State(t testing.TB, id string) contactcenter.State {
	t.Helper()
	s, err := w.Store.Get(context.Background(), id)
	require.NoError(t, err)
	return s.State
}

// AssertNothingLeft checks the "nothing left behind" guarantee for
// service id at the clock's time: the provisioner's inventory empty, no
// grant authorising, no end point live, no number routing to it, its
// entry points retracted.
func (w *World) AssertNothingLeft(t testing.TB, id string) {
	t.Helper()
	ctx := context.Background()
	now := w.Clock.Now()
	inv, err := w.Provisioner.Inventory(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, inv, "want the provisioner inventory of %s empty", id)
	gs, err := w.Access.ListByService(ctx, id)
	require.NoError(t, err)
	for _, g := range gs {
		for _, p := range g.Privileges {
			assert.ErrorIs(t, access.Authorize(ctx, w.Access, now, g.Principal, id, p), access.ErrDenied,
				"want grant %s not to authorise %s", g.ID, p)
		}
	}
	cs, err := w.Channel.Counts(ctx, id)
	require.NoError(t, err)
	for _, c := range cs {
		assert.Zero(t, c.Live(), "want no %s end point of %s live", c.Kind, id)
	}
	recs, err := w.Numbers.ListByService(ctx, id)
	require.NoError(t, err)
	for _, r := range recs {
		assert.NotEqual(t, numbermap.RouteService, r.RouteAt(now).Kind, "want number %s not routing to %s", r.Number, id)
	}
	_, published := w.Events.Published(id)
	assert.False(t, published, "want the entry points of %s retracted", id)
}

// AssertOnce checks that every step of both plans of service id is done
// exactly once in the journal, and that each principal holds one grant
// bundle.
func (w *World) AssertOnce(t testing.TB, id string) {
	t.Helper()
	ctx := context.Background()
	s, err := w.Store.Get(ctx, id)
	require.NoError(t, err)
	for _, planID := range []string{s.DeployPlan, s.ClosePlan} {
		journal, err := w.Store.Journal(ctx, planID)
		require.NoError(t, err)
		done := map[string]int{}
		for _, j := range journal {
			if j.Status == contactcenter.StepDone {
				done[j.Step]++
			}
		}
		plan, err := w.Store.GetPlan(ctx, planID)
		require.NoError(t, err)
		for _, st := range plan.Steps {
			assert.Equal(t, 1, done[st.Key], "want %s step %s done exactly once", planID, st.Key)
		}
	}
	gs, err := w.Access.ListByService(ctx, id)
	require.NoError(t, err)
	seen := map[string]int{}
	for _, g := range gs {
		seen[g.Principal]++
	}
	for p, n := range seen {
		assert.Equal(t, 1, n, "want one grant bundle for principal %s", p)
	}
	assert.GreaterOrEqual(t, len(seen), s.Config.InitialAgents, "want every deployed agent granted access")
}

func crashAfterEveryStep(t *testing.T, h Harness) {
	probe := newWorld(t, h)
	plans, err := probe.Lifecycle(t, "").Plan(context.Background(), Conference("probe"))
	require.NoError(t, err)
	for _, plan := range []contactcenter.Plan{plans.Deploy, plans.Close} {
		for _, step := range plan.Steps {
			t.Run(fmt.Sprintf("%s/%s", plan.Kind, step.Key), func(t *testing.T) {
				crashAfter(t, h, plan.Kind, step.Key)
			})
		}
	}
}

func crashAfter(t *testing.T, h Harness, kind contactcenter.PlanKind, key string) {
	w := newWorld(t, h)
	ctx := context.Background()
	req := Conference("conf-crash")

	// The first process runs until the step is done, then dies.
	first := w.Lifecycle(t, "")
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
		require.False(t, w.Clock.Now().After(req.Term.End.Add(24*time.Hour)), "want step %s to run", key)
		_ = first.Tick(runCtx)
		if !crashed {
			w.Clock.Advance(time.Minute)
		}
	}
	unsubscribe()
	require.NoError(t, first.Close())
	// An engagement live at the crash must not survive the close.
	if w.State(t, svc.ID) == contactcenter.Active {
		_, err := w.Channel.Arrive(ctx, svc.ID, "chat", "attendee", w.Clock.Now())
		require.NoError(t, err)
	}

	// The second process, on the same adapters, resumes from the journal.
	second := w.Lifecycle(t, "")
	for !w.State(t, svc.ID).Final() {
		require.False(t, w.Clock.Now().After(req.Term.End.Add(24*time.Hour)), "want %s finished by the day after its term", svc.ID)
		_ = second.Tick(ctx)
		w.Clock.Advance(time.Minute)
	}
	assert.Equal(t, contactcenter.Terminated, w.State(t, svc.ID), "want the service terminated after the restart")
	w.AssertNothingLeft(t, svc.ID)
	w.AssertOnce(t, svc.ID)
	for _, k := range contactcenter.Resources() {
		assert.Zero(t, w.Provisioner.Total(k), "want no %s held in the provider's account", k)
	}
}

func replicas(t *testing.T, h Harness) {
	w := newWorld(t, h)
	leaser, ok := w.Store.(contactcenter.Leaser)
	if !ok {
		t.Skipf("%T does not implement contactcenter.Leaser: a store for one Lifecycle at a time", w.Store)
	}
	ctx := context.Background()
	names := []string{"a", "b", "c"}
	lcs := map[string]*contactcenter.Lifecycle{}
	drivers := map[string]map[string]bool{} // service → replicas that ran a step of it
	for _, n := range names {
		lcs[n] = w.Lifecycle(t, n)
		lcs[n].Subscribe(func(e contactcenter.Event) {
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
		req := Conference(fmt.Sprintf("conf-r%d", i))
		if i%3 != 0 { // chat only: six numbers cannot serve nine services at once
			req.Features.Modalities = []modality.Kind{modality.Chat}
			req.Overrides.Numbers = new(int)
		} else {
			one := 1
			req.Overrides.Numbers = &one
		}
		req.Term.Start = req.Term.Start.Add(time.Duration(i) * 2 * time.Hour)
		req.Term.End = req.Term.Start.Add(2 * time.Hour)
		_, err := lcs[names[i%3]].Request(ctx, req)
		require.NoError(t, err)
		ids = append(ids, req.EventID)
	}

	// Replica a dies right after a step of the first closing plan it runs.
	actx, kill := context.WithCancel(ctx)
	dead := false
	lcs["a"].Subscribe(func(e contactcenter.Event) {
		if se, ok := e.(*contactcenter.StepEvent); ok && se.Kind == contactcenter.CloseKind && se.Status == contactcenter.StepDone && !dead {
			dead = true
			kill()
		}
	})
	limit := t0.Add(4 * 24 * time.Hour)
	for {
		done := true
		for _, id := range ids {
			done = done && w.State(t, id).Final()
		}
		if done {
			break
		}
		require.False(t, w.Clock.Now().After(limit), "want every service finished by %s", limit)
		for _, n := range names {
			switch {
			case n == "a" && dead:
			case n == "a":
				_ = lcs[n].Tick(actx)
			default:
				_ = lcs[n].Tick(ctx)
			}
		}
		w.Clock.Advance(time.Minute)
	}
	require.True(t, dead, "want replica a killed mid-plan")
	for _, id := range ids {
		assert.Equal(t, contactcenter.Terminated, w.State(t, id), "want %s terminated", id)
		w.AssertNothingLeft(t, id)
		w.AssertOnce(t, id)
	}
	var takenOver bool
	for _, d := range drivers {
		if d["a"] && (d["b"] || d["c"]) {
			takenOver = true
		}
	}
	assert.True(t, takenOver, "want a service replica a had started finished by another replica")

	// No lease outlives its service.
	held, err := leaser.Acquire(ctx, "late", w.Clock.Now(), time.Minute)
	require.NoError(t, err)
	assert.Empty(t, held, "want no service left to hold once all are final")
}
