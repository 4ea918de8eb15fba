package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/clocktest"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/contactcenter/webhook"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

// t0 is the simulated clock's start: two days before the conference.
var t0 = time.Date(2027, 2, 27, 12, 0, 0, 0, time.UTC)

// start and end are the conference's term as first announced.
var (
	start = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	end   = start.Add(8 * time.Hour)
)

var (
	secret      = []byte("s3cret-of-thirty-two-bytes-00001")
	otherSecret = []byte("another-secret-thirty-two-bytes2")
)

// env is a Lifecycle on in-memory adapters and a simulated clock, with a
// Handler mounted on a real HTTP server.
type env struct {
	clock  *clocktest.Clock
	store  contactcenter.Store
	grants *memaccess.Store
	events contactcenter.EventSystem
	lc     *contactcenter.Lifecycle
	h      *webhook.Handler
	srv    *httptest.Server
}

type envOption func(*env, *contactcenter.Config, *webhook.HandlerConfig)

// withStore wraps the lifecycle's store.
func withStore(wrap func(contactcenter.Store) contactcenter.Store) envOption {
	return func(_ *env, c *contactcenter.Config, _ *webhook.HandlerConfig) { c.Store = wrap(c.Store) }
}

// withEvents wraps the lifecycle's event system.
func withEvents(wrap func(contactcenter.EventSystem) contactcenter.EventSystem) envOption {
	return func(_ *env, c *contactcenter.Config, _ *webhook.HandlerConfig) { c.EventSystem = wrap(c.EventSystem) }
}

func withHandler(f func(*webhook.HandlerConfig)) envOption {
	return func(_ *env, _ *contactcenter.Config, h *webhook.HandlerConfig) { f(h) }
}

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	numbers := memnumbermap.New()
	for _, n := range []string{"+12025550101", "+12025550102", "+12025550103", "+12025550104"} {
		require.NoError(t, numbers.Add(ctx, numbermap.Owned{Number: numbermap.MustParse(n), Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}))
	}
	ch, err := memchannel.New()
	require.NoError(t, err)
	e := &env{clock: clocktest.New(t0), grants: memaccess.New()}
	cfg := contactcenter.Config{
		Store:       memstore.New(),
		Provisioner: memprovisioner.New(memprovisioner.Limits{}),
		Access:      e.grants,
		Numbers:     numbers,
		Channels:    []modality.Channel{ch},
		EventSystem: memevents.New(),
		Now:         e.clock.Now,
	}
	hcfg := webhook.HandlerConfig{Secrets: [][]byte{secret}, Now: e.clock.Now}
	for _, o := range opts {
		o(e, &cfg, &hcfg)
	}
	e.store, e.events = cfg.Store, cfg.EventSystem
	e.lc, err = contactcenter.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { e.lc.Close() })
	hcfg.Lifecycle = e.lc
	e.h, err = webhook.NewHandler(hcfg)
	require.NoError(t, err)
	e.srv = httptest.NewServer(e.h)
	t.Cleanup(e.srv.Close)
	return e
}

// delivery builds a delivery body as an event platform would.
type delivery = map[string]any

func created(id string, version int64) delivery {
	return delivery{"id": id, "type": "event.created", "event": delivery{
		"id": "expo", "version": version, "type": "conference", "template": "conference",
		"term":               term(start, end),
		"features":           delivery{"modalities": []string{"telephony", "chat"}, "receptionist": true},
		"expectedAttendance": 1200,
	}}
}

func updated(id string, version int64, s, e time.Time) delivery {
	return delivery{"id": id, "type": "event.updated", "event": delivery{"id": "expo", "version": version, "term": term(s, e)}}
}

func cancelled(id string, version int64) delivery {
	return delivery{"id": id, "type": "event.cancelled", "event": delivery{"id": "expo", "version": version, "reason": "venue flooded"}}
}

func attendee(id, typ, who string, version int64) delivery {
	return delivery{"id": id, "type": typ, "event": delivery{"id": "expo"}, "attendee": delivery{"id": who, "version": version}}
}

func term(s, e time.Time) delivery {
	return delivery{"start": s.Format(time.RFC3339), "end": e.Format(time.RFC3339), "timeZone": "Europe/Berlin"}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// answer is the Handler's answer to one request.
type answer struct {
	status int
	header http.Header
	resp   webhook.Response
	raw    string
}

// signed returns a POST of body to the env's server, signed with secrets
// at the clock's time.
func (e *env) signed(t testing.TB, body []byte, secrets ...[]byte) *http.Request {
	t.Helper()
	if len(secrets) == 0 {
		secrets = [][]byte{secret}
	}
	req, err := http.NewRequest(http.MethodPost, e.srv.URL, bytes.NewReader(body))
	require.NoError(t, err)
	now := e.clock.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTimestamp, webhook.Timestamp(now))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(now, body, secrets...))
	return req
}

func (e *env) do(t testing.TB, req *http.Request) answer {
	t.Helper()
	res, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	a := answer{status: res.StatusCode, header: res.Header, raw: string(raw)}
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"), "every answer is JSON")
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&a.resp), "the answer %q should be a webhook.Response", raw)
	return a
}

// send signs d afresh and posts it, as a sender's attempt.
func (e *env) send(t testing.TB, d delivery) answer {
	t.Helper()
	return e.do(t, e.signed(t, mustJSON(t, d)))
}

// requireApplied asserts a 200 with the status and change wanted.
func requireApplied(t testing.TB, a answer, status, change string) {
	t.Helper()
	require.Equal(t, http.StatusOK, a.status, "want 200; got %s", a.raw)
	assert.Equal(t, status, a.resp.Status, "want status %q; got %s", status, a.raw)
	assert.Equal(t, change, a.resp.Change, "want change %q; got %s", change, a.raw)
}

func (e *env) service(t testing.TB) contactcenter.Service {
	t.Helper()
	s, err := e.lc.Get(context.Background(), "expo")
	require.NoError(t, err)
	return s
}

// termChanges counts the TermChanged events of e's lifecycle from now on.
func (e *env) termChanges(t *testing.T) func() []contactcenter.TermChanged {
	var (
		mu  sync.Mutex
		got []contactcenter.TermChanged
	)
	t.Cleanup(e.lc.Subscribe(func(ev contactcenter.Event) {
		if tc, ok := ev.(*contactcenter.TermChanged); ok {
			mu.Lock()
			got = append(got, *tc)
			mu.Unlock()
		}
	}))
	return func() []contactcenter.TermChanged {
		mu.Lock()
		defer mu.Unlock()
		return append([]contactcenter.TermChanged(nil), got...)
	}
}

// assertNoGoroutinesOfPackage fails if any goroutine runs code of package
// webhook: it starts none, so none may outlive a call.
func assertNoGoroutinesOfPackage(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	for _, g := range strings.Split(string(buf[:n]), "\n\n") {
		assert.NotContains(t, g, "eventcc/contactcenter/webhook.", "no goroutine of package webhook may be left running:\n%s", g)
	}
}
