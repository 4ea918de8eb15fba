package relaytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
)

// Harness tells the suite how to make the relay under test.
type Harness struct {
	// New returns a relay nobody listens on. It is called once per
	// subtest (and benchmark); clean up with t.Cleanup.
	New func(t testing.TB) contactcenter.Relay
	// TextOnly says the relay carries only messages that are UTF-8 text
	// without NUL bytes, as PostgreSQL's notifications do (the
	// Lifecycle's messages, JSON, are such text). The suite then checks
	// that Send refuses any other message with an error rather than
	// deliver it altered. false, the stricter default: the relay carries
	// any bytes, and the suite checks that they arrive intact.
	TextOnly bool
}

// Timeout bounds each wait of the suite: for a listener to be in place,
// for messages to arrive, for Listen to return.
const Timeout = 20 * time.Second

// Run runs the conformance suite against the relays h makes. Run it
// under -race: the Concurrent subtests use many goroutines.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("relaytest: Harness.New is nil; want a constructor of relays nobody listens on")
	}
	cases := []struct {
		name string
		run  func(t *testing.T, h Harness, r contactcenter.Relay)
	}{
		{"Deliver/RoundTripKeepsBytes", testRoundTrip},
		{"Deliver/NonText", testNonText},
		{"Deliver/SenderKeepsItsBuffer", testSenderBuffer},
		{"Owners/Isolated", testIsolated},
		{"Owners/NobodyListensDropped", testNobody},
		{"Listen/CancelReturnsCtxErr", func(t *testing.T, h Harness, r contactcenter.Relay) { testListenDone(t, r, context.Canceled) }},
		{"Listen/DeadlineReturnsCtxErr", func(t *testing.T, h Harness, r contactcenter.Relay) {
			testListenDone(t, r, context.DeadlineExceeded)
		}},
		{"Listen/DoneCtxAtOnce", testListenDoneAtOnce},
		{"Listen/NothingAfterDone", testNothingAfterDone},
		{"Send/TooLarge", testTooLarge},
		{"Send/Cancelled", func(t *testing.T, h Harness, r contactcenter.Relay) { testSendDone(t, r, cancelled(t)) }},
		{"Send/DeadlineExceeded", func(t *testing.T, h Harness, r contactcenter.Relay) { testSendDone(t, r, expired(t)) }},
		{"Send/DoesNotWaitForHandler", testNoWait},
		{"Concurrent/ExactlyOnceToTheRightListener", testConcurrent},
		{"Concurrent/ListenersComeAndGo", testChurn},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.New(t)
			require.NotNil(t, r, "Harness.New returned a nil relay; want one nobody listens on")
			c.run(t, h, r)
		})
	}
}

// cancelled returns a context that is already cancelled.
func cancelled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// expired returns a context whose deadline has passed.
func expired(t *testing.T) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	t.Cleanup(cancel)
	return ctx
}

// probePrefix starts every probe, and no other message of the suite.
var probePrefix = []byte(`{"relaytest":"probe"`)

func isProbe(msg []byte) bool { return bytes.HasPrefix(msg, probePrefix) }

func probe(owner string, n int) []byte {
	return fmt.Appendf(nil, `{"relaytest":"probe","to":%q,"n":%d}`, owner, n)
}

// listener is a Listen call of the suite's, on a goroutine of its own.
type listener struct {
	r      contactcenter.Relay
	owner  string
	cancel context.CancelFunc
	ret    chan error    // Listen's return
	signal chan struct{} // something was handled (capacity 1)
	gate   chan struct{} // if set, handling a message other than a probe waits until it is closed

	waitOnce sync.Once
	err      error // Listen's return, once waited for

	busy    atomic.Int32 // handler calls in progress
	overlap atomic.Bool  // the handler was called while a call was in progress
	held    atomic.Bool  // the handler has waited at the gate

	mu     sync.Mutex
	got    [][]byte // messages handled, in order, probes left out, as handed over
	probes int      // probes handled
}

// startListener calls r.Listen(ctx, owner, …) on a goroutine, with a
// ctx of its own; the listener stops when the test ends.
func startListener(t testing.TB, r contactcenter.Relay, owner string) *listener {
	return startListenerCtx(t, r, owner, context.Background(), nil)
}

// startListenerCtx is startListener with the parent of Listen's ctx, and
// a gate that holds up the handler.
func startListenerCtx(t testing.TB, r contactcenter.Relay, owner string, parent context.Context, gate chan struct{}) *listener {
	t.Helper()
	ctx, cancel := context.WithCancel(parent)
	l := &listener{r: r, owner: owner, cancel: cancel, ret: make(chan error, 1), signal: make(chan struct{}, 1), gate: gate}
	go func() { l.ret <- r.Listen(ctx, owner, l.handle) }()
	t.Cleanup(func() {
		if err := l.stop(); !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Listen(%q) returned %v; want it to listen until its ctx is done, and then return ctx's error", owner, err)
		}
	})
	return l
}

func (l *listener) handle(msg []byte) {
	if l.busy.Add(1) > 1 {
		l.overlap.Store(true)
	}
	defer l.busy.Add(-1)
	if l.gate != nil && !isProbe(msg) {
		l.held.Store(true)
		<-l.gate
	}
	l.mu.Lock()
	if isProbe(msg) {
		l.probes++
	} else {
		l.got = append(l.got, msg)
	}
	l.mu.Unlock()
	select {
	case l.signal <- struct{}{}:
	default:
	}
}

// stop cancels Listen's ctx and returns what Listen returned, or
// errNoReturn if it did not return within Timeout.
func (l *listener) stop() error {
	l.cancel()
	return l.wait()
}

// errNoReturn is what wait returns when Listen does not return.
var errNoReturn = errors.New("relaytest: Listen still running")

// wait returns what Listen returned, or errNoReturn if it does not
// return within Timeout (of this call, or of the first that waited).
func (l *listener) wait() error {
	l.waitOnce.Do(func() {
		timer := time.NewTimer(Timeout)
		defer timer.Stop()
		select {
		case l.err = <-l.ret:
		case <-timer.C:
			l.err = fmt.Errorf("%w: Listen(%q) did not return within %v", errNoReturn, l.owner, Timeout)
		}
	})
	return l.err
}

// messages returns the messages handled so far, probes left out, as
// strings (which print readably, and hold any bytes).
func (l *listener) messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, len(l.got))
	for i, m := range l.got {
		out[i] = string(m)
	}
	return out
}

// await waits until cond, called under l.mu, holds; every 20ms it calls
// every, if set. It fails the test after Timeout.
func (l *listener) await(t testing.TB, what string, cond func() bool, every func(n int)) {
	t.Helper()
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	fire := true
	for n := 0; ; {
		l.mu.Lock()
		ok := cond()
		l.mu.Unlock()
		if ok {
			return
		}
		if every != nil && fire {
			every(n)
			n++
		}
		fire = false
		select {
		case <-l.signal:
		case <-tick.C:
			fire = true
		case <-timer.C:
			l.mu.Lock()
			ok := cond()
			l.mu.Unlock()
			if !ok {
				t.Fatalf("relaytest: %s: not within %v", what, Timeout)
			}
			return
		}
	}
}

// sync sends probes to l's owner, again every 20ms, until one arrives.
// Once it returns, l is listening, and whatever was sent before sync
// was called (to any owner, from this goroutine) has been delivered or
// dropped.
func (l *listener) sync(t testing.TB) {
	t.Helper()
	l.mu.Lock()
	before := l.probes
	l.mu.Unlock()
	l.await(t, fmt.Sprintf("want a probe sent to %q to reach its listener", l.owner),
		func() bool { return l.probes > before },
		func(n int) {
			err := l.r.Send(context.Background(), l.owner, probe(l.owner, n))
			require.NoError(t, err, "Send of a probe to %q: want no error", l.owner)
		})
}

// awaitCount waits until l has handled n messages other than probes.
func (l *listener) awaitCount(t testing.TB, n int) {
	t.Helper()
	l.await(t, fmt.Sprintf("want %d messages handled by the listener for %q", n, l.owner),
		func() bool { return len(l.got) >= n }, nil)
}

// mustSend sends msg to owner and requires no error.
func mustSend(t testing.TB, r contactcenter.Relay, owner string, msg []byte) {
	t.Helper()
	require.NoError(t, r.Send(context.Background(), owner, msg), "Send of %d bytes to %q: want no error", len(msg), owner)
}

// assertOneAtATime checks that the handler was never called while a
// call was in progress.
func assertOneAtATime(t testing.TB, ls ...*listener) {
	t.Helper()
	for _, l := range ls {
		assert.False(t, l.overlap.Load(), "listener for %q: want the handler called one message at a time, never two calls at once", l.owner)
	}
}

// jsonOf returns a JSON object of exactly size bytes: {"pad":"…"} with
// the padding made of runes of one, two, three and four bytes.
func jsonOf(size int) []byte {
	const head, tail = `{"pad":"`, `"}`
	var b strings.Builder
	b.WriteString(head)
	runes := []string{"a", "é", "€", "🎧"}
	for i := 0; ; i++ {
		r := runes[i%len(runes)]
		left := size - len(tail) - b.Len()
		if left < len(r) {
			b.WriteString(strings.Repeat("x", left))
			break
		}
		b.WriteString(r)
	}
	b.WriteString(tail)
	return []byte(b.String())
}
