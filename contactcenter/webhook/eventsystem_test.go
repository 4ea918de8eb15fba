package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/eventsystemtest"
	"github.com/eventcc/eventcc/contactcenter/webhook"
	"github.com/eventcc/eventcc/modality"
)

// receiver is an event platform's endpoint for announcements, as an
// integrator would write one: it verifies the signature, decodes
// strictly, deduplicates by delivery ID and keeps, per service, the
// announcement with the highest version.
type receiver struct {
	t       testing.TB
	now     func() time.Time
	secrets [][]byte
	// fail, if set, answers an attempt instead of the receiver: a status,
	// or 0 to let the receiver answer.
	fail func(attempt int, a webhook.Announcement) int

	mu       sync.Mutex
	attempts []webhook.Announcement // every verified attempt, in arrival order
	headers  []http.Header
	seen     map[string]bool // delivery IDs applied
	shown    map[string]webhook.Announcement
	refused  []string
}

func newReceiver(t testing.TB, now func() time.Time, secrets ...[]byte) (*receiver, *httptest.Server) {
	r := &receiver{t: t, now: now, secrets: secrets, seen: make(map[string]bool), shown: make(map[string]webhook.Announcement)}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if _, err := webhook.Verify(req.Header.Get(webhook.HeaderTimestamp), req.Header.Get(webhook.HeaderSignature), body, r.now(), 0, r.secrets...); err != nil {
		r.refuse(w, http.StatusUnauthorized, err.Error())
		return
	}
	a, err := webhook.DecodeAnnouncement(body)
	if err != nil {
		r.refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	r.mu.Lock()
	r.attempts = append(r.attempts, a)
	r.headers = append(r.headers, req.Header.Clone())
	n := len(r.attempts)
	r.mu.Unlock()
	if r.fail != nil {
		if status := r.fail(n, a); status != 0 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "try later", status)
			return
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.seen[a.ID] {
		r.seen[a.ID] = true
		if last, ok := r.shown[a.ServiceID]; !ok || a.Version > last.Version {
			r.shown[a.ServiceID] = a
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) refuse(w http.ResponseWriter, status int, msg string) {
	r.mu.Lock()
	r.refused = append(r.refused, msg)
	r.mu.Unlock()
	http.Error(w, msg, status)
}

// published is what the platform shows attendees for serviceID.
func (r *receiver) published(serviceID string) (contactcenter.Publication, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.shown[serviceID]
	if !ok || a.Type != webhook.EntryPointsPublished {
		return contactcenter.Publication{}, false
	}
	return a.Publication(), true
}

func (r *receiver) attemptsSeen() []webhook.Announcement {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhook.Announcement(nil), r.attempts...)
}

// fastRetries keeps the backoff of tests short: they count attempts and
// never wait on them.
func fastRetries(c *webhook.EventSystemConfig) {
	c.InitialInterval, c.MaxInterval = time.Millisecond, 2*time.Millisecond
}

func newEventSystem(t testing.TB, url string, opts ...func(*webhook.EventSystemConfig)) *webhook.EventSystem {
	t.Helper()
	cfg := webhook.EventSystemConfig{URL: url, Secrets: [][]byte{secret}}
	for _, o := range opts {
		o(&cfg)
	}
	es, err := webhook.NewEventSystem(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { es.Close() })
	return es
}

func TestEventSystem_Conformance(t *testing.T) {
	receivers := make(map[contactcenter.EventSystem]*receiver)
	var mu sync.Mutex
	eventsystemtest.Run(t, eventsystemtest.Harness{
		New: func(t *testing.T) contactcenter.EventSystem {
			r, srv := newReceiver(t, time.Now, secret)
			es := newEventSystem(t, srv.URL)
			mu.Lock()
			receivers[es] = r
			mu.Unlock()
			return es
		},
		Published: func(es contactcenter.EventSystem, serviceID string) (contactcenter.Publication, bool) {
			mu.Lock()
			r := receivers[es]
			mu.Unlock()
			return r.published(serviceID)
		},
	})
}

func publication() contactcenter.Publication {
	return contactcenter.Publication{
		ServiceID: "expo", EventID: "expo",
		EntryPoints: []modality.EntryPoint{
			{Name: "telephony-1", Kind: modality.Telephony, Address: "+12025550101", Queue: "registration"},
			{Name: "video", Kind: modality.Video, Address: "https://eventcc.invalid/expo/video"},
		},
		Opens: start, Closes: end, TimeZone: "Europe/Berlin",
	}
}

func TestEventSystem_SignedWithDeliveryID(t *testing.T) {
	r, srv := newReceiver(t, time.Now, secret)
	es := newEventSystem(t, srv.URL)
	ctx := context.Background()
	require.NoError(t, es.Publish(ctx, publication()))
	require.NoError(t, es.Retract(ctx, "expo"))

	got := r.attemptsSeen()
	require.Len(t, got, 2, "want one request per call")
	assert.Empty(t, r.refused, "the receiver verified every signature")
	pub, ret := got[0], got[1]
	assert.Equal(t, webhook.EntryPointsPublished, pub.Type)
	assert.Equal(t, webhook.EntryPointsRetracted, ret.Type)
	assert.Regexp(t, `^dlv_[0-9a-f]{32}$`, pub.ID, "want a random delivery ID")
	assert.NotEqual(t, pub.ID, ret.ID, "want a delivery ID per call")
	assert.Greater(t, ret.Version, pub.Version, "want versions increasing with every announcement")
	assert.Equal(t, publication(), pub.Publication(), "want every field of the publication announced")
	assert.Equal(t, "application/json", r.headers[0].Get("Content-Type"))
}

func TestEventSystem_RotationSignsWithEverySecret(t *testing.T) {
	rOld, srvOld := newReceiver(t, time.Now, secret)
	rNew, srvNew := newReceiver(t, time.Now, otherSecret)
	for _, c := range []struct {
		r   *receiver
		url string
	}{{rOld, srvOld.URL}, {rNew, srvNew.URL}} {
		es := newEventSystem(t, c.url, func(cfg *webhook.EventSystemConfig) { cfg.Secrets = [][]byte{secret, otherSecret} })
		require.NoError(t, es.Publish(context.Background(), publication()), "a receiver holding either secret: want it accepted")
		_, ok := c.r.published("expo")
		assert.True(t, ok)
	}
}

func TestEventSystem_RetriesTransientFailures(t *testing.T) {
	r, srv := newReceiver(t, time.Now, secret)
	r.fail = func(attempt int, _ webhook.Announcement) int {
		return map[int]int{1: http.StatusServiceUnavailable, 2: http.StatusTooManyRequests}[attempt]
	}
	es := newEventSystem(t, srv.URL, fastRetries)
	require.NoError(t, es.Publish(context.Background(), publication()), "two transient failures, then success: want no error")
	got := r.attemptsSeen()
	require.Len(t, got, 3, "want three attempts")
	assert.Equal(t, got[0].ID, got[2].ID, "every attempt carries the same delivery ID, so the receiver can deduplicate")
	assert.Equal(t, got[0].Version, got[2].Version, "every attempt is the same announcement")
	_, ok := r.published("expo")
	assert.True(t, ok)
}

func TestEventSystem_BoundedRetries(t *testing.T) {
	r, srv := newReceiver(t, time.Now, secret)
	r.fail = func(int, webhook.Announcement) int { return http.StatusBadGateway }
	es := newEventSystem(t, srv.URL, fastRetries, func(c *webhook.EventSystemConfig) { c.MaxAttempts = 4 })
	err := es.Publish(context.Background(), publication())
	require.Error(t, err, "the receiver always failing: want an error")
	assert.NotErrorIs(t, err, contactcenter.ErrPermanent, "out of attempts on a transient failure: want the error unmarked, so the executor retries later")
	assert.Contains(t, err.Error(), "502")
	assert.Len(t, r.attemptsSeen(), 4, "want MaxAttempts attempts, no more")
}

func TestEventSystem_PermanentFailures(t *testing.T) {
	for _, c := range []struct {
		name   string
		status int
	}{{"bad request", http.StatusBadRequest}, {"unauthorised", http.StatusUnauthorized}, {"redirect", http.StatusTemporaryRedirect}} {
		t.Run(c.name, func(t *testing.T) {
			r, srv := newReceiver(t, time.Now, secret)
			r.fail = func(int, webhook.Announcement) int { return c.status }
			es := newEventSystem(t, srv.URL, fastRetries)
			err := es.Publish(context.Background(), publication())
			assert.ErrorIs(t, err, contactcenter.ErrPermanent, "HTTP %d: want a permanent error", c.status)
			assert.Len(t, r.attemptsSeen(), 1, "HTTP %d: want no retry", c.status)
		})
	}
	t.Run("no service", func(t *testing.T) {
		es := newEventSystem(t, "http://127.0.0.1:9")
		assert.ErrorIs(t, es.Publish(context.Background(), contactcenter.Publication{}), contactcenter.ErrPermanent)
		assert.ErrorIs(t, es.Retract(context.Background(), ""), contactcenter.ErrPermanent)
	})
}

func TestEventSystem_Unreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	es := newEventSystem(t, url, fastRetries, func(c *webhook.EventSystemConfig) { c.MaxAttempts = 2 })
	err := es.Retract(context.Background(), "expo")
	require.Error(t, err)
	assert.NotErrorIs(t, err, contactcenter.ErrPermanent, "an unreachable receiver is transient")
}

func TestEventSystem_CancelledWhileWaiting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, srv := newReceiver(t, time.Now, secret)
	r.fail = func(int, webhook.Announcement) int {
		cancel() // the host shuts down while the first attempt is answered
		return http.StatusServiceUnavailable
	}
	es := newEventSystem(t, srv.URL, func(c *webhook.EventSystemConfig) {
		c.InitialInterval, c.MaxInterval = time.Hour, time.Hour // a wait only cancellation ends
	})
	err := es.Publish(ctx, publication())
	assert.ErrorIs(t, err, context.Canceled, "cancelled during the backoff: want ctx's error")
	assert.Len(t, r.attemptsSeen(), 1)
	require.NoError(t, es.Close())
	assertNoGoroutinesOfPackage(t)
}

func TestEventSystem_Close(t *testing.T) {
	_, srv := newReceiver(t, time.Now, secret)
	es := newEventSystem(t, srv.URL)
	require.NoError(t, es.Close())
	require.NoError(t, es.Close(), "Close is idempotent")
	err := es.Publish(context.Background(), publication())
	assert.ErrorIs(t, err, webhook.ErrClosed)
	assert.ErrorIs(t, err, contactcenter.ErrPermanent)
}

func TestNewEventSystem_ReportsEveryProblem(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    webhook.EventSystemConfig
		fields []string // every bad field, in field order
		want   []string // each must appear in the error
	}{
		{"Several", webhook.EventSystemConfig{
			URL:             "ftp://example.com/hook",
			Secrets:         [][]byte{secret, []byte("short")},
			MaxAttempts:     -1,
			RequestTimeout:  -time.Second,
			InitialInterval: time.Minute,
			MaxInterval:     time.Second,
		}, []string{"URL", "Secrets[1]", "RequestTimeout", "MaxAttempts", "InitialInterval"},
			[]string{"URL: \"ftp://example.com/hook\": want an absolute http or https URL", "Secrets[1]: 5 bytes",
				"RequestTimeout: -1s is negative", "InitialInterval: 1m0s exceeds MaxInterval 1s"}},
		{"Empty", webhook.EventSystemConfig{}, []string{"URL", "Secrets"},
			[]string{"URL: required", "Secrets: at least one secret is required"}},
		{"NegativeBackoff", webhook.EventSystemConfig{URL: "https://example.com/hook", Secrets: [][]byte{secret},
			InitialInterval: -1, MaxInterval: -1, MaxElapsed: -1}, []string{"InitialInterval", "MaxInterval", "MaxElapsed"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es, err := webhook.NewEventSystem(tc.cfg)
			assert.Nil(t, es, "no EventSystem on error")
			var ce *webhook.ConfigError
			require.ErrorAs(t, err, &ce, "want a *ConfigError")
			assert.Equal(t, "webhook.EventSystemConfig", ce.Config)
			assert.Equal(t, tc.fields, configFields(ce), "want every problem reported at once, in field order")
			for _, w := range tc.want {
				assert.ErrorContains(t, err, w)
			}
			var cce *contactcenter.ConfigError
			assert.ErrorAs(t, err, &cce, "contactcenter.ConfigError is the same type")
		})
	}
}

// configFields lists the fields of ce's problems.
func configFields(ce *webhook.ConfigError) []string {
	var fields []string
	for _, p := range ce.Problems {
		fields = append(fields, p.Field)
	}
	return fields
}

func TestEventSystem_ConcurrentVersionsOrder(t *testing.T) {
	r, srv := newReceiver(t, time.Now, secret)
	es := newEventSystem(t, srv.URL)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { assert.NoError(t, es.Publish(context.Background(), publication())) })
	}
	wg.Wait()
	seen := make(map[int64]bool)
	for _, a := range r.attemptsSeen() {
		assert.False(t, seen[a.Version], "version %d handed out twice", a.Version)
		seen[a.Version] = true
	}
	assert.Len(t, seen, 8)
}

// TestEventSystem_WithLifecycle runs a service's whole life with the
// webhook EventSystem: the platform shows the entry points while the
// service is deployed and nothing once it has closed.
func TestEventSystem_WithLifecycle(t *testing.T) {
	var (
		r   *receiver
		srv *httptest.Server
	)
	e := newEnv(t, func(e *env, c *contactcenter.Config, _ *webhook.HandlerConfig) {
		r, srv = newReceiver(t, e.clock.Now, secret)
		es, err := webhook.NewEventSystem(webhook.EventSystemConfig{URL: srv.URL, Secrets: [][]byte{secret}, Now: e.clock.Now})
		require.NoError(t, err)
		t.Cleanup(func() { es.Close() })
		c.EventSystem = es
	})
	ctx := context.Background()
	requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
	for e.clock.Now().Before(start.Add(time.Hour)) {
		require.NoError(t, e.lc.Tick(ctx))
		e.clock.Advance(15 * time.Minute)
	}
	p, ok := r.published("expo")
	require.True(t, ok, "a deployed service: want its entry points shown")
	assert.Equal(t, start, p.Opens)
	var kinds []string
	for _, ep := range p.EntryPoints {
		kinds = append(kinds, string(ep.Kind))
	}
	assert.Contains(t, kinds, "telephony")
	assert.Contains(t, kinds, "chat")

	requireApplied(t, e.send(t, updated("d2", 2, start, end.Add(time.Hour))), "applied", "extended")
	p, _ = r.published("expo")
	assert.Equal(t, end.Add(time.Hour), p.Closes, "after an extension: want the new hours shown")

	limit := end.Add(24 * time.Hour)
	for e.service(t).State != contactcenter.Terminated {
		require.False(t, e.clock.Now().After(limit), "the service should have terminated by %s", limit)
		require.NoError(t, e.lc.Tick(ctx))
		e.clock.Advance(15 * time.Minute)
	}
	_, ok = r.published("expo")
	assert.False(t, ok, "a terminated service: want its entry points retracted")
}

func TestDecodeAnnouncement_Refuses(t *testing.T) {
	for _, c := range []struct{ body, field string }{
		{`{"id":"x","type":"entrypoints.published","serviceId":"s","version":1}`, "hours"},
		{`{"id":"x","type":"entrypoints.retracted","serviceId":"s","version":0}`, "version"},
		{`{"id":"x","type":"entrypoints.moved","serviceId":"s","version":1}`, "type"},
		{`{"id":"x","type":"entrypoints.retracted","serviceId":"s","version":1,"extra":1}`, "extra"},
		{`{"id":"x","type":"entrypoints.published","serviceId":"s","version":1,"hours":{"opens":"2027-03-01T09:00:00Z","closes":"2027-03-01T17:00:00Z"},"entryPoints":[{"name":"a","kind":"fax","address":"x"}]}`, "entryPoints[0].kind"},
	} {
		_, err := webhook.DecodeAnnouncement([]byte(c.body))
		var de *webhook.DecodeError
		if assert.True(t, errors.As(err, &de), "%s: want a *DecodeError", c.body) {
			assert.Equal(t, c.field, de.Problems[0].Field, "%s: want the field named", c.body)
		}
	}
	a := webhook.Announcement{ID: "dlv_1", Type: webhook.EntryPointsRetracted, ServiceID: "expo", Version: 7}
	b, err := json.Marshal(a)
	require.NoError(t, err)
	got, err := webhook.DecodeAnnouncement(b)
	require.NoError(t, err)
	assert.Equal(t, a, got, "an encoded announcement: want it decoded as it was")
	assert.True(t, strings.HasPrefix(string(b), `{"id":"dlv_1","type":"entrypoints.retracted"`))
}
