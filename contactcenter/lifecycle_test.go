package contactcenter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/template"
)

func TestLifecycle_WholeLife(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	var events []contactcenter.Event
	defer lc.Subscribe(func(e contactcenter.Event) { events = append(events, e) })()

	req := conference("conf-1")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, contactcenter.Scheduled, svc.State)
	assert.Equal(t, req.Term.End.Add(svc.Config.Timing.Grace.D()), svc.Expires)

	// Nothing happens before the deploy time.
	require.NoError(t, lc.Tick(ctx))
	assert.Equal(t, contactcenter.Scheduled, w.State(t, "conf-1"))

	// Deployed at the lead time, ready before the start.
	w.Clock.Set(svc.DeployAt())
	require.NoError(t, lc.Tick(ctx))
	s, err := lc.Get(ctx, "conf-1")
	require.NoError(t, err)
	assert.Equal(t, contactcenter.Ready, s.State)
	assert.Len(t, s.Numbers, svc.Config.Numbers.Count)
	assert.Equal(t, svc.Config.InitialAgents, s.Resources.Agents)
	assert.Len(t, s.Agents, s.Resources.Agents)
	pub, ok := w.Events.Published("conf-1")
	require.True(t, ok, "entry points published at deploy")
	assert.Equal(t, req.Term.Start, pub.Opens)
	_, err = w.Channel.Arrive(ctx, "conf-1", "chat", "early-bird", w.Clock.Now())
	assert.Error(t, err, "intake is closed before the term starts")

	// Opens at the start: agents are authorised, attendees get through.
	w.Clock.Set(req.Term.Start)
	require.NoError(t, lc.Tick(ctx))
	assert.Equal(t, contactcenter.Active, w.State(t, "conf-1"))
	require.NoError(t, access.Authorize(ctx, w.grants, w.Clock.Now(), s.Agents[0], "conf-1", "engagement.handle"))
	_, err = w.Channel.Arrive(ctx, "conf-1", "chat", "attendee", w.Clock.Now())
	require.NoError(t, err)

	// Intake stops at the end; the closing plan runs at expiry.
	w.runUntil(t, lc, time.Minute, req.Term.End.Add(6*time.Hour), func() bool {
		return w.State(t, "conf-1").Final()
	})
	s, err = lc.Get(ctx, "conf-1")
	require.NoError(t, err)
	assert.Equal(t, contactcenter.Terminated, s.State)
	require.NotNil(t, s.Closing)
	assert.Equal(t, 1, s.Closing.Disconnected, "the attendee still connected at expiry is disconnected")
	assert.Empty(t, s.Closing.Remaining)
	assert.False(t, s.Closing.Verified.IsZero())
	assert.Len(t, s.Closing.Numbers, svc.Config.Numbers.Count)
	assert.False(t, w.Clock.Now().Before(s.Expires), "closed at or after expiry")
	w.AssertNothingLeft(t, "conf-1")

	var states []contactcenter.State
	for _, e := range events {
		if sc, ok := e.(*contactcenter.StateChanged); ok {
			states = append(states, sc.To)
		}
	}
	assert.Equal(t, []contactcenter.State{contactcenter.Scheduled, contactcenter.Deploying, contactcenter.Ready,
		contactcenter.Active, contactcenter.Terminating, contactcenter.Terminated}, states)

	rep, err := lc.Report(ctx, "conf-1")
	require.NoError(t, err)
	assert.Greater(t, rep.AgentHours, 0.0)
	assert.Greater(t, rep.LicenceHours, 0.0)
	assert.Greater(t, rep.SpaceHours, 0.0)
}

func TestLifecycle_FailsClosedAtExpiryWithoutClosingPlan(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	req := conference("conf-fc")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	w.Clock.Set(req.Term.Start)
	require.NoError(t, lc.Tick(ctx))
	s, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	require.Equal(t, contactcenter.Active, s.State)
	require.NotEmpty(t, s.Numbers)
	agent := s.Agents[0]

	// The closing plan never runs (the process is down); checks still
	// compare against the clock.
	cases := []struct {
		at       time.Time
		allowed  bool
		wantKind numbermap.RouteKind
	}{
		{s.Expires.Add(-time.Nanosecond), true, numbermap.RouteService},
		{s.Expires, false, numbermap.RouteForward},
		{s.Expires.Add(time.Nanosecond), false, numbermap.RouteForward},
	}
	for _, c := range cases {
		err := access.Authorize(ctx, w.grants, c.at, agent, svc.ID, "engagement.handle")
		if c.allowed {
			assert.NoError(t, err, "allowed at %s", c.at)
		} else {
			assert.ErrorIs(t, err, access.ErrDenied, "denied at %s", c.at)
		}
		rt, err := numbermap.Lookup(ctx, w.numbers, s.Numbers[0], c.at)
		require.NoError(t, err)
		assert.Equal(t, c.wantKind, rt.Kind, "route at %s", c.at)
	}
}

// TestLifecycle_ParkedNumbers: a template's park policy holds the
// service's numbers unassigned from the expiry instant, whether or not the
// closing plan ran, and they stay out of the pool until they have aged.
func TestLifecycle_ParkedNumbers(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	req := conference("conf-park")
	req.Overrides.PostTerm = &template.PostTerm{Policy: numbermap.Park, For: template.Duration(30 * 24 * time.Hour),
		Aging: template.Duration(90 * 24 * time.Hour)}
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	w.Clock.Set(req.Term.Start)
	require.NoError(t, lc.Tick(ctx))
	s, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	require.NotEmpty(t, s.Numbers)
	for _, c := range []struct {
		at   time.Time
		want numbermap.RouteKind
	}{
		{s.Expires.Add(-time.Nanosecond), numbermap.RouteService},
		{s.Expires, numbermap.RouteParked},
		{s.Expires.Add(30*24*time.Hour - time.Nanosecond), numbermap.RouteParked},
		{s.Expires.Add(30 * 24 * time.Hour), numbermap.RouteVacant},
		{s.Expires.Add(120 * 24 * time.Hour), numbermap.RouteUnassigned},
	} {
		rt, err := numbermap.Lookup(ctx, w.numbers, s.Numbers[0], c.at)
		require.NoError(t, err)
		assert.Equal(t, c.want, rt.Kind, "route at expiry%+v", c.at.Sub(s.Expires))
	}
	for !s.State.Final() {
		w.Clock.Advance(time.Hour)
		require.NoError(t, lc.Tick(ctx))
		s, err = lc.Get(ctx, svc.ID)
		require.NoError(t, err)
	}
	require.Equal(t, contactcenter.Terminated, s.State, "want the service closed with its numbers parked")
	require.NotEmpty(t, s.Closing.Numbers)
	for _, n := range s.Closing.Numbers {
		assert.Equal(t, numbermap.RouteParked, n.Route, "closing report: want %s parked", n.Number)
	}
	rt, err := numbermap.Lookup(ctx, w.numbers, s.Closing.Numbers[0].Number, w.Clock.Now())
	require.NoError(t, err)
	assert.Equal(t, numbermap.RouteParked, rt.Kind, "after the closing plan: want the number parked")
}

func TestLifecycle_PlanIsADryRun(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	plans, err := lc.Plan(ctx, conference("conf-dry"))
	require.NoError(t, err)
	require.NotEmpty(t, plans.Deploy.Steps)
	require.NotEmpty(t, plans.Close.Steps)
	assert.Equal(t, plans.Deploy.ComputeDigest(), plans.Deploy.Digest)

	// Serialisable: a JSON round trip keeps the plan and its digest.
	b, err := json.Marshal(plans.Deploy)
	require.NoError(t, err)
	var back contactcenter.Plan
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, plans.Deploy.Digest, back.ComputeDigest())

	// Stable: the same request plans the same steps.
	again, err := lc.Plan(ctx, conference("conf-dry"))
	require.NoError(t, err)
	assert.Equal(t, plans.Deploy.Digest, again.Deploy.Digest)
	assert.Equal(t, plans.Close.Digest, again.Close.Digest)

	// No side effects anywhere.
	_, err = w.store.Get(ctx, "conf-dry")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound)
	inv, err := w.Provisioner.Inventory(ctx, "conf-dry")
	require.NoError(t, err)
	assert.Empty(t, inv)
	recs, err := w.numbers.ListByService(ctx, "conf-dry")
	require.NoError(t, err)
	assert.Empty(t, recs)
}

// An unknown template is one problem, said once, that errors.Is still
// finds.
func TestLifecycle_UnknownTemplateSaidOnce(t *testing.T) {
	w := newWorld(t)
	req := conference("conf-rodeo")
	req.Template = "rodeo"
	_, err := w.lifecycle(t).Request(context.Background(), req)
	require.ErrorIs(t, err, template.ErrUnknownTemplate)
	assert.Equal(t, 1, strings.Count(err.Error(), `"rodeo"`), "want the unknown template named once in %q", err)
	var fe *template.FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "request.template", fe.Path)
}

func TestLifecycle_BadInputNamesTheFieldAndProvisionsNothing(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*contactcenter.Request)
		path   string
		is     error
	}{
		{"unknown template", func(r *contactcenter.Request) { r.Template = "rodeo" }, "request.template", template.ErrUnknownTemplate},
		{"end before start", func(r *contactcenter.Request) { r.Term.End = r.Term.Start.Add(-time.Hour) }, "request.term.end", nil},
		{"end in the past", func(r *contactcenter.Request) {
			r.Term.Start = t0.Add(-48 * time.Hour)
			r.Term.End = t0.Add(-24 * time.Hour)
		}, "request.term.end", nil},
		{"unknown modality", func(r *contactcenter.Request) { r.Features.Modalities = []modality.Kind{"fax"} }, "request.features.modalities[0]", nil},
		{"bad time zone", func(r *contactcenter.Request) { r.Term.TimeZone = "Mars/Olympus" }, "request.term.timeZone", nil},
		{"bad event id", func(r *contactcenter.Request) { r.EventID = "no spaces please" }, "request.eventId", nil},
		{"malformed forwarding number", func(r *contactcenter.Request) {
			r.Overrides.PostTerm = &template.PostTerm{Policy: numbermap.Forward, ForwardTo: "+1-CALL-NOW", Aging: template.Duration(90 * 24 * time.Hour)}
		}, "request.overrides.postTerm.forwardTo", nil},
		{"forwarding number of no country", func(r *contactcenter.Request) {
			// E.164 in shape, but no country has the code +28: the
			// deploy's number step could not use it, so it is refused up
			// front, by the template, with numbermap's definition.
			r.Overrides.PostTerm = &template.PostTerm{Policy: numbermap.Forward, ForwardTo: "+2812345678",
				For: template.Duration(30 * 24 * time.Hour), Aging: template.Duration(90 * 24 * time.Hour)}
		}, "request.overrides.postTerm.forwardTo", nil},
		{"country with no telephone numbers", func(r *contactcenter.Request) {
			xx := "XX"
			r.Overrides.Country = &xx
		}, "request.overrides.country", nil},
		{"wrong event type", func(r *contactcenter.Request) { r.EventType = "rodeo" }, "request.eventType", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			lc := w.lifecycle(t)
			ctx := context.Background()
			req := conference("conf-bad")
			c.mutate(&req)
			for _, call := range []func() error{
				func() error { _, err := lc.Plan(ctx, req); return err },
				func() error { _, err := lc.Request(ctx, req); return err },
			} {
				err := call()
				require.Error(t, err)
				var ve *template.ValidationError
				require.ErrorAs(t, err, &ve, "want a *template.ValidationError, got %v", err)
				var paths []string
				for _, p := range ve.Problems {
					paths = append(paths, p.Path)
				}
				assert.Contains(t, paths, c.path, "error %q should name %s", err, c.path)
				if c.is != nil {
					assert.ErrorIs(t, err, c.is)
				}
			}
			svcs, err := w.store.List(ctx)
			require.NoError(t, err)
			assert.Empty(t, svcs, "nothing stored")
			assert.Zero(t, w.Provisioner.Total(contactcenter.Agents), "nothing provisioned")
			recs, err := w.numbers.ListByService(ctx, "conf-bad")
			require.NoError(t, err)
			assert.Empty(t, recs, "no number claimed")
		})
	}
}

func TestLifecycle_DuplicateRequest(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	_, err := lc.Request(ctx, conference("conf-dup"))
	require.NoError(t, err)
	_, err = lc.Request(ctx, conference("conf-dup"))
	assert.ErrorIs(t, err, contactcenter.ErrExists)
}

func TestNew_ReportsEveryProblem(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		name   string
		edit   func(*contactcenter.Config)
		fields []string // every bad field, in field order
	}{
		{"Empty", func(c *contactcenter.Config) { *c = contactcenter.Config{TickInterval: -time.Second} },
			[]string{"Store", "Provisioner", "Access", "Numbers", "Channels", "EventSystem", "TickInterval"}},
		{"Channels", func(c *contactcenter.Config) { c.Channels = []modality.Channel{w.Channel, nil, w.Channel} },
			[]string{"Channels[1]", "Channels[2]"}},
		{"Durations", func(c *contactcenter.Config) {
			c.Retry = contactcenter.Retry{Initial: time.Minute, Max: time.Second, MaxElapsed: -time.Second}
			c.Parallelism, c.LeaseTTL = -1, -time.Second
		}, []string{"Retry.Initial", "Retry.MaxElapsed", "Parallelism", "LeaseTTL"}},
		{"NegativeRetry", func(c *contactcenter.Config) { c.Retry = contactcenter.Retry{Initial: -1, Max: -1} },
			[]string{"Retry.Initial", "Retry.Max"}},
		{"OwnerWithoutLeaser", func(c *contactcenter.Config) { c.Store, c.Owner = storeOnly{w.store}, "a" },
			[]string{"Owner"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := w.Config("")
			tc.edit(&cfg)
			lc, err := contactcenter.New(cfg)
			assert.Nil(t, lc, "an invalid Config gives no Lifecycle")
			var ce *contactcenter.ConfigError
			require.ErrorAs(t, err, &ce, "want a *ConfigError")
			assert.Equal(t, "contactcenter.Config", ce.Config)
			var fields []string
			for _, p := range ce.Problems {
				fields = append(fields, p.Field)
				assert.NotEmpty(t, p.Message, "%s: want what is wrong", p.Field)
			}
			assert.Equal(t, tc.fields, fields, "want every bad field named, in field order: %v", err)
			var ae *access.ConfigError
			assert.ErrorAs(t, err, &ae, "access.ConfigError is the same type")
		})
	}
	t.Run("Message", func(t *testing.T) {
		cfg := w.Config("")
		cfg.Store, cfg.Channels = nil, []modality.Channel{w.Channel, w.Channel}
		_, err := contactcenter.New(cfg)
		var kinds []string
		for _, k := range w.Channel.Kinds() {
			kinds = append(kinds, strconv.Quote(string(k)))
		}
		require.Greater(t, len(kinds), 1, "the test channel should serve several kinds")
		assert.EqualError(t, err, "contactcenter.Config: Store: required; Channels[1]: kinds "+strings.Join(kinds, ", ")+" are already served by Channels[0]")
	})
}

func TestLifecycle_TransientFaultsStillDeploy(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	w.prov.FailSet(contactcenter.Agents, 3, errors.New("provider timeout"))
	req := conference("conf-flaky")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	var retries int
	defer lc.Subscribe(func(e contactcenter.Event) {
		if se, ok := e.(*contactcenter.StepEvent); ok && !se.RetryAt.IsZero() {
			retries++
		}
	})()
	w.Clock.Set(svc.DeployAt())
	w.runUntil(t, lc, time.Second, req.Term.Start, func() bool { return w.State(t, svc.ID) == contactcenter.Ready })
	assert.Equal(t, 3, retries, "each transient failure is retried")
	s, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	assert.Equal(t, svc.Config.InitialAgents, s.Resources.Agents)
}

func TestLifecycle_PermanentFaultUndoesEverything(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	w.prov.FailSet(contactcenter.Supervisors, 1, fmt.Errorf("account full: %w", contactcenter.ErrQuota))
	req := conference("conf-doomed")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	w.Clock.Set(svc.DeployAt())
	w.runUntil(t, lc, time.Second, req.Term.Start, func() bool { return w.State(t, svc.ID).Final() })
	s, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	assert.Equal(t, contactcenter.Failed, s.State)
	require.NotNil(t, s.Err, "a Failed service says why")
	assert.Equal(t, contactcenter.Refused, s.Err.Reason, "a quota is a refusal, not a give-up")
	assert.Equal(t, contactcenter.SetResource, s.Err.Action)
	assert.Contains(t, s.Err.Step, string(contactcenter.Supervisors))
	assert.Contains(t, s.Err.Message, "account full")
	w.AssertNothingLeft(t, svc.ID)
	// The numbers went back to the pool at once: another service can have them.
	recs, err := w.numbers.ListByService(ctx, svc.ID)
	require.NoError(t, err)
	assert.Empty(t, recs)
}

func TestLifecycle_ExtensionRacingExpiry(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	req := conference("conf-ext")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	w.Clock.Set(req.Term.Start)
	require.NoError(t, lc.Tick(ctx))
	s, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	agent := s.Agents[0]

	// Before expiry: the extension moves the expiry, grants and numbers.
	w.Clock.Set(s.Expires.Add(-time.Minute))
	newEnd := req.Term.End.Add(2 * time.Hour)
	require.NoError(t, lc.Extend(ctx, svc.ID, newEnd))
	s, err = lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	assert.Equal(t, newEnd, s.Term.End)
	oldExpiry := req.Term.End.Add(s.Config.Timing.Grace.D())
	assert.Equal(t, newEnd.Add(s.Config.Timing.Grace.D()), s.Expires)
	require.NoError(t, lc.Tick(ctx))
	w.Clock.Set(oldExpiry)
	require.NoError(t, lc.Tick(ctx))
	assert.Equal(t, contactcenter.Active, w.State(t, svc.ID), "still active past the old expiry")
	assert.NoError(t, access.Authorize(ctx, w.grants, oldExpiry, agent, svc.ID, "engagement.handle"))
	rt, err := numbermap.Lookup(ctx, w.numbers, s.Numbers[0], oldExpiry)
	require.NoError(t, err)
	assert.Equal(t, numbermap.RouteService, rt.Kind)

	// Closing runs at the new expiry.
	w.runUntil(t, lc, time.Minute, s.Expires.Add(time.Hour), func() bool { return w.State(t, svc.ID).Final() })
	final, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	assert.Equal(t, contactcenter.Terminated, final.State)
	assert.False(t, final.Closing.Verified.Before(s.Expires), "closed at the new expiry, not before")

	// After expiry: refused with a clear error.
	err = lc.Extend(ctx, svc.ID, newEnd.Add(time.Hour))
	assert.ErrorIs(t, err, contactcenter.ErrInvalidState)
}

func TestLifecycle_ExtensionAfterExpiryBeforeClosingIsRefused(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	req := conference("conf-late")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	w.Clock.Set(req.Term.Start)
	require.NoError(t, lc.Tick(ctx))
	s, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	// Expired, but no tick has run the closing plan yet.
	w.Clock.Set(s.Expires)
	err = lc.Extend(ctx, svc.ID, req.Term.End.Add(time.Hour))
	assert.ErrorIs(t, err, contactcenter.ErrExpired)
	assert.Contains(t, err.Error(), "expired at")
}

// Extending to the current end stores nothing and emits nothing, but
// moves a grant an earlier change failing half-way left behind.
func TestLifecycle_ExtendToTheCurrentEndRepairsOnly(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	req := conference("conf-same")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	w.activate(t, lc, svc)
	before, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	// A grant left behind: its end short of the service's expiry, as an
	// extension that stored the term and died before moving it leaves.
	g, err := w.grants.Get(ctx, access.GrantID(svc.ID, before.Agents[0]))
	require.NoError(t, err)
	g.NotAfter = before.Expires.Add(-time.Hour)
	_, err = w.grants.Update(ctx, g)
	require.NoError(t, err)

	var events []contactcenter.Event
	defer lc.Subscribe(func(e contactcenter.Event) { events = append(events, e) })()
	require.NoError(t, lc.Extend(ctx, svc.ID, before.Term.End))
	after, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	assert.Equal(t, before.Revision, after.Revision, "want nothing stored")
	assert.Empty(t, events, "want no event")
	g, err = w.grants.Get(ctx, g.ID)
	require.NoError(t, err)
	assert.Equal(t, before.Expires, g.NotAfter, "want the grant left behind moved to the expiry")
}

// A term change refused for its input is a *template.ValidationError
// naming the field and the condition that failed.
func TestLifecycle_BadTermChangesNameTheField(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	req := conference("conf-terms")
	_, err := lc.Request(ctx, req)
	require.NoError(t, err)
	cases := []struct {
		name string
		call func() error
		path string
		says string
	}{
		{"extend to before the end", func() error { return lc.Extend(ctx, req.EventID, req.Term.End.Add(-time.Hour)) }, "term.end", "use Shorten"},
		{"shorten to after the end", func() error { return lc.Shorten(ctx, req.EventID, req.Term.End.Add(time.Hour)) }, "term.end", "use Extend"},
		{"shorten to the start", func() error { return lc.Shorten(ctx, req.EventID, req.Term.Start) }, "term.end", "use Cancel"},
		{"reschedule without a start", func() error {
			return lc.Reschedule(ctx, req.EventID, contactcenter.Term{End: req.Term.End})
		}, "term.start", "required"},
		{"reschedule into the past", func() error {
			return lc.Reschedule(ctx, req.EventID, contactcenter.Term{Start: t0.Add(-2 * time.Hour), End: t0.Add(-time.Hour)})
		}, "term.end", "has passed"},
		{"reschedule to an unknown zone", func() error {
			tm := req.Term
			tm.TimeZone = "Mars/Olympus"
			return lc.Reschedule(ctx, req.EventID, tm)
		}, "term.timeZone", "Mars/Olympus"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			var ve *template.ValidationError
			require.ErrorAs(t, err, &ve, "want a *template.ValidationError, got %v", err)
			require.Len(t, ve.Problems, 1)
			assert.Equal(t, c.path, ve.Problems[0].Path)
			assert.Contains(t, ve.Problems[0].Message, c.says)
		})
	}
	s, err := lc.Get(ctx, req.EventID)
	require.NoError(t, err)
	assert.Equal(t, req.Term, s.Term, "want the term unchanged")
}

func TestLifecycle_ShortenPullsGrantsIn(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	req := conference("conf-short")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	w.Clock.Set(req.Term.Start)
	require.NoError(t, lc.Tick(ctx))
	newEnd := req.Term.Start.Add(2 * time.Hour)
	require.NoError(t, lc.Shorten(ctx, svc.ID, newEnd))
	s, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	expires := newEnd.Add(s.Config.Timing.Grace.D())
	assert.Equal(t, expires, s.Expires)
	gs, err := w.grants.ListByService(ctx, svc.ID)
	require.NoError(t, err)
	require.NotEmpty(t, gs)
	for _, g := range gs {
		if !g.Revoked {
			assert.Equal(t, expires, g.NotAfter, "grant %s follows the shortened term", g.ID)
		}
	}
	assert.ErrorIs(t, access.Authorize(ctx, w.grants, expires, s.Agents[0], svc.ID, "engagement.handle"), access.ErrDenied)
	assert.Error(t, lc.Shorten(ctx, svc.ID, req.Term.Start), "shortening to the start is a cancellation")
}

func TestLifecycle_Cancel(t *testing.T) {
	t.Run("before deploy", func(t *testing.T) {
		w := newWorld(t)
		lc := w.lifecycle(t)
		ctx := context.Background()
		svc, err := lc.Request(ctx, conference("conf-c1"))
		require.NoError(t, err)
		require.NoError(t, lc.Cancel(ctx, svc.ID, "venue flooded"))
		require.NoError(t, lc.Cancel(ctx, svc.ID, "venue flooded"), "cancelling again is not an error")
		assert.Equal(t, contactcenter.Cancelled, w.State(t, svc.ID))
		w.Clock.Set(svc.DeployAt())
		require.NoError(t, lc.Tick(ctx))
		w.AssertNothingLeft(t, svc.ID)
		assert.Zero(t, w.Provisioner.Total(contactcenter.Agents))
	})
	t.Run("while active", func(t *testing.T) {
		w := newWorld(t)
		lc := w.lifecycle(t)
		ctx := context.Background()
		req := conference("conf-c2")
		svc, err := lc.Request(ctx, req)
		require.NoError(t, err)
		w.Clock.Set(req.Term.Start.Add(time.Hour))
		require.NoError(t, lc.Tick(ctx))
		s, err := lc.Get(ctx, svc.ID)
		require.NoError(t, err)
		require.Equal(t, contactcenter.Active, s.State)
		require.NoError(t, lc.Cancel(ctx, svc.ID, "storm warning"))
		// Fails closed at once, before any tick.
		assert.ErrorIs(t, access.Authorize(ctx, w.grants, w.Clock.Now(), s.Agents[0], svc.ID, "engagement.handle"), access.ErrDenied)
		require.NoError(t, lc.Tick(ctx))
		final, err := lc.Get(ctx, svc.ID)
		require.NoError(t, err)
		assert.Equal(t, contactcenter.Cancelled, final.State)
		assert.Equal(t, "storm warning", final.CancelReason)
		w.AssertNothingLeft(t, svc.ID)
	})
}

func TestLifecycle_Terminate(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	ctx := context.Background()
	req := conference("conf-t")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	w.Clock.Set(req.Term.Start)
	require.NoError(t, lc.Tick(ctx))
	require.NoError(t, lc.Terminate(ctx, svc.ID, ""))
	require.NoError(t, lc.Tick(ctx))
	assert.Equal(t, contactcenter.Terminated, w.State(t, svc.ID))
	w.AssertNothingLeft(t, svc.ID)
}

func TestLifecycle_ClosedReturnsErrClosed(t *testing.T) {
	w := newWorld(t)
	lc := w.lifecycle(t)
	require.NoError(t, lc.Close())
	require.NoError(t, lc.Close(), "Close is idempotent")
	ctx := context.Background()
	_, err := lc.Request(ctx, conference("x"))
	assert.ErrorIs(t, err, contactcenter.ErrClosed)
	assert.ErrorIs(t, lc.Tick(ctx), contactcenter.ErrClosed)
	assert.ErrorIs(t, lc.Run(ctx), contactcenter.ErrClosed)
	_, err = lc.Get(ctx, "x")
	assert.ErrorIs(t, err, contactcenter.ErrClosed)
}

func TestCanTransition(t *testing.T) {
	assert.True(t, contactcenter.CanTransition(contactcenter.Scheduled, contactcenter.Deploying))
	assert.False(t, contactcenter.CanTransition(contactcenter.Scheduled, contactcenter.Active), "no skipping the deploy")
	assert.False(t, contactcenter.CanTransition(contactcenter.Terminated, contactcenter.Active), "terminal states are final")
	assert.False(t, contactcenter.CanTransition(contactcenter.Active, contactcenter.Terminated), "closing runs first")
	for _, s := range []contactcenter.State{contactcenter.Terminated, contactcenter.Cancelled, contactcenter.Failed} {
		assert.True(t, s.Final())
	}
}
