package contactcenter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/template"
)

// Extend moves the end of a service's term later, to end: the expiry, the
// closing plan, every grant's NotAfter and every number's retirement move
// with it, and the published hours are updated. It is refused with an
// error wrapping ErrExpired once the service has expired (its closing is
// then under way), and with ErrInvalidState for a service that is
// closing or closed; an end before the current one is an error that
// errors.As finds as a *template.ValidationError naming "term.end".
// Extending to the current end changes nothing in the service and emits
// no event; it moves any grant or number lease, and republishes the
// hours, that an earlier change failing half-way left behind.
func (l *Lifecycle) Extend(ctx context.Context, id string, end time.Time) error {
	return l.changeTerm(ctx, id, "extended", "", func(s *Service, now time.Time) (Term, error) {
		if end.Before(s.Term.End) {
			return Term{}, badTerm(id, "extend", "term.end", "%s is before the current end %s (use Shorten)",
				end.Format(time.RFC3339), s.Term.End.Format(time.RFC3339))
		}
		t := s.Term
		t.End = end
		return t, nil
	})
}

// Shorten moves the end of a service's term earlier, to end, which must
// be after the term's start; if end has passed, the service stops intake
// and expires after the template's grace from end, at the next Tick.
// Grants and numbers are pulled in with it at once. Errors as for Extend;
// an end after the current one, or not after the start, names
// "term.end".
func (l *Lifecycle) Shorten(ctx context.Context, id string, end time.Time) error {
	return l.changeTerm(ctx, id, "shortened", "", func(s *Service, now time.Time) (Term, error) {
		if end.After(s.Term.End) {
			return Term{}, badTerm(id, "shorten", "term.end", "%s is after the current end %s (use Extend)",
				end.Format(time.RFC3339), s.Term.End.Format(time.RFC3339))
		}
		if !end.After(s.Term.Start) {
			return Term{}, badTerm(id, "shorten", "term.end", "%s is not after the start %s (use Cancel)",
				end.Format(time.RFC3339), s.Term.Start.Format(time.RFC3339))
		}
		t := s.Term
		t.End = end
		return t, nil
	})
}

// Reschedule replaces the term of a service that has not started
// deploying. Errors: ErrInvalidState once deploying; a term without a
// start, whose end is not after its start or has passed, or with an
// unknown time zone is an error that errors.As finds as a
// *template.ValidationError naming the field ("term.start", "term.end",
// "term.timeZone").
func (l *Lifecycle) Reschedule(ctx context.Context, id string, term Term) error {
	return l.changeTerm(ctx, id, "rescheduled", "", func(s *Service, now time.Time) (Term, error) {
		if s.State != Requested && s.State != Scheduled {
			return Term{}, fmt.Errorf("contactcenter: %s: reschedule when %s: %w", id, s.State, ErrInvalidState)
		}
		switch {
		case term.Start.IsZero():
			return Term{}, badTerm(id, "reschedule", "term.start", "required")
		case !term.End.After(term.Start):
			return Term{}, badTerm(id, "reschedule", "term.end", "%s is not after the start %s",
				term.End.Format(time.RFC3339), term.Start.Format(time.RFC3339))
		case !term.End.After(now):
			return Term{}, badTerm(id, "reschedule", "term.end", "%s has passed (now %s)",
				term.End.Format(time.RFC3339), now.Format(time.RFC3339))
		}
		if term.TimeZone != "" {
			if _, err := time.LoadLocation(term.TimeZone); err != nil {
				return Term{}, badTerm(id, "reschedule", "term.timeZone", "unknown time zone %q", term.TimeZone)
			}
		}
		return term, nil
	})
}

// badTerm is the error of a term change refused for its input: a
// *template.ValidationError naming the field at path.
func badTerm(id, how, path, format string, args ...any) error {
	return fmt.Errorf("contactcenter: %s: %s: %w", id, how,
		&template.ValidationError{Problems: []*template.FieldError{{Path: path, Message: fmt.Sprintf(format, args...)}}})
}

// Cancel ends a service because its event was cancelled. A service not
// yet deployed is cancelled at once; a deployed one expires now: access
// and numbers end at once and the closing plan runs at the next Tick,
// after which the service is Cancelled. Cancelling again is not an error.
func (l *Lifecycle) Cancel(ctx context.Context, id, reason string) error {
	if reason == "" {
		reason = "event cancelled"
	}
	return l.endNow(ctx, id, "cancelled", reason)
}

// Terminate ends a service now at the host's request: like Cancel, but a
// deployed service ends Terminated.
func (l *Lifecycle) Terminate(ctx context.Context, id, reason string) error {
	if reason == "" {
		reason = "terminated by the host"
	}
	return l.endNow(ctx, id, "terminated", reason)
}

func (l *Lifecycle) endNow(ctx context.Context, id, how, reason string) error {
	return l.withService(ctx, id, func(e *entry, now time.Time) error {
		return l.endLocked(ctx, e, now, how, reason)
	})
}

// withService runs fn with the service's entry locked and the clock read.
// A replica first reads the service as stored (another replica may have
// changed it since), and runs fn again from the stored service when its
// write conflicts with another's, a few times.
func (l *Lifecycle) withService(ctx context.Context, id string, fn func(e *entry, now time.Time) error) error {
	if err := l.enter(); err != nil {
		return err
	}
	defer l.leave()
	e, err := l.reg.entryFor(ctx, id)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if l.cfg.Owner == "" {
		return fn(e, l.now())
	}
	for attempt := 1; ; attempt++ {
		if err := l.refresh(ctx, e); err != nil {
			return err
		}
		err := fn(e, l.now())
		if !errors.Is(err, ErrConflict) || attempt == 3 {
			return err
		}
	}
}

// refresh replaces the working copy of a service by the stored one if
// that is newer.
func (l *Lifecycle) refresh(ctx context.Context, e *entry) error {
	s, err := l.cfg.Store.Get(ctx, e.svc.ID)
	if err != nil {
		return fmt.Errorf("contactcenter: %s: load: %w", e.svc.ID, err)
	}
	if s.Revision > e.svc.Revision {
		e.set(s)
	}
	return nil
}

func (l *Lifecycle) endLocked(ctx context.Context, e *entry, now time.Time, how, reason string) error {
	s := &e.svc
	id := s.ID
	switch s.State {
	case Requested, Scheduled:
		if _, err := l.cfg.Access.RevokeService(ctx, id, now); err != nil { // registered attendees' grants
			return fmt.Errorf("contactcenter: %s: revoke grants: %w", id, err)
		}
		return l.save(ctx, e, change{at: now, to: Cancelled, reason: reason, cancelReason: reason,
			events: []Event{&TermChanged{ServiceID: id, At: now, Change: how, Old: s.Term, New: s.Term, Expires: s.Expires, Reason: reason}}})
	case Terminating, Terminated, Cancelled, Failed:
		return nil // already ending or ended
	}
	if s.CancelReason != "" {
		return nil // cancelled already
	}
	if !now.Before(s.Expires) {
		return nil // already expired: the closing plan is due anyway
	}
	old := s.Term
	t := s.Term
	if now.Before(t.End) && now.After(t.Start) {
		t.End = now
	}
	// Pull access and numbers in first: from this instant nothing of the
	// service authorises or routes, even if the next store write fails.
	if err := l.ports.syncExpiry(ctx, e.svc.ID, now, now); err != nil {
		return err
	}
	c := changeOf(t, now, &TermChanged{ServiceID: id, At: now, Change: how, Old: old, New: t, Expires: now, Reason: reason})
	if how == "cancelled" {
		c.cancelReason = reason
	}
	if err := l.save(ctx, e, c); err != nil {
		return err
	}
	if l.cfg.Owner != "" {
		// Pull in anything another replica issued meanwhile (see resync).
		if err := l.resync(ctx, e, now); err != nil {
			return err
		}
	}
	l.poke()
	return nil
}

// changeOf is the change that gives a service the term t, expiring at
// expires, told by ev.
func changeOf(t Term, expires time.Time, ev *TermChanged) change {
	return change{at: ev.At, term: some(t), expires: some(expires), events: []Event{ev}}
}

// changeTerm applies a term change computed by next to a live service.
func (l *Lifecycle) changeTerm(ctx context.Context, id, how, reason string, next func(*Service, time.Time) (Term, error)) error {
	return l.withService(ctx, id, func(e *entry, now time.Time) error {
		return l.changeTermLocked(ctx, e, now, how, reason, next)
	})
}

func (l *Lifecycle) changeTermLocked(ctx context.Context, e *entry, now time.Time, how, reason string, next func(*Service, time.Time) (Term, error)) error {
	s := &e.svc
	id := s.ID
	if s.State == Terminating || s.State.Final() {
		return fmt.Errorf("contactcenter: %s: %s when %s: %w", id, how, s.State, ErrInvalidState)
	}
	if s.CancelReason != "" {
		return fmt.Errorf("contactcenter: %s: %s after cancellation: %w", id, how, ErrInvalidState)
	}
	if !now.Before(s.Expires) {
		return fmt.Errorf("contactcenter: %s: %s at %s: expired at %s: %w", id, how,
			now.Format(time.RFC3339), s.Expires.Format(time.RFC3339), ErrExpired)
	}
	t, err := next(s, now)
	if err != nil {
		return err
	}
	expires := t.End.Add(s.Config.Timing.Grace.D())
	old := s.Term
	ev := &TermChanged{ServiceID: id, At: now, Change: how, Old: old, New: t, Expires: expires, Reason: reason}
	unchanged := t.Start.Equal(old.Start) && t.End.Equal(old.End) && t.TimeZone == old.TimeZone && expires.Equal(s.Expires)
	shortening := expires.Before(s.Expires)
	switch {
	case unchanged:
		// Nothing to store and nothing to tell: the moves and the
		// publication below repair what a change that failed half-way
		// left behind.
	case shortening:
		// Shortening: pull access and numbers in before recording it, so
		// a failure in between never leaves a grant outliving the term.
		if err := l.ports.syncExpiry(ctx, e.svc.ID, expires, now); err != nil {
			return err
		}
		if err := l.save(ctx, e, changeOf(t, expires, ev)); err != nil {
			return err
		}
	default:
		// Extending: record first; a failure before the grants move only
		// ends access early, never late. Calling again finishes it.
		if err := l.save(ctx, e, changeOf(t, expires, ev)); err != nil {
			return err
		}
	}
	// Move the grants and leases after the write (again, when shortening
	// with replicas: one that another replica issued since the move
	// before is pulled in too).
	switch {
	case l.cfg.Owner != "":
		if err := l.resync(ctx, e, now); err != nil {
			return err
		}
	case !shortening:
		if err := l.ports.syncExpiry(ctx, e.svc.ID, expires, now); err != nil {
			return err
		}
	}
	if s.State == Ready || s.State == Active {
		if err := l.cfg.EventSystem.Publish(ctx, Publication{ServiceID: id, EventID: s.Request.EventID,
			EntryPoints: s.EntryPoints, Opens: t.Start, Closes: t.End, TimeZone: t.TimeZone}); err != nil {
			return fmt.Errorf("contactcenter: %s: publish new hours: %w", id, err)
		}
	}
	if !unchanged {
		l.poke()
	}
	return nil
}

// resync moves every grant and number lease of the service to its stored
// expiry, and again until the stored expiry stays what it moved them to.
// It clears e.resync once done.
//
// It is how replicas keep a term change from being lost to a race:
// whoever stores an expiry moves the grants and leases after storing it,
// and whoever writes a grant's or a lease's end reads the stored expiry
// after writing it (a step's revision-checked write, or resync's read),
// so once both are done nothing ends later than the stored expiry,
// whatever their order.
func (l *Lifecycle) resync(ctx context.Context, e *entry, now time.Time) error {
	var err error
	for range 5 {
		// The stored expiry, read before moving anything to it, and again
		// after, whether the moves went through or not: a move that
		// conflicted with another replica's, or one made after another
		// replica stored a new expiry, is made again.
		if err = l.refresh(ctx, e); err != nil {
			break
		}
		want := e.svc.Expires
		err = l.ports.syncExpiry(ctx, e.svc.ID, want, now)
		if rerr := l.refresh(ctx, e); rerr != nil {
			err = errors.Join(err, rerr)
			break
		}
		if err == nil && e.svc.Expires.Equal(want) {
			e.resync = false
			return nil
		}
	}
	e.resync = true
	if err == nil {
		err = fmt.Errorf("the term kept changing: %w", ErrConflict)
	}
	return fmt.Errorf("contactcenter: %s: move grants and leases to the stored expiry (will retry): %w", e.svc.ID, err)
}
