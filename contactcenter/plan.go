package contactcenter

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
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
	ClaimNumbers   Action = "numbers.claim"        // lease Count numbers of Country from the pool
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
	Key         string   `json:"key"` // unique within the plan, e.g. "03-agents"
	Action      Action   `json:"action"`
	Resource    Resource `json:"resource,omitempty"` // with SetResource
	Count       int      `json:"count,omitempty"`    // with SetResource and ClaimNumbers
	Country     string   `json:"country,omitempty"`  // with ClaimNumbers
	Description string   `json:"description"`        // for people reviewing the plan
	// Undo is the step that undoes this one, run in reverse order when a
	// later step fails permanently; nil for steps with nothing to undo.
	Undo *Step `json:"undo,omitempty"`
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
