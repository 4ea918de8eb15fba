package twilio

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
)

// Provider is Twilio's Programmable Messaging as a [messaging.Provider]:
// it verifies and parses the webhooks Twilio posts for incoming messages
// and status callbacks, and sends replies through the Messages resource
// of the REST API. It is safe for concurrent use; its configuration is
// fixed at [New].
type Provider struct {
	cfg         Config
	messagesURL string
}

var _ messaging.Provider = (*Provider)(nil)

// New returns a Provider for cfg, or a *[ConfigError] naming every field
// of cfg that is wrong.
func New(cfg Config) (*Provider, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Provider{
		cfg:         cfg,
		messagesURL: cfg.APIBase + "/2010-04-01/Accounts/" + cfg.AccountSID + "/Messages.json",
	}, nil
}

// Name returns "twilio".
func (p *Provider) Name() string { return "twilio" }

// Kind returns [modality.SMS].
func (p *Provider) Kind() modality.Kind { return modality.SMS }

// twiml is the empty TwiML document Respond writes: Twilio sends no
// automatic reply for it.
const twiml = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

func respond(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(twiml))
}

// Parse verifies the request's X-Twilio-Signature and returns what it
// carries: an incoming message (Delivery.Messages) or a status callback
// for a reply (Delivery.Statuses); any other request Twilio signs (a
// call's callback, a status this package does not map) is an empty
// Delivery. Every Delivery of a verified request has Respond set, to
// answer with an empty TwiML document.
//
// Errors: a *[messaging.UnauthorizedError] (status 403, wrapping
// [messaging.ErrUnauthorized]) for a missing or wrong signature, a JSON
// body whose hash is not the signed bodySHA256, or a request naming
// another account; one wrapping [messaging.ErrMalformed] for a verified
// request whose body cannot be read. It reads only body and r's URL,
// Host, TLS and headers; it keeps none of them.
func (p *Provider) Parse(r *http.Request, body []byte) (messaging.Delivery, error) {
	params, err := p.verify(r, body)
	if err != nil {
		return messaging.Delivery{}, err
	}
	if a := params.Get("AccountSid"); a != "" && !strings.EqualFold(a, p.cfg.AccountSID) {
		return messaging.Delivery{}, unauthorized("the request is for account %q, not this provider's", a)
	}
	d := messaging.Delivery{Respond: respond}
	sid := first(params, "MessageSid", "SmsMessageSid", "SmsSid")
	if sid == "" {
		return d, nil // not a message: a call's callback, another product's
	}
	status := first(params, "MessageStatus", "SmsStatus")
	if status == "received" || status == "" && params.Has("Body") {
		from, to := params.Get("From"), params.Get("To")
		if from == "" || to == "" {
			return messaging.Delivery{}, malformed("incoming message %s without From or To", sid)
		}
		d.Messages = []messaging.Inbound{{ID: sid, From: from, To: to, Body: params.Get("Body")}}
		return d, nil
	}
	s := messaging.Status{ID: sid}
	switch status {
	case "queued", "accepted", "sending", "sent":
		s.State = messaging.Sent
	case "delivered":
		s.State = messaging.Delivered
	case "read":
		s.State = messaging.Read
	case "undelivered", "failed", "canceled":
		s.State = messaging.Failed
		s.Err = status
		if code := params.Get("ErrorCode"); code != "" {
			s.Err = "error " + code
			if msg := params.Get("ErrorMessage"); msg != "" {
				s.Err += ": " + msg
			}
		}
	default:
		// "scheduled", "receiving", "partially_delivered", or one Twilio
		// adds later: nothing for the contact center.
		return d, nil
	}
	d.Statuses = []messaging.Status{s}
	return d, nil
}

// verify checks the request's signature and returns its parameters.
func (p *Provider) verify(r *http.Request, body []byte) (url.Values, error) {
	sig := r.Header.Get("X-Twilio-Signature")
	if sig == "" {
		return nil, unauthorized("no X-Twilio-Signature header")
	}
	signed := p.signedURL(r)
	if isJSON(r.Header.Get("Content-Type")) {
		if err := verifyJSON(p.cfg.AuthToken, signed, sig, r.URL.RawQuery, body); err != nil {
			return nil, err
		}
		params, err := jsonParams(body)
		if err != nil {
			return nil, malformed("%v", err)
		}
		return params, nil
	}
	// What of a broken body parses is what the signature is checked
	// over; a verified request with a broken body is then malformed,
	// and nothing of it is taken.
	params, perr := url.ParseQuery(string(body))
	if !validSignature(p.cfg.AuthToken, signed, params, sig) {
		return nil, unauthorized("X-Twilio-Signature does not match")
	}
	if perr != nil {
		return nil, malformed("form body: %v", perr)
	}
	return params, nil
}

// signedURL returns the URL Twilio called, as it signed it.
func (p *Provider) signedURL(r *http.Request) string {
	base := p.cfg.PublicURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		if xf := r.Header.Get("X-Forwarded-Proto"); xf != "" {
			first, _, _ := strings.Cut(xf, ",")
			if first = strings.ToLower(strings.TrimSpace(first)); first == "http" || first == "https" {
				scheme = first
			}
		}
		host := r.Host
		if host == "" {
			host = r.URL.Host
		}
		base = scheme + "://" + host + r.URL.EscapedPath()
	}
	if r.URL.RawQuery != "" || r.URL.ForceQuery {
		base += "?" + r.URL.RawQuery
	}
	return base
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// jsonParams reads a JSON body as Twilio's parameters: an object whose
// strings, numbers and booleans are parameters by their keys. Nested
// objects, arrays and nulls are not parameters this package reads, and
// are left out.
func jsonParams(body []byte) (url.Values, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, fmt.Errorf("JSON body: %v", err)
	}
	if obj == nil {
		return nil, fmt.Errorf("JSON body is not an object")
	}
	params := url.Values{}
	for k, raw := range obj {
		var v any
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("JSON body: %q: %v", k, err)
		}
		switch v := v.(type) {
		case string:
			params.Set(k, v)
		case json.Number:
			params.Set(k, v.String())
		case bool:
			params.Set(k, fmt.Sprint(v))
		}
	}
	return params, nil
}

// first returns the first non-empty value of keys in params.
func first(params url.Values, keys ...string) string {
	for _, k := range keys {
		if v := params.Get(k); v != "" {
			return v
		}
	}
	return ""
}

func unauthorized(format string, args ...any) error {
	return &messaging.UnauthorizedError{Status: http.StatusForbidden, Reason: "twilio: " + fmt.Sprintf(format, args...)}
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("twilio: %w: %s", messaging.ErrMalformed, fmt.Sprintf(format, args...))
}
