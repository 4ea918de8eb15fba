package chatchannel_test

import (
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/internal/browsertest"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/chatchannel"
)

// TestWidgetInABrowser walks an attendee through the widget in Chromium,
// on an event page served from another origin than the chat: the
// receptionist's menu as buttons, an answer, the queue, an agent
// joining and writing, the attendee writing back and being read, a
// reload that resumes the same conversation without repeating it, the
// keyboard, and the service closing. Any script error fails the test.
func TestWidgetInABrowser(t *testing.T) {
	e := newEnv(t, chatchannel.Config{Origins: []string{"127.0.0.1:*"}})
	e.open(t, "svc")
	events := watch(t, e, "svc")

	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Conference</title><h1>Conference 2030</h1>
<script src="%s/widget.js" data-service="svc" data-token="tok-svc-alice" data-title="Help desk" defer></script>`,
			html.EscapeString(e.srv.URL))
	}))
	t.Cleanup(page.Close)

	ctx := browsertest.New(t, 120*time.Second)
	var (
		errMu     sync.Mutex
		jsErrors  []string
		noJSError = func() {
			t.Helper()
			errMu.Lock()
			defer errMu.Unlock()
			assert.Empty(t, jsErrors, "the page must run without script errors")
		}
	)
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		errMu.Lock()
		defer errMu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			jsErrors = append(jsErrors, fmt.Sprintf("exception at %d:%d: %s", d.LineNumber, d.ColumnNumber, msg))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				jsErrors = append(jsErrors, fmt.Sprintf("console.error: %v", ev.Args))
			}
		}
	}))
	t.Cleanup(noJSError) // also when the test fails early

	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx, actions...), what)
	}
	// until waits for a JavaScript expression to be truthy.
	until := func(what, expr string) {
		t.Helper()
		require.NoError(t, browsertest.Poll(ctx, expr, time.Minute), "waiting for %s: %s", what, expr)
	}
	eval := func(expr string) string {
		t.Helper()
		v, err := browsertest.Eval[string](ctx, expr)
		require.NoError(t, err, expr)
		return v
	}
	// said is an expression: a message by author whose text holds body.
	said := func(author, body string) string {
		return fmt.Sprintf(`[...document.querySelectorAll('#eventcc-log [data-author=%q]')].some(m => m.textContent.includes(%q))`, author, body)
	}
	count := func(author, body string) string {
		return fmt.Sprintf(`[...document.querySelectorAll('#eventcc-log [data-author=%q]')].filter(m => m.textContent.includes(%q)).length`, author, body)
	}

	// The launcher is there; the widget connects when it is opened.
	do("loading the event page", chromedp.Navigate(page.URL), chromedp.WaitVisible(chromedp.CSS("#eventcc-launcher")))
	assert.Equal(t, "idle", eval(`document.getElementById("eventcc-panel").dataset.state`), "no socket before the attendee opens the chat")
	assert.Equal(t, "false", eval(`document.getElementById("eventcc-launcher").getAttribute("aria-expanded")`))
	assert.Equal(t, "Help desk", eval(`document.getElementById("eventcc-panel").getAttribute("aria-label")`), "the dialog is labelled with data-title")
	assert.Equal(t, "Your message", eval(`document.querySelector('label[for="eventcc-input"]').textContent`), "the input has a label")

	do("opening the chat", chromedp.Click(chromedp.CSS("#eventcc-launcher")))
	until("the panel to connect", `document.getElementById("eventcc-panel").dataset.state === "open"`)
	assert.Equal(t, "true", eval(`document.getElementById("eventcc-launcher").getAttribute("aria-expanded")`))
	assert.Equal(t, "eventcc-input", eval(`document.activeElement.id`), "opening focuses the input")
	ev := events.next(t, chatchannel.EventStarted)
	conv := ev.Conversation
	assert.Equal(t, "alice", ev.From, "the token's principal")

	// The receptionist greets with a menu of buttons; one is answered.
	until("the greeting", said("receptionist", "Welcome to the help desk."))
	until("the menu", `document.querySelectorAll("#eventcc-menu button.eventcc-option").length === 2`)
	assert.Equal(t, "Opening hours", eval(`document.querySelector('.eventcc-option[data-key="1"]').textContent`))
	do("choosing opening hours", chromedp.Click(chromedp.CSS(`.eventcc-option[data-key="1"]`)))
	until("the answer", said("receptionist", "Doors open at nine."))

	// The other hands the conversation to the queue.
	e.r.mu.Lock()
	e.r.place = modality.Place{Position: 2, ExpectedWait: 3 * time.Minute}
	e.r.mu.Unlock()
	eval(`document.querySelector('.eventcc-option[data-key="2"]').click(), ""`) // in one go: the menu is redrawn after the answer
	select {
	case got := <-e.r.enqueue:
		require.Equal(t, conv, got.ID, "the widget's conversation is enqueued")
	case <-ctx.Done():
		t.Fatal("the router got no Enqueue after the queue option was chosen")
	}
	assert.Equal(t, "general", e.r.queueOf(conv))
	until("the queue position", `document.getElementById("eventcc-queue").textContent === "You are number 2 in the queue; expected wait about 3 min"`)
	until("the menu to go", `document.querySelectorAll(".eventcc-option").length === 0`)

	// An agent joins and writes; the attendee, looking, reads it.
	e.r.decide(t, conv, modality.Decision{Kind: modality.Connected, Agent: "bob"})
	m, err := e.ch.Post(t.Context(), "svc", conv, "bob", "Hall B is upstairs.")
	require.NoError(t, err)
	until("bob's message", said("agent:bob", "Hall B is upstairs."))
	assert.Equal(t, strconv.FormatInt(m.Seq, 10), eval(
		`[...document.querySelectorAll('#eventcc-log [data-author="agent:bob"]')].pop().dataset.seq`), "the message carries its seq")
	assert.Equal(t, "", eval(`document.getElementById("eventcc-queue").textContent`), "no queue once an agent is there")
	for ev := events.next(t, chatchannel.EventRead); ev.UpToSeq < m.Seq; ev = events.next(t, chatchannel.EventRead) {
	}

	// bob types; the attendee sees it.
	require.NoError(t, e.ch.Typing(t.Context(), "svc", conv, "bob"))
	until("bob typing", `document.getElementById("eventcc-typing").textContent.includes("bob is typing")`)

	// The attendee writes back with Enter; the server has it, and says so.
	do("typing a message", chromedp.SendKeys(chromedp.CSS("#eventcc-input"), "Where is the cloakroom?"+kb.Enter))
	events.next(t, chatchannel.EventTyping)
	ev = events.next(t, chatchannel.EventMessage)
	assert.Equal(t, "Where is the cloakroom?", ev.Message.Body)
	assert.Equal(t, chatchannel.AuthorAttendee, ev.Message.Author)
	mine := fmt.Sprintf(`document.querySelector('#eventcc-log [data-author="attendee"][data-seq="%d"]')`, ev.Message.Seq)
	until("the ack", mine+`?.dataset.status === "delivered"`)
	assert.Equal(t, "", eval(`document.getElementById("eventcc-input").value`), "sending empties the input")

	// bob reads it.
	require.NoError(t, e.ch.MarkRead(t.Context(), "svc", conv, "bob", ev.Message.Seq))
	until("the read receipt", mine+`?.dataset.status === "read" && `+mine+`.textContent.includes("Read")`)

	// Escape closes the panel and gives the launcher the focus back.
	do("pressing Escape", chromedp.Focus(chromedp.CSS("#eventcc-input")), chromedp.KeyEvent(kb.Escape))
	do("the panel closing", chromedp.WaitNotVisible(chromedp.CSS("#eventcc-panel")))
	assert.Equal(t, "eventcc-launcher", eval(`document.activeElement.id`), "the focus returns to the launcher")
	assert.Equal(t, "false", eval(`document.getElementById("eventcc-launcher").getAttribute("aria-expanded")`))
	do("reopening", chromedp.Click(chromedp.CSS("#eventcc-launcher")), chromedp.WaitVisible(chromedp.CSS("#eventcc-panel")))

	// A reload resumes the conversation: the same one, each message once.
	do("reloading the page", chromedp.Reload())
	until("the resumed panel", `document.getElementById("eventcc-panel")?.dataset.state === "open"`)
	assert.Equal(t, conv, eval(`JSON.parse(sessionStorage.getItem("eventcc-chat:svc")).conversation`), "the same conversation")
	m, err = e.ch.Post(t.Context(), "svc", conv, "bob", "Still there?")
	require.NoError(t, err)
	until("bob's message after the reload", said("agent:bob", "Still there?"))
	want, err := e.ch.Messages(t.Context(), "svc", conv, 0)
	require.NoError(t, err)
	var wantSeqs []int64
	for _, w := range want {
		wantSeqs = append(wantSeqs, w.Seq)
	}
	seqs, err := browsertest.Eval[[]int64](ctx, `[...document.querySelectorAll("#eventcc-log [data-seq]")].map(m => +m.dataset.seq)`)
	require.NoError(t, err)
	assert.Equal(t, wantSeqs, seqs, "after the reload the log is the transcript, each message once, in order")
	assert.Equal(t, "1", eval(count("agent:bob", "Hall B is upstairs.")+`+""`), "bob's first message once")
	assert.Equal(t, "read", eval(mine+`.dataset.status`), "the read receipt survives the reload")
	select {
	case got := <-e.r.enqueue:
		t.Fatalf("the reload started engagement %s; want the conversation resumed", got.ID)
	default:
	}

	// The service closes: the widget says so and takes no more input.
	_, err = e.ch.Disconnect(t.Context(), "svc")
	require.NoError(t, err)
	until("the closed panel", `document.getElementById("eventcc-panel").dataset.state === "closed"`)
	assert.Equal(t, "The help desk has closed for the season.", eval(`document.getElementById("eventcc-status").textContent`))
	assert.Equal(t, "true", eval(`String(document.getElementById("eventcc-input").disabled)`), "no input once closed")
	assert.Equal(t, "true", eval(`String(document.getElementById("eventcc-send").disabled)`))
}

// TestWidgetReconnects: when the connection drops under the widget (the
// network, a proxy), it reconnects by itself and resumes the same
// conversation without repeating what it showed.
func TestWidgetReconnects(t *testing.T) {
	e := newEnv(t, chatchannel.Config{Origins: []string{"127.0.0.1:*"}})
	e.open(t, "svc")
	events := watch(t, e, "svc")
	p := newCutter(t, e.srv.Listener.Addr().String())
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Conference</title>
<script src="http://%s/widget.js" data-service="svc" data-token="tok-svc-alice" data-open="true" defer></script>`, p.addr)
	}))
	t.Cleanup(page.Close)

	ctx := browsertest.New(t, 120*time.Second)
	until := func(what, expr string) {
		t.Helper()
		require.NoError(t, browsertest.Poll(ctx, expr, time.Minute), "waiting for %s: %s", what, expr)
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page.URL)))
	until("the panel, open by data-open, to connect", `document.getElementById("eventcc-panel")?.dataset.state === "open"`)
	conv := events.next(t, chatchannel.EventStarted).Conversation
	until("the menu", `document.querySelectorAll(".eventcc-option").length === 2`)
	// Record the panel's states from here on.
	_, err := browsertest.Eval[chromedp.Void](ctx, `window.states = [];
new MutationObserver(() => states.push(document.getElementById("eventcc-panel").dataset.state))
  .observe(document.getElementById("eventcc-panel"), {attributes: true, attributeFilter: ["data-state"]})`)
	require.NoError(t, err)

	p.cut()
	until("a reconnection", `states.includes("reconnecting") && document.getElementById("eventcc-panel").dataset.state === "open"`)
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#eventcc-input"), "1"+kb.Enter)))
	until("the answer", `[...document.querySelectorAll('#eventcc-log [data-author="receptionist"]')].some(m => m.textContent.includes("Doors open at nine."))`)
	ev := events.next(t, chatchannel.EventMessage)
	assert.Equal(t, conv, ev.Conversation, "the widget resumed its conversation")

	want, err := e.ch.Messages(t.Context(), "svc", conv, 0)
	require.NoError(t, err)
	var wantSeqs []int64
	for _, w := range want {
		wantSeqs = append(wantSeqs, w.Seq)
	}
	until("the ack", fmt.Sprintf(`document.querySelectorAll("#eventcc-log [data-seq]").length === %d`, len(want)))
	seqs, err := browsertest.Eval[[]int64](ctx, `[...document.querySelectorAll("#eventcc-log [data-seq]")].map(m => +m.dataset.seq)`)
	require.NoError(t, err)
	assert.Equal(t, wantSeqs, seqs, "each message once, in order, across the reconnection")
}

// cutter is a TCP proxy to addr whose connections the test can cut, as a
// network does.
type cutter struct {
	addr  string
	mu    sync.Mutex
	conns []net.Conn
}

func newCutter(t *testing.T, to string) *cutter {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	c := &cutter{addr: l.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		c.cut()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", to)
			if err != nil {
				in.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			wg.Go(func() { io.Copy(out, in); out.Close() })
			wg.Go(func() { io.Copy(in, out); in.Close() })
		}
	})
	return c
}

// cut closes every connection so far.
func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}
