package pgstore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is the statements a group made: each a list of values.
type recorder struct {
	mu    sync.Mutex
	stmts [][]int
	hold  chan struct{} // while set, the first statement waits on it
	began chan struct{} // closed once the first statement began
	bad   int           // the value whose write fails, alone or with others
}

func (r *recorder) group(max int) *group[int, struct{}] {
	return &group[int, struct{}]{max: max, all: noResults(r.all), one: noResult(r.one)}
}

func (r *recorder) record(vs []int) error {
	r.mu.Lock()
	first := len(r.stmts) == 0
	r.stmts = append(r.stmts, slices.Clone(vs))
	r.mu.Unlock()
	if first && r.hold != nil {
		close(r.began)
		<-r.hold
	}
	if slices.Contains(vs, r.bad) {
		return fmt.Errorf("value %d refused", r.bad)
	}
	return nil
}

func (r *recorder) all(_ context.Context, vs []int) error { return r.record(vs) }
func (r *recorder) one(_ context.Context, v int) error    { return r.record([]int{v}) }

func (r *recorder) statements() [][]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.stmts)
}

// queued waits until n writes wait in the group's queue: for that, not
// for a time.
func queued(g *group[int, struct{}], n int) {
	for {
		g.mu.Lock()
		q := len(g.q)
		g.mu.Unlock()
		if q == n {
			return
		}
		runtime.Gosched()
	}
}

// idle waits until the group is idle (the goroutine writing what was
// queued may still be returning when the last caller has), and checks
// that nothing is left queued: no goroutine of the group is left.
func idle(t *testing.T, g *group[int, struct{}]) {
	t.Helper()
	for {
		g.mu.Lock()
		busy, q := g.busy, len(g.q)
		g.mu.Unlock()
		if !busy {
			assert.Zero(t, q, "nothing left queued")
			return
		}
		runtime.Gosched()
	}
}

// TestGroup_AloneAtOnce: a write with nothing running is written at
// once, alone.
func TestGroup_AloneAtOnce(t *testing.T) {
	r := &recorder{bad: -1}
	g := r.group(8)
	require.NoError(t, doInt(t.Context(), g, 1))
	require.NoError(t, doInt(t.Context(), g, 2))
	assert.Equal(t, [][]int{{1}, {2}}, r.statements())
	idle(t, g)
}

// TestGroup_WritesWhileOneRunsGoTogether: the writes queued while a
// statement runs go in the next, up to max each, and each caller
// returns once its own is written.
func TestGroup_WritesWhileOneRunsGoTogether(t *testing.T) {
	r := &recorder{bad: -1, hold: make(chan struct{}), began: make(chan struct{})}
	g := r.group(4)
	var wg sync.WaitGroup
	wg.Go(func() { assert.NoError(t, doInt(t.Context(), g, 0)) })
	<-r.began
	for v := 1; v <= 6; v++ {
		wg.Go(func() { assert.NoError(t, doInt(t.Context(), g, v)) })
	}
	queued(g, 6)
	close(r.hold)
	wg.Wait()
	stmts := r.statements()
	require.Len(t, stmts, 3, "the first alone, then the six in two statements of at most four")
	assert.Equal(t, []int{0}, stmts[0])
	assert.Len(t, stmts[1], 4)
	assert.Len(t, stmts[2], 2)
	var rest []int
	for _, s := range stmts[1:] {
		rest = append(rest, s...)
	}
	slices.Sort(rest)
	assert.Equal(t, []int{1, 2, 3, 4, 5, 6}, rest, "each once")
	idle(t, g)
}

// TestGroup_AFailedStatementIsRetriedOneByOne: each caller gets its own
// result: the bad write's error, nil for the others.
func TestGroup_AFailedStatementIsRetriedOneByOne(t *testing.T) {
	r := &recorder{bad: 3, hold: make(chan struct{}), began: make(chan struct{})}
	g := r.group(8)
	var wg sync.WaitGroup
	wg.Go(func() { assert.NoError(t, doInt(t.Context(), g, 0)) })
	<-r.began
	errs := make([]error, 5)
	for v := 1; v <= 4; v++ {
		wg.Go(func() { errs[v] = doInt(t.Context(), g, v) })
	}
	queued(g, 4)
	close(r.hold)
	wg.Wait()
	for v := 1; v <= 4; v++ {
		if v == r.bad {
			assert.EqualError(t, errs[v], "value 3 refused")
		} else {
			assert.NoError(t, errs[v], "value %d", v)
		}
	}
	stmts := r.statements()
	require.Len(t, stmts, 6, "the first, the four together, then each of them alone")
	assert.Len(t, stmts[1], 4)
	idle(t, g)
}

// TestGroup_ACallerStopsWaitingAtItsContext: its write is made all the
// same (it was queued), and the others are not held up.
func TestGroup_ACallerStopsWaitingAtItsContext(t *testing.T) {
	r := &recorder{bad: -1, hold: make(chan struct{}), began: make(chan struct{})}
	g := r.group(8)
	var wg sync.WaitGroup
	wg.Go(func() { assert.NoError(t, doInt(t.Context(), g, 0)) })
	<-r.began
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := doInt(ctx, g, 1)
	assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
	wg.Go(func() { assert.NoError(t, doInt(t.Context(), g, 2)) })
	queued(g, 2)
	close(r.hold)
	wg.Wait()
	idle(t, g)
	assert.Equal(t, [][]int{{0}, {1, 2}}, r.statements())
	idle(t, g)
}

func doInt(ctx context.Context, g *group[int, struct{}], v int) error {
	_, err := g.do(ctx, v)
	return err
}

// TestRefused: only an error PostgreSQL answered lets the appends of a
// failed transaction be made again one by one; after any other, the
// transaction may have committed.
func TestRefused(t *testing.T) {
	assert.True(t, refused(fmt.Errorf("append: %w", &pgconn.PgError{Code: "40P01"})), "a deadlock, rolled back")
	assert.False(t, refused(errors.New("read tcp: connection reset by peer")), "lost with the connection: it may have committed")
	assert.False(t, refused(context.DeadlineExceeded))
}
