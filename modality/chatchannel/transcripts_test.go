package chatchannel_test

import (
	"testing"

	"github.com/eventcc/eventcc/modality/chatchannel"
	"github.com/eventcc/eventcc/modality/chatchannel/transcriptstest"
)

func memTranscriptsHarness() transcriptstest.Harness {
	return transcriptstest.Harness{New: func(testing.TB) chatchannel.Transcripts { return chatchannel.NewMemTranscripts() }}
}

func TestMemTranscripts(t *testing.T) {
	transcriptstest.Run(t, memTranscriptsHarness())
}

func BenchmarkMemTranscripts(b *testing.B) {
	transcriptstest.Benchmark(b, memTranscriptsHarness())
}
