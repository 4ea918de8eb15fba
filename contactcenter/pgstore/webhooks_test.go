package pgstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/lifecycletest"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
	"github.com/eventcc/eventcc/contactcenter/webhook"
	"github.com/eventcc/eventcc/contactcenter/webhook/replaytest"
	"github.com/eventcc/eventcc/contactcenter/webhook/versionstest"
)

func TestWebhookVersions_Conformance(t *testing.T) {
	testURL(t)
	versionstest.Run(t, versionstest.Harness{
		New: func(t *testing.T) webhook.VersionStore { return newDB(t).WebhookVersions() },
	})
}

// webhookReplaysHarness runs the suite on the callers' (simulated)
// clock: claims are kept ReplaySkew past their Until.
func webhookReplaysHarness() replaytest.Harness {
	return replaytest.Harness{
		New:       func(t testing.TB) webhook.ReplayStore { return newDB(t).WebhookReplays() },
		Retention: pgstore.ReplaySkew,
	}
}

func TestWebhookReplays_Conformance(t *testing.T) {
	testURL(t)
	replaytest.Run(t, webhookReplaysHarness())
}

func BenchmarkWebhookReplays(b *testing.B) {
	testURL(b)
	replaytest.Benchmark(b, webhookReplaysHarness())
}

// TestWebhookReplays_ServerClock: without WithCallerClock, claims expire
// on the database server's clock, whatever the replica's clock says.
func TestWebhookReplays_ServerClock(t *testing.T) {
	s := newDBWith(t).WebhookReplays()
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	fresh := webhook.ReplayClaim{ID: "fresh", Signed: now, Until: now.Add(webhook.DefaultTolerance)}
	require.NoError(t, s.Claim(ctx, fresh, now))
	assert.ErrorIs(t, s.Claim(ctx, fresh, now.Add(time.Hour)), webhook.ErrReplayed,
		"a replica whose clock is an hour ahead: want the claim still held on the server's clock")

	old := now.Add(-time.Hour)
	stale := webhook.ReplayClaim{ID: "stale", Signed: old, Until: old.Add(webhook.DefaultTolerance)}
	require.NoError(t, s.Claim(ctx, stale, old))
	assert.NoError(t, s.Claim(ctx, stale, old), "a claim that expired on the server's clock: want it forgotten, even for a replica an hour behind")
}

// TestWebhookReplays_Swept: the table holds the claims of about
// tolerance + ReplaySkew + a minute of deliveries, however long the
// deliveries go on.
func TestWebhookReplays_Swept(t *testing.T) {
	db := newDB(t)
	s := db.WebhookReplays()
	ctx := context.Background()
	at := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	const every = 10 * time.Second
	window := webhook.DefaultTolerance + pgstore.ReplaySkew + time.Minute
	bound := int(window/every) + 1
	most := 0
	for i := range 360 { // an hour of deliveries
		now := at.Add(time.Duration(i) * every)
		require.NoError(t, s.Claim(ctx, webhook.ReplayClaim{ID: fmt.Sprint("d", i), Signed: now, Until: now.Add(webhook.DefaultTolerance)}, now))
		var rows int
		require.NoError(t, db.Pool().QueryRow(ctx, `SELECT count(*) FROM webhook_replays`).Scan(&rows))
		most = max(most, rows)
		require.LessOrEqual(t, rows, bound, "after %d claims one every %s: want at most %d rows (%s of deliveries)", i+1, every, bound, window)
	}
	assert.Greater(t, most, int((webhook.DefaultTolerance+pgstore.ReplaySkew)/every), "want claims kept through their Until and the skew allowance")
}

// replica is one host replica receiving webhooks: a Lifecycle and a
// Handler on the shared DB, behind its own HTTP server.
type replica struct {
	lc  *contactcenter.Lifecycle
	url string
}

var webhookSecret = []byte("s3cret-of-thirty-two-bytes-00001")

func newReplica(t *testing.T, w *world, owner string, versions webhook.VersionStore, replays webhook.ReplayStore) replica {
	t.Helper()
	lc := w.Lifecycle(t, owner)
	h, err := webhook.NewHandler(webhook.HandlerConfig{Lifecycle: lc, Secrets: [][]byte{webhookSecret},
		Versions: versions, Replays: replays, Now: w.Clock.Now})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return replica{lc: lc, url: srv.URL}
}

// signedDelivery is a delivery as the event platform signed it, to be
// posted (or replayed) to any replica.
type signedDelivery struct {
	body              []byte
	timestamp, signed string
}

func sign(t *testing.T, now time.Time, d map[string]any) signedDelivery {
	t.Helper()
	body, err := json.Marshal(d)
	require.NoError(t, err)
	return signedDelivery{body: body, timestamp: webhook.Timestamp(now), signed: webhook.Sign(now, body, webhookSecret)}
}

func post(t *testing.T, url string, d signedDelivery) (int, webhook.Response) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(d.body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTimestamp, d.timestamp)
	req.Header.Set(webhook.HeaderSignature, d.signed)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var resp webhook.Response
	require.NoError(t, json.Unmarshal(raw, &resp), "want a webhook.Response; got %s", raw)
	return res.StatusCode, resp
}

func webhookTerm(start, end time.Time) map[string]any {
	return map[string]any{"start": start.Format(time.RFC3339), "end": end.Format(time.RFC3339), "timeZone": "Europe/Berlin"}
}

// TestWebhookReplay_RefusedByAnotherReplica is the replay of issue 12:
// the event platform extends the term to 21:00 (version 2), then
// shortens it to 18:00 (version 3), both delivered to replica A; an
// eavesdropper replays version 2's signed request to replica B within
// the tolerance. B shares A's webhook state through the DB, so it
// refuses the replay, and the term, the grants and the number leases
// stay at 18:00.
func TestWebhookReplay_RefusedByAnotherReplica(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a := newReplica(t, w, "a", w.db.WebhookVersions(), w.db.WebhookReplays())
	b := newReplica(t, w, "b", w.db.WebhookVersions(), w.db.WebhookReplays())

	req := lifecycletest.Conference("conf-replay")
	start := req.Term.Start // 09:00; the term ends at 17:00
	status, resp := post(t, a.url, sign(t, w.Clock.Now(), map[string]any{"id": "dlv-1", "type": "event.created", "event": map[string]any{
		"id": req.EventID, "version": 1, "type": "conference", "template": "conference",
		"term":               webhookTerm(start, req.Term.End),
		"features":           map[string]any{"modalities": []string{"telephony", "chat"}, "receptionist": true},
		"expectedAttendance": req.ExpectedAttendance,
	}}))
	require.Equal(t, http.StatusOK, status, "event.created: want 200; got %+v", resp)

	// Both replicas run until the service is active.
	w.Clock.Set(start.Add(30 * time.Minute))
	for i := 0; w.State(t, req.EventID) != contactcenter.Active; i++ {
		require.Less(t, i, 60, "want the service active within an hour of ticks")
		require.NoError(t, a.lc.Tick(ctx))
		require.NoError(t, b.lc.Tick(ctx))
		w.Clock.Advance(time.Minute)
	}

	updated := func(id string, version int, end time.Time) map[string]any {
		return map[string]any{"id": id, "type": "event.updated", "event": map[string]any{
			"id": req.EventID, "version": version, "term": webhookTerm(start, end)}}
	}
	at21, at18 := start.Add(12*time.Hour), start.Add(9*time.Hour)
	v2 := sign(t, w.Clock.Now(), updated("dlv-2", 2, at21))
	status, resp = post(t, a.url, v2)
	require.Equal(t, http.StatusOK, status, "version 2 to replica A: got %+v", resp)
	require.Equal(t, "extended", resp.Change)
	w.Clock.Advance(time.Minute)
	status, resp = post(t, a.url, sign(t, w.Clock.Now(), updated("dlv-3", 3, at18)))
	require.Equal(t, http.StatusOK, status, "version 3 to replica A: got %+v", resp)
	require.Equal(t, "shortened", resp.Change)

	w.Clock.Advance(2 * time.Minute) // within the 5-minute tolerance of version 2's signature
	status, resp = post(t, b.url, v2)
	assert.Equal(t, http.StatusConflict, status, "version 2 replayed to replica B: want 409; got %+v", resp)
	assert.Equal(t, webhook.CodeReplayed, resp.Code)
	assert.NotEqual(t, "extended", resp.Change, "want the replay not to extend the term")

	svc, err := w.Store.Get(ctx, req.EventID)
	require.NoError(t, err)
	assert.Equal(t, at18, svc.Term.End, "want the stored term to end at 18:00, version 3's")
	grants, err := w.Access.ListByService(ctx, req.EventID)
	require.NoError(t, err)
	require.NotEmpty(t, grants, "want the active service's agents granted access")
	for _, g := range grants {
		assert.False(t, g.NotAfter.After(svc.Expires), "grant %s: want it to end by the service's expiry %s; ends %s", g.ID, svc.Expires, g.NotAfter)
		for _, p := range g.Privileges {
			assert.ErrorIs(t, access.Authorize(ctx, w.Access, start.Add(10*time.Hour), g.Principal, req.EventID, p), access.ErrDenied,
				"want %s denied %s at 19:00", g.Principal, p)
		}
	}
	numbers, err := w.Numbers.ListByService(ctx, req.EventID)
	require.NoError(t, err)
	for _, r := range numbers {
		if r.Lease != nil {
			assert.False(t, r.Lease.Expires.After(svc.Expires), "number %s: want its lease to end by the service's expiry %s; ends %s",
				r.Number, svc.Expires, r.Lease.Expires)
		}
	}

	// The platform's own retry of version 2, signed afresh, reaches B: it
	// is older than version 3, so it changes nothing either.
	status, resp = post(t, b.url, sign(t, w.Clock.Now(), updated("dlv-2", 2, at21)))
	assert.Equal(t, http.StatusOK, status, "version 2 signed afresh, at replica B: want 200; got %+v", resp)
	assert.Equal(t, "stale", resp.Status, "want version 2 answered as stale after version 3")
	svc, err = w.Store.Get(ctx, req.EventID)
	require.NoError(t, err)
	assert.Equal(t, at18, svc.Term.End, "want the stored term to end at 18:00 still")
}
