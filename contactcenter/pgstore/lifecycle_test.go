package pgstore_test

import (
	"testing"

	"github.com/eventcc/eventcc/contactcenter/lifecycletest"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
)

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
