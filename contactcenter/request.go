package contactcenter

import (
	"context"
	"fmt"

	"github.com/eventcc/eventcc/template"
)

// Plans is what a request would do: the resolved configuration and the
// deploy and closing plans generated from it.
type Plans struct {
	Config template.Config
	Deploy Plan
	Close  Plan
}

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
	cfg, err := l.planner.resolve(req, l.now())
	if err != nil {
		return Plans{}, err
	}
	return l.planner.plans(req.EventID, cfg, l.now()), nil
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
	cfg, err := l.planner.resolve(req, now)
	if err != nil {
		return Service{}, err
	}
	ps := l.planner.plans(req.EventID, cfg, now)
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
	// Locked before a Tick can find it: a Tick running meanwhile (Run)
	// would otherwise store the plans, deploy and open it, and this
	// move to Scheduled would fail from wherever it had got to.
	fresh := newEntry(svc, l.cfg.Owner == "")
	fresh.mu.Lock()
	e := l.reg.add(fresh)
	if e != fresh {
		fresh.mu.Unlock()
		e.mu.Lock()
	}
	defer e.mu.Unlock()
	if e.svc.State != Requested {
		return e.svc, nil // a Tick that had loaded it from the store took it on
	}
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
	return l.save(ctx, e, moveTo(Scheduled, "plans stored", l.now()))
}
