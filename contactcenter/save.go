package contactcenter

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventcc/eventcc/scaling"
)

// save stores a change of e's service on its own, makes the stored
// service the working copy and tells of the change.
func (l *Lifecycle) save(ctx context.Context, e *entry, c change) error {
	s := e.svc.Clone()
	events, err := c.apply(&s)
	if err != nil {
		return err
	}
	s.Updated = l.now()
	stored, _, err := l.journal.commit(ctx, &s, nil)
	if err != nil {
		l.reloadOnConflict(ctx, e, err)
		return fmt.Errorf("contactcenter: %s: store: %w", s.ID, err)
	}
	e.set(*stored)
	l.announce(events...)
	return nil
}

// announce emits the events of a stored change. A service that reached a
// final state is forgotten by the traffic source.
func (l *Lifecycle) announce(events ...Event) {
	for _, ev := range events {
		l.emit(ev)
		sc, ok := ev.(*StateChanged)
		if !ok {
			continue
		}
		l.log.Info("state changed", "service", sc.ServiceID, "from", sc.From, "to", sc.To, "reason", sc.Reason)
		if f, ok := l.cfg.Traffic.(scaling.Forgetter); ok && sc.To.Final() {
			f.Forget(sc.ServiceID)
		}
	}
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
	e.set(fresh)
	if moved {
		if rerr := l.resync(ctx, e, l.now()); rerr != nil {
			l.log.Error(rerr, "move grants and leases to the stored expiry; will retry", "service", e.svc.ID)
		}
	}
}
