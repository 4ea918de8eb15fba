package webhook_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter/webhook"
)

// captured is a signed request as an eavesdropper keeps it: the body and
// the signature headers, to be sent again to any URL.
type captured struct {
	body      []byte
	timestamp string
	signature string
}

func (e *env) capture(t testing.TB, d delivery) captured {
	t.Helper()
	body := mustJSON(t, d)
	now := e.clock.Now()
	return captured{body: body, timestamp: webhook.Timestamp(now), signature: webhook.Sign(now, body, secret)}
}

// post sends c to url.
func (e *env) post(t testing.TB, url string, c captured) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(c.body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTimestamp, c.timestamp)
	req.Header.Set(webhook.HeaderSignature, c.signature)
	return e.do(t, req)
}

// replica mounts another Handler on e's Lifecycle, as a second replica
// of the host would, configured by cfg, and returns its URL.
func (e *env) replica(t testing.TB, cfg func(*webhook.HandlerConfig)) string {
	t.Helper()
	hc := webhook.HandlerConfig{Lifecycle: e.lc, Secrets: [][]byte{secret}, Now: e.clock.Now}
	cfg(&hc)
	h, err := webhook.NewHandler(hc)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestHandler_ReplayHeldAtTheEdgeOfTheWindow: Verify accepts a timestamp
// exactly Tolerance old, so the replay set must still hold the delivery
// then; a second later Verify refuses it as stale.
func TestHandler_ReplayHeldAtTheEdgeOfTheWindow(t *testing.T) {
	e := newEnv(t)
	requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
	c := e.capture(t, updated("d2", 2, start, end.Add(4*time.Hour)))
	requireApplied(t, e.post(t, e.srv.URL, c), "applied", "extended")
	requireApplied(t, e.send(t, updated("d3", 3, start, end.Add(time.Hour))), "applied", "shortened")

	e.clock.Advance(webhook.DefaultTolerance)
	// Another delivery at this instant, which sweeps what has expired.
	requireApplied(t, e.send(t, attendee("a1", "attendee.registered", "att-1", 1)), "applied", "registered")
	a := e.post(t, e.srv.URL, c)
	assert.Equal(t, http.StatusConflict, a.status, "the replay exactly Tolerance after signing: want 409; got %s", a.raw)
	assert.Equal(t, webhook.CodeReplayed, a.resp.Code)
	assert.Equal(t, end.Add(time.Hour), e.service(t).Term.End, "want version 3's term kept")

	e.clock.Advance(time.Second)
	a = e.post(t, e.srv.URL, c)
	assert.Equal(t, http.StatusUnauthorized, a.status, "the replay a second later: want 401; got %s", a.raw)
	assert.Equal(t, webhook.CodeStaleTimestamp, a.resp.Code)
}

// TestHandler_ReplicasShareState is the replay of issue 12 with Handlers
// of two replicas: version 2 (extend to 21:00) and version 3 (shorten to
// 18:00) delivered to replica A, then version 2's signed request replayed
// to replica B within the tolerance. Either shared store alone refuses
// it; with neither (each Handler's default), B would extend the term
// again.
func TestHandler_ReplicasShareState(t *testing.T) {
	cases := []struct {
		name           string
		shareVersions  bool
		shareReplays   bool
		status         int
		code, response string
	}{
		{"versions and replays", true, true, http.StatusConflict, webhook.CodeReplayed, ""},
		{"versions only", true, false, http.StatusOK, "", "stale"},
		{"replays only", false, true, http.StatusConflict, webhook.CodeReplayed, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			versions, replays := webhook.NewMemVersions(), webhook.NewMemReplays(0)
			e := newEnv(t, withHandler(func(c *webhook.HandlerConfig) { c.Versions, c.Replays = versions, replays }))
			b := e.replica(t, func(c *webhook.HandlerConfig) {
				if tc.shareVersions {
					c.Versions = versions
				}
				if tc.shareReplays {
					c.Replays = replays
				}
			})
			requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
			v2 := e.capture(t, updated("d2", 2, start, start.Add(12*time.Hour)))
			requireApplied(t, e.post(t, e.srv.URL, v2), "applied", "extended")
			e.clock.Advance(time.Minute)
			requireApplied(t, e.send(t, updated("d3", 3, start, start.Add(9*time.Hour))), "applied", "shortened")

			e.clock.Advance(2 * time.Minute)
			a := e.post(t, b, v2)
			assert.Equal(t, tc.status, a.status, "version 2 replayed to replica B: got %s", a.raw)
			assert.Equal(t, tc.code, a.resp.Code)
			assert.Equal(t, tc.response, a.resp.Status)
			assert.NotEqual(t, "extended", a.resp.Change, "the replay must not extend the term")
			assert.Equal(t, start.Add(9*time.Hour), e.service(t).Term.End, "want version 3's term (18:00) kept")
		})
	}
}

// racingVersions runs before once, before the first Put: as another
// replica deciding a delivery of the same subject meanwhile.
type racingVersions struct {
	webhook.VersionStore
	once   sync.Once
	before func()
}

func (r *racingVersions) Put(ctx context.Context, subject string, rec webhook.Record) error {
	r.once.Do(r.before)
	return r.VersionStore.Put(ctx, subject, rec)
}

// TestHandler_DecidedMeanwhileByAnotherReplica: when another replica
// records the same or a newer version of the subject between this
// Handler's Last and Put, the answer follows the stored record.
func TestHandler_DecidedMeanwhileByAnotherReplica(t *testing.T) {
	cases := []struct {
		name           string
		other          webhook.Record
		status, change string
	}{
		{"newer", webhook.Record{Stamp: webhook.Stamp{Version: 3}, Delivery: "d3", Status: 200, Change: "shortened"}, "stale", ""},
		{"same", webhook.Record{Stamp: webhook.Stamp{Version: 2}, Delivery: "d2-b", Status: 200, Change: "extended"}, "already-applied", "extended"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			versions := webhook.NewMemVersions()
			rv := &racingVersions{VersionStore: versions}
			e := newEnv(t, withHandler(func(c *webhook.HandlerConfig) { c.Versions = rv }))
			rv.once.Do(func() {}) // not for event.created
			requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
			rv.once = sync.Once{}
			rv.before = func() { require.NoError(t, versions.Put(context.Background(), "event/expo", tc.other)) }
			a := e.send(t, updated("d2", 2, start, end.Add(time.Hour)))
			requireApplied(t, a, tc.status, tc.change)
			last, ok, err := versions.Last(context.Background(), "event/expo")
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, tc.other, last, "want the other replica's record kept")
		})
	}
}

// failingReplays fails Claim or Release, as a durable store that lost its
// connection would.
type failingReplays struct {
	webhook.ReplayStore
	claim, release error
}

func (f *failingReplays) Claim(ctx context.Context, c webhook.ReplayClaim, now time.Time) error {
	if f.claim != nil {
		return f.claim
	}
	return f.ReplayStore.Claim(ctx, c, now)
}

func (f *failingReplays) Release(ctx context.Context, id string, signed time.Time) error {
	if f.release != nil {
		return f.release
	}
	return f.ReplayStore.Release(ctx, id, signed)
}

// TestHandler_ReplayStoreFailureFailsClosed: when the replay store cannot
// say whether a delivery is a replay, it is not applied.
func TestHandler_ReplayStoreFailureFailsClosed(t *testing.T) {
	fr := &failingReplays{ReplayStore: webhook.NewMemReplays(0)}
	e := newEnv(t, withHandler(func(c *webhook.HandlerConfig) { c.Replays = fr }))
	requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")

	fr.claim = errUnavailable
	a := e.send(t, updated("d2", 2, start, end.Add(time.Hour)))
	assert.Equal(t, http.StatusServiceUnavailable, a.status, "the replay store down: want 503; got %s", a.raw)
	assert.Equal(t, webhook.CodeUnavailable, a.resp.Code)
	assert.NotEmpty(t, a.header.Get("Retry-After"))
	assert.NotContains(t, a.resp.Error, errUnavailable.Error(), "internal errors stay in the log")
	assert.Equal(t, end, e.service(t).Term.End, "want the delivery not applied")

	// A failed release leaves the claim held: the very same signed
	// request is refused, and the sender's next attempt, signed afresh,
	// passes.
	fr.claim, fr.release = nil, errUnavailable
	missing := updated("m1", 1, start, end.Add(time.Hour))
	missing["event"].(delivery)["id"] = "expo-unknown"
	c := e.capture(t, missing)
	a = e.post(t, e.srv.URL, c)
	require.Equal(t, http.StatusNotFound, a.status, "an update of an unknown event: want 404; got %s", a.raw)
	a = e.post(t, e.srv.URL, c)
	assert.Equal(t, http.StatusConflict, a.status, "the same signed request, its claim not released: want 409; got %s", a.raw)
	e.clock.Advance(time.Second)
	a = e.send(t, missing)
	assert.Equal(t, http.StatusNotFound, a.status, "the attempt signed afresh: want it answered, not refused as a replay; got %s", a.raw)

	fr.release = nil
	requireApplied(t, e.send(t, updated("d2", 2, start, end.Add(time.Hour))), "applied", "extended")
}

// TestHandler_DroppedSecretAnsweredAsBadSignature: the Handler has no
// notion of a retired key that it could report; a delivery signed with a
// secret dropped by a rotation is answered exactly as one signed with a
// secret never held, so that an unauthenticated caller learns nothing of
// the secrets' history.
func TestHandler_DroppedSecretAnsweredAsBadSignature(t *testing.T) {
	e := newEnv(t, withHandler(func(c *webhook.HandlerConfig) { c.Secrets = [][]byte{secret, otherSecret} }))
	requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
	require.NoError(t, e.h.SetSecrets(otherSecret))
	body := mustJSON(t, updated("d2", 2, start, end.Add(time.Hour)))
	dropped := e.do(t, e.signed(t, body, secret))
	never := e.do(t, e.signed(t, body, []byte("a-secret-never-held-by-anyone-32")))
	assert.Equal(t, http.StatusUnauthorized, dropped.status, "signed with a dropped secret: want 401; got %s", dropped.raw)
	assert.Equal(t, webhook.CodeBadSignature, dropped.resp.Code)
	assert.Equal(t, never.status, dropped.status, "want the same status as a secret never held")
	assert.Equal(t, never.raw, dropped.raw, "want the very same answer as a secret never held")
}
