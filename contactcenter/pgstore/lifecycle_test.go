package pgstore_test

import (
	"context"
	"testing"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/lifecycletest"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
)

// pgChaosSchedules is how many chaos schedules TestLifecycleScenarios
// plays on PostgreSQL: 60 take about 100 s of the package's 10-minute
// test budget on 2 cores (100 took 171 s, and the package 410–463 s in
// CI); the in-memory run plays 200. EVENTCC_CHAOS_SEED replays one.
const pgChaosSchedules = 60

// world is lifecycletest's World on PostgreSQL, with the DB for what only
// pgstore offers; the benchmarks and the cache tests use it.
type world struct {
	*lifecycletest.World
	db *pgstore.DB
}

func newWorld(t testing.TB) *world {
	t.Helper()
	db := newDB(t)
	a := lifecycletest.Adapters{Store: db.Services(), Access: db.Grants(), Numbers: db.Numbers()}
	return &world{World: lifecycletest.NewWorld(t, a), db: db}
}

// TestLifecycleScenarios runs the Lifecycle's crash-after-every-step,
// replica-takeover and chaos scenarios with services, grants, numbers and
// the webhook state in PostgreSQL; in the chaos scenario each replica
// process checks access and routes numbers through a notified Cache of
// its own, as replicas in production do.
//
// The chaos scenario plays 100 schedules here, half the default: each
// costs about a second on PostgreSQL (a fresh schema, three replicas,
// their caches), and 200 of them under -race took 530 s of the package's
// 600 s timeout. The in-memory harness plays all 200, and the base seed
// is random per run, so CI runs add up to more.
func TestLifecycleScenarios(t *testing.T) {
	testURL(t)
	lifecycletest.Run(t, lifecycletest.Harness{Schedules: pgChaosSchedules, New: func(t testing.TB) lifecycletest.Adapters {
		db := newDB(t)
		return lifecycletest.Adapters{Store: db.Services(), Access: db.Grants(), Numbers: db.Numbers(),
			Versions: db.WebhookVersions(), Replays: db.WebhookReplays(), Locks: db.WebhookLocks(),
			Engagements: db.Records(),
			View: func(t testing.TB) lifecycletest.View {
				c, err := db.NewCache(context.Background(), logr.Discard())
				require.NoError(t, err, "want a cache")
				t.Cleanup(func() { c.Close() })
				return lifecycletest.View{Access: c.Grants(), Numbers: c.Numbers(), Sync: c.Sync, Close: func() { c.Close() }}
			}}
	}, Relay: func(t testing.TB) contactcenter.Relay { return newRelay(t, newDB(t)) }})
}
