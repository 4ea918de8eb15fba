package contactcenter_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/template"
)

// attendeeEvents collects the AttendeeChanged events of lc.
func attendeeEvents(t *testing.T, lc *contactcenter.Lifecycle) func() []contactcenter.AttendeeChanged {
	var (
		mu  sync.Mutex
		got []contactcenter.AttendeeChanged
	)
	t.Cleanup(lc.Subscribe(func(e contactcenter.Event) {
		if a, ok := e.(*contactcenter.AttendeeChanged); ok {
			mu.Lock()
			got = append(got, *a)
			mu.Unlock()
		}
	}))
	return func() []contactcenter.AttendeeChanged {
		mu.Lock()
		defer mu.Unlock()
		return append([]contactcenter.AttendeeChanged(nil), got...)
	}
}

func TestRegisterAttendee_DefaultPrivilegesUntilExpiry(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	events := attendeeEvents(t, lc)
	ctx := context.Background()
	svc, err := lc.Request(ctx, conference("conf-a1"))
	require.NoError(t, err)

	g, err := lc.RegisterAttendee(ctx, svc.ID, "ann")
	require.NoError(t, err)
	assert.Equal(t, "conf-a1/attendee/ann", g.ID, "want the attendee's grant ID")
	assert.Equal(t, "ann", g.Principal)
	assert.Equal(t, access.KindAttendee, g.Kind, "want a grant for an attendee")
	assert.Equal(t, contactcenter.AttendeeRole, g.Role)
	assert.Equal(t, contactcenter.DefaultAttendeePrivileges(), g.Privileges,
		"the conference template has no attendee role: want the default privileges")
	assert.Equal(t, w.Clock.Now(), g.NotBefore, "want the grant valid from registration")
	assert.Equal(t, svc.Expires, g.NotAfter, "want the grant bounded by the service's expiry")

	during := svc.Term.Start.Add(time.Hour)
	assert.NoError(t, access.Authorize(ctx, w.grants, during, "ann", svc.ID, "engagement.start"),
		"a registered attendee may start engagements during the term")
	assert.ErrorIs(t, access.Authorize(ctx, w.grants, during, "ann", svc.ID, "engagement.handle"), access.ErrDenied,
		"an attendee must not get an agent's privileges")
	assert.ErrorIs(t, access.Authorize(ctx, w.grants, svc.Expires, "ann", svc.ID, "engagement.start"), access.ErrDenied,
		"the grant is void at the service's expiry")

	again, err := lc.RegisterAttendee(ctx, svc.ID, "ann")
	require.NoError(t, err)
	assert.Equal(t, g, again, "registering again: want the grant in force, unchanged")
	gs, err := w.grants.ListByPrincipal(ctx, "ann")
	require.NoError(t, err)
	assert.Len(t, gs, 1, "registering twice: want one grant")
	if evs := events(); assert.Len(t, evs, 1, "want one AttendeeChanged for two registrations") {
		assert.Equal(t, contactcenter.AttendeeChanged{ServiceID: svc.ID, At: w.Clock.Now(), Attendee: "ann",
			Registered: true, GrantID: g.ID, Expires: svc.Expires}, evs[0])
	}
}

func TestRegisterAttendee_TemplateRole(t *testing.T) {
	w := newWorld(t)
	conf, err := template.Builtin().Lookup("conference")
	require.NoError(t, err)
	conf.Access.Roles = append(conf.Access.Roles, template.Role{Name: "attendee",
		Privileges: []string{"engagement.start", "feature.vip-line"}})
	catalog, err := template.NewCatalog(conf)
	require.NoError(t, err)
	lc, err := contactcenter.New(contactcenter.Config{
		Store: w.store, Provisioner: w.prov, Access: w.grants, Numbers: w.numbers,
		Channels: []modality.Channel{w.Channel}, EventSystem: w.Events, Now: w.Clock.Now, Templates: catalog,
	})
	require.NoError(t, err)
	t.Cleanup(func() { lc.Close() })
	ctx := context.Background()
	svc, err := lc.Request(ctx, conference("conf-vip"))
	require.NoError(t, err)

	g, err := lc.RegisterAttendee(ctx, svc.ID, "vip-1")
	require.NoError(t, err)
	assert.Equal(t, []access.Privilege{"engagement.start", "feature.vip-line"}, g.Privileges,
		"want the privileges of the template's attendee role")
	assert.NoError(t, access.Authorize(ctx, w.grants, svc.Term.Start, "vip-1", svc.ID, "feature.vip-line"))
}

func TestRegisterAttendee_GrantMovesWithTheTerm(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	req := conference("conf-a2")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	_, err = lc.RegisterAttendee(ctx, svc.ID, "ann")
	require.NoError(t, err)

	expiryOf := func() (grant, service time.Time) {
		g, err := w.grants.Get(ctx, "conf-a2/attendee/ann")
		require.NoError(t, err)
		s, err := lc.Get(ctx, svc.ID)
		require.NoError(t, err)
		return g.NotAfter, s.Expires
	}
	require.NoError(t, lc.Extend(ctx, svc.ID, req.Term.End.Add(2*time.Hour)))
	g, s := expiryOf()
	assert.Equal(t, s, g, "after Extend: want the attendee's grant to end at the new expiry")
	require.NoError(t, lc.Shorten(ctx, svc.ID, req.Term.End.Add(-time.Hour)))
	g, s = expiryOf()
	assert.Equal(t, s, g, "after Shorten: want the attendee's grant pulled in to the new expiry")
}

func TestUnregisterAttendee(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	events := attendeeEvents(t, lc)
	ctx := context.Background()
	svc, err := lc.Request(ctx, conference("conf-a3"))
	require.NoError(t, err)
	during := svc.Term.Start.Add(time.Hour)

	require.NoError(t, lc.UnregisterAttendee(ctx, svc.ID, "never-registered"), "unregistering someone never registered is not an error")
	_, err = lc.RegisterAttendee(ctx, svc.ID, "ann")
	require.NoError(t, err)
	_, err = lc.RegisterAttendee(ctx, svc.ID, "bob")
	require.NoError(t, err)

	require.NoError(t, lc.UnregisterAttendee(ctx, svc.ID, "ann"))
	require.NoError(t, lc.UnregisterAttendee(ctx, svc.ID, "ann"), "unregistering again is not an error")
	assert.ErrorIs(t, access.Authorize(ctx, w.grants, during, "ann", svc.ID, "engagement.start"), access.ErrDenied,
		"after unregistering: want ann denied")
	assert.NoError(t, access.Authorize(ctx, w.grants, during, "bob", svc.ID, "engagement.start"),
		"unregistering ann must not touch bob's grant")

	g, err := lc.RegisterAttendee(ctx, svc.ID, "ann")
	require.NoError(t, err)
	assert.Equal(t, "conf-a3/attendee/ann#2", g.ID, "registering after unregistering: want a new grant, the old one stays revoked")
	assert.NoError(t, access.Authorize(ctx, w.grants, during, "ann", svc.ID, "engagement.start"),
		"registered again: want ann allowed")

	var kinds []string
	for _, e := range events() {
		kinds = append(kinds, fmt.Sprintf("%s %v %s", e.Attendee, e.Registered, e.GrantID))
	}
	assert.Equal(t, []string{
		"ann true conf-a3/attendee/ann",
		"bob true conf-a3/attendee/bob",
		"ann false conf-a3/attendee/ann",
		"ann true conf-a3/attendee/ann#2",
	}, kinds, "want one event per grant issued or revoked")
}

func TestRegisterAttendee_Refusals(t *testing.T) {
	ctx := context.Background()
	t.Run("unknown service", func(t *testing.T) {
		lc := newWorld(t).lifecycle(t)
		_, err := lc.RegisterAttendee(ctx, "nope", "ann")
		assert.ErrorIs(t, err, contactcenter.ErrNotFound)
		assert.ErrorIs(t, lc.UnregisterAttendee(ctx, "nope", "ann"), contactcenter.ErrNotFound)
	})
	t.Run("empty attendee", func(t *testing.T) {
		w := newWorld(t)
		lc := w.lifecycle(t)
		svc, err := lc.Request(ctx, conference("conf-r0"))
		require.NoError(t, err)
		_, err = lc.RegisterAttendee(ctx, svc.ID, "")
		assert.ErrorIs(t, err, contactcenter.ErrPermanent, "an empty attendee id: want a permanent error")
	})
	t.Run("expired", func(t *testing.T) {
		w := newWorld(t)
		lc := w.lifecycle(t)
		svc, err := lc.Request(ctx, conference("conf-r1"))
		require.NoError(t, err)
		w.Clock.Set(svc.Expires)
		_, err = lc.RegisterAttendee(ctx, svc.ID, "ann")
		assert.ErrorIs(t, err, contactcenter.ErrExpired, "registering at the expiry: want ErrExpired")
	})
	t.Run("cancelled", func(t *testing.T) {
		w := newWorld(t)
		lc := w.lifecycle(t)
		svc, err := lc.Request(ctx, conference("conf-r2"))
		require.NoError(t, err)
		require.NoError(t, lc.Cancel(ctx, svc.ID, "rain"))
		_, err = lc.RegisterAttendee(ctx, svc.ID, "ann")
		assert.ErrorIs(t, err, contactcenter.ErrInvalidState, "registering after a cancellation: want ErrInvalidState")
		assert.NoError(t, lc.UnregisterAttendee(ctx, svc.ID, "ann"), "unregistering is allowed in every state")
	})
	t.Run("done context", func(t *testing.T) {
		w := newWorld(t)
		lc := w.lifecycle(t)
		svc, err := lc.Request(ctx, conference("conf-r3"))
		require.NoError(t, err)
		done, cancel := context.WithCancel(ctx)
		cancel()
		_, err = lc.RegisterAttendee(done, svc.ID, "ann")
		assert.ErrorIs(t, err, context.Canceled)
		gs, err := w.grants.ListByService(ctx, svc.ID)
		require.NoError(t, err)
		assert.Empty(t, gs, "a registration with a done ctx: want no grant")
	})
}

// TestAttendees_NothingLeftBehind checks that attendee grants end with
// the service, whether it closes at its expiry or is cancelled before it
// was ever deployed.
func TestAttendees_NothingLeftBehind(t *testing.T) {
	ctx := context.Background()
	t.Run("closed at expiry", func(t *testing.T) {
		w := newWorld(t)
		lc := w.lifecycle(t)
		svc, err := lc.Request(ctx, conference("conf-n1"))
		require.NoError(t, err)
		_, err = lc.RegisterAttendee(ctx, svc.ID, "ann")
		require.NoError(t, err)
		w.runUntil(t, lc, 15*time.Minute, svc.Expires.Add(24*time.Hour), func() bool {
			return w.State(t, svc.ID) == contactcenter.Terminated
		})
		w.AssertNothingLeft(t, svc.ID)
		g, err := w.grants.Get(ctx, "conf-n1/attendee/ann")
		require.NoError(t, err)
		assert.True(t, g.Revoked, "the closing plan revokes the attendee's grant")
	})
	t.Run("cancelled before deploy", func(t *testing.T) {
		w := newWorld(t)
		lc := w.lifecycle(t)
		svc, err := lc.Request(ctx, conference("conf-n2"))
		require.NoError(t, err)
		_, err = lc.RegisterAttendee(ctx, svc.ID, "ann")
		require.NoError(t, err)
		require.NoError(t, lc.Cancel(ctx, svc.ID, "rain"))
		require.Equal(t, contactcenter.Cancelled, w.State(t, svc.ID))
		w.Clock.Set(svc.Term.Start.Add(time.Hour)) // during what would have been the term
		w.AssertNothingLeft(t, svc.ID)
	})
}

func TestRegisterAttendee_Concurrent(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	svc, err := lc.Request(ctx, conference("conf-c"))
	require.NoError(t, err)
	const workers, attendees = 8, 10
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for i := range workers {
		wg.Go(func() {
			for a := range attendees {
				id := fmt.Sprint("att-", a)
				var err error
				if i%4 == 3 {
					err = lc.UnregisterAttendee(ctx, svc.ID, id)
				}
				if err == nil {
					_, err = lc.RegisterAttendee(ctx, svc.ID, id)
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	require.Empty(t, errs, "concurrent registrations: want no error")
	for a := range attendees {
		id := fmt.Sprint("att-", a)
		gs, err := w.grants.ListByPrincipal(ctx, id)
		require.NoError(t, err)
		live := 0
		for _, g := range gs {
			if !g.Revoked {
				live++
			}
		}
		assert.Equal(t, 1, live, "%s after concurrent register and unregister ending in register: want exactly one grant in force", id)
	}
}
