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
