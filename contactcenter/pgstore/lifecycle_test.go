package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/lifecycletest"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
	"github.com/eventcc/eventcc/internal/simclock"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/numbermap"
)

// The world below serves the benchmarks and the cache tests; the crash and
// replica scenarios are lifecycletest's.

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

// TestLifecycleScenarios runs the Lifecycle's crash-after-every-step and
// replica-takeover scenarios with services, grants and numbers in
// PostgreSQL.
func TestLifecycleScenarios(t *testing.T) {
	testURL(t)
	lifecycletest.Run(t, lifecycletest.Harness{New: func(t testing.TB) lifecycletest.Adapters {
		db := newDB(t)
		return lifecycletest.Adapters{Store: db.Services(), Access: db.Grants(), Numbers: db.Numbers()}
	}})
}
