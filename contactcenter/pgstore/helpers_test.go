package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter/pgstore"
)

// testURL returns the server's URL, skipping the test without one (and
// failing it under CI=true, where the PostgreSQL tests must run).
func testURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(pgstore.EnvURL)
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; with CI=true the PostgreSQL tests must run (.ci/run sets it)", pgstore.EnvURL)
		}
		t.Skipf("set %s (e.g. postgres://postgres@127.0.0.1:5432/eventcc_test?sslmode=disable) to run the PostgreSQL tests", pgstore.EnvURL)
	}
	return url
}

// newDB returns a migrated DB in a fresh schema, dropped when the test
// ends, whose leases follow the callers' (simulated) clocks.
func newDB(t testing.TB) *pgstore.DB {
	t.Helper()
	return newDBWith(t, pgstore.WithCallerClock())
}

// newDBWith is newDB with the DB's options given.
func newDBWith(t testing.TB, opts ...pgstore.Option) *pgstore.DB {
	t.Helper()
	url := testURL(t)
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	pool, err := pgstore.Connect(ctx, url+sep(url)+"pool_max_conns=6", schema)
	require.NoError(t, err, "want a connection to %s", url)
	t.Cleanup(func() {
		pool.Close()
		admin, err := pgstore.Connect(context.Background(), url, "")
		if err == nil {
			_ = pgstore.DropSchema(context.Background(), admin, schema)
			admin.Close()
		}
	})
	db := pgstore.New(pool, opts...)
	_, err = db.Migrate(ctx)
	require.NoError(t, err, "want the schema migrated")
	return db
}

func sep(url string) string {
	for _, c := range url {
		if c == '?' {
			return "&"
		}
	}
	return "?"
}
