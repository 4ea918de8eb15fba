package pgstore_test

import (
	"testing"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/accesstest"
	"github.com/eventcc/eventcc/contactcenter"
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

func TestGrants_Conformance(t *testing.T) {
	testURL(t)
	accesstest.Run(t, accesstest.Harness{
		New:              func(t *testing.T) access.Store { return newDB(t).Grants() },
		RandomizedChecks: 20_000,
	})
}

func TestNumbers_Conformance(t *testing.T) {
	testURL(t)
	numbermaptest.Run(t, numbermaptest.Harness{
		New: func(t *testing.T) numbermap.Store { return newDB(t).Numbers() },
	})
}
