package messagingchannel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/memprovider"
	"github.com/eventcc/eventcc/modality/messaging/outbox"
	"github.com/eventcc/eventcc/modality/messagingchannel"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

var secret = []byte("0123456789abcdef-gateway")

const (
	attendee = "+12025550143"
	number   = "+12025550100"
)

// router is a fake modality.Router: the test delivers its decisions.
type router struct {
	mu       sync.Mutex
	notify   map[string]func(modality.Decision)
	queues   map[string]string
	hungUp   []string
	enqueued chan string
}

func newRouter() *router {
	return &router{notify: map[string]func(modality.Decision){}, queues: map[string]string{}, enqueued: make(chan string, 16)}
}

func (r *router) Enqueue(e modality.Engagement, queue string, notify func(modality.Decision)) (modality.Place, error) {
	r.mu.Lock()
	r.notify[e.ID], r.queues[e.ID] = notify, queue
	r.mu.Unlock()
	r.enqueued <- e.ID
	return modality.Place{Position: 1}, nil
}

func (r *router) Hangup(id string) error {
	r.mu.Lock()
	r.hungUp = append(r.hungUp, id)
	r.mu.Unlock()
	return nil
}

func (r *router) decide(id string, d modality.Decision) {
	r.mu.Lock()
	n := r.notify[id]
	r.mu.Unlock()
	d.Engagement = id
	n(d)
}

// env is a channel with the reference provider, its gateway, a router
// and a clock, serving the webhook on loopback.
type env struct {
	ch     *messagingchannel.Channel
	gw     *memprovider.Gateway
	hook   string
	r      *router
	mu     sync.Mutex
	now    time.Time
	events chan modality.ConversationEvent
}

func (e *env) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

func newEnv(t *testing.T) *env { return newEnvOn(t, nil, nil) }

// newEnvOn is newEnv with the gateway gw and the outbox box, where not
// nil: a process that shares them with another env's.
func newEnvOn(t *testing.T, gw *memprovider.Gateway, box outbox.Store) *env {
	t.Helper()
	e := &env{r: newRouter(), now: time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC), events: make(chan modality.ConversationEvent, 64), gw: gw}
	var err error
	if e.gw == nil {
		e.gw, err = memprovider.NewGateway(secret)
		require.NoError(t, err)
		t.Cleanup(func() { e.gw.Close() })
	}
	p, err := memprovider.New(e.gw.URL(), secret, modality.SMS)
	require.NoError(t, err)
	e.ch, err = messagingchannel.New(messagingchannel.Config{Providers: []messaging.Provider{p}, Now: e.Now, Outbox: box,
		Retry: messagingchannel.Retry{Initial: time.Second, Max: 4 * time.Second, MaxElapsed: time.Minute}})
	require.NoError(t, err)
	t.Cleanup(func() { e.ch.Close() })
	srv := httptest.NewServer(e.ch)
	t.Cleanup(srv.Close)
	e.hook = srv.URL + "/memprovider"
	require.NoError(t, e.ch.Open(t.Context(), "svc", modality.Setup{
		EntryPoints: []modality.EntryPoint{{Name: "sms", Kind: modality.SMS, Address: number}},
		Queues:      []string{"general"},
		Receptionist: &modality.Receptionist{Greeting: "Welcome to the help desk.", ClosedMessage: "The help desk is closed.",
			Options: []modality.Option{{Key: "1", Label: "Opening hours", Answer: "Doors open at nine."}, {Key: "2", Label: "Speak to someone", Queue: "general"}}},
		Router: e.r,
	}))
	t.Cleanup(e.ch.Watch("svc", func(ev modality.ConversationEvent) { e.events <- ev }))
	return e
}

// text sends an attendee's message and checks the webhook took it.
func (e *env) text(t *testing.T, body string) {
	t.Helper()
	_, status, err := e.gw.Text(t.Context(), e.hook, attendee, number, body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
}

// replies waits for n replies in all and returns the last.
func (e *env) reply(t *testing.T, n int) messaging.Outbound {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	rs, err := e.gw.Await(ctx, n)
	require.NoError(t, err, "waiting for reply %d", n)
	return rs[n-1]
}

// sweepUntil advances the clock by step and sweeps until done: the
// channel's sending goroutines take their moment to see the provider's
// answer, so one sweep may come before a retry is due to them.
func (e *env) sweepUntil(t *testing.T, step time.Duration, done func() bool) {
	t.Helper()
	require.Eventually(t, func() bool {
		e.advance(step)
		e.ch.Sweep(t.Context())
		return done()
	}, 10*time.Second, 2*time.Millisecond)
}

// attempts waits until the gateway's API has been called n times.
func (e *env) attempts(t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, e.gw.AwaitAttempts(ctx, n), "waiting for attempt %d", n)
}

func (e *env) event(t *testing.T, kind modality.ConversationEventKind) modality.ConversationEvent {
	t.Helper()
	for {
		select {
		case ev := <-e.events:
			if ev.Kind == kind {
				return ev
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no event of kind %d", kind)
		}
	}
}

// TestConversation: an attendee texts the number, the receptionist
// answers by menu number, hands them to a queue, an agent answers, and
// the conversation ends when they go quiet.
func TestConversation(t *testing.T) {
	e := newEnv(t)
	e.text(t, "hi")
	conv := e.event(t, modality.ConversationStarted).Conversation
	greet := e.reply(t, 1)
	assert.Equal(t, attendee, greet.To)
	assert.Equal(t, number, greet.From, "the reply comes from the number they texted")
	assert.Contains(t, greet.Body, "Welcome to the help desk.")
	assert.Contains(t, greet.Body, "Opening hours")

	e.text(t, "1")
	assert.Contains(t, e.reply(t, 2).Body, "Doors open at nine.")
	e.text(t, "speak to someone")
	require.Equal(t, conv, <-e.r.enqueued, "the label hands them to the queue")
	assert.Equal(t, "general", e.r.queues[conv])

	e.r.decide(conv, modality.Decision{Kind: modality.Connected, Agent: "bob"})
	_, err := e.ch.Post(t.Context(), "svc", conv, "bob", "Hi, this is Bob. How can I help?")
	require.NoError(t, err)
	var last messaging.Outbound
	for n := 4; ; n++ {
		if last = e.reply(t, n); strings.Contains(last.Body, "Bob") && strings.HasPrefix(last.Body, "Hi") {
			break
		}
	}
	_, err = e.ch.Post(t.Context(), "svc", conv, "alice", "me too")
	require.ErrorIs(t, err, modality.ErrNotConnected, "only the connected agent writes")

	e.text(t, "Where is my badge?")
	for ev := e.event(t, modality.ConversationMessage); ev.Message.Body != "Where is my badge?"; ev = e.event(t, modality.ConversationMessage) {
	}
	ms, err := e.ch.Messages(t.Context(), "svc", conv, 0)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(ms), 7, "the whole exchange is in the transcript")

	e.advance(29 * time.Minute)
	e.ch.Sweep(t.Context())
	counts, err := e.ch.Counts(t.Context(), "svc")
	require.NoError(t, err)
	assert.Equal(t, 1, counts[0].Active, "not idle yet")
	e.advance(time.Minute)
	e.ch.Sweep(t.Context())
	assert.Equal(t, "idle", e.event(t, modality.ConversationEnded).Reason)
	assert.Equal(t, []string{conv}, e.r.hungUp, "the router hears it ended")
	counts, err = e.ch.Counts(t.Context(), "svc")
	require.NoError(t, err)
	assert.Equal(t, modality.Counts{Kind: modality.SMS, Arrivals: 1, Completed: 1, HandleTime: 30 * time.Minute}, counts[0])

	e.text(t, "one more thing")
	assert.NotEqual(t, conv, e.event(t, modality.ConversationStarted).Conversation, "a new message after the end starts anew")
}

// TestRetriedDelivery: a provider that posts the same message twice
// (it retries) gets it taken once.
func TestRetriedDelivery(t *testing.T) {
	e := newEnv(t)
	body, err := json.Marshal(map[string]any{"type": "message", "id": "SM-1", "from": attendee, "to": number, "body": "hello"})
	require.NoError(t, err)
	for range 2 {
		res, err := http.DefaultClient.Do(memprovider.Request(e.hook, secret, body))
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, "acknowledged both times")
	}
	conv := e.event(t, modality.ConversationStarted).Conversation
	e.reply(t, 1)
	assert.Equal(t, 1, e.count(t, conv, "hello"), "taken once")
}

// count returns how many messages of conv's transcript say body.
func (e *env) count(t *testing.T, conv, body string) int {
	t.Helper()
	ms, err := e.ch.Messages(t.Context(), "svc", conv, 0)
	require.NoError(t, err)
	n := 0
	for _, m := range ms {
		if m.Body == body {
			n++
		}
	}
	return n
}

// leased returns a pool whose number is leased to "svc" from now for a
// day, vacant after.
func leased(t *testing.T, now time.Time) *memnumbermap.Store {
	t.Helper()
	pool := memnumbermap.New()
	require.NoError(t, pool.Add(t.Context(), numbermap.Owned{Number: number, Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}))
	_, err := pool.Claim(t.Context(), numbermap.ClaimRequest{Count: 1, At: now, Lease: numbermap.Lease{ServiceID: "svc", EntryPoint: "sms",
		Modality: string(modality.SMS), Start: now, Expires: now.Add(24 * time.Hour), Policy: numbermap.Policy{Kind: numbermap.Vacant, Aging: numbermap.DefaultAging}}})
	require.NoError(t, err)
	return pool
}

// TestProviderOutage: replies the provider does not take are sent again,
// in order, once it is back; one it refuses surfaces as undelivered.
func TestProviderOutage(t *testing.T) {
	e := newEnv(t)
	e.text(t, "hi")
	conv := e.event(t, modality.ConversationStarted).Conversation
	e.reply(t, 1) // the greeting
	e.text(t, "2")
	<-e.r.enqueued
	e.reply(t, 2) // the hand-off
	e.r.decide(conv, modality.Decision{Kind: modality.Connected, Agent: "bob"})
	assert.Contains(t, e.reply(t, 3).Body, "bob")

	e.gw.Fail(http.StatusServiceUnavailable, 0)
	tried := e.gw.Attempts()
	_, err := e.ch.Post(t.Context(), "svc", conv, "bob", "first")
	require.NoError(t, err)
	_, err = e.ch.Post(t.Context(), "svc", conv, "bob", "second")
	require.NoError(t, err)
	e.attempts(t, tried+1) // "first", refused
	e.advance(time.Second)
	e.sweepUntil(t, 0, func() bool { return e.gw.Attempts() >= tried+2 }) // a retry when due, still failing
	e.gw.Fail(0, 0)
	e.ch.Sweep(t.Context()) // not due yet: the backoff doubled
	assert.Len(t, e.gw.Replies(), 3, "nothing before the next attempt is due")
	e.advance(2 * time.Second)
	e.sweepUntil(t, 0, func() bool { return len(e.gw.Replies()) >= 5 })
	assert.Equal(t, "first", e.reply(t, 4).Body)
	assert.Equal(t, "second", e.reply(t, 5).Body, "in order, once each")

	e.gw.Fail(http.StatusBadRequest, 0)
	_, err = e.ch.Post(t.Context(), "svc", conv, "bob", "never")
	require.NoError(t, err)
	ev := e.event(t, modality.ConversationUndelivered)
	assert.Equal(t, "never", ev.Message.Body)
	assert.Contains(t, ev.Reason, "rejected")

	// Still failing past MaxElapsed: undelivered too, not lost quietly.
	e.gw.Fail(http.StatusServiceUnavailable, 0)
	_, err = e.ch.Post(t.Context(), "svc", conv, "bob", "lost?")
	require.NoError(t, err)
	undelivered := make(chan modality.ConversationEvent, 1)
	stop := e.ch.Watch("svc", func(ev modality.ConversationEvent) {
		if ev.Kind == modality.ConversationUndelivered {
			undelivered <- ev
		}
	})
	defer stop()
	e.sweepUntil(t, 4*time.Second, func() bool { return len(undelivered) > 0 })
	ev = <-undelivered
	assert.Equal(t, "lost?", ev.Message.Body)
	assert.Contains(t, ev.Reason, "still failing")
}

// TestBadRequests: a bad signature is 401 and records nothing; too large
// 413; unreadable 400; another path 404.
func TestBadRequests(t *testing.T) {
	e := newEnv(t)
	post := func(path string, body []byte, sign bool) int {
		req := memprovider.Request(strings.TrimSuffix(e.hook, "/memprovider")+path, secret, body)
		if !sign {
			req.Header.Set(memprovider.SignatureHeader, "sha256=00")
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	msg := []byte(`{"type":"message","id":"X","from":"+12025550143","to":"+12025550100","body":"hi"}`)
	assert.Equal(t, http.StatusUnauthorized, post("/memprovider", msg, false))
	assert.Equal(t, http.StatusRequestEntityTooLarge, post("/memprovider", bytes.Repeat([]byte("a"), messaging.MaxBody+1), true))
	assert.Equal(t, http.StatusBadRequest, post("/memprovider", []byte("{"), true))
	assert.Equal(t, http.StatusNotFound, post("/nobody", msg, true))
	assert.Equal(t, http.StatusOK, post("/memprovider", []byte(`{"type":"typing"}`), true), "an event it does not take is acknowledged")
	counts, err := e.ch.Counts(t.Context(), "svc")
	require.NoError(t, err)
	assert.Zero(t, counts[0].Arrivals, "nothing recorded")
}

// TestClosing: Disconnect tells every attendee the closed message and
// hangs up; a message after the close gets the closed message too.
func TestClosing(t *testing.T) {
	e := newEnv(t)
	e.text(t, "hi")
	conv := e.event(t, modality.ConversationStarted).Conversation
	e.reply(t, 1)
	n, err := e.ch.Disconnect(t.Context(), "svc")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, "The help desk is closed.", e.reply(t, 2).Body)
	assert.Equal(t, []string{conv}, e.r.hungUp)
	require.NoError(t, e.ch.Remove(t.Context(), "svc"))
	e.text(t, "hello?")
	assert.Equal(t, "The help desk is closed.", e.reply(t, 3).Body, "after the close, the closed message")
}

// TestIdleTimeoutFromTheSetup: a service's setup sets how long its
// conversations stay open without a message.
func TestIdleTimeoutFromTheSetup(t *testing.T) {
	e := newEnv(t)
	require.NoError(t, e.ch.Open(t.Context(), "svc", modality.Setup{
		EntryPoints: []modality.EntryPoint{{Name: "sms", Kind: modality.SMS, Address: number, Queue: "general"}},
		Queues:      []string{"general"}, Router: e.r, IdleTimeout: 5 * time.Minute,
	}))
	e.text(t, "hi")
	conv := e.event(t, modality.ConversationStarted).Conversation
	<-e.r.enqueued
	e.advance(5 * time.Minute)
	e.ch.Sweep(t.Context())
	ended := e.event(t, modality.ConversationEnded)
	assert.Equal(t, conv, ended.Conversation)
	assert.Equal(t, "idle", ended.Reason, "after the setup's 5 minutes, not the default 30")
}

// TestRetiredNumbers: with the number pool, an SMS to a number whose
// lease has expired is answered per its post-term policy from the
// expiry instant: a forwarded number says where the line moved, an
// announcing one its announcement, a vacant one nothing.
func TestRetiredNumbers(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC)
	pool := memnumbermap.New()
	retire := func(n string, pol numbermap.Policy) {
		t.Helper()
		num, err := numbermap.Parse(n)
		require.NoError(t, err)
		require.NoError(t, pool.Add(ctx, numbermap.Owned{Number: num, Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}))
		_, err = pool.Claim(ctx, numbermap.ClaimRequest{Count: 1, At: now.AddDate(-1, 0, 0), Lease: numbermap.Lease{
			ServiceID: "last-year-" + n, EntryPoint: "sms", Modality: string(modality.SMS), // a claim is once per service
			Start: now.AddDate(-1, 0, 0), Expires: now.Add(-time.Hour), Policy: pol}})
		require.NoError(t, err)
	}
	retire("+12025550190", numbermap.Policy{Kind: numbermap.Forward, ForwardTo: "+12025550199", For: 30 * 24 * time.Hour, Aging: numbermap.DefaultAging})
	retire("+12025550191", numbermap.Policy{Kind: numbermap.Announce, Announcement: "The festival is over: lost property at the town hall.", For: 30 * 24 * time.Hour, Aging: numbermap.DefaultAging})
	retire("+12025550192", numbermap.Policy{Kind: numbermap.Vacant, Aging: numbermap.DefaultAging})

	gw, err := memprovider.NewGateway(secret)
	require.NoError(t, err)
	defer gw.Close()
	p, err := memprovider.New(gw.URL(), secret, modality.SMS)
	require.NoError(t, err)
	ch, err := messagingchannel.New(messagingchannel.Config{Providers: []messaging.Provider{p}, Numbers: pool,
		Now: func() time.Time { return now }})
	require.NoError(t, err)
	defer ch.Close()
	srv := httptest.NewServer(ch)
	defer srv.Close()

	text := func(to string) {
		t.Helper()
		_, status, err := gw.Text(ctx, srv.URL+"/memprovider", attendee, to, "hello?")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
	}
	text("+12025550190")
	text("+12025550191")
	text("+12025550192") // vacant: no answer
	text("+12025550193") // not ours: no answer
	text("+12025550190")
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rs, err := gw.Await(wait, 3)
	require.NoError(t, err)
	// Replies from different numbers go out independently: in any order.
	got := map[string][]string{}
	for _, r := range rs {
		assert.Equal(t, attendee, r.To)
		got[r.From] = append(got[r.From], r.Body)
	}
	moved := "This number is no longer in service for this event. Please write to +12025550199 instead."
	assert.Equal(t, map[string][]string{
		"+12025550190": {moved, moved},
		"+12025550191": {"The festival is over: lost property at the town hall."},
	}, got, "each from the retired number written to")
	assert.Len(t, gw.Replies(), 3, "the vacant number and a stranger's say nothing")
}

// TestNumberOfAServiceNotOpenHere: an SMS to a number the pool says a
// service leases, where that service is not open on this channel (another
// replica drives it, or it has not opened yet), is not taken: 503, for
// the provider to deliver it again; once the service is open here, it is.
func TestNumberOfAServiceNotOpenHere(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC)
	pool := leased(t, now)
	gw, err := memprovider.NewGateway(secret)
	require.NoError(t, err)
	defer gw.Close()
	p, err := memprovider.New(gw.URL(), secret, modality.SMS)
	require.NoError(t, err)
	ch, err := messagingchannel.New(messagingchannel.Config{Providers: []messaging.Provider{p}, Numbers: pool, Now: func() time.Time { return now }})
	require.NoError(t, err)
	defer ch.Close()
	srv := httptest.NewServer(ch)
	defer srv.Close()

	body := []byte(`{"type":"message","id":"SM-7","from":"+12025550143","to":"+12025550100","body":"hi"}`)
	deliver := func() int {
		res, err := http.DefaultClient.Do(memprovider.Request(srv.URL+"/memprovider", secret, body))
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	assert.Equal(t, http.StatusServiceUnavailable, deliver(), "not open here: delivered again later")
	r := newRouter()
	require.NoError(t, ch.Open(ctx, "svc", modality.Setup{
		EntryPoints: []modality.EntryPoint{{Name: "sms", Kind: modality.SMS, Address: number, Queue: "general"}},
		Queues:      []string{"general"}, Router: r,
	}))
	assert.Equal(t, http.StatusOK, deliver(), "the provider's retry is taken")
	<-r.enqueued
	assert.Equal(t, http.StatusOK, deliver(), "and a third delivery is not taken twice")
	counts, err := ch.Counts(ctx, "svc")
	require.NoError(t, err)
	assert.EqualValues(t, 1, counts[0].Arrivals)
}

// TestAddressTakenAnew: a number a removed service had may be opened by
// another service (leased anew); one an open service has may not.
func TestAddressTakenAnew(t *testing.T) {
	e := newEnv(t)
	setup := modality.Setup{EntryPoints: []modality.EntryPoint{{Name: "sms", Kind: modality.SMS, Address: number, Queue: "general"}},
		Queues: []string{"general"}, Router: e.r}
	err := e.ch.Open(t.Context(), "next-year", setup)
	require.ErrorIs(t, err, modality.ErrUnsupported, "svc has the number open")
	require.NoError(t, e.ch.Remove(t.Context(), "svc"))
	require.NoError(t, e.ch.Open(t.Context(), "next-year", setup), "once svc is removed, the number is free")
	next := make(chan modality.ConversationEvent, 1)
	defer e.ch.Watch("next-year", func(ev modality.ConversationEvent) {
		if ev.Kind == modality.ConversationStarted {
			next <- ev
		}
	})()
	e.text(t, "hi")
	assert.Equal(t, "next-year", (<-next).ServiceID, "texts to it are the new service's")
}
