package memprovider_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/memprovider"
	"github.com/eventcc/eventcc/modality/messaging/messagingtest"
)

var secret = []byte("0123456789abcdef-gateway")

const hook = "https://cc.example/sms"

// gateway is a Gateway as the suite's API.
type gateway struct{ *memprovider.Gateway }

func (g gateway) Sent() []messaging.Outbound { return g.Replies() }

func newGateway(t testing.TB) messagingtest.API {
	g, err := memprovider.NewGateway(secret)
	require.NoError(t, err)
	t.Cleanup(func() { g.Close() })
	return gateway{g}
}

func signed(t testing.TB, v any) *http.Request {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return memprovider.Request(hook, secret, b)
}

func TestConformance(t *testing.T) {
	messagingtest.Run(t, messagingtest.Harness{
		New: func(t testing.TB, api string) messaging.Provider {
			p, err := memprovider.New(api, secret, modality.SMS)
			require.NoError(t, err)
			return p
		},
		API: newGateway,
		Inbound: func(t testing.TB, m messaging.Inbound) *http.Request {
			return signed(t, map[string]any{"type": "message", "id": m.ID, "from": m.From, "to": m.To, "body": m.Body, "at": m.At})
		},
		Status: func(t testing.TB, s messaging.Status) *http.Request {
			return signed(t, map[string]any{"type": "status", "id": s.ID, "state": s.State, "error": s.Err})
		},
		Signed: func(t testing.TB, body []byte) *http.Request { return memprovider.Request(hook, secret, body) },
		Ignored: func(t testing.TB) *http.Request {
			return signed(t, map[string]any{"type": "typing", "id": "x"})
		},
	})
}

// TestGateway: the gateway texts a webhook, signed, and takes replies
// once per Ref.
func TestGateway(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	g, err := memprovider.NewGateway(secret)
	require.NoError(t, err)
	defer g.Close()
	p, err := memprovider.New(g.URL(), secret, modality.SMS)
	require.NoError(t, err)

	got := make(chan messaging.Inbound, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 4096)
		n, _ := r.Body.Read(b)
		d, err := p.Parse(r, b[:n])
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		for _, m := range d.Messages {
			got <- m
		}
	}))
	defer srv.Close()
	id, status, err := g.Text(ctx, srv.URL, "+12025550143", "+12025550100", "Hello?")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	m := <-got
	assert.Equal(t, id, m.ID)
	assert.Equal(t, "Hello?", m.Body)

	out := messaging.Outbound{From: "+12025550100", To: "+12025550143", Body: "Hi!", Ref: "r-1"}
	a, err := p.Send(ctx, out)
	require.NoError(t, err)
	b, err := p.Send(ctx, out)
	require.NoError(t, err)
	assert.Equal(t, a, b, "a reply sent again with its Ref is taken once")
	replies, err := g.Await(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, []messaging.Outbound{out}, replies)
}

func TestNew_Refuses(t *testing.T) {
	_, err := memprovider.New("http://x", []byte("short"), modality.SMS)
	assert.Error(t, err)
	_, err = memprovider.New("http://x", secret, modality.Chat)
	assert.Error(t, err)
	_, err = memprovider.New("ftp://x", secret, modality.SMS)
	assert.Error(t, err)
}

func FuzzParse(f *testing.F) {
	p, err := memprovider.New("http://127.0.0.1:1", secret, modality.SMS)
	require.NoError(f, err)
	for _, s := range []string{`{"type":"message","id":"1","from":"a","to":"b","body":"x"}`, `{"type":"status","id":"1","state":"sent"}`, `{`, `null`, `{"type":"status","state":"odd"}`} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, sign bool) {
		r := memprovider.Request(hook, secret, body)
		if !sign {
			r.Header.Del(memprovider.SignatureHeader)
		}
		d, err := p.Parse(r, body)
		if err != nil {
			if !errorsIsAny(err, messaging.ErrMalformed, messaging.ErrUnauthorized) {
				t.Fatalf("Parse(%q): %v wraps neither ErrMalformed nor ErrUnauthorized", body, err)
			}
			return
		}
		if !sign {
			t.Fatalf("Parse(%q) took an unsigned request", body)
		}
		for _, m := range d.Messages {
			if m.ID == "" || m.From == "" || m.To == "" {
				t.Fatalf("Parse(%q) returned a message without id, from or to: %+v", body, m)
			}
		}
	})
}

func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
