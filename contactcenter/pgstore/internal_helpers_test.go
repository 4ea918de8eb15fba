package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// internalDB returns a migrated DB in a fresh schema, dropped when the
// test ends, for tests that look inside the package. Like the external
// tests, it skips without EnvURL and fails without it under CI=true.
func internalDB(t *testing.T) *DB {
	t.Helper()
	url := os.Getenv(EnvURL)
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; with CI=true the PostgreSQL tests must run (.ci/run sets it)", EnvURL)
		}
		t.Skipf("set %s to run the PostgreSQL tests", EnvURL)
	}
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	pool, err := Connect(ctx, url, schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = DropSchema(context.Background(), pool, schema)
		pool.Close()
	})
	db := New(pool, WithCallerClock())
	_, err = db.Migrate(ctx)
	require.NoError(t, err)
	return db
}
