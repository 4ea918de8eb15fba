package messagingchannel_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/memprovider"
	"github.com/eventcc/eventcc/modality/messaging/twilio"
	"github.com/eventcc/eventcc/modality/messagingchannel"
)

// quiet is a provider whose replies go nowhere: the benchmark times the
// way in (verify, parse, route), not the provider's API.
type quiet struct{ messaging.Provider }

func (quiet) Send(context.Context, messaging.Outbound) (string, error) { return "sent", nil }

// admit is a router that admits every engagement and decides nothing.
type admit struct{}

func (admit) Enqueue(modality.Engagement, string, func(modality.Decision)) (modality.Place, error) {
	return modality.Place{Position: 1}, nil
}
func (admit) Hangup(string) error { return nil }

const (
	benchSenders = 10_000
	twilioSID    = "AC0123456789abcdef0123456789abcdef"
	twilioToken  = "0123456789abcdef0123456789abcdef"
	benchHook    = "https://cc.example/"
)

// twilioRequest is Twilio's form POST of an inbound SMS, signed as
// Twilio signs it: base64 HMAC-SHA1 of the URL and the sorted
// parameters.
func twilioRequest(id, from, body string) *http.Request {
	form := url.Values{"MessageSid": {id}, "AccountSid": {twilioSID}, "From": {from}, "To": {number}, "Body": {body},
		"NumMedia": {"0"}, "SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"}}
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var s strings.Builder
	s.WriteString(benchHook + "twilio")
	for _, k := range keys {
		s.WriteString(k + form.Get(k))
	}
	m := hmac.New(sha1.New, []byte(twilioToken))
	m.Write([]byte(s.String()))
	req := httptest.NewRequest(http.MethodPost, benchHook+"twilio", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", base64.StdEncoding.EncodeToString(m.Sum(nil)))
	return req
}

// BenchmarkInbound times one inbound message through ServeHTTP: the
// provider's signature checked, the webhook parsed, the message routed
// to its conversation (taken once by its provider ID) and stored in the
// transcript. The workload: 10,000 attendees, each with a conversation
// already open (waiting in the queue), writing in random order; every
// message a new provider ID; the body a typical SMS. Requests are built
// before the timer; replies go nowhere.
func BenchmarkInbound(b *testing.B) {
	mem, err := memprovider.New("http://127.0.0.1:1", secret, modality.SMS)
	require.NoError(b, err)
	tw, err := twilio.New(twilio.Config{AccountSID: twilioSID, AuthToken: twilioToken, PublicURL: benchHook + "twilio"})
	require.NoError(b, err)
	body := "Hi, I can't find hall B and my badge says the wrong company. Can someone help?"
	for _, bc := range []struct {
		name    string
		p       messaging.Provider
		request func(id, from string) *http.Request
	}{
		{"memprovider", mem, func(id, from string) *http.Request {
			raw, _ := json.Marshal(map[string]any{"type": "message", "id": id, "from": from, "to": number, "body": body})
			return memprovider.Request(benchHook+"memprovider", secret, raw)
		}},
		{"twilio", tw, func(id, from string) *http.Request { return twilioRequest(id, from, body) }},
	} {
		b.Run("provider="+bc.name, func(b *testing.B) {
			now := time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC)
			ch, err := messagingchannel.New(messagingchannel.Config{Providers: []messaging.Provider{quiet{bc.p}},
				Now: func() time.Time { return now }})
			require.NoError(b, err)
			defer ch.Close()
			require.NoError(b, ch.Open(context.Background(), "svc", modality.Setup{
				EntryPoints: []modality.EntryPoint{{Name: "sms", Kind: modality.SMS, Address: number, Queue: "general"}},
				Queues:      []string{"general"}, Router: admit{},
			}))
			senders := make([]string, benchSenders)
			for i := range senders {
				senders[i] = fmt.Sprintf("+1202555%04d", i)
				w := httptest.NewRecorder()
				ch.ServeHTTP(w, bc.request(fmt.Sprintf("open-%d", i), senders[i]))
				require.Equal(b, http.StatusOK, w.Code, w.Body.String())
			}
			rng := rand.New(rand.NewPCG(1, 2))
			reqs := make([]*http.Request, b.N)
			bodies := make([][]byte, b.N)
			for i := range reqs {
				reqs[i] = bc.request(fmt.Sprintf("SM%032d", i), senders[rng.IntN(benchSenders)])
				bodies[i] = readAll(reqs[i])
			}
			w := httptest.NewRecorder()
			b.ResetTimer()
			for i := range b.N {
				reqs[i].Body = readerOf(bodies[i])
				ch.ServeHTTP(w, reqs[i])
			}
			b.StopTimer()
			require.Equal(b, http.StatusOK, w.Code)
			counts, err := ch.Counts(context.Background(), "svc")
			require.NoError(b, err)
			require.EqualValues(b, benchSenders, counts[0].Arrivals, "every message went to its open conversation")
		})
	}
}

func readAll(r *http.Request) []byte {
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(r.Body)
	return buf.Bytes()
}

type rc struct{ *bytes.Reader }

func (rc) Close() error { return nil }

func readerOf(b []byte) rc { return rc{bytes.NewReader(b)} }
