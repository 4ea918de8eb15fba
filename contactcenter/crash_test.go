package contactcenter_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
)

// TestCrashAfterEveryStep stops the lifecycle right after each step of the
// deploy plan and of the closing plan, starts a new Lifecycle on the same
// Store and adapters, and checks that the service reaches its correct end
// with nothing leaked and no step done twice.
func TestCrashAfterEveryStep(t *testing.T) {
	probe := newWorld(t)
	plans, err := probe.lifecycle(t).Plan(context.Background(), conference("probe"))
	require.NoError(t, err)

	for _, plan := range []contactcenter.Plan{plans.Deploy, plans.Close} {
		for i, step := range plan.Steps {
			t.Run(fmt.Sprintf("%s/%s", plan.Kind, step.Key), func(t *testing.T) {
				crashAfter(t, plan.Kind, i)
			})
		}
	}
}

func crashAfter(t *testing.T, kind contactcenter.PlanKind, index int) {
	w := newWorld(t)
	ctx := context.Background()
	req := conference("conf-crash")

	// The first process: runs until the step is done, then dies.
	first := w.lifecycle(t)
	runCtx, crash := context.WithCancel(ctx)
	defer crash()
	crashed := false
	unsubscribe := first.Subscribe(func(e contactcenter.Event) {
		se, ok := e.(*contactcenter.StepEvent)
		if ok && se.Kind == kind && se.Status == contactcenter.StepDone && se.Step.Key == stepKey(t, w, req, kind, index) {
			crashed = true
			crash()
		}
	})
	svc, err := first.Request(ctx, req)
	require.NoError(t, err)
	for !crashed {
		require.False(t, w.clock.Now().After(req.Term.End.Add(24*time.Hour)), "step never ran")
		_ = first.Tick(runCtx)
		if !crashed {
			w.clock.Advance(time.Minute)
		}
	}
	unsubscribe()
	require.NoError(t, first.Close())

	// Engagements live at the crash must not survive the close.
	if w.state(t, svc.ID) == contactcenter.Active {
		_, err := w.channel.Arrive(ctx, svc.ID, "chat", "attendee", w.clock.Now())
		require.NoError(t, err)
	}

	// The second process: same store and adapters, resumes from the journal.
	second := w.lifecycle(t)
	w.runUntil(t, second, time.Minute, req.Term.End.Add(24*time.Hour), func() bool {
		return w.state(t, svc.ID).Final()
	})
	assert.Equal(t, contactcenter.Terminated, w.state(t, svc.ID))
	w.assertNothingLeft(t, svc.ID)

	// No step done twice: each step of each plan has exactly one "done".
	for _, planID := range []string{svc.DeployPlan, svc.ClosePlan} {
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
		for _, s := range plan.Steps {
			assert.Equal(t, 1, done[s.Key], "%s step %s done exactly once", planID, s.Key)
		}
	}
	// Each agent and supervisor got exactly one grant.
	s, err := w.store.Get(ctx, svc.ID)
	require.NoError(t, err)
	gs, err := w.grants.ListByService(ctx, svc.ID)
	require.NoError(t, err)
	seen := map[string]int{}
	for _, g := range gs {
		seen[g.Principal]++
	}
	for p, n := range seen {
		assert.Equal(t, 1, n, "principal %s has one grant bundle", p)
	}
	assert.GreaterOrEqual(t, len(gs), s.Config.InitialAgents, "every deployed agent was granted access")
	assert.Zero(t, w.mem.Total(contactcenter.Agents)+w.mem.Total(contactcenter.Licences)+w.mem.Total(contactcenter.Space)+w.mem.Total(contactcenter.Supervisors),
		"nothing held in the provider's account")
}

// stepKey returns the key of the index-th step of the request's plan of kind.
func stepKey(t *testing.T, w *world, req contactcenter.Request, kind contactcenter.PlanKind, index int) string {
	t.Helper()
	p, err := w.store.GetPlan(context.Background(), req.EventID+"/"+string(kind))
	require.NoError(t, err)
	return p.Steps[index].Key
}
