package meta

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/eventcc/eventcc/modality/messaging"
)

// SignatureHeader is the header Meta signs every webhook POST with:
// "sha256=" and the hex HMAC-SHA256 of the raw body, keyed with the
// app secret.
const SignatureHeader = "X-Hub-Signature-256"

// Sign returns the value of [SignatureHeader] Meta sends with body for
// an app whose secret is appSecret. Tests and simulators sign with it.
func Sign(appSecret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// unauthorized is the refusal Meta documents: 403.
func unauthorized(reason string) error {
	return &messaging.UnauthorizedError{Status: http.StatusForbidden, Reason: reason}
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", messaging.ErrMalformed, fmt.Sprintf(format, args...))
}

// verify checks one webhook request of the app: a GET is the endpoint's
// verification, answered with its hub.challenge when hub.verify_token
// matches; anything else must carry a good signature of body. respond
// is non-nil for a GET that passed.
func (a app) verify(r *http.Request, body []byte) (respond func(http.ResponseWriter), err error) {
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		token := q.Get("hub.verify_token")
		if q.Get("hub.mode") != "subscribe" ||
			subtle.ConstantTimeCompare([]byte(token), []byte(a.VerifyToken)) != 1 {
			return nil, unauthorized("verification request without hub.mode=subscribe or the verify token")
		}
		challenge := q.Get("hub.challenge")
		if challenge == "" {
			return nil, malformed("verification request without hub.challenge")
		}
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, challenge)
		}, nil
	}
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		return nil, unauthorized("no " + SignatureHeader + " header")
	}
	hexSum, ok := strings.CutPrefix(sig, "sha256=")
	if !ok {
		return nil, unauthorized(SignatureHeader + " is not sha256=<hex>")
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return nil, unauthorized(SignatureHeader + " is not sha256=<hex>")
	}
	mac := hmac.New(sha256.New, []byte(a.AppSecret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return nil, unauthorized(SignatureHeader + " does not match the body")
	}
	return nil, nil
}

// envelope is the outside of every webhook POST: the subscribed
// object ("whatsapp_business_account", "page") and its entries, read
// by each provider as its own.
type envelope struct {
	Object string            `json:"object"`
	Entry  []json.RawMessage `json:"entry"`
}

func decodeEnvelope(body []byte) (envelope, error) {
	var e envelope
	if err := json.Unmarshal(body, &e); err != nil {
		return e, malformed("%v", err)
	}
	return e, nil
}

// unixSeconds reads WhatsApp's timestamps: Unix seconds in a string;
// empty is the zero time.
func unixSeconds(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, malformed("timestamp %q is not Unix seconds", s)
	}
	return time.Unix(n, 0).UTC(), nil
}

// unixMillis reads Messenger's timestamps: Unix milliseconds; 0 is the
// zero time.
func unixMillis(n int64) time.Time {
	if n <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}
