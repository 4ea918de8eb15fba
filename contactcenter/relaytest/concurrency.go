package relaytest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eventcc/eventcc/contactcenter"
)

// testConcurrent: senders send, all at once, messages to two listeners
// and to an owner nobody listens for. Every Send succeeds; each message
// reaches the listener it was sent to, exactly once; nothing reaches the
// wrong one; no handler is called twice at once.
func testConcurrent(t *testing.T, h Harness, r contactcenter.Relay) {
	const senders, each = 8, 100
	owners := []string{"left", "right"}
	ls := map[string]*listener{}
	for _, o := range owners {
		ls[o] = startListener(t, r, o)
	}
	for _, o := range owners {
		ls[o].sync(t)
	}
	want := map[string][]string{}
	var mu sync.Mutex
	errs := make([][]error, senders)
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				to := owners[(g+i)%2]
				if i%10 == 9 {
					to = "nobody"
				}
				m := fmt.Appendf(nil, `{"from":%d,"n":%d,"to":%q}`, g, i, to)
				if err := r.Send(context.Background(), to, m); err != nil {
					errs[g] = append(errs[g], err)
					continue
				}
				mu.Lock()
				want[to] = append(want[to], string(m))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for g := range senders {
		assert.Empty(t, errs[g], "sender %d: want every concurrent Send to succeed", g)
	}
	for _, o := range owners {
		ls[o].awaitCount(t, len(want[o]))
	}
	for _, o := range owners {
		ls[o].sync(t)
	}
	for _, o := range owners {
		assert.ElementsMatch(t, want[o], ls[o].messages(), "listener for %q: want each message sent to it exactly once, and none sent elsewhere", o)
	}
	assertOneAtATime(t, ls["left"], ls["right"])
}

// testChurn: while senders send to a steady listener and to an owner
// whose Listen starts and stops again and again, the steady listener
// gets every message exactly once, and the other owner's listeners,
// between them, each message at most once, none of the steady one's.
// Every Listen that stops returns its ctx's error.
func testChurn(t *testing.T, h Harness, r contactcenter.Relay) {
	const senders, each, rounds = 4, 100, 10
	steady := startListener(t, r, "steady")
	steady.sync(t)
	sent := make(chan struct{})
	var flaky []*listener
	var wg sync.WaitGroup
	wg.Go(func() {
		for range rounds {
			l := &listener{r: r, owner: "flaky", ret: make(chan error, 1), signal: make(chan struct{}, 1)}
			ctx, cancel := context.WithCancel(context.Background())
			l.cancel = cancel
			go func() { l.ret <- r.Listen(ctx, "flaky", l.handle) }()
			flaky = append(flaky, l)
			select {
			case <-l.signal:
			case <-sent:
			}
			_ = l.stop()
		}
	})
	var want []string
	var mu sync.Mutex
	errs := make([][]error, senders)
	var sending sync.WaitGroup
	for g := range senders {
		sending.Go(func() {
			for i := range each {
				to := "steady"
				if i%2 == 1 {
					to = "flaky"
				}
				m := fmt.Appendf(nil, `{"from":%d,"n":%d,"to":%q}`, g, i, to)
				if err := r.Send(context.Background(), to, m); err != nil {
					errs[g] = append(errs[g], err)
					continue
				}
				if to == "steady" {
					mu.Lock()
					want = append(want, string(m))
					mu.Unlock()
				}
			}
		})
	}
	sending.Wait()
	close(sent)
	wg.Wait()
	for g := range senders {
		assert.Empty(t, errs[g], "sender %d: want every Send to succeed while listeners come and go", g)
	}
	steady.awaitCount(t, len(want))
	steady.sync(t)
	assert.ElementsMatch(t, want, steady.messages(), "steady listener: want each message sent to it exactly once while another owner's listeners came and went")
	seen := map[string]int{}
	for i, l := range flaky {
		if !errors.Is(l.err, context.Canceled) {
			t.Errorf("Listen %d for %q: returned %v; want ctx's error, context.Canceled", i, "flaky", l.err)
		}
		for _, m := range l.messages() {
			seen[m]++
		}
	}
	for m, n := range seen {
		assert.Equal(t, 1, n, "message %s: want it delivered at most once across the listeners for its owner", m)
		assert.Contains(t, m, `"to":"flaky"`, "want only messages sent to %q delivered to its listeners", "flaky")
	}
	assertOneAtATime(t, append(flaky, steady)...)
}
