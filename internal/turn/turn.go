// Package turn runs what is to be said in one conversation one thing at
// a time, in the order asked, for the channels that say things in
// conversations from several goroutines: a router's decision, which
// must not wait on a durable store's write, and an agent's post, which
// must come after it.
package turn

import (
	"context"
	"sync"
)

// Queue is one conversation's turn. Its zero value is ready; it is safe
// for concurrent use. It starts a goroutine only while something waits
// its turn, and that goroutine exits once nothing does.
type Queue struct {
	mu      sync.Mutex
	later   []func()
	running bool // something is running, on a caller's goroutine or the queue's
}

// Go runs f after everything asked before it, on the queue's goroutine,
// and returns at once. wg counts the goroutine, so that its owner can
// wait for it.
func (q *Queue) Go(wg *sync.WaitGroup, f func()) {
	q.mu.Lock()
	q.later = append(q.later, f)
	idle := !q.running
	q.running = true
	q.mu.Unlock()
	if idle {
		q.start(wg)
	}
}

// Do runs f after everything asked before it and returns once f has
// run: on the caller's goroutine when nothing runs or waits, otherwise
// on the queue's. If ctx ends first, Do returns ctx.Err() and f still
// runs in its turn.
func (q *Queue) Do(ctx context.Context, wg *sync.WaitGroup, f func()) error {
	q.mu.Lock()
	if !q.running {
		q.running = true
		q.mu.Unlock()
		f()
		q.mu.Lock()
		more := len(q.later) > 0 // asked while f ran
		q.running = more
		q.mu.Unlock()
		if more {
			q.start(wg)
		}
		return nil
	}
	done := make(chan struct{})
	q.later = append(q.later, func() { f(); close(done) })
	q.mu.Unlock()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// start runs what waits, in order, on a goroutine of the queue's, until
// nothing does. q.running is set.
func (q *Queue) start(wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			q.mu.Lock()
			if len(q.later) == 0 {
				q.running = false
				q.mu.Unlock()
				return
			}
			f := q.later[0]
			q.later[0] = nil
			q.later = q.later[1:]
			q.mu.Unlock()
			f()
		}
	}()
}
