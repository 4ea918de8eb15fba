package pgstore_test

import (
	"context"
	"testing"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/accesstest"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
	"github.com/eventcc/eventcc/contactcenter/storetest"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/numbermaptest"
)

func TestServices_Conformance(t *testing.T) {
	testURL(t)
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) contactcenter.Store { return newDB(t).Services() },
	})
}

// requireAccessCapabilities fails t unless s implements every optional
// interface of package access, which the conformance suite discovers by
// type assertion and skips for a store without it: so that none of its
// subtests is skipped here.
func requireAccessCapabilities(t *testing.T, s access.Store) {
	t.Helper()
	require.Implements(t, (*access.Decider)(nil), s, "want the Decider subtests run, not skipped")
	require.Implements(t, (*access.TokenStore)(nil), s, "want the Tokens subtests run, not skipped")
	require.Implements(t, (*access.BulkCreator)(nil), s, "want the CreateGrants subtests run on the bulk path")
	require.Implements(t, (*access.BulkRevoker)(nil), s, "want the BulkRevoker subtests run, not skipped")
}

func TestGrants_Conformance(t *testing.T) {
	testURL(t)
	accesstest.Run(t, accesstest.Harness{
		New: func(t *testing.T) access.Store {
			s := newDB(t).Grants()
			requireAccessCapabilities(t, s)
			return s
		},
		RandomizedChecks: 20_000,
	})
}

// TestCachedGrants_Conformance runs the suite against a cache's grants
// that holds two principals at most, so that eviction happens all along.
func TestCachedGrants_Conformance(t *testing.T) {
	testURL(t)
	accesstest.Run(t, accesstest.Harness{
		New: func(t *testing.T) access.Store {
			c, err := newDB(t).NewCache(context.Background(), logr.Discard(), pgstore.CacheConfig{MaxPrincipals: 2})
			require.NoError(t, err, "want a listening cache")
			t.Cleanup(func() { c.Close() })
			s := c.Grants()
			requireAccessCapabilities(t, s)
			return s
		},
		RandomizedChecks: 20_000,
	})
}

func TestNumbers_Conformance(t *testing.T) {
	testURL(t)
	numbermaptest.Run(t, numbermaptest.Harness{
		New: func(t *testing.T) numbermap.Store { return newDB(t).Numbers() },
	})
}
