// Package messaging is how SMS and social messaging reach a contact
// center: the providers attendees already use (an SMS gateway such as
// Twilio, WhatsApp's Cloud API, Messenger, Telegram) post each message
// to a webhook, and replies go back through the provider's API.
//
// A Provider is one provider's side of that: it verifies and parses the
// webhooks the provider sends (Parse) and sends replies (Send). Adapters
// live in subpackages, written against the providers' published webhook
// formats with the standard library; messagingtest is the conformance
// suite every Provider passes.
package messaging

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/eventcc/eventcc/modality"
)

// Sentinel errors of a Provider, checked with errors.Is.
var (
	// ErrUnauthorized: the request is not the provider's (a missing or
	// bad signature, a wrong secret). The webhook answers 401 (or 403,
	// see [UnauthorizedError]) and records nothing.
	ErrUnauthorized = errors.New("messaging: webhook not authenticated")
	// ErrMalformed: the request is the provider's but cannot be read
	// (not the format the provider documents). The webhook answers 400.
	ErrMalformed = errors.New("messaging: malformed webhook")
	// ErrRejected: the provider refused a reply for good (an invalid
	// recipient, a blocked sender, a body it will not carry): sending it
	// again would be refused again.
	ErrRejected = errors.New("messaging: reply rejected by the provider")
)

// Provider is one messaging provider, configured for one host: its
// credentials, its webhook secret, its API's address. A Provider is safe
// for concurrent use.
type Provider interface {
	// Name names the provider in logs, errors and metrics: "twilio",
	// "whatsapp", "messenger", "telegram".
	Name() string
	// Kind is the modality of its messages: modality.SMS or
	// modality.Social.
	Kind() modality.Kind
	// Parse verifies one webhook request the provider sent and returns
	// what it carries. body is the request's body, read in full (at most
	// MaxBody bytes) by the caller; r's Body must not be read again.
	// A request of a kind the provider sends but that carries nothing
	// for the contact center (an unknown event type, a reaction) is an
	// empty Delivery, no error: providers disable webhooks that fail.
	// Errors: one wrapping ErrUnauthorized, or ErrMalformed. It does no
	// I/O.
	Parse(r *http.Request, body []byte) (Delivery, error)
	// Send sends one reply and returns the provider's ID for it, which
	// later Statuses name. Errors: one wrapping ErrRejected for a
	// refusal that sending again would meet; any other is transient (a
	// network failure, a 5xx, a rate limit: a *RetryError may say when),
	// and the caller sends again later with the same Outbound. A done
	// ctx returns ctx.Err() (possibly wrapped).
	Send(ctx context.Context, m Outbound) (id string, err error)
}

// MaxBody is the most bytes of a webhook request a channel reads; a
// larger one is refused with 413. Providers' messages are far smaller
// (WhatsApp's text is at most 4,096 characters).
const MaxBody = 256 << 10

// Delivery is what one webhook request carries. A provider may batch:
// several messages and statuses in one request.
type Delivery struct {
	Messages []Inbound
	Statuses []Status
	// Respond, if set, writes the HTTP answer the provider expects
	// instead of an empty 200: a verification challenge echoed back
	// (WhatsApp's and Messenger's hub.challenge), or an empty TwiML
	// document (Twilio). The channel calls it after handling the
	// delivery.
	Respond func(w http.ResponseWriter)
}

// Inbound is one message an attendee sent.
type Inbound struct {
	// ID is the provider's ID of the message: providers retry, and a
	// message whose ID was seen is not taken again.
	ID string
	// From is the sender as the provider names them: an E.164 number
	// for SMS and WhatsApp, a page-scoped ID on Messenger, a chat ID on
	// Telegram. Replies go to it.
	From string
	// To is the service's address the message was sent to: its E.164
	// number, its WhatsApp phone number ID, its page ID, its bot.
	To   string
	Body string
	At   time.Time // when the provider says it was sent; zero if it does not
}

// Outbound is one reply.
type Outbound struct {
	From string // the service's address (Inbound.To of the conversation)
	To   string // the attendee (Inbound.From)
	Body string
	// Ref is the channel's ID of the reply, the same on every attempt:
	// a provider that takes an idempotency key sends it.
	Ref string
}

// DeliveryState is where a reply is, as the provider reports it.
type DeliveryState string

const (
	Sent      DeliveryState = "sent"      // accepted by the provider, on its way
	Delivered DeliveryState = "delivered" // on the attendee's device
	Read      DeliveryState = "read"      // read (WhatsApp, Messenger)
	Failed    DeliveryState = "failed"    // not delivered, for good
)

// Status is a provider's report on a reply it was given.
type Status struct {
	ID    string // the ID Send returned
	State DeliveryState
	// Err is the provider's reason, with Failed.
	Err string
	At  time.Time // zero if the provider does not say
}

// RetryError is a transient Send error that says when to try again (a
// rate limit's Retry-After).
type RetryError struct {
	After time.Duration
	Err   error
}

func (e *RetryError) Error() string { return fmt.Sprintf("%v (retry after %s)", e.Err, e.After) }
func (e *RetryError) Unwrap() error { return e.Err }

// UnauthorizedError is ErrUnauthorized with the HTTP status the provider
// documents for a refused request (401 or 403).
type UnauthorizedError struct {
	Status int
	Reason string
}

func (e *UnauthorizedError) Error() string {
	return fmt.Sprintf("messaging: webhook not authenticated: %s", e.Reason)
}
func (e *UnauthorizedError) Unwrap() error { return ErrUnauthorized }
