package desktop_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/go-logr/logr"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/desktop"
	"github.com/eventcc/eventcc/contactcenter/lifecycletest"
	"github.com/eventcc/eventcc/contactcenter/memrelay"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/chatchannel"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/modality/transcript"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

// env is a conference's contact center open on loopback: the chat
// channel at /chat/, the desktop at /desk/, one lifecycle on in-memory
// adapters and a simulated clock. Its fields are its first replica's;
// replica adds more, sharing the adapters and a relay.
type env struct {
	*lifecycletest.World
	auth        *access.Authority
	relay       contactcenter.Relay
	transcripts transcript.Store // shared by the replicas' chat channels; nil: each its own, in memory
	*replica
	svc contactcenter.Service
}

// shared are the durable adapters the replicas of an env share.
type shared struct {
	store       contactcenter.Store
	access      access.Store
	relay       contactcenter.Relay
	transcripts transcript.Store
}

// inMemory are shared adapters in memory.
func inMemory() shared {
	return shared{store: memstore.New(), access: memaccess.New(), relay: memrelay.New()}
}

// onPostgres are shared adapters on the PostgreSQL server of
// $EVENTCC_POSTGRES_URL, in a schema of the test's: the test is skipped
// without it, and fails under CI=true.
func onPostgres(t *testing.T) shared {
	t.Helper()
	url := os.Getenv(pgstore.EnvURL)
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; with CI=true the PostgreSQL tests must run", pgstore.EnvURL)
		}
		t.Skipf("set %s to run the PostgreSQL tests", pgstore.EnvURL)
	}
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	pool, err := pgstore.Connect(ctx, url, schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		pool.Close()
		if admin, err := pgstore.Connect(context.Background(), url, ""); err == nil {
			_ = pgstore.DropSchema(context.Background(), admin, schema)
			admin.Close()
		}
	})
	db := pgstore.New(pool, pgstore.WithCallerClock())
	_, err = db.Migrate(ctx)
	require.NoError(t, err)
	relay, err := db.NewRelay(ctx, logr.Discard())
	require.NoError(t, err)
	t.Cleanup(func() { relay.Close() })
	return shared{store: db.Services(), access: db.Grants(), relay: relay, transcripts: db.Transcripts()}
}

// replica is one host process: a lifecycle with its chat channel and
// desktop on a server of its own.
type replica struct {
	lc   *contactcenter.Lifecycle
	chat *chatchannel.Channel
	desk *desktop.Handler
	srv  *httptest.Server
	mux  *http.ServeMux // the server's: a test may add pages
}

func newEnv(t *testing.T) *env { return newEnvOwned(t, "", inMemory()) }

// newEnvOwned is newEnv on the adapters a, with the first replica named
// owner: replicas need names.
func newEnvOwned(t *testing.T, owner string, a shared) *env {
	t.Helper()
	ctx := t.Context()
	e := &env{World: lifecycletest.NewWorld(t, lifecycletest.Adapters{Store: a.store, Access: a.access, Numbers: memnumbermap.New()}),
		relay: a.relay, transcripts: a.transcripts}
	var err error
	e.auth, err = access.New(access.Config{Store: e.Access, Now: e.Clock.Now,
		Keys: []access.Key{{ID: "k1", Secret: bytes.Repeat([]byte{9}, 32)}}})
	require.NoError(t, err)
	e.replica = e.newReplica(t, owner)

	req := lifecycletest.Conference("conf-desk")
	e.svc, err = e.lc.Request(ctx, req)
	require.NoError(t, err)
	for e.State(t, e.svc.ID) != contactcenter.Active {
		require.False(t, e.Clock.Now().After(req.Term.Start.Add(time.Hour)), "the service never opened")
		_ = e.lc.Tick(ctx)
		e.Clock.Advance(time.Minute)
	}
	_ = e.lc.Tick(ctx)
	e.svc, err = e.lc.Get(ctx, e.svc.ID)
	require.NoError(t, err)
	return e
}

// newReplica starts a host process named owner on the env's adapters.
func (e *env) newReplica(t *testing.T, owner string) *replica {
	t.Helper()
	r := &replica{}
	var err error
	r.chat, err = chatchannel.New(chatchannel.Config{Now: e.Clock.Now, Transcripts: e.transcripts,
		Tokens: chatchannel.TokensFunc(func(ctx context.Context, tok, svc, p string) (string, error) {
			g, err := e.auth.AuthorizeToken(ctx, tok, svc, access.Privilege(p))
			return g.Principal, err
		})})
	require.NoError(t, err)
	r.mux = http.NewServeMux()
	r.mux.Handle("/chat/", http.StripPrefix("/chat", r.chat))
	r.srv = httptest.NewServer(r.mux)
	phones, err := memchannel.New(modality.Telephony)
	require.NoError(t, err)
	cfg := e.Config(owner)
	cfg.Access, cfg.Channels, cfg.BaseURL = e.auth, []modality.Channel{phones, r.chat}, r.srv.URL+"/chat"
	if owner != "" {
		cfg.Relay = e.relay
	}
	r.lc, err = contactcenter.New(cfg)
	require.NoError(t, err)
	r.desk, err = desktop.New(desktop.Config{Lifecycle: r.lc})
	require.NoError(t, err)
	r.mux.Handle("/desk/", http.StripPrefix("/desk", r.desk))
	t.Cleanup(func() {
		r.srv.Close()
		require.NoError(t, r.desk.Close())
		require.NoError(t, r.chat.Close())
		r.lc.Close()
	})
	return r
}

// agentToken mints a token for the i-th person on duty.
func (e *env) agentToken(t *testing.T, i int) (who, token string) {
	t.Helper()
	who = e.svc.Staff[i].ID
	token, _, err := e.auth.IssueToken(t.Context(), e.svc.ID+"/"+who)
	require.NoError(t, err)
	return who, token
}

// attendeeToken registers an attendee and mints their token.
func (e *env) attendeeToken(t *testing.T, who string) string {
	t.Helper()
	_, err := e.lc.RegisterAttendee(t.Context(), e.svc.ID, who)
	require.NoError(t, err)
	tok, err := e.lc.AttendeeToken(t.Context(), e.svc.ID, who)
	require.NoError(t, err)
	return tok
}

// ws is a test's end of a socket: it sends frames and reads until one
// of a type arrives.
type ws struct {
	t    *testing.T
	ctx  context.Context
	conn *websocket.Conn
}

// dial opens a socket at path on the env's first replica.
func (e *env) dial(t *testing.T, path string) *ws { return dial(t, e.srv.URL, path) }

func dial(t *testing.T, base, path string) *ws {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+path, nil)
	require.NoError(t, err)
	conn.SetReadLimit(-1) // as a browser: a history frame may be long
	t.Cleanup(func() { conn.CloseNow() })
	return &ws{t: t, ctx: ctx, conn: conn}
}

// agent dials the desktop socket of the env's service on its first
// replica and signs in.
func (e *env) agent(t *testing.T, token string) (*ws, map[string]any) {
	t.Helper()
	return e.agentAt(t, e.replica, token)
}

// agentAt is agent on replica r.
func (e *env) agentAt(t *testing.T, r *replica, token string) (*ws, map[string]any) {
	t.Helper()
	a := dial(t, r.srv.URL, "/desk/"+e.svc.ID+"/socket")
	a.send(map[string]any{"type": "hello", "token": token})
	return a, a.until("welcome")
}

func (c *ws) send(v map[string]any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	require.NoError(c.t, err)
	require.NoError(c.t, c.conn.Write(c.ctx, websocket.MessageText, b))
}

// until reads frames until one of type typ, and returns it.
func (c *ws) until(typ string) map[string]any {
	c.t.Helper()
	for {
		f := c.next()
		if f["type"] == typ {
			return f
		}
	}
}

// untilAll reads frames until one of each of types has come, in any
// order, and returns the first of each by type: a desk action's holding
// frame and the frames of what it changed may come in either order. A
// frame answering an action (holding, done) counts only with the
// action's ref: an earlier action's answer may still be unread.
func (c *ws) untilAll(ref string, types ...string) map[string]map[string]any {
	c.t.Helper()
	got := make(map[string]map[string]any, len(types))
	for len(got) < len(types) {
		f := c.next()
		typ, _ := f["type"].(string)
		if (typ == "holding" || typ == "done") && f["ref"] != ref {
			continue
		}
		if _, seen := got[typ]; !seen && slices.Contains(types, typ) {
			got[typ] = f
		}
	}
	return got
}

func (c *ws) next() map[string]any {
	c.t.Helper()
	_, b, err := c.conn.Read(c.ctx)
	require.NoError(c.t, err, "reading a frame")
	var f map[string]any
	require.NoError(c.t, json.Unmarshal(b, &f))
	return f
}

// closeStatus reads until the socket closes and returns its close code.
func (c *ws) closeStatus() websocket.StatusCode {
	c.t.Helper()
	for {
		if _, _, err := c.conn.Read(c.ctx); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}
