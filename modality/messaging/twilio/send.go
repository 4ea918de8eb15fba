package twilio

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/eventcc/eventcc/modality/messaging"
)

// IdempotencyHeader is the header Send puts Outbound.Ref in. It is the
// header Twilio's own HTTP clients use for an idempotency token (Twilio
// sets it on the webhooks it sends, to mark a retry); Twilio does not
// document that the Messages resource deduplicates by it, so Send is at
// least once: a reply whose 201 was lost in transit may be sent twice
// when the caller sends it again.
const IdempotencyHeader = "I-Twilio-Idempotency-Token"

// maxResponse is the most bytes of an API response Send reads.
const maxResponse = 64 << 10

// APIError is an error answer of Twilio's REST API, with the fields of
// its JSON body (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions).
// A refusal for good (any 4xx but 401, 408 and 429: an invalid or
// unreachable number, an opted-out recipient, an empty body) wraps
// [messaging.ErrRejected]; the others are transient.
type APIError struct {
	// Status is the HTTP status.
	Status int
	// Code is Twilio's error code (21211: invalid 'To' number; 21610:
	// the recipient unsubscribed); see https://www.twilio.com/docs/api/errors.
	// Zero if the body had none.
	Code     int
	Message  string
	MoreInfo string
	rejected bool
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("twilio: HTTP %d", e.Status)
	if e.Code != 0 {
		s += fmt.Sprintf(", error %d", e.Code)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap returns [messaging.ErrRejected] for a refusal for good, and nil
// otherwise.
func (e *APIError) Unwrap() error {
	if e.rejected {
		return messaging.ErrRejected
	}
	return nil
}

// Send sends m as an SMS: a POST of From, To and Body (and
// [Config.StatusCallback], if set) to the account's Messages resource, authenticated with the account SID and auth token,
// with m.Ref in [IdempotencyHeader]. It returns the message's SID
// ("SM..."), which later status callbacks name.
//
// Errors: an *[APIError] wrapping [messaging.ErrRejected] for a refusal
// for good; a *[messaging.RetryError] for a 429 with a Retry-After in
// seconds (its Err the *APIError); any other error (a 5xx, a 401, a
// network failure) is transient. A done ctx returns an error wrapping
// ctx.Err(). It keeps nothing of m.
func (p *Provider) Send(ctx context.Context, m messaging.Outbound) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	form := url.Values{"From": {m.From}, "To": {m.To}, "Body": {m.Body}}
	if p.cfg.StatusCallback != "" {
		form.Set("StatusCallback", p.cfg.StatusCallback)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.messagesURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("twilio: send: %w", err)
	}
	req.SetBasicAuth(p.cfg.AccountSID, p.cfg.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if m.Ref != "" {
		req.Header.Set(IdempotencyHeader, m.Ref)
	}
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return "", fmt.Errorf("twilio: send: %w", cerr)
		}
		return "", fmt.Errorf("twilio: send: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return "", fmt.Errorf("twilio: send: %w", cerr)
		}
		return "", fmt.Errorf("twilio: send: reading the answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated {
		var msg struct {
			SID string `json:"sid"`
		}
		if err := json.Unmarshal(data, &msg); err != nil || msg.SID == "" {
			return "", fmt.Errorf("twilio: send: HTTP %d without a message sid", resp.StatusCode)
		}
		return msg.SID, nil
	}
	return "", apiError(resp, data)
}

// apiError returns the error of an answer that is not a success.
func apiError(resp *http.Response, data []byte) error {
	var body struct {
		Code     int    `json:"code"`
		Message  string `json:"message"`
		MoreInfo string `json:"more_info"`
	}
	_ = json.Unmarshal(data, &body) // an answer without Twilio's JSON still has its status
	e := &APIError{Status: resp.StatusCode, Code: body.Code, Message: body.Message, MoreInfo: body.MoreInfo}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		if after, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
			return &messaging.RetryError{After: after, Err: e}
		}
	case s == http.StatusUnauthorized, s == http.StatusRequestTimeout:
		// Credentials being rotated, a slow request: not the reply's fault.
	case 400 <= s && s < 500:
		e.rejected = true
	}
	return e
}

// retryAfter reads a Retry-After of delay-seconds, the form Twilio sends.
func retryAfter(v string) (time.Duration, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}
