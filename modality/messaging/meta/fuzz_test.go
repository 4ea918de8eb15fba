package meta_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/meta"
)

// fuzzParse parses body signed and unsigned: it must never panic,
// unsigned it is refused, signed it is taken or refused as malformed,
// and what it takes is whole.
func fuzzParse(t *testing.T, p messaging.Provider, body []byte) {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/meta", bytes.NewReader(body))
	if _, err := p.Parse(r, body); !errors.Is(err, messaging.ErrUnauthorized) {
		t.Fatalf("unsigned: %v, want ErrUnauthorized", err)
	}
	r.Header.Set("X-Hub-Signature-256", meta.Sign(appSecret, body))
	d, err := p.Parse(r, body)
	if err != nil {
		if !errors.Is(err, messaging.ErrMalformed) {
			t.Fatalf("signed: %v, want ErrMalformed or no error", err)
		}
		if len(d.Messages) != 0 || len(d.Statuses) != 0 {
			t.Fatalf("an error, and still %d messages and %d statuses", len(d.Messages), len(d.Statuses))
		}
		return
	}
	for _, m := range d.Messages {
		if m.ID == "" || m.From == "" || m.To == "" {
			t.Fatalf("an Inbound without ID, From or To: %+v", m)
		}
	}
	for _, s := range d.Statuses {
		switch s.State {
		case messaging.Sent, messaging.Delivered, messaging.Read:
		case messaging.Failed:
			if s.Err == "" {
				t.Fatalf("a failure without a reason: %+v", s)
			}
		default:
			t.Fatalf("a status of state %q", s.State)
		}
		if s.ID == "" {
			t.Fatalf("a status without ID: %+v", s)
		}
	}
}

func FuzzParseWhatsApp(f *testing.F) {
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"messages":[{"from":"16315551181","id":"wamid.1","timestamp":"1906966800","type":"text","text":{"body":"hi"}}],"statuses":[{"id":"wamid.2","status":"failed","timestamp":"1906966800","errors":[{"code":131026,"title":"Message undeliverable"}]}]}}]}]}`))
	p := newWhatsApp(f, "http://graph.invalid")
	f.Fuzz(func(t *testing.T, body []byte) { fuzzParse(t, p, body) })
}

func FuzzParseMessenger(f *testing.F) {
	f.Add([]byte(`{"object":"page","entry":[{"id":"1234567890","time":1458692752478,"messaging":[{"sender":{"id":"42"},"recipient":{"id":"1234567890"},"timestamp":1458692752478,"message":{"mid":"m_1","text":"hi"}},{"sender":{"id":"42"},"recipient":{"id":"1234567890"},"delivery":{"mids":["m_2"],"watermark":1458668856253}}]}]}`))
	p := newMessenger(f, "http://graph.invalid")
	f.Fuzz(func(t *testing.T, body []byte) { fuzzParse(t, p, body) })
}
