package webhook

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/template"
)

// Type is the kind of change a delivery reports.
type Type string

// The delivery types the Handler applies.
const (
	// EventCreated: a new event; requests its service
	// ([contactcenter.Lifecycle.Request]). For an event whose service
	// exists, it is applied as EventUpdated.
	EventCreated Type = "event.created"
	// EventUpdated: the event's term changed; extends, shortens or
	// reschedules the service.
	EventUpdated Type = "event.updated"
	// EventCancelled: the event was cancelled; cancels the service.
	EventCancelled Type = "event.cancelled"
	// AttendeeRegistered: an attendee may use the attendee-only features;
	// grants access ([contactcenter.Lifecycle.RegisterAttendee]).
	AttendeeRegistered Type = "attendee.registered"
	// AttendeeUnregistered: revokes the attendee's access.
	AttendeeUnregistered Type = "attendee.unregistered"
)

// Types lists the delivery types, in the order above.
func Types() []Type {
	return []Type{EventCreated, EventUpdated, EventCancelled, AttendeeRegistered, AttendeeUnregistered}
}

// Delivery is one change reported by the event system: the body of a
// webhook request, as [Decode] reads it. Its JSON form is documented in
// the package doc; encoding a Delivery with encoding/json produces it.
type Delivery struct {
	// ID identifies the delivery: the same on every attempt to deliver
	// it, different for every other delivery. 1 to 128 letters, digits,
	// '.', '_', ':' or '-'.
	ID    string `json:"id"`
	Type  Type   `json:"type"`
	Event Event  `json:"event"`
	// Attendee is required with the attendee types, refused with others.
	Attendee *Attendee `json:"attendee,omitempty"`
}

// Event is the event a delivery is about, as the event system has it
// after the change.
type Event struct {
	// ID is the event's ID, which is also its service's ID.
	ID string `json:"id"`
	// Version and UpdatedAt order the deliveries of one event: a delivery
	// older than the last one applied is ignored, whatever the order of
	// arrival. Event deliveries need at least one of them; an event
	// system sends the same kind every time. Version, when both are
	// present, wins.
	Version   int64     `json:"version,omitempty"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`

	// Type, Template, Features, ExpectedAttendance and Overrides describe
	// the service to request; used by EventCreated (Type, Template and
	// Term are required there), ignored by the other types.
	Type               string                  `json:"type,omitempty"`
	Template           string                  `json:"template,omitempty"`
	Features           *contactcenter.Features `json:"features,omitempty"`
	ExpectedAttendance int                     `json:"expectedAttendance,omitempty"`
	Overrides          *template.Overrides     `json:"overrides,omitempty"`

	// Term is the event's term after the change; required by
	// EventCreated and EventUpdated.
	Term *contactcenter.Term `json:"term,omitempty"`
	// Reason says why the event was cancelled (EventCancelled).
	Reason string `json:"reason,omitempty"`
}

// Attendee is the attendee an attendee delivery is about.
type Attendee struct {
	// ID is the attendee's ID in the event system: the principal of the
	// attendee's access grant.
	ID string `json:"id"`
	// Version and UpdatedAt order the deliveries about one attendee of
	// one event, as for Event.
	Version   int64     `json:"version,omitempty"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
}

// ErrMalformed is wrapped by every error of [Decode].
var ErrMalformed = errors.New("webhook: malformed delivery")

// Problem is one thing wrong with a delivery's body.
type Problem struct {
	// Field is the JSON path of the offending value, such as
	// "event.term.end" or "event.features.modalities[1]"; empty when the
	// problem is the body as a whole (empty, not JSON, trailing data).
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Field == "" {
		return p.Message
	}
	return p.Field + ": " + p.Message
}

// DecodeError is the error of [Decode]: every problem found, in field
// order. A body that is not well-formed JSON, or has unknown, repeated or
// mistyped fields, yields one problem; a well-formed body yields one per
// missing or invalid field. It wraps [ErrMalformed].
type DecodeError struct {
	Problems []Problem
}

func (e *DecodeError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "webhook: malformed delivery: " + strings.Join(parts, "; ")
}

// Unwrap returns ErrMalformed.
func (e *DecodeError) Unwrap() error { return ErrMalformed }

var (
	deliveryIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
	// eventIDPattern is the Lifecycle's rule for event IDs.
	eventIDPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	timeZonePattern = regexp.MustCompile(`^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$`)
)

const (
	maxAttendeeID = 128
	maxReason     = 1024
	maxNameLen    = 128
)

// Decode reads one delivery strictly: body must be a single JSON object
// with only the documented fields, spelled exactly, each once and of its
// type; then the fields the delivery's type needs must be present and
// valid. It returns the delivery, or a *DecodeError naming every problem
// (wrapping ErrMalformed). Decode does not limit the body's size; the
// Handler does. It is safe for concurrent use.
func Decode(body []byte) (Delivery, error) {
	var d Delivery
	if p := decodeStrict(body, &d); p != nil {
		return Delivery{}, &DecodeError{Problems: []Problem{*p}}
	}
	if probs := d.validate(); len(probs) > 0 {
		return Delivery{}, &DecodeError{Problems: probs}
	}
	return d, nil
}

// validate returns every problem of a structurally sound delivery.
func (d *Delivery) validate() []Problem {
	var probs []Problem
	bad := func(field, format string, args ...any) {
		probs = append(probs, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if d.ID == "" {
		bad("id", "required: the delivery's ID")
	} else if !deliveryIDPattern.MatchString(d.ID) {
		bad("id", "want 1 to 128 letters, digits, '.', '_', ':' or '-'; got %q", clip(d.ID))
	}
	known := false
	for _, t := range Types() {
		known = known || d.Type == t
	}
	switch {
	case d.Type == "":
		bad("type", "required")
	case !known:
		bad("type", "unknown delivery type %q; want one of %s", clip(string(d.Type)), typeNames())
	}
	e := &d.Event
	if e.ID == "" {
		bad("event.id", "required")
	} else if !eventIDPattern.MatchString(e.ID) {
		bad("event.id", "want 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit; got %q", clip(e.ID))
	}
	eventType := d.Type == EventCreated || d.Type == EventUpdated || d.Type == EventCancelled
	attendeeType := d.Type == AttendeeRegistered || d.Type == AttendeeUnregistered
	if eventType {
		checkStamp(bad, "event", e.Version, e.UpdatedAt)
	} else if e.Version < 0 {
		bad("event.version", "must be positive; got %d", e.Version)
	}
	if d.Type == EventCreated {
		if e.Type == "" {
			bad("event.type", "required to request the event's service")
		} else if len(e.Type) > maxNameLen {
			bad("event.type", "longer than %d bytes", maxNameLen)
		}
		if e.Template == "" {
			bad("event.template", "required to request the event's service")
		} else if len(e.Template) > maxNameLen {
			bad("event.template", "longer than %d bytes", maxNameLen)
		}
		if e.ExpectedAttendance < 0 {
			bad("event.expectedAttendance", "must not be negative; got %d", e.ExpectedAttendance)
		}
		if e.Features != nil {
			for i, k := range e.Features.Modalities {
				if _, err := modality.ParseKind(string(k)); err != nil {
					bad(fmt.Sprintf("event.features.modalities[%d]", i), "unknown modality %q; want one of %s", clip(string(k)), kindNames())
				}
			}
		}
	}
	if d.Type == EventCreated || d.Type == EventUpdated {
		checkTerm(bad, e.Term)
	}
	if len(e.Reason) > maxReason {
		bad("event.reason", "longer than %d bytes", maxReason)
	}
	switch {
	case attendeeType && d.Attendee == nil:
		bad("attendee", "required with %s", d.Type)
	case attendeeType:
		a := d.Attendee
		switch {
		case a.ID == "":
			bad("attendee.id", "required")
		case len(a.ID) > maxAttendeeID:
			bad("attendee.id", "longer than %d bytes", maxAttendeeID)
		case strings.ContainsFunc(a.ID, func(r rune) bool { return r < ' ' || r == 0x7f || r == '\uFFFD' }):
			bad("attendee.id", "must not contain control characters or invalid UTF-8")
		}
		checkStamp(bad, "attendee", a.Version, a.UpdatedAt)
	case d.Attendee != nil && known:
		bad("attendee", "only with %s or %s", AttendeeRegistered, AttendeeUnregistered)
	}
	return probs
}

func checkStamp(bad func(string, string, ...any), prefix string, version int64, updatedAt time.Time) {
	switch {
	case version < 0:
		bad(prefix+".version", "must be positive; got %d", version)
	case version == 0 && updatedAt.IsZero():
		bad(prefix+".version", "required (or %s.updatedAt): it orders the %s's deliveries", prefix, prefix)
	}
}

func checkTerm(bad func(string, string, ...any), t *contactcenter.Term) {
	if t == nil {
		bad("event.term", "required")
		return
	}
	switch {
	case t.Start.IsZero():
		bad("event.term.start", "required")
	case t.End.IsZero():
		bad("event.term.end", "required")
	case !t.End.After(t.Start):
		bad("event.term.end", "must be after the start (%s); got %s", t.Start.Format(time.RFC3339), t.End.Format(time.RFC3339))
	}
	if tz := t.TimeZone; tz != "" {
		if !knownTimeZone(tz) {
			bad("event.term.timeZone", "unknown time zone %q; want an IANA name such as \"Europe/Berlin\"", clip(tz))
		}
	}
}

// timeZones caches the names time.LoadLocation accepted: loading reads
// the zone database from disk each time. Only valid names are kept, so
// the cache holds at most the database's few hundred zones.
var timeZones sync.Map // string → struct{}

func knownTimeZone(tz string) bool {
	if _, ok := timeZones.Load(tz); ok {
		return true
	}
	if len(tz) > 64 || !timeZonePattern.MatchString(tz) {
		return false
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return false
	}
	timeZones.Store(tz, struct{}{})
	return true
}

func typeNames() string {
	names := make([]string, 0, 5)
	for _, t := range Types() {
		names = append(names, string(t))
	}
	return strings.Join(names, ", ")
}

func kindNames() string {
	var names []string
	for _, k := range modality.Kinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// stamp is the ordering key of the delivery's subject.
func (d *Delivery) stamp() Stamp {
	if d.Type == AttendeeRegistered || d.Type == AttendeeUnregistered {
		return Stamp{Version: d.Attendee.Version, UpdatedAt: d.Attendee.UpdatedAt}
	}
	return Stamp{Version: d.Event.Version, UpdatedAt: d.Event.UpdatedAt}
}

// subject is the key under which the delivery's stamp is kept: the event,
// or one attendee of the event.
func (d *Delivery) subject() string {
	if d.Type == AttendeeRegistered || d.Type == AttendeeUnregistered {
		return "attendee/" + d.Event.ID + "/" + d.Attendee.ID
	}
	return "event/" + d.Event.ID
}

// stampField is the field to name when the delivery's stamp cannot be
// compared with the last one applied.
func (d *Delivery) stampField() string {
	if d.Type == AttendeeRegistered || d.Type == AttendeeUnregistered {
		return "attendee.version"
	}
	return "event.version"
}
