package chatchannel_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/chatchannel"
)

func TestNewReportsEveryBadField(t *testing.T) {
	_, err := chatchannel.New(chatchannel.Config{
		MaxFrame: -1, Grace: -time.Second, Rate: chatchannel.RateLimit{PerSecond: -1, Burst: -1}, Origins: []string{""},
	})
	var ce *chatchannel.ConfigError
	require.ErrorAs(t, err, &ce, "New of a bad config must return a *ConfigError")
	var fields []string
	for _, p := range ce.Problems {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"Origins[0]", "MaxFrame", "Rate.PerSecond", "Rate.Burst", "Grace"}, fields, "every bad field, in order")

	_, err = chatchannel.New(chatchannel.Config{})
	assert.NoError(t, err, "a channel without Tokens, for anonymous visitors only, is a valid config")
}

// events collects what Watch reports.
type events struct {
	mu  sync.Mutex
	evs []chatchannel.ConversationEvent
	ch  chan chatchannel.ConversationEvent
}

func watch(t *testing.T, e *env, svc string) *events {
	ev := &events{ch: make(chan chatchannel.ConversationEvent, 100)}
	stop := e.ch.Watch(svc, func(x chatchannel.ConversationEvent) { ev.ch <- x })
	t.Cleanup(stop)
	return ev
}

// next returns the next event of kind k, skipping others.
func (ev *events) next(t *testing.T, k chatchannel.EventKind) chatchannel.ConversationEvent {
	t.Helper()
	timeout := time.After(10 * time.Second) // bounds a failing test only
	for {
		select {
		case x := <-ev.ch:
			if x.Kind == k {
				return x
			}
		case <-timeout:
			t.Fatalf("no event of kind %d", k)
		}
	}
}

// TestReceptionistToAgent walks hello → menu → answer → hand-off →
// Enqueue → Connected → messages both ways → Finished.
func TestReceptionistToAgent(t *testing.T) {
	e := newEnv(t, chatchannel.Config{})
	e.open(t, "svc")
	ev := watch(t, e, "svc")
	e.r.place = modality.Place{Position: 3, ExpectedWait: 90 * time.Second}

	c := e.dial(t, "/svc/chat")
	w := c.hello("tok-svc-alice")
	conv := w.Conversation
	assert.Equal(t, "alice", ev.next(t, chatchannel.EventStarted).From, "the attendee's address is the token's principal")

	greet := c.next()
	assert.Equal(t, "message", greet.Type)
	assert.Equal(t, chatchannel.AuthorReceptionist, greet.Author)
	assert.Contains(t, greet.Body, "Welcome to the help desk.")
	assert.Equal(t, int64(1), greet.Seq, "the greeting is the conversation's first message")
	m := c.next()
	require.Equal(t, "menu", m.Type)
	require.Len(t, m.Options, 2)
	assert.Equal(t, "2", m.Options[1].Key)
	assert.Equal(t, "Speak to someone", m.Options[1].Label)

	c.send(map[string]any{"type": "choose", "key": "1"})
	a := c.next()
	assert.Contains(t, a.Body, "Doors open at nine.", "an answer option replies with its answer")
	assert.Equal(t, "menu", c.next().Type, "and shows the menu again")

	// A typed message is the receptionist's input too.
	c.send(map[string]any{"type": "message", "client_msg_id": "c1", "body": "speak to someone"})
	ack := c.next()
	require.Equal(t, "ack", ack.Type)
	assert.Equal(t, "c1", ack.ClientMsgID)
	hand := c.next()
	assert.Equal(t, chatchannel.AuthorReceptionist, hand.Author)
	<-e.r.enqueue
	assert.Equal(t, "general", e.r.queueOf(conv), "the hand-off enqueues in the option's queue")
	q := c.next()
	require.Equal(t, "queue", q.Type)
	assert.Equal(t, 3, q.Position)
	assert.Equal(t, int64(90), q.ExpectedWaitS)

	_, err := e.ch.Post(t.Context(), "svc", conv, "bob", "hello")
	assert.ErrorIs(t, err, chatchannel.ErrNotConnected, "an agent posts only to a conversation connected to them")

	e.r.decide(t, conv, modality.Decision{Kind: modality.Connected, Agent: "bob"})
	joined := c.next()
	assert.Equal(t, "agent:bob", joined.Author, "Connected says an agent joined")

	posted, err := e.ch.Post(t.Context(), "svc", conv, "bob", "How can I help?")
	require.NoError(t, err)
	got := c.next()
	assert.Equal(t, "message", got.Type)
	assert.Equal(t, "How can I help?", got.Body)
	assert.Equal(t, posted.Seq, got.Seq)
	assert.Equal(t, "agent:bob", got.Author)

	c.send(map[string]any{"type": "message", "client_msg_id": "c2", "body": "Where is hall B?"})
	assert.Equal(t, "ack", c.next().Type)
	for {
		x := ev.next(t, chatchannel.EventMessage)
		if x.Message.Author == chatchannel.AuthorAttendee && x.Message.Body == "Where is hall B?" {
			break
		}
	}
	c.send(map[string]any{"type": "typing"})
	ev.next(t, chatchannel.EventTyping)
	require.NoError(t, e.ch.Typing(t.Context(), "svc", conv, "bob"))
	assert.Equal(t, frame{Type: "typing", Author: "agent:bob"}, c.next())
	require.NoError(t, e.ch.MarkRead(t.Context(), "svc", conv, "bob", 7))
	assert.Equal(t, frame{Type: "read", Author: "agent:bob", UpToSeq: 7}, c.next())
	c.send(map[string]any{"type": "read", "up_to_seq": 6})
	assert.Equal(t, int64(6), ev.next(t, chatchannel.EventRead).UpToSeq, "the attendee's read receipt reaches Watch")
	assert.ErrorIs(t, e.ch.Typing(t.Context(), "svc", conv, "carol"), chatchannel.ErrNotConnected, "another agent")
	assert.ErrorIs(t, e.ch.Typing(t.Context(), "svc", "nope", "bob"), modality.ErrNotFound, "no such conversation")

	counts, err := e.ch.Counts(t.Context(), "svc")
	require.NoError(t, err)
	assert.Equal(t, 1, counts[0].Active, "the connected conversation is active")

	e.clock.Advance(time.Minute)
	e.r.decide(t, conv, modality.Decision{Kind: modality.Finished, Outcome: "answered", At: e.clock.Now()})
	closed := c.next()
	assert.Equal(t, frame{Type: "closed", Reason: "answered"}, closed, "Finished closes the conversation with the outcome")
	assert.Equal(t, websocket.StatusNormalClosure, c.closeStatus())
	counts, err = e.ch.Counts(t.Context(), "svc")
	require.NoError(t, err)
	assert.Equal(t, int64(1), counts[0].Completed)
	assert.Equal(t, time.Minute, counts[0].HandleTime)

	msgs, err := e.ch.Messages(t.Context(), "svc", conv, 0)
	require.NoError(t, err)
	assert.Len(t, msgs, 7, "the transcript keeps every message: greeting, answer (a choose frame is not one), typed input, hand-off, joined, agent, attendee")
	_, err = e.ch.Messages(t.Context(), "other", conv, 0)
	assert.ErrorIs(t, err, modality.ErrNotFound, "another service's transcript")
}

func TestBackToReceptionistAndSupervised(t *testing.T) {
	e := newEnv(t, chatchannel.Config{})
	e.open(t, "svc")
	c := e.dial(t, "/svc/chat?entry=direct")
	conv := c.hello("tok-svc-alice").Conversation
	<-e.r.enqueue
	assert.Equal(t, "queue", c.next().Type, "an entry point with a queue enqueues at once")
	e.r.decide(t, conv, modality.Decision{Kind: modality.Connected, Agent: "bob"})
	assert.Equal(t, "agent:bob", c.next().Author)
	e.r.decide(t, conv, modality.Decision{Kind: modality.Requeued, Queue: "general"})
	assert.Equal(t, "queue", c.next().Type, "Requeued: the attendee waits again")
	_, err := e.ch.Post(t.Context(), "svc", conv, "bob", "still there?")
	assert.ErrorIs(t, err, chatchannel.ErrNotConnected, "a requeued conversation is no longer the agent's")
	e.r.decide(t, conv, modality.Decision{Kind: modality.Supervised, Agent: "sue"})
	e.r.decide(t, conv, modality.Decision{Kind: modality.Finished, BackToReceptionist: true, Outcome: "expired"})
	back := c.next()
	assert.Contains(t, back.Body, "Nobody could take you", "back with the receptionist: the fallback (Supervised said nothing)")
	assert.Equal(t, "menu", c.next().Type)
	c.send(map[string]any{"type": "choose", "key": "2"})
	c.next() // "connecting"
	<-e.r.enqueue
	assert.Equal(t, "queue", c.next().Type, "a new hand-off enqueues again")
}

func TestResumeReplaysAboveLastSeqAndResendIsIdempotent(t *testing.T) {
	e := newEnv(t, chatchannel.Config{})
	e.open(t, "svc")
	c := e.dial(t, "/svc/chat?entry=direct")
	conv := c.hello("tok-svc-alice").Conversation
	<-e.r.enqueue
	c.next() // queue
	e.r.decide(t, conv, modality.Decision{Kind: modality.Connected, Agent: "bob"})
	c.next() // joined, seq 1
	c.send(map[string]any{"type": "message", "client_msg_id": "c1", "body": "one"})
	ack1 := c.next()
	require.Equal(t, int64(2), ack1.Seq)
	c.conn.Close(websocket.StatusNormalClosure, "page reload")

	// While away, the agent writes twice.
	_, err := e.ch.Post(t.Context(), "svc", conv, "bob", "two")
	require.NoError(t, err)
	_, err = e.ch.Post(t.Context(), "svc", conv, "bob", "three")
	require.NoError(t, err)

	c2 := e.dial(t, "/svc/chat")
	c2.send(map[string]any{"type": "hello", "token": "tok-svc-alice", "conversation": conv, "last_seq": 2})
	w := c2.next()
	assert.Equal(t, frame{Type: "welcome", Conversation: conv, Seq: 4}, w)
	r1, r2 := c2.next(), c2.next()
	assert.Equal(t, []string{"two", "three"}, []string{r1.Body, r2.Body}, "resume replays everything above last_seq")
	assert.Equal(t, []int64{3, 4}, []int64{r1.Seq, r2.Seq})

	// The resend of c1 (its ack was lost) is acknowledged again, stored once.
	c2.send(map[string]any{"type": "message", "client_msg_id": "c1", "body": "one"})
	again := c2.next()
	assert.Equal(t, ack1.ID, again.ID, "a resend gets the same ack")
	assert.Equal(t, ack1.Seq, again.Seq)
	msgs, err := e.ch.Messages(t.Context(), "svc", conv, 0)
	require.NoError(t, err)
	assert.Len(t, msgs, 4, "a resend is stored once")

	// Another attendee cannot take the conversation over.
	c3 := e.dial(t, "/svc/chat")
	c3.send(map[string]any{"type": "hello", "token": "tok-svc-mallory", "conversation": conv})
	assert.Equal(t, "not_found", c3.next().Reason, "resume by another attendee")

	// A second socket of the same attendee replaces the first.
	c4 := e.dial(t, "/svc/chat")
	c4.send(map[string]any{"type": "hello", "token": "tok-svc-alice", "conversation": conv, "last_seq": 4})
	assert.Equal(t, "welcome", c4.next().Type)
	f, _ := c2.until("closed")
	assert.Equal(t, "replaced", f.Reason)
	c4.send(map[string]any{"type": "leave"})
	f, _ = c4.until("closed")
	assert.Equal(t, "left", f.Reason, "leave ends the conversation")
	assert.Equal(t, []string{conv}, e.r.hangups(), "leave hangs up the routed engagement")
}

func TestBusyRefusal(t *testing.T) {
	e := newEnv(t, chatchannel.Config{})
	e.open(t, "svc")
	e.r.refuse = &modality.BusyError{Queue: "general", RetryAfter: 5 * time.Minute, Reason: "full"}
	c := e.dial(t, "/svc/chat?entry=direct")
	c.hello("tok-svc-alice")
	<-e.r.enqueue
	sys := c.next()
	assert.Equal(t, chatchannel.AuthorSystem, sys.Author)
	assert.Equal(t, "All our agents are busy. Please try again in 5 minutes.", sys.Body)
	assert.Equal(t, frame{Type: "closed", Reason: "busy"}, c.next())
	counts, err := e.ch.Counts(t.Context(), "svc")
	require.NoError(t, err)
	assert.Zero(t, counts[0].Arrivals, "a refused arrival is not counted")

	// Capacity refuses before the router.
	e.r.refuse = nil
	require.NoError(t, e.ch.SetCapacity(t.Context(), "svc", 0))
	c = e.dial(t, "/svc/chat?entry=direct")
	c.send(map[string]any{"type": "hello", "token": "tok-svc-alice"})
	assert.Equal(t, chatchannel.AuthorSystem, c.next().Author)
	assert.Equal(t, "busy", c.next().Reason, "over capacity")
}

func TestDisconnectAtExpiryAndHelloAfterRemove(t *testing.T) {
	e := newEnv(t, chatchannel.Config{})
	e.open(t, "svc")
	e.open(t, "other")
	var clients []*client
	for i := range 3 {
		c := e.dial(t, "/svc/chat?entry=direct")
		c.hello(fmt.Sprintf("tok-svc-a%d", i))
		<-e.r.enqueue
		clients = append(clients, c)
	}
	o := e.dial(t, "/other/chat?entry=direct")
	o.hello("tok-other-x")
	<-e.r.enqueue

	require.NoError(t, e.ch.StopIntake(t.Context(), "svc"))
	late := e.dial(t, "/svc/chat")
	late.send(map[string]any{"type": "hello", "token": "tok-svc-late"})
	assert.Equal(t, frame{Type: "closed", Reason: "stopped", Message: "The help desk has closed for the season."}, late.next())

	n, err := e.ch.Disconnect(t.Context(), "svc")
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	for _, c := range clients {
		f, _ := c.until("closed")
		assert.Equal(t, frame{Type: "closed", Reason: "closed", Message: "The help desk has closed for the season."}, f, "every open conversation gets the closing message")
		assert.Equal(t, websocket.StatusNormalClosure, c.closeStatus(), "and its socket closes")
	}
	require.NoError(t, e.ch.Remove(t.Context(), "svc"))
	after := e.dial(t, "/svc/chat")
	after.send(map[string]any{"type": "hello", "token": "tok-svc-a0"})
	assert.Equal(t, frame{Type: "closed", Reason: "closed", Message: "The help desk has closed for the season."}, after.next(), "a hello after Remove is refused with the same message")

	counts, err := e.ch.Counts(t.Context(), "other")
	require.NoError(t, err)
	assert.Equal(t, 1, counts[0].Live(), "another service keeps its conversation")
	never := e.dial(t, "/never/chat")
	never.send(map[string]any{"type": "hello", "token": "tok-never-x"})
	assert.Equal(t, frame{Type: "closed", Reason: "closed", Message: "The contact center is closed."}, never.next())
}

func TestGraceEndsAnAbandonedConversation(t *testing.T) {
	e := newEnv(t, chatchannel.Config{Grace: time.Minute})
	e.open(t, "svc")
	c := e.dial(t, "/svc/chat?entry=direct")
	conv := c.hello("tok-svc-alice").Conversation
	<-e.r.enqueue
	c.next()
	c.conn.Close(websocket.StatusGoingAway, "tab closed")
	// The channel notes the detach when the server's read returns;
	// wait for that through Sweep's view of the clock.
	require.Eventually(t, func() bool {
		n, err := e.ch.Sweep(t.Context())
		require.NoError(t, err)
		require.Zero(t, n, "within the grace nothing ends")
		return detached(e, "svc")
	}, 10*time.Second, time.Millisecond)
	e.clock.Advance(59 * time.Second)
	n, err := e.ch.Sweep(t.Context())
	require.NoError(t, err)
	assert.Zero(t, n, "within the grace nothing ends")
	e.clock.Advance(time.Second)
	n, err = e.ch.Sweep(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, n, "after the grace the conversation ends")
	assert.Equal(t, []string{conv}, e.r.hangups(), "and is hung up at the router")
	counts, err := e.ch.Counts(t.Context(), "svc")
	require.NoError(t, err)
	assert.Equal(t, int64(1), counts[0].Abandoned)
}

// detached reports whether serviceID has a conversation whose socket
// the channel has seen close.
func detached(e *env, svc string) bool { return e.ch.DetachedForTest(svc) > 0 }

func TestUnauthorized(t *testing.T) {
	e := newEnv(t, chatchannel.Config{})
	e.open(t, "svc")
	for name, tok := range map[string]string{
		"another service's token": "tok-other-alice",
		"a bad token":             "nonsense",
		"no token, no anonymous":  "",
	} {
		t.Run(name, func(t *testing.T) {
			c := e.dial(t, "/svc/chat")
			c.send(map[string]any{"type": "hello", "token": tok})
			assert.Equal(t, frame{Type: "closed", Reason: "unauthorized"}, c.next())
			assert.Equal(t, websocket.StatusPolicyViolation, c.closeStatus())
		})
	}
	counts, err := e.ch.Counts(t.Context(), "svc")
	require.NoError(t, err)
	assert.Zero(t, counts[0].Arrivals, "nothing created")
}

// An anonymous visitor is admitted only where the service's setup lists
// chat among its Anonymous kinds; elsewhere the hello is refused as a
// bad token is, logged, and creates nothing.
func TestAnonymous(t *testing.T) {
	var l logs
	e := newEnv(t, chatchannel.Config{Logger: l.logger()})
	open := func(svc string, anonymous ...modality.Kind) {
		t.Helper()
		s := e.setup(svc)
		s.Anonymous = anonymous
		require.NoError(t, e.ch.Open(t.Context(), svc, s))
	}
	open("svc", modality.Chat)
	open("video-only", modality.Video)
	open("registered", nil...)

	ev := watch(t, e, "svc")
	c := e.dial(t, "/svc/chat?entry=direct")
	c.hello("")
	assert.True(t, strings.HasPrefix(ev.next(t, chatchannel.EventStarted).From, "anonymous:"), "an anonymous visitor's address")

	never := e.dial(t, "/never-opened/chat?entry=direct")
	never.send(map[string]any{"type": "hello"})
	assert.Equal(t, frame{Type: "closed", Reason: "closed", Message: "The contact center is closed."}, never.next(),
		"a service not open here says so, whoever asks")
	for _, svc := range []string{"video-only", "registered"} {
		t.Run(svc, func(t *testing.T) {
			c := e.dial(t, "/"+svc+"/chat?entry=direct")
			c.send(map[string]any{"type": "hello"})
			assert.Equal(t, frame{Type: "closed", Reason: "unauthorized"}, c.next(), "no token, and chat is not open to anonymous visitors")
			assert.Equal(t, websocket.StatusPolicyViolation, c.closeStatus())
			counts, err := e.ch.Counts(t.Context(), svc)
			require.NoError(t, err)
			assert.Zero(t, counts[0].Arrivals, "nothing created")
		})
	}
	assert.Eventually(t, func() bool { return strings.Contains(l.all(), "admits no anonymous visitors") }, 10*time.Second, time.Millisecond,
		"a refused anonymous hello is logged")

	// A setup opened again without chat in Anonymous turns them away.
	open("svc", nil...)
	c = e.dial(t, "/svc/chat?entry=direct")
	c.send(map[string]any{"type": "hello"})
	assert.Equal(t, frame{Type: "closed", Reason: "unauthorized"}, c.next(), "anonymous visitors no longer admitted")
}

// A registered-only queue (a VIP queue) is for token holders: an
// anonymous visitor is refused at its entry point, does not see it in
// the menu and cannot choose it there; a registered attendee sees and
// reaches it.
func TestRegisteredOnly(t *testing.T) {
	var l logs
	e := newEnv(t, chatchannel.Config{Logger: l.logger()})
	s := e.setup("svc")
	s.Queues = append(s.Queues, "vip")
	s.EntryPoints = append(s.EntryPoints, modality.EntryPoint{Name: "vip", Kind: modality.Chat, Address: e.srv.URL + "/svc/chat?entry=vip", Queue: "vip"})
	s.Receptionist.Options = append(s.Receptionist.Options, modality.Option{Key: "3", Label: "VIP lounge", Queue: "vip"})
	s.Anonymous = []modality.Kind{modality.Chat}
	s.RegisteredOnly = []string{"vip"}
	require.NoError(t, e.ch.Open(t.Context(), "svc", s))
	keys := func(m frame) []string {
		var ks []string
		for _, o := range m.Options {
			ks = append(ks, o.Key)
		}
		return ks
	}

	t.Run("anonymous at the VIP entry point", func(t *testing.T) {
		c := e.dial(t, "/svc/chat?entry=vip")
		c.send(map[string]any{"type": "hello"})
		assert.Equal(t, frame{Type: "closed", Reason: "unauthorized"}, c.next(), "no token at a registered-only queue's entry point")
		assert.Equal(t, websocket.StatusPolicyViolation, c.closeStatus())
		counts, err := e.ch.Counts(t.Context(), "svc")
		require.NoError(t, err)
		assert.Zero(t, counts[0].Arrivals, "nothing created")
		assert.Eventually(t, func() bool { return strings.Contains(l.all(), "a queue for registered attendees only") }, 10*time.Second, time.Millisecond,
			"the refusal is logged")
	})
	t.Run("anonymous at the receptionist", func(t *testing.T) {
		c := e.dial(t, "/svc/chat")
		conv := c.hello("").Conversation
		m, _ := c.until("menu")
		assert.Equal(t, []string{"1", "2"}, keys(m), "the anonymous menu leaves out the VIP option")

		c.send(map[string]any{"type": "choose", "key": "9"})
		unknown := c.next()
		unknownMenu := c.next()
		for _, input := range []map[string]any{
			{"type": "choose", "key": "3"},
			{"type": "message", "client_msg_id": "c1", "body": "VIP lounge"},
		} {
			c.send(input)
			if input["type"] == "message" {
				require.Equal(t, "ack", c.next().Type)
			}
			got := c.next()
			assert.Equal(t, unknown.Body, got.Body, "choosing the VIP option anonymously (%v) is not understood, as an unknown key", input)
			assert.Equal(t, unknownMenu, c.next(), "and the same menu follows")
		}
		assert.Empty(t, e.r.queueOf(conv), "nothing enqueued")

		// Handed back by an overflow, the visitor sees their own menu.
		c.send(map[string]any{"type": "choose", "key": "2"})
		c.next() // "connecting"
		<-e.r.enqueue
		c.next() // queue
		e.r.decide(t, conv, modality.Decision{Kind: modality.Finished, BackToReceptionist: true, Outcome: "expired"})
		assert.Contains(t, c.next().Body, "Nobody could take you")
		assert.Equal(t, []string{"1", "2"}, keys(c.next()), "the fallback's menu leaves out the VIP option too")
	})
	t.Run("registered at the receptionist", func(t *testing.T) {
		c := e.dial(t, "/svc/chat")
		conv := c.hello("tok-svc-alice").Conversation
		m, _ := c.until("menu")
		assert.Equal(t, []string{"1", "2", "3"}, keys(m), "a token holder sees the VIP option")
		c.send(map[string]any{"type": "choose", "key": "3"})
		c.next() // "connecting"
		<-e.r.enqueue
		assert.Equal(t, "vip", e.r.queueOf(conv), "and reaches the VIP queue")
	})
	t.Run("registered at the VIP entry point", func(t *testing.T) {
		c := e.dial(t, "/svc/chat?entry=vip")
		conv := c.hello("tok-svc-bob").Conversation
		<-e.r.enqueue
		assert.Equal(t, "vip", e.r.queueOf(conv), "a token holder enters the VIP queue")
	})
}

func TestOriginAndNonWebSocket(t *testing.T) {
	e := newEnv(t, chatchannel.Config{Origins: []string{"events.example"}})
	url := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/svc/chat"
	_, res, err := websocket.Dial(t.Context(), url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	require.Error(t, err, "a cross-origin socket")
	require.NotNil(t, res)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	res.Body.Close()
	conn, _, err := websocket.Dial(t.Context(), url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://events.example"}}})
	require.NoError(t, err, "an allowed origin")
	conn.CloseNow()

	res2, err := http.Get(e.srv.URL + "/svc/chat")
	require.NoError(t, err)
	res2.Body.Close()
	assert.Equal(t, http.StatusUpgradeRequired, res2.StatusCode, "a plain GET")
	res3, err := http.Get(e.srv.URL + "/svc/nope")
	require.NoError(t, err)
	res3.Body.Close()
	assert.Equal(t, http.StatusNotFound, res3.StatusCode, "another path")
}

// logs collects what the channel logs.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, prefix+" "+args)
	}, funcr.Options{Verbosity: 1})
}

func (l *logs) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func TestBadInput(t *testing.T) {
	var l logs
	e := newEnv(t, chatchannel.Config{MaxFrame: 1024, Logger: l.logger()})
	defer func() {
		for _, want := range []string{"frame too big", "bad frame", "first frame is not a hello", "unknown frame type"} {
			// The server logs as its read returns, which may be just
			// after the client saw the close.
			assert.Eventually(t, func() bool { return strings.Contains(l.all(), want) }, 10*time.Second, time.Millisecond, "each bad input is logged: %q", want)
		}
	}()
	e.open(t, "svc")
	t.Run("frame too big", func(t *testing.T) {
		c := e.dial(t, "/svc/chat?entry=direct")
		c.hello("tok-svc-a")
		c.sendRaw([]byte(`{"type":"message","client_msg_id":"x","body":"` + strings.Repeat("a", 2000) + `"}`))
		assert.Equal(t, websocket.StatusMessageTooBig, c.closeStatus())
	})
	t.Run("malformed and unknown", func(t *testing.T) {
		c := e.dial(t, "/svc/chat?entry=direct")
		c.hello("tok-svc-b")
		c.sendRaw([]byte(`{not json`))
		f, _ := c.until("error")
		assert.Equal(t, "bad_frame", f.Code)
		c.send(map[string]any{"type": "shout"})
		f, _ = c.until("error")
		assert.Equal(t, "unknown_type", f.Code)
		c.send(map[string]any{"type": "message"})
		f, _ = c.until("error")
		assert.Equal(t, "bad_frame", f.Code, "a message without body")
		assert.Equal(t, websocket.StatusPolicyViolation, c.closeStatus(), "closed after three bad frames")
	})
	t.Run("first frame not a hello", func(t *testing.T) {
		c := e.dial(t, "/svc/chat")
		c.send(map[string]any{"type": "message", "body": "hi"})
		assert.Equal(t, "hello_required", c.next().Code)
		assert.Equal(t, websocket.StatusPolicyViolation, c.closeStatus())
	})
	counts, err := e.ch.Counts(t.Context(), "svc")
	require.NoError(t, err)
	assert.Equal(t, int64(2), counts[0].Arrivals, "bad input created nothing")
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, chatchannel.Config{Rate: chatchannel.RateLimit{PerSecond: 1, Burst: 3}, MaxDropped: 5})
	e.open(t, "svc")
	c := e.dial(t, "/svc/chat?entry=direct")
	conv := c.hello("tok-svc-a").Conversation
	<-e.r.enqueue
	c.next()
	for i := range 3 {
		c.send(map[string]any{"type": "message", "client_msg_id": fmt.Sprint(i), "body": "spam"})
		assert.Equal(t, "ack", c.next().Type, "within the burst")
	}
	c.send(map[string]any{"type": "message", "client_msg_id": "x", "body": "spam"})
	assert.Equal(t, frame{Type: "error", Code: "rate_limited", Message: "too many frames; this one was dropped"}, c.next())
	e.clock.Advance(time.Second)
	c.send(map[string]any{"type": "message", "client_msg_id": "y", "body": "later"})
	assert.Equal(t, "ack", c.next().Type, "the bucket refills with the clock")
	for range 5 {
		c.send(map[string]any{"type": "typing"})
	}
	assert.Equal(t, websocket.StatusPolicyViolation, c.closeStatus(), "sustained abuse closes the socket")
	msgs, err := e.ch.Messages(t.Context(), "svc", conv, 0)
	require.NoError(t, err)
	assert.Len(t, msgs, 4, "dropped messages are not stored")
}

func TestCloseRefusesNewSockets(t *testing.T) {
	e := newEnv(t, chatchannel.Config{})
	e.open(t, "svc")
	c := e.dial(t, "/svc/chat?entry=direct")
	c.hello("tok-svc-a")
	closed := make(chan error)
	go func() { closed <- e.ch.Close() }() // it waits for the attendee's close reply
	assert.Equal(t, websocket.StatusGoingAway, c.closeStatus(), "Close closes sockets as going away")
	require.NoError(t, <-closed)
	_, res, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/svc/chat", nil)
	require.Error(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	res.Body.Close()
	require.NoError(t, e.ch.Close(), "Close is idempotent")
}

func TestRetain(t *testing.T) {
	e := newEnv(t, chatchannel.Config{})
	e.open(t, "svc")
	var convs []string
	for i := range 2 {
		c := e.dial(t, "/svc/chat")
		convs = append(convs, c.hello(fmt.Sprintf("tok-svc-a%d", i)).Conversation)
		c.next() // the greeting is stored
	}
	_, err := e.ch.Disconnect(t.Context(), "svc")
	require.NoError(t, err)
	kept, deleted, err := e.ch.Retain(t.Context(), "svc", e.clock.Now().Add(24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, [2]int{2, 0}, [2]int{kept, deleted}, "both conversations' transcripts are kept")
	e.clock.Advance(23 * time.Hour)
	_, err = e.ch.Sweep(t.Context())
	require.NoError(t, err)
	msgs, err := e.ch.Messages(t.Context(), "svc", convs[0], 0)
	require.NoError(t, err)
	assert.NotEmpty(t, msgs, "kept until the retention ends")
	e.clock.Advance(time.Hour)
	_, err = e.ch.Sweep(t.Context())
	require.NoError(t, err)
	msgs, err = e.ch.Messages(t.Context(), "svc", convs[0], 0)
	require.NoError(t, err)
	assert.Empty(t, msgs, "deleted when the retention ends")

	e.open(t, "now")
	c := e.dial(t, "/now/chat")
	conv := c.hello("tok-now-a").Conversation
	c.next()
	kept, deleted, err = e.ch.Retain(t.Context(), "now", time.Time{})
	require.NoError(t, err)
	assert.Equal(t, [2]int{0, 1}, [2]int{kept, deleted}, "a zero instant deletes now")
	msgs, err = e.ch.Messages(t.Context(), "now", conv, 0)
	require.NoError(t, err)
	assert.Empty(t, msgs)
}

func TestHelloTimeoutAndResumeAfterStopIntake(t *testing.T) {
	e := newEnv(t, chatchannel.Config{HelloTimeout: 50 * time.Millisecond})
	e.open(t, "svc")
	silent := e.dial(t, "/svc/chat")
	assert.Equal(t, websocket.StatusPolicyViolation, silent.closeStatus(), "a socket that never says hello is closed")

	c := e.dial(t, "/svc/chat?entry=direct")
	conv := c.hello("tok-svc-a").Conversation
	<-e.r.enqueue
	c.next()
	require.NoError(t, e.ch.StopIntake(t.Context(), "svc"))
	c.conn.Close(websocket.StatusNormalClosure, "reload")
	again := e.dial(t, "/svc/chat")
	again.send(map[string]any{"type": "hello", "token": "tok-svc-a", "conversation": conv, "last_seq": 0})
	assert.Equal(t, "welcome", again.next().Type, "a live conversation resumes after StopIntake")
	assert.Equal(t, frame{Type: "queue"}, again.next(), "and is told it still waits")
}

// TestEndAttendee: an attendee whose registration ends loses the
// conversations they started with their token, and only those; the
// router is told they left.
func TestEndAttendee(t *testing.T) {
	e := newEnv(t, chatchannel.Config{})
	e.open(t, "svc")
	ann := e.dial(t, "/svc/chat?entry=direct")
	annConv := ann.hello("tok-svc-ann").Conversation
	<-e.r.enqueue
	bob := e.dial(t, "/svc/chat?entry=direct")
	bob.hello("tok-svc-bob")
	<-e.r.enqueue

	n, err := e.ch.EndAttendee(t.Context(), "svc", "ann")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	f, _ := ann.until("closed")
	assert.Equal(t, "unregistered", f.Reason)
	assert.NotEmpty(t, f.Message, "told why")
	assert.Equal(t, websocket.StatusNormalClosure, ann.closeStatus())
	assert.Equal(t, []string{annConv}, e.r.hangups(), "the router is told ann left")

	n, err = e.ch.EndAttendee(t.Context(), "svc", "ann")
	require.NoError(t, err)
	assert.Zero(t, n, "nothing more to end")
	n, err = e.ch.EndAttendee(t.Context(), "other", "bob")
	require.NoError(t, err)
	assert.Zero(t, n, "another service's attendee of the same name is not this one")
	counts, err := e.ch.Counts(t.Context(), "svc")
	require.NoError(t, err)
	assert.Equal(t, 1, counts[0].Live(), "bob's conversation goes on")
}
