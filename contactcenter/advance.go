package contactcenter

import (
	"context"
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
	for i := 0; i < 16; i++ { // bounded: each pass moves the state or returns
		before := e.svc.State
		if err := l.advanceOnce(ctx, e, now); err != nil {
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
		return l.transition(ctx, e, Deploying, "deploy due")
	case Deploying:
		done, err := l.runPlan(ctx, e, s.DeployPlan)
		if err != nil || !done {
			return err
		}
		if e.svc.State == Failed {
			return nil
		}
		// A service cancelled while deploying is closed from Ready.
		return l.transition(ctx, e, Ready, "deployed")
	case Ready:
		if e.svc.CancelReason != "" || !now.Before(s.Expires) {
			return l.transition(ctx, e, Terminating, closeReason(s))
		}
		if now.Before(s.Term.Start) {
			return nil
		}
		if err := l.openIntake(ctx, e, now); err != nil {
			return err
		}
		return l.transition(ctx, e, Active, "term started")
	case Active:
		if e.svc.CancelReason != "" || !now.Before(s.Expires) {
			return l.transition(ctx, e, Terminating, closeReason(s))
		}
		if !now.Before(s.Term.End) && s.IntakeOpen {
			if err := l.stopIntake(ctx, e, now); err != nil {
				return err
			}
		} else if now.Before(s.Term.End) && !s.IntakeOpen {
			// The term was extended after intake stopped.
			if err := l.openIntake(ctx, e, now); err != nil {
				return err
			}
		}
		return l.scale(ctx, e, now)
	case Terminating:
		done, err := l.runPlan(ctx, e, s.ClosePlan)
		if err != nil || !done {
			return err
		}
		l.accrue(&e.svc, now)
		if e.svc.CancelReason != "" {
			return l.transition(ctx, e, Cancelled, "closed: "+e.svc.CancelReason)
		}
		return l.transition(ctx, e, Terminated, "closed, nothing left behind")
	}
	return nil
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

// openIntake opens the service on its channels.
func (l *Lifecycle) openIntake(ctx context.Context, e *entry, now time.Time) error {
	// Capacity first, so no call is admitted beyond it.
	if err := l.setCapacity(ctx, &e.svc); err != nil {
		return l.later(e, now, fmt.Errorf("contactcenter: %s: open intake: %w", e.svc.ID, err))
	}
	for ch, su := range l.channelSetups(&e.svc) {
		if err := ch.Open(ctx, e.svc.ID, su); err != nil {
			return l.later(e, now, fmt.Errorf("contactcenter: %s: open intake: %w", e.svc.ID, err))
		}
	}
	return l.update(ctx, e, func(s *Service) { s.IntakeOpen = true },
		&IntakeChanged{ServiceID: e.svc.ID, At: now, Open: true})
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
