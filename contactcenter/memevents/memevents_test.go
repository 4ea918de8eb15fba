package memevents_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/eventsystemtest"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/modality"
)

func TestConformance(t *testing.T) {
	eventsystemtest.Run(t, eventsystemtest.Harness{
		New: func(*testing.T) contactcenter.EventSystem { return memevents.New() },
		Published: func(es contactcenter.EventSystem, serviceID string) (contactcenter.Publication, bool) {
			return es.(*memevents.EventSystem).Published(serviceID)
		},
	})
}

// TestConformanceUnobserved runs the suite as for an implementation that
// cannot be observed, so the cases that need no observer are known to
// stand alone.
func TestConformanceUnobserved(t *testing.T) {
	eventsystemtest.Run(t, eventsystemtest.Harness{
		New: func(*testing.T) contactcenter.EventSystem { return memevents.New() },
	})
}

var t0 = time.Date(2026, time.May, 4, 9, 0, 0, 0, time.UTC)

func publication(id string) contactcenter.Publication {
	return contactcenter.Publication{
		ServiceID:   id,
		EventID:     id,
		EntryPoints: []modality.EntryPoint{{Name: "main", Kind: modality.Telephony, Address: "+4930555001"}},
		Opens:       t0,
		Closes:      t0.Add(48 * time.Hour),
		TimeZone:    "Europe/Berlin",
	}
}

func TestPublishedIsCopy(t *testing.T) {
	es := memevents.New()
	require.NoError(t, es.Publish(t.Context(), publication("expo")))
	got, ok := es.Published("expo")
	require.True(t, ok)
	got.EntryPoints[0].Address = "changed"
	again, ok := es.Published("expo")
	require.True(t, ok)
	assert.Equal(t, publication("expo"), again, "after the caller changed what Published returned: want what was published")
}

func TestHistory(t *testing.T) {
	ctx := t.Context()
	es := memevents.New()
	assert.Empty(t, es.History(), "a new EventSystem: want no history")
	require.NoError(t, es.Publish(ctx, publication("expo")))
	require.NoError(t, es.Publish(ctx, publication("gala")))
	require.NoError(t, es.Retract(ctx, "expo"))
	require.NoError(t, es.Retract(ctx, "never-published"))
	done, cancel := context.WithCancel(ctx)
	cancel()
	require.ErrorIs(t, es.Publish(done, publication("late")), context.Canceled)
	require.ErrorIs(t, es.Retract(done, "gala"), context.Canceled)

	want := []memevents.Record{
		{Op: memevents.OpPublish, ServiceID: "expo", Publication: publication("expo")},
		{Op: memevents.OpPublish, ServiceID: "gala", Publication: publication("gala")},
		{Op: memevents.OpRetract, ServiceID: "expo"},
		{Op: memevents.OpRetract, ServiceID: "never-published"},
	}
	h := es.History()
	assert.Equal(t, want, h, "want every successful call, in order, and none with a done ctx")

	h[0].Publication.EntryPoints[0].Address = "changed"
	h[1].ServiceID = "changed"
	assert.Equal(t, want, es.History(), "after the caller changed what History returned: want the history unchanged")

	_, ok := es.Published("gala")
	assert.True(t, ok, "after Retract with a done ctx: want gala still published")
}

func TestPublishWithoutServiceIsPermanent(t *testing.T) {
	es := memevents.New()
	p := publication("")
	err := es.Publish(t.Context(), p)
	assert.ErrorIs(t, err, contactcenter.ErrPermanent, "Publish without a ServiceID: want a permanent error, retrying cannot fix it")
	assert.Empty(t, es.History(), "after a refused Publish: want nothing recorded")
	_, ok := es.Published("")
	assert.False(t, ok, "after a refused Publish: want nothing published")
}
