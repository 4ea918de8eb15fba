package turn

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQueue_InOrderWithoutWaiting: Go returns while what was asked
// before still runs; everything runs once, in the order asked; the
// queue's goroutine is gone at the end.
func TestQueue_InOrderWithoutWaiting(t *testing.T) {
	var (
		q    Queue
		wg   sync.WaitGroup
		mu   sync.Mutex
		ran  []int
		hold = make(chan struct{})
	)
	q.Go(&wg, func() { <-hold; mu.Lock(); ran = append(ran, 0); mu.Unlock() })
	for i := 1; i <= 5; i++ {
		q.Go(&wg, func() { mu.Lock(); ran = append(ran, i); mu.Unlock() }) // returns although 0 is held
	}
	close(hold)
	wg.Wait()
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5}, ran)
	assert.False(t, q.running, "idle once nothing waits")
	assert.Empty(t, q.later)
}

// TestQueue_DoInlineWhenIdle: with nothing running, Do runs f on the
// caller's goroutine and starts none.
func TestQueue_DoInlineWhenIdle(t *testing.T) {
	var (
		q  Queue
		wg sync.WaitGroup
	)
	n := 0
	require.NoError(t, q.Do(t.Context(), &wg, func() { n++ }))
	assert.Equal(t, 1, n, "ran before Do returned")
	wg.Wait()
	assert.False(t, q.running)
}

// TestQueue_DoWaitsItsTurn: Do runs f after what was asked before, and
// what is asked while an inline f runs follows it on the queue's
// goroutine.
func TestQueue_DoWaitsItsTurn(t *testing.T) {
	var (
		q    Queue
		wg   sync.WaitGroup
		mu   sync.Mutex
		ran  []string
		hold = make(chan struct{})
	)
	note := func(s string) { mu.Lock(); ran = append(ran, s); mu.Unlock() }
	q.Go(&wg, func() { <-hold; note("first") })
	done := make(chan error)
	go func() { done <- q.Do(context.Background(), &wg, func() { note("waited") }) }()
	for {
		q.mu.Lock()
		n := len(q.later)
		q.mu.Unlock()
		if n == 1 { // Do's f is queued behind "first"
			break
		}
		runtime.Gosched()
	}
	close(hold)
	require.NoError(t, <-done)
	require.NoError(t, q.Do(t.Context(), &wg, func() { q.Go(&wg, func() { note("after") }); note("inline") }))
	wg.Wait()
	assert.Equal(t, []string{"first", "waited", "inline", "after"}, ran)
	assert.False(t, q.running)
}

// TestQueue_DoStopsWaitingAtItsContext: the caller goes; f still runs
// in its turn.
func TestQueue_DoStopsWaitingAtItsContext(t *testing.T) {
	var (
		q    Queue
		wg   sync.WaitGroup
		hold = make(chan struct{})
	)
	q.Go(&wg, func() { <-hold })
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ran := make(chan struct{})
	assert.ErrorIs(t, q.Do(ctx, &wg, func() { close(ran) }), context.Canceled)
	close(hold)
	<-ran
	wg.Wait()
}
