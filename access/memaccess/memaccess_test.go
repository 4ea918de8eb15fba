package memaccess_test

import (
	"testing"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/accesstest"
	"github.com/eventcc/eventcc/access/memaccess"
)

func TestConformance(t *testing.T) {
	accesstest.Run(t, accesstest.Harness{
		New: func(*testing.T) access.Store { return memaccess.New() },
	})
}

func BenchmarkStore(b *testing.B) {
	accesstest.Bench(b, accesstest.BenchHarness{
		New: func(*testing.B) access.Store { return memaccess.New() },
	})
}
