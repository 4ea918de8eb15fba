package pgstore

import (
	"context"
	"sync"
	"time"
)

// group commits concurrent writes of one kind together: one statement,
// and so one commit (one wait for the WAL's flush), for all the writes
// that arrived while the previous statement ran. A write that finds no
// statement running is written at once, alone, so a quiet store adds no
// latency; under load a write waits for at most the statement before
// its own.
//
// Each write gets its own result: if the statement for several fails,
// and retry says the error allows it (nil: always), each is written
// again on its own (one) and gets that result. A caller whose ctx ends
// stops waiting, but its write, once queued, may still be made, as a
// statement already sent may.
type group[T, R any] struct {
	max   int                                            // writes in one statement at most
	all   func(ctx context.Context, vs []T) ([]R, error) // one statement (one transaction) for vs, len(vs) ≥ 2
	one   func(ctx context.Context, v T) (R, error)      // the write of v alone
	retry func(err error) bool                           // whether all's failure left nothing written

	mu   sync.Mutex
	busy bool // a goroutine is writing; what is queued waits for it
	q    []*write[T, R]
}

type write[T, R any] struct {
	v    T
	done chan result[R] // buffered: the writer never waits on it
}

type result[R any] struct {
	r   R
	err error
}

// groupTimeout bounds a statement written for several callers, whose
// own contexts it does not follow.
const groupTimeout = 30 * time.Second

// do writes v, with others queued meanwhile.
func (g *group[T, R]) do(ctx context.Context, v T) (R, error) {
	w := &write[T, R]{v: v, done: make(chan result[R], 1)}
	g.mu.Lock()
	g.q = append(g.q, w)
	lead := !g.busy
	g.busy = true
	g.mu.Unlock()
	if lead {
		// This caller writes the queue's first batch (its own write is
		// in it) and leaves the rest, if any, to a goroutine of their
		// own: its latency is one statement.
		if g.flush() {
			go func() {
				for g.flush() {
				}
			}()
		}
	}
	select {
	case res := <-w.done:
		return res.r, res.err
	case <-ctx.Done():
		var zero R
		return zero, ctx.Err()
	}
}

// flush writes up to max queued writes and reports whether more are
// queued; if not, the group is idle again.
func (g *group[T, R]) flush() (more bool) {
	g.mu.Lock()
	n := min(len(g.q), g.max)
	batch := make([]*write[T, R], n)
	copy(batch, g.q)
	g.q = g.q[n:]
	if len(g.q) == 0 {
		g.q = nil
	}
	g.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	g.write(ctx, batch)

	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.q) == 0 {
		g.busy = false
		return false
	}
	return true
}

// write makes the writes of batch and gives each its result.
func (g *group[T, R]) write(ctx context.Context, batch []*write[T, R]) {
	if len(batch) == 1 {
		r, err := g.one(ctx, batch[0].v)
		batch[0].done <- result[R]{r, err}
		return
	}
	vs := make([]T, len(batch))
	for i, w := range batch {
		vs[i] = w.v
	}
	rs, err := g.all(ctx, vs)
	switch {
	case err == nil:
		for i, w := range batch {
			w.done <- result[R]{r: rs[i]}
		}
	case g.retry == nil || g.retry(err):
		for _, w := range batch {
			r, err := g.one(ctx, w.v)
			w.done <- result[R]{r, err}
		}
	default:
		for _, w := range batch {
			w.done <- result[R]{err: err}
		}
	}
}

// noResult and noResults adapt writes that return nothing but an error.
func noResult[T any](f func(context.Context, T) error) func(context.Context, T) (struct{}, error) {
	return func(ctx context.Context, v T) (struct{}, error) { return struct{}{}, f(ctx, v) }
}

func noResults[T any](f func(context.Context, []T) error) func(context.Context, []T) ([]struct{}, error) {
	return func(ctx context.Context, vs []T) ([]struct{}, error) { return make([]struct{}, len(vs)), f(ctx, vs) }
}
