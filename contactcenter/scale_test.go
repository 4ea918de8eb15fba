package contactcenter_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
)

// TestLifecycle_TrafficDrivesScaling feeds a surge through the channel and
// checks that agents, licences and space follow it up at once and down
// after the stabilisation window, with access granted to agents added and
// revoked from agents removed.
func TestLifecycle_TrafficDrivesScaling(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	req := conference("conf-surge")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	w.Clock.Set(req.Term.Start)
	require.NoError(t, lc.Tick(ctx))
	base, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	require.Equal(t, contactcenter.Active, base.State)

	var scales []*contactcenter.ScaleEvent
	defer lc.Subscribe(func(e contactcenter.Event) {
		if se, ok := e.(*contactcenter.ScaleEvent); ok {
			scales = append(scales, se)
		}
	})()

	// A surge: 40 calls a minute, each lasting 5 minutes, for 20 minutes.
	type call struct {
		id  string
		end time.Time
	}
	var live []call
	n := 0
	minute := func(rate int) {
		now := w.Clock.Advance(time.Minute)
		kept := live[:0]
		for _, c := range live {
			if !now.Before(c.end) {
				require.NoError(t, w.Channel.End(ctx, c.id, now))
				continue
			}
			kept = append(kept, c)
		}
		live = kept
		for i := 0; i < rate; i++ {
			n++
			e, err := w.Channel.Arrive(ctx, svc.ID, "telephony-1", fmt.Sprintf("caller-%d", n), now)
			require.NoError(t, err)
			require.NoError(t, w.Channel.Answer(ctx, e.ID, now))
			live = append(live, call{e.ID, now.Add(5 * time.Minute)})
		}
		require.NoError(t, lc.Tick(ctx))
	}
	for i := 0; i < 20; i++ {
		minute(40)
	}
	peak, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	assert.Greater(t, peak.Resources.Agents, base.Resources.Agents, "the surge scales agents up")
	assert.Greater(t, peak.Resources.Licences, base.Resources.Licences, "and licences")
	assert.Greater(t, peak.Resources.Space, base.Resources.Space, "and server space")
	for _, a := range peak.Agents {
		assert.NoError(t, access.Authorize(ctx, w.grants, w.Clock.Now(), a, svc.ID, "engagement.handle"), "agent %s added in the surge is granted access", a)
	}
	inv, err := w.Provisioner.Inventory(ctx, svc.ID)
	require.NoError(t, err)
	assert.Len(t, inv, peak.Resources.Agents+peak.Resources.Supervisors+peak.Resources.Licences+peak.Resources.Space,
		"the provisioner holds what the service records")

	// Calm: back down, but only after the stabilisation window.
	for i := 0; i < 60; i++ {
		minute(0)
	}
	calm, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	assert.Less(t, calm.Resources.Agents, peak.Resources.Agents, "agents scale down after the surge")
	assert.GreaterOrEqual(t, calm.Resources.Agents, calm.Config.Staffing.MinAgents)
	removed := map[string]bool{}
	for _, se := range scales {
		for _, r := range se.Removed {
			removed[r] = true
		}
	}
	require.NotEmpty(t, removed)
	for a := range removed {
		assert.ErrorIs(t, access.Authorize(ctx, w.grants, w.Clock.Now(), a, svc.ID, "engagement.handle"), access.ErrDenied,
			"removed agent %s loses access", a)
	}
	// Scale-down waited for the window: no decrease within it after the peak.
	var lastUp, firstDown time.Time
	for _, se := range scales {
		if se.After.Agents > se.Before.Agents {
			lastUp = se.At
		}
		if se.After.Agents < se.Before.Agents && firstDown.IsZero() {
			firstDown = se.At
		}
	}
	require.False(t, firstDown.IsZero())
	assert.GreaterOrEqual(t, firstDown.Sub(lastUp), calm.Config.Staffing.ScaleDownWindow.D()-calm.Config.Staffing.ScaleInterval.D(),
		"scale-down held through the stabilisation window")
}

// TestLifecycle_RunLeavesNoGoroutines runs a whole life under Run in a
// synctest bubble, where time is virtual: the bubble fails the test if
// any goroutine is left when it ends.
func TestLifecycle_RunLeavesNoGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx, cancel := context.WithCancel(context.Background())
		lc, err := contactcenter.New(contactcenter.Config{
			Store: w.store, Provisioner: w.prov, Access: w.grants, Numbers: w.numbers,
			Channels: []modality.Channel{w.Channel}, EventSystem: w.Events,
			TickInterval: time.Minute, // real (virtual, in the bubble) time
		})
		require.NoError(t, err)
		now := time.Now()
		req := conference("conf-run")
		req.Term = contactcenter.Term{Start: now.Add(3 * time.Hour), End: now.Add(5 * time.Hour)}
		svc, err := lc.Request(ctx, req)
		require.NoError(t, err)
		done := make(chan error)
		go func() { done <- lc.Run(ctx) }()
		time.Sleep(12 * time.Hour) // virtual: the whole term and more
		synctest.Wait()
		s, err := lc.Get(ctx, svc.ID)
		require.NoError(t, err)
		assert.Equal(t, contactcenter.Terminated, s.State)
		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)
		require.NoError(t, lc.Close())
	})
}

// TestLifecycle_CloseStopsRun checks that Close makes a running Run return
// at once, without waiting for its next tick.
func TestLifecycle_CloseStopsRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		lc, err := contactcenter.New(contactcenter.Config{
			Store: w.store, Provisioner: w.prov, Access: w.grants, Numbers: w.numbers,
			Channels: []modality.Channel{w.Channel}, EventSystem: w.Events,
			TickInterval: time.Hour,
		})
		require.NoError(t, err)
		done := make(chan error)
		go func() { done <- lc.Run(context.Background()) }()
		synctest.Wait() // Run is parked waiting for its next tick
		start := time.Now()
		require.NoError(t, lc.Close())
		assert.ErrorIs(t, <-done, contactcenter.ErrClosed)
		assert.Zero(t, time.Since(start), "Close returned without waiting for a tick")
	})
}
