package contactcenter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// backoffState is the retry schedule of the one step of a service that is
// failing, measured on the lifecycle's clock.
type backoffState struct {
	step string
	b    *backoff.ExponentialBackOff
}

type clockFunc func() time.Time

func (c clockFunc) Now() time.Time { return c() }

// progress is a plan's journal folded into what matters for resuming.
type progress struct {
	lastSeq  int64
	status   map[string]StepStatus // by step key: its latest status
	attempts map[string]int
	failed   bool // a step failed permanently: the plan is being undone
}

func replay(journal []JournalEntry) progress {
	p := progress{status: make(map[string]StepStatus), attempts: make(map[string]int)}
	for _, j := range journal {
		p.lastSeq = j.Seq
		switch j.Status {
		case StepStarted:
			p.attempts[j.Step]++
			if _, seen := p.status[j.Step]; !seen {
				p.status[j.Step] = StepStarted
			}
		case StepDone, StepUndone:
			p.status[j.Step] = j.Status
		case StepFailed:
			p.status[j.Step] = StepFailed
			p.failed = true
		}
	}
	return p
}

// runPlan runs a plan from where its journal says it stopped. It returns
// done when every step is done, or when a permanent failure has been
// fully undone (the service is then Failed). A transient failure
// schedules a retry on the lifecycle's clock and returns its error.
func (l *Lifecycle) runPlan(ctx context.Context, e *entry, planID string) (done bool, err error) {
	plan, err := l.cfg.Store.GetPlan(ctx, planID)
	if err != nil {
		return false, fmt.Errorf("contactcenter: %s: load plan: %w", e.svc.ID, err)
	}
	journal, err := l.cfg.Store.Journal(ctx, planID)
	if err != nil {
		return false, fmt.Errorf("contactcenter: %s: load journal: %w", e.svc.ID, err)
	}
	p := replay(journal)
	if !p.failed {
		for _, step := range plan.Steps {
			if p.status[step.Key] == StepDone {
				continue
			}
			if err := ctx.Err(); err != nil {
				return false, err
			}
			err := l.runStep(ctx, e, &plan, &p, step, step.Key)
			if err == nil {
				continue
			}
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			if !errors.Is(err, ErrPermanent) || plan.Kind == CloseKind {
				if l.retryLater(e, &plan, step, p.attempts[step.Key], err, plan.Kind == CloseKind) {
					return false, err
				}
				err = Permanent(fmt.Errorf("gave up after retrying for %v: %w", l.cfg.Retry.MaxElapsed, err))
			}
			if err := l.journal(ctx, e, &plan, &p, step, step.Key, StepFailed, p.attempts[step.Key], err, nil); err != nil {
				return false, err
			}
			p.failed = true
			if uerr := l.update(ctx, e, func(s *Service) { s.Err = err.Error() }); uerr != nil {
				return false, uerr
			}
			l.log.Error(err, "deploy failed permanently; undoing", "service", e.svc.ID, "step", step.Key)
			break
		}
		if !p.failed {
			e.backoff = nil
			return true, nil
		}
	}
	// Undo, in reverse, every step that started and is not yet undone.
	for i := len(plan.Steps) - 1; i >= 0; i-- {
		step := plan.Steps[i]
		st, started := p.status[step.Key]
		if !started || st == StepUndone || step.Undo == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if err := l.runStep(ctx, e, &plan, &p, *step.Undo, step.Key); err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			// An undo is never abandoned: it waits and tries again.
			l.retryLater(e, &plan, *step.Undo, p.attempts[step.Undo.Key], err, true)
			return false, err
		}
	}
	e.backoff = nil
	if err := l.transition(ctx, e, Failed, "deploy failed and was undone: "+e.svc.Err); err != nil {
		return false, err
	}
	return true, nil
}

// runStep runs one step (or the undo of the step named key): it journals
// the attempt, does the action, stores what it changed in the service,
// then journals the outcome. Crashing anywhere in between is safe because
// every action is idempotent.
func (l *Lifecycle) runStep(ctx context.Context, e *entry, plan *Plan, p *progress, step Step, key string) error {
	attempt := p.attempts[step.Key] + 1
	if err := l.journal(ctx, e, plan, p, step, step.Key, StepStarted, attempt, nil, nil); err != nil {
		return err
	}
	now := l.now()
	mutate, out, err := l.do(ctx, e, plan.Kind, step, now)
	if mutate != nil {
		// Stored even when the step failed: a partial result (end points
		// already disconnected) is still true.
		if uerr := l.update(ctx, e, mutate); uerr != nil {
			return uerr
		}
	}
	if err != nil {
		return fmt.Errorf("contactcenter: %s: step %s (%s): %w", e.svc.ID, step.Key, step.Action, err)
	}
	status := StepDone
	if key != step.Key {
		status = StepUndone
	}
	var raw json.RawMessage
	if out != nil {
		if raw, err = json.Marshal(out); err != nil {
			return Permanent(fmt.Errorf("contactcenter: step %s output: %w", step.Key, err))
		}
	}
	if err := l.journal(ctx, e, plan, p, step, key, status, attempt, nil, raw); err != nil {
		return err
	}
	e.backoff = nil
	return nil
}

// journal appends one entry to the plan's journal and emits it.
func (l *Lifecycle) journal(ctx context.Context, e *entry, plan *Plan, p *progress, step Step, key string, status StepStatus, attempt int, stepErr error, out json.RawMessage) error {
	now := l.now()
	je := JournalEntry{PlanID: plan.ID, Seq: p.lastSeq + 1, Step: key, Status: status, Attempt: attempt, At: now, Output: out}
	if status == StepStarted {
		je.Step = step.Key
	}
	if stepErr != nil {
		je.Error = stepErr.Error()
	}
	if err := l.cfg.Store.Append(ctx, je); err != nil {
		return fmt.Errorf("contactcenter: %s: journal %s: %w", e.svc.ID, plan.ID, err)
	}
	p.lastSeq = je.Seq
	switch status {
	case StepStarted:
		p.attempts[je.Step]++
		if _, seen := p.status[je.Step]; !seen {
			p.status[je.Step] = StepStarted
		}
	default:
		p.status[key] = status
	}
	l.emit(&StepEvent{ServiceID: e.svc.ID, At: now, PlanID: plan.ID, Kind: plan.Kind, Step: step,
		Status: status, Attempt: attempt, Err: stepErr})
	return nil
}

// retryLater schedules the next attempt of a failing step with
// exponential backoff on the lifecycle's clock and reports whether it did.
// Unless forever is set, a step that has failed for longer than
// Retry.MaxElapsed is not retried: retryLater returns false.
func (l *Lifecycle) retryLater(e *entry, plan *Plan, step Step, attempt int, err error, forever bool) bool {
	now := l.now()
	if e.backoff == nil || e.backoff.step != step.Key {
		maxElapsed := l.cfg.Retry.MaxElapsed
		if forever {
			maxElapsed = 0
		}
		e.backoff = &backoffState{step: step.Key, b: backoff.NewExponentialBackOff(
			backoff.WithInitialInterval(l.cfg.Retry.Initial),
			backoff.WithMaxInterval(l.cfg.Retry.Max),
			backoff.WithMaxElapsedTime(maxElapsed),
			backoff.WithRandomizationFactor(0.2),
			backoff.WithClockProvider(clockFunc(l.cfg.Now)),
		)}
	}
	wait := e.backoff.b.NextBackOff()
	if wait == backoff.Stop {
		e.backoff = nil
		return false
	}
	e.retryAt = now.Add(wait)
	l.emit(&StepEvent{ServiceID: e.svc.ID, At: now, PlanID: plan.ID, Kind: plan.Kind, Step: step,
		Status: StepStarted, Attempt: attempt, Err: err, RetryAt: e.retryAt})
	l.log.V(1).Info("step failed; will retry", "service", e.svc.ID, "step", step.Key, "attempt", attempt, "retryAt", e.retryAt, "error", err.Error())
	return true
}
