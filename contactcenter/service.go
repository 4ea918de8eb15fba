package contactcenter

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/scaling"
	"github.com/eventcc/eventcc/template"
)

// Term is the period a service serves its event: intake is open in
// [Start, End); access and numbers stay the service's until the expiry,
// End plus the template's grace.
type Term struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	TimeZone string    `json:"timeZone"` // IANA name, e.g. "Europe/Berlin"; "" means UTC
}

// Features are what attendees may use.
type Features struct {
	// Modalities requested; empty means every modality of the template.
	Modalities   []modality.Kind `json:"modalities,omitempty"`
	Receptionist bool            `json:"receptionist,omitempty"`
	// Queues requested by name; empty means the template's queues.
	Queues []string `json:"queues,omitempty"`
	// Accounts are the event's social messaging accounts, as their
	// providers name them: a WhatsApp phone number ID, a Messenger page
	// ID, a Telegram bot's username. Each is an entry point of the
	// social modality: messages to it are the service's. Required when
	// the service offers social messaging; at most 16, each 1 to 128
	// printable characters, no two alike.
	Accounts []string `json:"accounts,omitempty"`
}

// Request asks for a contact center for one event.
type Request struct {
	// EventID identifies the event in the event system. It is also the
	// service's ID: one service per event. Letters, digits, '-', '_' and
	// '.', at most 64.
	EventID            string             `json:"eventId"`
	EventType          string             `json:"eventType"`
	Term               Term               `json:"term"`
	Template           string             `json:"template"` // a name in the lifecycle's catalog
	Features           Features           `json:"features"`
	ExpectedAttendance int                `json:"expectedAttendance"`
	Overrides          template.Overrides `json:"overrides"`
}

// State is where a service is in its life.
//
//	Requested ─► Scheduled ─► Deploying ─► Ready ─► Active ─► Terminating ─► Terminated
//
// and every move [CanTransition] allows:
//
//	Requested   ─► Scheduled, Cancelled, Failed
//	Scheduled   ─► Deploying, Cancelled
//	Deploying   ─► Ready, Active, Failed
//	Ready       ─► Active, Terminating (cancelled, or expired, before it opened)
//	Active      ─► Terminating
//	Terminating ─► Terminated, Cancelled (the closing of a cancelled service)
type State string

const (
	Requested   State = "requested"   // accepted, plans not yet stored
	Scheduled   State = "scheduled"   // plans stored, waiting for the deploy time
	Deploying   State = "deploying"   // the deploy plan is running
	Ready       State = "ready"       // deployed, waiting for the term to start
	Active      State = "active"      // the term has started: intake open, scaling
	Terminating State = "terminating" // the closing plan is running
	Terminated  State = "terminated"  // closed, nothing left behind
	Cancelled   State = "cancelled"   // cancelled; anything deployed was closed
	Failed      State = "failed"      // the deploy failed and was undone
)

var transitions = map[State][]State{
	Requested:   {Scheduled, Cancelled, Failed},
	Scheduled:   {Deploying, Cancelled},
	Deploying:   {Ready, Active, Failed},
	Ready:       {Active, Terminating},
	Active:      {Terminating},
	Terminating: {Terminated, Cancelled},
}

// CanTransition reports whether a service may move from one state to
// another.
func CanTransition(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Final reports whether s is a state a service never leaves.
func (s State) Final() bool { return s == Terminated || s == Cancelled || s == Failed }

// Transition is one entry of a service's timeline.
type Transition struct {
	At     time.Time `json:"at"`
	From   State     `json:"from"`
	To     State     `json:"to"`
	Reason string    `json:"reason"`
}

// Usage integrates what a service held over time.
type Usage struct {
	AgentSeconds      float64   `json:"agentSeconds"`
	SupervisorSeconds float64   `json:"supervisorSeconds"`
	LicenceSeconds    float64   `json:"licenceSeconds"`
	SpaceSeconds      float64   `json:"spaceSeconds"`
	PeakAgents        int       `json:"peakAgents"`
	Since             time.Time `json:"since"` // last instant integrated
}

// Service is one event's contact center. Values returned by the lifecycle
// are copies the caller owns.
type Service struct {
	ID      string          `json:"id"`
	Request Request         `json:"request"`
	Config  template.Config `json:"config"`
	State   State           `json:"state"`
	Term    Term            `json:"term"` // current term, after event changes
	// Expires is the instant the service's access and numbers end and the
	// closing plan becomes due: the term's end plus the template's grace,
	// or the instant of a cancellation.
	Expires time.Time `json:"expires"`
	// CancelReason is set once the service was cancelled; it ends in
	// Cancelled rather than Terminated.
	CancelReason string                `json:"cancelReason,omitempty"`
	DeployPlan   string                `json:"deployPlan"` // plan IDs
	ClosePlan    string                `json:"closePlan"`
	Resources    scaling.Resources     `json:"resources"`        // held now
	Agents       []string              `json:"agents,omitempty"` // the people on duty: their principals
	Staff        []Person              `json:"staff,omitempty"`  // the people on duty, with their seats
	Supervisors  []string              `json:"supervisors,omitempty"`
	Numbers      []numbermap.Number    `json:"numbers,omitempty"`
	EntryPoints  []modality.EntryPoint `json:"entryPoints,omitempty"`
	IntakeOpen   bool                  `json:"intakeOpen"`
	Usage        Usage                 `json:"usage"`
	// Engagements is how its engagements went, as last stored: at each
	// scaling decision with traffic since the last, and when it closes.
	Engagements *EngagementReport `json:"engagements,omitempty"`
	Timeline    []Transition      `json:"timeline"`
	Closing     *ClosingReport    `json:"closing,omitempty"`
	Err         *Failure          `json:"error,omitempty"` // why it failed; nil unless Failed
	Created     time.Time         `json:"created"`
	Updated     time.Time         `json:"updated"`
	Revision    int64             `json:"revision"` // incremented by every stored change
}

// Failure is why a service's deploy failed: which step, and how. It is
// an error: Tick's error for the service wraps it.
type Failure struct {
	Step    string        `json:"step"`   // the key of the step that failed, e.g. "03-agents"
	Action  Action        `json:"action"` // what the step did
	Reason  FailureReason `json:"reason"`
	Message string        `json:"message"` // the step's error, for people
}

// FailureReason says why a step's failure ended its plan.
type FailureReason string

const (
	// Refused: an adapter refused the step for good (its error wrapped
	// [ErrPermanent], or it was a quota or an invalid claim).
	Refused FailureReason = "refused"
	// GaveUp: the step kept failing for Retry.MaxElapsed.
	GaveUp FailureReason = "gave up"
)

func (f *Failure) Error() string {
	return fmt.Sprintf("step %s (%s) %s: %s", f.Step, f.Action, f.Reason, f.Message)
}

// UnmarshalJSON also reads the plain string a Service's error was before
// it had a type, as the Message of a Failure of unknown step.
func (f *Failure) UnmarshalJSON(b []byte) error {
	var msg string
	if json.Unmarshal(b, &msg) == nil {
		*f = Failure{Reason: Refused, Message: msg}
		return nil
	}
	type plain Failure
	return json.Unmarshal(b, (*plain)(f))
}

// DeployAt is the instant the deploy plan becomes due: the term's start
// less the template's lead time.
func (s *Service) DeployAt() time.Time { return s.Term.Start.Add(-s.Config.Timing.DeployLead.D()) }

// ClosingReport is what the closing plan found and did.
type ClosingReport struct {
	Disconnected  int             `json:"disconnected"`  // end points ended by the close
	GrantsRevoked int             `json:"grantsRevoked"` // grants revoked by the close
	Numbers       []RetiredNumber `json:"numbers"`
	Released      []Item          `json:"released"`      // provisioner items released
	Remaining     []Item          `json:"remaining"`     // inventory after release: empty
	Authorising   int             `json:"authorising"`   // grants that still authorise: 0
	LiveEndpoints int             `json:"liveEndpoints"` // end points still held: 0
	Verified      time.Time       `json:"verified"`
	// Transcripts says what became of the conversations' transcripts
	// on channels that keep them (modality.Retainer); nil if none does.
	Transcripts *TranscriptsKept `json:"transcripts,omitempty"`
}

// TranscriptsKept is what the close did with the service's transcripts,
// per the template's retention.
type TranscriptsKept struct {
	Kept    int       `json:"kept"`           // conversations whose transcripts are kept...
	Until   time.Time `json:"until,omitzero"` // ...until then
	Deleted int       `json:"deleted"`        // conversations whose transcripts were deleted at the close
}

// RetiredNumber is a number's routing once its service closed.
type RetiredNumber struct {
	Number numbermap.Number    `json:"number"`
	Route  numbermap.RouteKind `json:"route"`
	Until  time.Time           `json:"until"` // when it becomes available to another service
}
