package recordstest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/eventcc/eventcc/modality/routing"
)

// Benchmark measures the store h makes: Put of a batch of 10 records
// that each replace a live one (a router's writes as its engagements
// move), and Live of a service with 100 live records (a takeover's read).
func Benchmark(b *testing.B, h Harness) {
	if h.New == nil {
		b.Fatal("recordstest: Harness.New is nil; want a constructor of empty Records stores")
	}
	b.Run("Put/Batch10", func(b *testing.B) {
		s := h.New(b)
		ctx := context.Background()
		batch := make([]routing.Record, 10)
		for i := range batch {
			batch[i] = waiting("bench", fmt.Sprintf("e-%02d", i), base.Add(time.Duration(i)*time.Second), 0)
		}
		seq := int64(0)
		for b.Loop() {
			seq++
			for i := range batch {
				batch[i].Seq = seq
			}
			if err := s.Put(ctx, batch...); err != nil {
				b.Fatalf("Put of Seq %d: %v", seq, err)
			}
		}
	})
	b.Run("Live/100", func(b *testing.B) {
		s := h.New(b)
		ctx := context.Background()
		recs := make([]routing.Record, 100)
		for i := range recs {
			recs[i] = waiting("bench", fmt.Sprintf("e-%03d", i), base.Add(time.Duration(i)*time.Second), 1)
		}
		mustPut(b, s, recs...)
		for b.Loop() {
			got, err := s.Live(ctx, "bench")
			if err != nil || len(got) != len(recs) {
				b.Fatalf("Live: %d records, %v; want %d", len(got), err, len(recs))
			}
		}
	})
}
