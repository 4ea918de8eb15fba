package relaytest

import (
	"context"
	"testing"
	"time"
)

// Benchmark measures the relay h makes: Send of a 1 KiB message to an
// owner nobody listens for (what a sender pays), and a round trip, Send
// until the handler has the message.
func Benchmark(b *testing.B, h Harness) {
	if h.New == nil {
		b.Fatal("relaytest: Harness.New is nil; want a constructor of relays nobody listens on")
	}
	msg := jsonOf(1024)
	b.Run("Send/1KiB", func(b *testing.B) {
		r := h.New(b)
		ctx := context.Background()
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			if err := r.Send(ctx, "nobody", msg); err != nil {
				b.Fatalf("Send: %v", err)
			}
		}
	})
	b.Run("RoundTrip/1KiB", func(b *testing.B) {
		r := h.New(b)
		l := startListener(b, r, "replica-a")
		l.sync(b)
		ctx := context.Background()
		b.SetBytes(int64(len(msg)))
		n := 0
		for b.Loop() {
			n++
			if err := r.Send(ctx, "replica-a", msg); err != nil {
				b.Fatalf("Send: %v", err)
			}
			roundTrip(b, l, n)
		}
	})
}

// roundTrip waits until l has handled n messages other than probes.
func roundTrip(b *testing.B, l *listener, n int) {
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	for {
		l.mu.Lock()
		got := len(l.got)
		l.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-l.signal:
		case <-timer.C:
			b.Fatalf("message %d not handled within %v", n, Timeout)
		}
	}
}
