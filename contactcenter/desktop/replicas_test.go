package desktop_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/chatchannel"
)

// TestDesktop_AcrossReplicas: two host processes behind two ports share
// the adapters; a drives the service, and the attendee chats there; the
// agent signs in at b's desktop. Every action of theirs, messages
// included, goes to a through the relay, and the conversation's events
// come back to b: they talk as if on one replica.
func TestDesktop_AcrossReplicas(t *testing.T) {
	t.Run("memory", func(t *testing.T) { testAcrossReplicas(t, inMemory()) })
	t.Run("postgres", func(t *testing.T) { testAcrossReplicas(t, onPostgres(t)) })
}

func testAcrossReplicas(t *testing.T, a shared) {
	e := newEnvOwned(t, "a", a)
	b := e.newReplica(t, "b")
	require.NoError(t, b.lc.Tick(t.Context())) // b listens on the relay; a holds the service

	who, tok := e.agentToken(t, 0)
	agent, welcome := e.agentAt(t, b, tok)
	assert.Equal(t, who, welcome["agent"], "signed in at b")
	agent.send(map[string]any{"type": "status", "status": "available"})
	assert.Equal(t, "available", agent.until("holding")["holding"].(map[string]any)["presence"])

	att := e.dial(t, "/chat/"+e.svc.ID+"/chat") // at a, where the service is open
	att.send(map[string]any{"type": "hello", "token": e.attendeeToken(t, "att-r")})
	conv := att.until("welcome")["conversation"].(string)
	att.send(map[string]any{"type": "choose", "key": "0"})

	// While waiting, the attendee writes more than one relayed message
	// can carry: the transcript crosses in pages.
	long := strings.Repeat("<&>\"", chatchannel.MaxBody/4) // JSON escapes each to 6 bytes
	for i := range 6 {
		att.send(map[string]any{"type": "message", "client_msg_id": fmt.Sprint("w-", i), "body": long})
		att.until("ack")
	}
	e.Clock.Advance(3 * time.Second) // the attendee's frame rate (burst 10, 5 a second) refills
	assert.Equal(t, conv, agent.until("offer")["engagement"], "a's router offers it to the agent at b")
	agent.send(map[string]any{"type": "history", "engagement": conv})
	hist := agent.until("history")["messages"].([]any)
	want, err := e.chat.Messages(t.Context(), e.svc.ID, conv, 0)
	require.NoError(t, err)
	require.Len(t, hist, len(want), "the whole transcript crosses the relay")
	assert.Equal(t, long, hist[len(hist)-1].(map[string]any)["body"])
	agent.send(map[string]any{"type": "accept", "engagement": conv})
	agent.until("assigned")

	agent.send(map[string]any{"type": "message", "engagement": conv, "body": long, "client_msg_id": "b-0"})
	assert.Equal(t, "b-0", agent.until("ack")["client_msg_id"], "the longest body crosses too")
	agent.send(map[string]any{"type": "message", "engagement": conv, "body": "Hello from replica b <3 & \"quotes\"", "client_msg_id": "b-1"})
	ack := agent.until("ack")
	assert.Equal(t, "b-1", ack["client_msg_id"])
	agentSeq := ack["seq"]
	for {
		f := att.until("message")
		if f["author"] == "agent:"+who && f["seq"] == agentSeq {
			assert.Equal(t, "Hello from replica b <3 & \"quotes\"", f["body"])
			break
		}
	}
	att.send(map[string]any{"type": "typing"})
	assert.Equal(t, conv, agent.until("typing")["engagement"], "the attendee's typing reaches b")
	att.send(map[string]any{"type": "message", "client_msg_id": "m-1", "body": "Hi b, this is a"})
	att.send(map[string]any{"type": "message", "client_msg_id": "m-2", "body": long})
	for {
		f := agent.until("message")
		if f["author"] == "attendee" && f["body"] == long {
			t.Fatal("the attendee's messages crossed out of order")
		}
		if f["author"] == "attendee" {
			assert.Equal(t, "Hi b, this is a", f["body"])
			assert.Equal(t, long, agent.until("message")["body"], "and the longest")
			agent.send(map[string]any{"type": "read", "engagement": conv, "up_to_seq": f["seq"]})
			assert.Equal(t, f["seq"], att.until("read")["up_to_seq"])
			break
		}
	}

	e.Clock.Advance(3 * time.Second)
	att.send(map[string]any{"type": "leave"})
	ended := agent.until("ended")
	assert.Equal(t, conv, ended["engagement"], "the end reaches b too")
}

// TestChat_AttendeeOnAnyReplica: an attendee reaches whichever replica
// the load balancer picks. b does not drive the service, so it forwards
// their socket to a, where the conversation lives; after a reconnect
// they resume it on a, then on b again, missing nothing; at the close
// they are told, on b, and a reconnect there is refused with the same
// message.
func TestChat_AttendeeOnAnyReplica(t *testing.T) {
	t.Run("memory", func(t *testing.T) { testAttendeeOnAnyReplica(t, inMemory()) })
	t.Run("postgres", func(t *testing.T) { testAttendeeOnAnyReplica(t, onPostgres(t)) })
}

func testAttendeeOnAnyReplica(t *testing.T, a shared) {
	e := newEnvOwned(t, "a", a)
	b := e.newReplica(t, "b")
	require.NoError(t, b.lc.Tick(t.Context()))
	path := "/chat/" + e.svc.ID + "/chat"

	who, tok := e.agentToken(t, 0)
	agent, _ := e.agentAt(t, e.replica, tok)
	agent.send(map[string]any{"type": "status", "status": "available"})
	agent.until("holding")

	attTok := e.attendeeToken(t, "att-any")
	att := dial(t, b.srv.URL, path)
	att.send(map[string]any{"type": "hello", "token": attTok})
	conv := att.until("welcome")["conversation"].(string)
	att.until("menu")
	att.send(map[string]any{"type": "choose", "key": "0"})
	assert.Equal(t, conv, agent.until("offer")["engagement"], "the conversation started through b lives at a")
	agent.send(map[string]any{"type": "accept", "engagement": conv})
	agent.until("assigned")

	// seen reads the attendee's frames until a message with body, and
	// returns the highest seq seen on the way.
	var last float64
	seen := func(c *ws, body string) {
		t.Helper()
		for {
			f := c.until("message")
			last = max(last, f["seq"].(float64))
			if f["body"] == body {
				return
			}
		}
	}
	agent.send(map[string]any{"type": "message", "engagement": conv, "body": "Hello, how can I help?"})
	seen(att, "Hello, how can I help?")
	att.send(map[string]any{"type": "message", "client_msg_id": "m1", "body": "My badge is wrong."})
	for f := agent.until("message"); f["author"] != "attendee"; f = agent.until("message") {
	}

	// The attendee's connection drops; the agent writes meanwhile; they
	// come back through a.
	att.conn.Close(websocket.StatusGoingAway, "lost the network")
	agent.send(map[string]any{"type": "message", "engagement": conv, "body": "What should it say?"})
	agent.until("ack")
	att = dial(t, e.srv.URL, path)
	att.send(map[string]any{"type": "hello", "token": attTok, "conversation": conv, "last_seq": last})
	assert.Equal(t, conv, att.until("welcome")["conversation"], "resumed at a")
	seen(att, "What should it say?")

	// And again, through b.
	att.conn.Close(websocket.StatusGoingAway, "lost the network")
	agent.send(map[string]any{"type": "message", "engagement": conv, "body": "Still there?"})
	agent.until("ack")
	att = dial(t, b.srv.URL, path)
	att.send(map[string]any{"type": "hello", "token": attTok, "conversation": conv, "last_seq": last})
	assert.Equal(t, conv, att.until("welcome")["conversation"], "resumed through b")
	seen(att, "Still there?")
	att.send(map[string]any{"type": "message", "client_msg_id": "m2", "body": "Yes: Dr. Ada Lovelace."})
	for f := agent.until("message"); f["body"] != "Yes: Dr. Ada Lovelace."; f = agent.until("message") {
	}

	// The close reaches the attendee through b, and b refuses a
	// reconnect with the same message.
	require.NoError(t, e.lc.Terminate(t.Context(), e.svc.ID, "the conference is over"))
	for !e.State(t, e.svc.ID).Final() {
		_ = e.lc.Tick(t.Context())
		e.Clock.Advance(time.Minute)
	}
	closed := att.until("closed")
	assert.Equal(t, chatchannel.ReasonClosed, closed["reason"])
	assert.Equal(t, e.svc.Config.Receptionist.ClosedMessage, closed["message"])
	again := dial(t, b.srv.URL, path)
	again.send(map[string]any{"type": "hello", "token": attTok, "conversation": conv, "last_seq": last})
	refused := again.until("closed")
	assert.Equal(t, e.svc.Config.Receptionist.ClosedMessage, refused["message"], "after the close, b says what a would")
	_ = who
}
