package telegram_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/telegram"
)

var sentAt = time.Date(2030, 6, 1, 9, 0, 5, 0, time.UTC)

func TestProvider_NameKind(t *testing.T) {
	p := newProvider(t, "")
	assert.Equal(t, "telegram", p.Name())
	assert.Equal(t, modality.Social, p.Kind())
}

// The suite's InboundRoundTrip, with Telegram's addresses: a chat id,
// the bot's username, an ID of chat and message.
func TestParse_Text(t *testing.T) {
	p := newProvider(t, "")
	body := "Where is hall B? Ünïcode ✓, <tags> & \"quotes\""
	d, err := parse(t, p, textUpdate(t, 10001, chatID, 42, body, sentAt))
	require.NoError(t, err)
	require.Len(t, d.Messages, 1, "one message in, one out")
	assert.Equal(t, messaging.Inbound{ID: "987654321:42", From: "987654321", To: botName, Body: body, At: sentAt}, d.Messages[0])
	assert.Empty(t, d.Statuses, "Telegram reports no statuses")
	assert.Nil(t, d.Respond, "Telegram wants an empty 200")
}

func TestParse_IDs(t *testing.T) {
	p := newProvider(t, "")
	id := func(r *http.Request) string {
		t.Helper()
		d, err := parse(t, p, r)
		require.NoError(t, err)
		require.Len(t, d.Messages, 1)
		return d.Messages[0].ID
	}
	a := id(textUpdate(t, 1, chatID, 7, "hi", sentAt))
	assert.Equal(t, a, id(textUpdate(t, 1, chatID, 7, "hi", sentAt)), "a retried update: the same ID")
	assert.NotEqual(t, a, id(textUpdate(t, 2, 111222333, 7, "hi", sentAt)), "message_id 7 of another chat: another ID")
	assert.Equal(t, "-1001234567890:7", id(textUpdate(t, 3, -1001234567890, 7, "hi", sentAt)), "a group's negative chat id")
}

func TestParse_NonText(t *testing.T) {
	p := newProvider(t, "")
	file := map[string]any{"file_id": "F1", "file_unique_id": "U1"}
	for _, tc := range []struct {
		name  string
		extra map[string]any
		want  string
	}{
		{"photo", map[string]any{"photo": []any{file}}, "(a photo)"},
		{"photo with caption", map[string]any{"photo": []any{file}, "caption": "the queue at hall B"}, "(a photo) the queue at hall B"},
		{"sticker", map[string]any{"sticker": map[string]any{"file_id": "S", "emoji": "👍"}}, "(a sticker 👍)"},
		{"voice", map[string]any{"voice": file}, "(a voice message)"},
		{"video note", map[string]any{"video_note": file}, "(a video message)"},
		{"video", map[string]any{"video": file, "caption": "look"}, "(a video) look"},
		{"animation, also a document", map[string]any{"animation": file, "document": file}, "(an animation)"},
		{"document", map[string]any{"document": map[string]any{"file_id": "D", "file_name": "ticket.pdf"}}, "(a file ticket.pdf)"},
		{"audio", map[string]any{"audio": map[string]any{"file_id": "A"}}, "(an audio file)"},
		{"location", map[string]any{"location": map[string]any{"latitude": 52.52, "longitude": 13.405}}, "(a location 52.52, 13.405)"},
		{"venue, also a location", map[string]any{"venue": map[string]any{"title": "Hall B", "address": "Messedamm 22"},
			"location": map[string]any{"latitude": 52.5, "longitude": 13.2}}, "(a venue Hall B, Messedamm 22)"},
		{"contact", map[string]any{"contact": map[string]any{"first_name": "Ada", "last_name": "L", "phone_number": "+4930123"}}, "(a contact Ada L, +4930123)"},
		{"poll", map[string]any{"poll": map[string]any{"question": "Coffee?"}}, "(a poll Coffee?)"},
		{"dice", map[string]any{"dice": map[string]any{"emoji": "🎲", "value": 6}}, "(a dice 🎲, 6)"},
		{"a kind this package does not know", map[string]any{"hologram": map[string]any{}}, "(a message of a kind the contact center cannot show)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := parse(t, p, webhook(t, update(t, 5, "message", msg(chatID, 9, sentAt.Unix(), tc.extra))))
			require.NoError(t, err)
			require.Len(t, d.Messages, 1, "a message without text is still a message")
			assert.Equal(t, tc.want, d.Messages[0].Body)
			assert.Equal(t, "987654321:9", d.Messages[0].ID)
		})
	}
}

func TestParse_Ignored(t *testing.T) {
	p := newProvider(t, "")
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"edited message", update(t, 1, "edited_message", msg(chatID, 42, sentAt.Unix(), map[string]any{"text": "hall C", "edit_date": sentAt.Unix() + 60}))},
		{"callback query", update(t, 2, "callback_query", map[string]any{"id": "cb", "data": "1", "from": map[string]any{"id": chatID}})},
		{"channel post", update(t, 3, "channel_post", msg(-100123, 1, sentAt.Unix(), map[string]any{"text": "news"}))},
		{"my chat member (blocked the bot)", update(t, 4, "my_chat_member", map[string]any{"chat": map[string]any{"id": chatID}})},
		{"inline query", update(t, 5, "inline_query", map[string]any{"id": "q", "query": "hall"})},
		{"a member joined a group", update(t, 6, "message", msg(-100123, 2, sentAt.Unix(), map[string]any{"new_chat_members": []any{map[string]any{"id": 5}}}))},
		{"a message pinned", update(t, 7, "message", msg(chatID, 3, sentAt.Unix(), map[string]any{"pinned_message": map[string]any{"message_id": 1}}))},
		{"a null message", []byte(`{"update_id":8,"message":null}`)},
		{"an unknown kind of update", []byte(`{"update_id":9,"purchased_paid_media":{"payload":"x"}}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := parse(t, p, webhook(t, tc.body))
			require.NoError(t, err, "acknowledged, not refused: Telegram would retry it")
			assert.Empty(t, d.Messages)
			assert.Empty(t, d.Statuses)
		})
	}
}

func TestParse_Unauthorized(t *testing.T) {
	p := newProvider(t, "")
	wrongSameLength := strings.Repeat("x", len(secret))
	require.NotEqual(t, secret, wrongSameLength)
	for _, tc := range []struct {
		name string
		set  func(h http.Header)
	}{
		{"no header", func(h http.Header) { h.Del(telegram.SecretHeader) }},
		{"empty", func(h http.Header) { h.Set(telegram.SecretHeader, "") }},
		{"right length, wrong value", func(h http.Header) { h.Set(telegram.SecretHeader, wrongSameLength) }},
		{"one character off", func(h http.Header) { h.Set(telegram.SecretHeader, secret[:len(secret)-1]+"X") }},
		{"a prefix", func(h http.Header) { h.Set(telegram.SecretHeader, secret[:5]) }},
		{"longer", func(h http.Header) { h.Set(telegram.SecretHeader, secret+"x") }},
		{"twice", func(h http.Header) { h.Add(telegram.SecretHeader, secret) }},
		{"another bot's secret", func(h http.Header) { h.Set(telegram.SecretHeader, "other-bots-secret") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := textUpdate(t, 1, chatID, 1, "hi", sentAt)
			tc.set(r.Header)
			d, err := parse(t, p, r)
			require.ErrorIs(t, err, messaging.ErrUnauthorized)
			var ue *messaging.UnauthorizedError
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, http.StatusUnauthorized, ue.Status)
			assert.NotContains(t, err.Error(), secret, "the secret is not echoed")
			assert.Empty(t, d.Messages, "nothing taken")
		})
	}
}

// Telegram authenticates the sender, not the body: a request with the
// secret token is Telegram's whatever it carries. (The suite's "tampered
// body" case asks for more than Telegram gives.)
func TestParse_BodyIsNotSigned(t *testing.T) {
	p := newProvider(t, "")
	d, err := parse(t, p, textUpdate(t, 1, chatID, 1, "hi", sentAt))
	require.NoError(t, err)
	require.Len(t, d.Messages, 1)
	d, err = parse(t, p, textUpdate(t, 1, chatID, 1, "hj", sentAt))
	require.NoError(t, err, "no signature over the body to break")
	assert.Equal(t, "hj", d.Messages[0].Body)
}

func TestParse_Malformed(t *testing.T) {
	p := newProvider(t, "")
	for _, body := range []string{
		"{", "\x00\x01\x02", "<xml/>", "%zz=1&&=", "", "null", "[]", `"update"`, "{}",
		`{"entry":[{"changes":"nope"}]}`,
		`{"update_id":"1"}`,
		`{"update_id":1,"message":"hi"}`,
		`{"update_id":1,"message":{"text":"hi","chat":{"id":1},"date":1}}`,
		`{"update_id":1,"message":{"message_id":1,"text":"hi","date":1}}`,
		`{"update_id":1,"message":{"message_id":1,"chat":{},"text":"hi"}}`,
		`{"update_id":1,"message":{"message_id":1,"chat":{"id":"1"},"text":"hi"}}`,
		`{"update_id":1,"message":{"message_id":1,"chat":{"id":1},"text":7}}`,
		`{"update_id":1,"message":{"message_id":1.5,"chat":{"id":1},"text":"hi"}}`,
	} {
		d, err := parse(t, p, webhook(t, []byte(body)))
		require.ErrorIs(t, err, messaging.ErrMalformed, "body %q", body)
		assert.Empty(t, d.Messages, "body %q", body)
	}

	r := httptest.NewRequest(http.MethodGet, "/hooks/telegram", nil)
	r.Header.Set(telegram.SecretHeader, secret)
	_, err := p.Parse(r, []byte(`{"update_id":1}`))
	assert.ErrorIs(t, err, messaging.ErrMalformed, "Telegram POSTs its updates")

	r = webhook(t, []byte("{"))
	r.Header.Del(telegram.SecretHeader)
	_, err = parse(t, p, r)
	assert.True(t, errors.Is(err, messaging.ErrUnauthorized), "the secret is checked before the body is read: %v", err)
}
