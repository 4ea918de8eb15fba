package desktop_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/internal/browsertest"
)

// TestWalkthroughInABrowser is the whole of a web chat in two real
// browsers: an attendee on the event page with the widget, an agent at
// the desktop. The attendee asks the receptionist, picks a queue, the
// agent accepts the offer, they write both ways, the attendee reloads
// the page mid-conversation and carries on, and the term expires: both
// sides see the closing.
func TestWalkthroughInABrowser(t *testing.T) {
	e := newEnv(t)
	agentID, agentTok := e.agentToken(t, 0)
	attTok := e.attendeeToken(t, "att-web")
	e.mux.HandleFunc("/event", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Conference 2027</title><h1>Conference 2027</h1>
<script src="/chat/widget.js" data-service="%s" data-token="%s" data-title="Help desk" defer></script>`,
			html.EscapeString(e.svc.ID), html.EscapeString(attTok))
	})

	desk := browsertest.Open(t, 3*time.Minute)
	att := browsertest.Open(t, 3*time.Minute)

	// The agent signs in from the link the platform gave them, and is
	// available.
	desk.Do("opening the desktop", chromedp.Navigate(e.srv.URL+"/desk/#service="+url.QueryEscape(e.svc.ID)+"&token="+url.QueryEscape(agentTok)))
	desk.Until("signing in", `document.body.dataset.state === "open"`)
	assert.Equal(t, "", desk.Eval(`location.hash`), "the token leaves the address bar")
	desk.Eval(`(s => { s.value = "available"; s.dispatchEvent(new Event("change")); return "" })(document.getElementById("presence"))`)
	desk.Until("being available", `document.getElementById("status").textContent.includes("available")`)

	// The attendee opens the chat and asks the receptionist.
	att.Do("opening the event page", chromedp.Navigate(e.srv.URL+"/event"), chromedp.WaitVisible(chromedp.CSS("#eventcc-launcher")))
	att.Do("opening the chat", chromedp.Click(chromedp.CSS("#eventcc-launcher")))
	att.Until("the menu", `document.querySelectorAll("#eventcc-menu .eventcc-option").length > 0`)
	att.Eval(`document.querySelector('.eventcc-option[data-key="2"]').click(), ""`)
	att.Until("the receptionist's answer", said("receptionist", "agenda"))
	att.Eval(`document.querySelector('.eventcc-option[data-key="0"]').click(), ""`)

	// The offer reaches the agent, with what the attendee did so far.
	desk.Until("the offer", `document.querySelector("#offers .offer") !== null`)
	desk.Until("the offer's preview", `document.querySelector("#offers .offer .preview").textContent.includes("agenda")`)
	conv := desk.Eval(`document.querySelector("#offers .offer").dataset.engagement`)
	desk.Do("accepting", chromedp.Click(chromedp.CSS("#offers .offer .accept")))
	sel := fmt.Sprintf(`.conv[data-engagement=%q]`, conv)
	desk.Until("the conversation", `document.querySelector('`+sel+`') !== null && document.querySelector("#offers .offer") === null`)

	// They write both ways.
	desk.Do("the agent writing", chromedp.SendKeys(chromedp.CSS(sel+" .compose"), "Hello! How can I help?"+kb.Enter))
	att.Until("the agent's message", said("agent:"+agentID, "How can I help?"))
	att.Do("the attendee writing", chromedp.SendKeys(chromedp.CSS("#eventcc-input"), "Where do I collect my badge?"+kb.Enter))
	desk.Until("the attendee's message", fmt.Sprintf(`[...document.querySelectorAll('%s .msg[data-author="attendee"]')].some(m => m.textContent.includes("badge"))`, sel))
	att.Until("the agent reading it", `[...document.querySelectorAll('#eventcc-log [data-author="attendee"]')].some(m => m.dataset.status === "read")`)

	// The attendee reloads the page mid-conversation and carries on.
	att.Do("reloading", chromedp.Reload())
	att.Until("the resumed chat", `document.getElementById("eventcc-panel")?.dataset.state === "open"`)
	assert.Equal(t, "1", att.Eval(count("agent:"+agentID, "How can I help?")+`+""`), "the history once, not twice")
	att.Do("writing after the reload", chromedp.SendKeys(chromedp.CSS("#eventcc-input"), "Thanks, found it."+kb.Enter))
	desk.Until("the message after the reload", fmt.Sprintf(`[...document.querySelectorAll('%s .msg[data-author="attendee"]')].some(m => m.textContent.includes("found it"))`, sel))
	desk.Do("the agent answering", chromedp.SendKeys(chromedp.CSS(sel+" .compose"), "Enjoy the conference!"+kb.Enter))
	att.Until("the answer after the reload", said("agent:"+agentID, "Enjoy the conference!"))

	// The term expires: both sides see the closing.
	svc, err := e.lc.Get(t.Context(), e.svc.ID)
	require.NoError(t, err)
	for !e.State(t, e.svc.ID).Final() {
		require.False(t, e.Clock.Now().After(svc.Expires.Add(2*time.Hour)), "the service never closed")
		_ = e.lc.Tick(t.Context())
		e.Clock.Advance(5 * time.Minute)
	}
	closedMsg := svc.Config.Receptionist.ClosedMessage
	att.Until("the attendee seeing the closing", `document.getElementById("eventcc-panel").dataset.state === "closed"`)
	assert.Contains(t, att.Eval(`document.getElementById("eventcc-status").textContent`), closedMsg)
	assert.Equal(t, "true", att.Eval(`document.getElementById("eventcc-input").disabled+""`), "no more input")
	desk.Until("the agent seeing the conversation end", `document.querySelector('`+sel+` .ended') !== null || document.body.dataset.state === "closed"`)
	desk.Until("the agent seeing the closing", `document.body.dataset.state === "closed"`)
	assert.Contains(t, desk.Eval(`document.getElementById("notice").textContent`), "closed")
}

// said is an expression: the widget shows a message by author whose text
// holds body.
func said(author, body string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#eventcc-log [data-author=%q]')].some(m => m.textContent.includes(%q))`, author, body)
}

// count is an expression: how many of the widget's messages by author
// hold body.
func count(author, body string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#eventcc-log [data-author=%q]')].filter(m => m.textContent.includes(%q)).length`, author, body)
}
