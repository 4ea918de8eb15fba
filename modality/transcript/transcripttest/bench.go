package transcripttest

import (
	"context"
	"fmt"
	"testing"
)

// Benchmark measures the store h makes: Append of a message with a
// ClientMsgID to a conversation (the channel's write for each message
// said), and Since of the last 20 messages of a conversation of 100 (a
// reconnect's read).
func Benchmark(b *testing.B, h Harness) {
	if h.New == nil {
		b.Fatal("transcripttest: Harness.New is nil; want a constructor of empty Transcripts stores")
	}
	b.Run("Append", func(b *testing.B) {
		s := h.New(b)
		ctx := context.Background()
		i := 0
		for b.Loop() {
			if _, err := s.Append(ctx, msg("bench", "c-1", fmt.Sprint("k-", i), i)); err != nil {
				b.Fatalf("Append %d: %v", i, err)
			}
			i++
		}
	})
	b.Run("Since/20of100", func(b *testing.B) {
		s := h.New(b)
		ctx := context.Background()
		for i := range 100 {
			mustAppend(b, s, msg("bench", "c-1", "", i))
		}
		for b.Loop() {
			got, err := s.Since(ctx, "c-1", 80)
			if err != nil || len(got) != 20 {
				b.Fatalf("Since: %d messages, %v; want 20", len(got), err)
			}
		}
	})
}
