package modality

import (
	"context"
	"errors"
	"time"
)

// Kind is a way attendees reach a contact center. The known kinds are the
// five constants below; [Kinds] lists them and [ParseKind] parses them.
type Kind string

// The known kinds, in the order [Kinds] lists them.
const (
	Telephony Kind = "telephony"
	Video     Kind = "video"
	Chat      Kind = "chat"
	SMS       Kind = "sms"
	Social    Kind = "social"
)

// Sentinel errors of the Channel contract, checked with errors.Is.
// Implementations wrap them with context.
var (
	ErrUnknownKind   = errors.New("modality: unknown kind")
	ErrNotOpen       = errors.New("modality: service not open on this channel")
	ErrIntakeStopped = errors.New("modality: intake stopped")
	ErrUnsupported   = errors.New("modality: kind not served by this channel")
	ErrNotFound      = errors.New("modality: engagement not found") // no live engagement has that id
)

// EntryPoint is one way into a service: a telephone number, a chat link, a
// video room, a social handle.
type EntryPoint struct {
	Name    string // unique within the service, e.g. "main", "vip"
	Kind    Kind
	Address string // E.164 number for telephony and SMS, URL for video and chat, handle for social
	Queue   string // the queue engagements arriving here wait in ("" for the receptionist)
}

// Setup is how a service is configured on a channel. The channel keeps
// its own copy.
type Setup struct {
	EntryPoints []EntryPoint
	Queues      []string
	// Receptionist answers engagements arriving on an entry point without
	// a queue; nil sends them to the first queue.
	Receptionist *Receptionist
	// Router, when set, is where the channel hands the service's
	// engagements to wait for an agent; the router decides who serves
	// them and when they end. Nil: engagements wait on the channel until
	// answered or ended by other means (a reference channel's test hooks).
	Router Router
	// Anonymous lists the kinds that visitors without a registration (no
	// session token from the event system) may use. None: registered
	// attendees only. Channels that identify attendees by token (chat,
	// video) enforce it: they refuse a visitor without a token unless
	// their kind is listed. Channels that identify nobody (telephony,
	// SMS, social) ignore it.
	Anonymous []Kind
	// RegisteredOnly names queues, among Queues, that only registered
	// attendees may reach (a VIP queue). Channels that identify attendees
	// by token (chat, video) enforce it: an anonymous visitor's menu
	// leaves out the receptionist's options into these queues (choosing
	// one is not understood), and a visitor without a token arriving on
	// an entry point that leads to one is refused. Channels that identify
	// nobody ignore it.
	RegisteredOnly []string
	// IdleTimeout ends a written conversation (SMS, social) in which
	// nobody wrote for this long; 0: the channel's own default. Other
	// channels ignore it.
	IdleTimeout time.Duration
	// Hold is what a caller waiting in a queue hears, for channels that
	// speak (telephony); others ignore it. The zero Hold: silence.
	Hold Hold
}

// Hold is what a caller waiting in a queue hears: Music, a recording
// looped (a prompt file name, like [Receptionist.Prompts]' values), and
// every AnnounceEvery their place in line and expected wait, when the
// service's router is a [Placer].
type Hold struct {
	Music         string
	AnnounceEvery time.Duration
}

// State is where an engagement is.
type State string

const (
	Waiting State = "waiting" // arrived, not yet with an agent
	Active  State = "active"  // with an agent
	Ended   State = "ended"
)

// Engagement is one attendee's contact with the service: a call, a chat,
// a video session, a message thread.
type Engagement struct {
	ID         string
	ServiceID  string
	Kind       Kind
	EntryPoint string // EntryPoint.Name
	From       string // the attendee's address, as the channel saw it
	State      State
	Arrived    time.Time
	Answered   time.Time // zero until an agent takes it
	Ended      time.Time // zero until it ends
}

// Counts is a channel's view of one service's traffic of one kind.
// Cumulative fields only grow while the service is open on the channel.
type Counts struct {
	Kind       Kind
	Waiting    int           // engagements waiting now
	Active     int           // engagements with an agent now
	Arrivals   int64         // cumulative arrivals
	Completed  int64         // cumulative engagements that ended after being answered
	Abandoned  int64         // cumulative engagements that ended while waiting
	HandleTime time.Duration // cumulative answered-to-ended time of Completed
}

// Live is the number of engagements still holding an end point.
func (c Counts) Live() int { return c.Waiting + c.Active }

// Channel carries engagements of one or more kinds for many services.
//
// Implementations must be safe for concurrent use. Every method is
// idempotent and scoped to one service: nothing done for one service
// touches another's engagements. A done ctx makes a method return
// ctx.Err() (possibly wrapped).
type Channel interface {
	// Kinds lists the kinds this channel serves; it never changes.
	Kinds() []Kind
	// Open configures service on the channel (entry points, queues, the
	// virtual receptionist) and starts accepting engagements, replacing a
	// previous setup of the service. An entry point of a kind the channel
	// does not serve is ErrUnsupported and nothing is opened. Opening after
	// StopIntake accepts engagements again.
	Open(ctx context.Context, serviceID string, s Setup) error
	// StopIntake refuses new engagements for service from now on; live
	// ones go on. Not an error for a service that is not open.
	StopIntake(ctx context.Context, serviceID string) error
	// Disconnect ends every live engagement of service and returns how
	// many it ended. Afterwards the channel holds no end point of the
	// service. Not an error for a service that is not open (0).
	Disconnect(ctx context.Context, serviceID string) (int, error)
	// Remove forgets the service's entry points: calls to them are no
	// longer the service's. It does not end live engagements (call
	// Disconnect first). Idempotent.
	Remove(ctx context.Context, serviceID string) error
	// Counts returns the service's traffic per kind served, in the order
	// of Kinds, in a new slice the caller owns. A service never opened
	// has zero counts.
	Counts(ctx context.Context, serviceID string) ([]Counts, error)
}
