package contactcenter_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
)

// replica returns a Lifecycle named owner on the world's adapters with a
// channel of its own, as a replica in another process has: what one
// replica opens, the other's channel does not know.
func (w *world) replica(t testing.TB, owner string, a access.Store) (*contactcenter.Lifecycle, *memchannel.Channel) {
	t.Helper()
	ch, err := memchannel.New()
	require.NoError(t, err)
	cfg := w.Config(owner)
	cfg.Channels = []modality.Channel{ch}
	if a != nil {
		cfg.Access = a
	}
	lc, err := contactcenter.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { lc.Close() })
	return lc, ch
}

// activate ticks lc from svc's deploy to its term's start, when it must
// be Active.
func (w *world) activate(t *testing.T, lc *contactcenter.Lifecycle, svc contactcenter.Service) {
	t.Helper()
	ctx := context.Background()
	w.Clock.Set(svc.DeployAt())
	require.NoError(t, lc.Tick(ctx), "want the deploy done")
	w.Clock.Set(svc.Term.Start)
	require.NoError(t, lc.Tick(ctx), "want the service opened")
	require.Equal(t, contactcenter.Active, w.State(t, svc.ID), "want %s active at its start", svc.ID)
}

// beforeCreate runs hook once, before the first grant is created through
// it. It hides the store's optional capabilities, so every grant of a
// step goes through Create.
type beforeCreate struct {
	access.Store
	once sync.Once
	hook func()
}

func (b *beforeCreate) Create(ctx context.Context, g access.Grant) (access.Grant, error) {
	b.once.Do(b.hook)
	return b.Store.Create(ctx, g)
}

// assertNoGrantPast checks that no grant of service id ends after the
// service's stored expiry, and that none authorises a minute after it.
func (w *world) assertNoGrantPast(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	s, err := w.store.Get(ctx, id)
	require.NoError(t, err)
	gs, err := w.grants.ListByService(ctx, id)
	require.NoError(t, err)
	require.NotEmpty(t, gs, "want grants to check")
	for _, g := range gs {
		if g.Revoked {
			continue
		}
		assert.False(t, g.NotAfter.After(s.Expires), "want grant %s to end by the stored expiry %s, not %s", g.ID, s.Expires, g.NotAfter)
		for _, p := range g.Privileges {
			assert.ErrorIs(t, access.Authorize(ctx, w.grants, s.Expires.Add(time.Minute), g.Principal, id, p), access.ErrDenied,
				"want grant %s not to authorise %s after the expiry", g.ID, p)
		}
	}
	recs, err := w.numbers.ListByService(ctx, id)
	require.NoError(t, err)
	for _, r := range recs {
		if r.Lease != nil {
			assert.False(t, r.Lease.Expires.After(s.Expires), "want the lease of %s to end by the stored expiry", r.Number)
		}
	}
}

// A shortening made on a replica that does not own the service, while
// the owner is issuing grants with the expiry it read before: the
// grants must not outlive the shortened term.
func TestReplicas_ShorteningRacesGrantStep(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	b, _ := w.replica(t, "b", nil)
	req := conference("conf-race")
	newEnd := req.Term.Start.Add(time.Hour) // expiry 11:00 with the hour of grace
	shortened := false
	hooked := &beforeCreate{Store: w.grants, hook: func() {
		require.NoError(t, b.Shorten(ctx, req.EventID, newEnd), "want the shortening on replica b accepted")
		shortened = true
	}}
	a, _ := w.replica(t, "a", hooked)
	svc, err := a.Request(ctx, req)
	require.NoError(t, err)
	w.Clock.Set(svc.DeployAt())
	for w.State(t, svc.ID) != contactcenter.Ready {
		require.False(t, w.Clock.Now().After(req.Term.Start), "want the deploy done by the start")
		_ = a.Tick(ctx) // the grant step conflicts once and is retried
		w.Clock.Advance(time.Second)
	}
	require.True(t, shortened, "want the shortening to race the grant step")
	s, err := w.store.Get(ctx, svc.ID)
	require.NoError(t, err)
	require.Equal(t, newEnd.Add(time.Hour), s.Expires, "want the shortened expiry stored")
	w.assertNoGrantPast(t, svc.ID)
}

// A replica that takes a service over, or a process that restarts,
// opens the service's entry points on its own channels; a replica that
// lost the service closes them on its own.
func TestReplicas_NewOwnerOpensChannels(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a, chA := w.replica(t, "a", nil)
	b, chB := w.replica(t, "b", nil)
	req := conference("conf-takeover")
	svc, err := a.Request(ctx, req)
	require.NoError(t, err)
	w.activate(t, a, svc)
	_, err = chA.Arrive(ctx, svc.ID, "chat", "attendee-1", w.Clock.Now())
	require.NoError(t, err, "want the owner's channel open")
	_, err = chB.Arrive(ctx, svc.ID, "chat", "attendee-2", w.Clock.Now())
	require.ErrorIs(t, err, modality.ErrNotOpen, "want the other replica's channel not serving the service yet")

	// Replica a stops (a pause, or death); b takes over once the lease
	// has run out.
	w.Clock.Advance(w.Config("").LeaseTTL + time.Minute)
	require.NoError(t, b.Tick(ctx))
	_, err = chB.Arrive(ctx, svc.ID, "chat", "attendee-3", w.Clock.Now())
	require.NoError(t, err, "want the new owner's channel open for the service")

	// Replica a comes back: it no longer holds the service, and closes
	// it on its channel, ending what was live there.
	require.NoError(t, a.Tick(ctx))
	_, err = chA.Arrive(ctx, svc.ID, "chat", "attendee-4", w.Clock.Now())
	assert.ErrorIs(t, err, modality.ErrNotOpen, "want the former owner's channel closed for the service")
	cs, err := chA.Counts(ctx, svc.ID)
	require.NoError(t, err)
	for _, c := range cs {
		assert.Zero(t, c.Live(), "want nothing of the service live on the former owner's channel")
	}

	// The whole term still ends with nothing left, on b's channel too.
	for !w.State(t, svc.ID).Final() {
		require.False(t, w.Clock.Now().After(req.Term.End.Add(24*time.Hour)), "want the service closed")
		_ = a.Tick(ctx)
		_ = b.Tick(ctx)
		w.Clock.Advance(time.Minute)
	}
	assert.Equal(t, contactcenter.Terminated, w.State(t, svc.ID))
	for _, ch := range []*memchannel.Channel{chA, chB} {
		cs, err := ch.Counts(ctx, svc.ID)
		require.NoError(t, err)
		for _, c := range cs {
			assert.Zero(t, c.Live(), "want nothing live after the close")
		}
	}
}

func TestRestart_OpensChannelsAgain(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	first, _ := w.replica(t, "", nil)
	req := conference("conf-restart")
	svc, err := first.Request(ctx, req)
	require.NoError(t, err)
	w.activate(t, first, svc)
	require.NoError(t, first.Close())

	second, ch := w.replica(t, "", nil)
	require.NoError(t, second.Tick(ctx))
	_, err = ch.Arrive(ctx, svc.ID, "chat", "attendee", w.Clock.Now())
	assert.NoError(t, err, "want the restarted process's channel open for the service")
}

func TestTick_ReportsFailedService(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	w.prov.FailSet(contactcenter.Supervisors, 1, fmt.Errorf("account full: %w", contactcenter.ErrQuota))
	svc, err := lc.Request(ctx, conference("conf-fails"))
	require.NoError(t, err)
	w.Clock.Set(svc.DeployAt())
	var failed error
	for !w.State(t, svc.ID).Final() {
		require.False(t, w.Clock.Now().After(svc.Term.Start), "want the deploy to end")
		if err := lc.Tick(ctx); errors.Is(err, contactcenter.ErrFailed) {
			failed = err
		}
		w.Clock.Advance(time.Second)
	}
	require.Equal(t, contactcenter.Failed, w.State(t, svc.ID))
	require.Error(t, failed, "want Tick to return the failure")
	assert.Contains(t, failed.Error(), svc.ID, "want the error to name the service")
	assert.Contains(t, failed.Error(), "quota", "want the error to carry the cause")
	var f *contactcenter.Failure
	require.ErrorAs(t, failed, &f, "want the typed failure in Tick's error")
	assert.Equal(t, contactcenter.Refused, f.Reason)
}
