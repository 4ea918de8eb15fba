package contactcenter

import (
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/scaling"
)

// Event is something that happened to a service. Hosts receive events
// through [Lifecycle.Subscribe] and tell them apart with a type switch on
// the concrete types: *StateChanged, *StepEvent, *ScaleEvent,
// *TermChanged, *IntakeChanged, *AttendeeChanged, *EngagementEvent.
type Event interface {
	// Service is the ID of the service the event is about.
	Service() string
	// Time is the lifecycle clock's time of the event.
	Time() time.Time
}

// StateChanged reports a service's move from one state to another.
type StateChanged struct {
	ServiceID string
	At        time.Time
	From, To  State
	Reason    string
}

// StepEvent reports progress of one plan step.
type StepEvent struct {
	ServiceID string
	At        time.Time
	PlanID    string
	Kind      PlanKind
	Step      Step
	Status    StepStatus // StepStarted, StepDone, StepFailed or StepUndone
	Attempt   int
	// Err is the step's error: with StepFailed the permanent one; with
	// StepStarted and a non-zero RetryAt, a transient one that will be
	// retried at RetryAt.
	Err     error
	RetryAt time.Time
}

// ScaleEvent reports one scaling decision and what was applied.
type ScaleEvent struct {
	ServiceID string
	At        time.Time
	Decision  scaling.Decision
	Before    scaling.Resources
	After     scaling.Resources // what the service holds now
	Added     []string          // agents and supervisors deployed and granted access
	Removed   []string          // agents and supervisors released, their access revoked
	Err       error             // why the decision was not (fully) applied
}

// TermChanged reports an event change applied to a service's term.
type TermChanged struct {
	ServiceID string
	At        time.Time
	Change    string // "extended", "shortened", "rescheduled", "cancelled", "terminated"
	Old, New  Term
	Expires   time.Time // the new expiry
	Reason    string
}

// IntakeChanged reports intake opening (at the term's start) or stopping
// (at its end).
type IntakeChanged struct {
	ServiceID string
	At        time.Time
	Open      bool
}

// EngagementEvent reports one decision of a service's router: an
// engagement queued, offered to an agent, accepted, missed, withdrawn,
// overflowed or ended, or an agent set to a break after missed offers.
// Agents' desktops learn of their offers from it.
type EngagementEvent struct {
	ServiceID string
	routing.Event
}

func (e *EngagementEvent) Service() string { return e.ServiceID }

// ConversationEvent reports one event of a written conversation (chat)
// of a service this process drives, or, through the Relay, of one whose
// connected agent signed in here: a message, the attendee typing or
// reading, the conversation starting or ending. Agents' desktops show
// their conversations from it.
type ConversationEvent struct {
	modality.ConversationEvent
	// Agent is the agent connected with the conversation, "" while
	// nobody is (with the receptionist, waiting, offered).
	Agent string
	At    time.Time
}

func (e *ConversationEvent) Service() string { return e.ServiceID }
func (e *ConversationEvent) Time() time.Time { return e.At }
func (e *EngagementEvent) Time() time.Time   { return e.At }

func (e *StateChanged) Service() string  { return e.ServiceID }
func (e *StateChanged) Time() time.Time  { return e.At }
func (e *StepEvent) Service() string     { return e.ServiceID }
func (e *StepEvent) Time() time.Time     { return e.At }
func (e *ScaleEvent) Service() string    { return e.ServiceID }
func (e *ScaleEvent) Time() time.Time    { return e.At }
func (e *TermChanged) Service() string   { return e.ServiceID }
func (e *TermChanged) Time() time.Time   { return e.At }
func (e *IntakeChanged) Service() string { return e.ServiceID }
func (e *IntakeChanged) Time() time.Time { return e.At }
