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
)

func TestNew_OwnerNeedsALeaser(t *testing.T) {
	w := newWorld(t)
	_, err := contactcenter.New(contactcenter.Config{
		Store: storeOnly{w.store}, Provisioner: w.prov, Access: w.grants, Numbers: w.numbers,
		Channels: []modality.Channel{w.Channel}, EventSystem: w.Events, Owner: "a",
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Leaser")
}

// storeOnly hides every optional capability of a Store.
type storeOnly struct{ contactcenter.Store }

// TestLifecycle_ParallelTicks advances many services at once (run it
// under -race) and checks each still reaches its correct end.
func TestLifecycle_ParallelTicks(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	lc, err := contactcenter.New(contactcenter.Config{
		Store: w.store, Provisioner: w.prov, Access: w.grants, Numbers: w.numbers,
		Channels: []modality.Channel{w.Channel}, EventSystem: w.Events,
		Now: w.Clock.Now, Parallelism: 4,
	})
	require.NoError(t, err)
	defer lc.Close()
	var mu sync.Mutex
	perService := map[string][]contactcenter.State{}
	defer lc.Subscribe(func(e contactcenter.Event) {
		if sc, ok := e.(*contactcenter.StateChanged); ok {
			mu.Lock()
			perService[sc.ServiceID] = append(perService[sc.ServiceID], sc.To)
			mu.Unlock()
		}
	})()
	var ids []string
	for i := 0; i < 12; i++ {
		req := conference(fmt.Sprintf("conf-p%02d", i))
		req.Features.Modalities = []modality.Kind{modality.Chat}
		req.Overrides.Numbers = new(int)
		_, err := lc.Request(ctx, req)
		require.NoError(t, err)
		ids = append(ids, req.EventID)
	}
	w.runUntil(t, lc, 10*time.Minute, t0.Add(3*24*time.Hour), func() bool {
		for _, id := range ids {
			if !w.State(t, id).Final() {
				return false
			}
		}
		return true
	})
	for _, id := range ids {
		assert.Equal(t, contactcenter.Terminated, w.State(t, id))
		w.AssertNothingLeft(t, id)
		mu.Lock()
		assert.Equal(t, []contactcenter.State{contactcenter.Scheduled, contactcenter.Deploying, contactcenter.Ready,
			contactcenter.Active, contactcenter.Terminating, contactcenter.Terminated}, perService[id], "events of %s in order", id)
		mu.Unlock()
	}
}
