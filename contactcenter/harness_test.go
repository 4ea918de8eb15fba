package contactcenter_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/contactcenter/provisionertest"
	"github.com/eventcc/eventcc/internal/simclock"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

// t0 is the simulated clock's start in every test.
var t0 = time.Date(2027, 5, 2, 6, 0, 0, 0, time.UTC)

// world is a set of in-memory adapters that several Lifecycles can share,
// as replicas or as a process restarting on the same durable state.
type world struct {
	clock   *simclock.Clock
	store   *memstore.Store
	prov    *provisionertest.Faulty
	mem     *memprovisioner.Provisioner
	grants  *memaccess.Store
	numbers *memnumbermap.Store
	channel *memchannel.Channel
	events  *memevents.EventSystem
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	ch, err := memchannel.New()
	require.NoError(t, err)
	mem := memprovisioner.New(memprovisioner.Limits{})
	w := &world{
		clock:   simclock.New(t0),
		store:   memstore.New(),
		prov:    provisionertest.NewFaulty(mem),
		mem:     mem,
		grants:  memaccess.New(),
		numbers: memnumbermap.New(),
		channel: ch,
		events:  memevents.New(),
	}
	for _, n := range []string{"+12025550101", "+12025550102", "+12025550103", "+12025550104", "+12025550105", "+12025550106"} {
		require.NoError(t, w.numbers.Add(ctx, numbermap.Owned{Number: numbermap.MustParse(n), Country: "US"}))
	}
	return w
}

// lifecycle returns a new Lifecycle on the world's adapters, closed when
// the test ends.
func (w *world) lifecycle(t testing.TB) *contactcenter.Lifecycle {
	t.Helper()
	lc, err := contactcenter.New(contactcenter.Config{
		Store:       w.store,
		Provisioner: w.prov,
		Access:      w.grants,
		Numbers:     w.numbers,
		Channels:    []modality.Channel{w.channel},
		EventSystem: w.events,
		Now:         w.clock.Now,
		Retry:       contactcenter.Retry{Initial: time.Second, Max: 10 * time.Second, MaxElapsed: time.Minute},
	})
	require.NoError(t, err)
	t.Cleanup(func() { lc.Close() })
	return lc
}

// conference is a request for a conference from 09:00 to 17:00 on t0's
// day, with telephony, chat and the receptionist.
func conference(id string) contactcenter.Request {
	start := time.Date(2027, 5, 3, 9, 0, 0, 0, time.UTC)
	return contactcenter.Request{
		EventID:   id,
		EventType: "conference",
		Term:      contactcenter.Term{Start: start, End: start.Add(8 * time.Hour), TimeZone: "Europe/Berlin"},
		Template:  "conference",
		Features: contactcenter.Features{
			Modalities:   []modality.Kind{modality.Telephony, modality.Chat},
			Receptionist: true,
		},
		ExpectedAttendance: 1500,
	}
}

// runUntil ticks lc every step of simulated time until done says so or
// the clock reaches limit; it fails the test at the limit.
func (w *world) runUntil(t *testing.T, lc *contactcenter.Lifecycle, step time.Duration, limit time.Time, done func() bool) {
	t.Helper()
	ctx := context.Background()
	for !done() {
		require.False(t, w.clock.Now().After(limit), "condition not reached by %s", limit)
		_ = lc.Tick(ctx) // failures are retried; tests check outcomes
		if done() {
			return
		}
		w.clock.Advance(step)
	}
}

func (w *world) state(t *testing.T, id string) contactcenter.State {
	t.Helper()
	s, err := w.store.Get(context.Background(), id)
	require.NoError(t, err)
	return s.State
}

// assertNothingLeft checks the "nothing left behind" guarantee for a
// service at the clock's time.
func (w *world) assertNothingLeft(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	now := w.clock.Now()
	inv, err := w.mem.Inventory(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, inv, "provisioner inventory of %s should be empty", id)
	gs, err := w.grants.ListByService(ctx, id)
	require.NoError(t, err)
	for _, g := range gs {
		for _, p := range g.Privileges {
			assert.False(t, g.Allows(now, id, p), "grant %s should not authorise %s", g.ID, p)
			assert.ErrorIs(t, access.Authorize(ctx, w.grants, now, g.Principal, id, p), access.ErrDenied)
		}
	}
	cs, err := w.channel.Counts(ctx, id)
	require.NoError(t, err)
	for _, c := range cs {
		assert.Zero(t, c.Live(), "channel should hold no %s end point of %s", c.Kind, id)
	}
	recs, err := w.numbers.ListByService(ctx, id)
	require.NoError(t, err)
	for _, r := range recs {
		assert.NotEqual(t, numbermap.RouteService, r.RouteAt(now).Kind, "number %s should not route to %s", r.Number, id)
	}
	_, published := w.events.Published(id)
	assert.False(t, published, "entry points of %s should be retracted", id)
}
