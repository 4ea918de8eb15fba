package telegram_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/telegram"
)

func TestSend(t *testing.T) {
	api := newFakeBotAPI(t)
	p := newProvider(t, api.URL())
	a := messaging.Outbound{From: botName, To: "987654321", Body: "Hall B is upstairs. Ünïcode ✓ & <b>", Ref: "r-1"}
	b := messaging.Outbound{To: "987654321", Body: "Anything else?", Ref: "r-2"}
	idA, err := p.Send(t.Context(), a)
	require.NoError(t, err)
	idB, err := p.Send(t.Context(), b)
	require.NoError(t, err)
	assert.Equal(t, "987654321:1", idA, "<chat id>:<message_id> of Telegram's answer")
	assert.Equal(t, "987654321:2", idB)
	assert.Equal(t, []messaging.Outbound{
		{From: botName, To: "987654321", Body: a.Body},
		{From: botName, To: "987654321", Body: b.Body},
	}, api.Sent(), "the body byte for byte, to the chat")
	assert.Equal(t, "987654321", string(api.ChatIDs()[0]), "chat_id is sent as an Integer")
}

func TestSend_ChannelUsername(t *testing.T) {
	api := newFakeBotAPI(t)
	p := newProvider(t, api.URL())
	id, err := p.Send(t.Context(), messaging.Outbound{To: "@eventcc_news", Body: "Doors open"})
	require.NoError(t, err)
	assert.Equal(t, "-1001234567890:1", id)
	assert.Equal(t, `"@eventcc_news"`, string(api.ChatIDs()[0]), "a channel's @username is sent as a String")
}

func TestSend_RefusedWithoutARequest(t *testing.T) {
	api := newFakeBotAPI(t)
	p := newProvider(t, api.URL())
	for _, m := range []messaging.Outbound{
		{To: "+12025550143", Body: "hi"}, // a phone number is not a chat id
		{To: "0987", Body: "hi"},
		{To: "", Body: "hi"},
		{To: "@ab", Body: "hi"},
		{To: "12 3", Body: "hi"},
		{To: "987654321", Body: ""},
		{From: "another_bot", To: "987654321", Body: "hi"},
	} {
		_, err := p.Send(t.Context(), m)
		assert.ErrorIs(t, err, messaging.ErrRejected, "%+v", m)
	}
	assert.Zero(t, api.Calls(), "none reached the API")
	_, err := p.Send(t.Context(), messaging.Outbound{From: "@EventCC_Help_Bot", To: "987654321", Body: "hi"})
	assert.NoError(t, err, "the bot's own name, with @ and in any case")
}

func TestSend_Failures(t *testing.T) {
	api := newFakeBotAPI(t)
	p := newProvider(t, api.URL())
	m := messaging.Outbound{To: "987654321", Body: "hello", Ref: "r-9"}

	for _, tc := range []struct {
		status int
		why    string
	}{
		{http.StatusInternalServerError, "Internal Server Error"},
		{http.StatusBadGateway, "Bad Gateway"},
	} {
		api.FailWith(tc.status, 0, tc.why)
		_, err := p.Send(t.Context(), m)
		require.Error(t, err)
		assert.NotErrorIs(t, err, messaging.ErrRejected, "a %d is transient", tc.status)
	}

	api.FailWith(http.StatusTooManyRequests, 7*time.Second, "Too Many Requests: retry after 7")
	_, err := p.Send(t.Context(), m)
	assert.NotErrorIs(t, err, messaging.ErrRejected, "a rate limit is transient")
	var re *messaging.RetryError
	if assert.ErrorAs(t, err, &re) {
		assert.Equal(t, 7*time.Second, re.After, "parameters.retry_after")
	}

	for _, tc := range []struct {
		status int
		why    string
	}{
		{http.StatusBadRequest, "Bad Request: chat not found"},
		{http.StatusForbidden, "Forbidden: bot was blocked by the user"},
		{http.StatusUnauthorized, "Unauthorized"},
	} {
		api.FailWith(tc.status, 0, tc.why)
		_, err := p.Send(t.Context(), m)
		require.ErrorIs(t, err, messaging.ErrRejected, "a %d is for good", tc.status)
		assert.Contains(t, err.Error(), tc.why, "Telegram's description says why")
	}
	assert.Empty(t, api.Sent(), "nothing accepted while failing")

	api.Fail(0, 0)
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = p.Send(cancelled, m)
	require.ErrorIs(t, err, context.Canceled)
	_, err = p.Send(t.Context(), m)
	require.NoError(t, err, "accepting again")
}

func TestSend_WrongTokenIsRejected(t *testing.T) {
	api := newFakeBotAPI(t)
	p, err := telegram.New(telegram.Config{BotToken: "1:wrong", SecretToken: secret, BotName: botName, APIBase: api.URL()})
	require.NoError(t, err)
	_, err = p.Send(t.Context(), messaging.Outbound{To: "987654321", Body: "hi"})
	require.ErrorIs(t, err, messaging.ErrRejected, "the Bot API's 404 for a wrong token will not change")
	assert.NotContains(t, err.Error(), "1:wrong")
}

func TestSend_NotOK(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"ok":false}`)
	}))
	t.Cleanup(srv.Close)
	p := newProvider(t, srv.URL)
	_, err := p.Send(t.Context(), messaging.Outbound{To: "987654321", Body: "hi"})
	require.Error(t, err)
	assert.NotErrorIs(t, err, messaging.ErrRejected, "an answer that says nothing is not a refusal")
}

// The bot token is in every URL; no error shows it.
func TestSend_TokenNeverInErrors(t *testing.T) {
	m := messaging.Outbound{To: "987654321", Body: "hi"}

	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		_, err := newProvider(t, srv.URL).Send(t.Context(), m)
		require.Error(t, err)
		assert.NotErrorIs(t, err, messaging.ErrRejected, "a network failure is transient")
		assert.NotContains(t, err.Error(), botToken)
		assert.NotContains(t, err.Error(), strings.SplitN(botToken, ":", 2)[1])
		assert.Contains(t, err.Error(), "bot<redacted>/sendMessage")
	})
	t.Run("deadline", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := newProvider(t, srv.URL).Send(ctx, m)
		require.ErrorIs(t, err, context.DeadlineExceeded, "ctx honoured mid-request")
		assert.NotContains(t, err.Error(), botToken)
	})
}

// Parse and Send from many goroutines, under -race.
func TestConcurrent(t *testing.T) {
	api := newFakeBotAPI(t)
	p := newProvider(t, api.URL())
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			chat := int64(1000 + i)
			d, err := parse(t, p, textUpdate(t, int64(i), chat, 1, "hi", sentAt))
			if assert.NoError(t, err) && assert.Len(t, d.Messages, 1) {
				assert.Equal(t, fmt.Sprintf("%d:1", chat), d.Messages[0].ID)
				_, err = p.Send(t.Context(), messaging.Outbound{From: d.Messages[0].To, To: d.Messages[0].From, Body: fmt.Sprint("reply ", i)})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	assert.Len(t, api.Sent(), n)
}
