package modality

import (
	"errors"
	"fmt"
	"time"
)

// Router is where a channel hands the engagements it takes in when a
// service has one ([Setup.Router]): the service's router (the ACD, in
// modality/routing), which the contactcenter lifecycle runs in the
// replica that owns the service. The channel keeps the transport (the
// call, the socket); the router decides who serves the engagement and
// when it ends.
//
// A channel calls Enqueue when an engagement is ready to wait for an
// agent (at arrival on an entry point with a queue, or when the
// receptionist hands it off), and Hangup when the attendee leaves. It
// must call neither while holding a lock that notify takes.
type Router interface {
	// Enqueue puts engagement e in queue's line, or turns it away: an
	// error wrapping [ErrBusy] (a *[BusyError], saying when to try again)
	// when the queue cannot take it within its longest wait, another
	// error for a queue or kind the router does not know. An admitted
	// engagement is told its place.
	//
	// notify is told, in order and from one goroutine at a time, what
	// becomes of the engagement: [Connected] when an agent accepts it,
	// [Requeued] when it waits again, and finally [Finished], exactly
	// once, after which it is told nothing more. notify must not block
	// for long; it may call the Router.
	Enqueue(e Engagement, queue string, notify func(Decision)) (Place, error)
	// Hangup says the attendee of an engagement Enqueue admitted has
	// left. The engagement is Finished (notify is told). Hanging up an
	// engagement that already finished is not an error.
	Hangup(engagementID string) error
}

// Placer is a [Router] that says where a waiting engagement is now, for
// channels that tell the attendee (a caller on hold hears their place in
// line). Optional.
type Placer interface {
	// Place is where engagementID waits now; the zero Place once it is
	// offered to or with an agent. An engagement the router does not
	// hold is an error.
	Place(engagementID string) (Place, error)
}

// Phones is a [Router] that offers engagements to agents on phones a
// channel reaches itself (SIP phones registered with it), as the desk
// offers them to agents at a desktop. Optional.
type Phones interface {
	// AttachPhone puts agentID on duty through a phone: available, and
	// ring(engagementID) is called, on any goroutine and without
	// blocking, each time the router offers them an engagement. detach
	// takes them off duty. An agent without a grant to take engagements
	// here is an error.
	AttachPhone(agentID string, ring func(engagementID string)) (detach func(), err error)
	// PhoneAnswered takes the offer of engagementID: the agent's phone
	// answered. PhoneRefused gives it back: the phone refused it or did
	// not answer. PhoneHungUp ends it: the agent hung up.
	PhoneAnswered(agentID, engagementID string) error
	PhoneRefused(agentID, engagementID string) error
	PhoneHungUp(agentID, engagementID string) error
}

// Place is what an admitted engagement is told: its position in line
// (1: next; 0: offered at once) and the expected wait.
type Place struct {
	Position     int
	ExpectedWait time.Duration
}

// DecisionKind says what the router decided about an engagement.
type DecisionKind uint8

const (
	// Connected: an agent accepted the engagement (Decision.Agent).
	Connected DecisionKind = iota + 1
	// Requeued: the engagement waits again (its agent left, transferred
	// it, or its queue overflowed into Decision.Queue).
	Requeued
	// Finished: the engagement is over (Decision.Outcome). A channel
	// ends the transport if the attendee is still there.
	Finished
	// Supervised: supervisor Decision.Agent listens in, or, with
	// Decision.Barge, joins the conversation; the channel connects them
	// where its medium can.
	Supervised
)

func (k DecisionKind) String() string {
	switch k {
	case Connected:
		return "connected"
	case Requeued:
		return "requeued"
	case Finished:
		return "finished"
	case Supervised:
		return "supervised"
	}
	return "unknown"
}

// Decision is one decision about an engagement.
type Decision struct {
	Kind       DecisionKind
	Engagement string
	Queue      string
	Agent      string // with Connected
	// Outcome, with Finished: "answered" (an agent had it), "abandoned"
	// (the attendee left first), "expired" (waited past the queue's
	// longest wait with nowhere to overflow), "disconnected" (the service
	// closed).
	Outcome string
	// BackToReceptionist, with Finished, hands the attendee back to the
	// virtual receptionist instead of ending the engagement: no agent
	// could take it in time, and its queue overflows to the
	// receptionist. The channel says [Receptionist.Back] and runs the
	// menu again; a hand-off then enqueues it anew.
	BackToReceptionist bool
	Barge              bool // with Supervised: the supervisor joins the conversation
	At                 time.Time
}

// ErrBusy is wrapped by a Router's Enqueue error for an engagement it
// turns away: see [BusyError].
var ErrBusy = errors.New("modality: busy, try later")

// BusyError is a Router's refusal of an engagement: its queue could not
// take it within the queue's longest wait, even with the agents the
// service may still add. A telephony channel answers 486 Busy Here (or
// 503) with Retry-After; a text channel says "try later".
type BusyError struct {
	Queue      string
	RetryAfter time.Duration // when the line is expected to have moved enough
	Reason     string        // for logs and, cleaned, for the attendee
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("modality: queue %q: %s; retry after %v: %v", e.Queue, e.Reason, e.RetryAfter, ErrBusy)
}

func (e *BusyError) Unwrap() error { return ErrBusy }
