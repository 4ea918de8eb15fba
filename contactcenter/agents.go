package contactcenter

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventcc/eventcc/modality/routing"
)

// ErrElsewhere is returned for an engagement-plane call about a service
// this Lifecycle does not drive: another replica holds it.
var ErrElsewhere = errors.New("contactcenter: the service is driven by another replica")

// Desk returns the desk where the service's agents work: each opens a
// session with the bearer token of their grant (see
// [access.Authority.IssueToken]) and acts on the service's router
// through it; every action is authorised on the authority's clock.
// Agents learn of the engagements offered to them from
// [EngagementEvent]s ([Lifecycle.Subscribe]).
//
// The desk of a service open in this process acts on its router here.
// For a service another replica drives, with a [Config.Relay], Desk
// returns one that relays each action there, and the events of the
// sessions opened through it come back to this Lifecycle's subscribers.
//
// An action's decisions reach the channels and the subscribers in the
// router's order, on whichever goroutine is delivering them, and may
// arrive just after the action returns: an agent writes in a
// conversation once the EngagementEvent of its acceptance has arrived
// (the desktop's "assigned"), when its channel has the router's word.
//
// Errors: ErrInvalidState before the service opens and after it ends;
// ErrElsewhere for a service another replica drives, without a relay;
// ErrNotFound for an unknown one. Only people on duty ([Service.Staff])
// may open a session; their skills and capacity are the roster's,
// whatever profile they give.
func (l *Lifecycle) Desk(ctx context.Context, serviceID string) (Desk, error) {
	ln, err := l.line(ctx, serviceID)
	switch {
	case err == nil:
		return ln.desk, nil
	case !errors.Is(err, ErrElsewhere) || l.cfg.Relay == nil:
		return nil, err
	}
	owner, herr := l.cfg.Store.(Locator).Holder(ctx, serviceID, l.now())
	switch {
	case herr != nil:
		return nil, fmt.Errorf("contactcenter: %s: who drives it: %w", serviceID, herr)
	case owner == "" || owner == l.cfg.Owner:
		return nil, err // nobody, or this replica not yet: try again after a tick
	}
	return &remoteDesk{l: l, service: serviceID, owner: owner}, nil
}

// QueueStats returns the live statistics of the service's queues, per
// queue and kind, queues by priority, from its router in this process.
// Errors as [Lifecycle.Desk].
func (l *Lifecycle) QueueStats(ctx context.Context, serviceID string) ([]routing.Stats, error) {
	ln, err := l.line(ctx, serviceID)
	if err != nil {
		return nil, err
	}
	return ln.router.Stats(), nil
}

// line returns the service's line in this process.
func (l *Lifecycle) line(ctx context.Context, serviceID string) (*line, error) {
	if err := l.enter(); err != nil {
		return nil, err
	}
	defer l.leave()
	e, err := l.reg.entryFor(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("contactcenter: %s: %w", serviceID, err)
	}
	if ln := e.line.Load(); ln != nil {
		return ln, nil
	}
	if !l.reg.drives(e) {
		return nil, fmt.Errorf("contactcenter: %s: %w", serviceID, ErrElsewhere)
	}
	return nil, fmt.Errorf("contactcenter: %s: not open: %w", serviceID, ErrInvalidState)
}
