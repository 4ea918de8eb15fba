package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/contactcenter/storetest"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/template"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(*testing.T) contactcenter.Store { return memstore.New() },
	})
}

// TestErrorsNameWhat checks that errors carry the ID they are about as
// well as the sentinel.
func TestErrorsNameWhat(t *testing.T) {
	ctx := t.Context()
	st := memstore.New()
	_, err := st.Get(ctx, "expo-2026")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound)
	assert.ErrorContains(t, err, `"expo-2026"`, "want the missing service's ID in the error")

	s, err := st.Create(ctx, contactcenter.Service{ID: "expo-2026"})
	require.NoError(t, err)
	s.Revision = 5
	_, err = st.Update(ctx, s)
	assert.ErrorIs(t, err, contactcenter.ErrConflict)
	assert.ErrorContains(t, err, "revision 5, stored revision is 1", "want both revisions in a conflict")

	err = st.Append(ctx, contactcenter.JournalEntry{PlanID: "expo-2026/deploy", Seq: 1})
	assert.ErrorIs(t, err, contactcenter.ErrNotFound)
	assert.ErrorContains(t, err, `"expo-2026/deploy"`, "want the missing plan's ID in the error")
}

// TestContextErrorUnwrapped checks that a done ctx's error is returned as
// is, so callers can compare it with == as well as errors.Is.
func TestContextErrorUnwrapped(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := memstore.New().Get(ctx, "x")
	assert.Equal(t, context.Canceled, err, "want ctx.Err() itself")
}

// TestKeepsValuesExactly checks what a JSON round trip would lose: time
// zones, and nil against empty slices.
func TestKeepsValuesExactly(t *testing.T) {
	ctx := t.Context()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	st := memstore.New()
	in := contactcenter.Service{
		ID:          "expo",
		Term:        contactcenter.Term{Start: time.Date(2026, 5, 4, 9, 0, 0, 0, berlin), End: time.Date(2026, 5, 8, 18, 0, 0, 0, berlin), TimeZone: "Europe/Berlin"},
		Agents:      []string{},
		Supervisors: nil,
	}
	_, err = st.Create(ctx, in)
	require.NoError(t, err)
	got, err := st.Get(ctx, "expo")
	require.NoError(t, err)
	assert.Same(t, berlin, got.Term.Start.Location(), "want the instant's zone kept")
	assert.NotNil(t, got.Agents, "want an empty slice kept empty, not nil")
	assert.Nil(t, got.Supervisors, "want a nil slice kept nil")
}

func benchService(id string) contactcenter.Service {
	n := func(v int) *int { return &v }
	return contactcenter.Service{
		ID:    id,
		State: contactcenter.Active,
		Request: contactcenter.Request{
			EventID:   id,
			Features:  contactcenter.Features{Modalities: []modality.Kind{modality.Telephony, modality.Chat}, Queues: []string{"general"}},
			Overrides: template.Overrides{MinAgents: n(2), MaxAgents: n(50)},
		},
		Config: template.Config{
			Modalities: []template.Modality{{Kind: modality.Telephony, Features: []string{"recording"}}, {Kind: modality.Chat}},
			Queues:     []template.Queue{{Name: "general", Modalities: []modality.Kind{modality.Telephony, modality.Chat}}},
			Access:     template.Access{Roles: []template.Role{{Name: "agent", Privileges: []string{"engagement.handle"}}}},
		},
		Agents:      []string{"agent-1", "agent-2", "agent-3", "agent-4", "agent-5", "agent-6", "agent-7", "agent-8"},
		Supervisors: []string{"supervisor-1"},
		Numbers:     []numbermap.Number{"+4930555001", "+4930555002"},
		EntryPoints: []modality.EntryPoint{{Name: "main", Kind: modality.Telephony, Address: "+4930555001"}, {Name: "chat", Kind: modality.Chat, Address: "https://chat.example/x"}},
		Timeline:    []contactcenter.Transition{{To: contactcenter.Requested}, {From: contactcenter.Requested, To: contactcenter.Scheduled}, {From: contactcenter.Scheduled, To: contactcenter.Active}},
	}
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	st := memstore.New()
	_, err := st.Create(ctx, benchService("expo"))
	require.NoError(b, err)
	for b.Loop() {
		if _, err := st.Get(ctx, "expo"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdate(b *testing.B) {
	ctx := context.Background()
	st := memstore.New()
	s, err := st.Create(ctx, benchService("expo"))
	require.NoError(b, err)
	for b.Loop() {
		s.IntakeOpen = !s.IntakeOpen
		if s, err = st.Update(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateParallel(b *testing.B) {
	ctx := context.Background()
	st := memstore.New()
	var ids []string
	for i := range 64 {
		id := fmt.Sprint("svc-", i)
		_, err := st.Create(ctx, benchService(id))
		require.NoError(b, err)
		ids = append(ids, id)
	}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			id := ids[i%len(ids)]
			i++
			s, err := st.Get(ctx, id)
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := st.Update(ctx, s); err != nil && !errors.Is(err, contactcenter.ErrConflict) {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkList100k lists the active services of a store of 100,000.
func BenchmarkList100k(b *testing.B) {
	ctx := context.Background()
	st := memstore.New()
	for i := range 100_000 {
		s := benchService(fmt.Sprintf("svc-%06d", i))
		if i%10 != 0 {
			s.State = contactcenter.Terminated
		}
		if _, err := st.Create(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name   string
		states []contactcenter.State
	}{{"active", []contactcenter.State{contactcenter.Active}}, {"all", nil}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := st.List(ctx, c.states...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
