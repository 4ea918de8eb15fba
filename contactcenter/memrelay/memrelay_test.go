package memrelay_test

import (
	"testing"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/memrelay"
	"github.com/eventcc/eventcc/contactcenter/relaytest"
)

func harness() relaytest.Harness {
	return relaytest.Harness{New: func(testing.TB) contactcenter.Relay { return memrelay.New() }}
}

func TestRelay_Conformance(t *testing.T) {
	relaytest.Run(t, harness())
}

func BenchmarkRelay(b *testing.B) {
	relaytest.Benchmark(b, harness())
}
