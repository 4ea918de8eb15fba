package contactcenter

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eventcc/eventcc/numbermap"
)

// PlanKind says what a plan does.
type PlanKind string

const (
	DeployKind PlanKind = "deploy" // stands a service up
	CloseKind  PlanKind = "close"  // tears it down and proves nothing is left
)

// Action is what a step does. Each action is idempotent.
type Action string

const (
	ClaimNumbers   Action = "numbers.claim"        // lease Count numbers of Country with Capabilities from the pool
	ReleaseNumbers Action = "numbers.release"      // undo of ClaimNumbers: back to the pool at once
	SetResource    Action = "resource.set"         // bring Resource to Count
	GrantAccess    Action = "access.grant"         // one grant per deployed agent and supervisor
	RevokeAccess   Action = "access.revoke"        // revoke every grant of the service
	Publish        Action = "eventsystem.publish"  // show entry points to attendees
	Retract        Action = "eventsystem.retract"  // withdraw them
	StopIntake     Action = "intake.stop"          // refuse new engagements on every channel
	Disconnect     Action = "endpoints.disconnect" // end every live engagement; fails while any remain
	CloseChannels  Action = "channels.close"       // forget the service's entry points
	RetireNumbers  Action = "numbers.retire"       // route numbers per the post-term policy from now
	VerifyEmpty    Action = "inventory.verify"     // prove nothing is left; fails while anything is
)

// Step is one idempotent action of a plan.
type Step struct {
	Key      string   `json:"key"` // unique within the plan, e.g. "03-agents"
	Action   Action   `json:"action"`
	Resource Resource `json:"resource,omitempty"` // with SetResource
	Count    int      `json:"count,omitempty"`    // with SetResource and ClaimNumbers
	Country  string   `json:"country,omitempty"`  // with ClaimNumbers
	// Capabilities, with ClaimNumbers, is what every number claimed must
	// carry: numbermap.Voice for a service offering telephony,
	// numbermap.SMS for one offering SMS. 0 claims numbers whatever they
	// carry, as plans made before the field existed do. In JSON it is the
	// list of their names, "capabilities": ["voice", "sms"], absent for 0.
	Capabilities numbermap.Capabilities `json:"-"`
	Description  string                 `json:"description"` // for people reviewing the plan
	// Undo is the step that undoes this one, run in reverse order when a
	// later step fails permanently; nil for steps with nothing to undo.
	Undo *Step `json:"undo,omitempty"`
}

// stepFields is Step without its JSON methods, for them to encode and
// decode every field but Capabilities the usual way.
type stepFields Step

// MarshalJSON encodes s with its Capabilities as a list of names.
func (s Step) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		stepFields
		Capabilities capabilityNames `json:"capabilities,omitempty"`
	}{stepFields(s), capabilityNames(s.Capabilities)})
}

// UnmarshalJSON decodes what MarshalJSON encodes. A step without
// capabilities (as every step stored before they were planned) has none.
func (s *Step) UnmarshalJSON(b []byte) error {
	v := struct {
		*stepFields
		Capabilities capabilityNames `json:"capabilities"`
	}{(*stepFields)(s), capabilityNames(s.Capabilities)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	s.Capabilities = numbermap.Capabilities(v.Capabilities)
	return nil
}

// capabilityNames is numbermap.Capabilities in JSON: the list of the
// names its String method joins, ["voice", "sms"].
type capabilityNames numbermap.Capabilities

func (c capabilityNames) MarshalJSON() ([]byte, error) {
	return json.Marshal(strings.Split(numbermap.Capabilities(c).String(), "+"))
}

func (c *capabilityNames) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return fmt.Errorf("contactcenter: number capabilities: %w", err)
	}
	var caps numbermap.Capabilities
	for _, name := range names {
		c, ok := parseCapability(name)
		if !ok {
			return fmt.Errorf("contactcenter: unknown number capability %q", name)
		}
		caps |= c
	}
	*c = capabilityNames(caps)
	return nil
}

// parseCapability reads a name numbermap.Capabilities.String gives one
// capability: "voice", "sms", "mms", or the hex of capabilities it has no
// name for, "0x80".
func parseCapability(name string) (numbermap.Capabilities, bool) {
	if h, ok := strings.CutPrefix(name, "0x"); ok {
		v, err := strconv.ParseUint(h, 16, 8)
		return numbermap.Capabilities(v), err == nil && v != 0
	}
	for c := numbermap.Capabilities(1); c != 0; c <<= 1 {
		if c.String() == name {
			return c, true
		}
	}
	return 0, false
}

// Plan is an ordered, serialisable list of steps for one service: the
// "executable" that can be shown, diffed, stored, reviewed and run. Its
// Digest is a stable hash of its kind, service and steps, so two plans
// with the same Digest do the same thing.
type Plan struct {
	ID        string    `json:"id"` // "<service>/deploy" or "<service>/close"
	ServiceID string    `json:"serviceId"`
	Kind      PlanKind  `json:"kind"`
	Steps     []Step    `json:"steps"`
	Created   time.Time `json:"created"`
	Digest    string    `json:"digest"` // hex SHA-256, see ComputeDigest
}

// ComputeDigest returns the hex SHA-256 of the plan's canonical JSON form
// without its ID, Created and Digest fields.
func (p *Plan) ComputeDigest() string {
	b, err := json.Marshal(struct {
		ServiceID string   `json:"serviceId"`
		Kind      PlanKind `json:"kind"`
		Steps     []Step   `json:"steps"`
	}{p.ServiceID, p.Kind, p.Steps})
	if err != nil {
		// Plans hold only strings and integers; Marshal cannot fail.
		panic("contactcenter: plan digest: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// StepStatus is a journal entry's outcome.
type StepStatus string

const (
	StepStarted StepStatus = "started" // about to run (an attempt)
	StepDone    StepStatus = "done"    // ran to completion
	StepFailed  StepStatus = "failed"  // failed permanently: the plan is being undone
	StepUndone  StepStatus = "undone"  // its undo ran to completion
)

// JournalEntry records one step's progress. The journal of a plan is the
// truth about how far it got: a lifecycle that restarts resumes from it.
type JournalEntry struct {
	PlanID  string          `json:"planId"`
	Seq     int64           `json:"seq"` // 1, 2, 3, … within the plan
	Step    string          `json:"step"`
	Status  StepStatus      `json:"status"`
	Attempt int             `json:"attempt,omitempty"`
	At      time.Time       `json:"at"`
	Error   string          `json:"error,omitempty"`
	Output  json.RawMessage `json:"output,omitempty"` // what the step produced, e.g. claimed numbers
}
