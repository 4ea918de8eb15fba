package modality

// Optional interfaces of a Channel beyond CapacitySetter (capacity.go),
// discovered by type assertion.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/modality/transcript"
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

// Conversations is an optional interface of a [Channel] whose
// engagements are written conversations (chat, messaging): agents write
// in them, and see what the attendee writes. The contactcenter
// lifecycle reaches it through the service's desk, which authorises
// each agent's action first, and passes its events to the agent
// connected with the conversation, on whichever replica their session
// is. Discover it by type assertion.
//
// Every method is safe for concurrent use. A conversation is named by
// its engagement's ID; one that is not live on the channel for the
// service is [ErrNotFound] (Messages excepted: see there).
type Conversations interface {
	// Post appends agentID's message to the conversation, which must be
	// connected to that agent (the router's Connected decision named
	// them; otherwise an error wrapping [ErrNotConnected]), and shows it
	// to the attendee. It returns the stored message.
	Post(ctx context.Context, serviceID, conversationID, agentID, body string) (transcript.Message, error)
	// Typing tells the attendee that the connected agent is typing.
	Typing(ctx context.Context, serviceID, conversationID, agentID string) error
	// MarkRead tells the attendee that the connected agent has read the
	// conversation up to seq upToSeq.
	MarkRead(ctx context.Context, serviceID, conversationID, agentID string, upToSeq int64) error
	// Messages returns the conversation's messages above afterSeq, in
	// seq order: ended conversations' too, as long as their transcript
	// is kept. The slice belongs to the caller.
	Messages(ctx context.Context, serviceID, conversationID string, afterSeq int64) ([]transcript.Message, error)
	// Watch calls fn with every event of the service's conversations
	// until stop is called. fn is called outside the channel's locks,
	// from the goroutine that caused the event; it must not block. The
	// events of one conversation come in order. stop is idempotent.
	Watch(serviceID string, fn func(ConversationEvent)) (stop func())
}

// ErrNotConnected is wrapped by a [Conversations] error for an agent's
// action on a conversation that is live but not connected to them.
var ErrNotConnected = errors.New("modality: conversation not connected to this agent")

// ConversationEventKind says what a [ConversationEvent] reports.
type ConversationEventKind uint8

const (
	ConversationStarted ConversationEventKind = iota + 1 // a conversation started (arrived)
	ConversationMessage                                  // a message was added to the transcript (Message)
	ConversationTyping                                   // the attendee is typing
	ConversationRead                                     // the attendee read up to UpToSeq
	ConversationEnded                                    // the conversation ended (Reason)
	// ConversationUndelivered: a message to the attendee (Message) could
	// not be delivered (Reason): the provider refused it, or kept
	// failing past the retries. It is in the transcript; the attendee
	// did not get it.
	ConversationUndelivered
)

// ConversationEvent is one event of a conversation, as
// [Conversations.Watch] reports it.
type ConversationEvent struct {
	Kind         ConversationEventKind `json:"kind"`
	ServiceID    string                `json:"service"`
	Conversation string                `json:"conversation"`
	From         string                `json:"from,omitempty"`    // with ConversationStarted: the attendee's address
	Message      transcript.Message    `json:"message,omitzero"`  // with ConversationMessage and ConversationUndelivered
	UpToSeq      int64                 `json:"upToSeq,omitempty"` // with ConversationRead
	Reason       string                `json:"reason,omitempty"`  // with ConversationEnded: why it ended; with ConversationUndelivered: why not
}

// Link is one attendee's socket carried between the replicas of a host:
// the attendee is connected to one replica, and the service's channel,
// on the replica that drives the service, serves them through the link.
// Frames are the channel's protocol (text, each at most the channel's
// frame limit) and arrive in order. The contactcenter lifecycle makes
// links over its Relay. Every method is safe for concurrent use.
type Link interface {
	// Send passes one frame to the other end. After the link closed, it
	// returns an error wrapping a *LinkClosedError.
	Send(ctx context.Context, frame []byte) error
	// Recv returns the next frame from the other end. After the link
	// closed (either end, or frames were lost on the way), it returns an
	// error wrapping a *LinkClosedError that says why.
	Recv(ctx context.Context) ([]byte, error)
	// Close ends the link, telling the other end code (a WebSocket close
	// code) and reason. Idempotent.
	Close(code int, reason string) error
}

// LinkClosedError says why a [Link] ended: a WebSocket close code and
// reason, the other end's or the link's own (1011 when frames were
// lost between the replicas: the attendee reconnects and resumes).
type LinkClosedError struct {
	Code   int
	Reason string
}

func (e *LinkClosedError) Error() string {
	return fmt.Sprintf("modality: link closed (%d %s)", e.Code, e.Reason)
}

// Forwarder carries an attendee's socket to the replica that drives its
// service. A channel that serves sockets (chat) and is given one (see
// [LinkServer]) forwards the sockets of services it does not serve
// itself, rather than refusing them.
type Forwarder interface {
	// Forward opens a link to the channel of kind that serves serviceID
	// on the replica driving it, for an attendee socket that arrived
	// here, at entry (may be "") from remote (their address, for logs).
	// Errors: one wrapping [ErrNotFound] when no other replica drives
	// the service.
	Forward(ctx context.Context, kind Kind, serviceID, entry, remote string) (Link, error)
}

// LinkServer is an optional interface of a [Channel] whose attendees
// connect with sockets (chat): sockets that arrive at another replica
// reach it over a [Link], and it forwards its own to the replica driving
// their service with the [Forwarder] it is given. The contactcenter
// lifecycle, with a Relay, gives itself as the Forwarder when it is made,
// and hands the channel each link that arrives for it. Discover it by
// type assertion.
type LinkServer interface {
	// SetForwarder gives the channel the forwarder for the sockets of
	// services it does not serve. Called before the channel serves.
	SetForwarder(f Forwarder)
	// ServeLink serves an attendee's socket that arrived at another
	// replica, for serviceID, at entry, from remote, as if it had
	// connected here; it returns when the session ends, having closed l.
	ServeLink(ctx context.Context, serviceID, entry, remote string, l Link)
}

// NotOpenError is the error a [Forwarder] returns for a service that no
// replica serves because it is not open (before its term, or after it):
// Message is what to tell its attendees, the receptionist's closed
// message ("" for none). It wraps [ErrNotFound].
type NotOpenError struct {
	ServiceID string
	Message   string
}

func (e *NotOpenError) Error() string {
	return fmt.Sprintf("modality: service %q is not open", e.ServiceID)
}

func (e *NotOpenError) Unwrap() error { return ErrNotFound }

// MessageForwarder carries an inbound message (SMS, social) to the
// replica that drives its service. Providers post each message to
// whichever replica their webhook reaches; a messaging channel given a
// MessageForwarder (see [MessageServer]) hands on the messages of
// services it does not serve itself, rather than refusing them.
type MessageForwarder interface {
	// ForwardMessage hands msg, the channel's encoding of a message
	// that arrived here (JSON, carried as it is: anything else is an
	// error), to the channel of kind on the replica driving
	// the service, and returns once that channel has taken it (its
	// ServeMessage returned nil). The service is serviceID, or, when
	// serviceID is "", the one whose address of kind is to (an event's
	// social account).
	//
	// Errors: a *[NotOpenError] when the service is not open (before its
	// term, or after it); one wrapping [ErrNotFound] when no service has
	// the address, this replica drives it, or there is no way to reach
	// another replica; any other error (the driver cannot be reached
	// now, or did not take the message) leaves the message untaken, for
	// the provider to deliver again.
	ForwardMessage(ctx context.Context, kind Kind, serviceID, to string, msg []byte) error
}

// MessageServer is an optional interface of a [Channel] whose attendees
// write through providers' webhooks (SMS, social): messages that arrive
// at another replica reach it through ServeMessage, and it forwards its
// own to the replica driving their service with the [MessageForwarder]
// it is given. The contactcenter lifecycle, with a Relay, gives itself
// as the MessageForwarder when it is made, and hands the channel each
// message that arrives for it. Discover it by type assertion.
type MessageServer interface {
	// SetMessageForwarder gives the channel the forwarder for the
	// messages of services it does not serve. Called before the channel
	// serves.
	SetMessageForwarder(f MessageForwarder)
	// ServeMessage takes msg, forwarded by the channel of another
	// replica, as if it had arrived here, for serviceID. A nil error
	// means it was taken (or had been taken before: providers retry);
	// an error, that the provider should deliver it again.
	ServeMessage(ctx context.Context, serviceID string, msg []byte) error
}

// MaxForwardedMessage is the most bytes of msg a [MessageForwarder]
// takes: a larger one is refused with an error, and the provider
// delivers it again (some providers to another replica, perhaps the one
// that drives its service).
const MaxForwardedMessage = 6 << 10
