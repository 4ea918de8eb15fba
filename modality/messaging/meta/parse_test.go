package meta_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/meta"
)

func parse(t *testing.T, p messaging.Provider, r *http.Request) (messaging.Delivery, error) {
	t.Helper()
	body, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	return p.Parse(r, body)
}

func TestSign_KnownVector(t *testing.T) {
	// The documented algorithm, computed here: "sha256=" and the hex
	// HMAC-SHA256 of the raw body, keyed with the app secret.
	body := []byte(`{"object":"page","entry":[]}`)
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	assert.Equal(t, "sha256="+hex.EncodeToString(mac.Sum(nil)), meta.Sign(appSecret, body))
	// The same scheme's published example (GitHub documents
	// X-Hub-Signature-256 with this secret and payload).
	assert.Equal(t, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
		meta.Sign("It's a Secret to Everybody", []byte("Hello, World!")))
}

func TestParse_Signature(t *testing.T) {
	body := []byte(`{"object":"page","entry":[]}`)
	good := meta.Sign(appSecret, body)
	for _, tc := range []struct {
		name, sig string
		ok        bool
	}{
		{"good", good, true},
		{"upper-case hex", "sha256=" + upperHex(good[len("sha256="):]), true},
		{"missing", "", false},
		{"sha1", "sha1=" + good[len("sha256="):], false},
		{"no prefix", good[len("sha256="):], false},
		{"not hex", "sha256=zz", false},
		{"short", good[:len(good)-2], false},
		{"another secret", meta.Sign("another", body), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range providers(t) {
				r := httptest.NewRequest(http.MethodPost, "/webhooks/meta", nil)
				if tc.sig != "" {
					r.Header.Set("X-Hub-Signature-256", tc.sig)
				}
				_, err := p.Parse(r, body)
				if tc.ok {
					assert.NoError(t, err, "%s: want a good signature taken", p.Name())
					continue
				}
				require.ErrorIs(t, err, messaging.ErrUnauthorized, p.Name())
				var ue *messaging.UnauthorizedError
				require.ErrorAs(t, err, &ue)
				assert.Equal(t, http.StatusForbidden, ue.Status, "Meta's refusal is 403")
			}
		})
	}
}

func upperHex(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func providers(t *testing.T) []messaging.Provider {
	return []messaging.Provider{newWhatsApp(t, "http://graph.invalid"), newMessenger(t, "http://graph.invalid")}
}

func TestParse_Challenge(t *testing.T) {
	get := func(v url.Values) *http.Request {
		return httptest.NewRequest(http.MethodGet, "/webhooks/meta?"+v.Encode(), nil)
	}
	for _, p := range providers(t) {
		d, err := parse(t, p, get(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {verifyToken}, "hub.challenge": {"42 <b>"}}))
		require.NoError(t, err)
		w := httptest.NewRecorder()
		d.Respond(w)
		assert.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, "42 <b>", w.Body.String())
		assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))
		assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))

		for name, v := range map[string]url.Values{
			"no token":     {"hub.mode": {"subscribe"}, "hub.challenge": {"1"}},
			"wrong token":  {"hub.mode": {"subscribe"}, "hub.verify_token": {verifyToken + "x"}, "hub.challenge": {"1"}},
			"another mode": {"hub.mode": {"unsubscribe"}, "hub.verify_token": {verifyToken}, "hub.challenge": {"1"}},
			"nothing":      {},
		} {
			d, err := parse(t, p, get(v))
			require.ErrorIs(t, err, messaging.ErrUnauthorized, "%s: %s", p.Name(), name)
			assert.Nil(t, d.Respond, "%s: %s: no answer but the refusal", p.Name(), name)
		}
		_, err = parse(t, p, get(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {verifyToken}}))
		require.ErrorIs(t, err, messaging.ErrMalformed, "%s: the right token but no challenge", p.Name())
	}
}

func TestWhatsApp_Batch(t *testing.T) {
	p := newWhatsApp(t, "http://graph.invalid")
	at := time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC)
	in := func(id, body string) messaging.Inbound {
		return messaging.Inbound{ID: id, From: "+447700900123", To: phoneID, Body: body, At: at}
	}
	other := "206540352242922" // a second number of the same account
	payload := map[string]any{"object": "whatsapp_business_account", "entry": []any{
		map[string]any{"id": "1", "changes": []any{
			waChange(phoneID, []any{waText(in("wamid.1", "first")), waText(in("wamid.2", "second"))},
				[]any{waStatus(messaging.Status{ID: "wamid.out1", State: messaging.Sent, At: at}),
					waStatus(messaging.Status{ID: "wamid.out1", State: messaging.Delivered, At: at.Add(time.Second)})}),
			map[string]any{"field": "message_template_status_update", "value": map[string]any{"event": "APPROVED"}},
		}},
		map[string]any{"id": "2", "changes": []any{
			waChange(other, []any{map[string]any{"from": "447700900124", "id": "wamid.3", "timestamp": "1906966800",
				"type": "image", "image": map[string]any{"caption": "my badge", "mime_type": "image/jpeg", "id": "9"}}},
				[]any{waStatus(messaging.Status{ID: "wamid.out2", State: messaging.Failed, Err: "Message undeliverable", At: at}),
					map[string]any{"id": "wamid.out3", "status": "deleted", "timestamp": "1906966800"}}),
		}},
	}}
	d, err := parse(t, p, signed(t, payload))
	require.NoError(t, err)
	assert.Equal(t, []messaging.Inbound{in("wamid.1", "first"), in("wamid.2", "second"),
		{ID: "wamid.3", From: "+447700900124", To: other, Body: "(an image) my badge", At: time.Unix(1906966800, 0).UTC()}},
		d.Messages, "every message of every entry, in order, each To the number it reached")
	assert.Equal(t, []messaging.Status{
		{ID: "wamid.out1", State: messaging.Sent, At: at},
		{ID: "wamid.out1", State: messaging.Delivered, At: at.Add(time.Second)},
		{ID: "wamid.out2", State: messaging.Failed, Err: "Message undeliverable (code 131026)", At: at},
	}, d.Statuses, "every status but the one of a state this package does not know")
}

func TestWhatsApp_NonText(t *testing.T) {
	p := newWhatsApp(t, "http://graph.invalid")
	for _, tc := range []struct {
		name string
		msg  map[string]any
		want string // "" for no Inbound
	}{
		{"image", map[string]any{"type": "image", "image": map[string]any{"id": "1", "mime_type": "image/jpeg"}}, "(an image)"},
		{"video", map[string]any{"type": "video", "video": map[string]any{"id": "1", "caption": "the queue"}}, "(a video) the queue"},
		{"document", map[string]any{"type": "document", "document": map[string]any{"id": "1", "filename": "ticket.pdf"}}, "(a document: ticket.pdf)"},
		{"voice", map[string]any{"type": "audio", "audio": map[string]any{"id": "1", "voice": true}}, "(a voice message)"},
		{"audio", map[string]any{"type": "audio", "audio": map[string]any{"id": "1"}}, "(an audio message)"},
		{"sticker", map[string]any{"type": "sticker", "sticker": map[string]any{"id": "1", "animated": false}}, "(a sticker)"},
		{"location", map[string]any{"type": "location", "location": map[string]any{"latitude": 48.8584, "longitude": 2.2945,
			"name": "Tour Eiffel", "address": "Champ de Mars"}}, "(a location: Tour Eiffel Champ de Mars (48.858400, 2.294500))"},
		{"contacts", map[string]any{"type": "contacts", "contacts": []any{map[string]any{"name": map[string]any{"formatted_name": "A"}}}}, "(a contact card)"},
		{"button", map[string]any{"type": "button", "button": map[string]any{"text": "Yes, I'll come", "payload": "YES"}}, "Yes, I'll come"},
		{"button reply", map[string]any{"type": "interactive", "interactive": map[string]any{"type": "button_reply",
			"button_reply": map[string]any{"id": "b1", "title": "Hall B"}}}, "Hall B"},
		{"list reply", map[string]any{"type": "interactive", "interactive": map[string]any{"type": "list_reply",
			"list_reply": map[string]any{"id": "l1", "title": "Workshop 3", "description": "14:00"}}}, "Workshop 3"},
		{"order", map[string]any{"type": "order", "order": map[string]any{"catalog_id": "1"}}, "(an order)"},
		{"unsupported", map[string]any{"type": "unsupported", "errors": []any{map[string]any{"code": 131051}}},
			"(a message of a kind this service cannot show)"},
		{"a future type", map[string]any{"type": "hologram"}, "(a message of a kind this service cannot show)"},
		{"reaction", map[string]any{"type": "reaction", "reaction": map[string]any{"message_id": "wamid.out", "emoji": "👍"}}, ""},
		{"system", map[string]any{"type": "system", "system": map[string]any{"body": "changed number"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.msg["from"], tc.msg["id"], tc.msg["timestamp"] = "16315551181", "wamid.x", "1906966800"
			d, err := parse(t, p, signed(t, waPayload(waChange(phoneID, []any{tc.msg}, nil))))
			require.NoError(t, err)
			if tc.want == "" {
				assert.Empty(t, d.Messages, "not the attendee writing: no Inbound")
				return
			}
			require.Len(t, d.Messages, 1, "something arrived: the agent sees it")
			assert.Equal(t, tc.want, d.Messages[0].Body)
			assert.Equal(t, "+16315551181", d.Messages[0].From)
		})
	}
}

func TestWhatsApp_MalformedParts(t *testing.T) {
	p := newWhatsApp(t, "http://graph.invalid")
	for name, msg := range map[string]map[string]any{
		"no id":         {"from": "1", "type": "text", "text": map[string]any{"body": "x"}},
		"no from":       {"id": "wamid.1", "type": "text", "text": map[string]any{"body": "x"}},
		"bad timestamp": {"from": "1", "id": "wamid.1", "timestamp": "yesterday", "type": "text"},
	} {
		_, err := parse(t, p, signed(t, waPayload(waChange(phoneID, []any{msg}, nil))))
		assert.ErrorIs(t, err, messaging.ErrMalformed, name)
	}
	_, err := parse(t, p, signed(t, waPayload(waChange(phoneID, nil, []any{map[string]any{"status": "sent"}}))))
	assert.ErrorIs(t, err, messaging.ErrMalformed, "a status without id")
	d, err := parse(t, p, signed(t, map[string]any{"object": "page", "entry": []any{"not an entry of ours"}}))
	assert.NoError(t, err, "another object is not ours to judge")
	assert.Empty(t, d.Messages)
}

func TestMessenger_Batch(t *testing.T) {
	p := newMessenger(t, "http://graph.invalid")
	at := time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC)
	ev := func(sender string, extra map[string]any) map[string]any {
		e := map[string]any{"sender": map[string]any{"id": sender}, "recipient": map[string]any{"id": pageID},
			"timestamp": at.UnixMilli()}
		for k, v := range extra {
			e[k] = v
		}
		return e
	}
	payload := msPayload(
		msEntry(pageID,
			ev("psid-1", map[string]any{"message": map[string]any{"mid": "m_1", "text": "hello"}}),
			ev("psid-1", map[string]any{"message": map[string]any{"mid": "m_2", "attachments": []any{
				map[string]any{"type": "image", "payload": map[string]any{"url": "https://x"}},
				map[string]any{"type": "file", "payload": map[string]any{"url": "https://y"}}}}}),
			msDelivery(at, "m_out1", "m_out2"),
			ev("psid-1", map[string]any{"read": map[string]any{"watermark": at.UnixMilli()}}),
			ev("psid-1", map[string]any{"postback": map[string]any{"title": "Get Started", "payload": "START"}}),
		),
		msEntry(pageID,
			ev(pageID, map[string]any{"message": map[string]any{"mid": "m_echo", "is_echo": true, "text": "our reply"}}),
			ev("psid-2", map[string]any{"message": map[string]any{"mid": "m_3", "text": "👋",
				"quick_reply": map[string]any{"payload": "HI"}}}),
			ev("psid-2", map[string]any{"message": map[string]any{"mid": "m_4", "attachments": []any{
				map[string]any{"type": "template", "payload": map[string]any{}}}}}),
		),
	)
	d, err := parse(t, p, signed(t, payload))
	require.NoError(t, err)
	assert.Equal(t, []messaging.Inbound{
		{ID: "m_1", From: "psid-1", To: pageID, Body: "hello", At: at},
		{ID: "m_2", From: "psid-1", To: pageID, Body: "(an image) (a file)", At: at},
		{ID: "m_3", From: "psid-2", To: pageID, Body: "👋", At: at},
		{ID: "m_4", From: "psid-2", To: pageID, Body: "(an attachment)", At: at},
	}, d.Messages, "every message but the echo, in order")
	assert.Equal(t, []messaging.Status{
		{ID: "m_out1", State: messaging.Delivered, At: at},
		{ID: "m_out2", State: messaging.Delivered, At: at},
	}, d.Statuses, "a Delivered for each mid of a delivery; reads name none")
}

func TestMessenger_MalformedParts(t *testing.T) {
	p := newMessenger(t, "http://graph.invalid")
	for name, e := range map[string]any{
		"no mid":            map[string]any{"sender": map[string]any{"id": "1"}, "message": map[string]any{"text": "x"}},
		"no sender":         map[string]any{"message": map[string]any{"mid": "m_1", "text": "x"}},
		"not JSON's object": "event",
		"bad timestamp":     map[string]any{"sender": map[string]any{"id": "1"}, "timestamp": "now", "message": map[string]any{"mid": "m"}},
	} {
		_, err := parse(t, p, signed(t, msPayload(msEntry(pageID, e))))
		assert.ErrorIs(t, err, messaging.ErrMalformed, name)
	}
}

func TestConfig(t *testing.T) {
	_, err := meta.NewWhatsApp(meta.WhatsAppConfig{GraphBase: "ftp://x"})
	var ce *meta.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "meta.WhatsAppConfig", ce.Config)
	assert.Equal(t, []string{"AppSecret", "VerifyToken", "AccessToken", "GraphBase", "PhoneNumberID"}, fields(ce),
		"every problem, each naming its field")

	_, err = meta.NewMessenger(meta.MessengerConfig{AppSecret: "s", VerifyToken: "v", AccessToken: "a",
		GraphBase: "https://graph.facebook.com/v21.0?x=1", PageID: "12/34"})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "meta.MessengerConfig", ce.Config)
	assert.Equal(t, []string{"GraphBase", "PageID"}, fields(ce))

	_, err = meta.NewMessenger(meta.MessengerConfig{AppSecret: "s", VerifyToken: "v", AccessToken: "a", PageID: "1"})
	assert.NoError(t, err, "the defaults fill the rest")
}

func fields(ce *meta.ConfigError) []string {
	var f []string
	for _, p := range ce.Problems {
		f = append(f, p.Field)
	}
	return f
}
