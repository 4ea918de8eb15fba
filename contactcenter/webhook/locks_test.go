package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/internal/webhookrace"
	"github.com/eventcc/eventcc/contactcenter/webhook"
	"github.com/eventcc/eventcc/contactcenter/webhook/locktest"
)

// memLocksHarness: MemLocks is in-process, so every replica of the
// suite shares the one MemLocks.
func memLocksHarness() locktest.Harness {
	return locktest.Harness{New: func(_ testing.TB, n int) []webhook.Locker {
		return slices.Repeat([]webhook.Locker{webhook.NewMemLocks()}, n)
	}}
}

func TestMemLocks_Conformance(t *testing.T) {
	locktest.Run(t, memLocksHarness())
}

func BenchmarkMemLocks(b *testing.B) {
	locktest.Benchmark(b, memLocksHarness())
}

// TestMemLocks_ForgetsKeys: a MemLocks keeps memory only for the keys
// locked or waited for, also after waits that expired.
func TestMemLocks_ForgetsKeys(t *testing.T) {
	var l webhook.MemLocks // the zero value is ready to use
	ctx := context.Background()
	unlock, err := l.Lock(ctx, "event/expo")
	require.NoError(t, err)
	other, err := l.Lock(ctx, "event/summit")
	require.NoError(t, err)
	assert.Equal(t, 2, l.Len(), "two keys held: want two kept")
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	_, err = l.Lock(short, "event/expo")
	require.ErrorIs(t, err, context.DeadlineExceeded, "a held key: want the wait to end with its ctx")
	other()
	assert.Equal(t, 1, l.Len(), "one key released: want one kept")
	unlock()
	unlock()
	assert.Zero(t, l.Len(), "every key released, a wait expired: want none kept")
}

// failingLocker fails every Lock while fail is set.
type failingLocker struct {
	webhook.Locker
	fail atomic.Bool
}

var errLockUnavailable = errors.New("lock service unreachable")

func (l *failingLocker) Lock(ctx context.Context, key string) (func(), error) {
	if l.fail.Load() {
		return nil, errLockUnavailable
	}
	return l.Locker.Lock(ctx, key)
}

// TestHandler_LockFailureIs503: a delivery whose subject cannot be
// locked is answered 503 and applies nothing (fail closed), and does not
// count as received: the very same signed request applies once the
// Locker works again. A lock held elsewhere past ApplyTimeout is a 503
// too.
func TestHandler_LockFailureIs503(t *testing.T) {
	t.Run("Lock fails", func(t *testing.T) {
		fl := &failingLocker{Locker: webhook.NewMemLocks()}
		e := newEnv(t, withHandler(func(c *webhook.HandlerConfig) { c.Locks = fl }))
		requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
		fl.fail.Store(true)
		body := mustJSON(t, updated("d2", 2, start, end.Add(time.Hour)))
		req := e.signed(t, body)
		a := e.do(t, req)
		assert.Equal(t, http.StatusServiceUnavailable, a.status, "Lock failed: want 503; got %s", a.raw)
		assert.Equal(t, webhook.CodeUnavailable, a.resp.Code)
		assert.Equal(t, "5", a.header.Get("Retry-After"), "a 503 says when to retry")
		assert.NotContains(t, a.resp.Error, errLockUnavailable.Error(), "internal errors stay in the log")
		assert.Equal(t, end, e.service(t).Term.End, "Lock failed: want nothing applied")

		fl.fail.Store(false)
		again, err := http.NewRequest(http.MethodPost, e.srv.URL, bytes.NewReader(body))
		require.NoError(t, err)
		again.Header = req.Header.Clone()
		requireApplied(t, e.do(t, again), "applied", "extended")
		assert.Equal(t, end.Add(time.Hour), e.service(t).Term.End)
	})
	t.Run("lock held past ApplyTimeout", func(t *testing.T) {
		locks := webhook.NewMemLocks()
		e := newEnv(t, withHandler(func(c *webhook.HandlerConfig) { c.Locks = locks; c.ApplyTimeout = 50 * time.Millisecond }))
		requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
		unlock, err := locks.Lock(context.Background(), "event/expo") // another replica applying
		require.NoError(t, err)
		a := e.send(t, updated("d2", 2, start, end.Add(time.Hour)))
		assert.Equal(t, http.StatusServiceUnavailable, a.status, "the subject locked past ApplyTimeout: want 503; got %s", a.raw)
		assert.Equal(t, end, e.service(t).Term.End, "want nothing applied")
		requireApplied(t, e.send(t, attendee("a1", "attendee.registered", "att-1", 1)), "applied", "registered")
		unlock()
		e.clock.Advance(time.Second)
		requireApplied(t, e.send(t, updated("d2", 2, start, end.Add(time.Hour))), "applied", "extended")
		assert.Zero(t, locks.Len(), "want every lock released")
	})
}

// TestHandler_SharedLocksOrderConcurrentVersions: versions 2 (an
// extension) and 3 (a shortening) of one event reach two Handlers at
// the same moment, webhookrace opening the window between reading the
// last record and applying. Sharing a Locker, as replicas do, the term
// ends as version 3 says, whichever locks first. Each with its own
// in-process lock, version 2 is applied after version 3 and the term
// ends as version 2 says although version 3 is recorded: the race a
// shared Locker closes, and the proof that the hook opens the window.
func TestHandler_SharedLocksOrderConcurrentVersions(t *testing.T) {
	extended, shortened := end.Add(4*time.Hour), end.Add(-2*time.Hour)
	race := func(t *testing.T, shared bool) (contactcenter.Service, [2]answer) {
		hook := webhookrace.New(shared)
		versions, replays := webhook.NewMemVersions(), webhook.NewMemReplays(0)
		var locksA, locksB webhook.Locker = webhook.NewMemLocks(), webhook.NewMemLocks()
		if shared {
			locksB = locksA
		}
		e := newEnv(t, withHandler(func(c *webhook.HandlerConfig) {
			c.Versions, c.Replays, c.Locks = hook.VersionsA(versions), replays, hook.LockerA(locksA)
		}))
		b := e.replica(t, func(c *webhook.HandlerConfig) {
			c.Versions, c.Replays, c.Locks = hook.VersionsB(versions), replays, hook.LockerB(locksB)
		})
		requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
		hook.Arm()

		v2 := e.capture(t, updated("d2", 2, start, extended))
		v3 := e.capture(t, updated("d3", 3, start, shortened))
		var (
			answers [2]answer
			errs    [2]error
			wg      sync.WaitGroup
		)
		wg.Go(func() { answers[0], errs[0] = postConcurrently(e.srv.URL, v2) })
		wg.Go(func() { answers[1], errs[1] = postConcurrently(b, v3) })
		wg.Wait()
		for i, a := range answers {
			require.NoError(t, errs[i])
			require.Equal(t, http.StatusOK, a.status, "want 200; got %s", a.raw)
		}
		last, ok, err := versions.Last(context.Background(), "event/expo")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, "d3", last.Delivery, "want version 3 recorded as the last decided")
		return e.service(t), answers
	}

	t.Run("shared Locker", func(t *testing.T) {
		svc, answers := race(t, true)
		assert.Equal(t, shortened, svc.Term.End, "versions 2 and 3 at once, one Locker: want version 3's term")
		assert.Equal(t, "shortened", answers[1].resp.Change, "want version 3 applied as a shortening, after or without version 2; got %s", answers[1].raw)
	})
	t.Run("a lock per Handler", func(t *testing.T) {
		svc, answers := race(t, false)
		assert.Equal(t, extended, svc.Term.End,
			"versions 2 and 3 at once, each Handler its own lock, the hook pausing A: want version 2 applied last (the race); if not, the hook no longer opens the window")
		assert.Equal(t, "stale", answers[0].resp.Status, "want version 2 answered stale from the record, although it was applied; got %s", answers[0].raw)
	})
}

// postConcurrently sends c to url, from any goroutine.
func postConcurrently(url string, c captured) (answer, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(c.body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTimestamp, c.timestamp)
	req.Header.Set(webhook.HeaderSignature, c.signature)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{status: res.StatusCode, header: res.Header, raw: string(raw)}
	return a, json.Unmarshal(raw, &a.resp)
}
