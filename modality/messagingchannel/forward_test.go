package messagingchannel_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/memprovider"
	"github.com/eventcc/eventcc/modality/messagingchannel"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

// relay is a fake modality.MessageForwarder: it hands each message to
// another channel's ServeMessage, as the lifecycle does over its Relay,
// unless err is set.
type relay struct {
	mu    sync.Mutex
	to    *messagingchannel.Channel
	err   error
	calls []string // kind, service and address of each call
}

func (r *relay) ForwardMessage(ctx context.Context, kind modality.Kind, serviceID, to string, msg []byte) error {
	r.mu.Lock()
	r.calls = append(r.calls, fmt.Sprintf("%s %s %s", kind, serviceID, to))
	err := r.err
	r.mu.Unlock()
	if err != nil {
		return err
	}
	if serviceID == "" {
		serviceID = "svc" // the store's account index would say so
	}
	return r.to.ServeMessage(ctx, serviceID, msg)
}

func (r *relay) fail(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

// elsewhere is a channel where no service is open, whose messages go to
// the driver's channel of env e through a fake relay.
func elsewhere(t *testing.T, e *env) (hook string, r *relay) {
	t.Helper()
	p, err := memprovider.New(e.gw.URL(), secret, modality.SMS)
	require.NoError(t, err)
	ch, err := messagingchannel.New(messagingchannel.Config{Providers: []messaging.Provider{p}, Now: e.Now})
	require.NoError(t, err)
	t.Cleanup(func() { ch.Close() })
	r = &relay{to: e.ch}
	ch.SetMessageForwarder(r)
	srv := httptest.NewServer(ch)
	t.Cleanup(srv.Close)
	return srv.URL + "/memprovider", r
}

// A message that reaches a replica not serving its service is taken by
// the one that does, once however often the provider delivers it.
func TestForwardedToTheDriver(t *testing.T) {
	e := newEnv(t)
	hook, r := elsewhere(t, e)
	id, status, err := e.gw.Text(t.Context(), hook, attendee, number, "hi")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	started := e.event(t, modality.ConversationStarted)
	assert.Equal(t, attendee, started.From)
	assert.Equal(t, "hi", e.event(t, modality.ConversationMessage).Message.Body)
	assert.Equal(t, []string{"sms  " + number}, r.calls, "forwarded by address: no number pool here")
	assert.Equal(t, attendee, e.reply(t, 1).To, "the driver answers, through the provider")

	status, err = e.gw.Deliver(t.Context(), hook, messaging.Inbound{ID: id, From: attendee, To: number, Body: "hi"})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, 1, e.count(t, started.Conversation, "hi"), "delivered twice, taken once")
}

// The driver cannot be reached: 503, nothing recorded, and the
// provider's next delivery of the same message is taken.
func TestForwardFails(t *testing.T) {
	e := newEnv(t)
	hook, r := elsewhere(t, e)
	r.fail(errors.New("no answer from the replica driving svc"))
	id, status, err := e.gw.Text(t.Context(), hook, attendee, number, "hi")
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	r.fail(nil)
	status, err = e.gw.Deliver(t.Context(), hook, messaging.Inbound{ID: id, From: attendee, To: number, Body: "hi"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "hi", e.event(t, modality.ConversationMessage).Message.Body, "taken at the second delivery")
}

// A service that is not open anywhere: the replica the message reached
// answers with its closed message, once per message.
func TestForwardNotOpen(t *testing.T) {
	e := newEnv(t)
	hook, r := elsewhere(t, e)
	r.fail(fmt.Errorf("forward: %w", &modality.NotOpenError{ServiceID: "svc", Message: "We open at nine."}))
	id, status, err := e.gw.Text(t.Context(), hook, attendee, number, "hi")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	got := e.reply(t, 1)
	assert.Equal(t, "We open at nine.", got.Body)
	assert.Equal(t, number, got.From)
	status, err = e.gw.Deliver(t.Context(), hook, messaging.Inbound{ID: id, From: attendee, To: number, Body: "hi"})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	e.text(t, "a fresh message to the open service, as a fence")
	e.event(t, modality.ConversationStarted)
	e.reply(t, 2)
	assert.Len(t, e.gw.Replies(), 2, "the repeated delivery is not answered again")
}

// No service has the address anywhere: acknowledged and ignored, as
// without a forwarder.
func TestForwardNobodys(t *testing.T) {
	e := newEnv(t)
	hook, r := elsewhere(t, e)
	r.fail(fmt.Errorf("forward: %w", modality.ErrNotFound))
	_, status, err := e.gw.Text(t.Context(), hook, attendee, "+12025550199", "hello?")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	assert.Empty(t, e.gw.Replies())
}

func TestServeMessage_Refuses(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	for name, c := range map[string]struct {
		service, msg string
	}{
		"not JSON":         {"svc", `{"p":`},
		"unknown provider": {"svc", `{"p":"pigeon","id":"m1","f":"` + attendee + `","t":"` + number + `","b":"hi"}`},
		"another service":  {"other", `{"p":"memprovider","id":"m1","f":"` + attendee + `","t":"` + number + `","b":"hi"}`},
		"no such address":  {"svc", `{"p":"memprovider","id":"m1","f":"` + attendee + `","t":"+12025550199","b":"hi"}`},
	} {
		assert.Error(t, e.ch.ServeMessage(ctx, c.service, []byte(c.msg)), name)
	}
	assert.Empty(t, e.gw.Replies(), "nothing taken")
}

// flakyPool is a number pool that cannot be reached while down.
type flakyPool struct {
	*memnumbermap.Store
	down atomic.Bool
}

func (p *flakyPool) Route(ctx context.Context, n numbermap.Number, now time.Time, dst *numbermap.Route) error {
	if p.down.Load() {
		return errors.New("connection refused")
	}
	return p.Store.Route(ctx, n, now, dst)
}

func (p *flakyPool) Get(ctx context.Context, n numbermap.Number) (numbermap.Record, error) {
	if p.down.Load() {
		return numbermap.Record{}, errors.New("connection refused")
	}
	return p.Store.Get(ctx, n)
}

// The number pool cannot say where an SMS goes: 503, nothing recorded,
// and the provider's next delivery, once the pool answers, is taken.
func TestNumberPoolDown(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC)
	pool := &flakyPool{Store: leased(t, now)}
	gw, err := memprovider.NewGateway(secret)
	require.NoError(t, err)
	defer gw.Close()
	p, err := memprovider.New(gw.URL(), secret, modality.SMS)
	require.NoError(t, err)
	ch, err := messagingchannel.New(messagingchannel.Config{Providers: []messaging.Provider{p}, Numbers: pool,
		Now: func() time.Time { return now }})
	require.NoError(t, err)
	defer ch.Close()
	r := newRouter()
	require.NoError(t, ch.Open(ctx, "svc", modality.Setup{
		EntryPoints: []modality.EntryPoint{{Name: "sms", Kind: modality.SMS, Address: number, Queue: "general"}},
		Queues:      []string{"general"}, Router: r,
	}))
	srv := httptest.NewServer(ch)
	defer srv.Close()
	pool.down.Store(true)
	id, status, err := gw.Text(ctx, srv.URL+"/memprovider", attendee, number, "hi")
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, status, "the pool is down: delivered again later")
	counts, err := ch.Counts(ctx, "svc")
	require.NoError(t, err)
	assert.Zero(t, counts[0].Arrivals, "nothing recorded")

	pool.down.Store(false)
	status, err = gw.Deliver(ctx, srv.URL+"/memprovider", messaging.Inbound{ID: id, From: attendee, To: number, Body: "hi"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status, "the provider's retry is taken")
	<-r.enqueued
}
