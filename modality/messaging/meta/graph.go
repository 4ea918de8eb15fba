package meta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eventcc/eventcc/modality/messaging"
)

// APIError is the Graph API's refusal of a reply, as its error object
// says it. Send's errors wrap it, beside [messaging.ErrRejected] for a
// refusal for good, or inside a [messaging.RetryError] for a rate limit.
type APIError struct {
	Status    int    // the HTTP status
	Code      int    // error.code: 100 invalid parameter, 190 bad token, 131047 outside WhatsApp's 24-hour window…
	Subcode   int    // error.error_subcode, 0 if none
	Type      string // error.type: "OAuthException"…
	Message   string // error.message
	Transient bool   // error.is_transient
	TraceID   string // error.fbtrace_id, for Meta's support
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "graph API: %d", e.Status)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", code %d", e.Code)
		if e.Subcode != 0 {
			fmt.Fprintf(&b, "/%d", e.Subcode)
		}
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.TraceID != "" {
		fmt.Fprintf(&b, " (fbtrace_id %s)", e.TraceID)
	}
	return b.String()
}

// rateLimitCodes are the Graph API error codes of its rate limits,
// which come with a 400 as often as a 429: 4 (app), 17 (user), 32
// (page), 613 (calls), 80006 (Messenger), 80007 (WhatsApp business
// account), 130429 (WhatsApp throughput), 131048 (WhatsApp spam rate
// limit), 131056 (WhatsApp pair rate limit: too many to one user).
var rateLimitCodes = []int{4, 17, 32, 613, 80006, 80007, 130429, 131048, 131056}

// maxAnswer bounds how much of the Graph API's answer is read.
const maxAnswer = 64 << 10

// post sends payload as JSON to the Graph API's {node}/messages as the
// app, and decodes a 2xx answer into answer. Errors: ctx's, wrapped; a
// *APIError wrapped with messaging.ErrRejected for a refusal for good;
// a *messaging.RetryError for a rate limit; any other error is
// transient.
func (a app) post(ctx context.Context, provider, node string, payload, answer any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("%s: %w", provider, err)
	}
	u := a.GraphBase + "/" + url.PathEscape(node) + "/messages"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", provider, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.AccessToken)
	resp, err := a.HTTPClient.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("%s: %w", provider, ctxErr)
		}
		return fmt.Errorf("%s: sending: %w", provider, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("%s: %w", provider, ctxErr)
		}
		return fmt.Errorf("%s: reading the answer: %w", provider, err)
	}
	if resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(raw, answer); err != nil {
			// Meta took the reply but its ID is lost: the caller
			// sends again, which may deliver it twice.
			return fmt.Errorf("%s: reading the answer (%d): %w", provider, resp.StatusCode, err)
		}
		return nil
	}
	return fmt.Errorf("%s: %w", provider, classify(resp, raw))
}

// classify turns a non-2xx answer into Send's error.
func classify(resp *http.Response, raw []byte) error {
	var g struct {
		Error struct {
			Message   string `json:"message"`
			Type      string `json:"type"`
			Code      int    `json:"code"`
			Subcode   int    `json:"error_subcode"`
			Transient bool   `json:"is_transient"`
			TraceID   string `json:"fbtrace_id"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &g) // a proxy's HTML page is still a status
	e := &APIError{Status: resp.StatusCode, Code: g.Error.Code, Subcode: g.Error.Subcode, Type: g.Error.Type,
		Message: g.Error.Message, Transient: g.Error.Transient, TraceID: g.Error.TraceID}
	if e.Message == "" && g.Error.Code == 0 {
		e.Message = http.StatusText(resp.StatusCode)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || slices.Contains(rateLimitCodes, e.Code):
		return &messaging.RetryError{After: retryAfter(resp.Header.Get("Retry-After")), Err: e}
	case e.Transient || resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		return e
	case resp.StatusCode >= 400:
		return fmt.Errorf("%w: %w", messaging.ErrRejected, e)
	default: // 1xx, 3xx: not an answer the Graph API gives
		return e
	}
}

// retryAfter reads a Retry-After of seconds; anything else (absent, an
// HTTP date) is DefaultRetryAfter.
func retryAfter(h string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || n < 0 {
		return DefaultRetryAfter
	}
	return time.Duration(n) * time.Second
}

var errNoID = errors.New("the answer names no message ID")
