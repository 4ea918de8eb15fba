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

// An executor runs one plan of one service from where its journal says
// it stopped: the steps not yet done, in order, or, after a permanent
// failure, the undo of every step that started, in reverse. Each step's
// outcome is journaled with the change its action made to the service
// (see result), in one write when the Store is a [Committer].
//
// The move to the plan's state (Deploying, Terminating) is stored with
// the plan's first write, and the move out of it (Ready, Terminated...)
// with its last, so a crash never leaves a service in a state its
// journal does not explain.
type executor struct {
	l     *Lifecycle
	e     *entry // locked by the caller for the whole run
	plan  Plan
	prog  progress
	start *change // stored with the plan's next write; nil once stored
	end   change  // stored once every step is done
	ended bool    // end is stored
}

// runPlan runs the plan planID of e's service. start, if not nil, is the
// change into the plan's state, stored with its first write; a plan that
// starts has no journal yet. end is the change out of it, stored once
// every step is done. It returns nil once end is stored, or once a
// permanent failure has been undone and the service is Failed. A
// transient failure schedules a retry on the lifecycle's clock and
// returns its error.
func (l *Lifecycle) runPlan(ctx context.Context, e *entry, planID string, start *change, end change) error {
	plan, err := l.cfg.Store.GetPlan(ctx, planID)
	if err != nil {
		return fmt.Errorf("contactcenter: %s: load plan: %w", e.svc.ID, err)
	}
	// The first entry of a plan that starts now is stored with the move
	// to its state: a journal someone else wrote would have moved the
	// service too, and this run's first write would conflict.
	var entries []JournalEntry
	if start == nil {
		if entries, err = l.cfg.Store.Journal(ctx, planID); err != nil {
			return fmt.Errorf("contactcenter: %s: load journal: %w", e.svc.ID, err)
		}
	}
	x := &executor{l: l, e: e, plan: plan, prog: replay(entries), start: start, end: end}
	return x.run(ctx)
}

// run runs the steps not yet done and stores the plan's end; after a
// permanent failure, it undoes what started and stores the move to
// Failed instead.
func (x *executor) run(ctx context.Context) error {
	if !x.prog.failed {
		if err := x.forward(ctx); err != nil {
			return err
		}
	}
	if !x.prog.failed {
		x.e.backoff = nil
		if x.ended {
			return nil
		}
		return x.record(ctx, nil, &x.end)
	}
	if err := x.undo(ctx); err != nil {
		return err
	}
	x.e.backoff = nil
	failed := moveTo(Failed, "deploy failed and was undone", x.l.now())
	if f := x.e.svc.Err; f != nil {
		failed.reason += ": " + f.Error()
	}
	return x.record(ctx, nil, &failed)
}

// forward runs the steps not yet done. A permanent failure is journaled
// (x.prog.failed is then set) and returns nil; a transient one schedules
// a retry and returns its error.
func (x *executor) forward(ctx context.Context) error {
	steps := x.plan.Steps
	for i, step := range steps {
		if x.prog.status[step.Key] == StepDone {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		var next *Step
		if i+1 < len(steps) && x.prog.status[steps[i+1].Key] != StepDone {
			next = &steps[i+1]
		}
		err := x.step(ctx, step, step.Key, next, i == len(steps)-1)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		closing := x.plan.Kind == CloseKind
		reason := Refused
		if !errors.Is(err, ErrPermanent) || closing {
			if x.retryLater(step, x.prog.attempts[step.Key], err, closing) {
				return fmt.Errorf("contactcenter: %s: step %s (%s): %w", x.e.svc.ID, step.Key, step.Action, err)
			}
			reason = GaveUp
		}
		f := &Failure{Step: step.Key, Action: step.Action, Reason: reason, Message: err.Error()}
		if reason == GaveUp {
			err = Permanent(fmt.Errorf("gave up after retrying for %v: %w", x.l.cfg.Retry.MaxElapsed, err))
		}
		if err := x.record(ctx, &change{failure: f}, nil, x.note(step, step.Key, StepFailed, err, nil)); err != nil {
			return err
		}
		x.l.log.Error(f, "deploy failed permanently; undoing", "service", x.e.svc.ID, "step", step.Key)
		return nil
	}
	return nil
}

// undo runs, in reverse, the undo of every step that started and is not
// yet undone. An undo is never abandoned: a failing one is retried.
func (x *executor) undo(ctx context.Context) error {
	for i := len(x.plan.Steps) - 1; i >= 0; i-- {
		step := x.plan.Steps[i]
		st, started := x.prog.status[step.Key]
		if !started || st == StepUndone || step.Undo == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := x.step(ctx, *step.Undo, step.Key, nil, false); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			x.retryLater(*step.Undo, x.prog.attempts[step.Undo.Key], err, true)
			return fmt.Errorf("contactcenter: %s: undo %s (%s): %w", x.e.svc.ID, step.Key, step.Undo.Action, err)
		}
	}
	return nil
}

// step runs one step, or the undo of the plan step named key: it
// journals the attempt (unless the write before did), does the action,
// then stores the change the action made with its outcome and, when next
// is not nil, the start of the next step. The last step's write carries
// the plan's end when the journal is atomic. Crashing anywhere in between
// is safe because every action is idempotent.
func (x *executor) step(ctx context.Context, step Step, key string, next *Step, last bool) error {
	if x.prog.open != step.Key {
		if err := x.record(ctx, nil, nil, x.note(step, step.Key, StepStarted, nil, nil)); err != nil {
			return err
		}
	}
	x.prog.open = ""
	res, err := x.l.ports.act(ctx, &x.e.svc, x.plan.Kind, step, x.l.now())
	if err != nil {
		// What the action changed is stored even when it failed: a
		// partial result (end points already disconnected) is still true.
		if !res.change.empty() {
			if rerr := x.record(ctx, &res.change, nil); rerr != nil {
				return rerr
			}
		}
		return err
	}
	status := StepDone
	if key != step.Key {
		status = StepUndone
	}
	var out json.RawMessage
	if res.out != nil {
		if out, err = json.Marshal(res.out); err != nil {
			return Permanent(fmt.Errorf("step %s output: %w", step.Key, err))
		}
	}
	notes := []note{x.note(step, key, status, nil, out)}
	if next != nil {
		notes = append(notes, x.note(*next, next.Key, StepStarted, nil, nil))
	}
	var end *change
	if last && x.l.journal.atomic() {
		end = &x.end
	}
	if err := x.record(ctx, &res.change, end, notes...); err != nil {
		return err
	}
	x.ended = end != nil
	x.e.backoff = nil
	return nil
}

// note is a journal entry to write, and the step it tells of.
type note struct {
	step  Step // for StepStarted, the step or undo that starts
	entry JournalEntry
	err   error
}

// note returns the journal entry saying step (of the plan step named
// key) is at status now.
func (x *executor) note(step Step, key string, status StepStatus, err error, out json.RawMessage) note {
	attempt := x.prog.attempts[step.Key]
	if status == StepStarted {
		key = step.Key
		attempt++
	}
	je := JournalEntry{PlanID: x.plan.ID, Step: key, Status: status, Attempt: attempt, Output: out}
	if err != nil {
		je.Error = err.Error()
	}
	return note{step: step, entry: je, err: err}
}

// record stores, in one commit of the journal, the service as the plan's
// pending start, c and end change it (each if not nil and not empty) and
// notes as the plan's next journal entries. Then it folds the entries
// into the progress and tells of what was stored: the events of the
// start and of c, a StepEvent per entry, the events of end.
func (x *executor) record(ctx context.Context, c, end *change, notes ...note) error {
	now := x.l.now()
	entries := make([]JournalEntry, len(notes))
	for i, n := range notes {
		entries[i] = n.entry
		entries[i].Seq = x.prog.lastSeq + int64(i) + 1
		entries[i].At = now
	}
	var before []change
	if x.start != nil {
		before = append(before, *x.start)
	}
	if c != nil && !c.empty() {
		before = append(before, *c)
	}
	var (
		svc       *Service
		pre, post []Event
	)
	if len(before) > 0 || end != nil {
		s := x.e.svc.Clone()
		for i := range before {
			evs, err := before[i].apply(&s)
			if err != nil {
				return err
			}
			pre = append(pre, evs...)
		}
		if end != nil {
			evs, err := end.apply(&s)
			if err != nil {
				return err
			}
			post = evs
		}
		s.Updated = now
		svc = &s
	}
	stored, appended, err := x.l.journal.commit(ctx, svc, entries)
	if stored != nil {
		x.e.set(*stored)
		x.start = nil
		x.l.announce(pre...)
	}
	for i := range appended {
		x.prog.fold(entries[i])
		n := notes[i]
		x.l.emit(&StepEvent{ServiceID: x.e.svc.ID, At: now, PlanID: x.plan.ID, Kind: x.plan.Kind, Step: n.step,
			Status: n.entry.Status, Attempt: n.entry.Attempt, Err: n.err})
	}
	if err != nil {
		if svc != nil && stored == nil {
			x.l.reloadOnConflict(ctx, x.e, err)
		}
		return fmt.Errorf("contactcenter: %s: journal %s: %w", x.e.svc.ID, x.plan.ID, err)
	}
	if stored != nil {
		x.l.announce(post...)
	}
	return nil
}

// retryLater schedules the next attempt of a failing step with
// exponential backoff on the lifecycle's clock and reports whether it did.
// Unless forever is set, a step that has failed for longer than
// Retry.MaxElapsed is not retried: retryLater returns false.
func (x *executor) retryLater(step Step, attempt int, err error, forever bool) bool {
	l, e := x.l, x.e
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
	l.emit(&StepEvent{ServiceID: e.svc.ID, At: now, PlanID: x.plan.ID, Kind: x.plan.Kind, Step: step,
		Status: StepStarted, Attempt: attempt, Err: err, RetryAt: e.retryAt})
	l.log.V(1).Info("step failed; will retry", "service", e.svc.ID, "step", step.Key, "attempt", attempt, "retryAt", e.retryAt, "error", err.Error())
	return true
}
