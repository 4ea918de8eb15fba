package webhook_test

import (
	"testing"

	"github.com/eventcc/eventcc/contactcenter/webhook"
	"github.com/eventcc/eventcc/contactcenter/webhook/replaytest"
)

// replaysCapacity is the capacity of the MemReplays under test: room for
// every case of the suite but the one that fills it.
const replaysCapacity = 200

func memReplaysHarness() replaytest.Harness {
	return replaytest.Harness{
		New:      func(testing.TB) webhook.ReplayStore { return webhook.NewMemReplays(replaysCapacity) },
		Capacity: replaysCapacity,
	}
}

func TestMemReplays_Conformance(t *testing.T) {
	replaytest.Run(t, memReplaysHarness())
}

func BenchmarkMemReplays(b *testing.B) {
	replaytest.Benchmark(b, replaytest.Harness{
		New: func(testing.TB) webhook.ReplayStore { return webhook.NewMemReplays(1 << 20) },
	})
}
