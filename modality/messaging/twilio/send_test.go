package twilio_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/twilio"
)

var reply = messaging.Outbound{From: "+12025550100", To: "+12025550143", Body: "Hall B is upstairs.", Ref: "reply-7"}

func TestSend(t *testing.T) {
	api := newFakeAPI(t)
	p := newProvider(t, api.URL()+"/") // a trailing slash is tolerated
	id, err := p.Send(t.Context(), reply)
	require.NoError(t, err)
	assert.Regexp(t, `^SM[0-9a-f]{32}$`, id, "the message's SID")
	assert.Equal(t, []messaging.Outbound{reply}, api.Sent(), "From, To, Body as given; Ref in "+twilio.IdempotencyHeader)
}

func TestSend_Errors(t *testing.T) {
	api := newFakeAPI(t)
	p := newProvider(t, api.URL())

	api.Fail(http.StatusBadRequest, 0)
	_, err := p.Send(t.Context(), reply)
	var ae *twilio.APIError
	require.ErrorAs(t, err, &ae)
	assert.ErrorIs(t, err, messaging.ErrRejected)
	assert.Equal(t, 400, ae.Status)
	assert.Equal(t, 21211, ae.Code, "Twilio's error code")
	assert.Contains(t, ae.Message, "not a valid phone number")
	assert.Contains(t, err.Error(), "21211")

	api.Fail(http.StatusTooManyRequests, 0)
	_, err = p.Send(t.Context(), reply)
	require.ErrorAs(t, err, &ae, "a 429 without Retry-After")
	var re *messaging.RetryError
	assert.False(t, errors.As(err, &re), "no Retry-After: no RetryError")
	assert.NotErrorIs(t, err, messaging.ErrRejected)

	api.Fail(0, 0)
	wrong, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: "rotated", APIBase: api.URL()})
	require.NoError(t, err)
	_, err = wrong.Send(t.Context(), reply)
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 20003, ae.Code)
	assert.NotErrorIs(t, err, messaging.ErrRejected, "bad credentials are the host's to fix, not the reply's fault")

	_, err = p.Send(t.Context(), messaging.Outbound{From: reply.From, To: reply.To})
	assert.ErrorIs(t, err, messaging.ErrRejected, "Twilio refuses an empty body")
}

func TestSend_Answers(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		rejected bool
	}{
		{"201 without sid", http.StatusCreated, `{"status":"queued"}`, false},
		{"201 not JSON", http.StatusCreated, `<html>`, false},
		{"404 not JSON", http.StatusNotFound, `<html>not found</html>`, true},
		{"503", http.StatusServiceUnavailable, ``, false},
		{"408", http.StatusRequestTimeout, ``, false},
		{"302", http.StatusFound, ``, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			id, err := newProvider(t, srv.URL).Send(t.Context(), reply)
			require.Error(t, err)
			assert.Empty(t, id)
			assert.Equal(t, tc.rejected, errors.Is(err, messaging.ErrRejected), "rejected for good: %v", err)
		})
	}
}

func TestSend_Network(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := newProvider(t, srv.URL).Send(t.Context(), reply)
	require.Error(t, err)
	assert.NotErrorIs(t, err, messaging.ErrRejected, "a refused connection is transient")
}

func TestSend_ContextDone(t *testing.T) {
	arrived, hold := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-hold // Twilio has the request and does not answer
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(hold) }) // before srv.Close, which waits for the handler
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-arrived; cancel() }()
	_, err := newProvider(t, srv.URL).Send(ctx, reply)
	require.ErrorIs(t, err, context.Canceled, "cancelled while Twilio has the request")
	assert.NotErrorIs(t, err, messaging.ErrRejected)
}

func TestSend_StatusCallback(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.PostFormValue("StatusCallback")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"sid":"SM1"}`))
	}))
	t.Cleanup(srv.Close)
	p, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, APIBase: srv.URL,
		StatusCallback: "https://cc.example.com/twilio/sms?service=keynote"})
	require.NoError(t, err)
	_, err = p.Send(t.Context(), reply)
	require.NoError(t, err)
	assert.Equal(t, "https://cc.example.com/twilio/sms?service=keynote", got, "each message names where its statuses go")

	_, err = twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, StatusCallback: "/sms"})
	var ce *twilio.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "StatusCallback", ce.Problems[0].Field)
}
