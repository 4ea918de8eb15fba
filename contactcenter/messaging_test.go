package contactcenter_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/memprovider"
	"github.com/eventcc/eventcc/modality/messagingchannel"
	"github.com/eventcc/eventcc/modality/routing"
)

// TestSMSReachesAnAgent: an attendee texts the conference's number; the
// receptionist answers by text, hands them to a queue, an agent at the
// desk accepts and replies through the same desk as a chat; the reply
// goes back through the provider; at the close they are told.
func TestSMSReachesAnAgent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w := newWorld(t)
	auth, err := access.New(access.Config{Store: w.grants, Now: w.Clock.Now,
		Keys: []access.Key{{ID: "k1", Secret: bytes.Repeat([]byte{4}, 32)}}})
	require.NoError(t, err)
	secret := []byte("0123456789abcdef-sms-gateway")
	gw, err := memprovider.NewGateway(secret)
	require.NoError(t, err)
	defer gw.Close()
	sms, err := memprovider.New(gw.URL(), secret, modality.SMS)
	require.NoError(t, err)
	texts, err := messagingchannel.New(messagingchannel.Config{Providers: []messaging.Provider{sms}, Now: w.Clock.Now})
	require.NoError(t, err)
	defer texts.Close()
	srv := httptest.NewServer(texts)
	defer srv.Close()
	phones, err := memchannel.New(modality.Telephony, modality.Chat)
	require.NoError(t, err)
	cfg := w.Config("")
	cfg.Access, cfg.Channels = auth, []modality.Channel{phones, texts}
	lc, err := contactcenter.New(cfg)
	require.NoError(t, err)
	defer lc.Close()
	offers, accepted := make(chan string, 4), make(chan string, 4)
	lc.Subscribe(func(ev contactcenter.Event) {
		if e, ok := ev.(*contactcenter.EngagementEvent); ok {
			switch e.Kind {
			case routing.EventOffered:
				offers <- e.Engagement
			case routing.EventAccepted:
				accepted <- e.Engagement
			}
		}
	})

	req := conference("conf-sms")
	req.Features.Modalities = append(req.Features.Modalities, modality.SMS)
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	w.runUntil(t, lc, time.Minute, req.Term.Start.Add(time.Minute), func() bool { return w.State(t, svc.ID) == contactcenter.Active })
	svc, err = lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	number := svc.Numbers[0].String()

	d, err := lc.Desk(ctx, svc.ID)
	require.NoError(t, err)
	agent := svc.Staff[0].ID
	tok, _, err := auth.IssueToken(ctx, svc.ID+"/"+agent)
	require.NoError(t, err)
	_, err = d.Open(ctx, tok, routing.Agent{})
	require.NoError(t, err)
	require.NoError(t, d.SetStatus(ctx, tok, routing.Available))

	const attendee = "+12025550177"
	text := func(body string) {
		t.Helper()
		_, status, err := gw.Text(ctx, srv.URL+"/memprovider", attendee, number, body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
	}
	text("hi")
	greeting, err := gw.Await(ctx, 1)
	require.NoError(t, err)
	assert.Contains(t, greeting[0].Body, "Welcome to the conference help desk.")
	assert.Equal(t, number, greeting[0].From, "from the number they texted")
	text("0") // anything else: the general queue
	var conv string
	select {
	case conv = <-offers:
	case <-ctx.Done():
		t.Fatal("the text never reached an agent")
	}
	require.NoError(t, d.Accept(ctx, tok, conv))
	<-accepted
	ms, err := d.Transcript(ctx, tok, conv, 0)
	require.NoError(t, err)
	assert.Equal(t, "hi", ms[0].Body, "the agent reads the conversation at the desk")
	_, err = d.Post(ctx, tok, conv, "Hello! How can I help?")
	require.NoError(t, err)
	var last []messaging.Outbound
	require.Eventually(t, func() bool {
		last = gw.Replies()
		return strings.Contains(last[len(last)-1].Body, "How can I help?")
	}, 10*time.Second, 5*time.Millisecond, "the agent's reply goes back through the provider")
	assert.Equal(t, attendee, last[len(last)-1].To)

	require.NoError(t, lc.Terminate(ctx, svc.ID, "the conference is over"))
	w.runUntil(t, lc, time.Minute, w.Clock.Now().Add(time.Hour), func() bool { return w.State(t, svc.ID).Final() })
	require.Eventually(t, func() bool {
		last = gw.Replies()
		return strings.Contains(last[len(last)-1].Body, "help desk is closed")
	}, 10*time.Second, 5*time.Millisecond, "the attendee is told the help desk closed")
}

// TestSocialAccounts: social messaging needs the event's accounts, which
// become its entry points; bad ones are refused by name.
func TestSocialAccounts(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	lc := w.lifecycle(t)
	req := conference("conf-social")
	req.Template, req.EventType = "concert", "concert"
	req.Features.Modalities = []modality.Kind{modality.Social}
	_, err := lc.Plan(ctx, req)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "request.features.accounts", "social without accounts")

	req.Features.Accounts = []string{"106540352242922", "", "has space", "106540352242922"}
	_, err = lc.Plan(ctx, req)
	require.Error(t, err)
	for _, path := range []string{"request.features.accounts[1]", "request.features.accounts[2]", "request.features.accounts[3]"} {
		assert.Contains(t, err.Error(), path)
	}

	req.Features.Accounts = []string{"106540352242922", "concert_help_bot"}
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	w.runUntil(t, lc, time.Minute, req.Term.Start.Add(time.Minute), func() bool { return w.State(t, svc.ID) == contactcenter.Active })
	svc, err = lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	var social []string
	for _, ep := range svc.EntryPoints {
		if ep.Kind == modality.Social {
			social = append(social, ep.Address)
		}
	}
	assert.Equal(t, []string{"106540352242922", "concert_help_bot"}, social, "each account is an entry point")
}
