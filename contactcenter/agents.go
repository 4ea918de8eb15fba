package contactcenter

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventcc/eventcc/contactcenter/desk"
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
// The desk exists while the service's entry points are open on this
// process: ErrInvalidState before the service opens and after it ends;
// ErrElsewhere for a service another replica drives; ErrNotFound for an
// unknown one. Only people on duty ([Service.Staff]) may open a session;
// their skills and capacity are the roster's, whatever profile they give.
func (l *Lifecycle) Desk(ctx context.Context, serviceID string) (*desk.Desk, error) {
	ln, err := l.line(ctx, serviceID)
	if err != nil {
		return nil, err
	}
	return ln.desk, nil
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
