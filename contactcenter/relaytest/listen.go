package relaytest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
)

// testListenDone: Listen returns ctx's error once ctx is done while it
// listens, cancelled or past its deadline.
func testListenDone(t *testing.T, r contactcenter.Relay, want error) {
	parent := &doneLater{Context: context.Background(), done: make(chan struct{}), err: want}
	l := startListenerCtx(t, r, "replica-a", parent, nil)
	l.sync(t)
	parent.end()
	err := l.wait()
	require.NotErrorIs(t, err, errNoReturn, "want Listen to return once its ctx is done (%v)", want)
	assert.ErrorIs(t, err, want, "Listen after its ctx was done: want ctx's error")
}

// doneLater is a context that is done, with err, when the test says:
// a deadline that passes while Listen runs, without a timer.
type doneLater struct {
	context.Context
	done chan struct{}
	err  error
	once sync.Once
}

func (c *doneLater) Done() <-chan struct{} { return c.done }

func (c *doneLater) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

func (c *doneLater) end() { c.once.Do(func() { close(c.done) }) }

// testListenDoneAtOnce: Listen with a ctx already done returns its error
// and calls no handler.
func testListenDoneAtOnce(t *testing.T, h Harness, r contactcenter.Relay) {
	for _, c := range []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"cancelled", cancelled(t), context.Canceled},
		{"expired", expired(t), context.DeadlineExceeded},
	} {
		ret := make(chan error, 1)
		var calls int
		go func() { ret <- r.Listen(c.ctx, "replica-a", func([]byte) { calls++ }) }()
		l := &listener{owner: "replica-a", ret: ret}
		err := l.wait()
		require.NotErrorIs(t, err, errNoReturn, "Listen with a %s ctx: want it to return at once", c.name)
		assert.ErrorIs(t, err, c.want, "Listen with a %s ctx: want ctx's error", c.name)
		assert.Zero(t, calls, "Listen with a %s ctx: want no message handled", c.name)
	}
	// The owner may be listened for afterwards.
	l := startListener(t, r, "replica-a")
	l.sync(t)
}

// testNothingAfterDone: nothing sent to an owner after its Listen's ctx
// is done reaches that handler, even when Listen is busy with a message
// as ctx is done and the next one is already there; once Listen has
// returned, the owner is listened for by nobody (messages are dropped)
// until a new Listen for it, which works. The race it looks for shows
// one time in two at most, so it plays the scene several times.
func testNothingAfterDone(t *testing.T, h Harness, r contactcenter.Relay) {
	const scenes = 8
	witness := startListener(t, r, "witness")
	witness.sync(t)
	for i := range scenes {
		owner := fmt.Sprintf("replica-%d", i)
		gate := make(chan struct{})
		l := startListenerCtx(t, r, owner, context.Background(), gate)
		l.sync(t)
		before := []byte(`{"n":"before"}`)
		mustSend(t, r, owner, before)
		l.await(t, "want the first message handed to the handler", l.held.Load, nil)

		l.cancel() // while the handler is busy
		mustSend(t, r, owner, []byte(`{"n":"after cancel"}`))
		witness.sync(t) // the message is with the listener, or dropped
		close(gate)
		err := l.wait()
		require.NotErrorIs(t, err, errNoReturn, "want Listen to return once its ctx is cancelled")
		assert.ErrorIs(t, err, context.Canceled, "Listen after its ctx was cancelled: want ctx's error")
		require.NoError(t, r.Send(context.Background(), owner, []byte(`{"n":"after return"}`)),
			"Send to an owner whose Listen returned: want no error, the message dropped")
		witness.sync(t) // nothing sent to the owner is in flight any more

		again := startListener(t, r, owner)
		again.sync(t)
		after := []byte(`{"n":"again"}`)
		mustSend(t, r, owner, after)
		again.awaitCount(t, 1)
		again.sync(t)
		assert.Equal(t, []string{string(before)}, l.messages(), "scene %d: want nothing sent after its ctx was done handed to the first handler", i)
		assert.Equal(t, []string{string(after)}, again.messages(), "scene %d: want the new listener to get what was sent to it, and nothing sent before it listened", i)
	}
}
