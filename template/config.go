package template

import (
	"time"

	"github.com/eventcc/eventcc/modality"
)

// Input is what a template is resolved against: the parts of a host's
// request that shape the contact center. contactcenter builds it from its
// Request.
type Input struct {
	EventID   string
	EventType string    // must be one of the template's EventTypes
	Start     time.Time // term start
	End       time.Time // term end, after Start
	// Modalities requested, by kind. Empty means every modality of the
	// template. A kind the template does not offer is an error.
	Modalities []modality.Kind
	// Receptionist asks for the template's virtual receptionist; asking for
	// it from a template without one is an error.
	Receptionist bool
	// Queues requested, by name. Empty means every queue of the template
	// that serves a requested modality. An unknown name is an error.
	Queues             []string
	ExpectedAttendance int
	Overrides          Overrides
}

// Overrides replace single values of the template for one request. A nil
// field keeps the template's value. Overridden values are validated like
// the template's own. ServiceLevel replaces staffing.serviceLevel.target,
// and with it the target of every queue without a service level of its
// own.
type Overrides struct {
	MinAgents    *int      `json:"minAgents,omitempty"`
	MaxAgents    *int      `json:"maxAgents,omitempty"`
	Numbers      *int      `json:"numbers,omitempty"`
	Country      *string   `json:"country,omitempty"`
	DeployLead   *Duration `json:"deployLead,omitempty"`
	Grace        *Duration `json:"grace,omitempty"`
	PostTerm     *PostTerm `json:"postTerm,omitempty"`
	ServiceLevel *float64  `json:"serviceLevel,omitempty"`
}

// Config is a resolved, validated contact-center configuration: a template
// applied to one request. Every field is set; contactcenter generates the
// deploy and closing plans from it alone.
type Config struct {
	Template        string `json:"template"`
	TemplateVersion string `json:"templateVersion"`
	EventID         string `json:"eventId"`
	EventType       string `json:"eventType"`
	// Modalities enabled for this service: those requested, in the
	// template's order. Each says whether anonymous visitors may use it
	// ([Modality.Anonymous]).
	Modalities []Modality `json:"modalities"`
	// Skills are the template's skills, all of them: those the queues
	// require and those agents may have besides. nil when the template
	// declares none.
	Skills []Skill `json:"skills,omitempty"`
	// Queues serving the enabled modalities, in the template's order, each
	// with its modalities narrowed to the enabled ones and its
	// ServiceLevel set (the staffing's when the template gives it none).
	// A queue whose overflow queue is not here, or serves none of its
	// enabled modalities, has no Overflow: its engagements end unanswered
	// after MaxWait. A registered-only queue ([Queue.RegisteredOnly])
	// stays so even when its enabled modalities identify nobody (it then
	// restricts nothing).
	Queues []Queue `json:"queues"`
	// Receptionist is nil when not requested.
	Receptionist *Receptionist `json:"receptionist,omitempty"`
	Staffing     Staffing      `json:"staffing"`
	// InitialAgents is the staffing at open, from the expected attendance,
	// within [Staffing.MinAgents, Staffing.MaxAgents].
	InitialAgents int         `json:"initialAgents"`
	Capacity      Capacity    `json:"capacity"`
	Numbers       Numbers     `json:"numbers"`
	Access        Access      `json:"access"`
	Timing        Timing      `json:"timing"`
	PostTerm      PostTerm    `json:"postTerm"`
	Transcripts   Transcripts `json:"transcripts"`
}
