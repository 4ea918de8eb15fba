package pgstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/internal/webhookrace"
	"github.com/eventcc/eventcc/contactcenter/lifecycletest"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
	"github.com/eventcc/eventcc/contactcenter/webhook"
	"github.com/eventcc/eventcc/contactcenter/webhook/locktest"
	"github.com/eventcc/eventcc/numbermap"
)

// lockPoolConns is the size of the pools of the lock tests' replicas;
// a WebhookLocks on one holds at most half of them.
const lockPoolConns = 6

// replicaDB returns a DB on db's schema over a pool of its own, as the
// process of another replica has, whose connections carry the
// application name app.
func replicaDB(t testing.TB, db *pgstore.DB, app string) *pgstore.DB {
	t.Helper()
	ctx := context.Background()
	url := testURL(t)
	var schema string
	require.NoError(t, db.Pool().QueryRow(ctx, `SELECT current_schema()`).Scan(&schema))
	pool, err := pgstore.Connect(ctx, fmt.Sprintf("%s%spool_max_conns=%d&application_name=%s", url, sep(url), lockPoolConns, app), schema)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pgstore.New(pool, pgstore.WithCallerClock())
}

// appName returns an application name no other test uses.
func appName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// webhookLocksHarness makes each replica's WebhookLocks on a pool of its
// own, as in a process of its own, and kills a replica by terminating
// its pool's sessions.
func webhookLocksHarness() locktest.Harness {
	var (
		mu   sync.Mutex
		apps = map[webhook.Locker]string{}
	)
	return locktest.Harness{
		New: func(t testing.TB, n int) []webhook.Locker {
			db := newDB(t)
			ls := make([]webhook.Locker, n)
			mu.Lock()
			defer mu.Unlock()
			for i := range ls {
				app := appName(fmt.Sprint("eventcc-locks-", i))
				ls[i] = replicaDB(t, db, app).WebhookLocks()
				apps[ls[i]] = app
			}
			return ls
		},
		Capacity: lockPoolConns / 2,
		Kill: func(t testing.TB, l webhook.Locker) {
			mu.Lock()
			app := apps[l]
			mu.Unlock()
			require.NotEmpty(t, app, "Kill: a Locker the harness did not make")
			pool, err := pgstore.Connect(context.Background(), testURL(t), "")
			require.NoError(t, err)
			defer pool.Close()
			rows, err := pool.Query(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE application_name = $1 AND pid <> pg_backend_pid()`, app)
			require.NoError(t, err)
			killed, err := pgx.CollectRows(rows, pgx.RowTo[bool])
			require.NoError(t, err)
			require.NotEmpty(t, killed, "Kill: want the replica's sessions terminated")
		},
	}
}

func TestWebhookLocks_Conformance(t *testing.T) {
	testURL(t)
	locktest.Run(t, webhookLocksHarness())
}

func BenchmarkWebhookLocks(b *testing.B) {
	testURL(b)
	locktest.Benchmark(b, webhookLocksHarness())
}

// TestWebhookLocks_LeaveConnectionsForTheLifecycle: with as many
// subjects locked as it holds connections for, and more waiting, a
// WebhookLocks leaves half the pool to the queries of the holders.
func TestWebhookLocks_LeaveConnectionsForTheLifecycle(t *testing.T) {
	db := replicaDB(t, newDB(t), appName("eventcc-locks"))
	locks := db.WebhookLocks()
	ctx := context.Background()
	var unlocks []func()
	for i := range lockPoolConns / 2 {
		unlock, err := locks.Lock(ctx, fmt.Sprint("event/e-", i))
		require.NoError(t, err)
		unlocks = append(unlocks, unlock)
	}
	waiting, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range lockPoolConns {
		wg.Go(func() {
			if unlock, err := locks.Lock(waiting, fmt.Sprint("event/more-", i)); err == nil {
				unlock()
			}
		})
	}
	queries, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	var qwg sync.WaitGroup
	errs := make([]error, lockPoolConns-lockPoolConns/2)
	for i := range errs {
		qwg.Go(func() {
			_, errs[i] = db.Pool().Exec(queries, `SELECT pg_sleep(0.05)`)
		})
	}
	qwg.Wait()
	for _, err := range errs {
		assert.NoError(t, err, "queries of the holders, %d subjects locked and more waiting: want a connection each", lockPoolConns/2)
	}
	cancel()
	wg.Wait()
	for _, u := range unlocks {
		u()
	}
	assert.Equal(t, int32(0), db.Pool().Stat().AcquiredConns(), "want every connection back in the pool")
}

// postConcurrently sends d to url, from any goroutine.
func postConcurrently(url string, d signedDelivery) (int, webhook.Response, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(d.body))
	if err != nil {
		return 0, webhook.Response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTimestamp, d.timestamp)
	req.Header.Set(webhook.HeaderSignature, d.signed)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, webhook.Response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, webhook.Response{}, err
	}
	var resp webhook.Response
	if err := json.Unmarshal(raw, &resp); err != nil {
		return 0, webhook.Response{}, fmt.Errorf("answer %s: %w", raw, err)
	}
	return res.StatusCode, resp, nil
}

// raceRound is what one round of TestWebhookConcurrentVersions left.
type raceRound struct {
	event   string
	svc     contactcenter.Service
	last    webhook.Record
	answers [2]webhook.Response
}

// raceVersions plays rounds of the race of TestWebhookConcurrentVersions
// on w, replicas A and B each a Lifecycle and a Handler on w's DB. With
// shared, A's Handler locks with w.db.WebhookLocks() and B's with the
// WebhookLocks of a DB on a pool of its own; otherwise each Handler has
// its own in-process MemLocks, as by default.
func raceVersions(t *testing.T, w *world, shared bool, rounds int) []raceRound {
	t.Helper()
	ctx := context.Background()
	a, b := w.Lifecycle(t, "a"), w.Lifecycle(t, "b")
	versions, replays := w.db.WebhookVersions(), w.db.WebhookReplays()
	var locksA, locksB webhook.Locker = webhook.NewMemLocks(), webhook.NewMemLocks()
	if shared {
		locksA, locksB = w.db.WebhookLocks(), replicaDB(t, w.db, appName("eventcc-replica-b")).WebhookLocks()
	}
	serve := func(lc *contactcenter.Lifecycle, v webhook.VersionStore, l webhook.Locker) string {
		h, err := webhook.NewHandler(webhook.HandlerConfig{Lifecycle: lc, Secrets: [][]byte{webhookSecret},
			Versions: v, Replays: replays, Locks: l, Now: w.Clock.Now})
		require.NoError(t, err)
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}

	// Every round's event is created through A and made active first;
	// each takes two numbers.
	for i := range 2 * rounds {
		n := numbermap.MustParse(fmt.Sprintf("+120255502%02d", i))
		require.NoError(t, w.Numbers.Add(ctx, numbermap.Owned{Number: n, Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}))
	}
	setup := serve(a, versions, locksA)
	events := make([]string, rounds)
	for i := range events {
		req := lifecycletest.Conference(fmt.Sprint("conf-race-", i))
		events[i] = req.EventID
		status, resp := post(t, setup, sign(t, w.Clock.Now(), map[string]any{"id": "dlv-1-" + req.EventID, "type": "event.created",
			"event": map[string]any{"id": req.EventID, "version": 1, "type": "conference", "template": "conference",
				"term": webhookTerm(req.Term.Start, req.Term.End), "expectedAttendance": req.ExpectedAttendance,
				"features": map[string]any{"modalities": []string{"telephony", "chat"}, "receptionist": true}}}))
		require.Equal(t, http.StatusOK, status, "event.created: want 200; got %+v", resp)
	}
	start := lifecycletest.Conference("").Term.Start
	w.Clock.Set(start.Add(30 * time.Minute))
	for i := 0; ; i++ {
		active := 0
		for _, id := range events {
			if w.State(t, id) == contactcenter.Active {
				active++
			}
		}
		if active == len(events) {
			break
		}
		require.Less(t, i, 60, "want every round's service active within an hour of ticks; %d of %d are", active, len(events))
		require.NoError(t, a.Tick(ctx))
		require.NoError(t, b.Tick(ctx))
		w.Clock.Advance(time.Minute)
	}

	updated := func(event, id string, version int, end time.Time) map[string]any {
		return map[string]any{"id": id, "type": "event.updated", "event": map[string]any{
			"id": event, "version": version, "term": webhookTerm(start, end)}}
	}
	out := make([]raceRound, rounds)
	for i, event := range events {
		hook := webhookrace.New(shared)
		urlA := serve(a, hook.VersionsA(versions), hook.LockerA(locksA))
		urlB := serve(b, hook.VersionsB(versions), hook.LockerB(locksB))
		hook.Arm()
		v2 := sign(t, w.Clock.Now(), updated(event, "dlv-2-"+event, 2, raceExtended))
		v3 := sign(t, w.Clock.Now(), updated(event, "dlv-3-"+event, 3, raceShortened))
		var (
			wg       sync.WaitGroup
			statuses [2]int
			errs     [2]error
		)
		r := &out[i]
		r.event = event
		wg.Go(func() { statuses[0], r.answers[0], errs[0] = postConcurrently(urlA, v2) })
		wg.Go(func() { statuses[1], r.answers[1], errs[1] = postConcurrently(urlB, v3) })
		wg.Wait()
		for j, name := range []string{"version 2 to A", "version 3 to B"} {
			require.NoError(t, errs[j], "round %d, %s", i, name)
			require.Equal(t, http.StatusOK, statuses[j], "round %d, %s: want 200; got %+v", i, name, r.answers[j])
		}
		var err error
		r.svc, err = w.Store.Get(ctx, event)
		require.NoError(t, err)
		var ok bool
		r.last, ok, err = versions.Last(ctx, "event/"+event)
		require.NoError(t, err)
		require.True(t, ok, "round %d: want a record of %s", i, event)
	}
	return out
}

// The race's terms: version 2 extends the 09:00 to 17:00 conference to
// 21:00, version 3 shortens it to 15:00.
var (
	raceExtended  = lifecycletest.Conference("").Term.Start.Add(12 * time.Hour)
	raceShortened = lifecycletest.Conference("").Term.Start.Add(6 * time.Hour)
)

// TestWebhookConcurrentVersions: versions 2 (an extension) and 3 (a
// shortening) of one event are delivered at the same moment to two
// replicas, each a Lifecycle and a Handler on one DB sharing
// WebhookVersions and WebhookReplays, a fresh event each round.
// webhookrace opens the window between a Handler's reading of the last
// record and its applying: B reads after A, A applies after B recorded
// version 3, unless the lock keeps them apart.
//
// With WebhookLocks the term ends as version 3 says every round, and so
// do the grants and the number leases. With a lock per Handler (the
// default, in-process MemLocks) version 2 is applied last every round:
// the term ends at 21:00 while version 3 is recorded as the last decided.
// That subtest shows the bug a shared Locker fixes, and that the hook
// opens the window the first would catch.
func TestWebhookConcurrentVersions(t *testing.T) {
	const rounds = 5
	t.Run("WebhookLocks", func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		for i, r := range raceVersions(t, w, true, rounds) {
			assert.Equal(t, "dlv-3-"+r.event, r.last.Delivery, "round %d: want version 3 recorded as the last decided", i)
			assert.Equal(t, raceShortened, r.svc.Term.End, "round %d: want the stored term to end at 15:00, version 3's; answers %+v", i, r.answers)
			assert.Equal(t, "shortened", r.answers[1].Change, "round %d: want version 3 applied, as a shortening; got %+v", i, r.answers[1])
			grants, err := w.Access.ListByService(ctx, r.event)
			require.NoError(t, err)
			require.NotEmpty(t, grants, "round %d: want the active service's agents granted access", i)
			for _, g := range grants {
				assert.False(t, g.NotAfter.After(r.svc.Expires), "round %d, grant %s: want it to end by the service's expiry %s; ends %s",
					i, g.ID, r.svc.Expires, g.NotAfter)
				for _, p := range g.Privileges {
					assert.ErrorIs(t, access.Authorize(ctx, w.Access, r.svc.Expires, g.Principal, r.event, p), access.ErrDenied,
						"round %d: want %s denied %s at the service's expiry", i, g.Principal, p)
				}
			}
			numbers, err := w.Numbers.ListByService(ctx, r.event)
			require.NoError(t, err)
			for _, n := range numbers {
				if n.Lease != nil {
					assert.False(t, n.Lease.Expires.After(r.svc.Expires), "round %d, number %s: want its lease to end by the service's expiry %s; ends %s",
						i, n.Number, r.svc.Expires, n.Lease.Expires)
				}
			}
		}
	})
	t.Run("LockPerHandler", func(t *testing.T) {
		w := newWorld(t)
		for i, r := range raceVersions(t, w, false, rounds) {
			assert.Equal(t, "dlv-3-"+r.event, r.last.Delivery, "round %d: want version 3 recorded as the last decided", i)
			assert.Equal(t, raceExtended, r.svc.Term.End,
				"round %d, a lock per Handler: want version 2 applied after version 3 (the race); if not, the hook no longer opens the window", i)
			assert.Equal(t, "stale", r.answers[0].Status, "round %d: want version 2 answered stale although applied; got %+v", i, r.answers[0])
		}
	})
}
