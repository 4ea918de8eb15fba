package fanout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	"github.com/eventcc/eventcc/template"
)

// BenchmarkFanOut sends b.N attendee messages at 2,000 a second, on a
// fixed schedule that does not wait for replies (open loop), spread
// evenly over 200 conversations connected to 100 agents on the desktop
// (the conference template's chat concurrency is 3). It reports the
// latency of each message from the instant it was due to be written on
// the attendee's socket to the instant the agent's socket read it
// (p50-ms, p99-ms, max-ms), the same from the write itself (write-p99-ms),
// and, to separate the desktop's cost, from the due instant to the chat
// channel's Watch callback in the same process (watch-p50-ms,
// watch-p99-ms, watch-max-ms), with the rate achieved (msg/s).
// Everything, clients included, runs in one process on loopback.
//
// Run it with -benchtime=Nx: b.N messages take b.N/2,000 seconds.
func BenchmarkFanOut(b *testing.B) {
	runFanOut(b, fanOut{agents: 100, convs: 200, rate: 2000})
}

// TestFanOut runs the benchmark's harness small, so that it does not rot:
// every message reaches an agent's socket and the Watch callback.
func TestFanOut(t *testing.T) {
	r := runFanOut(t, fanOut{agents: 2, convs: 4, rate: 200, messages: 40})
	require.Equal(t, 40, r.delivered, "want every message at an agent's socket")
	require.Equal(t, 40, r.watched, "want every message seen by Watch")
}

type fanOut struct {
	agents, convs int
	rate          float64 // messages per second, all conversations together
	messages      int     // 0: b.N
}

type fanOutResult struct {
	delivered, watched int
}

// conv is one attendee's socket and its conversation.
type conv struct {
	conn *websocket.Conn
	id   string
	out  chan int // messages due, by index
}

func runFanOut(tb testing.TB, cfg fanOut) fanOutResult {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := newFanEnv(tb, cfg.agents)

	// Agents sign in on the desktop, go available and accept every
	// offer; their readers time the attendees' messages.
	var (
		due      []time.Time // when message k was due
		wrote    []time.Time // when its write began
		atAgent  []atomic.Int64
		atWatch  []atomic.Int64
		started  = make(chan struct{}) // closed once due and wrote are sized
		nMsgs    int
		readers  sync.WaitGroup
		accepted atomic.Int64
	)
	parse := func(b []byte) (typ, author, body, engagement string) {
		var f struct{ Type, Author, Body, Engagement string }
		_ = json.Unmarshal(b, &f)
		return f.Type, f.Author, f.Body, f.Engagement
	}
	for i := range cfg.agents {
		tok := e.agentToken(tb, i)
		a := e.dial(tb, ctx, "/desk/"+e.svc.ID+"/socket")
		send(tb, ctx, a, map[string]any{"type": "hello", "token": tok})
		until(tb, ctx, a, "welcome")
		send(tb, ctx, a, map[string]any{"type": "status", "status": "available"})
		until(tb, ctx, a, "holding")
		readers.Go(func() {
			for {
				_, b, err := a.Read(ctx)
				now := time.Now().UnixNano()
				if err != nil {
					return
				}
				switch typ, author, body, eng := parse(b); {
				case typ == "offer":
					accepted.Add(1)
					_ = a.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"type":"accept","engagement":%q}`, eng))
				case typ == "message" && author == "attendee":
					if k, err := strconv.Atoi(body); err == nil {
						<-started
						if k < nMsgs {
							atAgent[k].Store(now)
						}
					}
				}
			}
		})
	}
	stopWatch := e.chat.Watch(e.svc.ID, func(ev chatchannel.ConversationEvent) {
		if ev.Kind != chatchannel.EventMessage || ev.Message.Author != chatchannel.AuthorAttendee {
			return
		}
		now := time.Now().UnixNano()
		if k, err := strconv.Atoi(ev.Message.Body); err == nil {
			select {
			case <-started:
				if k < nMsgs {
					atWatch[k].Store(now)
				}
			default:
			}
		}
	})
	defer stopWatch()

	// Attendees start conversations, choose "0" (general) at the
	// receptionist and wait for an agent.
	convs := make([]*conv, cfg.convs)
	connected := make(chan int, cfg.convs)
	for i := range convs {
		c := &conv{conn: e.dial(tb, ctx, "/chat/"+e.svc.ID+"/chat"), out: make(chan int, 1024)}
		convs[i] = c
		send(tb, ctx, c.conn, map[string]any{"type": "hello", "token": e.attendeeToken(tb, fmt.Sprintf("att-%d", i))})
		c.id = until(tb, ctx, c.conn, "welcome")["conversation"].(string)
		until(tb, ctx, c.conn, "menu")
		send(tb, ctx, c.conn, map[string]any{"type": "choose", "key": "0"})
		readers.Go(func() { // acks and the agent joining; a socket not read falls behind and is closed
			joined := false
			for {
				_, b, err := c.conn.Read(ctx)
				if err != nil {
					return
				}
				if _, author, _, _ := parse(b); !joined && strings.HasPrefix(author, "agent:") {
					joined = true
					connected <- i
				}
			}
		})
	}
	for range convs {
		select {
		case <-connected:
		case <-time.After(30 * time.Second):
			tb.Fatalf("only some of %d conversations reached an agent (%d offers accepted)", cfg.convs, accepted.Load())
		}
	}

	// Each attendee writes the messages due on its socket, in order.
	var writers sync.WaitGroup
	for _, c := range convs {
		writers.Go(func() {
			for k := range c.out {
				<-started
				wrote[k] = time.Now()
				_ = c.conn.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"type":"message","client_msg_id":"m-%d","body":"%d"}`, k, k))
			}
		})
	}

	nMsgs = cfg.messages
	if b, ok := tb.(*testing.B); ok {
		b.ResetTimer()
		nMsgs = b.N
	}
	due, wrote = make([]time.Time, nMsgs), make([]time.Time, nMsgs)
	atAgent, atWatch = make([]atomic.Int64, nMsgs), make([]atomic.Int64, nMsgs)
	interval := time.Duration(float64(time.Second) / cfg.rate)
	t0 := time.Now()
	for k := range due {
		due[k] = t0.Add(time.Duration(k) * interval)
	}
	close(started)
	// The pacer hands each message to its attendee when it is due,
	// whatever became of the earlier ones.
	for k := range nMsgs {
		if d := time.Until(due[k]); d > 0 {
			time.Sleep(d)
		}
		convs[k%len(convs)].out <- k
	}
	for _, c := range convs {
		close(c.out)
	}
	writers.Wait()
	deadline := time.Now().Add(10 * time.Second)
	var last time.Time
	for k := 0; k < nMsgs && time.Now().Before(deadline); {
		if atAgent[k].Load() != 0 && atWatch[k].Load() != 0 {
			last = time.Unix(0, max(last.UnixNano(), atAgent[k].Load()))
			k++
			continue
		}
		time.Sleep(time.Millisecond)
	}
	if b, ok := tb.(*testing.B); ok {
		b.StopTimer()
	}

	var res fanOutResult
	var fromDue, fromWrite, toWatch []time.Duration
	for k := range nMsgs {
		if at := atAgent[k].Load(); at != 0 {
			res.delivered++
			fromDue = append(fromDue, time.Unix(0, at).Sub(due[k]))
			fromWrite = append(fromWrite, time.Unix(0, at).Sub(wrote[k]))
			last = time.Unix(0, max(last.UnixNano(), at))
		}
		if at := atWatch[k].Load(); at != 0 {
			res.watched++
			toWatch = append(toWatch, time.Unix(0, at).Sub(due[k]))
		}
	}
	if b, ok := tb.(*testing.B); ok {
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
		b.ReportMetric(ms(quantile(fromDue, 0.50)), "p50-ms")
		b.ReportMetric(ms(quantile(fromDue, 0.99)), "p99-ms")
		b.ReportMetric(ms(quantile(fromDue, 1)), "max-ms")
		b.ReportMetric(ms(quantile(fromWrite, 0.99)), "write-p99-ms")
		b.ReportMetric(ms(quantile(toWatch, 0.50)), "watch-p50-ms")
		b.ReportMetric(ms(quantile(toWatch, 0.99)), "watch-p99-ms")
		b.ReportMetric(ms(quantile(toWatch, 1)), "watch-max-ms")
		b.ReportMetric(float64(res.delivered)/last.Sub(t0).Seconds(), "msg/s")
		b.ReportMetric(float64(nMsgs-res.delivered), "lost")
	}
	cancel()
	readers.Wait()
	return res
}

// quantile returns the q-quantile of ds (sorting it): the nearest rank.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(q*float64(len(ds))+0.5) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// fanEnv is a conference's contact center open on loopback, as
// contactcenter/desktop's tests build it, with agents enough on duty.
type fanEnv struct {
	*lifecycletest.World
	auth *access.Authority
	lc   *contactcenter.Lifecycle
	chat *chatchannel.Channel
	desk *desktop.Handler
	srv  *httptest.Server
	svc  contactcenter.Service
}

func newFanEnv(tb testing.TB, agents int) *fanEnv {
	tb.Helper()
	ctx := context.Background()
	e := &fanEnv{World: lifecycletest.NewWorld(tb, lifecycletest.Adapters{Store: memstore.New(), Access: memaccess.New(), Numbers: memnumbermap.New()})}
	var err error
	e.auth, err = access.New(access.Config{Store: e.Access, Now: e.Clock.Now,
		Keys: []access.Key{{ID: "k1", Secret: bytes.Repeat([]byte{9}, 32)}}})
	require.NoError(tb, err)
	e.chat, err = chatchannel.New(chatchannel.Config{Now: e.Clock.Now,
		// The default rate (5 frames a second) is a person's; here 200
		// attendees carry 2,000 messages a second. The clock does not
		// move during the run, so the bucket must hold every frame.
		Rate: chatchannel.RateLimit{PerSecond: 1 << 20, Burst: 1 << 30},
		Tokens: chatchannel.TokensFunc(func(ctx context.Context, tok, svc, p string) (string, error) {
			g, err := e.auth.AuthorizeToken(ctx, tok, svc, access.Privilege(p))
			return g.Principal, err
		})})
	require.NoError(tb, err)
	mux := http.NewServeMux()
	mux.Handle("/chat/", http.StripPrefix("/chat", e.chat))
	e.srv = httptest.NewServer(mux)
	phones, err := memchannel.New(modality.Telephony)
	require.NoError(tb, err)
	// The conference template staffs at most 40 agents on 50 licences;
	// this one is the same with room for agents (and their supervisors).
	tpl, err := template.Builtin().Lookup("conference")
	require.NoError(tb, err)
	tpl.Staffing.MaxAgents = max(tpl.Staffing.MaxAgents, agents)
	tpl.Capacity.MaxLicences = max(tpl.Capacity.MaxLicences, 2*agents)
	tpl.Capacity.MaxSpace = max(tpl.Capacity.MaxSpace, 2*agents)
	cfg := e.Config("")
	cfg.Templates, err = template.NewCatalog(tpl)
	require.NoError(tb, err)
	cfg.Access, cfg.Channels, cfg.BaseURL = e.auth, []modality.Channel{phones, e.chat}, e.srv.URL+"/chat"
	e.lc, err = contactcenter.New(cfg)
	require.NoError(tb, err)
	e.desk, err = desktop.New(desktop.Config{Lifecycle: e.lc})
	require.NoError(tb, err)
	mux.Handle("/desk/", http.StripPrefix("/desk", e.desk))
	tb.Cleanup(func() {
		e.srv.Close()
		require.NoError(tb, e.desk.Close())
		require.NoError(tb, e.chat.Close())
		e.lc.Close()
	})

	req := lifecycletest.Conference("conf-fanout")
	req.Overrides.MinAgents = &agents
	e.svc, err = e.lc.Request(ctx, req)
	require.NoError(tb, err)
	for e.State(tb, e.svc.ID) != contactcenter.Active {
		require.False(tb, e.Clock.Now().After(req.Term.Start.Add(time.Hour)), "the service never opened")
		_ = e.lc.Tick(ctx)
		e.Clock.Advance(time.Minute)
	}
	_ = e.lc.Tick(ctx)
	e.svc, err = e.lc.Get(ctx, e.svc.ID)
	require.NoError(tb, err)
	require.GreaterOrEqual(tb, len(e.svc.Staff), agents, "want %d agents on duty", agents)
	return e
}

func (e *fanEnv) agentToken(tb testing.TB, i int) string {
	tb.Helper()
	token, _, err := e.auth.IssueToken(context.Background(), e.svc.ID+"/"+e.svc.Staff[i].ID)
	require.NoError(tb, err)
	return token
}

func (e *fanEnv) attendeeToken(tb testing.TB, who string) string {
	tb.Helper()
	ctx := context.Background()
	_, err := e.lc.RegisterAttendee(ctx, e.svc.ID, who)
	require.NoError(tb, err)
	tok, err := e.lc.AttendeeToken(ctx, e.svc.ID, who)
	require.NoError(tb, err)
	return tok
}

func (e *fanEnv) dial(tb testing.TB, ctx context.Context, path string) *websocket.Conn {
	tb.Helper()
	conn, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+path, nil)
	require.NoError(tb, err, "dial %s", path)
	if res.Body != nil {
		res.Body.Close()
	}
	tb.Cleanup(func() { conn.CloseNow() })
	return conn
}

func send(tb testing.TB, ctx context.Context, c *websocket.Conn, v map[string]any) {
	tb.Helper()
	b, err := json.Marshal(v)
	require.NoError(tb, err)
	require.NoError(tb, c.Write(ctx, websocket.MessageText, b))
}

// until reads frames until one of type typ, and returns it.
func until(tb testing.TB, ctx context.Context, c *websocket.Conn, typ string) map[string]any {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		require.NoError(tb, err, "reading up to a %s frame", typ)
		var f map[string]any
		require.NoError(tb, json.Unmarshal(b, &f))
		if f["type"] == typ {
			return f
		}
	}
}
