package provisionertest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/provisionertest"
)

// TestFaultyConforms checks that a Faulty failing nothing is a
// Provisioner like the one it wraps.
func TestFaultyConforms(t *testing.T) {
	provisionertest.Run(t, provisionertest.Harness{
		New: func(*testing.T) contactcenter.Provisioner {
			return provisionertest.NewFaulty(memprovisioner.New(memprovisioner.Limits{Space: 4, Licences: 4, Agents: 4, Supervisors: 4}))
		},
		Capacity: 4,
	})
}

var errBoom = errors.New("provider unavailable")

func TestFaultyFailsTimes(t *testing.T) {
	ctx := t.Context()
	inner := memprovisioner.New(memprovisioner.Limits{})
	f := provisionertest.NewFaulty(inner)
	f.FailSet(contactcenter.Agents, 2, errBoom)

	for i := range 2 {
		items, err := f.Set(ctx, "expo", contactcenter.Agents, 3)
		assert.ErrorIs(t, err, errBoom, "call %d of 2 failing: want the injected error", i+1)
		assert.Nil(t, items, "a failed Set: want no items")
		assert.Equal(t, 0, inner.Total(contactcenter.Agents), "a failed Set: want it not to reach the wrapped Provisioner")
	}
	items, err := f.Set(ctx, "expo", contactcenter.Agents, 3)
	require.NoError(t, err, "third call after 2 failures: want it to call through")
	assert.Len(t, items, 3)
	assert.Equal(t, 3, inner.Total(contactcenter.Agents), "want the call through to reach the wrapped Provisioner")
	assert.Equal(t, 3, f.Calls(contactcenter.Agents), "want every call counted, failed or not")
}

func TestFaultyOnlyThatKind(t *testing.T) {
	ctx := t.Context()
	f := provisionertest.NewFaulty(memprovisioner.New(memprovisioner.Limits{}))
	f.FailSet(contactcenter.Licences, -1, errBoom)
	for _, kind := range []contactcenter.Resource{contactcenter.Space, contactcenter.Agents, contactcenter.Supervisors} {
		_, err := f.Set(ctx, "expo", kind, 1)
		assert.NoError(t, err, "Set(%s) while licences fail: want it to call through", kind)
		assert.Equal(t, 1, f.Calls(kind), "want calls counted by kind")
	}
	_, err := f.Set(ctx, "expo", contactcenter.Licences, 1)
	assert.ErrorIs(t, err, errBoom)
	inv, err := f.Inventory(ctx, "expo")
	require.NoError(t, err, "Inventory: want it to call through")
	assert.Len(t, inv, 3, "want the items of the kinds that did not fail")
}

func TestFaultyAlwaysUntilCleared(t *testing.T) {
	ctx := t.Context()
	f := provisionertest.NewFaulty(memprovisioner.New(memprovisioner.Limits{}))
	quota := fmt.Errorf("sandbox: %w", contactcenter.ErrQuota)
	f.FailSet(contactcenter.Agents, -1, quota)
	for i := range 10 {
		_, err := f.Set(ctx, "expo", contactcenter.Agents, 1)
		assert.ErrorIs(t, err, contactcenter.ErrQuota, "call %d with times < 0: want every call to fail", i+1)
	}
	f.FailSet(contactcenter.Agents, 0, nil)
	_, err := f.Set(ctx, "expo", contactcenter.Agents, 1)
	assert.NoError(t, err, "after FailSet(agents, 0, nil): want calls through again")
	assert.Equal(t, 11, f.Calls(contactcenter.Agents))
}

func TestFaultyReplacesFailure(t *testing.T) {
	ctx := t.Context()
	f := provisionertest.NewFaulty(memprovisioner.New(memprovisioner.Limits{}))
	f.FailSet(contactcenter.Space, -1, errBoom)
	permanent := contactcenter.Permanent(errors.New("account suspended"))
	f.FailSet(contactcenter.Space, 1, permanent)
	_, err := f.Set(ctx, "expo", contactcenter.Space, 1)
	assert.ErrorIs(t, err, contactcenter.ErrPermanent, "after a second FailSet: want its error")
	_, err = f.Set(ctx, "expo", contactcenter.Space, 1)
	assert.NoError(t, err, "after the second FailSet's one failure: want calls through, the first FailSet replaced")
}

func TestFaultyNilErrorClears(t *testing.T) {
	f := provisionertest.NewFaulty(memprovisioner.New(memprovisioner.Limits{}))
	f.FailSet(contactcenter.Agents, 3, errBoom)
	f.FailSet(contactcenter.Agents, 3, nil)
	_, err := f.Set(t.Context(), "expo", contactcenter.Agents, 1)
	assert.NoError(t, err, "FailSet with a nil error: want no failure")
}

func TestFaultyCountsDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	f := provisionertest.NewFaulty(memprovisioner.New(memprovisioner.Limits{}))
	_, err := f.Set(ctx, "expo", contactcenter.Agents, 1)
	assert.ErrorIs(t, err, context.Canceled, "with no failure injected: want the wrapped Provisioner's answer")
	assert.Equal(t, 1, f.Calls(contactcenter.Agents))
}

func TestFaultyConcurrent(t *testing.T) {
	const callers, each, failures = 8, 25, 50
	f := provisionertest.NewFaulty(memprovisioner.New(memprovisioner.Limits{}))
	f.FailSet(contactcenter.Agents, failures, errBoom)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed int
		other  []error
	)
	for c := range callers {
		wg.Go(func() {
			for i := range each {
				_, err := f.Set(t.Context(), fmt.Sprint("svc-", c), contactcenter.Agents, i%3)
				mu.Lock()
				switch {
				case errors.Is(err, errBoom):
					failed++
				case err != nil:
					other = append(other, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Empty(t, other, "want no error but the injected one")
	assert.Equal(t, failures, failed, "%d failures injected among %d concurrent calls: want exactly that many", failures, callers*each)
	assert.Equal(t, callers*each, f.Calls(contactcenter.Agents), "want every concurrent call counted")
}
