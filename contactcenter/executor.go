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
	// open is the step whose start is journaled and whose attempt has not
	// run yet: the executor journals a step's start with the previous
	// step's outcome. "" after replay, so a resumed plan journals anew.
	open string
	// pending is a change of state stored with the plan's next write
	// (the move to Deploying or Terminating), nil once stored.
	pending *change
}

// replay folds a plan's journal into its progress.
func replay(journal []JournalEntry) progress {
	p := progress{status: make(map[string]StepStatus), attempts: make(map[string]int)}
	for _, j := range journal {
		p.fold(j)
	}
	p.open = "" // the attempt a started entry announced is over
	return p
}

// fold takes one more journal entry into p.
func (p *progress) fold(j JournalEntry) {
	p.lastSeq = j.Seq
	switch j.Status {
	case StepStarted:
		p.attempts[j.Step]++
		if _, seen := p.status[j.Step]; !seen {
			p.status[j.Step] = StepStarted
		}
		p.open = j.Step
		return
	case StepFailed:
		p.failed = true
	}
	p.status[j.Step] = j.Status
	p.open = ""
}

// runPlan runs a plan from where its journal says it stopped. It returns
// done when every step is done, or when a permanent failure has been
// fully undone (the service is then Failed). A transient failure
// schedules a retry on the lifecycle's clock and returns its error.
//
// start, if not nil, is stored with the plan's first write; end, if not
// nil, gives the change stored with the last step's outcome when the
// Store is a [Committer] (the caller stores it otherwise: the service is
// then still in the plan's state). A plan that stops before its first
// write drops start: the caller starts again at the next tick.
func (l *Lifecycle) runPlan(ctx context.Context, e *entry, planID string, start *change, end func() (*change, error)) (done bool, err error) {
	plan, err := l.cfg.Store.GetPlan(ctx, planID)
	if err != nil {
		return false, fmt.Errorf("contactcenter: %s: load plan: %w", e.svc.ID, err)
	}
	// A plan that starts with this run has no journal yet: its first
	// entry is stored with the move to the plan's state, so a journal
	// written by someone else would have changed the service, and this
	// run's first write would conflict.
	var journal []JournalEntry
	if start == nil {
		if journal, err = l.cfg.Store.Journal(ctx, planID); err != nil {
			return false, fmt.Errorf("contactcenter: %s: load journal: %w", e.svc.ID, err)
		}
	}
	p := replay(journal)
	p.pending = start
	if !p.failed {
		for i, step := range plan.Steps {
			if p.status[step.Key] == StepDone {
				continue
			}
			if err := ctx.Err(); err != nil {
				return false, err
			}
			var next *Step
			if i+1 < len(plan.Steps) && p.status[plan.Steps[i+1].Key] != StepDone {
				next = &plan.Steps[i+1]
			}
			var then func() (*change, error)
			if i == len(plan.Steps)-1 {
				then = end
			}
			err := l.runStep(ctx, e, &plan, &p, step, step.Key, next, then)
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
			failed := func(s *Service) { s.Err = err.Error() }
			if err := l.record(ctx, e, &plan, &p, failed, nil, note{step: step, key: step.Key, status: StepFailed, attempt: p.attempts[step.Key], err: err}); err != nil {
				return false, err
			}
			l.log.Error(err, "deploy failed permanently; undoing", "service", e.svc.ID, "step", step.Key)
			break
		}
		if !p.failed {
			e.backoff = nil
			return true, l.flush(ctx, e, &p)
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
		if err := l.runStep(ctx, e, &plan, &p, *step.Undo, step.Key, nil, nil); err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			// An undo is never abandoned: it waits and tries again.
			l.retryLater(e, &plan, *step.Undo, p.attempts[step.Undo.Key], err, true)
			return false, err
		}
	}
	e.backoff = nil
	if err := l.flush(ctx, e, &p); err != nil {
		return false, err
	}
	if err := l.transition(ctx, e, Failed, "deploy failed and was undone: "+e.svc.Err); err != nil {
		return false, err
	}
	return true, nil
}

// flush stores p's pending change if no write carried it.
func (l *Lifecycle) flush(ctx context.Context, e *entry, p *progress) error {
	if p.pending == nil {
		return nil
	}
	if err := l.apply(ctx, e, p.pending); err != nil {
		return err
	}
	p.pending = nil
	return nil
}

// runStep runs one step (or the undo of the step named key): it journals
// the attempt, does the action, then stores what the action changed in
// the service with the outcome and, when next is not nil, the start of
// the next step. Crashing anywhere in between is safe because every
// action is idempotent. With a [Committer] Store that last write is one
// atomic change, so a step costs two writes (one for the steps after the
// first); without one, one write each. end, if not nil, gives a change
// to store with a [Committer] in that last write.
func (l *Lifecycle) runStep(ctx context.Context, e *entry, plan *Plan, p *progress, step Step, key string, next *Step, end func() (*change, error)) error {
	if p.open != step.Key {
		if err := l.record(ctx, e, plan, p, nil, nil, note{step: step, key: step.Key, status: StepStarted, attempt: p.attempts[step.Key] + 1}); err != nil {
			return err
		}
	}
	attempt := p.attempts[step.Key]
	p.open = ""
	now := l.now()
	mutate, out, err := l.do(ctx, e, plan.Kind, step, now)
	if err != nil {
		// What the action changed is stored even when it failed: a
		// partial result (end points already disconnected) is still true.
		if mutate != nil {
			if uerr := l.record(ctx, e, plan, p, mutate, nil); uerr != nil {
				return uerr
			}
		}
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
	notes := []note{{step: step, key: key, status: status, attempt: attempt, out: raw}}
	if next != nil {
		notes = append(notes, note{step: *next, key: next.Key, status: StepStarted, attempt: p.attempts[next.Key] + 1})
	}
	var then *change
	if _, ok := l.cfg.Store.(Committer); ok && end != nil {
		then, _ = end() // if it cannot be made now, the caller finds out
	}
	if err := l.record(ctx, e, plan, p, mutate, then, notes...); err != nil {
		return err
	}
	e.backoff = nil
	return nil
}

// note is a journal entry to write: the step (for StepStarted, the step or
// undo that starts), the key of the plan step it concerns, and the rest of
// the entry.
type note struct {
	step    Step
	key     string
	status  StepStatus
	attempt int
	err     error
	out     json.RawMessage
}

// record stores, in this order, the service as p's pending change and
// mutate change it (each if not nil), the notes as the plan's next journal
// entries and the service as then changes it (if not nil); then it folds
// the entries into p and emits a StepEvent for each, and the changes'
// events around them. With a [Committer] Store it is one atomic write;
// otherwise an update, the appends, then an update for then.
func (l *Lifecycle) record(ctx context.Context, e *entry, plan *Plan, p *progress, mutate func(*Service), then *change, notes ...note) error {
	now := l.now()
	entries := make([]JournalEntry, len(notes))
	for i, n := range notes {
		je := JournalEntry{PlanID: plan.ID, Seq: p.lastSeq + int64(i) + 1, Step: n.key, Status: n.status, Attempt: n.attempt, At: now, Output: n.out}
		if n.status == StepStarted {
			je.Step = n.step.Key
		}
		if n.err != nil {
			je.Error = n.err.Error()
		}
		entries[i] = je
	}
	written := func(i int) {
		je, n := entries[i], notes[i]
		p.fold(je)
		l.emit(&StepEvent{ServiceID: e.svc.ID, At: now, PlanID: plan.ID, Kind: plan.Kind, Step: n.step,
			Status: je.Status, Attempt: je.Attempt, Err: n.err})
	}
	pending := p.pending
	before := mutate
	if pending != nil {
		before = func(s *Service) {
			pending.mutate(s)
			if mutate != nil {
				mutate(s)
			}
		}
	}
	storedBefore := func() {
		if pending != nil {
			p.pending = nil
			pending.stored()
		}
	}
	if c, ok := l.cfg.Store.(Committer); ok && ((before != nil || then != nil) && len(entries) > 0 || len(entries) > 1) {
		var s *Service
		if before != nil || then != nil {
			changed := e.svc.Clone()
			if before != nil {
				before(&changed)
			}
			if then != nil {
				then.mutate(&changed)
			}
			changed.Updated = now
			s = &changed
		}
		stored, err := c.Commit(ctx, s, entries...)
		if err != nil {
			if s != nil {
				l.reloadOnConflict(ctx, e, err)
			}
			return fmt.Errorf("contactcenter: %s: journal %s: %w", e.svc.ID, plan.ID, err)
		}
		if s != nil {
			e.svc = stored
		}
		storedBefore()
		for i := range entries {
			written(i)
		}
		if then != nil {
			then.stored()
		}
		return nil
	}
	if before != nil {
		if err := l.update(ctx, e, before); err != nil {
			return err
		}
		storedBefore()
	}
	for i, je := range entries {
		if err := l.cfg.Store.Append(ctx, je); err != nil {
			return fmt.Errorf("contactcenter: %s: journal %s: %w", e.svc.ID, plan.ID, err)
		}
		written(i)
	}
	if then != nil {
		if err := l.update(ctx, e, then.mutate); err != nil {
			return err
		}
		then.stored()
	}
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
