package webhook_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/eventcc/eventcc/contactcenter/webhook"
)

// FuzzDecode checks that Decode never panics, that every refusal is a
// *DecodeError naming at least one problem, and that what it accepts
// encodes back into a body it reads the same way.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"id":"d1","type":"event.created","event":{"id":"expo","version":1,"type":"conference","template":"conference","term":{"start":"2027-03-01T09:00:00Z","end":"2027-03-01T17:00:00Z","timeZone":"Europe/Berlin"},"features":{"modalities":["telephony","chat"],"receptionist":true},"expectedAttendance":2500,"overrides":{"maxAgents":30,"grace":"2h"}}}`,
		`{"id":"d2","type":"event.updated","event":{"id":"expo","updatedAt":"2027-02-01T10:00:00+01:00","term":{"start":"2027-03-01T09:00:00Z","end":"2027-03-01T19:00:00Z"}}}`,
		`{"id":"d3","type":"event.cancelled","event":{"id":"expo","version":3,"reason":"venue closed"}}`,
		`{"id":"a1","type":"attendee.registered","event":{"id":"expo"},"attendee":{"id":"att-42","version":1}}`,
		`{"id":"d1","type":"event.updated","event":{"id":"expo","version":1,"version":2}}`,
		`{"id":"d1","Type":"event.updated"}`,
		`{"id":"d1","type":"event.updated","event":{"id":"expo","term":{"start":"2027-03-01T09:00:00Z"`,
		`{}`, `[]`, `null`, ``, `{"event":{"version":1e400}}`, "{\"id\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := webhook.Decode(body)
		if err != nil {
			var de *webhook.DecodeError
			if !errors.As(err, &de) || len(de.Problems) == 0 {
				t.Fatalf("Decode(%q) = %v; want a *DecodeError with at least one problem", body, err)
			}
			if !errors.Is(err, webhook.ErrMalformed) {
				t.Fatalf("Decode(%q) = %v; want it to wrap ErrMalformed", body, err)
			}
			for _, p := range de.Problems {
				if p.Message == "" {
					t.Fatalf("Decode(%q): problem at %q without a message", body, p.Field)
				}
			}
			return
		}
		again, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("Marshal(%+v): %v", d, err)
		}
		d2, err := webhook.Decode(again)
		if err != nil {
			t.Fatalf("Decode accepted %q but not its re-encoding %q: %v", body, again, err)
		}
		third, err := json.Marshal(d2)
		if err != nil {
			t.Fatalf("Marshal(%+v): %v", d2, err)
		}
		if !bytes.Equal(again, third) {
			t.Fatalf("re-encoding is not stable:\n%s\n%s", again, third)
		}
	})
}

// FuzzDecodeAnnouncement checks DecodeAnnouncement as FuzzDecode checks
// Decode.
func FuzzDecodeAnnouncement(f *testing.F) {
	for _, s := range []string{
		`{"id":"dlv_1","type":"entrypoints.published","serviceId":"expo","eventId":"expo","version":1,"entryPoints":[{"name":"telephony-1","kind":"telephony","address":"+12025550101","queue":"registration"}],"hours":{"opens":"2027-03-01T09:00:00Z","closes":"2027-03-01T17:00:00Z","timeZone":"Europe/Berlin"}}`,
		`{"id":"dlv_2","type":"entrypoints.retracted","serviceId":"expo","version":2}`,
		`{"id":"dlv_2","type":"entrypoints.retracted","serviceId":"expo","version":2,"hours":{}}`,
		`{"id":"dlv_3","type":"entrypoints.published","serviceId":"expo","version":-1}`,
		`{`, `{"entryPoints":[{"name":"a","kind":"fax"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := webhook.DecodeAnnouncement(body)
		if err != nil {
			var de *webhook.DecodeError
			if !errors.As(err, &de) || len(de.Problems) == 0 {
				t.Fatalf("DecodeAnnouncement(%q) = %v; want a *DecodeError with at least one problem", body, err)
			}
			return
		}
		again, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("Marshal(%+v): %v", a, err)
		}
		a2, err := webhook.DecodeAnnouncement(again)
		if err != nil {
			t.Fatalf("DecodeAnnouncement accepted %q but not its re-encoding %q: %v", body, again, err)
		}
		if third, _ := json.Marshal(a2); !bytes.Equal(again, third) {
			t.Fatalf("re-encoding is not stable:\n%s\n%s", again, third)
		}
	})
}

// FuzzVerify checks that Verify never panics, accepts only what Sign
// makes with a secret it holds, and never accepts a tampered body.
func FuzzVerify(f *testing.F) {
	at := time.Unix(1803891600, 0)
	body := []byte(`{"id":"d1"}`)
	f.Add(webhook.Timestamp(at), webhook.Sign(at, body, []byte("s3cret-of-thirty-two-bytes-00001")), body, int64(0))
	f.Add("1803891600", "v1=00,v1=zz", []byte(`{}`), int64(-301))
	f.Add("-1", "", []byte(nil), int64(1<<40))
	f.Add("99999999999999999999", "v1="+string(make([]byte, 64)), []byte("x"), int64(5))
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte, skew int64) {
		secret := []byte("s3cret-of-thirty-two-bytes-00001")
		now := at.Add(time.Duration(skew) * time.Second)
		signed, err := webhook.Verify(ts, sig, body, now, 0, secret)
		if err != nil {
			return
		}
		// Accepted: it must be Sign's own output for this body, or hold it.
		if !bytes.Contains([]byte(sig), []byte(webhook.Sign(signed, body, secret))) {
			t.Fatalf("Verify accepted %q for %q at %q, which Sign does not produce", sig, body, ts)
		}
		if _, err := webhook.Verify(ts, sig, append(append([]byte(nil), body...), '!'), now, 0, secret); err == nil {
			t.Fatalf("Verify accepted a tampered body for %q", sig)
		}
	})
}
