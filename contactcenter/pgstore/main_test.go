package pgstore_test

import (
	"os"
	"testing"

	"github.com/eventcc/eventcc/contactcenter/pgstore"
	"github.com/eventcc/eventcc/internal/testnote"
)

// TestMain says when the PostgreSQL tests skip, which go test ./...
// would otherwise report as a plain "ok". Under CI=true they fail instead.
func TestMain(m *testing.M) {
	if os.Getenv(pgstore.EnvURL) == "" && os.Getenv("CI") != "true" {
		testnote.Print("pgstore: " + pgstore.EnvURL + " is not set: the PostgreSQL tests are skipped")
	}
	os.Exit(m.Run())
}
