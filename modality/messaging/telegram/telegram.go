package telegram

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
)

// SecretHeader is the header Telegram sends the webhook's secret_token in.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// maxAnswer is the most bytes of a Bot API answer Send reads.
const maxAnswer = 1 << 20

// Provider is a Telegram bot's [messaging.Provider]. Make one with
// [New]; it is safe for concurrent use.
type Provider struct {
	cfg      Config
	secret   []byte
	sendURL  string // carries the bot token: never shown
	shownURL string // sendURL with the token redacted, for errors
}

var _ messaging.Provider = (*Provider)(nil)

// New returns the Provider of cfg, or a *[ConfigError] naming every
// field it refuses.
func New(cfg Config) (*Provider, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Provider{
		cfg:      cfg,
		secret:   []byte(cfg.SecretToken),
		sendURL:  cfg.APIBase + "/bot" + cfg.BotToken + "/sendMessage",
		shownURL: cfg.APIBase + "/bot<redacted>/sendMessage",
	}, nil
}

// Name returns "telegram".
func (p *Provider) Name() string { return "telegram" }

// Kind returns [modality.Social].
func (p *Provider) Kind() modality.Kind { return modality.Social }

// update is the part of an Update Parse reads.
type update struct {
	UpdateID *int64          `json:"update_id"`
	Message  json.RawMessage `json:"message"`
}

// message is the part of a Message Parse reads; the rest is looked up
// by key in its raw form (see describe).
type message struct {
	MessageID *int64 `json:"message_id"`
	Date      int64  `json:"date"`
	Chat      *struct {
		ID *int64 `json:"id"`
	} `json:"chat"`
	Text    *string `json:"text"`
	Caption string  `json:"caption"`
}

// Parse verifies and parses one update Telegram posted to the webhook.
// See the package doc for what it takes and what it ignores. The secret
// is checked first, so an unauthenticated body is never decoded. Parse
// keeps neither r nor body; the Delivery is the caller's. It does no I/O
// and is safe for concurrent use.
func (p *Provider) Parse(r *http.Request, body []byte) (messaging.Delivery, error) {
	got := r.Header.Values(SecretHeader)
	switch {
	case len(got) == 0:
		return messaging.Delivery{}, &messaging.UnauthorizedError{Status: http.StatusUnauthorized, Reason: "telegram: no " + SecretHeader + " header"}
	case len(got) > 1 || subtle.ConstantTimeCompare([]byte(got[0]), p.secret) != 1:
		return messaging.Delivery{}, &messaging.UnauthorizedError{Status: http.StatusUnauthorized, Reason: "telegram: wrong " + SecretHeader}
	}
	if r.Method != http.MethodPost {
		return messaging.Delivery{}, fmt.Errorf("%w: telegram: method %s, want POST", messaging.ErrMalformed, r.Method)
	}
	var u update
	if err := json.Unmarshal(body, &u); err != nil {
		return messaging.Delivery{}, fmt.Errorf("%w: telegram: not an Update: %v", messaging.ErrMalformed, err)
	}
	if u.UpdateID == nil {
		return messaging.Delivery{}, fmt.Errorf("%w: telegram: an Update without update_id", messaging.ErrMalformed)
	}
	if len(u.Message) == 0 || string(u.Message) == "null" {
		return messaging.Delivery{}, nil // another kind of update, or an edit
	}
	var m message
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(u.Message, &m); err != nil {
		return messaging.Delivery{}, fmt.Errorf("%w: telegram: update %d: not a Message: %v", messaging.ErrMalformed, *u.UpdateID, err)
	}
	if err := json.Unmarshal(u.Message, &keys); err != nil {
		return messaging.Delivery{}, fmt.Errorf("%w: telegram: update %d: not a Message: %v", messaging.ErrMalformed, *u.UpdateID, err)
	}
	if m.MessageID == nil || m.Chat == nil || m.Chat.ID == nil {
		return messaging.Delivery{}, fmt.Errorf("%w: telegram: update %d: a message without message_id or chat.id", messaging.ErrMalformed, *u.UpdateID)
	}
	body2, ok := describe(m, keys)
	if !ok {
		return messaging.Delivery{}, nil // a service message
	}
	chat := strconv.FormatInt(*m.Chat.ID, 10)
	in := messaging.Inbound{
		ID:   chat + ":" + strconv.FormatInt(*m.MessageID, 10),
		From: chat,
		To:   p.cfg.BotName,
		Body: body2,
	}
	if m.Date > 0 {
		in.At = time.Unix(m.Date, 0).UTC()
	}
	return messaging.Delivery{Messages: []messaging.Inbound{in}}, nil
}

// serviceKeys are the fields of a service message: not something an
// attendee said.
var serviceKeys = []string{
	"new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo",
	"delete_chat_photo", "group_chat_created", "supergroup_chat_created",
	"channel_chat_created", "message_auto_delete_timer_changed",
	"migrate_to_chat_id", "migrate_from_chat_id", "pinned_message",
	"successful_payment", "refunded_payment", "users_shared", "chat_shared",
	"write_access_allowed", "connected_website", "proximity_alert_triggered",
	"boost_added", "chat_background_set", "forum_topic_created",
	"forum_topic_edited", "forum_topic_closed", "forum_topic_reopened",
	"general_forum_topic_hidden", "general_forum_topic_unhidden",
	"giveaway_created", "giveaway_winners", "giveaway_completed",
	"video_chat_scheduled", "video_chat_started", "video_chat_ended",
	"video_chat_participants_invited",
}

// unknownKind is the Body of a message of a kind describe does not know.
const unknownKind = "(a message of a kind the contact center cannot show)"

// describe returns the Body of m: its text, or a note of what arrived
// and its caption; ok is false for a service message.
func describe(m message, keys map[string]json.RawMessage) (body string, ok bool) {
	if m.Text != nil {
		return *m.Text, true
	}
	for _, k := range serviceKeys {
		if _, ok := keys[k]; ok {
			return "", false
		}
	}
	note := unknownKind
	str := func(raw json.RawMessage, field string) string {
		var v map[string]json.RawMessage
		if json.Unmarshal(raw, &v) != nil {
			return ""
		}
		var s string
		if json.Unmarshal(v[field], &s) != nil {
			var n json.Number
			if json.Unmarshal(v[field], &n) != nil {
				return ""
			}
			return n.String()
		}
		return s
	}
	with := func(kind string, parts ...string) string {
		var b strings.Builder
		b.WriteString("(" + kind)
		sep := " "
		for _, s := range parts {
			if s != "" {
				b.WriteString(sep + s)
				sep = ", "
			}
		}
		b.WriteString(")")
		return b.String()
	}
	// Order matters: an animation also carries "document" and a venue
	// "location", for older clients.
	switch {
	case keys["photo"] != nil:
		note = "(a photo)"
	case keys["animation"] != nil:
		note = "(an animation)"
	case keys["video"] != nil:
		note = "(a video)"
	case keys["video_note"] != nil:
		note = "(a video message)"
	case keys["voice"] != nil:
		note = "(a voice message)"
	case keys["audio"] != nil:
		note = with("an audio file", str(keys["audio"], "title"))
	case keys["document"] != nil:
		note = with("a file", str(keys["document"], "file_name"))
	case keys["sticker"] != nil:
		note = with("a sticker", str(keys["sticker"], "emoji"))
	case keys["venue"] != nil:
		note = with("a venue", str(keys["venue"], "title"), str(keys["venue"], "address"))
	case keys["location"] != nil:
		note = with("a location", str(keys["location"], "latitude"), str(keys["location"], "longitude"))
	case keys["contact"] != nil:
		c := keys["contact"]
		note = with("a contact", strings.TrimSpace(str(c, "first_name")+" "+str(c, "last_name")), str(c, "phone_number"))
	case keys["poll"] != nil:
		note = with("a poll", str(keys["poll"], "question"))
	case keys["dice"] != nil:
		note = with("a dice", str(keys["dice"], "emoji"), str(keys["dice"], "value"))
	case keys["game"] != nil:
		note = "(a game)"
	case keys["story"] != nil:
		note = "(a story)"
	}
	if m.Caption != "" {
		note += " " + m.Caption
	}
	return note, true
}

// sendMessage is the request Send posts.
type sendMessage struct {
	ChatID any    `json:"chat_id"` // an int64, or a channel's "@username"
	Text   string `json:"text"`
}

// answer is the Bot API's answer to every method.
type answer struct {
	OK          bool   `json:"ok"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
	Result struct {
		MessageID int64 `json:"message_id"`
		Chat      struct {
			ID int64 `json:"id"`
		} `json:"chat"`
	} `json:"result"`
}

// Send sends m.Body to the chat m.To names (a chat id in decimal, as
// Parse gives it in From, or a public channel's "@username") with
// sendMessage, and returns "<chat id>:<message_id>" of the message
// Telegram made. m.Ref is not sent: sendMessage takes no idempotency
// key. See the package doc for the errors. It is safe for concurrent
// use.
func (p *Provider) Send(ctx context.Context, m messaging.Outbound) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if m.From != "" && !strings.EqualFold(strings.TrimPrefix(m.From, "@"), p.cfg.BotName) {
		return "", fmt.Errorf("%w: telegram: the reply is from %q, this provider is the bot %q", messaging.ErrRejected, m.From, p.cfg.BotName)
	}
	var chat any
	if n, err := strconv.ParseInt(m.To, 10, 64); err == nil && strconv.FormatInt(n, 10) == m.To {
		chat = n
	} else if name, ok := strings.CutPrefix(m.To, "@"); ok && validUsername(name) {
		chat = m.To
	} else {
		return "", fmt.Errorf("%w: telegram: recipient %q is neither a chat id nor an @username", messaging.ErrRejected, m.To)
	}
	if m.Body == "" {
		return "", fmt.Errorf("%w: telegram: an empty reply", messaging.ErrRejected)
	}
	req, err := json.Marshal(sendMessage{ChatID: chat, Text: m.Body})
	if err != nil {
		return "", fmt.Errorf("telegram: sendMessage: %w", err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, p.sendURL, bytes.NewReader(req))
	if err != nil {
		return "", fmt.Errorf("telegram: sendMessage: %w", p.redact(err))
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := p.cfg.HTTPClient.Do(hr)
	if err != nil {
		return "", fmt.Errorf("telegram: sendMessage: %w", p.redact(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return "", fmt.Errorf("telegram: sendMessage: reading the answer (%s): %w", resp.Status, p.redact(err))
	}
	var a answer
	jsonErr := json.Unmarshal(raw, &a)
	code := resp.StatusCode
	if code == http.StatusOK && jsonErr == nil && a.OK {
		return strconv.FormatInt(a.Result.Chat.ID, 10) + ":" + strconv.FormatInt(a.Result.MessageID, 10), nil
	}
	if code == http.StatusOK && jsonErr == nil && a.ErrorCode != 0 {
		code = a.ErrorCode
	}
	why := a.Description
	if why == "" {
		why = http.StatusText(code)
	}
	if code == http.StatusOK {
		// The message may have been sent; Telegram's answer does not say.
		return "", fmt.Errorf("telegram: sendMessage: an answer that is not ok: %.200q", raw)
	}
	apiErr := fmt.Errorf("telegram: sendMessage: %d %s", code, why)
	switch {
	case code == http.StatusTooManyRequests:
		after := time.Duration(a.Parameters.RetryAfter) * time.Second
		if after <= 0 {
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
				after = time.Duration(s) * time.Second
			}
		}
		if after > 0 {
			return "", &messaging.RetryError{After: after, Err: apiErr}
		}
		return "", apiErr
	case code >= 400 && code < 500 && code != http.StatusRequestTimeout:
		return "", fmt.Errorf("%w: %w", messaging.ErrRejected, apiErr)
	default:
		return "", apiErr
	}
}

// redact removes the bot token from err: a *url.Error names the URL it
// failed on, which carries it.
func (p *Provider) redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = p.shownURL
	}
	if msg := err.Error(); strings.Contains(msg, p.cfg.BotToken) {
		// Not expected; but the token is never shown. The chain is cut
		// (it would show it), keeping only a context error.
		r := &redactedError{msg: strings.ReplaceAll(msg, p.cfg.BotToken, "<redacted>")}
		for _, c := range []error{context.Canceled, context.DeadlineExceeded} {
			if errors.Is(err, c) {
				r.cause = c
			}
		}
		return r
	}
	return err
}

// redactedError is an error whose message had the bot token removed.
type redactedError struct {
	msg   string
	cause error // context.Canceled or DeadlineExceeded, or nil
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// validUsername: a public chat's username, 5 to 32 of A-Z, a-z, 0-9, _.
func validUsername(s string) bool {
	if len(s) < 5 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
