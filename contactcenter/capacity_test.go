package contactcenter_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
)

// capacityChannel is an in-memory channel that records the capacities the
// lifecycle sets through modality.CapacitySetter.
type capacityChannel struct {
	*memchannel.Channel
	mu  sync.Mutex
	set map[string][]int
}

var _ modality.CapacitySetter = (*capacityChannel)(nil)

func (c *capacityChannel) SetCapacity(ctx context.Context, serviceID string, maxLive int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.set[serviceID] = append(c.set[serviceID], maxLive)
	return nil
}

func (c *capacityChannel) capacities(id string) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.set[id]...)
}

// TestLifecycle_SetsChannelCapacity: a channel that implements
// modality.CapacitySetter gets the service's capacity when the service
// opens and after each scaling decision: room for the most agents the
// scaler may deploy and as many queued, within the server space left by
// the agents held.
func TestLifecycle_SetsChannelCapacity(t *testing.T) {
	w := newWorld(t)
	ch := &capacityChannel{Channel: w.Channel, set: map[string][]int{}}
	lc, err := contactcenter.New(contactcenter.Config{
		Store: w.store, Provisioner: w.prov, Access: w.grants, Numbers: w.numbers,
		Channels: []modality.Channel{ch}, EventSystem: w.Events, Now: w.Clock.Now,
	})
	require.NoError(t, err)
	defer lc.Close()
	ctx := context.Background()
	req := conference("conf-capacity")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)

	// The conference template: telephony (1 space unit) and chat (a
	// quarter) on this channel; BaseSpace 4, SpacePerAgent 0.5, MaxSpace
	// 120. Capacity = (120 − 4 − agents/2) / 1.
	want := func(agents int) int { return int(116 - float64(agents)/2) }

	w.Clock.Set(req.Term.Start)
	require.NoError(t, lc.Tick(ctx))
	open, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	require.Equal(t, contactcenter.Active, open.State)
	got := ch.capacities(svc.ID)
	require.NotEmpty(t, got, "the capacity is set when the service opens")
	assert.Equal(t, want(open.Resources.Agents), got[0], "at open, from the %d agents deployed", open.Resources.Agents)

	// A surge: the scaler adds agents, and the capacity follows.
	n := 0
	for range 20 {
		now := w.Clock.Advance(time.Minute)
		for range 40 {
			n++
			e, err := w.Channel.Arrive(ctx, svc.ID, "telephony-1", fmt.Sprintf("caller-%d", n), now)
			require.NoError(t, err)
			require.NoError(t, w.Channel.Answer(ctx, e.ID, now))
		}
		require.NoError(t, lc.Tick(ctx))
	}
	peak, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	require.Greater(t, peak.Resources.Agents, open.Resources.Agents, "the surge adds agents")
	got = ch.capacities(svc.ID)
	assert.Greater(t, len(got), 1, "the capacity is set again after scaling decisions")
	assert.Equal(t, want(peak.Resources.Agents), got[len(got)-1], "after the last decision, from the %d agents held", peak.Resources.Agents)
	assert.Less(t, got[len(got)-1], got[0], "more agents take more of the space engagements use")
}
