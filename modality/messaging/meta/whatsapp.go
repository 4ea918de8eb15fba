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

// WhatsApp is the WhatsApp Business Platform's Cloud API as a
// [messaging.Provider]. Make one with [NewWhatsApp]; it is safe for
// concurrent use and holds no resources.
type WhatsApp struct {
	app
	phoneNumberID string
}

var _ messaging.Provider = (*WhatsApp)(nil)

// NewWhatsApp returns a WhatsApp provider. A Config it refuses is a
// *[ConfigError] naming every bad field.
func NewWhatsApp(cfg WhatsAppConfig) (*WhatsApp, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return &WhatsApp{app: cfg.app().withDefaults(), phoneNumberID: cfg.PhoneNumberID}, nil
}

// Name returns "whatsapp".
func (*WhatsApp) Name() string { return "whatsapp" }

// Kind returns modality.Social.
func (*WhatsApp) Kind() modality.Kind { return modality.Social }

// The payload of a "messages" change, as
// https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components
// documents it (the fields read here).
type waValue struct {
	Metadata struct {
		PhoneNumberID string `json:"phone_number_id"`
	} `json:"metadata"`
	Messages []waMessage `json:"messages"`
	Statuses []waStatus  `json:"statuses"`
}

type waMessage struct {
	From      string `json:"from"`
	ID        string `json:"id"`
	Timestamp string `json:"timestamp"`
	Type      string `json:"type"`
	Text      *struct {
		Body string `json:"body"`
	} `json:"text"`
	Image    *waMedia `json:"image"`
	Video    *waMedia `json:"video"`
	Document *waMedia `json:"document"`
	Audio    *waMedia `json:"audio"`
	Location *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name"`
		Address   string  `json:"address"`
	} `json:"location"`
	Button *struct {
		Text string `json:"text"`
	} `json:"button"`
	Interactive *struct {
		ButtonReply *struct {
			Title string `json:"title"`
		} `json:"button_reply"`
		ListReply *struct {
			Title string `json:"title"`
		} `json:"list_reply"`
	} `json:"interactive"`
}

type waMedia struct {
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
	Voice    bool   `json:"voice"`
}

type waStatus struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Timestamp string `json:"timestamp"`
	Errors    []struct {
		Code    int    `json:"code"`
		Title   string `json:"title"`
		Message string `json:"message"`
	} `json:"errors"`
}

// Parse verifies and reads one webhook request of the Cloud API; see the
// package doc for what becomes of each part of it. It is safe for
// concurrent use and does no I/O.
func (p *WhatsApp) Parse(r *http.Request, body []byte) (messaging.Delivery, error) {
	respond, err := p.verify(r, body)
	if err != nil || respond != nil {
		return messaging.Delivery{Respond: respond}, err
	}
	env, err := decodeEnvelope(body)
	if err != nil || env.Object != "whatsapp_business_account" {
		return messaging.Delivery{}, err
	}
	var d messaging.Delivery
	for i, raw := range env.Entry {
		var entry struct {
			Changes []struct {
				Field string          `json:"field"`
				Value json.RawMessage `json:"value"`
			} `json:"changes"`
		}
		if err := json.Unmarshal(raw, &entry); err != nil {
			return messaging.Delivery{}, malformed("entry[%d]: %v", i, err)
		}
		for j, ch := range entry.Changes {
			if ch.Field != "messages" {
				continue // account_update, message_template_status_update…
			}
			if err := p.readValue(&d, ch.Value); err != nil {
				return messaging.Delivery{}, fmt.Errorf("entry[%d].changes[%d]: %w", i, j, err)
			}
		}
	}
	return d, nil
}

func (p *WhatsApp) readValue(d *messaging.Delivery, raw json.RawMessage) error {
	var v waValue
	if err := json.Unmarshal(raw, &v); err != nil {
		return malformed("value: %v", err)
	}
	to := v.Metadata.PhoneNumberID
	if to == "" {
		to = p.phoneNumberID
	}
	for i, m := range v.Messages {
		if m.ID == "" || m.From == "" {
			return malformed("messages[%d] without id or from", i)
		}
		at, err := unixSeconds(m.Timestamp)
		if err != nil {
			return fmt.Errorf("messages[%d]: %w", i, err)
		}
		body, ok := m.body()
		if !ok {
			continue
		}
		d.Messages = append(d.Messages, messaging.Inbound{ID: m.ID, From: waToE164(m.From), To: to, Body: body, At: at})
	}
	for i, s := range v.Statuses {
		if s.ID == "" {
			return malformed("statuses[%d] without id", i)
		}
		at, err := unixSeconds(s.Timestamp)
		if err != nil {
			return fmt.Errorf("statuses[%d]: %w", i, err)
		}
		st := messaging.Status{ID: s.ID, At: at}
		switch s.Status {
		case "sent":
			st.State = messaging.Sent
		case "delivered":
			st.State = messaging.Delivered
		case "read":
			st.State = messaging.Read
		case "failed":
			st.State = messaging.Failed
			st.Err = "failed, no reason given"
			if len(s.Errors) > 0 {
				e := s.Errors[0]
				reason := e.Title
				if reason == "" {
					reason = e.Message
				}
				st.Err = fmt.Sprintf("%s (code %d)", reason, e.Code)
			}
		default:
			continue // "deleted", "warning", a state Meta adds later
		}
		d.Statuses = append(d.Statuses, st)
	}
	return nil
}

// body is what the agent sees of m, and false for a message that is not
// the attendee writing (a reaction, a system notice).
func (m waMessage) body() (string, bool) {
	withCaption := func(what string, media *waMedia) string {
		if media != nil && media.Caption != "" {
			return what + " " + media.Caption
		}
		return what
	}
	switch m.Type {
	case "text":
		if m.Text == nil {
			return "", true
		}
		return m.Text.Body, true
	case "image":
		return withCaption("(an image)", m.Image), true
	case "video":
		return withCaption("(a video)", m.Video), true
	case "document":
		what := "(a document)"
		if m.Document != nil && m.Document.Filename != "" {
			what = "(a document: " + m.Document.Filename + ")"
		}
		return withCaption(what, m.Document), true
	case "audio":
		if m.Audio != nil && m.Audio.Voice {
			return "(a voice message)", true
		}
		return "(an audio message)", true
	case "sticker":
		return "(a sticker)", true
	case "location":
		if l := m.Location; l != nil {
			where := fmt.Sprintf("%.6f, %.6f", l.Latitude, l.Longitude)
			if s := strings.TrimSpace(strings.Join([]string{l.Name, l.Address}, " ")); s != "" {
				where = s + " (" + where + ")"
			}
			return "(a location: " + where + ")", true
		}
		return "(a location)", true
	case "contacts":
		return "(a contact card)", true
	case "button":
		if m.Button != nil {
			return m.Button.Text, true
		}
	case "interactive":
		if i := m.Interactive; i != nil && i.ButtonReply != nil {
			return i.ButtonReply.Title, true
		}
		if i := m.Interactive; i != nil && i.ListReply != nil {
			return i.ListReply.Title, true
		}
	case "order":
		return "(an order)", true
	case "reaction", "system", "ephemeral", "request_welcome":
		return "", false
	}
	return "(a message of a kind this service cannot show)", true
}

// waToE164 writes a WhatsApp ID (the sender's number, digits only) as
// E.164 with its "+"; anything else (a username's ID) is left as it is.
func waToE164(id string) string {
	if isDigits(id) {
		return "+" + id
	}
	return id
}

// e164ToWA is waToE164's inverse: "+" and digits lose the "+".
func e164ToWA(to string) string {
	if d, ok := strings.CutPrefix(to, "+"); ok && isDigits(d) {
		return d
	}
	return to
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Send sends m as a text message from the phone number ID m.From (the
// Inbound.To of the conversation; the configured PhoneNumberID if
// empty) to m.To, as POST {GraphBase}/{phone number ID}/messages.
// The Cloud API has no idempotency key: m.Ref is not sent, and a Send
// whose answer was lost and is sent again may deliver twice. A reply
// outside WhatsApp's 24-hour customer service window is refused (code
// 131047) with messaging.ErrRejected. Errors are as the package doc
// says. It is safe for concurrent use.
func (p *WhatsApp) Send(ctx context.Context, m messaging.Outbound) (string, error) {
	from := m.From
	if from == "" {
		from = p.phoneNumberID
	}
	type text struct {
		PreviewURL bool   `json:"preview_url"`
		Body       string `json:"body"`
	}
	payload := struct {
		Product       string `json:"messaging_product"`
		RecipientType string `json:"recipient_type"`
		To            string `json:"to"`
		Type          string `json:"type"`
		Text          text   `json:"text"`
	}{"whatsapp", "individual", e164ToWA(m.To), "text", text{Body: m.Body}}
	var answer struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if err := p.post(ctx, p.Name(), from, payload, &answer); err != nil {
		return "", err
	}
	if len(answer.Messages) == 0 || answer.Messages[0].ID == "" {
		return "", fmt.Errorf("whatsapp: %w", errNoID)
	}
	return answer.Messages[0].ID, nil
}
