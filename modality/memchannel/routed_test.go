package memchannel_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
)

// fakeRouter records what a channel hands it and lets the test decide.
type fakeRouter struct {
	refuse  error
	queued  map[string]string // engagement → queue
	notify  map[string]func(modality.Decision)
	hangups []string
}

func (r *fakeRouter) Enqueue(e modality.Engagement, queue string, notify func(modality.Decision)) (modality.Place, error) {
	if r.refuse != nil {
		return modality.Place{}, r.refuse
	}
	r.queued[e.ID] = queue
	r.notify[e.ID] = notify
	return modality.Place{Position: len(r.queued), ExpectedWait: time.Minute}, nil
}

func (r *fakeRouter) Hangup(id string) error {
	r.hangups = append(r.hangups, id)
	return nil
}

func TestRouted(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
	r := &fakeRouter{queued: map[string]string{}, notify: map[string]func(modality.Decision){}}
	ch, err := memchannel.New(modality.Telephony)
	require.NoError(t, err)
	require.NoError(t, ch.Open(ctx, "svc", modality.Setup{
		Queues: []string{"general", "vip"},
		EntryPoints: []modality.EntryPoint{
			{Name: "direct", Kind: modality.Telephony, Address: "+15550100001", Queue: "vip"},
			{Name: "menu", Kind: modality.Telephony, Address: "+15550100002"},
		},
		Receptionist: &modality.Receptionist{Greeting: "Hello", ClosedMessage: "Closed",
			Options: []modality.Option{{Key: "1", Label: "Help", Queue: "general"}, {Key: "2", Label: "Hours", Answer: "9 to 5"}}},
		Router: r,
	}))
	counts := func() modality.Counts {
		cs, err := ch.Counts(ctx, "svc")
		require.NoError(t, err)
		return cs[0]
	}

	// On a queue's entry point: handed over at once.
	direct, err := ch.Arrive(ctx, "svc", "direct", "a", t0)
	require.NoError(t, err)
	assert.Equal(t, "vip", r.queued[direct.ID])
	require.ErrorIs(t, ch.Answer(ctx, direct.ID, t0), memchannel.ErrRouted, "the router decides who answers")

	// At the receptionist: handed over when the attendee picks a queue.
	menu, err := ch.Arrive(ctx, "svc", "menu", "b", t0)
	require.NoError(t, err)
	assert.NotContains(t, r.queued, menu.ID)
	reply, err := ch.Respond(ctx, menu.ID, "2")
	require.NoError(t, err)
	assert.Contains(t, reply.Text, "9 to 5")
	assert.NotContains(t, r.queued, menu.ID, "an answer keeps the attendee at the receptionist")
	reply, err = ch.Respond(ctx, menu.ID, "1")
	require.NoError(t, err)
	assert.Equal(t, "general", reply.Queue)
	assert.Equal(t, "general", r.queued[menu.ID])
	_, err = ch.Respond(ctx, menu.ID, "1")
	assert.Error(t, err, "no longer with the receptionist")

	// The router's decisions move the engagements.
	r.notify[direct.ID](modality.Decision{Kind: modality.Connected, Engagement: direct.ID, Agent: "ann", At: t0.Add(time.Minute)})
	c := counts()
	assert.Equal(t, 1, c.Active)
	assert.Equal(t, 1, c.Waiting)
	r.notify[direct.ID](modality.Decision{Kind: modality.Requeued, Engagement: direct.ID, At: t0.Add(2 * time.Minute)})
	assert.Equal(t, 2, counts().Waiting, "requeued: waiting again")
	r.notify[direct.ID](modality.Decision{Kind: modality.Connected, Engagement: direct.ID, Agent: "bob", At: t0.Add(3 * time.Minute)})
	r.notify[direct.ID](modality.Decision{Kind: modality.Finished, Engagement: direct.ID, Outcome: "answered", At: t0.Add(7 * time.Minute)})
	c = counts()
	assert.EqualValues(t, 1, c.Completed)
	assert.Equal(t, 4*time.Minute, c.HandleTime)
	assert.Empty(t, r.hangups, "the router ended it: nothing to tell it")

	// The attendee hanging up tells the router.
	require.NoError(t, ch.End(ctx, menu.ID, t0.Add(8*time.Minute)))
	assert.Equal(t, []string{menu.ID}, r.hangups)
	assert.EqualValues(t, 1, counts().Abandoned)

	// Disconnect tells the router of everything it ends.
	third, err := ch.Arrive(ctx, "svc", "direct", "c", t0.Add(9*time.Minute))
	require.NoError(t, err)
	n, err := ch.Disconnect(ctx, "svc")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, []string{menu.ID, third.ID}, r.hangups)

	// A refusal is returned and not counted as an arrival.
	r.refuse = &modality.BusyError{Queue: "vip", RetryAfter: 30 * time.Second, Reason: "full"}
	before := counts().Arrivals
	_, err = ch.Arrive(ctx, "svc", "direct", "d", t0.Add(10*time.Minute))
	require.ErrorIs(t, err, modality.ErrBusy)
	c = counts()
	assert.Equal(t, before, c.Arrivals, "a refused arrival is not counted")
	assert.Zero(t, c.Live())
}
