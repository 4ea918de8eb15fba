package memnumbermap_test

import (
	"testing"

	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
	"github.com/eventcc/eventcc/numbermap/numbermaptest"
)

func TestConformance(t *testing.T) {
	numbermaptest.Run(t, numbermaptest.Harness{
		New: func(*testing.T) numbermap.Store { return memnumbermap.New() },
	})
}

func BenchmarkStore(b *testing.B) {
	numbermaptest.RunBenchmarks(b, func(*testing.B) numbermap.Store { return memnumbermap.New() })
}
