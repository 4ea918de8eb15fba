package contactcenter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/chatchannel"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/modality/routing"
)

// TestChatReachesAnAgent runs a conference's web chat for real: the
// attendee's page connects over a WebSocket with the token the platform
// minted for them, picks a queue at the receptionist, an agent signed in
// at the desk accepts, and they talk both ways; at the close the
// attendee is told, and the closing report says the transcript went.
func TestChatReachesAnAgent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w := newWorld(t)
	auth, err := access.New(access.Config{Store: w.grants, Now: w.Clock.Now,
		Keys: []access.Key{{ID: "k1", Secret: bytes.Repeat([]byte{3}, 32)}}})
	require.NoError(t, err)
	chat, err := chatchannel.New(chatchannel.Config{Now: w.Clock.Now,
		Tokens: chatchannel.TokensFunc(func(ctx context.Context, tok, svc, p string) (string, error) {
			g, err := auth.AuthorizeToken(ctx, tok, svc, access.Privilege(p))
			return g.Principal, err
		})})
	require.NoError(t, err)
	srv := httptest.NewServer(chat)
	defer srv.Close()
	defer chat.Close()
	phones, err := memchannel.New(modality.Telephony)
	require.NoError(t, err)
	cfg := w.Config("")
	cfg.Access, cfg.Channels, cfg.BaseURL = auth, []modality.Channel{phones, chat}, srv.URL
	lc, err := contactcenter.New(cfg)
	require.NoError(t, err)
	defer lc.Close()
	offers := make(chan *contactcenter.EngagementEvent, 8)
	accepted := make(chan *contactcenter.EngagementEvent, 8)
	lc.Subscribe(func(ev contactcenter.Event) {
		if e, ok := ev.(*contactcenter.EngagementEvent); ok && e.Kind == routing.EventOffered {
			offers <- e
		}
		if e, ok := ev.(*contactcenter.EngagementEvent); ok && e.Kind == routing.EventAccepted {
			accepted <- e
		}
	})

	req := conference("conf-chat")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	w.runUntil(t, lc, time.Minute, req.Term.Start.Add(time.Minute), func() bool { return w.State(t, svc.ID) == contactcenter.Active })
	svc, err = lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	var entry string
	for _, ep := range svc.EntryPoints {
		if ep.Kind == modality.Chat {
			entry = ep.Address
		}
	}
	require.Equal(t, srv.URL+"/"+svc.ID+"/chat", entry, "the entry point the event page links to")

	// The platform registers the attendee and mints their token.
	_, err = lc.RegisterAttendee(ctx, svc.ID, "att-9")
	require.NoError(t, err)
	tok, err := lc.AttendeeToken(ctx, svc.ID, "att-9")
	require.NoError(t, err)

	// An agent signs in.
	d, err := lc.Desk(ctx, svc.ID)
	require.NoError(t, err)
	agent := svc.Staff[0].ID
	agentTok, _, err := auth.IssueToken(ctx, svc.ID+"/"+agent)
	require.NoError(t, err)
	_, err = d.Open(ctx, agentTok, routing.Agent{})
	require.NoError(t, err)
	require.NoError(t, d.SetStatus(ctx, agentTok, routing.Available))

	// The attendee's page connects and picks "Anything else".
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(entry, "http"), nil)
	require.NoError(t, err)
	defer conn.CloseNow()
	send := func(v map[string]any) {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		require.NoError(t, conn.Write(ctx, websocket.MessageText, b))
	}
	until := func(typ string) map[string]any {
		t.Helper()
		for {
			_, b, err := conn.Read(ctx)
			require.NoError(t, err, "waiting for a %s frame", typ)
			var f map[string]any
			require.NoError(t, json.Unmarshal(b, &f))
			if f["type"] == typ {
				return f
			}
		}
	}
	send(map[string]any{"type": "hello", "token": tok})
	conv := until("welcome")["conversation"].(string)
	until("menu")
	send(map[string]any{"type": "choose", "key": "0"})

	var offer *contactcenter.EngagementEvent
	select {
	case offer = <-offers:
	case <-ctx.Done():
		t.Fatal("the conversation was never offered to the agent")
	}
	assert.Equal(t, conv, offer.Engagement)
	assert.Equal(t, "general", offer.Queue)
	require.NoError(t, d.Accept(ctx, agentTok, conv))
	// The agent writes once the acceptance is delivered (their desktop's
	// "assigned"): the channel has the router's word by then.
	select {
	case e := <-accepted:
		require.Equal(t, conv, e.Engagement)
	case <-ctx.Done():
		t.Fatal("the acceptance was never delivered")
	}

	heard := make(chan chatchannel.Message, 4)
	defer chat.Watch(svc.ID, func(e chatchannel.ConversationEvent) {
		if e.Kind == chatchannel.EventMessage && e.Message.Author == chatchannel.AuthorAttendee {
			heard <- e.Message
		}
	})()
	_, err = chat.Post(ctx, svc.ID, conv, agent, "Hello, how can I help?")
	require.NoError(t, err)
	// The receptionist's hand-off, the channel's word that the agent
	// joined, then the agent's message, in their name.
	var said []string
	for len(said) < 10 {
		f := until("message")
		said = append(said, f["author"].(string)+": "+f["body"].(string))
		if f["body"] == "Hello, how can I help?" {
			break
		}
	}
	require.Contains(t, said, "agent:"+agent+": Hello, how can I help?", "the agent's message reaches the attendee: %q", said)
	send(map[string]any{"type": "message", "client_msg_id": "m1", "body": "Where is my badge?"})
	select {
	case m := <-heard:
		assert.Equal(t, "Where is my badge?", m.Body, "and the attendee's reaches the agent")
	case <-ctx.Done():
		t.Fatal("the attendee's message never reached the agent's side")
	}

	// The event ends: the attendee is told, and the transcript goes.
	require.NoError(t, lc.Terminate(ctx, svc.ID, "the conference is over"))
	w.runUntil(t, lc, time.Minute, w.Clock.Now().Add(time.Hour), func() bool { return w.State(t, svc.ID).Final() })
	closed := until("closed")
	assert.Equal(t, chatchannel.ReasonClosed, closed["reason"])
	s, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	require.NotNil(t, s.Closing.Transcripts)
	assert.Equal(t, 1, s.Closing.Transcripts.Deleted, "the template keeps no transcript after the close")
	rep, err := lc.Report(ctx, svc.ID)
	require.NoError(t, err)
	for _, q := range rep.Engagements.Queues {
		if q.Queue == "general" && q.Kind == modality.Chat {
			assert.Equal(t, 1, q.Answered)
		}
	}
}
