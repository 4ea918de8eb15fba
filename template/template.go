package template

import (
	"maps"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/numbermap"
)

// A Template is a declarative, versioned description of a contact center for
// a kind of event. Its JSON form is the one [Load] reads: field names are
// the json tags below, durations are Go duration strings ("15m", "48h").
type Template struct {
	Name         string        `json:"name"`
	Version      string        `json:"version"`
	Description  string        `json:"description,omitempty"`
	EventTypes   []string      `json:"eventTypes"`
	Modalities   []Modality    `json:"modalities"`
	Skills       []Skill       `json:"skills,omitempty"`
	Queues       []Queue       `json:"queues"`
	Receptionist *Receptionist `json:"receptionist,omitempty"`
	Staffing     Staffing      `json:"staffing"`
	Capacity     Capacity      `json:"capacity"`
	Numbers      Numbers       `json:"numbers"`
	Access       Access        `json:"access"`
	Timing       Timing        `json:"timing"`
	PostTerm     PostTerm      `json:"postTerm"`
	// Transcripts says what becomes of conversations' transcripts (chat,
	// messaging) when the service closes. Default: deleted.
	Transcripts Transcripts `json:"transcripts,omitzero"`
}

// Transcripts is the retention of a service's conversation transcripts.
type Transcripts struct {
	// Retention is how long transcripts are kept after the service
	// closes, for the event's producer to read; 0 deletes them with the
	// service's other data at the close. At most MaxRetention.
	Retention Duration `json:"retention,omitempty"`
}

// MaxRetention is the longest a template may keep transcripts after the
// close: data protection rules ask for a bound, and a year is generous.
const MaxRetention = 366 * 24 * time.Hour

// Modality describes one way attendees reach the contact center.
type Modality struct {
	Kind     modality.Kind `json:"kind"`               // one of modality.Kinds()
	Features []string      `json:"features,omitempty"` // e.g. "recording", "transfer", "attachments"
	// HandleTime is the expected time an agent spends on one engagement.
	HandleTime Duration `json:"handleTime"`
	// Concurrency is how many engagements of this kind one agent handles at
	// once: 1 for voice and video, more for chat and messaging.
	Concurrency int `json:"concurrency"`
	// SpacePerEngagement is the server space, in units, one live engagement
	// of this kind needs.
	SpacePerEngagement float64 `json:"spacePerEngagement"`
	// Anonymous lets visitors without a registration use this modality:
	// people the event system registered no attendee for, who hold no
	// session token. Default false: registered attendees only. Only chat
	// and video identify attendees, by the session token the event
	// platform embeds for a registered attendee, so only they may set
	// it: telephony, SMS and social reach whoever has the number or the
	// handle, and [Template.Validate] refuses it there rather than let
	// it suggest a restriction nothing enforces.
	Anonymous bool `json:"anonymous,omitempty"`
	// IdleTimeout, for SMS and social, is how long a conversation stays
	// open without a message from either side; then it ends, and the
	// attendee's next message starts a new one. 0: the channel's
	// default (30 minutes for modality/messagingchannel). Between 1
	// minute and 7 days; other modalities may not set it.
	IdleTimeout Duration `json:"idleTimeout,omitempty"`
	// Hold, for telephony, is what a caller waiting in a queue hears.
	// Other modalities may not set it. nil: silence.
	Hold *Hold `json:"hold,omitempty"`
}

// Hold is what a caller waiting in a queue hears: music, a recording
// looped (a prompt file name, as [Receptionist.Prompts]' values), and
// every AnnounceEvery their place in line and expected wait (0: never;
// else between [MinAnnounceEvery] and [MaxAnnounceEvery]).
type Hold struct {
	Music         string   `json:"music,omitempty"`
	AnnounceEvery Duration `json:"announceEvery,omitempty"`
}

// Bounds of [Hold.AnnounceEvery].
const (
	MinAnnounceEvery = 10 * time.Second
	MaxAnnounceEvery = 10 * time.Minute
)

// Idle timeouts' bounds ([Modality.IdleTimeout]).
const (
	MinIdleTimeout = time.Minute
	MaxIdleTimeout = 7 * 24 * time.Hour
)

// Skill is something an event's agents may be able to do: speak a
// language, handle a topic. A queue requires skills by name
// ([Queue.Skills]); the people of an event's roster say which they have.
type Skill struct {
	Name        string `json:"name"` // lower-case letters a-z, digits and '-': "registration", "de"
	Description string `json:"description,omitempty"`
}

// Queue is a named queue that engagements wait in for an agent: the
// router's queue, described. An engagement is offered to an agent who has
// every one of the queue's Skills and serves its modality.
type Queue struct {
	Name       string          `json:"name"`
	Modalities []modality.Kind `json:"modalities"` // kinds routed to this queue
	// Priority orders the queues: engagements of a queue of higher
	// priority are served first, and of queues of equal priority the
	// oldest first. Any integer; 0 by default.
	Priority int `json:"priority,omitempty"`
	// Skills an agent needs, every one of them, to be offered the queue's
	// engagements: names of the template's [Template.Skills]. None: any
	// agent who serves the modality.
	Skills []string `json:"skills,omitempty"`
	// Strategy chooses among the eligible agents: one of the router's
	// ([routing.Strategies]). "" is [routing.LongestIdle].
	Strategy routing.Strategy `json:"strategy,omitempty"`
	// MaxWait is how long an engagement waits in this queue before it moves
	// to Overflow, or, with no Overflow, ends unanswered. 0: no limit.
	MaxWait Duration `json:"maxWait,omitempty"`
	// Overflow names another queue of the template that takes the
	// engagements that waited MaxWait here; it must serve at least one of
	// this queue's modalities (an engagement of a kind it does not serve
	// ends unanswered instead), and MaxWait must be > 0. Overflow chains
	// may not loop back. [OverflowToReceptionist] hands the engagement
	// back to the virtual receptionist instead, which says its Fallback
	// and offers its menu again. "": none.
	Overflow string `json:"overflow,omitempty"`
	// ServiceLevel is the queue's own target, measured by the router and
	// reported per queue. nil: the template's [Staffing.ServiceLevel]. In
	// a resolved [Config] it is always set.
	ServiceLevel *ServiceLevel `json:"serviceLevel,omitempty"`
	// RegisteredOnly routes only registered attendees to this queue (a
	// VIP queue): on the modalities that identify attendees by token
	// (chat, video), the receptionist offers it only to them and its
	// entry points refuse anonymous visitors ([Modality.Anonymous]).
	// Telephony, SMS and social do not identify who calls or writes: on
	// them it restricts nothing. A registered-only queue must serve chat
	// or video, and no queue open to everyone may overflow into it (its
	// overflow would carry anonymous visitors in). Default false: open
	// to everyone who may use its modalities.
	RegisteredOnly bool `json:"registeredOnly,omitempty"`
}

// Receptionist is the virtual receptionist: a menu that answers questions
// itself or hands off to a queue.
type Receptionist struct {
	Greeting      string       `json:"greeting"`
	Options       []MenuOption `json:"options"`
	ClosedMessage string       `json:"closedMessage"` // said outside the term
	// Fallback is said to an attendee a queue hands back (its overflow is
	// [OverflowToReceptionist]) because no agent could take them within
	// its MaxWait, before the menu again: where else to find help, when
	// to try again. Required by such a queue.
	Fallback string `json:"fallback,omitempty"`
	// Prompts names a WAV recording for each thing the receptionist says,
	// for the channels that speak (telephony): a role ("greeting",
	// "closed", "fallback", "connecting", "not-understood", "option.<key>"
	// for an option's line of the menu, "answer.<key>" for its answer)
	// maps to a file name the channel looks up among its prompt files,
	// such as "conference/greeting.wav" (see package modality/voice, whose
	// built-in set the built-in templates name). A phrase without a prompt
	// is spoken by the channel's text-to-speech, if any, and otherwise
	// skipped. Optional. Prompts of options a request leaves out of the
	// menu are left out with them.
	Prompts map[string]string `json:"prompts,omitempty"`
}

// Modality is r as the channels run it: [modality.Receptionist].
func (r *Receptionist) Modality() *modality.Receptionist {
	if r == nil {
		return nil
	}
	m := &modality.Receptionist{Greeting: r.Greeting, ClosedMessage: r.ClosedMessage, Fallback: r.Fallback, Prompts: maps.Clone(r.Prompts)}
	for _, o := range r.Options {
		m.Options = append(m.Options, modality.Option{Key: o.Key, Label: o.Label, Queue: o.Queue, Answer: o.Answer})
	}
	return m
}

// OverflowToReceptionist is the [Queue.Overflow] that hands engagements
// that waited MaxWait back to the virtual receptionist: no queue may be
// named so.
const OverflowToReceptionist = "receptionist"

// MenuOption is one choice of the receptionist's menu. Exactly one of Queue
// (hand off) and Answer (reply and stay in the menu) is set.
type MenuOption struct {
	Key    string `json:"key"`   // what the attendee types or says: "1", "hours"
	Label  string `json:"label"` // read out in the menu
	Queue  string `json:"queue,omitempty"`
	Answer string `json:"answer,omitempty"`
}

// Staffing holds the inputs of the agent staffing decision.
type Staffing struct {
	// ServiceLevel is the target staffing aims for, and the target of
	// every queue without its own [Queue.ServiceLevel].
	ServiceLevel ServiceLevel `json:"serviceLevel"`
	// TargetUtilisation is the share of agent capacity the utilisation
	// policy (scaling.Utilisation) aims to keep busy, in (0,1]. The
	// lifecycle's default policy, scaling.Erlang, staffs for ServiceLevel
	// instead and ignores it.
	TargetUtilisation float64 `json:"targetUtilisation"`
	MinAgents         int     `json:"minAgents"`
	MaxAgents         int     `json:"maxAgents"`
	// AgentsPer1000 sizes the initial staffing from the expected attendance:
	// initial agents = ceil(attendance × AgentsPer1000 / 1000), within bounds.
	AgentsPer1000 float64 `json:"agentsPer1000"`
	// AgentsPerSupervisor: one supervisor for every so many agents (0: none).
	AgentsPerSupervisor int `json:"agentsPerSupervisor"`
	// ScaleInterval is how often traffic is sampled and a decision taken.
	ScaleInterval Duration `json:"scaleInterval"`
	// ScaleDownWindow: a scale-down happens only if every recommendation
	// over this window was at most the new value. An agent released can
	// be added back at the next decision, so the window need only outlast
	// a few minutes of noisy traffic, and every minute more holds the
	// last peak's staffing that much longer. Every built-in template uses
	// 3m: on the simulated conference, concert and trade-show traces
	// (scaling/sim, BENCHMARKS.md) it meets the service level at no more
	// than 1.10× the agent-hours of staffing each interval for its true
	// traffic, which windows of 4m and more exceed; the other templates'
	// events surge and ebb the same way.
	ScaleDownWindow Duration `json:"scaleDownWindow"`
	MaxStepUp       int      `json:"maxStepUp"`   // most agents added by one decision (0: unlimited)
	MaxStepDown     int      `json:"maxStepDown"` // most agents removed by one decision (0: unlimited)
	// WrapUp is how long an agent is offered nothing after an engagement
	// ends, to finish its notes. 0: none.
	WrapUp Duration `json:"wrapUp,omitempty"`
	// OfferTimeout is how long an agent has to accept an offered
	// engagement before it goes to the next agent. 0: the router's
	// default, 20s.
	OfferTimeout Duration `json:"offerTimeout,omitempty"`
	// MissPause is how long an agent who let an offer go is offered
	// nothing. 0: the router's default, 5s.
	MissPause Duration `json:"missPause,omitempty"`
	// MaxMisses is how many offers in a row an agent may let go before
	// the router puts them on a break. 0: the router's default, 3.
	MaxMisses int `json:"maxMisses,omitempty"`
}

// ServiceLevel is the target share of engagements answered within a time.
type ServiceLevel struct {
	Target float64  `json:"target"` // in (0,1], e.g. 0.8
	Within Duration `json:"within"` // e.g. 20s
}

// Capacity converts agents and traffic into licences and server space.
type Capacity struct {
	LicencesPerAgent int     `json:"licencesPerAgent"` // seats of the communication software per agent
	SpacePerAgent    float64 `json:"spacePerAgent"`    // server space units per deployed agent
	BaseSpace        float64 `json:"baseSpace"`        // units a service needs with no traffic
	MaxLicences      int     `json:"maxLicences"`
	MaxSpace         int     `json:"maxSpace"`
}

// Numbers says which telephone numbers the service wants.
type Numbers struct {
	Count   int    `json:"count"`
	Country string `json:"country,omitempty"` // ISO 3166-1 alpha-2, e.g. "US"
}

// Access lists the roles the service grants and their privileges.
type Access struct {
	Roles []Role `json:"roles"`
}

// Role is a named set of privileges, e.g. "agent" or "supervisor".
type Role struct {
	Name       string   `json:"name"`
	Privileges []string `json:"privileges"`
}

// Timing places the service around its term.
type Timing struct {
	DeployLead Duration `json:"deployLead"` // deploy this long before the term starts
	Grace      Duration `json:"grace"`      // keep access and routing this long after the term ends
}

// PostTerm says what the service's telephone numbers do after expiry.
type PostTerm struct {
	Policy       numbermap.PolicyKind `json:"policy"`                 // numbermap.Forward, Announce, Vacant, Park or Release
	ForwardTo    numbermap.Number     `json:"forwardTo,omitempty"`    // E.164 (numbermap.Parse), with numbermap.Forward
	Announcement string               `json:"announcement,omitempty"` // with PolicyAnnounce
	For          Duration             `json:"for,omitempty"`          // how long the policy holds before the number ages
	Aging        Duration             `json:"aging"`                  // then how long before the number may be leased again
}

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("90s", "15m", "48h").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
