package telegram_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/telegram"
)

// FuzzParse: Parse never panics; what it refuses wraps ErrUnauthorized
// (only for a wrong secret) or ErrMalformed; what it takes is one
// message from the bot's chat, with an ID "<chat id>:<message_id>".
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"update_id":1,"message":{"message_id":42,"date":1906966805,"chat":{"id":987654321,"type":"private"},"text":"Where is hall B?"}}`,
		`{"update_id":2,"message":{"message_id":9,"date":1,"chat":{"id":-1001234567890},"photo":[{"file_id":"F"}],"caption":"queue"}}`,
		`{"update_id":3,"message":{"message_id":9,"chat":{"id":1},"sticker":{"emoji":"👍"}}}`,
		`{"update_id":4,"message":{"message_id":9,"chat":{"id":1},"location":{"latitude":1e400,"longitude":"x"}}}`,
		`{"update_id":5,"edited_message":{"message_id":42,"chat":{"id":1},"text":"edit"}}`,
		`{"update_id":6,"callback_query":{"id":"cb"}}`,
		`{"update_id":7,"message":{"message_id":1,"chat":{"id":1},"new_chat_members":[]}}`,
		`{"update_id":8,"message":null}`, `{"update_id":9,"message":"x"}`,
		`{"update_id":1,"message":{"message_id":1,"chat":{"id":1},"text":"a\u0000b\ud800"}}`,
		`{`, `[]`, `null`, ``, `{"update_id":1e999}`, "{\"update_id\":1,\"message\":{\"text\":\"\xff\"}}",
	} {
		f.Add([]byte(s), true)
	}
	f.Add([]byte(`{"update_id":1}`), false)
	p, err := telegram.New(telegram.Config{BotToken: botToken, SecretToken: secret, BotName: botName})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, signed bool) {
		r := httptest.NewRequest(http.MethodPost, "/hooks/telegram", nil)
		if signed {
			r.Header.Set(telegram.SecretHeader, secret)
		}
		d, err := p.Parse(r, body)
		if err != nil {
			switch {
			case errors.Is(err, messaging.ErrUnauthorized):
				if signed {
					t.Fatalf("Parse(%q) with the secret: %v", body, err)
				}
			case errors.Is(err, messaging.ErrMalformed):
			default:
				t.Fatalf("Parse(%q): %v wraps neither ErrUnauthorized nor ErrMalformed", body, err)
			}
			if len(d.Messages)+len(d.Statuses) != 0 {
				t.Fatalf("Parse(%q) refused it and took %+v", body, d)
			}
			return
		}
		if !signed {
			t.Fatalf("Parse(%q) took a request without the secret", body)
		}
		if len(d.Statuses) != 0 || len(d.Messages) > 1 {
			t.Fatalf("Parse(%q) = %+v: at most one message, no status", body, d)
		}
		for _, m := range d.Messages {
			chat, _, ok := strings.Cut(m.ID, ":")
			if !ok || chat != m.From || m.From == "" || m.To != botName || !utf8.ValidString(m.Body) {
				t.Fatalf("Parse(%q) = %+v", body, m)
			}
		}
	})
}
