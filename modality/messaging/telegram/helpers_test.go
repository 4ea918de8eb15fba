package telegram_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/telegram"
)

const (
	botToken = "123456789:AAE-test_Token_0123456789abcdefghij"
	secret   = "s3cr3t-webhook_Token"
	botName  = "eventcc_help_bot"
	chatID   = int64(987654321)
)

// newProvider returns a Provider whose API is at apiURL.
func newProvider(t testing.TB, apiURL string) *telegram.Provider {
	t.Helper()
	p, err := telegram.New(telegram.Config{BotToken: botToken, SecretToken: secret, BotName: botName, APIBase: apiURL})
	require.NoError(t, err)
	return p
}

// fakeBotAPI is Telegram's Bot API, as much as Send uses: sendMessage,
// at /bot<token>/sendMessage. It records what it accepts and can be made
// to fail. It implements messagingtest.API.
type fakeBotAPI struct {
	srv *httptest.Server

	mu         sync.Mutex
	sent       []messaging.Outbound
	chatIDs    []json.RawMessage // each accepted request's chat_id, as sent
	calls      int               // every request, failed or not
	failStatus int
	failWhy    string
	retryAfter time.Duration
	nextID     map[string]int64
}

func newFakeBotAPI(t testing.TB) *fakeBotAPI {
	f := &fakeBotAPI{nextID: map[string]int64{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeBotAPI) URL() string { return f.srv.URL }

func (f *fakeBotAPI) Sent() []messaging.Outbound {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]messaging.Outbound(nil), f.sent...)
}

func (f *fakeBotAPI) Fail(status int, retryAfter time.Duration) {
	f.FailWith(status, retryAfter, "")
}

// FailWith is Fail with Telegram's description of the failure (default
// the status's text).
func (f *fakeBotAPI) FailWith(status int, retryAfter time.Duration, why string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failStatus, f.retryAfter, f.failWhy = status, retryAfter, why
}

func (f *fakeBotAPI) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeBotAPI) ChatIDs() []json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]json.RawMessage(nil), f.chatIDs...)
}

func answerError(w http.ResponseWriter, status int, why string, retryAfter int) {
	a := map[string]any{"ok": false, "error_code": status, "description": why}
	if retryAfter > 0 {
		a["parameters"] = map[string]any{"retry_after": retryAfter}
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(a)
}

func (f *fakeBotAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if r.URL.Path != "/bot"+botToken+"/sendMessage" {
		answerError(w, http.StatusNotFound, "Not Found", 0)
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		answerError(w, http.StatusBadRequest, "Bad Request: want a JSON POST", 0)
		return
	}
	var req struct {
		ChatID json.RawMessage `json:"chat_id"`
		Text   string          `json:"text"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		answerError(w, http.StatusBadRequest, "Bad Request: "+err.Error(), 0)
		return
	}
	if f.failStatus != 0 {
		why := f.failWhy
		if why == "" {
			why = http.StatusText(f.failStatus)
		}
		answerError(w, f.failStatus, why, int(f.retryAfter/time.Second))
		return
	}
	// chat_id is an Integer or a String.
	var to string
	var n int64
	if err := json.Unmarshal(req.ChatID, &n); err == nil {
		to = strconv.FormatInt(n, 10)
	} else if err := json.Unmarshal(req.ChatID, &to); err != nil {
		answerError(w, http.StatusBadRequest, "Bad Request: chat_id is neither", 0)
		return
	} else {
		n = -1001234567890 // a channel named by @username
	}
	if req.Text == "" {
		answerError(w, http.StatusBadRequest, "Bad Request: message text is empty", 0)
		return
	}
	f.nextID[to]++
	f.sent = append(f.sent, messaging.Outbound{From: botName, To: to, Body: req.Text})
	f.chatIDs = append(f.chatIDs, req.ChatID)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": map[string]any{
		"message_id": f.nextID[to], "date": time.Now().Unix(), "text": req.Text,
		"chat": map[string]any{"id": n, "type": "private"},
	}})
}

// webhook returns Telegram's POST of body to the webhook, with the
// secret token.
func webhook(t testing.TB, body []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "https://cc.example/hooks/telegram", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(telegram.SecretHeader, secret)
	return r
}

// update returns an Update of one kind ("message", "edited_message",
// "callback_query", ...) carrying v.
func update(t testing.TB, updateID int64, kind string, v any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"update_id": updateID, kind: v})
	require.NoError(t, err)
	return b
}

// msg returns a private chat's Message, with the extra fields given.
func msg(chat, id, date int64, extra map[string]any) map[string]any {
	m := map[string]any{
		"message_id": id, "date": date,
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Ada", "language_code": "en"},
		"chat": map[string]any{"id": chat, "type": "private", "first_name": "Ada"},
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// textUpdate returns a request carrying one text message.
func textUpdate(t testing.TB, updateID, chat, id int64, text string, at time.Time) *http.Request {
	t.Helper()
	return webhook(t, update(t, updateID, "message", msg(chat, id, at.Unix(), map[string]any{"text": text})))
}

// parse reads r's body as a channel does and parses it.
func parse(t testing.TB, p messaging.Provider, r *http.Request) (messaging.Delivery, error) {
	t.Helper()
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, messaging.MaxBody))
	require.NoError(t, err)
	return p.Parse(r, buf.Bytes())
}
