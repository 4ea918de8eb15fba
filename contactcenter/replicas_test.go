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

func (w *world) replica(t testing.TB, owner string) *contactcenter.Lifecycle {
	t.Helper()
	lc, err := contactcenter.New(contactcenter.Config{
		Store: w.store, Provisioner: w.prov, Access: w.grants, Numbers: w.numbers,
		Channels: []modality.Channel{w.channel}, EventSystem: w.events,
		Now: w.clock.Now, Owner: owner, LeaseTTL: 2 * time.Minute,
		Retry: contactcenter.Retry{Initial: time.Second, Max: 10 * time.Second, MaxElapsed: time.Minute},
	})
	require.NoError(t, err)
	t.Cleanup(func() { lc.Close() })
	return lc
}

// TestReplicas_OneOwnerPerServiceAndTakeover runs three Lifecycles on one
// Store, with services on staggered terms, kills one replica in the middle
// of a plan, and checks that the others take its services over: every
// service ends terminated, every plan step ran exactly once, and no two
// replicas ever drove the same service.
func TestReplicas_OneOwnerPerServiceAndTakeover(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	names := []string{"a", "b", "c"}
	replicas := map[string]*contactcenter.Lifecycle{}
	drivers := map[string]map[string]bool{} // service → replicas that ran a step of it
	for _, n := range names {
		n := n
		replicas[n] = w.replica(t, n)
		replicas[n].Subscribe(func(e contactcenter.Event) {
			if se, ok := e.(*contactcenter.StepEvent); ok {
				if drivers[se.ServiceID] == nil {
					drivers[se.ServiceID] = map[string]bool{}
				}
				drivers[se.ServiceID][n] = true
			}
		})
	}
	// Three services at a time hold the pool's six numbers: stagger terms.
	var ids []string
	for i := 0; i < 6; i++ {
		req := conference(fmt.Sprintf("conf-r%d", i))
		req.Features.Modalities = []modality.Kind{modality.Chat}
		req.Overrides.Numbers = new(int) // chat only: no numbers needed
		req.Term.Start = req.Term.Start.Add(time.Duration(i) * 3 * time.Hour)
		req.Term.End = req.Term.Start.Add(2 * time.Hour)
		_, err := replicas[names[i%3]].Request(ctx, req)
		require.NoError(t, err)
		ids = append(ids, req.EventID)
	}

	// Replica a dies right after a step of the first closing plan it runs.
	actx, kill := context.WithCancel(ctx)
	dead := false
	replicas["a"].Subscribe(func(e contactcenter.Event) {
		if se, ok := e.(*contactcenter.StepEvent); ok && se.Kind == contactcenter.CloseKind && se.Status == contactcenter.StepDone && !dead {
			dead = true
			kill()
		}
	})
	limit := t0.Add(4 * 24 * time.Hour)
	for {
		done := true
		for _, id := range ids {
			done = done && w.state(t, id).Final()
		}
		if done {
			break
		}
		require.False(t, w.clock.Now().After(limit), "services not finished by %s", limit)
		for _, n := range names {
			if n == "a" {
				if dead {
					continue
				}
				_ = replicas[n].Tick(actx)
				continue
			}
			_ = replicas[n].Tick(ctx)
		}
		w.clock.Advance(time.Minute)
	}
	require.True(t, dead, "replica a was killed mid-plan")

	for _, id := range ids {
		assert.Equal(t, contactcenter.Terminated, w.state(t, id), "%s terminated", id)
		w.assertNothingLeft(t, id)
		s, err := w.store.Get(ctx, id)
		require.NoError(t, err)
		for _, planID := range []string{s.DeployPlan, s.ClosePlan} {
			journal, err := w.store.Journal(ctx, planID)
			require.NoError(t, err)
			done := map[string]int{}
			for _, j := range journal {
				if j.Status == contactcenter.StepDone {
					done[j.Step]++
				}
			}
			plan, err := w.store.GetPlan(ctx, planID)
			require.NoError(t, err)
			for _, st := range plan.Steps {
				assert.Equal(t, 1, done[st.Key], "%s step %s ran exactly once", planID, st.Key)
			}
		}
	}
	// The killed replica's service was finished by another.
	var takenOver bool
	for _, d := range drivers {
		if d["a"] && (d["b"] || d["c"]) {
			takenOver = true
		}
	}
	assert.True(t, takenOver, "a service replica a had started was finished by another replica")
}

func TestNew_OwnerNeedsALeaser(t *testing.T) {
	w := newWorld(t)
	_, err := contactcenter.New(contactcenter.Config{
		Store: storeOnly{w.store}, Provisioner: w.prov, Access: w.grants, Numbers: w.numbers,
		Channels: []modality.Channel{w.channel}, EventSystem: w.events, Owner: "a",
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
		Channels: []modality.Channel{w.channel}, EventSystem: w.events,
		Now: w.clock.Now, Parallelism: 4,
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
			if !w.state(t, id).Final() {
				return false
			}
		}
		return true
	})
	for _, id := range ids {
		assert.Equal(t, contactcenter.Terminated, w.state(t, id))
		w.assertNothingLeft(t, id)
		mu.Lock()
		assert.Equal(t, []contactcenter.State{contactcenter.Scheduled, contactcenter.Deploying, contactcenter.Ready,
			contactcenter.Active, contactcenter.Terminating, contactcenter.Terminated}, perService[id], "events of %s in order", id)
		mu.Unlock()
	}
}
