package memprovisioner_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/provisionertest"
)

func TestConformance(t *testing.T) {
	for _, capacity := range []int{0, 1, 2, 7} {
		t.Run(fmt.Sprint("capacity=", capacity), func(t *testing.T) {
			provisionertest.Run(t, provisionertest.Harness{
				New: func(*testing.T) contactcenter.Provisioner {
					return memprovisioner.New(memprovisioner.Limits{Space: capacity, Licences: capacity, Agents: capacity, Supervisors: capacity})
				},
				Capacity: capacity,
			})
		})
	}
}

func ids(items []contactcenter.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestIDs(t *testing.T) {
	ctx := t.Context()
	p := memprovisioner.New(memprovisioner.Limits{})
	for _, c := range []struct {
		kind contactcenter.Resource
		want string
	}{
		{contactcenter.Space, "space-expo-000001"},
		{contactcenter.Licences, "licence-expo-000001"},
		{contactcenter.Agents, "agent-expo-000001"},
		{contactcenter.Supervisors, "supervisor-expo-000001"},
	} {
		items, err := p.Set(ctx, "expo", c.kind, 1)
		require.NoError(t, err)
		assert.Equal(t, []string{c.want}, ids(items), "first item of %s: want its kind, service and number in the ID", c.kind)
	}
}

func TestReleasesHighestFirstAndNeverReuses(t *testing.T) {
	ctx := t.Context()
	p := memprovisioner.New(memprovisioner.Limits{})
	steps := []struct {
		n    int
		want []string
	}{
		{3, []string{"agent-expo-000001", "agent-expo-000002", "agent-expo-000003"}},
		{1, []string{"agent-expo-000001"}},                                           // 3 and 2 go, highest first
		{3, []string{"agent-expo-000001", "agent-expo-000004", "agent-expo-000005"}}, // 2 and 3 never come back
		{0, []string{}},
		{2, []string{"agent-expo-000006", "agent-expo-000007"}},
	}
	for _, s := range steps {
		items, err := p.Set(ctx, "expo", contactcenter.Agents, s.n)
		require.NoError(t, err)
		assert.Equal(t, s.want, ids(items), "Set(expo, agents, %d)", s.n)
	}
	// Another service numbers its own items.
	items, err := p.Set(ctx, "gala", contactcenter.Agents, 1)
	require.NoError(t, err)
	assert.Equal(t, []string{"agent-gala-000001"}, ids(items))
}

func TestTotal(t *testing.T) {
	ctx := t.Context()
	p := memprovisioner.New(memprovisioner.Limits{Agents: 10})
	set := func(service string, kind contactcenter.Resource, n int) {
		t.Helper()
		_, err := p.Set(ctx, service, kind, n)
		require.NoError(t, err)
	}
	set("expo", contactcenter.Agents, 4)
	set("gala", contactcenter.Agents, 3)
	set("gala", contactcenter.Space, 9)
	assert.Equal(t, 7, p.Total(contactcenter.Agents), "want agents of every service counted")
	assert.Equal(t, 9, p.Total(contactcenter.Space))
	assert.Equal(t, 0, p.Total(contactcenter.Licences))

	_, err := p.Set(ctx, "expo", contactcenter.Agents, 8)
	require.ErrorIs(t, err, contactcenter.ErrQuota, "8 + 3 agents in an account of 10: want ErrQuota")
	assert.ErrorContains(t, err, `service "expo": 8 agents wanted, 4 held, 3 of 10 free`, "want the error to say what was wanted and what is free")
	assert.Equal(t, 7, p.Total(contactcenter.Agents), "after a refused Set: want the total unchanged")

	set("expo", contactcenter.Agents, 7)
	assert.Equal(t, 10, p.Total(contactcenter.Agents))
	set("expo", contactcenter.Agents, 0)
	set("gala", contactcenter.Agents, 0)
	assert.Equal(t, 0, p.Total(contactcenter.Agents), "after releasing everything: want 0")
}

func TestInvalidRequestsArePermanent(t *testing.T) {
	ctx := t.Context()
	p := memprovisioner.New(memprovisioner.Limits{})
	for _, c := range []struct {
		name    string
		service string
		kind    contactcenter.Resource
		n       int
	}{
		{"negative count", "expo", contactcenter.Agents, -1},
		{"unknown kind", "expo", "rooms", 1},
		{"empty kind", "expo", "", 1},
		{"empty service", "", contactcenter.Agents, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := p.Set(ctx, c.service, c.kind, c.n)
			assert.ErrorIs(t, err, contactcenter.ErrPermanent, "want a permanent error: retrying cannot fix it")
			inv, err := p.Inventory(ctx, c.service)
			require.NoError(t, err)
			assert.Empty(t, inv, "after a refused Set: want nothing held")
		})
	}
}

func TestNegativeLimitIsUnlimited(t *testing.T) {
	p := memprovisioner.New(memprovisioner.Limits{Agents: -5})
	items, err := p.Set(t.Context(), "expo", contactcenter.Agents, 3)
	require.NoError(t, err, "a negative limit: want no limit")
	assert.Len(t, items, 3)
}

func TestInventoryResultIsCopy(t *testing.T) {
	ctx := t.Context()
	p := memprovisioner.New(memprovisioner.Limits{})
	items, err := p.Set(ctx, "expo", contactcenter.Agents, 2)
	require.NoError(t, err)
	items[0].ID = "changed"
	inv, err := p.Inventory(ctx, "expo")
	require.NoError(t, err)
	inv[1].ID = "changed too"
	inv, err = p.Inventory(ctx, "expo")
	require.NoError(t, err)
	assert.Equal(t, []string{"agent-expo-000001", "agent-expo-000002"}, ids(inv), "want the items held unchanged by what callers do to results")
}

func BenchmarkSet(b *testing.B) {
	ctx := context.Background()
	p := memprovisioner.New(memprovisioner.Limits{})
	i := 0
	for b.Loop() {
		i++
		if _, err := p.Set(ctx, "expo", contactcenter.Agents, 20+i%10); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSetParallel(b *testing.B) {
	ctx := context.Background()
	p := memprovisioner.New(memprovisioner.Limits{Agents: 1 << 20})
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		id := fmt.Sprint("svc-", n.Add(1))
		i := 0
		for pb.Next() {
			i++
			if _, err := p.Set(ctx, id, contactcenter.Agents, 20+i%10); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
