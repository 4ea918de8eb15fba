package transcript_test

import (
	"testing"

	"github.com/eventcc/eventcc/modality/transcript"
	"github.com/eventcc/eventcc/modality/transcript/transcripttest"
)

func memHarness() transcripttest.Harness {
	return transcripttest.Harness{New: func(testing.TB) transcript.Store { return transcript.NewMem() }}
}

func TestMem(t *testing.T) {
	transcripttest.Run(t, memHarness())
}

func BenchmarkMem(b *testing.B) {
	transcripttest.Benchmark(b, memHarness())
}
