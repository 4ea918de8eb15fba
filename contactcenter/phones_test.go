package contactcenter_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/modality/routing"
)

// An agent's phone password comes from their grant: the same while it
// lasts, none once it is revoked, none for someone without one.
func TestPhonePassword(t *testing.T) {
	ctx := context.Background()
	w := newEngagementWorld(t)
	svc := w.open(t)
	grants, err := w.auth.ListByService(ctx, svc.ID)
	require.NoError(t, err)
	var agent string
	for _, g := range grants {
		if g.EffectiveKind() == access.KindAgent && !g.Revoked {
			agent = g.Principal
			break
		}
	}
	require.NotEmpty(t, agent, "an agent on duty")

	pw, err := w.lc.PhonePassword(ctx, svc.ID, agent)
	require.NoError(t, err)
	require.Len(t, pw, 1)
	again, err := w.lc.PhonePassword(ctx, svc.ID, agent)
	require.NoError(t, err)
	assert.Equal(t, pw, again)

	_, err = w.lc.PhonePassword(ctx, svc.ID, "nobody")
	assert.ErrorIs(t, err, modality.ErrNotFound)
	_, err = w.lc.PhonePassword(ctx, "another-service", agent)
	assert.ErrorIs(t, err, modality.ErrNotFound)

	require.NoError(t, w.auth.Revoke(ctx, svc.ID+"/"+agent, w.Clock.Now()))
	_, err = w.lc.PhonePassword(ctx, svc.ID, agent)
	assert.ErrorIs(t, err, modality.ErrNotFound, "no grant, no password")
}

// routerCatcher is the world's memory channel, keeping the router each
// service's setup hands it.
type routerCatcher struct {
	*memchannel.Channel
	mu      sync.Mutex
	routers map[string]modality.Router
}

func (c *routerCatcher) Open(ctx context.Context, serviceID string, s modality.Setup) error {
	c.mu.Lock()
	c.routers[serviceID] = s.Router
	c.mu.Unlock()
	return c.Channel.Open(ctx, serviceID, s)
}

func (c *routerCatcher) router(serviceID string) modality.Router {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.routers[serviceID]
}

// An agent on duty through a phone ([modality.Phones]): the service's
// router rings their phone when it offers them a call; the phone's
// answer connects it, a refusal gives it back, the hang-up ends it; off
// duty, they are offered nothing.
func TestPhonesOnTheLine(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	catcher := &routerCatcher{Channel: w.Channel, routers: map[string]modality.Router{}}
	auth, err := access.New(access.Config{Store: w.grants, Now: w.Clock.Now,
		Keys: []access.Key{{ID: "k1", Secret: bytes.Repeat([]byte{9}, 32)}}})
	require.NoError(t, err)
	cfg := w.Config("")
	cfg.Access = auth
	cfg.Channels = []modality.Channel{catcher}
	lc, err := contactcenter.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { lc.Close() })
	req := conference("conf-phone")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	w.runUntil(t, lc, time.Minute, req.Term.Start.Add(time.Minute), func() bool { return w.State(t, svc.ID) == contactcenter.Active })
	svc, err = lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	require.NotEmpty(t, svc.Staff)
	agent := svc.Staff[0].ID

	phones, ok := catcher.router(svc.ID).(modality.Phones)
	require.True(t, ok, "the lifecycle's router offers calls to phones")
	rang := make(chan string, 4)
	detach, err := phones.AttachPhone(agent, func(id string) { rang <- id })
	require.NoError(t, err)
	_, err = phones.AttachPhone("nobody", func(string) {})
	assert.Error(t, err, "no grant, no duty")

	call := func(from string) string {
		e, err := w.Channel.Arrive(ctx, svc.ID, "telephony-1", from, w.Clock.Now())
		require.NoError(t, err)
		_, err = w.Channel.Respond(ctx, e.ID, "0")
		require.NoError(t, err)
		select {
		case id := <-rang:
			assert.Equal(t, e.ID, id, "the phone rang for that call")
			return id
		case <-time.After(10 * time.Second):
			t.Fatal("the phone did not ring")
			return ""
		}
	}
	first := call("caller-1")
	require.NoError(t, phones.PhoneAnswered(agent, first))
	live, err := w.Channel.Engagements(ctx, svc.ID)
	require.NoError(t, err)
	require.Len(t, live, 1)
	assert.Equal(t, modality.Active, live[0].State, "answered on the phone: connected")
	require.NoError(t, phones.PhoneHungUp(agent, first))
	live, err = w.Channel.Engagements(ctx, svc.ID)
	require.NoError(t, err)
	assert.Empty(t, live, "hung up: ended")

	// Past the wrap-up, the next call rings; the phone refuses it.
	w.Clock.Advance(10 * time.Minute)
	require.NoError(t, lc.Tick(ctx))
	second := call("caller-2")
	require.NoError(t, phones.PhoneRefused(agent, second))
	assert.ErrorIs(t, phones.PhoneAnswered(agent, second), routing.ErrNotOffered, "given back")

	detach()
	assert.ErrorIs(t, phones.PhoneAnswered(agent, second), modality.ErrNotFound, "off duty")
}
