package contactcenter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/modality"
)

// advance does what is due for one service at now, moving it through as
// many states as are due (a service requested after its start deploys,
// opens and scales in one call). States only move forward (see
// CanTransition), so the loop ends: each pass moves the service to a
// later state or returns.
func (l *Lifecycle) advance(ctx context.Context, e *entry, now time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	defer l.tickLine(ctx, e, now)
	if now.Before(e.retryAt) {
		return nil
	}
	if e.resync {
		if err := l.resync(ctx, e, now); err != nil {
			return l.later(e, now, err)
		}
	}
	for {
		before := e.svc.State
		err := l.advanceOnce(ctx, e, now)
		if e.svc.State == Failed && before != Failed {
			// A host driving Tick must not miss it: the deploy is undone
			// and the service will not open.
			failed := fmt.Errorf("contactcenter: %s: %w", e.svc.ID, ErrFailed)
			if e.svc.Err != nil {
				failed = fmt.Errorf("contactcenter: %s: %w: %w", e.svc.ID, ErrFailed, e.svc.Err)
			}
			return errors.Join(err, failed)
		}
		if err != nil || e.svc.State == before {
			return err
		}
	}
}

func (l *Lifecycle) advanceOnce(ctx context.Context, e *entry, now time.Time) error {
	s := &e.svc
	switch s.State {
	case Requested:
		return l.storePlans(ctx, e, l.planner.plans(s.ID, s.Config, s.Created))
	case Scheduled:
		if now.Before(s.DeployAt()) {
			return nil
		}
		start := moveTo(Deploying, "deploy due", now)
		return l.deploy(ctx, e, &start)
	case Deploying:
		return l.deploy(ctx, e, nil)
	case Ready:
		if e.svc.CancelReason != "" || !now.Before(s.Expires) {
			return l.close(ctx, e, now)
		}
		if now.Before(s.Term.Start) {
			return nil
		}
		return l.openIntake(ctx, e, now, moveTo(Active, "term started", now))
	case Active:
		if e.svc.CancelReason != "" || !now.Before(s.Expires) {
			return l.close(ctx, e, now)
		}
		if !now.Before(s.Term.End) && s.IntakeOpen {
			if err := l.stopIntake(ctx, e, now); err != nil {
				return err
			}
		} else if now.Before(s.Term.End) && !s.IntakeOpen {
			// The term was extended after intake stopped.
			if err := l.openIntake(ctx, e, now, change{at: now}); err != nil {
				return err
			}
		} else if s.IntakeOpen && !e.opened.Load() {
			// Open, but not on this process's channels: it took the
			// service over, or restarted.
			if err := l.openChannels(ctx, e, now); err != nil {
				return err
			}
			l.log.Info("entry points opened on this process's channels", "service", s.ID)
		}
		return l.scale(ctx, e, now)
	case Terminating:
		return l.close(ctx, e, now)
	}
	return nil
}

// deploy runs the deploy plan; start, if not nil, is the move to
// Deploying, stored with the plan's first write. The service is Ready
// once it is done (or Failed, the deploy undone).
func (l *Lifecycle) deploy(ctx context.Context, e *entry, start *change) error {
	return l.runPlan(ctx, e, e.svc.DeployPlan, start, moveTo(Ready, "deployed", l.now()))
}

// close runs the closing plan, first moving an open service to
// Terminating with the plan's first write, and ends the service with
// the plan's last: Cancelled if it was cancelled, else Terminated.
func (l *Lifecycle) close(ctx context.Context, e *entry, now time.Time) error {
	var start *change
	if e.svc.State != Terminating {
		c := moveTo(Terminating, closeReason(&e.svc), now)
		start = &c
	}
	end := moveTo(Terminated, "closed, nothing left behind", now)
	if e.svc.CancelReason != "" {
		end = moveTo(Cancelled, "closed: "+e.svc.CancelReason, now)
	}
	end.accrue = true
	return l.runPlan(ctx, e, e.svc.ClosePlan, start, end)
}

func closeReason(s *Service) string {
	if s.CancelReason != "" {
		return s.CancelReason
	}
	return "expired"
}

// channelSetups groups a service's entry points by the channel serving
// their kind. Every setup says, from the service's template, which kinds
// anonymous visitors may use and which queues only registered attendees
// reach; the channels that identify attendees enforce it.
func (p ports) channelSetups(s *Service, router modality.Router) map[modality.Channel]modality.Setup {
	setups := make(map[modality.Channel]modality.Setup)
	var queues, registered []string
	for _, q := range s.Config.Queues {
		queues = append(queues, q.Name)
		if q.RegisteredOnly {
			registered = append(registered, q.Name)
		}
	}
	var anonymous []modality.Kind
	for _, m := range s.Config.Modalities {
		if m.Anonymous {
			anonymous = append(anonymous, m.Kind)
		}
	}
	idle := map[modality.Kind]time.Duration{}
	hold := map[modality.Kind]modality.Hold{}
	for _, m := range s.Config.Modalities {
		idle[m.Kind] = time.Duration(m.IdleTimeout)
		if m.Hold != nil {
			hold[m.Kind] = modality.Hold{Music: m.Hold.Music, AnnounceEvery: time.Duration(m.Hold.AnnounceEvery)}
		}
	}
	for _, ep := range s.EntryPoints {
		ch := p.channels[ep.Kind]
		su := setups[ch]
		su.EntryPoints = append(su.EntryPoints, ep)
		su.IdleTimeout = max(su.IdleTimeout, idle[ep.Kind]) // a channel of several kinds: the longest
		if h, ok := hold[ep.Kind]; ok {
			su.Hold = h
		}
		su.Queues = queues
		su.Anonymous = anonymous
		su.RegisteredOnly = registered
		su.Router = router
		su.Receptionist = s.Config.Receptionist.Modality()
		setups[ch] = su
	}
	return setups
}

// openIntake opens the service on its channels and stores it open,
// with c (a move to Active, or nothing more) in the same write.
func (l *Lifecycle) openIntake(ctx context.Context, e *entry, now time.Time, c change) error {
	if err := l.openChannels(ctx, e, now); err != nil {
		return err
	}
	c.intakeOpen = some(true)
	c.events = append(c.events, &IntakeChanged{ServiceID: e.svc.ID, At: now, Open: true})
	return l.save(ctx, e, c)
}

// openChannels opens the service's entry points on this process's
// channels, capacity first so that no engagement is admitted beyond it.
func (l *Lifecycle) openChannels(ctx context.Context, e *entry, now time.Time) error {
	ln := e.line.Load()
	if ln == nil {
		var err error
		if ln, err = l.newLine(ctx, &e.svc); err != nil {
			return l.later(e, now, err)
		}
		e.line.Store(ln)
	}
	if err := l.ports.openChannels(ctx, &e.svc, ln); err != nil {
		return l.later(e, now, fmt.Errorf("contactcenter: %s: open intake: %w", e.svc.ID, err))
	}
	e.opened.Store(true)
	l.closeLinksOf(e.svc.ID) // sockets this replica forwarded elsewhere for it come back here
	return nil
}

// stopIntake refuses new engagements on every channel of the service.
func (l *Lifecycle) stopIntake(ctx context.Context, e *entry, now time.Time) error {
	if err := l.ports.stopIntake(ctx, e.svc.ID); err != nil {
		return l.later(e, now, fmt.Errorf("contactcenter: %s: stop intake: %w", e.svc.ID, err))
	}
	return l.save(ctx, e, change{at: now, intakeOpen: some(false),
		events: []Event{&IntakeChanged{ServiceID: e.svc.ID, At: now, Open: false}}})
}

// tickLine does what the service's router has due, stores the
// engagement records it wrote since the last tick, and closes the line
// once the service has ended. The caller holds e.mu.
func (l *Lifecycle) tickLine(ctx context.Context, e *entry, now time.Time) {
	ln := e.line.Load()
	if ln == nil {
		return
	}
	ln.tick(now, e.svc.Expires)
	if err := ln.flush(ctx); err != nil {
		l.log.Error(err, "engagement records not stored; kept for the next tick", "service", e.svc.ID)
	}
	if e.svc.State.Final() {
		ln.close()
		e.line.Store(nil)
	}
}

// later puts a service's next attempt off by the lifecycle's first retry
// interval and returns err.
func (l *Lifecycle) later(e *entry, now time.Time, err error) error {
	e.retryAt = now.Add(l.cfg.Retry.Initial)
	return err
}
