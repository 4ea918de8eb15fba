package relaytest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
)

// testTooLarge: a message larger than MaxRelayMessage is an error from
// Send, and is not delivered, cut or whole.
func testTooLarge(t *testing.T, h Harness, r contactcenter.Relay) {
	l := startListener(t, r, "replica-a")
	l.sync(t)
	for _, size := range []int{contactcenter.MaxRelayMessage + 1, 8000, 64 << 10} {
		err := r.Send(context.Background(), "replica-a", jsonOf(size))
		assert.Error(t, err, "Send of %d bytes, more than MaxRelayMessage (%d): want an error", size, contactcenter.MaxRelayMessage)
		err = r.Send(context.Background(), "nobody", jsonOf(size))
		assert.Error(t, err, "Send of %d bytes to an owner nobody listens for: want an error all the same", size)
	}
	l.sync(t)
	assert.Empty(t, l.messages(), "want nothing delivered of the messages too large to send")
}

// testSendDone: a done ctx makes Send return its error, and nothing is
// delivered.
func testSendDone(t *testing.T, r contactcenter.Relay, ctx context.Context) {
	l := startListener(t, r, "replica-a")
	l.sync(t)
	err := r.Send(ctx, "replica-a", []byte(`{"n":1}`))
	assert.ErrorIs(t, err, ctx.Err(), "Send with a done ctx: want ctx's error")
	err = r.Send(ctx, "nobody", []byte(`{"n":2}`))
	assert.ErrorIs(t, err, ctx.Err(), "Send with a done ctx to an owner nobody listens for: want ctx's error")
	l.sync(t)
	assert.Empty(t, l.messages(), "want nothing delivered of what Send with a done ctx was given")
}

// stuck is how many messages testNoWait sends to a listener whose
// handler is held up: more than a relay would reasonably queue, so that
// a Send that waits for room in the listener's queue shows.
const stuck = 2000

// testNoWait: Send does not wait for the message to be handled: with the
// handler held up, thousands of Sends return at once. Those beyond what
// the relay queues may be dropped (at most once), but none is delivered
// twice, and the listener goes on once the handler does.
func testNoWait(t *testing.T, h Harness, r contactcenter.Relay) {
	gate := make(chan struct{})
	l := startListenerCtx(t, r, "replica-a", context.Background(), gate)
	released := false
	release := func() {
		if !released {
			released = true
			close(gate)
		}
	}
	defer release()
	l.sync(t)
	first := []byte(`{"n":"first"}`)
	mustSend(t, r, "replica-a", first)
	l.await(t, "want the first message handed to the handler", l.held.Load, nil)

	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	want := map[string]bool{string(first): true}
	for i := range stuck {
		m := fmt.Appendf(nil, `{"n":%d}`, i)
		want[string(m)] = true
		if err := r.Send(ctx, "replica-a", m); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Send %d to a listener whose handler is held up: still not returned after %v; want Send not to wait for the handler", i, Timeout)
			}
			require.NoError(t, err, "Send %d to a listener whose handler is held up: want no error", i)
		}
	}
	release()
	l.sync(t)
	got := l.messages()
	require.NotEmpty(t, got)
	assert.Equal(t, string(first), got[0], "want the message the handler was held up on handled first")
	seen := make(map[string]int, len(got))
	for _, m := range got {
		seen[m]++
		assert.True(t, want[m], "want only messages that were sent; got %q", m)
	}
	for m, n := range seen {
		assert.Equal(t, 1, n, "message %s: want it delivered at most once", m)
	}
	assertOneAtATime(t, l)
}
