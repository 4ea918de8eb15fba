package contactcenter

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/scaling"
	"github.com/eventcc/eventcc/template"
)

// Plans is what a request would do: the resolved configuration and the
// deploy and closing plans generated from it.
type Plans struct {
	Config template.Config
	Deploy Plan
	Close  Plan
}

var eventIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Plan resolves req and generates its plans without any side effect: a
// dry run to show, diff or review. Bad input returns an error that
// errors.As finds as a *template.ValidationError naming every bad field.
func (l *Lifecycle) Plan(ctx context.Context, req Request) (Plans, error) {
	if err := l.enter(); err != nil {
		return Plans{}, err
	}
	defer l.leave()
	if err := ctx.Err(); err != nil {
		return Plans{}, err
	}
	cfg, err := l.resolve(req, l.now())
	if err != nil {
		return Plans{}, err
	}
	return l.plans(req.EventID, cfg, l.now()), nil
}

// resolve validates req against the clock and the catalog and resolves
// its template. Every problem is reported at once.
func (l *Lifecycle) resolve(req Request, now time.Time) (template.Config, error) {
	var probs []*template.FieldError
	bad := func(path, format string, args ...any) {
		probs = append(probs, &template.FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if !eventIDPattern.MatchString(req.EventID) {
		bad("request.eventId", "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit; got %q", req.EventID)
	}
	switch {
	case req.Term.Start.IsZero():
		bad("request.term.start", "required")
	case req.Term.End.IsZero():
		bad("request.term.end", "required")
	case !req.Term.End.After(req.Term.Start):
		bad("request.term.end", "must be after the start (%s); got %s", req.Term.Start.Format(time.RFC3339), req.Term.End.Format(time.RFC3339))
	case !req.Term.End.After(now):
		bad("request.term.end", "already past (%s, now %s)", req.Term.End.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	if req.Term.TimeZone != "" {
		if _, err := time.LoadLocation(req.Term.TimeZone); err != nil {
			bad("request.term.timeZone", "unknown time zone %q", req.Term.TimeZone)
		}
	}
	if req.ExpectedAttendance < 0 {
		bad("request.expectedAttendance", "must not be negative; got %d", req.ExpectedAttendance)
	}
	kinds := make([]string, 0, len(req.Features.Modalities))
	for i, k := range req.Features.Modalities {
		if _, err := modality.ParseKind(string(k)); err != nil {
			bad(fmt.Sprintf("request.features.modalities[%d]", i), "unknown modality %q", k)
			continue
		}
		if _, ok := l.channels[k]; !ok {
			bad(fmt.Sprintf("request.features.modalities[%d]", i), "no channel of this lifecycle serves %q", k)
		}
		kinds = append(kinds, string(k))
	}
	t, err := l.cfg.Templates.Lookup(req.Template)
	if err != nil {
		probs = append(probs, &template.FieldError{Path: "request.template", Message: err.Error(), Err: err})
	}
	if len(probs) > 0 || t == nil {
		return template.Config{}, invalid(probs)
	}
	cfg, err := t.Resolve(template.Input{
		EventID:            req.EventID,
		EventType:          req.EventType,
		Start:              req.Term.Start,
		End:                req.Term.End,
		Modalities:         kinds,
		Receptionist:       req.Features.Receptionist,
		Queues:             req.Features.Queues,
		ExpectedAttendance: req.ExpectedAttendance,
		Overrides:          req.Overrides,
	})
	if err != nil {
		return template.Config{}, fmt.Errorf("contactcenter: invalid request: %w", err)
	}
	// What the template cannot know: which kinds this lifecycle serves,
	// and that telephone kinds need numbers.
	for i, m := range cfg.Modalities {
		k := modality.Kind(m.Kind)
		if _, ok := l.channels[k]; !ok {
			bad(fmt.Sprintf("config.modalities[%d].kind", i), "no channel of this lifecycle serves %q; request the modalities you serve", k)
		}
		if (k == modality.Telephony || k == modality.SMS) && cfg.Numbers.Count == 0 {
			bad("numbers.count", "modality %q needs at least one telephone number", k)
		}
	}
	if _, err := scaling.NewAutoscaler(scalingParams(cfg), nil); err != nil {
		bad("staffing", "%v", err)
	}
	// The deploy's number step needs the post-term policy as the number
	// pool has it: a forward-to number the template's pattern accepts
	// but the numbering plan does not fails here, not at deploy.
	if cfg.Numbers.Count > 0 {
		if _, err := numberPolicy(cfg.PostTerm); err != nil {
			bad("config.postTerm.forwardTo", "%v", err)
		}
	}
	if len(probs) > 0 {
		return template.Config{}, invalid(probs)
	}
	return cfg, nil
}

func invalid(probs []*template.FieldError) error {
	return fmt.Errorf("contactcenter: invalid request: %w", &template.ValidationError{Problems: probs})
}

// scalingParams converts a resolved configuration into scaling inputs.
func scalingParams(cfg template.Config) scaling.Params {
	p := scaling.Params{
		TargetUtilisation:   cfg.Staffing.TargetUtilisation,
		MinAgents:           cfg.Staffing.MinAgents,
		MaxAgents:           cfg.Staffing.MaxAgents,
		AgentsPerSupervisor: cfg.Staffing.AgentsPerSupervisor,
		LicencesPerAgent:    cfg.Capacity.LicencesPerAgent,
		SpacePerAgent:       cfg.Capacity.SpacePerAgent,
		BaseSpace:           cfg.Capacity.BaseSpace,
		MaxLicences:         cfg.Capacity.MaxLicences,
		MaxSpace:            cfg.Capacity.MaxSpace,
		ScaleDownWindow:     cfg.Staffing.ScaleDownWindow.D(),
		MaxStepUp:           cfg.Staffing.MaxStepUp,
		MaxStepDown:         cfg.Staffing.MaxStepDown,
		// The service level the Erlang policy staffs for, on a forecast
		// of each modality's arrivals.
		Targets:  scaling.Targets{ServiceLevel: cfg.Staffing.ServiceLevel.Target, Within: cfg.Staffing.ServiceLevel.Within.D()},
		Forecast: scaling.DefaultForecast(),
	}
	for _, m := range cfg.Modalities {
		p.Modalities = append(p.Modalities, scaling.Modality{
			Kind:               m.Kind,
			HandleTime:         m.HandleTime.D(),
			Concurrency:        m.Concurrency,
			SpacePerEngagement: m.SpacePerEngagement,
		})
	}
	return p
}

// plans generates the deploy and closing plans of a configuration.
func (l *Lifecycle) plans(id string, cfg template.Config, now time.Time) Plans {
	initial := scalingParams(cfg).ResourcesFor(cfg.InitialAgents, nil)
	deploy := Plan{ID: id + "/deploy", ServiceID: id, Kind: DeployKind, Created: now}
	add := func(p *Plan, s Step) {
		s.Key = fmt.Sprintf("%02d-%s", len(p.Steps)+1, s.Key)
		if s.Undo != nil {
			s.Undo.Key = s.Key + "-undo"
		}
		p.Steps = append(p.Steps, s)
	}
	if cfg.Numbers.Count > 0 {
		add(&deploy, Step{Key: "numbers", Action: ClaimNumbers, Count: cfg.Numbers.Count, Country: cfg.Numbers.Country,
			Description: fmt.Sprintf("lease %d telephone number(s) of %s from the pool", cfg.Numbers.Count, orAny(cfg.Numbers.Country)),
			Undo:        &Step{Action: ReleaseNumbers, Description: "return the numbers to the pool"}})
	}
	counts := map[Resource]int{Space: initial.Space, Licences: initial.Licences, Agents: initial.Agents, Supervisors: initial.Supervisors}
	for _, r := range Resources() {
		add(&deploy, Step{Key: string(r), Action: SetResource, Resource: r, Count: counts[r],
			Description: fmt.Sprintf("provision %d %s", counts[r], r),
			Undo:        &Step{Action: SetResource, Resource: r, Count: 0, Description: fmt.Sprintf("release all %s", r)}})
	}
	add(&deploy, Step{Key: "access", Action: GrantAccess,
		Description: "grant each agent and supervisor their role's privileges until expiry",
		Undo:        &Step{Action: RevokeAccess, Description: "revoke every grant of the service"}})
	add(&deploy, Step{Key: "publish", Action: Publish,
		Description: "publish the entry points and hours to the event system",
		Undo:        &Step{Action: Retract, Description: "retract the entry points"}})
	deploy.Digest = deploy.ComputeDigest()

	closing := Plan{ID: id + "/close", ServiceID: id, Kind: CloseKind, Created: now}
	add(&closing, Step{Key: "intake", Action: StopIntake, Description: "stop intake on every channel"})
	add(&closing, Step{Key: "disconnect", Action: Disconnect, Description: "disconnect every end point still connected"})
	add(&closing, Step{Key: "channels", Action: CloseChannels, Description: "remove the entry points from every channel"})
	add(&closing, Step{Key: "access", Action: RevokeAccess, Description: "revoke every access privilege of the service"})
	add(&closing, Step{Key: "retract", Action: Retract, Description: "retract the entry points from the event system"})
	if cfg.Numbers.Count > 0 {
		add(&closing, Step{Key: "numbers", Action: RetireNumbers,
			Description: fmt.Sprintf("retire the numbers: %s, then age %s", policyText(cfg.PostTerm), cfg.PostTerm.Aging.D())})
	}
	rs := Resources()
	for i := len(rs) - 1; i >= 0; i-- {
		add(&closing, Step{Key: string(rs[i]), Action: SetResource, Resource: rs[i], Count: 0,
			Description: fmt.Sprintf("release all %s", rs[i])})
	}
	add(&closing, Step{Key: "verify", Action: VerifyEmpty,
		Description: "verify the provisioner's inventory is empty, no grant authorises, no channel holds an end point"})
	closing.Digest = closing.ComputeDigest()
	return Plans{Config: cfg, Deploy: deploy, Close: closing}
}

func orAny(country string) string {
	if country == "" {
		return "any country"
	}
	return country
}

func policyText(p template.PostTerm) string {
	switch p.Policy {
	case template.PolicyForward:
		return fmt.Sprintf("forward to %s for %s", p.ForwardTo, p.For.D())
	case template.PolicyAnnounce:
		return fmt.Sprintf("announce %q for %s", p.Announcement, p.For.D())
	case template.PolicyVacant:
		return fmt.Sprintf("vacant for %s", p.For.D())
	case template.PolicyPark:
		return fmt.Sprintf("parked for %s", p.For.D())
	default:
		return p.Policy
	}
}

// Request validates req, resolves its template, stores the service and
// its plans, and schedules the deploy at the term's start less the
// template's lead time (at once if that has passed). Bad input returns an
// error that errors.As finds as a *template.ValidationError naming every
// bad field, and nothing is stored or provisioned. A second request for
// the same event returns an error wrapping ErrExists.
func (l *Lifecycle) Request(ctx context.Context, req Request) (Service, error) {
	if err := l.enter(); err != nil {
		return Service{}, err
	}
	defer l.leave()
	now := l.now()
	cfg, err := l.resolve(req, now)
	if err != nil {
		return Service{}, err
	}
	ps := l.plans(req.EventID, cfg, now)
	svc := Service{
		ID:         req.EventID,
		Request:    req,
		Config:     cfg,
		State:      Requested,
		Term:       req.Term,
		Expires:    req.Term.End.Add(cfg.Timing.Grace.D()),
		DeployPlan: ps.Deploy.ID,
		ClosePlan:  ps.Close.ID,
		Created:    now,
		Updated:    now,
	}
	svc, err = l.cfg.Store.Create(ctx, svc)
	if err != nil {
		return Service{}, fmt.Errorf("contactcenter: request %s: %w", req.EventID, err)
	}
	e := &entry{svc: svc, owned: l.cfg.Owner == ""}
	l.mu.Lock()
	l.services[svc.ID] = e
	l.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := l.storePlans(ctx, e, ps); err != nil {
		// The service stays Requested; the next Tick stores its plans.
		return e.svc, err
	}
	l.poke()
	return e.svc, nil
}

// storePlans stores a Requested service's plans and schedules it.
func (l *Lifecycle) storePlans(ctx context.Context, e *entry, ps Plans) error {
	for _, p := range []Plan{ps.Deploy, ps.Close} {
		if err := l.cfg.Store.PutPlan(ctx, p); err != nil {
			return fmt.Errorf("contactcenter: %s: store plan %s: %w", e.svc.ID, p.ID, err)
		}
	}
	return l.transition(ctx, e, Scheduled, "plans stored")
}

// transition moves a service to another state and stores it.
func (l *Lifecycle) transition(ctx context.Context, e *entry, to State, reason string) error {
	c, err := l.transitionTo(e, to, reason, nil)
	if err != nil {
		return err
	}
	return l.apply(ctx, e, c)
}

// apply stores a change on its own.
func (l *Lifecycle) apply(ctx context.Context, e *entry, c *change) error {
	if err := l.update(ctx, e, c.mutate); err != nil {
		return err
	}
	c.stored()
	return nil
}

// change is a change of a service to store, and what to do once it is
// stored; the executor stores a change of state with a journal entry.
type change struct {
	mutate func(*Service)
	stored func() // emits the events; called once, after the write
}

// transitionTo returns the change that moves e's service to the state to,
// doing also (if not nil) in the same write, or ErrInvalidState.
func (l *Lifecycle) transitionTo(e *entry, to State, reason string, also func(*Service)) (*change, error) {
	from := e.svc.State
	if !CanTransition(from, to) {
		return nil, fmt.Errorf("contactcenter: %s: %s to %s: %w", e.svc.ID, from, to, ErrInvalidState)
	}
	now := l.now()
	return &change{
		mutate: func(s *Service) {
			if also != nil {
				also(s)
			}
			s.State = to
			s.Timeline = append(s.Timeline, Transition{At: now, From: from, To: to, Reason: reason})
		},
		stored: func() {
			l.emit(&StateChanged{ServiceID: e.svc.ID, At: now, From: from, To: to, Reason: reason})
			l.log.Info("state changed", "service", e.svc.ID, "from", from, "to", to, "reason", reason)
			if to.Final() {
				if f, ok := l.cfg.Traffic.(scaling.Forgetter); ok {
					f.Forget(e.svc.ID)
				}
			}
		},
	}, nil
}

// update applies fn to a copy of the service, stores it, and on success
// makes it the working copy and emits the events.
func (l *Lifecycle) update(ctx context.Context, e *entry, fn func(*Service), events ...Event) error {
	s := e.svc.Clone()
	fn(&s)
	s.Updated = l.now()
	stored, err := l.cfg.Store.Update(ctx, s)
	if err != nil {
		l.reloadOnConflict(ctx, e, err)
		return fmt.Errorf("contactcenter: %s: store: %w", s.ID, err)
	}
	e.svc = stored
	for _, ev := range events {
		l.emit(ev)
	}
	return nil
}

// reloadOnConflict reloads the working copy of the service when err
// says someone else changed it, so that the next attempt starts from the
// truth.
//
// When the stored expiry is not the one the working copy had, another
// replica changed the term while this one was issuing grants or leases
// with the old expiry: they are moved to the stored one at once (see
// resync), or before anything else is done for the service if that
// fails.
func (l *Lifecycle) reloadOnConflict(ctx context.Context, e *entry, err error) {
	if !errors.Is(err, ErrConflict) {
		return
	}
	fresh, gerr := l.cfg.Store.Get(ctx, e.svc.ID)
	if gerr != nil {
		return
	}
	moved := !fresh.Expires.Equal(e.svc.Expires)
	e.svc = fresh
	if moved {
		if rerr := l.resync(ctx, e, l.now()); rerr != nil {
			l.log.Error(rerr, "move grants and leases to the stored expiry; will retry", "service", e.svc.ID)
		}
	}
}
