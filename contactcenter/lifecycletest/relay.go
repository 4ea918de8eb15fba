package lifecycletest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/desk"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
)

// relayed: an agent whose desktop is connected to replica b works on a
// service replica a drives. b's desk relays every action to a, a's
// answers come back with their errors' identity, and the engagements
// offered to the agent reach b's subscribers.
func relayed(t *testing.T, h Harness) {
	w := newWorld(t, h)
	if _, ok := w.Store.(contactcenter.Locator); !ok {
		t.Skipf("%T does not implement contactcenter.Locator", w.Store)
	}
	if h.Relay == nil {
		t.Skip("no relay in the harness")
	}
	if _, ok := w.Access.(access.TokenStore); !ok {
		t.Skipf("%T keeps no tokens: agents cannot sign in", w.Access)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	relay := h.Relay(t)
	auth, err := access.New(access.Config{Store: w.Access, Now: w.Clock.Now,
		Keys: []access.Key{{ID: "k1", Secret: bytes.Repeat([]byte{5}, 32)}}})
	require.NoError(t, err)
	with := func(cfg *contactcenter.Config) { cfg.Access, cfg.Relay = auth, relay }
	a, b := newReplica(t, w, "a", with), newReplica(t, w, "b", with)
	svc := openService(t, w, a, Conference("conf-relay"))
	require.NoError(t, b.lc.Tick(ctx)) // b listens, and holds nothing

	d, err := b.lc.Desk(ctx, svc.ID)
	require.NoError(t, err, "b gives a desk that relays to a")
	person := svc.Staff[0].ID
	tok, _, err := auth.IssueToken(ctx, svc.ID+"/"+person)
	require.NoError(t, err)
	who, err := d.Open(ctx, tok, routing.Agent{})
	require.NoError(t, err)
	assert.Equal(t, person, who)
	require.NoError(t, d.SetStatus(ctx, tok, routing.Available))

	// An error keeps its identity across the relay.
	err = d.Accept(ctx, tok, "no-such-engagement")
	require.ErrorIs(t, err, routing.ErrUnknownEngagement)
	_, err = d.Open(ctx, "not-a-token", routing.Agent{})
	require.Error(t, err)

	// A caller at a; the offer reaches b's subscribers; b accepts and ends.
	e, err := a.ch.Arrive(ctx, svc.ID, "telephony-1", "caller", w.Clock.Now())
	require.NoError(t, err)
	_, err = a.ch.Respond(ctx, e.ID, "0")
	require.NoError(t, err)
	var ev *contactcenter.EngagementEvent
	select {
	case ev = <-b.offered:
	case <-ctx.Done():
		t.Fatal("the offer never reached replica b")
	}
	assert.Equal(t, e.ID, ev.Engagement)
	assert.Equal(t, person, ev.Agent)
	h0, err := d.Holding(ctx, tok)
	require.NoError(t, err)
	assert.Equal(t, e.ID, h0.Offered, "what the agent holds crosses the relay")
	require.NoError(t, d.Accept(ctx, tok, e.ID))
	h1, err := d.Holding(ctx, tok)
	require.NoError(t, err)
	assert.Equal(t, desk.Holding{Agent: person, Presence: routing.PresenceAvailable, Connected: []string{e.ID}}, h1,
		"on the call, and free for a chat")
	live, err := a.ch.Engagements(ctx, svc.ID)
	require.NoError(t, err)
	require.Len(t, live, 1)
	assert.Equal(t, modality.Active, live[0].State, "the caller at a is with the agent at b")
	require.NoError(t, d.End(ctx, tok, e.ID))
	live, err = a.ch.Engagements(ctx, svc.ID)
	require.NoError(t, err)
	assert.Empty(t, live)

	// Revoked: the next relayed action is denied, as it would be at a.
	require.NoError(t, auth.Revoke(ctx, svc.ID+"/"+person, w.Clock.Now()))
	err = d.SetStatus(ctx, tok, routing.Break)
	require.ErrorIs(t, err, access.ErrDenied)
	_, err = d.Holding(ctx, tok)
	require.ErrorIs(t, err, desk.ErrNoSession, "access ended, and the session with it")
	require.NoError(t, d.Close(ctx, tok), "closing a closed session is not an error")
}
