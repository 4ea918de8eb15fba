package main

import (
	"os"
	"testing"

	"github.com/eventcc/eventcc/contactcenter/pgstore"
	"github.com/eventcc/eventcc/internal/testnote"
)

// TestMain says when the example's run against PostgreSQL skips, which go
// test ./... would otherwise report as a plain "ok". Under CI=true it
// fails instead.
func TestMain(m *testing.M) {
	if os.Getenv(pgstore.EnvURL) == "" && os.Getenv("CI") != "true" {
		testnote.Print("examples/replicas: " + pgstore.EnvURL + " is not set: the replicas example's run is skipped")
	}
	os.Exit(m.Run())
}
