package chatchannel_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/chatchannel"
)

// clock is the channel's injected clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// router is a fake modality.Router: it records Enqueue and Hangup calls
// and lets the test deliver decisions.
type router struct {
	mu      sync.Mutex
	refuse  error // Enqueue's error, when set
	place   modality.Place
	queued  map[string]func(modality.Decision)
	queues  map[string]string // engagement -> queue
	hungUp  []string
	enqueue chan modality.Engagement // every admitted or refused engagement
}

func newRouter() *router {
	return &router{queued: map[string]func(modality.Decision){}, queues: map[string]string{}, enqueue: make(chan modality.Engagement, 1000)}
}

func (r *router) Enqueue(e modality.Engagement, queue string, notify func(modality.Decision)) (modality.Place, error) {
	r.mu.Lock()
	defer func() { r.enqueue <- e }()
	defer r.mu.Unlock()
	if r.refuse != nil {
		return modality.Place{}, r.refuse
	}
	r.queued[e.ID], r.queues[e.ID] = notify, queue
	return r.place, nil
}

func (r *router) Hangup(id string) error {
	r.mu.Lock()
	notify := r.queued[id]
	delete(r.queued, id)
	r.hungUp = append(r.hungUp, id)
	r.mu.Unlock()
	if notify != nil {
		notify(modality.Decision{Kind: modality.Finished, Engagement: id, Outcome: "abandoned"})
	}
	return nil
}

// decide delivers d about engagement id.
func (r *router) decide(t *testing.T, id string, d modality.Decision) {
	t.Helper()
	r.mu.Lock()
	notify := r.queued[id]
	if d.Kind == modality.Finished {
		delete(r.queued, id)
	}
	r.mu.Unlock()
	require.NotNil(t, notify, "engagement %q must be with the router", id)
	d.Engagement = id
	notify(d)
}

func (r *router) queueOf(id string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queues[id]
}

func (r *router) hangups() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.hungUp...)
}

// tokens accepts "tok-<service>-<principal>" for <service> only.
var tokens = chatchannel.TokensFunc(func(_ context.Context, token, serviceID, privilege string) (string, error) {
	rest, ok := strings.CutPrefix(token, "tok-"+serviceID+"-")
	if !ok || privilege != chatchannel.StartPrivilege {
		return "", errors.New("denied")
	}
	return rest, nil
})

// env is a channel served by an httptest server.
type env struct {
	ch    *chatchannel.Channel
	srv   *httptest.Server
	clock *clock
	r     *router
}

func newEnv(t testing.TB, cfg chatchannel.Config) *env {
	t.Helper()
	checkNoLeaks(t)
	e := &env{clock: newClock(), r: newRouter()}
	if cfg.Tokens == nil {
		cfg.Tokens = tokens
	}
	if cfg.Now == nil {
		cfg.Now = e.clock.Now
	}
	ch, err := chatchannel.New(cfg)
	require.NoError(t, err, "New of a valid config")
	e.ch = ch
	e.srv = httptest.NewServer(ch)
	t.Cleanup(func() {
		require.NoError(t, ch.Close())
		e.srv.Close()
	})
	return e
}

// receptionist is the menu of the tests' services.
func receptionist() *modality.Receptionist {
	return &modality.Receptionist{
		Greeting:      "Welcome to the help desk.",
		ClosedMessage: "The help desk has closed for the season.",
		Fallback:      "Nobody could take you; choose again.",
		Options: []modality.Option{
			{Key: "1", Label: "Opening hours", Answer: "Doors open at nine."},
			{Key: "2", Label: "Speak to someone", Queue: "general"},
		},
	}
}

// open opens svc with e.setup(svc).
func (e *env) open(t testing.TB, svc string) {
	t.Helper()
	require.NoError(t, e.ch.Open(t.Context(), svc, e.setup(svc)))
}

// setup is svc with a receptionist entry point "main" and a queued
// entry point "direct", handed to the env's router; for registered
// attendees only.
func (e *env) setup(svc string) modality.Setup {
	return modality.Setup{
		Queues: []string{"general"},
		EntryPoints: []modality.EntryPoint{
			{Name: "main", Kind: modality.Chat, Address: e.srv.URL + "/" + svc + "/chat"},
			{Name: "direct", Kind: modality.Chat, Address: e.srv.URL + "/" + svc + "/chat?entry=direct", Queue: "general"},
		},
		Receptionist: receptionist(),
		Router:       e.r,
	}
}

// frame is any server frame.
type frame struct {
	Type          string `json:"type"`
	Conversation  string `json:"conversation"`
	Seq           int64  `json:"seq"`
	ID            string `json:"id"`
	Author        string `json:"author"`
	Body          string `json:"body"`
	At            time.Time
	ClientMsgID   string `json:"client_msg_id"`
	UpToSeq       int64  `json:"up_to_seq"`
	Position      int    `json:"position"`
	ExpectedWaitS int64  `json:"expected_wait_s"`
	Text          string `json:"text"`
	Options       []struct{ Key, Label string }
	Reason        string `json:"reason"`
	Message       string `json:"message"`
	Code          string `json:"code"`
}

type client struct {
	t    testing.TB
	conn *websocket.Conn
}

// dial opens a socket to path (such as "/svc/chat").
func (e *env) dial(t testing.TB, path string) *client {
	t.Helper()
	conn, res, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(e.srv.URL, "http")+path, nil)
	require.NoError(t, err, "dial %s", path)
	if res.Body != nil {
		res.Body.Close()
	}
	t.Cleanup(func() { conn.CloseNow() })
	return &client{t: t, conn: conn}
}

func (c *client) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	require.NoError(c.t, err)
	c.sendRaw(b)
}

func (c *client) sendRaw(b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.t.Context(), 5*time.Second)
	defer cancel()
	require.NoError(c.t, c.conn.Write(ctx, websocket.MessageText, b), "writing a frame")
}

// next reads the next frame; the timeout only bounds a failing test.
func (c *client) next() frame {
	c.t.Helper()
	f, err := c.read()
	require.NoError(c.t, err, "reading a frame")
	return f
}

func (c *client) read() (frame, error) {
	ctx, cancel := context.WithTimeout(c.t.Context(), 10*time.Second)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		return frame{}, err
	}
	var f frame
	require.NoError(c.t, json.Unmarshal(b, &f), "server frames are JSON: %s", b)
	return f, nil
}

// until reads frames up to and including the first of type typ.
func (c *client) until(typ string) (frame, []frame) {
	c.t.Helper()
	var before []frame
	for {
		f := c.next()
		if f.Type == typ {
			return f, before
		}
		before = append(before, f)
	}
}

// closeStatus reads until the socket closes and returns its close status.
func (c *client) closeStatus() websocket.StatusCode {
	c.t.Helper()
	for {
		_, err := c.read()
		if err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

// hello sends a hello and reads the welcome.
func (c *client) hello(token string) frame {
	c.t.Helper()
	c.send(map[string]any{"type": "hello", "token": token})
	f := c.next()
	require.Equal(c.t, "welcome", f.Type, "the answer to a hello must be a welcome, got %+v", f)
	require.NotEmpty(c.t, f.Conversation, "a welcome names the conversation")
	return f
}

// checkNoLeaks fails the test if a goroutine of the package outlives it
// (its cleanups run first: registered first, it runs last).
func checkNoLeaks(t testing.TB) {
	t.Helper()
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			n, dump := ownGoroutines()
			if n == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%d chatchannel goroutine(s) left after the channel closed; want none:\n%s", n, dump)
				return
			}
			runtime.Gosched()
			time.Sleep(20 * time.Millisecond) // polling for goroutines to exit, as goleak does
		}
	})
}

func ownGoroutines() (int, string) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var (
		count int
		dump  strings.Builder
	)
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "eventcc/modality/chatchannel.") {
			count++
			if dump.Len() < 16<<10 {
				dump.WriteString(g + "\n\n")
			}
		}
	}
	return count, dump.String()
}

var _ http.Handler = (*chatchannel.Channel)(nil)
