package contactcenter

import (
	"fmt"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/numbermap"
)

// A change is a change to one service, as a value: the fields to set and
// the state to move to, made at one instant. A plan step's action returns
// one (see result), the executor stores it with the step's journal
// entries, and the lifecycle's other writes (intake, scaling, term
// changes) are changes too. Zero fields change nothing.
type change struct {
	at time.Time // when the change is made: usage, the timeline and events

	// to, when not "", moves the service to that state, for reason.
	to     State
	reason string

	accrue bool // integrate usage up to at, before resources change

	held         map[Resource][]Item // what the provisioner now holds, by kind
	staff        opt[[]Person]       // the people on duty, with their seats
	engagements  *EngagementReport   // how engagements went, as of at
	numbers      opt[[]numbermap.Number]
	entryPoints  opt[[]modality.EntryPoint]
	intakeOpen   opt[bool]
	term         opt[Term]
	expires      opt[time.Time]
	cancelReason string // set when not ""
	failure      *Failure
	closing      closingChange

	// check stores the change even when it changes nothing else: the
	// write is checked against the service's revision (see GrantAccess).
	check bool

	events []Event // emitted once stored, before the StateChanged of a move
}

// opt is a field a change may set: to the zero value as well.
type opt[T any] struct {
	set bool
	v   T
}

func some[T any](v T) opt[T] { return opt[T]{set: true, v: v} }

// closingChange is what a closing step adds to the closing report.
type closingChange struct {
	revoked      int
	disconnected int
	released     []Item
	numbers      opt[[]RetiredNumber]
	proof        *proof
	transcripts  *TranscriptsKept
}

// proof is what the verify step found.
type proof struct {
	remaining   []Item
	authorising int
	live        int
	verified    time.Time // zero unless nothing was left
}

// moveTo returns the change that moves a service to the state to.
func moveTo(to State, reason string, at time.Time) change {
	return change{to: to, reason: reason, at: at}
}

// empty reports whether c would store nothing.
func (c *change) empty() bool {
	return c.to == "" && !c.accrue && c.held == nil && !c.staff.set && c.engagements == nil && !c.numbers.set && !c.entryPoints.set &&
		!c.intakeOpen.set && !c.term.set && !c.expires.set && c.cancelReason == "" &&
		c.failure == nil && c.closing.empty() && !c.check && len(c.events) == 0
}

func (c *closingChange) empty() bool {
	return c.revoked == 0 && c.disconnected == 0 && c.released == nil && !c.numbers.set && c.proof == nil &&
		c.transcripts == nil
}

// apply makes the change to s and returns the events that tell of it,
// to emit once it is stored. It fails, changing nothing, with
// ErrInvalidState if s may not move to the state c moves it to.
func (c *change) apply(s *Service) ([]Event, error) {
	from := s.State
	if c.to != "" && !CanTransition(from, c.to) {
		return nil, fmt.Errorf("contactcenter: %s: %s to %s: %w", s.ID, from, c.to, ErrInvalidState)
	}
	if c.accrue {
		accrue(s, c.at)
	}
	for r, items := range c.held {
		setHeld(s, r, items)
	}
	if c.staff.set {
		setStaff(s, c.staff.v)
	}
	if c.engagements != nil {
		s.Engagements = c.engagements
	}
	if c.numbers.set {
		s.Numbers = c.numbers.v
	}
	if c.entryPoints.set {
		s.EntryPoints = c.entryPoints.v
	}
	if c.intakeOpen.set {
		s.IntakeOpen = c.intakeOpen.v
	}
	if c.term.set {
		s.Term = c.term.v
	}
	if c.expires.set {
		s.Expires = c.expires.v
	}
	if c.cancelReason != "" {
		s.CancelReason = c.cancelReason
	}
	if c.failure != nil {
		f := *c.failure
		s.Err = &f
	}
	if !c.closing.empty() {
		c.closing.apply(closingOf(s))
	}
	if c.to == "" {
		return c.events, nil
	}
	s.State = c.to
	s.Timeline = append(s.Timeline, Transition{At: c.at, From: from, To: c.to, Reason: c.reason})
	moved := &StateChanged{ServiceID: s.ID, At: c.at, From: from, To: c.to, Reason: c.reason}
	return append(c.events[:len(c.events):len(c.events)], moved), nil
}

func (c *closingChange) apply(r *ClosingReport) {
	r.GrantsRevoked += c.revoked
	r.Disconnected += c.disconnected
	r.Released = append(r.Released, c.released...)
	if c.numbers.set {
		r.Numbers = c.numbers.v
	}
	if t := c.transcripts; t != nil {
		k := *t
		r.Transcripts = &k
	}
	if p := c.proof; p != nil {
		r.Remaining = p.remaining
		r.Authorising = p.authorising
		r.LiveEndpoints = p.live
		if !p.verified.IsZero() {
			r.Verified = p.verified
		}
	}
}

// closingOf returns s's closing report, creating it if need be.
func closingOf(s *Service) *ClosingReport {
	if s.Closing == nil {
		s.Closing = &ClosingReport{}
	}
	return s.Closing
}

// accrue integrates what the service held since the last accrual.
func accrue(s *Service, now time.Time) {
	if !s.Usage.Since.IsZero() && now.After(s.Usage.Since) {
		dt := now.Sub(s.Usage.Since).Seconds()
		s.Usage.AgentSeconds += float64(s.Resources.Agents) * dt
		s.Usage.SupervisorSeconds += float64(s.Resources.Supervisors) * dt
		s.Usage.LicenceSeconds += float64(s.Resources.Licences) * dt
		s.Usage.SpaceSeconds += float64(s.Resources.Space) * dt
	}
	if now.After(s.Usage.Since) {
		s.Usage.Since = now
	}
}

// setStaff records the people on duty.
func setStaff(s *Service, people []Person) {
	s.Staff = people
	s.Agents = make([]string, len(people))
	for i, p := range people {
		s.Agents[i] = p.ID
	}
}

// setHeld records what the provisioner holds of one kind.
func setHeld(s *Service, r Resource, items []Item) {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	switch r {
	case Space:
		s.Resources.Space = len(items)
	case Licences:
		s.Resources.Licences = len(items)
	case Agents: // who sits there: see setStaff
		s.Resources.Agents = len(items)
	case Supervisors:
		s.Resources.Supervisors = len(items)
		s.Supervisors = ids
	}
	if s.Resources.Agents > s.Usage.PeakAgents {
		s.Usage.PeakAgents = s.Resources.Agents
	}
}
