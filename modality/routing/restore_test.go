package routing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
)

// TestRestore: an engagement taken over from another process skips
// admission, waits in its place by age, keeps its MaxWait clock and is
// not counted as offered again.
func TestRestore(t *testing.T) {
	d := newDesk(t, routing.Config{
		Queues: []routing.Queue{{Name: "q", Modalities: []modality.Kind{modality.Telephony}, MaxWait: 5 * time.Minute}},
	})
	start := d.now
	// Nobody serves the queue and nobody may be added: Enqueue refuses.
	_, err := d.Enqueue(routing.Engagement{ID: "new", Queue: "q", Kind: modality.Telephony})
	require.ErrorIs(t, err, routing.ErrFull)

	d.SetHeadroom(5)
	_, err = d.Enqueue(routing.Engagement{ID: "newer", Queue: "q", Kind: modality.Telephony})
	require.NoError(t, err)
	d.SetHeadroom(0)
	// Arrived before "newer", entered its queue four minutes ago.
	require.NoError(t, d.Restore(routing.Engagement{ID: "old", Queue: "q", Kind: modality.Telephony,
		Arrived: start.Add(-10 * time.Minute)}, start.Add(-4*time.Minute)))
	require.ErrorIs(t, d.Restore(routing.Engagement{ID: "old", Queue: "q", Kind: modality.Telephony}, time.Time{}), routing.ErrExists)
	require.ErrorIs(t, d.Restore(routing.Engagement{ID: "x", Queue: "nope", Kind: modality.Telephony}, time.Time{}), routing.ErrUnknownQueue)

	st := d.Stats()[0]
	assert.Equal(t, 1, st.Offered, "the restored engagement was counted where it arrived")
	assert.Equal(t, 2, st.Waiting)

	// Its MaxWait runs from when it entered: it expires a minute on,
	// before "newer".
	d.advance(time.Minute)
	var ended []string
	for _, ev := range d.events {
		if ev.Kind == routing.EventEnded {
			ended = append(ended, ev.Engagement+":"+string(ev.Outcome))
		}
	}
	assert.Equal(t, []string{"old:expired"}, ended)

	// Put back again; an agent gets the older one first.
	require.NoError(t, d.Restore(routing.Engagement{ID: "old2", Queue: "q", Kind: modality.Telephony,
		Arrived: start.Add(-time.Minute)}, time.Time{}))
	d.agents(t, "ann")
	d.available(t, "ann")
	assert.Equal(t, []string{"old2>ann"}, d.offers())
}

// TestTransferToAgent: an engagement goes to the agent chosen, whatever
// the queue's skills, only if they can take it now; a miss sends it back
// to its queue.
func TestTransferToAgent(t *testing.T) {
	d := newDesk(t, routing.Config{
		Queues: []routing.Queue{{Name: "q", Modalities: []modality.Kind{modality.Telephony}, Skills: []string{"en"}}},
	})
	d.agents(t, "ann", "bob")
	require.NoError(t, d.Join(routing.Agent{ID: "cat", Capacity: phone})) // no "en": never offered by the queue
	d.available(t, "ann")
	_, err := d.Enqueue(routing.Engagement{ID: "e1", Queue: "q", Kind: modality.Telephony})
	require.NoError(t, err)
	require.NoError(t, d.Accept("ann", "e1"))

	require.ErrorIs(t, d.TransferToAgent("e1", "bob"), routing.ErrUnavailable, "bob is offline")
	require.ErrorIs(t, d.TransferToAgent("e1", "ann"), routing.ErrUnavailable, "already ann's")
	require.ErrorIs(t, d.TransferToAgent("e1", "dan"), routing.ErrUnknownAgent)
	require.ErrorIs(t, d.TransferToAgent("nope", "bob"), routing.ErrUnknownEngagement)
	_, agent, connected, err := d.Where("e1")
	require.NoError(t, err)
	assert.True(t, connected && agent == "ann", "a refused transfer changes nothing")

	d.available(t, "cat")
	require.NoError(t, d.TransferToAgent("e1", "cat"))
	_, agent, connected, err = d.Where("e1")
	require.NoError(t, err)
	assert.Equal(t, "cat", agent)
	assert.False(t, connected, "offered to cat")
	live, _, err := d.Holding("ann")
	require.NoError(t, err)
	assert.Empty(t, live, "ann is released")
	require.NoError(t, d.Accept("cat", "e1"))

	// A declined transfer goes back to the queue, to an eligible agent.
	require.NoError(t, d.End("cat", "e1"))
	_, err = d.Enqueue(routing.Engagement{ID: "e2", Queue: "q", Kind: modality.Telephony})
	require.NoError(t, err)
	_, agent, _, err = d.Where("e2")
	require.NoError(t, err)
	require.Equal(t, "ann", agent, "the queue offers e2 to ann")
	require.ErrorIs(t, d.TransferToAgent("e2", "ann"), routing.ErrUnavailable)
	require.NoError(t, d.Decline("ann", "e2"))
	d.available(t, "bob")
	_, agent, _, err = d.Where("e2")
	require.NoError(t, err)
	assert.Equal(t, "bob", agent, "back in its queue, offered to the next eligible agent")
}

// TestSupervise: a supervisor listens in or barges in on a connected
// engagement; the router tells it and changes nothing else.
func TestSupervise(t *testing.T) {
	d := newDesk(t, routing.Config{
		Queues: []routing.Queue{{Name: "q", Modalities: []modality.Kind{modality.Telephony}}},
	})
	d.agents(t, "ann")
	d.available(t, "ann")
	_, err := d.Enqueue(routing.Engagement{ID: "e1", Queue: "q", Kind: modality.Telephony})
	require.NoError(t, err)
	require.ErrorIs(t, d.Supervise("e1", "sue", false), routing.ErrNotConnected, "not yet connected")
	require.NoError(t, d.Accept("ann", "e1"))
	require.NoError(t, d.Supervise("e1", "sue", false))
	require.NoError(t, d.Supervise("e1", "sue", true))
	require.ErrorIs(t, d.Supervise("e2", "sue", true), routing.ErrUnknownEngagement)
	var kinds []routing.EventKind
	for _, ev := range d.events {
		if ev.Agent == "sue" {
			kinds = append(kinds, ev.Kind)
		}
	}
	assert.Equal(t, []routing.EventKind{routing.EventMonitored, routing.EventConferenced}, kinds)
	live, _, err := d.Holding("ann")
	require.NoError(t, err)
	assert.Equal(t, []string{"e1"}, live, "ann still holds it")
}

// TestDisconnect: the service's close ends what waits as Disconnected,
// counted apart; what an agent had is Answered.
func TestDisconnect(t *testing.T) {
	d := newDesk(t, routing.Config{
		Queues: []routing.Queue{{Name: "q", Modalities: []modality.Kind{modality.Telephony}}},
	})
	d.agents(t, "ann")
	d.available(t, "ann")
	for _, id := range []string{"e1", "e2", "e3"} {
		_, err := d.Enqueue(routing.Engagement{ID: id, Queue: "q", Kind: modality.Telephony})
		require.NoError(t, err)
	}
	require.NoError(t, d.Accept("ann", "e1"))
	for _, id := range []string{"e1", "e2", "e3"} {
		require.NoError(t, d.Disconnect(id))
	}
	require.ErrorIs(t, d.Disconnect("e1"), routing.ErrUnknownEngagement)
	outcomes := map[string]routing.Outcome{}
	for _, ev := range d.events {
		if ev.Kind == routing.EventEnded {
			outcomes[ev.Engagement] = ev.Outcome
		}
	}
	assert.Equal(t, map[string]routing.Outcome{"e1": routing.Answered, "e2": routing.Disconnected, "e3": routing.Disconnected}, outcomes)
	st := d.Stats()[0]
	assert.Equal(t, 2, st.Disconnected)
	assert.Zero(t, st.Abandoned)
	assert.Equal(t, 1.0, st.ServiceLevel(), "the close does not count against the service level")
}
