package meta_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/meta"
)

func TestSend_Addresses(t *testing.T) {
	g := newGraph(t, "whatsapp")
	wa := newWhatsApp(t, g.URL())
	_, err := wa.Send(t.Context(), messaging.Outbound{From: "206540352242922", To: "+16315551181", Body: "a"})
	require.NoError(t, err)
	_, err = wa.Send(t.Context(), messaging.Outbound{To: "+16315551181", Body: "b"})
	require.NoError(t, err)
	assert.Equal(t, []messaging.Outbound{
		{From: "206540352242922", To: "+16315551181", Body: "a"},
		{From: phoneID, To: "+16315551181", Body: "b"},
	}, g.Sent(), "from the number the conversation reached, else the configured one; to digits")

	g = newGraph(t, "messenger")
	ms := newMessenger(t, g.URL())
	id, err := ms.Send(t.Context(), messaging.Outbound{To: "psid-1", Body: "c"})
	require.NoError(t, err)
	assert.Equal(t, "m_AG5Hz2U0001", id, "the message_id")
	assert.Equal(t, []messaging.Outbound{{From: pageID, To: "psid-1", Body: "c"}}, g.Sent())
}

func TestSend_Errors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		code      int
		transient bool
		after     time.Duration // RetryError.After; 0: no RetryError
		rejected  bool
	}{
		{"rate limit with a 400", 400, 80007, false, meta.DefaultRetryAfter, false},
		{"throughput", 400, 130429, false, meta.DefaultRetryAfter, false},
		{"pair rate limit", 400, 131056, false, meta.DefaultRetryAfter, false},
		{"app rate limit", 403, 4, false, meta.DefaultRetryAfter, false},
		{"429 without code", 429, 0, false, meta.DefaultRetryAfter, false},
		{"outside the 24-hour window", 400, 131047, false, 0, true},
		{"bad token", 401, 190, false, 0, true},
		{"a 400 said transient", 400, 2, true, 0, false},
		{"service unavailable", 503, 131016, false, 0, false},
		{"timeout", 408, 0, false, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGraph(t, "whatsapp")
			p := newWhatsApp(t, g.URL())
			g.failWith(tc.status, tc.code, tc.transient, 0)
			_, err := p.Send(t.Context(), messaging.Outbound{To: "+16315551181", Body: "x"})
			require.Error(t, err)
			assert.Equal(t, tc.rejected, errors.Is(err, messaging.ErrRejected), "rejected for good: %v", err)
			var re *messaging.RetryError
			if tc.after != 0 {
				require.ErrorAs(t, err, &re, "a rate limit says when")
				assert.Equal(t, tc.after, re.After, "no Retry-After: the default")
			} else {
				assert.False(t, errors.As(err, &re), "not a rate limit: %v", err)
			}
			var ae *meta.APIError
			require.ErrorAs(t, err, &ae, "Meta's error, for the host to read")
			assert.Equal(t, tc.status, ae.Status)
			assert.Equal(t, tc.code, ae.Code)
			assert.Equal(t, "AbCdEf", ae.TraceID)
		})
	}
}

func TestSend_NotGraphAnswers(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"a proxy's 502": func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
		},
		"a 200 without an ID": func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"messages":[]}`)) },
		"a 200 not JSON":      func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`ok`)) },
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptestServer(t, h)
			_, err := newWhatsApp(t, srv).Send(t.Context(), messaging.Outbound{To: "+1", Body: "x"})
			require.Error(t, err)
			assert.NotErrorIs(t, err, messaging.ErrRejected, "transient: %v", err)
		})
	}
	// Nothing listening: a network failure, transient.
	_, err := newMessenger(t, "http://127.0.0.1:1").Send(t.Context(), messaging.Outbound{To: "1", Body: "x"})
	require.Error(t, err)
	assert.NotErrorIs(t, err, messaging.ErrRejected)
}
