package twilio_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/messagingtest"
	"github.com/eventcc/eventcc/modality/messaging/twilio"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "test-auth-token-0123456789"
	// webhookURL is the webhook's URL as configured in Twilio's console
	// (with a query of the host's own, which Twilio keeps).
	webhookURL = "https://cc.example.com/twilio/sms?service=keynote"
)

func TestConformance(t *testing.T) {
	messagingtest.Run(t, messagingtest.Harness{
		New: func(t testing.TB, apiURL string) messaging.Provider { return newProvider(t, apiURL) },
		API: func(t testing.TB) messagingtest.API { return newFakeAPI(t) },
		Inbound: func(t testing.TB, m messaging.Inbound) *http.Request {
			return signedForm(t, webhookURL, inboundParams(m))
		},
		Status: func(t testing.TB, s messaging.Status) *http.Request {
			return signedForm(t, webhookURL, statusParams(s))
		},
		Signed:  func(t testing.TB, body []byte) *http.Request { return signedBody(t, webhookURL, body) },
		Ignored: func(t testing.TB) *http.Request { return signedForm(t, webhookURL, callStatusParams()) },
		Rejects: http.StatusBadRequest,
	})
}

func newProvider(t testing.TB, apiURL string) *twilio.Provider {
	t.Helper()
	p, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, APIBase: apiURL})
	require.NoError(t, err)
	return p
}

// sign is X-Twilio-Signature as Twilio's security docs define it
// (https://www.twilio.com/docs/usage/security#validating-requests):
// base64 of HMAC-SHA1, keyed with the auth token, over the full URL
// followed by each POST parameter, sorted by name, as name then value.
// It is written here apart from the package's verifier, so that each
// checks the other; TestSignature_PublishedVectors checks it against
// Twilio's own examples.
func sign(token, fullURL string, params url.Values) string {
	s := fullURL
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vs := append([]string(nil), params[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			s += k + v
		}
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// signedForm is a webhook POST to target carrying params, signed as
// Twilio signs it over signedURL (target itself if signedURL is empty).
func signedForm(t testing.TB, target string, params url.Values) *http.Request {
	return signedFormAs(t, target, target, params)
}

func signedFormAs(t testing.TB, target, signedURL string, params url.Values) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(params.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Twilio-Signature", sign(authToken, signedURL, params))
	r.Header.Set("I-Twilio-Idempotency-Token", "idem-"+params.Get("MessageSid"))
	r.Header.Set("User-Agent", "TwilioProxy/1.1")
	return r
}

// signedBody is a form POST whose body is body, which need not be a
// valid form: signed over the parameters that parse of it, as Twilio
// would sign a form carrying those.
func signedBody(t testing.TB, target string, body []byte) *http.Request {
	t.Helper()
	params, _ := url.ParseQuery(string(body))
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Twilio-Signature", sign(authToken, target, params))
	return r
}

// inboundParams are the parameters of Twilio's webhook for an incoming
// SMS (https://www.twilio.com/docs/messaging/guides/webhook-request).
func inboundParams(m messaging.Inbound) url.Values {
	return url.Values{
		"ToCountry": {"US"}, "ToState": {"DC"}, "ToCity": {"WASHINGTON"}, "ToZip": {"20001"},
		"FromCountry": {"US"}, "FromState": {"DC"}, "FromCity": {"WASHINGTON"}, "FromZip": {"20001"},
		"SmsMessageSid": {m.ID}, "SmsSid": {m.ID}, "MessageSid": {m.ID},
		"NumMedia": {"0"}, "NumSegments": {"1"}, "SmsStatus": {"received"},
		"Body": {m.Body}, "From": {m.From}, "To": {m.To},
		"AccountSid": {accountSID}, "MessagingServiceSid": {"MG0123456789abcdef0123456789abcdef"},
		"ApiVersion": {"2010-04-01"},
	}
}

// twilioStatus is the MessageStatus a status callback carries for s.
var twilioStatus = map[messaging.DeliveryState]string{
	messaging.Sent: "sent", messaging.Delivered: "delivered", messaging.Read: "read", messaging.Failed: "undelivered",
}

// statusParams are the parameters of a status callback for an outbound
// message (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status).
func statusParams(s messaging.Status) url.Values {
	p := url.Values{
		"AccountSid": {accountSID}, "ApiVersion": {"2010-04-01"},
		"MessageSid": {s.ID}, "SmsSid": {s.ID},
		"MessageStatus": {twilioStatus[s.State]}, "SmsStatus": {twilioStatus[s.State]},
		"From": {"+12025550100"}, "To": {"+12025550143"},
	}
	if s.State == messaging.Failed {
		p.Set("ErrorCode", "30003") // Unreachable destination handset
	}
	return p
}

// callStatusParams are a voice call's status callback: signed by Twilio
// the same way, nothing for messaging.
func callStatusParams() url.Values {
	return url.Values{
		"AccountSid": {accountSID}, "ApiVersion": {"2010-04-01"},
		"CallSid": {"CA0123456789abcdef0123456789abcdef"}, "CallStatus": {"completed"},
		"CallDuration": {"42"}, "Direction": {"inbound"},
		"From": {"+12025550143"}, "To": {"+12025550100"},
	}
}

// fakeAPI is Twilio's Messages resource: it takes form-encoded POSTs
// authenticated as the account, as the REST API does, and answers as it
// does (201 and the message; Twilio's JSON errors).
type fakeAPI struct {
	srv *httptest.Server

	mu         sync.Mutex
	sent       []messaging.Outbound
	failStatus int
	retryAfter time.Duration
	n          int
}

func newFakeAPI(t testing.TB) *fakeAPI {
	f := &fakeAPI{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) URL() string { return f.srv.URL }

func (f *fakeAPI) Sent() []messaging.Outbound {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]messaging.Outbound(nil), f.sent...)
}

func (f *fakeAPI) Fail(status int, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failStatus, f.retryAfter = status, retryAfter
}

func twilioError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"code": code, "message": msg, "status": status,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
	})
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/"+accountSID+"/Messages.json" {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != accountSID || pass != authToken {
		twilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		twilioError(w, http.StatusBadRequest, 20001, "unexpected Content-Type "+ct)
		return
	}
	if err := r.ParseForm(); err != nil {
		twilioError(w, http.StatusBadRequest, 20001, err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.failStatus == http.StatusBadRequest:
		twilioError(w, f.failStatus, 21211, "The 'To' number "+r.PostForm.Get("To")+" is not a valid phone number.")
		return
	case f.failStatus == http.StatusTooManyRequests && f.retryAfter > 0:
		w.Header().Set("Retry-After", fmt.Sprint(int(f.retryAfter/time.Second)))
		twilioError(w, f.failStatus, 20429, "Too Many Requests")
		return
	case f.failStatus != 0:
		twilioError(w, f.failStatus, 20500, "Internal Server Error")
		return
	}
	m := messaging.Outbound{From: r.PostForm.Get("From"), To: r.PostForm.Get("To"), Body: r.PostForm.Get("Body"),
		Ref: r.Header.Get(twilio.IdempotencyHeader)}
	if m.From == "" || m.To == "" || m.Body == "" {
		twilioError(w, http.StatusBadRequest, 21604, "A 'From', 'To' and 'Body' are required")
		return
	}
	f.n++
	f.sent = append(f.sent, m)
	sid := fmt.Sprintf("SM%032x", f.n)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"sid": sid, "account_sid": accountSID, "from": m.From, "to": m.To, "body": m.Body,
		"status": "queued", "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
		"uri": "/2010-04-01/Accounts/" + accountSID + "/Messages/" + sid + ".json",
	})
}
