package meta_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/messagingtest"
	"github.com/eventcc/eventcc/modality/messaging/meta"
)

const (
	appSecret   = "app-secret-0123456789abcdef"
	verifyToken = "verify-me-please"
	accessToken = "EAAG-test-token"
	phoneID     = "106540352242922"
	pageID      = "1234567890"
)

func newWhatsApp(t testing.TB, api string) *meta.WhatsApp {
	t.Helper()
	p, err := meta.NewWhatsApp(meta.WhatsAppConfig{AppSecret: appSecret, VerifyToken: verifyToken,
		AccessToken: accessToken, GraphBase: api, PhoneNumberID: phoneID})
	require.NoError(t, err)
	return p
}

func newMessenger(t testing.TB, api string) *meta.Messenger {
	t.Helper()
	p, err := meta.NewMessenger(meta.MessengerConfig{AppSecret: appSecret, VerifyToken: verifyToken,
		AccessToken: accessToken, GraphBase: api, PageID: pageID})
	require.NoError(t, err)
	return p
}

func TestWhatsAppConformance(t *testing.T) {
	messagingtest.Run(t, messagingtest.Harness{
		New: func(t testing.TB, api string) messaging.Provider { return newWhatsApp(t, api) },
		API: func(t testing.TB) messagingtest.API { return newGraph(t, "whatsapp") },
		Inbound: func(t testing.TB, m messaging.Inbound) *http.Request {
			return signed(t, waPayload(waChange(m.To, []any{waText(m)}, nil)))
		},
		Status: func(t testing.TB, s messaging.Status) *http.Request {
			return signed(t, waPayload(waChange(phoneID, nil, []any{waStatus(s)})))
		},
		Signed: signedBody,
		Ignored: func(t testing.TB) *http.Request {
			return signed(t, map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
				"id": "8856996819413533", "time": 1739321024,
				"changes": []any{map[string]any{"field": "account_update", "value": map[string]any{
					"phone_number": "15550783881", "event": "VERIFIED_ACCOUNT"}}}}}})
		},
		Challenge: challenge,
	})
}

func TestMessengerConformance(t *testing.T) {
	messagingtest.Run(t, messagingtest.Harness{
		New: func(t testing.TB, api string) messaging.Provider { return newMessenger(t, api) },
		API: func(t testing.TB) messagingtest.API { return newGraph(t, "messenger") },
		Inbound: func(t testing.TB, m messaging.Inbound) *http.Request {
			return signed(t, msPayload(msEntry(m.To, msMessage(m))))
		},
		Status: func(t testing.TB, s messaging.Status) *http.Request {
			return signed(t, msPayload(msEntry(pageID, msDelivery(s.At, s.ID))))
		},
		States: []messaging.DeliveryState{messaging.Delivered},
		Signed: signedBody,
		Ignored: func(t testing.TB) *http.Request {
			return signed(t, msPayload(msEntry(pageID,
				map[string]any{"sender": map[string]any{"id": "42"}, "recipient": map[string]any{"id": pageID},
					"timestamp": 1458668856463, "read": map[string]any{"watermark": 1458668856253}},
				map[string]any{"sender": map[string]any{"id": pageID}, "recipient": map[string]any{"id": "42"},
					"timestamp": 1458668856463, "message": map[string]any{"is_echo": true, "mid": "m_echo", "text": "hi"}},
				map[string]any{"sender": map[string]any{"id": "42"}, "recipient": map[string]any{"id": pageID},
					"timestamp": 1458668856463, "reaction": map[string]any{"mid": "m_1", "action": "react", "emoji": "👍"}})))
		},
		Challenge: challenge,
	})
}

// --- webhook payloads, as Meta's docs show them ---

func waPayload(changes ...any) map[string]any {
	return map[string]any{"object": "whatsapp_business_account", "entry": []any{
		map[string]any{"id": "102290129340398", "changes": changes}}}
}

func waChange(phoneNumberID string, messages, statuses []any) map[string]any {
	v := map[string]any{"messaging_product": "whatsapp",
		"metadata": map[string]any{"display_phone_number": "15550783881", "phone_number_id": phoneNumberID}}
	if messages != nil {
		v["contacts"] = []any{map[string]any{"profile": map[string]any{"name": "Kerry Fisher"}, "wa_id": "16315551181"}}
		v["messages"] = messages
	}
	if statuses != nil {
		v["statuses"] = statuses
	}
	return map[string]any{"field": "messages", "value": v}
}

func waText(m messaging.Inbound) map[string]any {
	msg := map[string]any{"from": strings.TrimPrefix(m.From, "+"), "id": m.ID, "type": "text",
		"text": map[string]any{"body": m.Body}}
	if !m.At.IsZero() {
		msg["timestamp"] = fmt.Sprint(m.At.Unix())
	}
	return msg
}

func waStatus(s messaging.Status) map[string]any {
	st := map[string]any{"id": s.ID, "status": string(s.State), "timestamp": fmt.Sprint(s.At.Unix()),
		"recipient_id": "16315551181"}
	if s.State == messaging.Failed {
		st["errors"] = []any{map[string]any{"code": 131026, "title": s.Err, "message": s.Err}}
	}
	return st
}

func msPayload(entries ...any) map[string]any {
	return map[string]any{"object": "page", "entry": entries}
}

func msEntry(page string, events ...any) map[string]any {
	return map[string]any{"id": page, "time": 1458692752478, "messaging": events}
}

func msMessage(m messaging.Inbound) map[string]any {
	e := map[string]any{"sender": map[string]any{"id": m.From}, "recipient": map[string]any{"id": m.To},
		"message": map[string]any{"mid": m.ID, "text": m.Body}}
	if !m.At.IsZero() {
		e["timestamp"] = m.At.UnixMilli()
	}
	return e
}

func msDelivery(at time.Time, mids ...string) map[string]any {
	return map[string]any{"sender": map[string]any{"id": "42"}, "recipient": map[string]any{"id": pageID},
		"delivery": map[string]any{"mids": mids, "watermark": at.UnixMilli()}}
}

// signed returns a POST of v as JSON, signed as Meta signs.
func signed(t testing.TB, v any) *http.Request {
	t.Helper()
	body, err := json.Marshal(v)
	require.NoError(t, err)
	return signedBody(t, body)
}

func signedBody(t testing.TB, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/meta", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Hub-Signature-256", meta.Sign(appSecret, body))
	return r
}

func challenge(t testing.TB) (*http.Request, string, *http.Request) {
	q := func(token string) string {
		return "/webhooks/meta?" + url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token},
			"hub.challenge": {"1158201444"}}.Encode()
	}
	return httptest.NewRequest(http.MethodGet, q(verifyToken), nil), "1158201444",
		httptest.NewRequest(http.MethodGet, q("guessed"), nil)
}

// --- a fake Graph API ---

// graph fakes the Graph API's /{id}/messages for one product: it checks
// the bearer token and the request's shape, records what it accepts (as
// an Outbound: From the path's ID, To the recipient, "+" restored on
// WhatsApp's digits) and answers as Meta does.
type graph struct {
	t       testing.TB
	product string
	srv     *httptest.Server

	mu         sync.Mutex
	sent       []messaging.Outbound
	failStatus int
	failCode   int
	transient  bool
	retryAfter time.Duration
	n          int
}

func newGraph(t testing.TB, product string) *graph {
	g := &graph{t: t, product: product}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{id}/messages", g.messages)
	g.srv = httptest.NewServer(mux)
	t.Cleanup(g.srv.Close)
	return g
}

func (g *graph) URL() string { return g.srv.URL }

func (g *graph) Sent() []messaging.Outbound {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]messaging.Outbound(nil), g.sent...)
}

func (g *graph) Fail(status int, retryAfter time.Duration) {
	code := 0
	switch {
	case status == http.StatusTooManyRequests && g.product == "whatsapp":
		code = 130429
	case status == http.StatusTooManyRequests:
		code = 613
	case status >= 500:
		code = 1
	case status >= 400:
		code = 100
	}
	g.failWith(status, code, false, retryAfter)
}

func (g *graph) failWith(status, code int, transient bool, retryAfter time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failStatus, g.failCode, g.transient, g.retryAfter = status, code, transient, retryAfter
}

func graphError(w http.ResponseWriter, status, code int, transient bool, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "OAuthException",
		"code": code, "is_transient": transient, "fbtrace_id": "AbCdEf"}})
}

func (g *graph) messages(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+accessToken {
		g.t.Errorf("Authorization %q, want the bearer token", r.Header.Get("Authorization"))
		graphError(w, http.StatusUnauthorized, 190, false, "Invalid OAuth access token")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		g.t.Errorf("Content-Type %q, want application/json", ct)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failStatus != 0 {
		if g.retryAfter > 0 {
			w.Header().Set("Retry-After", fmt.Sprint(int(g.retryAfter/time.Second)))
		}
		graphError(w, g.failStatus, g.failCode, g.transient, "failing as told")
		return
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	g.n++
	out := messaging.Outbound{From: r.PathValue("id")}
	var answer any
	switch g.product {
	case "whatsapp":
		var m struct {
			Product       string `json:"messaging_product"`
			RecipientType string `json:"recipient_type"`
			To            string `json:"to"`
			Type          string `json:"type"`
			Text          struct {
				PreviewURL bool   `json:"preview_url"`
				Body       string `json:"body"`
			} `json:"text"`
		}
		if err := dec.Decode(&m); err != nil || m.Product != "whatsapp" || m.Type != "text" ||
			m.To == "" || strings.HasPrefix(m.To, "+") {
			g.t.Errorf("not a WhatsApp text message: %+v, %v", m, err)
			graphError(w, http.StatusBadRequest, 100, false, "Invalid parameter")
			return
		}
		out.To, out.Body = "+"+m.To, m.Text.Body
		answer = map[string]any{"messaging_product": "whatsapp",
			"contacts": []any{map[string]any{"input": m.To, "wa_id": m.To}},
			"messages": []any{map[string]any{"id": fmt.Sprintf("wamid.HBgL%04d", g.n)}}}
	default:
		var m struct {
			Recipient struct {
				ID string `json:"id"`
			} `json:"recipient"`
			MessagingType string `json:"messaging_type"`
			Message       struct {
				Text string `json:"text"`
			} `json:"message"`
		}
		if err := dec.Decode(&m); err != nil || m.MessagingType != "RESPONSE" || m.Recipient.ID == "" {
			g.t.Errorf("not a Messenger reply: %+v, %v", m, err)
			graphError(w, http.StatusBadRequest, 100, false, "Invalid parameter")
			return
		}
		out.To, out.Body = m.Recipient.ID, m.Message.Text
		answer = map[string]any{"recipient_id": m.Recipient.ID, "message_id": fmt.Sprintf("m_AG5Hz2U%04d", g.n)}
	}
	g.sent = append(g.sent, out)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(answer)
}

func httptestServer(t testing.TB, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
