package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter/pgstore"
)

func TestRun(t *testing.T) {
	if os.Getenv(pgstore.EnvURL) == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; with CI=true the PostgreSQL example must run", pgstore.EnvURL)
		}
		t.Skipf("set %s (e.g. postgres://postgres@127.0.0.1:5432/eventcc_test?sslmode=disable) to run the replicas example", pgstore.EnvURL)
	}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-replicas", "3", "-events", "4"}, &out), "output:\n%s", out.String())
	got := out.String()
	assert.Contains(t, got, "replica-1 killed after closing step", "want the victim killed mid-plan")
	assert.Equal(t, 4, strings.Count(got, "terminated"), "want every event terminated:\n%s", got)
}

func TestRun_NoDatabase(t *testing.T) {
	t.Setenv(pgstore.EnvURL, "")
	err := run(context.Background(), []string{"-replicas", "1"}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no database", "want the missing database named")
	assert.Contains(t, err.Error(), "-replicas 1", "want every problem reported at once")
}
