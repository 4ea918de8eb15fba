package contactcenter_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/lifecycletest"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/contactcenter/provisionertest"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

// t0 is the simulated clock's start in every test.
var t0 = time.Date(2027, 5, 2, 6, 0, 0, 0, time.UTC)

// world is lifecycletest's World on the in-memory adapters, kept typed,
// with the provisioner behind a fault injector: several Lifecycles can
// share it, as replicas or as a process restarting on the same state.
type world struct {
	*lifecycletest.World
	store   *memstore.Store
	grants  *memaccess.Store
	numbers *memnumbermap.Store
	prov    *provisionertest.Faulty // wraps World.Provisioner
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{store: memstore.New(), grants: memaccess.New(), numbers: memnumbermap.New()}
	w.World = lifecycletest.NewWorld(t, lifecycletest.Adapters{Store: w.store, Access: w.grants, Numbers: w.numbers})
	w.prov = provisionertest.NewFaulty(w.Provisioner)
	return w
}

// lifecycle returns a new Lifecycle on the world's adapters, provisioning
// through the fault injector, closed when the test ends.
func (w *world) lifecycle(t testing.TB) *contactcenter.Lifecycle {
	t.Helper()
	cfg := w.Config("")
	cfg.Provisioner = w.prov
	lc, err := contactcenter.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { lc.Close() })
	return lc
}

// conference is lifecycletest's conference: 09:00 to 17:00 on the day
// after t0, with telephony, chat and the receptionist.
func conference(id string) contactcenter.Request { return lifecycletest.Conference(id) }

// runUntil ticks lc every step of simulated time until done says so or
// the clock reaches limit; it fails the test at the limit.
func (w *world) runUntil(t *testing.T, lc *contactcenter.Lifecycle, step time.Duration, limit time.Time, done func() bool) {
	t.Helper()
	ctx := context.Background()
	for !done() {
		require.False(t, w.Clock.Now().After(limit), "condition not reached by %s", limit)
		_ = lc.Tick(ctx) // failures are retried; tests check outcomes
		if done() {
			return
		}
		w.Clock.Advance(step)
	}
}
