// Package messagingtest is the conformance suite of messaging.Provider:
// every adapter runs it against its provider's webhook format and a fake
// of its REST API.
//
//	func TestConformance(t *testing.T) {
//		messagingtest.Run(t, messagingtest.Harness{
//			New:     func(t testing.TB, api string) messaging.Provider { return newProvider(t, api) },
//			API:     newFakeAPI,
//			Inbound: signedInbound, Status: signedStatus, Signed: signed, Ignored: ignored,
//		})
//	}
package messagingtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
)

// API is a provider's REST API, faked for the suite by the adapter's
// tests: it takes replies as the provider's API does and records them.
type API interface {
	// URL is where the provider under test sends replies.
	URL() string
	// Sent returns the replies accepted so far, in order.
	Sent() []messaging.Outbound
	// Fail makes every later send answer status (with a Retry-After of
	// retryAfter when not zero) until Fail(0, 0), which accepts again.
	Fail(status int, retryAfter time.Duration)
}

// Harness is what the suite needs of an adapter.
type Harness struct {
	// New returns the provider under test, sending replies to the API
	// at apiURL.
	New func(t testing.TB, apiURL string) messaging.Provider
	// API returns a new fake of the provider's REST API.
	API func(t testing.TB) API
	// Inbound returns a webhook request signed as the provider signs
	// it, carrying one message m (its From and To are the harness's
	// Attendee and Service). m.At is zero or whole seconds.
	Inbound func(t testing.TB, m messaging.Inbound) *http.Request
	// Status returns a signed request carrying one status report; nil
	// for a provider that reports none (Telegram).
	Status func(t testing.TB, s messaging.Status) *http.Request
	// States are the states Status can carry; nil: all four.
	States []messaging.DeliveryState
	// Signed returns a request signed as the provider signs, whose body
	// is body (which need not be the provider's format).
	Signed func(t testing.TB, body []byte) *http.Request
	// Ignored returns a signed request the provider sends that carries
	// nothing for a contact center (an event type it does not take).
	Ignored func(t testing.TB) *http.Request
	// Challenge, if not nil, returns the provider's verification request
	// and the body it expects in the answer (WhatsApp's, Messenger's
	// hub.challenge), and a request for it with the wrong token.
	Challenge func(t testing.TB) (ok *http.Request, want string, wrong *http.Request)
	// Rejects is an HTTP status the provider's API answers for a reply
	// refused for good (ErrRejected): 400 for most.
	Rejects int
	// Attendee and Service are addresses in the provider's form: an
	// attendee's (Inbound.From) and the service's (Inbound.To). Empty:
	// the E.164 numbers +12025550143 and +12025550100. Telegram's chat
	// IDs, Messenger's page-scoped IDs and page IDs are not numbers.
	Attendee, Service string
	// Message, if not nil, returns the i-th message the suite sends:
	// its ID, From and To in the provider's form (Telegram's IDs are
	// "<chat>:<message>"; the suite sets Body and At). Nil: IDs
	// "msg-0001"… from Attendee to Service.
	Message func(i int) messaging.Inbound
	// UnsignedBody says the provider authenticates a request by a token
	// in a header, not by a signature over its body (Telegram's secret
	// token): a changed body with the right token is the provider's.
	UnsignedBody bool
}

// addresses returns the harness's attendee and service addresses.
func (h Harness) addresses() (attendee, service string) {
	attendee, service = h.Attendee, h.Service
	if attendee == "" {
		attendee = "+12025550143"
	}
	if service == "" {
		service = "+12025550100"
	}
	return attendee, service
}

// inbound is the message the suite sends, in the harness's addresses.
func (h Harness) inbound() messaging.Inbound { return h.message(1) }

// message is the i-th message the suite sends.
func (h Harness) message(i int) messaging.Inbound {
	m := inboundTemplate
	m.ID = fmt.Sprintf("msg-%04d", i)
	m.From, m.To = h.addresses()
	if h.Message != nil {
		own := h.Message(i)
		m.ID, m.From, m.To = own.ID, own.From, own.To
	}
	return m
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	t.Run("InboundRoundTrip", func(t *testing.T) { testInbound(t, h) })
	t.Run("Statuses", func(t *testing.T) { testStatuses(t, h) })
	t.Run("Unauthorized", func(t *testing.T) { testUnauthorized(t, h) })
	t.Run("Malformed", func(t *testing.T) { testMalformed(t, h) })
	t.Run("Ignored", func(t *testing.T) { testIgnored(t, h) })
	t.Run("Challenge", func(t *testing.T) { testChallenge(t, h) })
	t.Run("Send", func(t *testing.T) { testSend(t, h) })
	t.Run("SendFailures", func(t *testing.T) { testSendFailures(t, h) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, h) })
}

// parse reads r's body as a channel does and parses it.
func parse(t testing.TB, p messaging.Provider, r *http.Request) (messaging.Delivery, error) {
	t.Helper()
	body, err := io.ReadAll(io.LimitReader(r.Body, messaging.MaxBody))
	require.NoError(t, err)
	return p.Parse(r, body)
}

func provider(t testing.TB, h Harness) (messaging.Provider, API) {
	api := h.API(t)
	return h.New(t, api.URL()), api
}

var inboundTemplate = messaging.Inbound{
	Body: "Where is hall B? Ünïcode ✓, <tags> & \"quotes\"", At: time.Date(2030, 6, 1, 9, 0, 5, 0, time.UTC)}

func testInbound(t *testing.T, h Harness) {
	p, _ := provider(t, h)
	inbound := h.inbound()
	assert.Contains(t, []modality.Kind{modality.SMS, modality.Social}, p.Kind())
	assert.NotEmpty(t, p.Name())
	d, err := parse(t, p, h.Inbound(t, inbound))
	require.NoError(t, err)
	require.Len(t, d.Messages, 1, "one message in, one out")
	got := d.Messages[0]
	assert.Equal(t, inbound.ID, got.ID)
	assert.Equal(t, inbound.From, got.From)
	assert.Equal(t, inbound.To, got.To)
	assert.Equal(t, inbound.Body, got.Body, "the body, byte for byte")
	if !got.At.IsZero() {
		assert.WithinDuration(t, inbound.At, got.At, time.Second, "the sending time, if the provider carries it")
	}
	assert.Empty(t, d.Statuses)
}

func testStatuses(t *testing.T, h Harness) {
	if h.Status == nil {
		t.Skip("the provider reports no delivery statuses")
	}
	p, _ := provider(t, h)
	states := h.States
	if states == nil {
		states = []messaging.DeliveryState{messaging.Sent, messaging.Delivered, messaging.Read, messaging.Failed}
	}
	for _, st := range states {
		s := messaging.Status{ID: "out-" + string(st), State: st, At: time.Date(2030, 6, 1, 9, 1, 0, 0, time.UTC)}
		if st == messaging.Failed {
			s.Err = "unreachable"
		}
		d, err := parse(t, p, h.Status(t, s))
		require.NoError(t, err, "status %s", st)
		require.Len(t, d.Statuses, 1, "status %s", st)
		got := d.Statuses[0]
		assert.Equal(t, s.ID, got.ID)
		assert.Equal(t, st, got.State)
		if st == messaging.Failed {
			assert.NotEmpty(t, got.Err, "a failure says why")
		}
		assert.Empty(t, d.Messages)
	}
}

func testUnauthorized(t *testing.T, h Harness) {
	p, _ := provider(t, h)
	inbound := h.inbound()
	check := func(what string, r *http.Request) {
		t.Helper()
		d, err := parse(t, p, r)
		require.ErrorIs(t, err, messaging.ErrUnauthorized, what)
		assert.Empty(t, d.Messages, "%s: nothing taken", what)
		assert.Empty(t, d.Statuses, "%s: nothing taken", what)
		var ue *messaging.UnauthorizedError
		if errors.As(err, &ue) {
			assert.Contains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, ue.Status)
		}
	}
	// The signed request, one byte of its body changed.
	r := h.Inbound(t, inbound)
	if h.UnsignedBody {
		r = nil // the body is not what authenticates it
	}
	if r != nil {
		body, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		body[len(body)/2] ^= 1
		tampered := r.Clone(context.Background())
		tampered.Body = io.NopCloser(bytesReader(body))
		check("a tampered body", tampered)
	}

	// No signature at all: every header the provider's signing adds is
	// gone (the suite cannot know which; it strips all of them that
	// are not the request's content type).
	bare := h.Inbound(t, inbound)
	for k := range bare.Header {
		if k != "Content-Type" {
			bare.Header.Del(k)
		}
	}
	bare.URL.RawQuery = "" // a secret in the query (Telegram does not; some do)
	check("no signature", bare)
}

func testMalformed(t *testing.T, h Harness) {
	p, _ := provider(t, h)
	for _, body := range []string{"{", "\x00\x01\x02", "<xml/>", `{"entry":[{"changes":"nope"}]}`, "%zz=1&&="} {
		d, err := parse(t, p, h.Signed(t, []byte(body)))
		if err != nil {
			assert.True(t, errors.Is(err, messaging.ErrMalformed) || errors.Is(err, messaging.ErrUnauthorized),
				"body %q: %v must be ErrMalformed (or ErrUnauthorized)", body, err)
		}
		assert.Empty(t, d.Messages, "body %q: nothing taken from it", body)
	}
}

func testIgnored(t *testing.T, h Harness) {
	p, _ := provider(t, h)
	d, err := parse(t, p, h.Ignored(t))
	require.NoError(t, err, "an event the contact center does not take is acknowledged, not refused")
	assert.Empty(t, d.Messages)
	assert.Empty(t, d.Statuses)
}

func testChallenge(t *testing.T, h Harness) {
	if h.Challenge == nil {
		t.Skip("the provider has no verification challenge")
	}
	p, _ := provider(t, h)
	ok, want, wrong := h.Challenge(t)
	d, err := parse(t, p, ok)
	require.NoError(t, err)
	require.NotNil(t, d.Respond, "a challenge is answered")
	w := httptest.NewRecorder()
	d.Respond(w)
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, want, w.Body.String())
	_, err = parse(t, p, wrong)
	require.ErrorIs(t, err, messaging.ErrUnauthorized, "a challenge with the wrong verify token")
}

func testSend(t *testing.T, h Harness) {
	p, api := provider(t, h)
	ctx := t.Context()
	in := h.inbound()
	attendee, service := in.From, in.To
	a := messaging.Outbound{From: service, To: attendee, Body: "Hall B is upstairs. Ünïcode ✓ & <b>", Ref: "r-1"}
	b := messaging.Outbound{From: service, To: attendee, Body: "Anything else?", Ref: "r-2"}
	idA, err := p.Send(ctx, a)
	require.NoError(t, err)
	idB, err := p.Send(ctx, b)
	require.NoError(t, err)
	assert.NotEmpty(t, idA)
	assert.NotEqual(t, idA, idB, "each reply its own ID")
	sent := api.Sent()
	require.Len(t, sent, 2)
	for i, want := range []messaging.Outbound{a, b} {
		assert.Equal(t, want.From, sent[i].From)
		assert.Equal(t, want.To, sent[i].To)
		assert.Equal(t, want.Body, sent[i].Body, "the body, byte for byte")
	}
}

func testSendFailures(t *testing.T, h Harness) {
	p, api := provider(t, h)
	ctx := t.Context()
	in := h.inbound()
	m := messaging.Outbound{From: in.To, To: in.From, Body: "hello", Ref: "r-9"}

	api.Fail(http.StatusInternalServerError, 0)
	_, err := p.Send(ctx, m)
	require.Error(t, err)
	assert.NotErrorIs(t, err, messaging.ErrRejected, "a 500 is transient")

	api.Fail(http.StatusTooManyRequests, 7*time.Second)
	_, err = p.Send(ctx, m)
	require.Error(t, err)
	assert.NotErrorIs(t, err, messaging.ErrRejected, "a rate limit is transient")
	var re *messaging.RetryError
	if assert.ErrorAs(t, err, &re, "a rate limit says when to retry") {
		assert.Equal(t, 7*time.Second, re.After)
	}

	rejects := h.Rejects
	if rejects == 0 {
		rejects = http.StatusBadRequest
	}
	api.Fail(rejects, 0)
	_, err = p.Send(ctx, m)
	require.ErrorIs(t, err, messaging.ErrRejected, "a %d is for good", rejects)
	assert.Empty(t, api.Sent(), "nothing accepted while failing")

	api.Fail(0, 0)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = p.Send(cancelled, m)
	require.ErrorIs(t, err, context.Canceled)
	_, err = p.Send(ctx, m)
	require.NoError(t, err, "accepting again")
}

func testConcurrent(t *testing.T, h Harness) {
	p, api := provider(t, h)
	ctx := t.Context()
	reqs := make([]*http.Request, 16)
	msgs := make([]messaging.Inbound, len(reqs))
	for i := range reqs {
		msgs[i] = h.message(i + 1)
		reqs[i] = h.Inbound(t, msgs[i])
	}
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Go(func() {
			d, err := parse(t, p, reqs[i])
			assert.NoError(t, err)
			if assert.Len(t, d.Messages, 1) {
				assert.Equal(t, msgs[i].ID, d.Messages[0].ID)
			}
			_, err = p.Send(ctx, messaging.Outbound{From: msgs[i].To, To: msgs[i].From, Body: fmt.Sprint("reply ", i), Ref: fmt.Sprint("r-", i)})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Len(t, api.Sent(), len(reqs))
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
