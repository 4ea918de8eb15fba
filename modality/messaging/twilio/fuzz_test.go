package twilio_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/twilio"
)

// FuzzParse: Parse never panics; what it refuses wraps ErrUnauthorized
// or ErrMalformed; what it takes has an ID and addresses. With signed
// set, the fuzzer's body is signed as Twilio signs (as a form, or as
// JSON with bodySHA256), so the parsing past the signature is reached.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"MessageSid=SM1&AccountSid=" + accountSID + "&From=%2B12025550143&To=%2B12025550100&Body=hi&SmsStatus=received",
		"MessageSid=SM1&MessageStatus=undelivered&ErrorCode=30003",
		"MessageSid=SM1&MessageStatus=delivered", "CallSid=CA1&CallStatus=completed",
		"MessageSid=SM1&Body=x", "%zz=1&&=", "a;b=c", "",
		`{"MessageSid":"SM1","From":"+1","To":"+2","Body":"hi","NumMedia":0}`, `[1]`, `null`, `{`,
	} {
		f.Add([]byte(s), strings.HasPrefix(s, "{") || s == "[1]" || s == "null", true)
		f.Add([]byte(s), false, false)
	}
	p, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, isJSON, signed bool) {
		var r *http.Request
		switch {
		case isJSON:
			target := fmt.Sprintf("%s&bodySHA256=%x", webhookURL, sha256.Sum256(body))
			r = httptest.NewRequest(http.MethodPost, target, strings.NewReader(string(body)))
			r.Header.Set("Content-Type", "application/json")
			if signed {
				r.Header.Set("X-Twilio-Signature", sign(authToken, target, nil))
			}
		case signed:
			r = signedBody(t, webhookURL, body)
		default:
			r = httptest.NewRequest(http.MethodPost, webhookURL, strings.NewReader(string(body)))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("X-Twilio-Signature", "GvWf1cFY/Q7PnoempGyD5oXAezc=")
		}
		d, err := p.Parse(r, body)
		if err != nil {
			if !errors.Is(err, messaging.ErrUnauthorized) && !errors.Is(err, messaging.ErrMalformed) {
				t.Fatalf("Parse(%q): %v wraps neither ErrUnauthorized nor ErrMalformed", body, err)
			}
			if len(d.Messages) != 0 || len(d.Statuses) != 0 {
				t.Fatalf("Parse(%q) failed but returned %+v", body, d)
			}
			return
		}
		if !signed {
			t.Fatalf("Parse(%q) took an unsigned request", body)
		}
		if d.Respond == nil {
			t.Fatalf("Parse(%q): a verified request without Respond", body)
		}
		for _, m := range d.Messages {
			if m.ID == "" || m.From == "" || m.To == "" {
				t.Fatalf("Parse(%q) took a message without ID or address: %+v", body, m)
			}
		}
		for _, s := range d.Statuses {
			if s.ID == "" || s.State == "" || (s.State == messaging.Failed) != (s.Err != "") {
				t.Fatalf("Parse(%q) took a status without ID or reason: %+v", body, s)
			}
		}
	})
}
