package desktop_test

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/desktop"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
)

// TestDesktop_AnAgentAnswersAChat walks an agent's desktop through one
// chat: sign in, go available, see the offer with what the attendee told
// the receptionist, accept, talk both ways with typing and read
// receipts, end it into wrap-up.
func TestDesktop_AnAgentAnswersAChat(t *testing.T) {
	e := newEnv(t)
	who, tok := e.agentToken(t, 0)
	agent, welcome := e.agent(t, tok)
	assert.Equal(t, who, welcome["agent"])
	assert.Equal(t, e.svc.ID, welcome["service"])
	assert.Contains(t, welcome["queues"], "general")
	assert.Equal(t, map[string]any{"presence": "offline", "connected": []any{}}, welcome["holding"])

	agent.send(map[string]any{"type": "status", "status": "available", "ref": "r1"})
	assert.Equal(t, "available", agent.until("holding")["holding"].(map[string]any)["presence"])
	assert.Equal(t, "r1", agent.until("done")["ref"])

	att := e.dial(t, "/chat/"+e.svc.ID+"/chat")
	att.send(map[string]any{"type": "hello", "token": e.attendeeToken(t, "att-1")})
	conv := att.until("welcome")["conversation"].(string)
	att.until("menu")
	att.send(map[string]any{"type": "choose", "key": "0"})

	offer := agent.until("offer")
	assert.Equal(t, conv, offer["engagement"])
	assert.Equal(t, "general", offer["queue"])
	// Before accepting, the agent reads what the attendee did so far.
	agent.send(map[string]any{"type": "history", "engagement": conv})
	hist := agent.until("history")
	assert.Equal(t, true, hist["chat"])
	require.NotEmpty(t, hist["messages"], "the receptionist's exchange")

	agent.send(map[string]any{"type": "accept", "engagement": conv, "ref": "a1"})
	got := agent.untilAll("a1", "assigned", "holding")
	assert.Equal(t, conv, got["assigned"]["engagement"])
	assert.Equal(t, []any{conv}, got["holding"]["holding"].(map[string]any)["connected"])

	agent.send(map[string]any{"type": "message", "engagement": conv, "body": "Hello, I'm here to help.", "client_msg_id": "a-1"})
	ack := agent.until("ack")
	assert.Equal(t, "a-1", ack["client_msg_id"])
	seq := ack["seq"].(float64)
	for {
		f := att.until("message")
		if f["body"] == "Hello, I'm here to help." {
			assert.Equal(t, "agent:"+who, f["author"])
			assert.Equal(t, seq, f["seq"])
			break
		}
	}

	att.send(map[string]any{"type": "typing"})
	assert.Equal(t, conv, agent.until("typing")["engagement"])
	att.send(map[string]any{"type": "message", "client_msg_id": "m-1", "body": "Where do I collect my badge?"})
	for {
		f := agent.until("message")
		if f["author"] == "attendee" {
			assert.Equal(t, "Where do I collect my badge?", f["body"])
			agent.send(map[string]any{"type": "read", "engagement": conv, "up_to_seq": f["seq"]})
			assert.Equal(t, f["seq"], att.until("read")["up_to_seq"], "the attendee sees the agent read it")
			break
		}
	}
	att.send(map[string]any{"type": "read", "up_to_seq": seq})
	assert.Equal(t, seq, agent.until("read")["up_to_seq"], "and the agent sees the attendee read theirs")

	agent.send(map[string]any{"type": "end", "engagement": conv, "ref": "e1"})
	got = agent.untilAll("e1", "ended", "holding")
	assert.Equal(t, conv, got["ended"]["engagement"])
	assert.Equal(t, string(routing.Answered), got["ended"]["reason"])
	assert.Equal(t, "closed", att.until("closed")["type"], "the attendee's conversation closes")
	held := got["holding"]["holding"].(map[string]any)
	assert.Equal(t, []any{}, held["connected"])
	assert.Equal(t, "wrap-up", held["presence"], "the template's wrap-up follows")
}

// TestDesktop_ReloadKeepsWhatTheAgentHolds: closing the page is not
// signing out; a new socket with the same token gets the conversations
// back, and sign_out gives them up.
func TestDesktop_ReloadKeepsWhatTheAgentHolds(t *testing.T) {
	e := newEnv(t)
	_, tok := e.agentToken(t, 0)
	agent, _ := e.agent(t, tok)
	agent.send(map[string]any{"type": "status", "status": "available"})
	agent.until("holding")

	att := e.dial(t, "/chat/"+e.svc.ID+"/chat")
	att.send(map[string]any{"type": "hello", "token": e.attendeeToken(t, "att-2")})
	conv := att.until("welcome")["conversation"].(string)
	att.send(map[string]any{"type": "choose", "key": "0"})
	agent.until("offer")
	agent.send(map[string]any{"type": "accept", "engagement": conv})
	agent.until("assigned")
	agent.conn.Close(websocket.StatusGoingAway, "reload")

	again, welcome := e.agent(t, tok)
	held := welcome["holding"].(map[string]any)
	assert.Equal(t, []any{conv}, held["connected"], "the reloaded page gets the conversation back")
	att.send(map[string]any{"type": "message", "client_msg_id": "m-2", "body": "Still there?"})
	assert.Equal(t, "Still there?", again.until("message")["body"], "and its messages")

	again.send(map[string]any{"type": "sign_out"})
	closed := again.until("closed")
	assert.Equal(t, "signed_out", closed["reason"])
	stats, err := e.lc.QueueStats(t.Context(), e.svc.ID)
	require.NoError(t, err)
	waiting := 0
	for _, s := range stats {
		waiting += s.Waiting
	}
	assert.Equal(t, 1, waiting, "signing out requeued the conversation")
}

// TestDesktop_Refusals: a bad token, a token of another person's
// session, actions on what the agent does not hold, bad frames.
func TestDesktop_Refusals(t *testing.T) {
	e := newEnv(t)

	bad := e.dial(t, "/desk/"+e.svc.ID+"/socket")
	bad.send(map[string]any{"type": "hello", "token": "eventcc_not-a-token"})
	assert.Equal(t, "unauthorized", bad.until("closed")["reason"])
	assert.Equal(t, websocket.StatusPolicyViolation, bad.closeStatus())

	// An attendee's token signs nobody in at the desk.
	att := e.dial(t, "/desk/"+e.svc.ID+"/socket")
	att.send(map[string]any{"type": "hello", "token": e.attendeeToken(t, "att-3")})
	assert.Equal(t, "unauthorized", att.until("closed")["reason"])

	noSvc := e.dial(t, "/desk/no-such-service/socket")
	_, tok := e.agentToken(t, 0)
	noSvc.send(map[string]any{"type": "hello", "token": tok})
	assert.Equal(t, "closed", noSvc.until("closed")["reason"])

	first := e.dial(t, "/desk/"+e.svc.ID+"/socket")
	first.send(map[string]any{"type": "status", "status": "available"})
	assert.Equal(t, "hello_required", first.until("error")["code"])
	assert.Equal(t, websocket.StatusPolicyViolation, first.closeStatus())

	agent, _ := e.agent(t, tok)
	agent.send(map[string]any{"type": "accept", "engagement": "chat-nobody", "ref": "x"})
	f := agent.until("error")
	assert.Equal(t, "x", f["ref"])
	assert.Equal(t, "unknown_engagement", f["code"])
	agent.send(map[string]any{"type": "message", "engagement": "chat-nobody", "body": "hi"})
	assert.Equal(t, "not_found", agent.until("error")["code"], "no chat on what is not a conversation")
	agent.send(map[string]any{"type": "history", "engagement": "chat-nobody"})
	assert.Equal(t, "not_connected", agent.until("error")["code"], "nor its transcript")
	agent.send(map[string]any{"type": "status", "status": "dancing"})
	assert.Equal(t, "bad_frame", agent.until("error")["code"])
	agent.send(map[string]any{"type": "wave"})
	assert.Equal(t, "unknown_type", agent.until("error")["code"])
	require.NoError(t, agent.conn.Write(agent.ctx, websocket.MessageText, []byte("{")))
	assert.Equal(t, "bad_frame", agent.until("error")["code"])
	assert.Equal(t, websocket.StatusPolicyViolation, agent.closeStatus(), "the third bad frame closes the socket")
}

// TestDesktop_AccessEndsTheSession: the agent's grant revoked mid-session
// ends it at their next action; the term's end closes every desktop.
func TestDesktop_AccessEndsTheSession(t *testing.T) {
	e := newEnv(t)
	who, tok := e.agentToken(t, 0)
	agent, _ := e.agent(t, tok)
	require.NoError(t, e.auth.Revoke(t.Context(), e.svc.ID+"/"+who, e.Clock.Now()))
	agent.send(map[string]any{"type": "status", "status": "available"})
	assert.Equal(t, "unauthorized", agent.until("closed")["reason"])

	_, tok2 := e.agentToken(t, 1)
	other, _ := e.agent(t, tok2)
	require.NoError(t, e.lc.Terminate(t.Context(), e.svc.ID, "the conference is over"))
	for !e.State(t, e.svc.ID).Final() {
		_ = e.lc.Tick(t.Context())
		e.Clock.Advance(time.Minute)
	}
	closed := other.until("closed")
	assert.Equal(t, "closed", closed["reason"])
	assert.NotEmpty(t, closed["message"])
	assert.Equal(t, contactcenter.Terminated, e.State(t, e.svc.ID))
}

// TestDesktop_Paths: the page and its script are served; other paths are
// not; a socket path wants an upgrade.
func TestDesktop_Paths(t *testing.T) {
	e := newEnv(t)
	get := func(path string) (*http.Response, string) {
		res, err := http.Get(e.srv.URL + path)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res, string(b)
	}
	res, body := get("/desk/")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Contains(t, body, "desktop.js")
	res, _ = get("/desk/desktop.js")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "text/javascript; charset=utf-8", res.Header.Get("Content-Type"))
	res, _ = get("/desk/nothing/here")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	res, _ = get("/desk/" + e.svc.ID + "/socket")
	assert.Equal(t, http.StatusUpgradeRequired, res.StatusCode)
}

func TestDesktop_BadConfig(t *testing.T) {
	_, err := desktop.New(desktop.Config{MaxFrame: -1})
	var ce *desktop.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, err.Error(), "Lifecycle")
	assert.Contains(t, err.Error(), "MaxFrame")
}

// TestDesktop_TransferAndDecline: a declined offer goes to another
// agent; a transfer to another queue takes the conversation off the
// agent's desktop and into that queue.
func TestDesktop_TransferAndDecline(t *testing.T) {
	e := newEnv(t)
	_, tok0 := e.agentToken(t, 0)
	_, tok1 := e.agentToken(t, 1)
	ana, _ := e.agent(t, tok0)
	bo, _ := e.agent(t, tok1) // offline for now
	ana.send(map[string]any{"type": "status", "status": "available"})
	ana.until("holding")
	att := e.dial(t, "/chat/"+e.svc.ID+"/chat")
	att.send(map[string]any{"type": "hello", "token": e.attendeeToken(t, "att-t")})
	conv := att.until("welcome")["conversation"].(string)
	att.send(map[string]any{"type": "choose", "key": "0"})

	assert.Equal(t, conv, ana.until("offer")["engagement"])
	ana.send(map[string]any{"type": "decline", "engagement": conv})
	gone := ana.until("offer_gone")
	assert.Equal(t, "missed", gone["reason"])
	bo.send(map[string]any{"type": "status", "status": "available"})
	assert.Equal(t, conv, bo.until("offer")["engagement"], "declined: offered to the other agent")
	bo.send(map[string]any{"type": "accept", "engagement": conv})
	bo.until("assigned")

	bo.send(map[string]any{"type": "transfer", "engagement": conv, "queue": "registration", "ref": "t1"})
	got := bo.untilAll("t1", "ended", "holding")
	assert.Equal(t, "transferred", got["ended"]["reason"])
	held := got["holding"]["holding"].(map[string]any)
	assert.Equal(t, []any{}, held["connected"], "off the agent's desktop")
	stats, err := e.lc.QueueStats(t.Context(), e.svc.ID)
	require.NoError(t, err)
	entered := 0
	for _, s := range stats {
		if s.Queue == "registration" && s.Kind == modality.Chat {
			entered = s.Waiting + s.Offered
		}
	}
	assert.Equal(t, 1, entered, "it entered the registration queue (waiting there, or offered from it)")
}

// TestDesktop_DeclineWhileAnotherGoroutineDelivers: the router's
// decisions reach the desktop from whichever goroutine drains the line,
// so the answer to an action can overtake the decision the action
// made. The offer_gone it owes the page still comes. A subscriber held
// up on the offer stands for the attendee's goroutine, still delivering
// it when the agent declines.
func TestDesktop_DeclineWhileAnotherGoroutineDelivers(t *testing.T) {
	e := newEnv(t)
	_, tok := e.agentToken(t, 0)
	ana, _ := e.agent(t, tok)
	ana.send(map[string]any{"type": "status", "status": "available", "ref": "s1"})
	ana.untilAll("s1", "holding")

	offered, release := make(chan struct{}), make(chan struct{})
	var once, freed sync.Once
	free := func() { freed.Do(func() { close(release) }) }
	t.Cleanup(free) // a failing test lets the drain go too
	unsub := e.lc.Subscribe(func(ev contactcenter.Event) {
		if ee, ok := ev.(*contactcenter.EngagementEvent); ok && ee.Kind == routing.EventOffered {
			once.Do(func() { close(offered); <-release })
		}
	})
	defer unsub()
	att := e.dial(t, "/chat/"+e.svc.ID+"/chat")
	att.send(map[string]any{"type": "hello", "token": e.attendeeToken(t, "att-slow")})
	conv := att.until("welcome")["conversation"].(string)
	att.send(map[string]any{"type": "choose", "key": "0"})
	<-offered
	assert.Equal(t, conv, ana.until("offer")["engagement"])

	ana.send(map[string]any{"type": "decline", "engagement": conv, "ref": "d1"})
	held := ana.untilAll("d1", "holding")["holding"]["holding"].(map[string]any)
	assert.Empty(t, held["offered"], "the router took the offer back")
	free() // now the drain delivers the miss
	gone := ana.until("offer_gone")
	assert.Equal(t, conv, gone["engagement"])
	assert.Equal(t, "missed", gone["reason"])
}
