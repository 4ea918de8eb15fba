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
// opens and scales in one call).
func (l *Lifecycle) advance(ctx context.Context, e *entry, now time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if now.Before(e.retryAt) {
		return nil
	}
	if e.resync {
		if err := l.resync(ctx, e, now); err != nil {
			return l.later(e, now, err)
		}
	}
	for i := 0; i < 16; i++ { // bounded: each pass moves the state or returns
		before := e.svc.State
		err := l.advanceOnce(ctx, e, now)
		if e.svc.State == Failed && before != Failed {
			// A host driving Tick must not miss it: the deploy is undone
			// and the service will not open.
			return errors.Join(err, fmt.Errorf("contactcenter: %s: %s: %w", e.svc.ID, e.svc.Err, ErrFailed))
		}
		if err != nil {
			return err
		}
		if e.svc.State == before {
			return nil
		}
	}
	return nil
}

func (l *Lifecycle) advanceOnce(ctx context.Context, e *entry, now time.Time) error {
	s := &e.svc
	switch s.State {
	case Requested:
		return l.storePlans(ctx, e, l.plans(s.ID, s.Config, s.Created))
	case Scheduled:
		if now.Before(s.DeployAt()) {
			return nil
		}
		start, err := l.transitionTo(e, Deploying, "deploy due", nil)
		if err != nil {
			return err
		}
		return l.deploy(ctx, e, start)
	case Deploying:
		return l.deploy(ctx, e, nil)
	case Ready:
		if e.svc.CancelReason != "" || !now.Before(s.Expires) {
			return l.close(ctx, e, now)
		}
		if now.Before(s.Term.Start) {
			return nil
		}
		return l.openIntake(ctx, e, now, Active, "term started")
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
			if err := l.openIntake(ctx, e, now, "", ""); err != nil {
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

// deploy runs the deploy plan and moves the service to Ready once it is
// done. start, if not nil, is the move to Deploying, stored with the
// plan's first journal entry; the move to Ready is stored with its last.
func (l *Lifecycle) deploy(ctx context.Context, e *entry, start *change) error {
	done, err := l.runPlan(ctx, e, e.svc.DeployPlan, start, func() (*change, error) {
		return l.transitionTo(e, Ready, "deployed", nil)
	})
	if err != nil || !done || e.svc.State != Deploying {
		// Failed and undone, or Ready already. A service cancelled while
		// deploying is closed from Ready.
		return err
	}
	return l.transition(ctx, e, Ready, "deployed")
}

// close runs the closing plan, first moving an open service to
// Terminating with the plan's first journal entry, and ends the service
// with the plan's last: Cancelled if it was cancelled, else Terminated.
func (l *Lifecycle) close(ctx context.Context, e *entry, now time.Time) error {
	var start *change
	if e.svc.State != Terminating {
		var err error
		if start, err = l.transitionTo(e, Terminating, closeReason(&e.svc), nil); err != nil {
			return err
		}
	}
	end := func() (*change, error) {
		accrue := func(s *Service) { l.accrue(s, now) }
		if e.svc.CancelReason != "" {
			return l.transitionTo(e, Cancelled, "closed: "+e.svc.CancelReason, accrue)
		}
		return l.transitionTo(e, Terminated, "closed, nothing left behind", accrue)
	}
	done, err := l.runPlan(ctx, e, e.svc.ClosePlan, start, end)
	if err != nil || !done || e.svc.State != Terminating {
		return err
	}
	c, err := end()
	if err != nil {
		return err
	}
	return l.apply(ctx, e, c)
}

func closeReason(s *Service) string {
	if s.CancelReason != "" {
		return s.CancelReason
	}
	return "expired"
}

// channelSetups groups a service's entry points by the channel serving
// their kind.
func (l *Lifecycle) channelSetups(s *Service) map[modality.Channel]modality.Setup {
	setups := make(map[modality.Channel]modality.Setup)
	var queues []string
	for _, q := range s.Config.Queues {
		queues = append(queues, q.Name)
	}
	for _, ep := range s.EntryPoints {
		ch := l.channels[ep.Kind]
		su := setups[ch]
		su.EntryPoints = append(su.EntryPoints, ep)
		su.Queues = queues
		if r := s.Config.Receptionist; r != nil {
			rec := &modality.Receptionist{Greeting: r.Greeting, ClosedMessage: r.ClosedMessage}
			for _, o := range r.Options {
				rec.Options = append(rec.Options, modality.Option{Key: o.Key, Label: o.Label, Queue: o.Queue, Answer: o.Answer})
			}
			su.Receptionist = rec
		}
		setups[ch] = su
	}
	return setups
}

// openIntake opens the service on its channels and, if to is not "",
// moves it to the state to in the same write.
func (l *Lifecycle) openIntake(ctx context.Context, e *entry, now time.Time, to State, reason string) error {
	var c *change
	if to != "" {
		var err error
		if c, err = l.transitionTo(e, to, reason, nil); err != nil {
			return err
		}
	}
	if err := l.openChannels(ctx, e, now); err != nil {
		return err
	}
	if err := l.update(ctx, e, func(s *Service) {
		s.IntakeOpen = true
		if c != nil {
			c.mutate(s)
		}
	}, &IntakeChanged{ServiceID: e.svc.ID, At: now, Open: true}); err != nil {
		return err
	}
	if c != nil {
		c.stored()
	}
	return nil
}

// openChannels opens the service's entry points on this process's
// channels, capacity first so that no engagement is admitted beyond it.
func (l *Lifecycle) openChannels(ctx context.Context, e *entry, now time.Time) error {
	if err := l.setCapacity(ctx, &e.svc); err != nil {
		return l.later(e, now, fmt.Errorf("contactcenter: %s: open intake: %w", e.svc.ID, err))
	}
	for ch, su := range l.channelSetups(&e.svc) {
		if err := ch.Open(ctx, e.svc.ID, su); err != nil {
			return l.later(e, now, fmt.Errorf("contactcenter: %s: open intake: %w", e.svc.ID, err))
		}
	}
	e.opened.Store(true)
	return nil
}

// stopIntake refuses new engagements on every channel of the service.
func (l *Lifecycle) stopIntake(ctx context.Context, e *entry, now time.Time) error {
	for _, ch := range l.cfg.Channels {
		if err := ch.StopIntake(ctx, e.svc.ID); err != nil {
			return l.later(e, now, fmt.Errorf("contactcenter: %s: stop intake: %w", e.svc.ID, err))
		}
	}
	return l.update(ctx, e, func(s *Service) { s.IntakeOpen = false },
		&IntakeChanged{ServiceID: e.svc.ID, At: now, Open: false})
}

// later puts a service's next attempt off by the lifecycle's first retry
// interval and returns err.
func (l *Lifecycle) later(e *entry, now time.Time, err error) error {
	e.retryAt = now.Add(l.cfg.Retry.Initial)
	return err
}
