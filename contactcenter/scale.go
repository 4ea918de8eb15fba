package contactcenter

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/scaling"
)

// scale takes a scaling decision for an active service when one is due
// and applies it: resources grow before agents are added and shrink after
// agents are removed; added agents are granted access, removed agents
// lose it.
func (l *Lifecycle) scale(ctx context.Context, e *entry, now time.Time) error {
	if now.Before(e.nextScale) {
		return nil
	}
	s := &e.svc
	scaler, err := l.scaler(e, now)
	if err != nil {
		return err
	}
	samples, err := l.cfg.Traffic.Samples(ctx, s.ID, now)
	if err != nil {
		err = fmt.Errorf("contactcenter: %s: traffic: %w", s.ID, err)
		l.emit(&ScaleEvent{ServiceID: s.ID, At: now, Before: s.Resources, After: s.Resources, Err: err})
		return err
	}
	withWrapUp(samples, s.Config.Staffing.WrapUp.D())
	if ln := e.line.Load(); ln != nil {
		ln.addWaited(samples) // the attendees' patience, for Erlang A
	}
	d := scaler.Decide(now, s.Resources.Agents, samples)
	if d.Desired == s.Resources {
		return l.keep(ctx, e, d, now)
	}
	return l.apply(ctx, e, d, now)
}

// scaler returns the service's autoscaler, made at its first decision,
// and sets when the next decision is due.
func (l *Lifecycle) scaler(e *entry, now time.Time) (*scaling.Autoscaler, error) {
	s := &e.svc
	interval := s.Config.Staffing.ScaleInterval.D()
	if e.scaler != nil {
		e.nextScale = now.Add(interval)
		return e.scaler, nil
	}
	// Spread services that opened together over the interval, so a tick
	// takes a share of their decisions, not all of them at once.
	e.nextScale = now.Add(interval + stagger(s.ID, interval))
	a, err := scaling.NewAutoscaler(scalingParams(s.Config), l.policy)
	if err != nil {
		return nil, fmt.Errorf("contactcenter: %s: autoscaler: %w", s.ID, err)
	}
	// What the service holds now (planned from the expected attendance,
	// or scaled before a restart) stands for one window: quiet first
	// minutes do not undo it before traffic is seen.
	a.Hold(now, s.Resources.Agents)
	e.scaler = a
	return a, nil
}

// withWrapUp adds the wrap-up to the samples' handle times: an agent is
// held for the engagement and then the wrap-up the router gives them, so
// staff for both, as scalingParams does for the expected handle time
// (channels see the engagement only).
func withWrapUp(samples []scaling.Sample, wrap time.Duration) {
	if wrap <= 0 {
		return
	}
	for i := range samples {
		if samples[i].HandleTime > 0 {
			samples[i].HandleTime += wrap
		}
	}
}

// keep follows a decision to change nothing: usage is integrated at the
// next change, and Report adds what accrued since. The engagement report
// is stored if engagements came and went. The channels' capacity is set
// again all the same.
func (l *Lifecycle) keep(ctx context.Context, e *entry, d scaling.Decision, now time.Time) error {
	s := &e.svc
	err := l.ports.setCapacity(ctx, s)
	if ln := e.line.Load(); ln != nil {
		if rep, changed := ln.report(); changed {
			err = errors.Join(err, l.save(ctx, e, change{at: now, engagements: rep}))
		}
	}
	if err != nil {
		err = fmt.Errorf("contactcenter: %s: scale: %w", s.ID, err)
	}
	l.emit(&ScaleEvent{ServiceID: s.ID, At: now, Decision: d, Before: s.Resources, After: s.Resources, Err: err})
	return err
}

// apply brings the service to the decision's resources and stores it.
// An agent released while handling engagements here finishes them
// first: they are offered nothing more, and lose their access once they
// hold nothing (see line.retire).
func (l *Lifecycle) apply(ctx context.Context, e *entry, d scaling.Decision, now time.Time) error {
	s := &e.svc
	before := s.Resources
	ln := e.line.Load()
	busy := func(string) bool { return false }
	if ln != nil {
		busy = ln.busy
	}
	held, staff, added, removed, draining, applyErr := l.ports.resize(ctx, s, d.Desired, now, busy)
	if ln != nil {
		for _, who := range removed {
			if slices.Contains(draining, who) {
				ln.retire(who)
			} else if err := ln.desk.Expel(who); err != nil {
				applyErr = errors.Join(applyErr, fmt.Errorf("expel %s: %w", who, err))
			}
		}
	}
	c := change{at: now, accrue: true, held: held}
	if staff != nil {
		c.staff = some(staff)
	}
	if ln != nil {
		c.engagements, _ = ln.report()
	}
	if err := l.save(ctx, e, c); err != nil {
		return errors.Join(applyErr, err)
	}
	if ln != nil {
		ln.sync(&e.svc)
	}
	if err := l.ports.setCapacity(ctx, &e.svc); err != nil {
		applyErr = errors.Join(applyErr, err)
	}
	if applyErr != nil {
		applyErr = fmt.Errorf("contactcenter: %s: scale: %w", s.ID, applyErr)
	}
	l.emit(&ScaleEvent{ServiceID: s.ID, At: now, Decision: d, Before: before, After: e.svc.Resources,
		Added: added, Removed: removed, Err: applyErr})
	return applyErr
}

// resize brings what the provisioner holds for the service to want:
// resources grow before agents are added and shrink after agents are
// removed; added agents and supervisors are granted access, removed ones
// lose it. It returns what is now held of each kind it set, who was added
// and removed, and what failed: it stops at the first kind it cannot set.
//
// A removed agent busy reports true for keeps their grant for now: they
// are returned in draining, for the caller to retire.
func (p ports) resize(ctx context.Context, s *Service, want scaling.Resources, now time.Time, busy func(string) bool) (held map[Resource][]Item, staff []Person, added, removed, draining []string, err error) {
	held = map[Resource][]Item{}
	set := func(r Resource, n int) {
		if err != nil {
			return
		}
		items, serr := p.cfg.Provisioner.Set(ctx, s.ID, r, n)
		if serr != nil {
			err = fmt.Errorf("set %s to %d: %w", r, n, serr)
			return
		}
		held[r] = items
		if r == Agents {
			people, seats, serr := p.staff(ctx, s, items)
			held[r] = seats
			if serr != nil {
				err = serr
				return
			}
			staff = people
		}
	}
	before := s.Resources
	wantOf := map[Resource]int{Space: want.Space, Licences: want.Licences, Agents: want.Agents, Supervisors: want.Supervisors}
	haveOf := map[Resource]int{Space: before.Space, Licences: before.Licences, Agents: before.Agents, Supervisors: before.Supervisors}
	rs := Resources()
	for _, r := range rs { // grow: space and licences first
		if wantOf[r] > haveOf[r] {
			set(r, wantOf[r])
		}
	}
	for i := len(rs) - 1; i >= 0; i-- { // shrink: agents first
		if r := rs[i]; wantOf[r] < haveOf[r] {
			set(r, wantOf[r])
		}
	}

	oldIDs := append(append([]string(nil), s.Agents...), s.Supervisors...)
	next := s.Clone()
	for r, items := range held {
		setHeld(&next, r, items)
	}
	if staff != nil {
		setStaff(&next, staff)
	}
	newIDs := append(append([]string(nil), next.Agents...), next.Supervisors...)
	added, removed = diff(oldIDs, newIDs)
	if len(added) > 0 && err == nil {
		if _, gerr := p.grant(ctx, &next, added, now); gerr != nil {
			err = fmt.Errorf("grant access: %w", gerr)
		}
	}
	for _, who := range removed {
		if busy(who) {
			draining = append(draining, who)
			continue
		}
		if rerr := p.cfg.Access.Revoke(ctx, grantID(s.ID, who), now); rerr != nil && !errors.Is(rerr, access.ErrNotFound) {
			err = errors.Join(err, fmt.Errorf("revoke %s: %w", who, rerr))
		}
	}
	return held, staff, added, removed, draining, err
}

// diff returns the IDs only in b (added) and only in a (removed).
func diff(a, b []string) (added, removed []string) {
	in := func(xs []string) map[string]bool {
		m := make(map[string]bool, len(xs))
		for _, x := range xs {
			m[x] = true
		}
		return m
	}
	ina, inb := in(a), in(b)
	for _, x := range b {
		if !ina[x] {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !inb[x] {
			removed = append(removed, x)
		}
	}
	return added, removed
}

// stagger is a stable offset in [0, interval) derived from the service ID.
func stagger(id string, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	return time.Duration(h.Sum64() % uint64(interval))
}
