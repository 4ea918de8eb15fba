package modality

// Optional interfaces of a Channel beyond CapacitySetter (capacity.go),
// discovered by type assertion.

import (
	"context"
	"errors"
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
)

// ConversationEvent is one event of a conversation, as
// [Conversations.Watch] reports it.
type ConversationEvent struct {
	Kind         ConversationEventKind `json:"kind"`
	ServiceID    string                `json:"service"`
	Conversation string                `json:"conversation"`
	From         string                `json:"from,omitempty"`    // with ConversationStarted: the attendee's address
	Message      transcript.Message    `json:"message,omitzero"`  // with ConversationMessage
	UpToSeq      int64                 `json:"upToSeq,omitempty"` // with ConversationRead
	Reason       string                `json:"reason,omitempty"`  // with ConversationEnded: why it ended
}
