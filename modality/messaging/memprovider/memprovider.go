// Package memprovider is the reference messaging.Provider, with the
// gateway it talks to running in the process: examples and tests send
// attendees' messages through it and see the replies, without an
// account at any provider. It is held to the same conformance suite
// (messagingtest) as the real adapters.
//
// Its webhook is JSON, one message or status per request, signed as
// most providers sign theirs: X-Gateway-Signature is "sha256=" and the
// hex HMAC-SHA256 of the body under the shared secret. Its API takes a
// reply as JSON at POST /messages and answers {"id": …}.
package memprovider

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
)

// SignatureHeader carries a webhook's signature.
const SignatureHeader = "X-Gateway-Signature"

// Provider is the messaging.Provider of a Gateway. Make one with New.
type Provider struct {
	secret []byte
	api    string
	kind   modality.Kind
	client *http.Client
}

var _ messaging.Provider = (*Provider)(nil)

// New returns the provider for a gateway whose API is at apiURL, whose
// webhooks are signed with secret, and whose messages are of kind
// (modality.SMS or modality.Social).
func New(apiURL string, secret []byte, kind modality.Kind) (*Provider, error) {
	switch {
	case len(secret) < 16:
		return nil, errors.New("memprovider: the secret must be at least 16 bytes")
	case kind != modality.SMS && kind != modality.Social:
		return nil, fmt.Errorf("memprovider: kind %q is neither sms nor social", kind)
	case !strings.HasPrefix(apiURL, "http://") && !strings.HasPrefix(apiURL, "https://"):
		return nil, fmt.Errorf("memprovider: API URL %q is not http(s)", apiURL)
	}
	return &Provider{secret: bytes.Clone(secret), api: strings.TrimSuffix(apiURL, "/"), kind: kind,
		client: &http.Client{Timeout: 10 * time.Second}}, nil
}

func (p *Provider) Name() string        { return "memprovider" }
func (p *Provider) Kind() modality.Kind { return p.kind }

// event is a webhook's body.
type event struct {
	Type  string    `json:"type"` // "message", "status", or another the provider ignores
	ID    string    `json:"id"`
	From  string    `json:"from,omitempty"`
	To    string    `json:"to,omitempty"`
	Body  string    `json:"body,omitempty"`
	At    time.Time `json:"at,omitzero"`
	State string    `json:"state,omitempty"`
	Error string    `json:"error,omitempty"`
}

// Sign returns the X-Gateway-Signature of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Parse implements messaging.Provider.
func (p *Provider) Parse(r *http.Request, body []byte) (messaging.Delivery, error) {
	sig := r.Header.Get(SignatureHeader)
	if sig == "" || !hmac.Equal([]byte(sig), []byte(Sign(p.secret, body))) {
		return messaging.Delivery{}, &messaging.UnauthorizedError{Status: http.StatusUnauthorized, Reason: "missing or bad " + SignatureHeader}
	}
	var e event
	if err := json.Unmarshal(body, &e); err != nil {
		return messaging.Delivery{}, fmt.Errorf("%w: %v", messaging.ErrMalformed, err)
	}
	switch e.Type {
	case "message":
		if e.ID == "" || e.From == "" || e.To == "" {
			return messaging.Delivery{}, fmt.Errorf("%w: a message needs id, from and to", messaging.ErrMalformed)
		}
		return messaging.Delivery{Messages: []messaging.Inbound{{ID: e.ID, From: e.From, To: e.To, Body: e.Body, At: e.At}}}, nil
	case "status":
		st := messaging.DeliveryState(e.State)
		switch st {
		case messaging.Sent, messaging.Delivered, messaging.Read, messaging.Failed:
		default:
			return messaging.Delivery{}, fmt.Errorf("%w: unknown state %q", messaging.ErrMalformed, e.State)
		}
		return messaging.Delivery{Statuses: []messaging.Status{{ID: e.ID, State: st, Err: e.Error, At: e.At}}}, nil
	}
	return messaging.Delivery{}, nil // another event: acknowledged, ignored
}

// Send implements messaging.Provider.
func (p *Provider) Send(ctx context.Context, m messaging.Outbound) (string, error) {
	b, err := json.Marshal(reply{From: m.From, To: m.To, Body: m.Body, Ref: m.Ref})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.api+"/messages", bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := p.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("memprovider: send: %w", err)
	}
	defer res.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	switch {
	case res.StatusCode == http.StatusTooManyRequests:
		secs, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		return "", &messaging.RetryError{After: time.Duration(secs) * time.Second, Err: errors.New("memprovider: send: rate limited")}
	case res.StatusCode >= 500:
		return "", fmt.Errorf("memprovider: send: the gateway answered %s", res.Status)
	case res.StatusCode >= 400:
		return "", fmt.Errorf("memprovider: send: %w: %s: %s", messaging.ErrRejected, res.Status, strings.TrimSpace(string(rb)))
	}
	var ok struct{ ID string }
	if err := json.Unmarshal(rb, &ok); err != nil || ok.ID == "" {
		return "", fmt.Errorf("memprovider: send: the gateway's answer has no id: %q", rb)
	}
	return ok.ID, nil
}

// reply is a reply as the gateway's API takes it.
type reply struct {
	From string `json:"from"`
	To   string `json:"to"`
	Body string `json:"body"`
	Ref  string `json:"ref,omitempty"`
}

// Gateway is a messaging gateway in the process: it texts the contact
// center on attendees' behalf (posting signed webhooks) and takes its
// replies at its API. Make one with NewGateway; Close it. Safe for
// concurrent use.
type Gateway struct {
	secret []byte
	srv    *http.Server
	ln     net.Listener
	client *http.Client

	mu       sync.Mutex
	next     int
	replies  []messaging.Outbound
	refs     map[string]string // Ref → id: a reply sent again is taken once
	fail     int
	after    time.Duration
	attempts int
	waiters  []chan struct{}
}

// NewGateway starts a gateway on a loopback port, signing with secret.
func NewGateway(secret []byte) (*Gateway, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	g := &Gateway{secret: bytes.Clone(secret), ln: ln, refs: map[string]string{}, client: &http.Client{Timeout: 10 * time.Second}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /messages", g.take)
	g.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go g.srv.Serve(ln)
	return g, nil
}

// URL is the gateway's API, for New.
func (g *Gateway) URL() string { return "http://" + g.ln.Addr().String() }

// Close stops the gateway.
func (g *Gateway) Close() error { return g.srv.Close() }

// Text posts an attendee's message from → to with body to the webhook
// at webhookURL, signed, and returns the message's ID and the webhook's
// HTTP status.
func (g *Gateway) Text(ctx context.Context, webhookURL, from, to, body string) (id string, status int, err error) {
	g.mu.Lock()
	g.next++
	id = fmt.Sprintf("in-%06d", g.next)
	g.mu.Unlock()
	status, err = g.post(ctx, webhookURL, event{Type: "message", ID: id, From: from, To: to, Body: body, At: time.Now().UTC().Truncate(time.Second)})
	return id, status, err
}

// Deliver posts m, an attendee's message with an ID of the caller's, to
// the webhook at webhookURL, signed, and returns the webhook's HTTP
// status: a provider delivering a message again, as providers do when a
// webhook did not answer, sends the same ID.
func (g *Gateway) Deliver(ctx context.Context, webhookURL string, m messaging.Inbound) (int, error) {
	return g.post(ctx, webhookURL, event{Type: "message", ID: m.ID, From: m.From, To: m.To, Body: m.Body, At: m.At})
}

// ID returns the gateway's ID of the reply whose Ref is ref (the ID a
// status report names), or "" if it took none.
func (g *Gateway) ID(ref string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.refs[ref]
}

// Report posts a delivery status for the reply id to webhookURL.
func (g *Gateway) Report(ctx context.Context, webhookURL, id string, st messaging.DeliveryState, reason string) (int, error) {
	return g.post(ctx, webhookURL, event{Type: "status", ID: id, State: string(st), Error: reason})
}

// Request returns the signed webhook request for an event of the
// gateway's format; tests use it to build deliveries.
func Request(webhookURL string, secret []byte, body []byte) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, webhookURL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(secret, body))
	return req
}

func (g *Gateway) post(ctx context.Context, url string, e event) (int, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return 0, err
	}
	req := Request(url, g.secret, b).WithContext(ctx)
	res, err := g.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

// take is the API: it records a reply and answers its ID.
func (g *Gateway) take(w http.ResponseWriter, r *http.Request) {
	var m reply
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&m); err != nil || m.To == "" || m.From == "" {
		http.Error(w, "a reply needs from, to and body", http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	g.attempts++
	for _, c := range g.waiters {
		close(c)
	}
	g.waiters = nil
	if g.fail != 0 {
		status, after := g.fail, g.after
		g.mu.Unlock()
		if after > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(after/time.Second)))
		}
		http.Error(w, "failing, as told", status)
		return
	}
	id, seen := g.refs[m.Ref]
	if !seen || m.Ref == "" {
		g.next++
		id = fmt.Sprintf("out-%06d", g.next)
		g.refs[m.Ref] = id
		g.replies = append(g.replies, messaging.Outbound{From: m.From, To: m.To, Body: m.Body, Ref: m.Ref})
	}
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
}

// Replies returns the replies the gateway took, in order.
func (g *Gateway) Replies() []messaging.Outbound {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]messaging.Outbound(nil), g.replies...)
}

// Await returns the replies once there are at least n, or ctx's error.
func (g *Gateway) Await(ctx context.Context, n int) ([]messaging.Outbound, error) {
	var out []messaging.Outbound
	err := g.await(ctx, func() bool {
		out = append([]messaging.Outbound(nil), g.replies...)
		return len(g.replies) >= n
	})
	return out, err
}

// AwaitAttempts returns once the API has been called at least n times
// in all, replies taken or refused (see Fail), or with ctx's error.
func (g *Gateway) AwaitAttempts(ctx context.Context, n int) error {
	return g.await(ctx, func() bool { return g.attempts >= n })
}

// Attempts is how many times the API has been called, replies taken or
// refused.
func (g *Gateway) Attempts() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.attempts
}

// await waits until done, called with g.mu held, reports true.
func (g *Gateway) await(ctx context.Context, done func() bool) error {
	for {
		g.mu.Lock()
		if done() {
			g.mu.Unlock()
			return nil
		}
		c := make(chan struct{})
		g.waiters = append(g.waiters, c)
		g.mu.Unlock()
		select {
		case <-c:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Fail makes the API answer status (with Retry-After after, if not
// zero) to every reply until Fail(0, 0).
func (g *Gateway) Fail(status int, after time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail, g.after = status, after
}
