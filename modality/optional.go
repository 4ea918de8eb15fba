package modality

// Optional interfaces of a Channel beyond CapacitySetter (capacity.go),
// discovered by type assertion.

import (
	"context"
	"time"
)

// Retainer is an optional interface of a [Channel] that keeps
// transcripts of a service's conversations (chat, messaging). When the
// service closes, the contactcenter lifecycle tells it how long to keep
// them, from the template's transcripts retention; discover it by type
// assertion, as [CapacitySetter].
type Retainer interface {
	// Retain keeps the service's transcripts until the instant until,
	// and deletes them then; a zero until deletes them now. It returns
	// how many conversations' transcripts it kept and how many it
	// deleted. Idempotent: retaining again changes nothing more. A done
	// ctx returns ctx.Err() (possibly wrapped).
	Retain(ctx context.Context, serviceID string, until time.Time) (kept, deleted int, err error)
}

// AttendeeEnder is an optional interface of a [Channel] that knows which
// attendee (by the principal of the token they presented) holds each
// engagement: when an attendee's access ends (the event platform
// unregisters them), the contactcenter lifecycle ends their engagements
// on it. Discover it by type assertion.
type AttendeeEnder interface {
	// EndAttendee ends every live engagement of the service held by the
	// attendee principal, telling them why, and returns how many it
	// ended. Ending none is not an error. A done ctx returns ctx.Err()
	// (possibly wrapped).
	EndAttendee(ctx context.Context, serviceID, principal string) (int, error)
}
