package memrecords_test

import (
	"testing"

	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/modality/routing/memrecords"
	"github.com/eventcc/eventcc/modality/routing/recordstest"
)

func harness() recordstest.Harness {
	return recordstest.Harness{New: func(testing.TB) routing.Records { return memrecords.New() }}
}

func TestStore_Conformance(t *testing.T) {
	recordstest.Run(t, harness())
}

func BenchmarkStore(b *testing.B) {
	recordstest.Benchmark(b, harness())
}
