package twilio_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/twilio"
)

// A host behind a TLS-terminating proxy takes an attendee's SMS from its
// webhook and answers it. A stand-in for api.twilio.com answers the
// Messages resource here.
func Example() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"sid":"SM00000000000000000000000000000002","status":"queued"}`)
	}))
	defer api.Close()

	p, err := twilio.New(twilio.Config{
		AccountSID: "AC0123456789abcdef0123456789abcdef",
		AuthToken:  "your_auth_token",
		// The webhook URL set in Twilio's console; the proxy forwards it
		// to http://10.0.0.7:8080/sms, which Twilio did not sign.
		PublicURL: "https://cc.example.com/twilio/sms",
		APIBase:   api.URL, // default https://api.twilio.com
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// What Twilio posts for an incoming SMS, signed as Twilio signs:
	// HMAC-SHA1 over the URL it called and the sorted parameters.
	form := url.Values{"MessageSid": {"SM00000000000000000000000000000001"},
		"AccountSid": {"AC0123456789abcdef0123456789abcdef"}, "From": {"+12025550143"},
		"To": {"+12025550100"}, "Body": {"Where is hall B?"}, "NumMedia": {"0"}, "SmsStatus": {"received"}}
	signed := "https://cc.example.com/twilio/sms"
	for _, k := range []string{"AccountSid", "Body", "From", "MessageSid", "NumMedia", "SmsStatus", "To"} {
		signed += k + form.Get(k)
	}
	mac := hmac.New(sha1.New, []byte("your_auth_token"))
	mac.Write([]byte(signed))
	r := httptest.NewRequest(http.MethodPost, "http://10.0.0.7:8080/sms", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Twilio-Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))

	body, _ := io.ReadAll(io.LimitReader(r.Body, messaging.MaxBody))
	d, err := p.Parse(r, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	in := d.Messages[0]
	fmt.Printf("%s from %s to %s: %s\n", in.ID, in.From, in.To, in.Body)
	w := httptest.NewRecorder()
	d.Respond(w) // empty TwiML: Twilio sends no automatic reply
	fmt.Println(w.Body)

	id, err := p.Send(context.Background(), messaging.Outbound{From: in.To, To: in.From, Body: "Upstairs.", Ref: "reply-1"})
	fmt.Println("reply", id, err)

	// Output:
	// SM00000000000000000000000000000001 from +12025550143 to +12025550100: Where is hall B?
	// <?xml version="1.0" encoding="UTF-8"?><Response></Response>
	// reply SM00000000000000000000000000000002 <nil>
}

// New names every field it refuses.
func ExampleNew() {
	_, err := twilio.New(twilio.Config{AccountSID: "SK0123456789abcdef0123456789abcdef", PublicURL: "cc.example.com/sms"})
	fmt.Println(err)
	// Output:
	// twilio.Config: AccountSID: "SK0123456789abcdef0123456789abcdef" is not an account SID (AC and 32 hexadecimal digits); AuthToken: required; PublicURL: "cc.example.com/sms" is not an http or https URL
}
