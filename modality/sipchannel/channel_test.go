package sipchannel_test

import (
	"context"
	"errors"
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
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    sipchannel.Config
		fields []string // every bad field, in field order
		want   []string // each must appear in the error
	}{
		{"no address", sipchannel.Config{}, []string{"Listen"}, []string{"Listen: at least one address"}},
		{"bad address", sipchannel.Config{Listen: []string{"localhost"}}, []string{"Listen[0]"}, []string{"Listen[0]", "host:port"}},
		{"host not an IP", sipchannel.Config{Listen: []string{"example.com:5060"}}, []string{"Listen[0]"}, []string{"Listen[0]", "IP address"}},
		{"bad transport", sipchannel.Config{Listen: []string{"127.0.0.1:0"}, Transports: []string{"udp", "tls", "udp"}},
			[]string{"Transports[1]", "Transports[2]"}, []string{`Transports[1]: "tls"`, `Transports[2]: "udp" given twice`}},
		{"statuses", sipchannel.Config{Listen: []string{"127.0.0.1:0"}, BusyStatus: 500, AnnounceStatus: 404, VacantStatus: 480},
			[]string{"BusyStatus", "AnnounceStatus", "VacantStatus"}, []string{"BusyStatus: 500", "AnnounceStatus: 404", "VacantStatus: 480"}},
		{"reason with CRLF", sipchannel.Config{Listen: []string{"127.0.0.1:0"}, ClosedReason: "Closed\r\nX-Injected: yes"},
			[]string{"ClosedReason"}, []string{"ClosedReason", "control character", "inject"}},
		{"reason blank", sipchannel.Config{Listen: []string{"127.0.0.1:0"}, VacantReason: "  "},
			[]string{"VacantReason"}, []string{"VacantReason: blank"}},
		{"reason too long", sipchannel.Config{Listen: []string{"127.0.0.1:0"}, NotOpenReason: strings.Repeat("x", 200)},
			[]string{"NotOpenReason"}, []string{"NotOpenReason: 200 bytes, at most 128"}},
		{"reason not UTF-8", sipchannel.Config{Listen: []string{"127.0.0.1:0"}, VacantReason: "bad \xff"},
			[]string{"VacantReason"}, []string{"VacantReason", "UTF-8"}},
		{"forward domain", sipchannel.Config{Listen: []string{"127.0.0.1:0"}, ForwardDomain: "carrier.example>\r\nX: y"},
			[]string{"ForwardDomain"}, []string{"ForwardDomain", "not allowed in a host"}},
		{"retry after", sipchannel.Config{Listen: []string{"127.0.0.1:0"}, RetryAfter: 1500 * time.Millisecond},
			[]string{"RetryAfter"}, []string{"RetryAfter: 1.5s must be whole seconds"}},
		{"negatives", sipchannel.Config{Listen: []string{"127.0.0.1:0"}, RingTime: -1, RetryAfter: -time.Second, MaxHangupsInFlight: -1,
			HangupRate: -2, HangupTimeout: -1, LookupTimeout: -1, ShutdownTimeout: -1, MaxConnections: -1},
			[]string{"RingTime", "RetryAfter", "MaxHangupsInFlight", "HangupRate", "HangupTimeout", "LookupTimeout", "ShutdownTimeout", "MaxConnections"},
			[]string{"RingTime: -1ns is negative", "MaxHangupsInFlight: -1 is negative", "MaxConnections: -1 is negative"}},
		{"user agent", sipchannel.Config{Listen: []string{"127.0.0.1:0"}, UserAgent: "eventcc 1.0"}, []string{"UserAgent"}, []string{"UserAgent"}},
		{"flood limits", sipchannel.Config{Listen: []string{"127.0.0.1:0"}, SourceRate: -1, MaxHeaderLines: -1, MaxRejectsPending: -1},
			[]string{"SourceRate", "MaxHeaderLines", "MaxRejectsPending"}, []string{"SourceRate: -1 is negative; 0 is no limit"}},
		{"media on an unspecified address", sipchannel.Config{Listen: []string{"0.0.0.0:0"}},
			[]string{"MediaAddr"}, []string{`MediaAddr: required: Listen[0] "0.0.0.0:0" is unspecified`}},
		{"RTP ports", sipchannel.Config{Listen: []string{"127.0.0.1:0"}, RTPPortMin: 1001, RTPPortMax: 2000},
			[]string{"RTPPortMin"}, []string{"RTPPortMin: 1001: want an even port of 1024 or more"}},
		{"RTP ports too few", sipchannel.Config{Listen: []string{"127.0.0.1:0"}, RTPPortMin: 20000},
			[]string{"RTPPortMax"}, []string{"RTPPortMax: 0: want a port of 20001 to 65535"}},
		{"media address unspecified", sipchannel.Config{Listen: []string{"127.0.0.1:0"}, MediaAddr: "::"},
			[]string{"MediaAddr"}, []string{`MediaAddr: "::": want the IP address RTP is received on`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := sipchannel.New(tc.cfg)
			assert.Nil(t, ch, "no channel on error")
			var ce *sipchannel.ConfigError
			require.ErrorAs(t, err, &ce, "New must refuse the config with a *ConfigError")
			assert.Equal(t, "sipchannel.Config", ce.Config)
			var fields []string
			for _, p := range ce.Problems {
				fields = append(fields, p.Field)
			}
			assert.Equal(t, tc.fields, fields, "want every bad field named, in field order")
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w, "the error must name the field and the problem")
			}
		})
	}

	t.Run("zero means default", func(t *testing.T) {
		// Validation runs before the defaults: every zero field must pass.
		ch := startChannel(t, sipchannel.Config{Listen: []string{"127.0.0.1:0"}})
		var transports []string
		for _, a := range ch.Addrs() {
			transports = append(transports, a.Transport)
		}
		assert.ElementsMatch(t, []string{sipchannel.UDP, sipchannel.TCP}, transports, "no Transports: want the default, both")
	})

	t.Run("address in use", func(t *testing.T) {
		ch := startChannel(t, sipchannel.Config{})
		_, err := sipchannel.New(sipchannel.Config{Listen: []string{addrOf(t, ch, sipchannel.UDP)}})
		require.Error(t, err, "binding an address taken must fail")
		assert.Contains(t, err.Error(), "listen udp", "the error says which socket")
	})
}

func TestAddrsPortZero(t *testing.T) {
	ch := startChannel(t, sipchannel.Config{Listen: []string{"127.0.0.1:0", "127.0.0.1:0"}})
	addrs := ch.Addrs()
	require.Len(t, addrs, 4, "two addresses, each on UDP and TCP")
	for i := 0; i < 4; i += 2 {
		assert.Equal(t, sipchannel.UDP, addrs[i].Transport)
		assert.Equal(t, sipchannel.TCP, addrs[i+1].Transport)
		assert.Equal(t, addrs[i].Address, addrs[i+1].Address, "port 0 gets one port for UDP and TCP")
		assert.NotContains(t, addrs[i].Address, ":0", "the port actually bound is reported")
	}
	assert.Equal(t, []modality.Kind{modality.Telephony}, ch.Kinds())
}

// pool is a number pool for the routing tests, on the clock c:
//
//	expo    +1 555 000 1001  leased to "expo" until t0+10h, then forwards to +1 555 000 9999 for 30 days, then ages 90
//	gala    +1 555 000 1002  leased to "gala" until t0+10h, then announces (with an injection attempt)
//	fair    +1 555 000 1003  leased to "fair" until t0+10h, then vacant
//	spare   +1 555 000 1004  in the pool, never leased
type pool struct {
	*memnumbermap.Store
	expo, gala, fair, spare, forwardTo numbermap.Number
}

const announcement = "The gala is over.\r\nX-Injected: yes\tSee you next year."

func newPool(t testing.TB) pool {
	t.Helper()
	ctx := t.Context()
	p := pool{Store: memnumbermap.New(),
		expo: num(t, "+1 555 000 1001"), gala: num(t, "+1 555 000 1002"), fair: num(t, "+1 555 000 1003"),
		spare: num(t, "+1 555 000 1004"), forwardTo: num(t, "+1 555 000 9999")}
	lease := func(n numbermap.Number, svc string, pol numbermap.Policy) {
		require.NoError(t, p.Add(ctx, numbermap.Owned{Number: n, Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}))
		_, err := p.Claim(ctx, numbermap.ClaimRequest{Count: 1, At: t0, Lease: numbermap.Lease{
			ServiceID: svc, EntryPoint: "phone", Modality: "telephony", Start: t0, Expires: t0.Add(10 * time.Hour), Policy: pol}})
		require.NoError(t, err, "lease %s to %s", n, svc)
	}
	lease(p.expo, "expo", numbermap.Policy{Kind: numbermap.Forward, ForwardTo: p.forwardTo, For: 30 * 24 * time.Hour, Aging: 90 * 24 * time.Hour})
	lease(p.gala, "gala", numbermap.Policy{Kind: numbermap.Announce, Announcement: announcement, For: time.Hour, Aging: 90 * 24 * time.Hour})
	lease(p.fair, "fair", numbermap.Policy{Kind: numbermap.Vacant, For: time.Hour, Aging: 90 * 24 * time.Hour})
	require.NoError(t, p.Add(ctx, numbermap.Owned{Number: p.spare, Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}))
	return p
}

// TestRouting checks every route a number can take, on the wire, at the
// instants of a term on the channel's clock.
func TestRouting(t *testing.T) {
	checkNoLeaks(t)
	ctx := t.Context()
	p := newPool(t)
	clk := newClock(t0.Add(-time.Hour))
	ph := newPhone(t, sipchannel.UDP)
	ch := startChannel(t, sipchannel.Config{Numbers: p, Now: clk.Now})
	addr := addrOf(t, ch, sipchannel.UDP)

	call := func(n numbermap.Number) answer {
		t.Helper()
		a, err := ph.call(ctx, addr, n.String())
		require.NoError(t, err, "call to %s", n)
		return a
	}
	expect := func(n numbermap.Number, status int, reason, why string) answer {
		t.Helper()
		a := call(n)
		assert.Equal(t, status, a.res.StatusCode, "%s: call to %s got %s", why, n, a.status())
		if reason != "" {
			assert.Equal(t, reason, a.res.Reason, "%s: reason phrase", why)
		}
		return a
	}

	expect(p.expo, 480, "Not Open Yet", "leased, before the service opens on the channel")
	require.NoError(t, ch.Open(ctx, "expo", telephony(p.expo)))
	require.NoError(t, ch.Open(ctx, "gala", telephony(p.gala)))
	require.NoError(t, ch.Open(ctx, "fair", telephony(p.fair)))
	clk.Set(t0.Add(time.Hour))
	a := expect(p.expo, 200, "OK", "in term and open")
	assert.NotEmpty(t, a.id, "the 200 carries a To tag")
	expect(p.spare, 404, "Not Found", "in the pool, never leased")
	expect(num(t, "+1 555 000 7777"), 404, "Not Found", "not in the pool")

	require.NoError(t, ch.StopIntake(ctx, "expo"))
	expect(p.expo, 480, "Closed", "intake stopped, before expiry")

	// From the expiry instant, the retirement policy, although every
	// service is still open on the channel: routing fails closed.
	clk.Set(t0.Add(10 * time.Hour))
	a = expect(p.expo, 302, "", "retired with a forward policy")
	require.NotNil(t, a.res.Contact(), "a 302 carries a Contact")
	assert.Equal(t, "tel:+15550009999", a.res.Contact().Address.String(), "the Contact is the forwarding number")

	a = expect(p.gala, 480, "", "retired with an announcement")
	assert.Equal(t, "The gala is over. X-Injected: yes See you next year.", a.res.Reason,
		"the announcement is the reason phrase, with control characters made spaces")
	assert.Nil(t, a.res.GetHeader("X-Injected"), "CR LF in an announcement must not inject a header")

	expect(p.fair, 404, "Number Not In Service", "retired, vacant")

	// After the forward period the number ages: vacant; then unassigned.
	clk.Set(t0.Add(10*time.Hour + 31*24*time.Hour))
	expect(p.expo, 404, "Number Not In Service", "aging")
	clk.Set(t0.Add(10*time.Hour + 121*24*time.Hour))
	expect(p.expo, 404, "Not Found", "aged: unassigned")

	c := counts(t, ch, "expo")
	assert.Equal(t, int64(1), c.Arrivals, "only the admitted call counts as an arrival")
}

func TestRoutingOptions(t *testing.T) {
	ctx := t.Context()
	p := newPool(t)
	clk := newClock(t0.Add(10 * time.Hour))
	ph := newPhone(t, sipchannel.TCP)
	ch := startChannel(t, sipchannel.Config{Numbers: p, Now: clk.Now, ForwardDomain: "carrier.example:5060",
		AnnounceStatus: 410, VacantStatus: 410, VacantReason: "Gone For Good"})
	addr := addrOf(t, ch, sipchannel.TCP)

	a, err := ph.call(ctx, addr, p.expo.String())
	require.NoError(t, err)
	require.Equal(t, 302, a.res.StatusCode, "forward: got %s", a.status())
	assert.Equal(t, "sip:+15550009999@carrier.example:5060;user=phone", a.res.Contact().Address.String(),
		"with ForwardDomain the Contact is a SIP URI")
	a, err = ph.call(ctx, addr, p.gala.String())
	require.NoError(t, err)
	assert.Equal(t, 410, a.res.StatusCode, "announce with AnnounceStatus 410: got %s", a.status())
	a, err = ph.call(ctx, addr, p.fair.String())
	require.NoError(t, err)
	assert.Equal(t, "410 Gone For Good", a.status(), "vacant with VacantStatus 410 and VacantReason")
}

// failingStore is a number pool whose look-ups fail.
type failingStore struct{ numbermap.Store }

func (failingStore) Get(context.Context, numbermap.Number) (numbermap.Record, error) {
	return numbermap.Record{}, errors.New("pool unreachable")
}

func TestLookupFailure(t *testing.T) {
	ph := newPhone(t, sipchannel.UDP)
	ch := startChannel(t, sipchannel.Config{Numbers: failingStore{memnumbermap.New()}, RetryAfter: 42 * time.Second})
	a, err := ph.call(t.Context(), addrOf(t, ch, sipchannel.UDP), "+15550001001")
	require.NoError(t, err)
	assert.Equal(t, 503, a.res.StatusCode, "a failed look-up is 503, got %s", a.status())
	require.NotNil(t, a.res.GetHeader("Retry-After"), "503 carries Retry-After")
	assert.Equal(t, "42", a.res.GetHeader("Retry-After").Value(), "Retry-After in seconds")
}

// TestNumberForms dials one number written in the ways SIP carries
// numbers.
func TestNumberForms(t *testing.T) {
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.UDP)
	ch := startChannel(t, sipchannel.Config{})
	require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
	addr := addrOf(t, ch, sipchannel.UDP)
	host := strings.Split(addr, ":")[0]

	for _, tc := range []struct {
		name   string
		req    func() *sip.Request
		status int
	}{
		{"E.164 user", func() *sip.Request { return sip.NewRequest(sip.INVITE, ph.uri("+15550001001", addr)) }, 200},
		{"percent-encoded plus", func() *sip.Request { return sip.NewRequest(sip.INVITE, ph.uri("%2B15550001001", addr)) }, 200},
		{"separators", func() *sip.Request { return sip.NewRequest(sip.INVITE, ph.uri("+1-555-000-1001", addr)) }, 200},
		{"user parameters", func() *sip.Request {
			return sip.NewRequest(sip.INVITE, ph.uri("+15550001001;phone-context=+1", addr))
		}, 200},
		{"tel URI", func() *sip.Request {
			var u sip.Uri
			require.NoError(t, sip.ParseUri("tel:+1-555-000-1001;phone-context=example.com", &u))
			req := sip.NewRequest(sip.INVITE, u)
			req.SetDestination(addr)
			req.AppendHeader(&sip.ToHeader{Address: ph.uri("desk", addr)})
			return req
		}, 200},
		{"number in To only", func() *sip.Request {
			req := sip.NewRequest(sip.INVITE, ph.uri("helpdesk", addr))
			req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: "+15550001001", Host: host}})
			return req
		}, 200},
		{"vanity letters: another number", func() *sip.Request { return sip.NewRequest(sip.INVITE, ph.uri("+1555CALLNOW", addr)) }, 404},
		{"a word", func() *sip.Request { return sip.NewRequest(sip.INVITE, ph.uri("helpdesk", addr)) }, 404},
		{"national form", func() *sip.Request { return sip.NewRequest(sip.INVITE, ph.uri("5550001001", addr)) }, 404},
		{"no user", func() *sip.Request { return sip.NewRequest(sip.INVITE, ph.uri("", addr)) }, 404},
		{"bad escape", func() *sip.Request { return sip.NewRequest(sip.INVITE, ph.uri("%2G15550001001", addr)) }, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ph.invite(ctx, tc.req())
			require.NoError(t, err)
			assert.Equal(t, tc.status, a.res.StatusCode, "got %s", a.status())
		})
	}
}

// TestSDP: a channel without media (Config.NoMedia) answers honestly
// that no media flows; see TestMedia* for calls with media.
func TestSDP(t *testing.T) {
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.UDP)
	ch := startChannel(t, sipchannel.Config{NoMedia: true})
	require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
	addr := addrOf(t, ch, sipchannel.UDP)

	a, err := ph.call(ctx, addr, n.String())
	require.NoError(t, err)
	require.Equal(t, 200, a.res.StatusCode, "got %s", a.status())
	require.NotNil(t, a.res.ContentType(), "the 200 carries a Content-Type")
	assert.Equal(t, "application/sdp", a.res.ContentType().Value())
	body := string(a.res.Body())
	assert.Contains(t, body, "m=audio 9 RTP/AVP 0\r\n", "the first offered audio format, on the discard port")
	assert.Contains(t, body, "a=rtpmap:0 PCMU/8000\r\n", "with its rtpmap")
	assert.Contains(t, body, "a=inactive\r\n", "the stream is inactive: no media flows")
	assert.Contains(t, body, "c=IN IP4 127.0.0.1\r\n", "the channel's address")

	// An offer without audio cannot be answered.
	req := sip.NewRequest(sip.INVITE, ph.uri(n.String(), addr))
	sess, err := ph.dc.WriteInvite(ctx, withBody(req, "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 4000 RTP/AVP 96\r\n"))
	require.NoError(t, err)
	err = sess.WaitAnswer(ctx, waitOpts)
	assert.ErrorContains(t, err, "488", "an offer without audio gets 488")

	// No offer: the 200 carries one.
	req = sip.NewRequest(sip.INVITE, ph.uri(n.String(), addr))
	req.SetBody(nil)
	sess, err = ph.dc.WriteInvite(ctx, req)
	require.NoError(t, err)
	require.NoError(t, sess.WaitAnswer(ctx, waitOpts), "an INVITE without SDP is answered")
	assert.Contains(t, string(sess.InviteResponse.Body()), "m=audio 9 RTP/AVP 0 8\r\n", "the 200 offers audio")
	require.NoError(t, sess.Ack(ctx))
}

func withBody(req *sip.Request, sdp string) *sip.Request {
	req.SetBody([]byte(sdp))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	return req
}

// TestCapacity: a service refuses calls beyond the capacity set, with the
// configured status and a Retry-After, and counts only what it admitted.
func TestCapacity(t *testing.T) {
	for _, busy := range []int{486, 503} {
		t.Run(fmt.Sprint(busy), func(t *testing.T) {
			ctx := t.Context()
			n := num(t, "+1 555 000 1001")
			ph := newPhone(t, sipchannel.UDP)
			ch := startChannel(t, sipchannel.Config{BusyStatus: busy})
			require.NoError(t, ch.SetCapacity(ctx, "expo", 2), "capacity before the service opens applies once it does")
			require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
			addr := addrOf(t, ch, sipchannel.UDP)
			dial := func() answer {
				a, err := ph.call(ctx, addr, n.String())
				require.NoError(t, err)
				return a
			}
			for i := range 2 {
				assert.Equal(t, 200, dial().res.StatusCode, "call %d within capacity", i+1)
			}
			a := dial()
			assert.Equal(t, busy, a.res.StatusCode, "the third call exceeds capacity 2: got %s", a.status())
			require.NotNil(t, a.res.GetHeader("Retry-After"), "a busy refusal carries Retry-After")
			assert.Equal(t, "30", a.res.GetHeader("Retry-After").Value(), "the default Retry-After")
			assert.Equal(t, int64(2), counts(t, ch, "expo").Arrivals, "refused calls are not arrivals")

			require.NoError(t, ch.SetCapacity(ctx, "expo", -1), "no limit")
			assert.Equal(t, 200, dial().res.StatusCode, "without a limit the call is admitted")
			require.NoError(t, ch.SetCapacity(ctx, "expo", 0))
			assert.Equal(t, busy, dial().res.StatusCode, "capacity 0 refuses every call")
			require.NoError(t, ch.Remove(ctx, "expo"))
			require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
			assert.Equal(t, 200, dial().res.StatusCode, "Remove forgets the capacity")

			cctx, cancel := context.WithCancel(ctx)
			cancel()
			assert.ErrorIs(t, ch.SetCapacity(cctx, "expo", 1), context.Canceled, "a done ctx")
		})
	}
}

// TestTeardown: disconnecting one service hangs up its answered calls
// with BYEs and leaves another service's calls alone.
func TestTeardown(t *testing.T) {
	for _, tr := range []string{sipchannel.UDP, sipchannel.TCP} {
		t.Run(tr, func(t *testing.T) {
			checkNoLeaks(t)
			ctx := t.Context()
			a, b := num(t, "+1 555 000 1001"), num(t, "+1 555 000 2001")
			pa, pb := newPhone(t, tr), newPhone(t, tr)
			ch := startChannel(t, sipchannel.Config{Transports: []string{tr}, MaxHangupsInFlight: 3})
			require.NoError(t, ch.Open(ctx, "a", telephony(a)))
			require.NoError(t, ch.Open(ctx, "b", telephony(b)))
			addr := addrOf(t, ch, tr)
			const na, nb = 20, 3
			var wg sync.WaitGroup
			for i := range na + nb {
				wg.Go(func() {
					ph, n := pa, a
					if i >= na {
						ph, n = pb, b
					}
					res, err := ph.call(ctx, addr, n.String())
					if assert.NoError(t, err) {
						assert.Equal(t, 200, res.res.StatusCode, "call to %s: %s", n, res.status())
					}
				})
			}
			wg.Wait()
			calls, err := ch.Calls(ctx, "a")
			require.NoError(t, err)
			require.Len(t, calls, na, "every call to a is live")
			require.NoError(t, ch.Answer(ctx, calls[0].ID), "an agent takes one call")

			require.NoError(t, ch.StopIntake(ctx, "a"))
			res, err := pa.call(ctx, addr, a.String())
			require.NoError(t, err)
			assert.Equal(t, 480, res.res.StatusCode, "after StopIntake: got %s", res.status())

			n, err := ch.Disconnect(ctx, "a")
			require.NoError(t, err)
			assert.Equal(t, na, n, "Disconnect ends every call of a")
			assert.Equal(t, int64(na), pa.byes.Load(), "a's caller got a BYE for each call")
			assert.Zero(t, pb.byes.Load(), "b's caller got no BYE")
			ca := counts(t, ch, "a")
			assert.Zero(t, ca.Live(), "nothing of a is live")
			assert.Equal(t, int64(1), ca.Completed, "the answered call completed")
			assert.Equal(t, int64(na-1), ca.Abandoned, "the calls still queued were abandoned")
			assert.Equal(t, nb, counts(t, ch, "b").Live(), "b keeps its calls")

			n, err = ch.Disconnect(ctx, "a")
			require.NoError(t, err)
			assert.Zero(t, n, "a second Disconnect ends nothing")
		})
	}
}

// TestTeardownRinging: calls still ringing when their service is
// disconnected get 480.
func TestTeardownRinging(t *testing.T) {
	checkNoLeaks(t)
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.UDP)
	ch := startChannel(t, sipchannel.Config{RingTime: time.Hour})
	require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
	addr := addrOf(t, ch, sipchannel.UDP)

	const ringing = 3
	results := make(chan answer, ringing)
	for range ringing {
		go func() {
			a, err := ph.call(ctx, addr, n.String())
			assert.NoError(t, err)
			results <- a
		}()
	}
	// The calls ring: wait until the channel holds them all.
	require.Eventually(t, func() bool { return counts(t, ch, "expo").Waiting == ringing }, 10*time.Second, 5*time.Millisecond,
		"%d calls ringing", ringing)
	calls, err := ch.Calls(ctx, "expo")
	require.NoError(t, err)
	assert.ErrorContains(t, ch.Answer(ctx, calls[0].ID), "still ringing", "an agent cannot take a ringing call")

	got, err := ch.Disconnect(ctx, "expo")
	require.NoError(t, err)
	assert.Equal(t, ringing, got, "Disconnect ends the ringing calls")
	for range ringing {
		a := <-results
		assert.Equal(t, 480, a.res.StatusCode, "a ringing call is refused with 480, got %s", a.status())
	}
	c := counts(t, ch, "expo")
	assert.Zero(t, c.Live())
	assert.Equal(t, int64(ringing), c.Abandoned, "ringing calls ended abandoned")
}

// TestCancelWhileRinging: the caller gives up before the answer.
func TestCancelWhileRinging(t *testing.T) {
	checkNoLeaks(t)
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.UDP)
	ch := startChannel(t, sipchannel.Config{RingTime: time.Hour})
	require.NoError(t, ch.Open(t.Context(), "expo", telephony(n)))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := ph.call(ctx, addrOf(t, ch, sipchannel.UDP), n.String())
		done <- err
	}()
	require.Eventually(t, func() bool { return counts(t, ch, "expo").Waiting == 1 }, 10*time.Second, 5*time.Millisecond, "the call rings")
	cancel() // sends CANCEL
	<-done
	require.Eventually(t, func() bool { return counts(t, ch, "expo").Live() == 0 }, 10*time.Second, 5*time.Millisecond,
		"a cancelled call ends")
	assert.Equal(t, int64(1), counts(t, ch, "expo").Abandoned, "a cancelled call is abandoned")
}

// TestCallerHangsUp: the caller's BYE ends the engagement, completed when
// an agent had it, with the handle time on the channel's clock.
func TestCallerHangsUp(t *testing.T) {
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	clk := newClock(t0)
	ph := newPhone(t, sipchannel.UDP)
	ch := startChannel(t, sipchannel.Config{Now: clk.Now})
	require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
	addr := addrOf(t, ch, sipchannel.UDP)

	kept, err := ph.call(ctx, addr, n.String())
	require.NoError(t, err)
	left, err := ph.call(ctx, addr, n.String())
	require.NoError(t, err)
	calls, err := ch.Calls(ctx, "expo")
	require.NoError(t, err)
	require.Len(t, calls, 2)
	for _, c := range calls {
		assert.Equal(t, modality.Waiting, c.State, "a new call waits")
		assert.Equal(t, "general", c.Queue, "in its entry point's queue")
		assert.Equal(t, n, c.Number)
		assert.Equal(t, t0, c.Arrived, "arrived at the clock's time")
		assert.Equal(t, "UDP", c.Transport)
		assert.NotEmpty(t, c.CallID)
		assert.Contains(t, c.From, "phone@", "the caller's address")
	}
	assert.ElementsMatch(t, []string{kept.id, left.id}, []string{calls[0].ID, calls[1].ID}, "engagement IDs are the To tags")

	clk.Set(t0.Add(time.Minute))
	require.NoError(t, ch.Answer(ctx, kept.id))
	assert.ErrorContains(t, ch.Answer(ctx, kept.id), "already active")
	assert.ErrorIs(t, ch.Answer(ctx, "no-such-call"), modality.ErrNotFound)

	clk.Set(t0.Add(5 * time.Minute))
	require.NoError(t, kept.sess.Bye(ctx), "the caller hangs up the answered call")
	require.NoError(t, left.sess.Bye(ctx), "and the one still queued")
	c := counts(t, ch, "expo")
	assert.Equal(t, modality.Counts{Kind: modality.Telephony, Arrivals: 2, Completed: 1, Abandoned: 1, HandleTime: 4 * time.Minute}, c,
		"one completed after 4 minutes with an agent, one abandoned")
	assert.ErrorIs(t, ch.Hangup(ctx, kept.id), modality.ErrNotFound, "an ended call cannot be hung up")
}

func TestHangup(t *testing.T) {
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.TCP)
	ch := startChannel(t, sipchannel.Config{})
	require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
	a, err := ph.call(ctx, addrOf(t, ch, sipchannel.TCP), n.String())
	require.NoError(t, err)
	require.NoError(t, ch.Hangup(ctx, a.id))
	assert.Equal(t, int64(1), ph.byes.Load(), "the caller got a BYE")
	assert.Zero(t, counts(t, ch, "expo").Live())
}

// TestReceptionist: keys pressed (SIP INFO) go to the receptionist, which
// hands the call to a queue.
func TestReceptionist(t *testing.T) {
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.UDP)
	ch := startChannel(t, sipchannel.Config{})
	s := modality.Setup{
		EntryPoints: []modality.EntryPoint{{Name: "desk", Kind: modality.Telephony, Address: n.String()}},
		Queues:      []string{"general", "lost-found"},
		Receptionist: &modality.Receptionist{Greeting: "Welcome.", ClosedMessage: "Closed.", Options: []modality.Option{
			{Key: "1", Label: "Opening hours", Answer: "Nine to five."},
			{Key: "2", Label: "Lost and found", Queue: "lost-found"},
		}},
	}
	require.NoError(t, ch.Open(ctx, "expo", s))
	a, err := ph.call(ctx, addrOf(t, ch, sipchannel.UDP), n.String())
	require.NoError(t, err)
	queue := func() string {
		calls, err := ch.Calls(ctx, "expo")
		require.NoError(t, err)
		require.Len(t, calls, 1)
		return calls[0].Queue
	}
	assert.Equal(t, "", queue(), "a call on an entry point without a queue is with the receptionist")

	info := func(ct, body string) *sip.Response {
		req := sip.NewRequest(sip.INFO, a.sess.InviteResponse.Contact().Address)
		req.SetBody([]byte(body))
		req.AppendHeader(sip.NewHeader("Content-Type", ct))
		res, err := a.sess.Do(ctx, req)
		require.NoError(t, err, "INFO %q", body)
		return res
	}
	assert.Equal(t, 200, info("application/dtmf-relay", "Signal=1\r\nDuration=160\r\n").StatusCode)
	assert.Equal(t, "", queue(), "an answer keeps the caller with the receptionist")
	assert.Equal(t, 415, info("text/plain", "2").StatusCode, "only DTMF bodies")
	assert.Equal(t, 200, info("application/dtmf", "2").StatusCode)
	assert.Equal(t, "lost-found", queue(), "key 2 hands the call to lost-found")
}

func TestInDialogRequests(t *testing.T) {
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.UDP)
	ch := startChannel(t, sipchannel.Config{NoMedia: true})
	require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
	addr := addrOf(t, ch, sipchannel.UDP)
	a, err := ph.call(ctx, addr, n.String())
	require.NoError(t, err)

	reinvite := withBody(sip.NewRequest(sip.INVITE, a.sess.InviteResponse.Contact().Address), offer)
	res, err := a.sess.Do(ctx, reinvite)
	require.NoError(t, err)
	assert.Equal(t, 200, res.StatusCode, "a re-INVITE of a live call is accepted")
	assert.Contains(t, string(res.Body()), "a=inactive", "with an SDP answer")

	opts, err := ph.client.Do(ctx, sip.NewRequest(sip.OPTIONS, ph.uri("", addr)))
	require.NoError(t, err)
	assert.Equal(t, 200, opts.StatusCode, "OPTIONS")
	assert.Contains(t, opts.GetHeader("Allow").Value(), "INVITE")
	reg, err := ph.client.Do(ctx, sip.NewRequest(sip.REGISTER, ph.uri("", addr)))
	require.NoError(t, err)
	assert.Equal(t, 405, reg.StatusCode, "REGISTER is not handled")

	// A BYE for a dialog the channel does not know.
	bye := sip.NewRequest(sip.BYE, ph.uri(n.String(), addr))
	to := &sip.ToHeader{Address: ph.uri(n.String(), addr), Params: sip.NewParams()}
	to.Params.Add("tag", "nope")
	bye.AppendHeader(to)
	res, err = ph.client.Do(ctx, bye)
	require.NoError(t, err)
	assert.Equal(t, 481, res.StatusCode, "BYE outside any dialog")
}

func TestOpenValidates(t *testing.T) {
	ctx := t.Context()
	ch := startChannel(t, sipchannel.Config{})
	n := num(t, "+1 555 000 1001")
	for _, tc := range []struct {
		name        string
		change      func(s *modality.Setup)
		want        []string
		unsupported bool
	}{
		{"kind not served", func(s *modality.Setup) { s.EntryPoints[0].Kind = modality.Chat },
			[]string{"entryPoints[0].kind", "chat"}, true},
		{"unknown kind", func(s *modality.Setup) { s.EntryPoints[0].Kind = "fax" }, []string{"entryPoints[0].kind", "fax"}, true},
		{"not a number", func(s *modality.Setup) { s.EntryPoints[0].Address = "help@expo" }, []string{"entryPoints[0].address"}, false},
		{"number twice", func(s *modality.Setup) {
			s.EntryPoints = append(s.EntryPoints, modality.EntryPoint{Name: "b", Kind: modality.Telephony, Address: "+1 (555) 000-1001", Queue: "general"})
		}, []string{"entryPoints[1].address", "duplicates entryPoints[0].address"}, false},
		{"queue not in setup", func(s *modality.Setup) { s.EntryPoints[0].Queue = "press" }, []string{"entryPoints[0].queue", `"press"`}, false},
		{"nowhere to send", func(s *modality.Setup) { s.EntryPoints[0].Queue = ""; s.Queues = nil },
			[]string{"neither a receptionist nor a queue"}, false},
		{"everything at once", func(s *modality.Setup) { s.EntryPoints[0].Kind = modality.Chat; s.Queues = []string{"", "x", "x"} },
			[]string{"entryPoints[0].kind", "queues[0]: empty", `queues[2]: "x" duplicates`}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := telephony(n)
			tc.change(&s)
			err := ch.Open(ctx, "expo", s)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Equal(t, tc.unsupported, errors.Is(err, modality.ErrUnsupported), "ErrUnsupported: %v", err)
		})
	}

	require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
	err := ch.Open(ctx, "other", telephony(n))
	require.ErrorIs(t, err, sipchannel.ErrAddressInUse, "one number, two services")
	assert.Contains(t, err.Error(), `service "expo"`, "the error names the service holding the number")
	require.NoError(t, ch.Open(ctx, "expo", telephony(n, num(t, "+1 555 000 1002"))), "reopening with the same number and one more")
}

// TestDisconnectContextDone: a Disconnect cut short leaves what it did not
// end live and counted, for the next one.
func TestDisconnectContextDone(t *testing.T) {
	checkNoLeaks(t)
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.UDP)
	ch := startChannel(t, sipchannel.Config{HangupRate: 2}) // one BYE every 500 ms
	require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
	const calls = 4
	for range calls {
		a, err := ph.call(ctx, addrOf(t, ch, sipchannel.UDP), n.String())
		require.NoError(t, err)
		require.Equal(t, 200, a.res.StatusCode)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	ended, err := ch.Disconnect(short, "expo")
	require.ErrorIs(t, err, context.DeadlineExceeded, "the pace cannot end 4 calls in 100 ms")
	assert.Less(t, ended, calls, "not every call ended")
	assert.Equal(t, calls-ended, counts(t, ch, "expo").Live(), "what was not ended stays live and counted")

	rest, err := ch.Disconnect(ctx, "expo")
	require.NoError(t, err)
	assert.Equal(t, calls, ended+rest, "the next Disconnect ends the rest")
	assert.Equal(t, int64(calls), ph.byes.Load(), "every call got exactly one BYE")
}

// TestShutdown: the whole channel stops gracefully: live calls get BYEs
// before the sockets close, nothing is admitted afterwards, and no
// goroutine is left.
func TestShutdown(t *testing.T) {
	checkNoLeaks(t)
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	ch, err := sipchannel.New(sipchannel.Config{Listen: []string{"127.0.0.1:0"}})
	require.NoError(t, err)
	runErr := make(chan error, 1)
	go func() { runErr <- ch.Run(ctx) }()
	require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
	ph := newPhone(t, sipchannel.UDP)
	for range 5 {
		a, err := ph.call(ctx, addrOf(t, ch, sipchannel.UDP), n.String())
		require.NoError(t, err)
		require.Equal(t, 200, a.res.StatusCode)
	}

	require.NoError(t, ch.Shutdown(ctx))
	assert.Equal(t, int64(5), ph.byes.Load(), "every live call got a BYE before the sockets closed")
	assert.Zero(t, counts(t, ch, "expo").Live(), "Counts still reports after Shutdown")
	assert.NoError(t, <-runErr, "Run returns nil after Shutdown")
	assert.NoError(t, ch.Shutdown(ctx), "Shutdown is idempotent")
	assert.ErrorIs(t, ch.Open(ctx, "expo", telephony(n)), sipchannel.ErrClosed)
	assert.ErrorIs(t, ch.Run(ctx), sipchannel.ErrClosed)
}

// TestRunContext: Run shuts the channel down when its context ends.
func TestRunContext(t *testing.T) {
	checkNoLeaks(t)
	n := num(t, "+1 555 000 1001")
	ch, err := sipchannel.New(sipchannel.Config{Listen: []string{"127.0.0.1:0"}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	runErr := make(chan error, 1)
	go func() { runErr <- ch.Run(ctx) }()
	require.NoError(t, ch.Open(t.Context(), "expo", telephony(n)))
	ph := newPhone(t, sipchannel.TCP)
	a, err := ph.call(t.Context(), addrOf(t, ch, sipchannel.TCP), n.String())
	require.NoError(t, err)
	require.Equal(t, 200, a.res.StatusCode)
	cancel()
	assert.ErrorIs(t, <-runErr, context.Canceled, "Run returns ctx's error")
	assert.Equal(t, int64(1), ph.byes.Load(), "the live call got a BYE")
}

var waitOpts = sipgo.AnswerOptions{}
