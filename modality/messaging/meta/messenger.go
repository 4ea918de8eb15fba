package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
)

// Messenger is the Messenger Platform's Send API and webhooks, for one
// Facebook Page, as a [messaging.Provider]. Make one with
// [NewMessenger]; it is safe for concurrent use and holds no resources.
type Messenger struct {
	app
	pageID string
}

var _ messaging.Provider = (*Messenger)(nil)

// NewMessenger returns a Messenger provider. A Config it refuses is a
// *[ConfigError] naming every bad field.
func NewMessenger(cfg MessengerConfig) (*Messenger, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return &Messenger{app: cfg.app().withDefaults(), pageID: cfg.PageID}, nil
}

// Name returns "messenger".
func (*Messenger) Name() string { return "messenger" }

// Kind returns modality.Social.
func (*Messenger) Kind() modality.Kind { return modality.Social }

// A messaging event, as
// https://developers.facebook.com/docs/messenger-platform/webhooks
// and its reference pages document it (the fields read here).
type msEvent struct {
	Sender    msID  `json:"sender"`
	Recipient msID  `json:"recipient"`
	Timestamp int64 `json:"timestamp"`
	Message   *struct {
		MID         string `json:"mid"`
		Text        string `json:"text"`
		IsEcho      bool   `json:"is_echo"`
		Attachments []struct {
			Type string `json:"type"`
		} `json:"attachments"`
	} `json:"message"`
	Delivery *struct {
		MIDs      []string `json:"mids"`
		Watermark int64    `json:"watermark"`
	} `json:"delivery"`
}

type msID struct {
	ID string `json:"id"`
}

// Parse verifies and reads one webhook request of the Messenger
// Platform; see the package doc for what becomes of each event. It is
// safe for concurrent use and does no I/O.
func (p *Messenger) Parse(r *http.Request, body []byte) (messaging.Delivery, error) {
	respond, err := p.verify(r, body)
	if err != nil || respond != nil {
		return messaging.Delivery{Respond: respond}, err
	}
	env, err := decodeEnvelope(body)
	if err != nil || env.Object != "page" {
		return messaging.Delivery{}, err
	}
	var d messaging.Delivery
	for i, raw := range env.Entry {
		var entry struct {
			ID        string            `json:"id"`
			Messaging []json.RawMessage `json:"messaging"`
		}
		if err := json.Unmarshal(raw, &entry); err != nil {
			return messaging.Delivery{}, malformed("entry[%d]: %v", i, err)
		}
		for j, raw := range entry.Messaging {
			if err := p.readEvent(&d, entry.ID, raw); err != nil {
				return messaging.Delivery{}, fmt.Errorf("entry[%d].messaging[%d]: %w", i, j, err)
			}
		}
	}
	return d, nil
}

func (p *Messenger) readEvent(d *messaging.Delivery, pageID string, raw json.RawMessage) error {
	var e msEvent
	if err := json.Unmarshal(raw, &e); err != nil {
		return malformed("%v", err)
	}
	switch {
	case e.Message != nil && !e.Message.IsEcho:
		m := e.Message
		if m.MID == "" || e.Sender.ID == "" {
			return malformed("message without mid or sender")
		}
		to := e.Recipient.ID
		if to == "" {
			to = pageID
		}
		if to == "" {
			to = p.pageID
		}
		d.Messages = append(d.Messages, messaging.Inbound{
			ID: m.MID, From: e.Sender.ID, To: to, Body: msBody(m.Text, m.Attachments), At: unixMillis(e.Timestamp)})
	case e.Delivery != nil:
		at := unixMillis(e.Delivery.Watermark)
		if at.IsZero() {
			at = unixMillis(e.Timestamp)
		}
		for _, mid := range e.Delivery.MIDs {
			if mid != "" {
				d.Statuses = append(d.Statuses, messaging.Status{ID: mid, State: messaging.Delivered, At: at})
			}
		}
	}
	// Echoes of the page's own messages, reads (a watermark, no
	// message ID), reactions, postbacks, referrals, handovers: nothing
	// for the contact center.
	return nil
}

// msBody is what the agent sees of a message: its text, or what it
// attached.
func msBody(text string, attachments []struct {
	Type string `json:"type"`
}) string {
	if text != "" {
		return text
	}
	var what []string
	for _, a := range attachments {
		switch a.Type {
		case "image":
			what = append(what, "(an image)")
		case "video":
			what = append(what, "(a video)")
		case "audio":
			what = append(what, "(an audio message)")
		case "file":
			what = append(what, "(a file)")
		case "location":
			what = append(what, "(a location)")
		case "fallback":
			what = append(what, "(a link)")
		default:
			what = append(what, "(an attachment)")
		}
	}
	if len(what) == 0 {
		return "(a message of a kind this service cannot show)"
	}
	return strings.Join(what, " ")
}

// Send sends m as a text message from the page m.From (the Inbound.To
// of the conversation; the configured PageID if empty) to the
// page-scoped ID m.To, as POST {GraphBase}/{page ID}/messages with
// messaging_type RESPONSE: a reply within Messenger's 24-hour standard
// messaging window. One outside it is refused (code 10, subcode
// 2018278) with messaging.ErrRejected. The Send API has no idempotency
// key: m.Ref is not sent, and a Send whose answer was lost and is sent
// again may deliver twice. Errors are as the package doc says. It is
// safe for concurrent use.
func (p *Messenger) Send(ctx context.Context, m messaging.Outbound) (string, error) {
	from := m.From
	if from == "" {
		from = p.pageID
	}
	type recipient struct {
		ID string `json:"id"`
	}
	type message struct {
		Text string `json:"text"`
	}
	payload := struct {
		Recipient     recipient `json:"recipient"`
		MessagingType string    `json:"messaging_type"`
		Message       message   `json:"message"`
	}{recipient{m.To}, "RESPONSE", message{m.Body}}
	var answer struct {
		RecipientID string `json:"recipient_id"`
		MessageID   string `json:"message_id"`
	}
	if err := p.post(ctx, p.Name(), from, payload, &answer); err != nil {
		return "", err
	}
	if answer.MessageID == "" {
		return "", fmt.Errorf("messenger: %w", errNoID)
	}
	return answer.MessageID, nil
}
