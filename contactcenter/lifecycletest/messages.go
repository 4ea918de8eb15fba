package lifecycletest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/memprovider"
	"github.com/eventcc/eventcc/modality/messaging/outbox"
	"github.com/eventcc/eventcc/modality/messagingchannel"
)

// social is memprovider serving the social kind under a name of its
// own, beside the SMS one in the same channel.
type social struct{ *memprovider.Provider }

func (social) Name() string { return "social" }

// texter is one host process of the messages scenario: a Lifecycle with
// a messaging channel of its own, its webhooks on a port of its own, and
// every conversation event of its channel.
type texter struct {
	lc     *contactcenter.Lifecycle
	ch     *messagingchannel.Channel
	hooks  string // the webhooks' base URL
	events chan modality.ConversationEvent
}

func newTexter(t *testing.T, w *World, name string, relay contactcenter.Relay, gw *memprovider.Gateway, secret []byte, box outbox.Store) *texter {
	t.Helper()
	sms, err := memprovider.New(gw.URL(), secret, modality.SMS)
	require.NoError(t, err)
	soc, err := memprovider.New(gw.URL(), secret, modality.Social)
	require.NoError(t, err)
	ch, err := messagingchannel.New(messagingchannel.Config{Providers: []messaging.Provider{sms, social{soc}},
		Numbers: w.Numbers, Now: w.Clock.Now, Outbox: box})
	require.NoError(t, err)
	others, err := memchannel.New(modality.Telephony, modality.Chat, modality.Video)
	require.NoError(t, err)
	srv := httptest.NewServer(ch)
	x := &texter{ch: ch, hooks: srv.URL, events: make(chan modality.ConversationEvent, 64)}
	cfg := w.Config(name)
	cfg.Channels, cfg.Relay = []modality.Channel{others, ch}, relay
	x.lc, err = contactcenter.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		srv.Close()
		x.lc.Close()
		require.NoError(t, ch.Close())
	})
	return x
}

// watch sends every event of serviceID's conversations on this replica
// to x.events.
func (x *texter) watch(serviceID string) {
	x.ch.Watch(serviceID, func(ev modality.ConversationEvent) {
		select {
		case x.events <- ev:
		default:
		}
	})
}

// messages: an SMS to the event's number and a message to its social
// account each reach the replica their provider's webhook reaches, not
// the one driving the service; both are forwarded there over the relay,
// become its conversations, and are answered from there; a delivery
// the provider repeats is taken once; once the service has closed, a
// message to its account is answered with the closed message by the
// replica that has never served it; and when the driver dies, the other
// replica takes the service over and the messages with it.
func messages(t *testing.T, h Harness) {
	w := newWorld(t, h)
	if _, ok := w.Store.(contactcenter.Locator); !ok {
		t.Skipf("%T does not implement contactcenter.Locator", w.Store)
	}
	if _, ok := w.Store.(contactcenter.AccountIndex); !ok {
		t.Skipf("%T does not implement contactcenter.AccountIndex", w.Store)
	}
	if h.Relay == nil {
		t.Skip("no relay in the harness")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	relay := h.Relay(t)
	secret := []byte("0123456789abcdef-relayed-texts")
	gw, err := memprovider.NewGateway(secret)
	require.NoError(t, err)
	t.Cleanup(func() { gw.Close() })
	box := outbox.NewMem() // the replicas'
	a, b := newTexter(t, w, "a", relay, gw, secret, box), newTexter(t, w, "b", relay, gw, secret, box)

	req := Conference("concert-texts")
	req.Template, req.EventType = "concert", "concert"
	req.Features.Modalities = []modality.Kind{modality.Telephony, modality.Chat, modality.SMS, modality.Social}
	req.Features.Accounts = []string{"106540352242922"}
	svc, err := a.lc.Request(ctx, req)
	require.NoError(t, err)
	for w.State(t, svc.ID) != contactcenter.Active {
		require.False(t, w.Clock.Now().After(req.Term.Start.Add(time.Hour)), "want the service open")
		require.NoError(t, a.lc.Tick(ctx))
		w.Clock.Advance(time.Minute)
	}
	require.NoError(t, a.lc.Tick(ctx))
	require.NoError(t, b.lc.Tick(ctx)) // b listens on the relay, and holds nothing
	svc, err = a.lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	number := svc.Numbers[0].String()
	a.watch(svc.ID)
	b.watch(svc.ID)

	post := func(x *texter, provider, from, to, body string) string {
		t.Helper()
		id, status, err := gw.Text(ctx, x.hooks+"/"+provider, from, to, body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status, "%s's webhook for %s", provider, to)
		return id
	}
	started := func(x *texter, from string) string {
		t.Helper()
		for {
			select {
			case ev := <-x.events:
				if ev.Kind == modality.ConversationStarted && ev.From == from {
					return ev.Conversation
				}
			case <-ctx.Done():
				t.Fatalf("no conversation from %s started", from)
			}
		}
	}
	replyTo := func(to, containing string) {
		t.Helper()
		require.Eventually(t, func() bool {
			return slices.ContainsFunc(gw.Replies(), func(m messaging.Outbound) bool {
				return m.To == to && strings.Contains(m.Body, containing)
			})
		}, 10*time.Second, 5*time.Millisecond, "a reply to %s saying %q", to, containing)
	}

	// Both reach b; both conversations are a's.
	const fan, follower = "+12025550181", "7730111222"
	smsID := post(b, "memprovider", fan, number, "hi")
	conv := started(a, fan)
	replyTo(fan, "reached fan services") // a's receptionist greets them, through the provider
	post(b, "social", follower, "106540352242922", "hello from social")
	started(a, follower)
	replyTo(follower, "reached fan services")
	assert.Empty(t, b.events, "nothing of the service happens at b")

	// The provider delivers the SMS again, to b: taken once.
	status, err := gw.Deliver(ctx, b.hooks+"/memprovider", messaging.Inbound{ID: smsID, From: fan, To: number, Body: "hi"})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	ms, err := a.ch.Messages(ctx, svc.ID, conv, 0)
	require.NoError(t, err)
	n := 0
	for _, m := range ms {
		if m.Body == "hi" {
			n++
		}
	}
	assert.Equal(t, 1, n, "a message the provider delivered twice is in the transcript once")

	// The provider's API is down when a answers the fan's choice; a dies
	// before it is back. Once a's lease has run out, b takes the service
	// over, sends a's answer from the outbox, and serves the service's
	// messages itself.
	gw.Fail(http.StatusServiceUnavailable, 0)
	post(b, "memprovider", fan, number, "3")
	require.NoError(t, gw.AwaitAttempts(ctx, len(gw.Replies())+1))
	a.lc.Close()
	require.NoError(t, a.ch.Close())
	gw.Fail(0, 0)
	require.False(t, slices.ContainsFunc(gw.Replies(), func(m messaging.Outbound) bool { return strings.Contains(m.Body, "Clear bags") }),
		"a died before the provider took its answer")
	w.Clock.Advance(3 * time.Minute)
	require.NoError(t, b.lc.Tick(ctx))
	replyTo(fan, "Clear bags")
	post(b, "memprovider", "+12025550182", number, "anyone there?")
	started(b, "+12025550182")

	// After the close, b answers a message to the account with the
	// closed message.
	require.NoError(t, b.lc.Terminate(ctx, svc.ID, "the concert is over"))
	for !w.State(t, svc.ID).Final() {
		require.False(t, w.Clock.Now().After(req.Term.End.Add(48*time.Hour)), "want the service closed")
		require.NoError(t, b.lc.Tick(ctx))
		w.Clock.Advance(time.Minute)
	}
	post(a2(t, w, relay, gw, secret), "social", "7730999888", "106540352242922", "is the merch stand open?")
	replyTo("7730999888", "Fan services are closed")
}

// a2 is a replica started after the service closed, that never served
// it.
func a2(t *testing.T, w *World, relay contactcenter.Relay, gw *memprovider.Gateway, secret []byte) *texter {
	t.Helper()
	x := newTexter(t, w, "a2", relay, gw, secret, nil)
	require.NoError(t, x.lc.Tick(context.Background()))
	return x
}
