package desktop_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/desktop"
	"github.com/eventcc/eventcc/contactcenter/lifecycletest"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/chatchannel"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

// env is a conference's contact center open on loopback: the chat
// channel at /chat/, the desktop at /desk/, one lifecycle on in-memory
// adapters and a simulated clock.
type env struct {
	*lifecycletest.World
	auth *access.Authority
	lc   *contactcenter.Lifecycle
	chat *chatchannel.Channel
	desk *desktop.Handler
	srv  *httptest.Server
	mux  *http.ServeMux // the server's: a test may add pages
	svc  contactcenter.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := t.Context()
	e := &env{World: lifecycletest.NewWorld(t, lifecycletest.Adapters{Store: memstore.New(), Access: memaccess.New(), Numbers: memnumbermap.New()})}
	var err error
	e.auth, err = access.New(access.Config{Store: e.Access, Now: e.Clock.Now,
		Keys: []access.Key{{ID: "k1", Secret: bytes.Repeat([]byte{9}, 32)}}})
	require.NoError(t, err)
	e.chat, err = chatchannel.New(chatchannel.Config{Now: e.Clock.Now,
		Tokens: chatchannel.TokensFunc(func(ctx context.Context, tok, svc, p string) (string, error) {
			g, err := e.auth.AuthorizeToken(ctx, tok, svc, access.Privilege(p))
			return g.Principal, err
		})})
	require.NoError(t, err)
	e.mux = http.NewServeMux()
	e.mux.Handle("/chat/", http.StripPrefix("/chat", e.chat))
	e.srv = httptest.NewServer(e.mux)
	phones, err := memchannel.New(modality.Telephony)
	require.NoError(t, err)
	cfg := e.Config("")
	cfg.Access, cfg.Channels, cfg.BaseURL = e.auth, []modality.Channel{phones, e.chat}, e.srv.URL+"/chat"
	e.lc, err = contactcenter.New(cfg)
	require.NoError(t, err)
	e.desk, err = desktop.New(desktop.Config{Lifecycle: e.lc, Chat: e.chat})
	require.NoError(t, err)
	e.mux.Handle("/desk/", http.StripPrefix("/desk", e.desk))
	t.Cleanup(func() {
		e.srv.Close()
		require.NoError(t, e.desk.Close())
		require.NoError(t, e.chat.Close())
		e.lc.Close()
	})

	req := lifecycletest.Conference("conf-desk")
	e.svc, err = e.lc.Request(ctx, req)
	require.NoError(t, err)
	for e.State(t, e.svc.ID) != contactcenter.Active {
		require.False(t, e.Clock.Now().After(req.Term.Start.Add(time.Hour)), "the service never opened")
		_ = e.lc.Tick(ctx)
		e.Clock.Advance(time.Minute)
	}
	e.svc, err = e.lc.Get(ctx, e.svc.ID)
	require.NoError(t, err)
	return e
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

func (e *env) dial(t *testing.T, path string) *ws {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { conn.CloseNow() })
	return &ws{t: t, ctx: ctx, conn: conn}
}

// agent dials the desktop socket of the env's service and signs in.
func (e *env) agent(t *testing.T, token string) (*ws, map[string]any) {
	t.Helper()
	a := e.dial(t, "/desk/"+e.svc.ID+"/socket")
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
