package routing

import (
	"errors"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/modality"
)

// Errors of the Router, checked with errors.Is; the Router wraps them
// with what was asked.
var (
	ErrUnknownQueue      = errors.New("routing: unknown queue")
	ErrUnknownAgent      = errors.New("routing: unknown agent")
	ErrUnknownEngagement = errors.New("routing: unknown engagement")
	ErrExists            = errors.New("routing: already known")
	ErrNotOffered        = errors.New("routing: engagement not offered to this agent")
	ErrNotConnected      = errors.New("routing: engagement not connected to this agent")
	ErrIneligible        = errors.New("routing: no agent could ever take it") // kind not served by the queue
	ErrFull              = errors.New("routing: queue full")                  // see RefusedError
	ErrUnavailable       = errors.New("routing: agent cannot take it now")    // not available, busy, or no capacity for its kind
)

// Ticket is what an admitted engagement is told: its place in its
// queue's line (1: next) and how long it is expected to wait with the
// agents available now. An engagement offered at once has the zero
// Ticket.
type Ticket struct {
	Position     int
	ExpectedWait time.Duration
}

// RefusedError is Enqueue's error for an engagement its queue turns
// away: even with the agents the scaler may still add, it would wait
// longer than the queue's MaxWait. errors.Is(err, ErrFull) holds.
type RefusedError struct {
	Queue        string
	Kind         modality.Kind
	Position     int           // how many wait ahead
	ExpectedWait time.Duration // with every agent the scaler may add; the longest Duration if nobody serves the queue
	MaxWait      time.Duration
	RetryAfter   time.Duration // when the line is expected to have moved enough
}

func (e *RefusedError) Error() string {
	if e.ExpectedWait == noAgent {
		return fmt.Sprintf("routing: %s %s: no agent serves it and none may be added; retry after %v: %v",
			e.Queue, e.Kind, e.RetryAfter, ErrFull)
	}
	return fmt.Sprintf("routing: %s %s: %d waiting, expected wait %v beyond the %v allowed; retry after %v: %v",
		e.Queue, e.Kind, e.Position, e.ExpectedWait.Round(time.Second), e.MaxWait, e.RetryAfter.Round(time.Second), ErrFull)
}

func (e *RefusedError) Unwrap() error { return ErrFull }

// Expectation is what a router assumes of a kind until it has seen
// enough: a template's modality gives both.
type Expectation struct {
	HandleTime  time.Duration // mean; default 3m
	Concurrency int           // engagements an added agent holds at once; default 1
}

// Strategy chooses among the agents eligible for an engagement.
type Strategy string

// The strategies; see the package documentation.
const (
	LongestIdle    Strategy = "longest-idle"
	RoundRobin     Strategy = "round-robin"
	LeastBusy      Strategy = "least-busy"
	SkillsWeighted Strategy = "skills-weighted"
)

// Strategies returns every strategy, in the order the package documents
// them. The slice is new on each call.
func Strategies() []Strategy {
	return []Strategy{LongestIdle, RoundRobin, LeastBusy, SkillsWeighted}
}

// Queue is where engagements wait for an agent.
type Queue struct {
	Name       string
	Priority   int             // higher is served first
	Modalities []modality.Kind // the kinds it takes
	Skills     []string        // an agent needs every one of them
	Strategy   Strategy        // "" is LongestIdle
	// MaxWait is how long an engagement waits before it moves to
	// Overflow, or ends Expired if there is none. 0: no limit.
	MaxWait  time.Duration
	Overflow string // a queue of the same Router, or ""
	// Threshold is the service level's bound: an engagement answered
	// within it counts in [Stats.AnsweredWithin]. 0: 20s.
	Threshold time.Duration
}

// Agent is a person who takes engagements.
type Agent struct {
	ID string
	// Skills and their levels (1 to 100): languages, topics. A queue's
	// Skills must all be here for the agent to serve it; SkillsWeighted
	// prefers the highest sum of levels.
	Skills map[string]int
	// Capacity is how many engagements of each kind the agent holds at
	// once: 1 call, 3 chats. A kind not here is one the agent does not
	// take.
	Capacity map[modality.Kind]int
}

// Status is what an agent says about themself.
type Status string

const (
	Offline   Status = "offline"   // not working: offered nothing
	Available Status = "available" // offered what they are eligible for
	Break     Status = "break"     // working, offered nothing
)

// Presence is where an agent is, as supervisors see it.
type Presence string

const (
	PresenceOffline   Presence = "offline"
	PresenceAvailable Presence = "available" // may be offered an engagement now
	PresenceOffered   Presence = "offered"   // reserved: an offer is pending
	PresenceBusy      Presence = "busy"      // holds engagements and may take no more of any kind
	PresenceWrapUp    Presence = "wrap-up"   // after an engagement, for Config.WrapUp
	PresenceBreak     Presence = "break"     // on a break, or set there by missed offers
	PresenceResting   Presence = "resting"   // just missed an offer, for Config.MissPause
)

// Engagement is one attendee's contact, as the router sees it.
type Engagement struct {
	ID      string
	Queue   string
	Kind    modality.Kind
	Arrived time.Time // zero: when it is enqueued
}

// Outcome is how an engagement ended.
type Outcome string

const (
	Answered  Outcome = "answered"  // an agent accepted it, and it ended
	Abandoned Outcome = "abandoned" // the attendee left before an agent accepted
	Expired   Outcome = "expired"   // waited past its queue's MaxWait, with no overflow
	// Disconnected: the service closed while it waited (its term ended):
	// counted apart, neither abandoned nor against the service level.
	Disconnected Outcome = "disconnected"
)

// EventKind says what happened.
type EventKind uint8

const (
	EventQueued      EventKind = iota + 1 // an engagement started waiting (arrived, requeued, transferred, overflowed)
	EventOffered                          // offered to Agent; Wait is how long it waited
	EventAccepted                         // Agent accepted it
	EventMissed                           // Agent declined it, or the offer timed out
	EventWithdrawn                        // the offer to Agent was taken back: Agent left, went offline or on a break, or the attendee hung up
	EventOverflow                         // it waited past MaxWait and moved to Queue
	EventEnded                            // it ended with Outcome; exactly once per engagement
	EventAgentBreak                       // Agent missed MaxMisses offers in a row: set to Break
	EventMonitored                        // supervisor Agent listens in on the connected engagement
	EventConferenced                      // supervisor Agent joined the conversation (barge-in)
)

func (k EventKind) String() string {
	switch k {
	case EventQueued:
		return "queued"
	case EventOffered:
		return "offered"
	case EventAccepted:
		return "accepted"
	case EventMissed:
		return "missed"
	case EventWithdrawn:
		return "withdrawn"
	case EventOverflow:
		return "overflow"
	case EventEnded:
		return "ended"
	case EventAgentBreak:
		return "agent-break"
	case EventMonitored:
		return "monitored"
	case EventConferenced:
		return "conferenced"
	}
	return "unknown"
}

// Event is one decision of the router. It is a value: handling it
// allocates nothing.
type Event struct {
	Kind       EventKind
	At         time.Time
	Engagement string
	Queue      string
	Agent      string
	Outcome    Outcome // with EventEnded
	// Wait is, with EventOffered and EventAccepted, how long the
	// engagement has waited in its queue; with EventOverflow, how long it
	// waited in the queue it left; with EventEnded, how long since it
	// entered its last queue.
	Wait time.Duration
}

// Config configures a Router.
type Config struct {
	Queues []Queue
	// OfferTimeout is how long an agent has to accept an offer. 0: 20s.
	OfferTimeout time.Duration
	// MissPause is how long an agent who missed an offer is not offered
	// another. 0: 5s.
	MissPause time.Duration
	// MaxMisses is how many offers in a row an agent may miss before the
	// router sets them to Break. 0: 3.
	MaxMisses int
	// WrapUp is how long an agent is offered nothing after an engagement
	// ends. 0: none.
	WrapUp time.Duration
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Expect is what the router assumes of each kind's handle time and
	// concurrency for admission, until it has seen five engagements of
	// a queue end.
	Expect map[modality.Kind]Expectation
	// OnEvent is told every decision, in order, with the router's lock
	// held: it must not block or call the Router. Default: none.
	OnEvent func(Event)
}

// Stats counts one queue's engagements of one kind.
type Stats struct {
	Queue          string
	Kind           modality.Kind
	Offered        int // engagements that entered the queue (overflows in included)
	Answered       int // acceptances by an agent (one requeued and accepted again counts again)
	AnsweredWithin int // answered within the queue's Threshold
	Abandoned      int
	Expired        int
	Disconnected   int           // ended waiting by the service's close ([Router.Disconnect]); not in ServiceLevel
	Refused        int           // turned away at Enqueue (not in Offered)
	OverflowedOut  int           // moved to the overflow queue
	Waiting        int           // waiting now
	WaitAnswered   time.Duration // total wait of the answered: ASA = WaitAnswered / Answered
	// Waited is the total wait of every engagement that left the queue
	// (answered, abandoned, expired or overflowed out): the time
	// attendees were at risk of giving up. Waited / Abandoned estimates
	// their mean patience (exponential patience, censored by answers).
	Waited      time.Duration
	LongestWait time.Duration // of any engagement that left the queue
	HandleTime  time.Duration // total time from accept to end, of those ended
	Handled     int           // answered engagements that ended
}

// resolved is how many engagements left the queue one way or another:
// answered, abandoned, expired or overflowed out.
func (s Stats) resolved() int { return s.Answered + s.Abandoned + s.Expired + s.OverflowedOut }

// ServiceLevel is the share of the engagements that left the queue that
// were answered within its Threshold: abandoned, expired and overflowed
// ones count against it. 1 when none has left yet.
func (s Stats) ServiceLevel() float64 {
	if n := s.resolved(); n > 0 {
		return float64(s.AnsweredWithin) / float64(n)
	}
	return 1
}

// AbandonRate is the share of the engagements that left the queue whose
// attendee gave up waiting. 0 when none has left yet.
func (s Stats) AbandonRate() float64 {
	if n := s.resolved(); n > 0 {
		return float64(s.Abandoned) / float64(n)
	}
	return 0
}

// ASA is the average speed of answer: the mean wait of the answered. 0
// when none was.
func (s Stats) ASA() time.Duration {
	if s.Answered == 0 {
		return 0
	}
	return s.WaitAnswered / time.Duration(s.Answered)
}

// AHT is the average handle time of the answered engagements that ended.
// 0 when none has.
func (s Stats) AHT() time.Duration {
	if s.Handled == 0 {
		return 0
	}
	return s.HandleTime / time.Duration(s.Handled)
}
