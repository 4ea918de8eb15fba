package sipchannel_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/sipchannel"
)

// grants is a Registrar: the agents holding a grant for a service, with
// their phones' passwords.
type grants struct {
	mu        sync.Mutex
	passwords map[string][]string // "service/agent" -> passwords
}

func (g *grants) PhonePassword(_ context.Context, serviceID, agentID string) ([]string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	pw, ok := g.passwords[serviceID+"/"+agentID]
	if !ok {
		return nil, fmt.Errorf("no grant for %s on %s: %w", agentID, serviceID, modality.ErrNotFound)
	}
	return pw, nil
}

func (g *grants) revoke(serviceID, agentID string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.passwords, serviceID+"/"+agentID)
}

// register sends a REGISTER of agent@service from the phone to addr with
// expires (-1: no Expires header), answering a challenge with password
// ("": not answering it), and returns the final response.
func (p *phone) register(ctx context.Context, t *testing.T, addr, agent, service, password string, expires int) *sip.Response {
	t.Helper()
	host, port := splitHostPort(t, addr)
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: host, Port: port})
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: agent, Host: service}})
	req.AppendHeader(&sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: agent, Host: service}, Params: tagParams(sip.GenerateTagN(8))})
	req.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: agent, Host: "127.0.0.1", Port: p.port}})
	if expires >= 0 {
		req.AppendHeader(sip.NewHeader("Expires", fmt.Sprint(expires)))
	}
	p.mu.Lock()
	p.dialed[req.Destination()] = true
	p.mu.Unlock()
	res, err := p.client.Do(ctx, req)
	require.NoError(t, err)
	if res.StatusCode == 401 && password != "" {
		res, err = p.client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: agent, Password: password})
		require.NoError(t, err)
	}
	return res
}

// TestRegister: an agent's phone registers for a service with digest
// authentication against the Registrar's passwords; refreshes, removals,
// expiry, the grant's end and the service's end are honoured; wrong
// credentials, agents without a grant and services not open here are
// refused.
func TestRegister(t *testing.T) {
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	clk := newClock(t0)
	ph := newPhone(t, sipchannel.UDP)
	g := &grants{passwords: map[string][]string{"expo/ada": {"old-key-pw", "s3cret"}, "expo/bob": {"bob-pw"}}}
	ch := startChannel(t, sipchannel.Config{Registrar: g, Now: clk.Now})
	require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
	addr := addrOf(t, ch, sipchannel.UDP)
	phones := func() []string {
		ps, err := ch.Phones(ctx, "expo")
		require.NoError(t, err)
		var out []string
		for _, p := range ps {
			out = append(out, p.Agent)
		}
		return out
	}

	res := ph.register(ctx, t, addr, "ada", "expo", "", -1)
	require.Equal(t, 401, res.StatusCode, "a challenge first")
	chal := res.GetHeader("WWW-Authenticate").Value()
	assert.Contains(t, chal, `realm="expo"`, "the service is the realm")
	assert.Contains(t, chal, `qop="auth"`)
	assert.Empty(t, phones(), "nothing bound by a challenge")

	res = ph.register(ctx, t, addr, "ada", "expo", "s3cret", -1)
	require.Equal(t, 200, res.StatusCode, "the grant's password (either of a rotating key's)")
	assert.Contains(t, res.GetHeader("Contact").Value(), ";expires=3600", "an hour by default")
	assert.Equal(t, []string{"ada"}, phones())
	p, _ := ch.Phones(ctx, "expo")
	assert.Equal(t, fmt.Sprintf("sip:ada@127.0.0.1:%d", ph.port), p[0].Contact)
	assert.Equal(t, "UDP", p[0].Transport)
	assert.Equal(t, t0.Add(time.Hour), p[0].Expires)

	for _, tc := range []struct {
		name, agent, service, password string
		expires, status                int
	}{
		{"wrong password", "bob", "expo", "guess", -1, 401},
		{"another agent's password", "bob", "expo", "s3cret", -1, 401},
		{"no grant", "eve", "expo", "anything", -1, 403},
		{"a service not open here", "ada", "fair", "s3cret", -1, 404},
		{"too brief", "bob", "expo", "bob-pw", 30, 423},
	} {
		res := ph.register(ctx, t, addr, tc.agent, tc.service, tc.password, tc.expires)
		assert.Equal(t, tc.status, res.StatusCode, "%s: %s", tc.name, res.Reason)
		if tc.status == 423 {
			assert.Equal(t, "60", res.GetHeader("Min-Expires").Value())
		}
	}
	assert.Equal(t, []string{"ada"}, phones(), "refusals bind nothing")

	clk.Set(t0.Add(10 * time.Minute))
	res = ph.register(ctx, t, addr, "bob", "expo", "bob-pw", 7200)
	require.Equal(t, 200, res.StatusCode)
	assert.Contains(t, res.GetHeader("Contact").Value(), ";expires=3600", "shortened to an hour")
	assert.Equal(t, []string{"ada", "bob"}, phones())

	// A registration lapses at its expiry, on the channel's clock.
	clk.Set(t0.Add(time.Hour))
	assert.Equal(t, []string{"bob"}, phones(), "ada's hour is over; bob registered later")
	res = ph.register(ctx, t, addr, "ada", "expo", "s3cret", 120)
	require.Equal(t, 200, res.StatusCode)
	assert.Contains(t, res.GetHeader("Contact").Value(), ";expires=120")

	// Expires 0 removes; the grant's end and Unregister remove.
	require.Equal(t, 200, ph.register(ctx, t, addr, "ada", "expo", "s3cret", 0).StatusCode)
	assert.Equal(t, []string{"bob"}, phones())
	g.revoke("expo", "bob")
	require.NoError(t, ch.Unregister(ctx, "expo", "bob"))
	assert.Empty(t, phones())
	assert.Equal(t, 403, ph.register(ctx, t, addr, "bob", "expo", "bob-pw", -1).StatusCode, "no grant, no phone")

	// The service's end ends every registration.
	require.Equal(t, 200, ph.register(ctx, t, addr, "ada", "expo", "s3cret", -1).StatusCode)
	require.NoError(t, ch.Remove(ctx, "expo"))
	assert.Empty(t, phones())
	assert.Equal(t, 404, ph.register(ctx, t, addr, "ada", "expo", "s3cret", -1).StatusCode)
}

// A nonce is good for five minutes on the channel's clock; after that the
// phone is challenged again.
func TestRegisterStaleNonce(t *testing.T) {
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	clk := newClock(t0)
	ph := newPhone(t, sipchannel.UDP)
	g := &grants{passwords: map[string][]string{"expo/ada": {"s3cret"}}}
	ch := startChannel(t, sipchannel.Config{Registrar: g, Now: clk.Now})
	require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
	addr := addrOf(t, ch, sipchannel.UDP)
	host, port := splitHostPort(t, addr)
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: host, Port: port})
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: "ada", Host: "expo"}})
	req.AppendHeader(&sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "ada", Host: "expo"}, Params: tagParams("x")})
	req.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "ada", Host: "127.0.0.1", Port: ph.port}})
	ph.mu.Lock()
	ph.dialed[req.Destination()] = true
	ph.mu.Unlock()
	res, err := ph.client.Do(ctx, req)
	require.NoError(t, err)
	require.Equal(t, 401, res.StatusCode)
	clk.Set(t0.Add(6 * time.Minute)) // the phone answers the challenge too late
	res, err = ph.client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: "ada", Password: "s3cret"})
	require.NoError(t, err)
	assert.Equal(t, 401, res.StatusCode, "the old nonce is stale")
	assert.True(t, strings.Contains(res.GetHeader("WWW-Authenticate").Value(), "nonce="), "with a fresh challenge")
}

// Without a Registrar, REGISTER is not served.
func TestRegisterNotOffered(t *testing.T) {
	ctx := t.Context()
	ph := newPhone(t, sipchannel.UDP)
	ch := startChannel(t, sipchannel.Config{})
	require.NoError(t, ch.Open(ctx, "expo", telephony(num(t, "+1 555 000 1001"))))
	assert.Equal(t, 405, ph.register(ctx, t, addrOf(t, ch, sipchannel.UDP), "ada", "expo", "x", -1).StatusCode)
}

func tagParams(tag string) sip.HeaderParams {
	p := sip.NewParams()
	p.Add("tag", tag)
	return p
}
