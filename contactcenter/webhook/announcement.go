package webhook

import (
	"fmt"
	"time"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
)

// AnnouncementType is the kind of an outbound delivery.
type AnnouncementType string

// The announcements the [EventSystem] sends.
const (
	// EntryPointsPublished: show these entry points and hours for the
	// service, replacing what was shown.
	EntryPointsPublished AnnouncementType = "entrypoints.published"
	// EntryPointsRetracted: show nothing for the service any more.
	EntryPointsRetracted AnnouncementType = "entrypoints.retracted"
)

// Announcement is the body of a delivery the [EventSystem] sends to the
// event system: the entry points attendees may use, or their retraction.
// Its JSON form is documented in the package doc.
type Announcement struct {
	// ID identifies the delivery: the same on every attempt, so the
	// receiver can deduplicate.
	ID   string           `json:"id"`
	Type AnnouncementType `json:"type"`
	// ServiceID is the service, whose ID is its event's ID.
	ServiceID string `json:"serviceId"`
	// EventID is the event (published only).
	EventID string `json:"eventId,omitempty"`
	// Version orders the announcements of one service: a receiver keeps
	// the one with the highest version and ignores older ones arriving
	// late. It increases with every announcement the EventSystem sends.
	Version int64 `json:"version"`
	// EntryPoints and Hours are what attendees see (published only).
	EntryPoints []EntryPoint `json:"entryPoints,omitempty"`
	Hours       *Hours       `json:"hours,omitempty"`
}

// EntryPoint is one way into a service: a telephone number, a chat link,
// a video room, a social handle.
type EntryPoint struct {
	Name    string        `json:"name"`
	Kind    modality.Kind `json:"kind"`
	Address string        `json:"address"` // E.164 number for telephony and SMS, URL for video and chat
	Queue   string        `json:"queue,omitempty"`
}

// Hours is when the service takes engagements.
type Hours struct {
	Opens    time.Time `json:"opens"`
	Closes   time.Time `json:"closes"`
	TimeZone string    `json:"timeZone,omitempty"` // IANA name; "" means UTC
}

// Publication returns what a published announcement shows, as the
// [contactcenter.Publication] it was made from (instants in UTC). For a
// retraction it returns the zero Publication but for ServiceID.
func (a Announcement) Publication() contactcenter.Publication {
	p := contactcenter.Publication{ServiceID: a.ServiceID, EventID: a.EventID}
	if a.Hours != nil {
		p.Opens, p.Closes, p.TimeZone = a.Hours.Opens.UTC(), a.Hours.Closes.UTC(), a.Hours.TimeZone
	}
	for _, ep := range a.EntryPoints {
		p.EntryPoints = append(p.EntryPoints, modality.EntryPoint{Name: ep.Name, Kind: ep.Kind, Address: ep.Address, Queue: ep.Queue})
	}
	return p
}

func announcementOf(id string, version int64, p contactcenter.Publication) Announcement {
	a := Announcement{ID: id, Type: EntryPointsPublished, ServiceID: p.ServiceID, EventID: p.EventID, Version: version,
		Hours: &Hours{Opens: p.Opens.UTC(), Closes: p.Closes.UTC(), TimeZone: p.TimeZone}}
	for _, ep := range p.EntryPoints {
		a.EntryPoints = append(a.EntryPoints, EntryPoint{Name: ep.Name, Kind: ep.Kind, Address: ep.Address, Queue: ep.Queue})
	}
	return a
}

// DecodeAnnouncement reads an announcement as strictly as [Decode] reads
// a delivery: for receivers written in Go, and for tests. It returns a
// *DecodeError (wrapping ErrMalformed) naming every problem.
func DecodeAnnouncement(body []byte) (Announcement, error) {
	var a Announcement
	if p := decodeStrict(body, &a); p != nil {
		return Announcement{}, &DecodeError{Problems: []Problem{*p}}
	}
	var probs []Problem
	bad := func(field, format string, args ...any) {
		probs = append(probs, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if !deliveryIDPattern.MatchString(a.ID) {
		bad("id", "want 1 to 128 letters, digits, '.', '_', ':' or '-'; got %q", clip(a.ID))
	}
	if a.ServiceID == "" {
		bad("serviceId", "required")
	}
	if a.Version <= 0 {
		bad("version", "want a positive integer; got %d", a.Version)
	}
	switch a.Type {
	case EntryPointsPublished:
		if a.Hours == nil {
			bad("hours", "required with %s", a.Type)
		}
		for i, ep := range a.EntryPoints {
			if ep.Name == "" {
				bad(fmt.Sprintf("entryPoints[%d].name", i), "required")
			}
			if _, err := modality.ParseKind(string(ep.Kind)); err != nil {
				bad(fmt.Sprintf("entryPoints[%d].kind", i), "unknown modality %q; want one of %s", clip(string(ep.Kind)), kindNames())
			}
		}
	case EntryPointsRetracted:
		if len(a.EntryPoints) > 0 || a.Hours != nil {
			bad("entryPoints", "not allowed with %s", a.Type)
		}
	case "":
		bad("type", "required")
	default:
		bad("type", "unknown announcement type %q; want %s or %s", clip(string(a.Type)), EntryPointsPublished, EntryPointsRetracted)
	}
	if len(probs) > 0 {
		return Announcement{}, &DecodeError{Problems: probs}
	}
	return a, nil
}
