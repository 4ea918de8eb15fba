package sipchannel_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/sipchannel"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/numberplan"
)

// offer is the SDP offer test calls carry, the shape SIPp sends.
const offer = "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
	"m=audio 40000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"

// quiet is a logger for the test phones' sipgo stacks.
var quiet = slog.New(slog.DiscardHandler)

// TestMain silences sipgo's package-wide default logger, which a few of
// sipgo's connection bookkeeping messages go to whatever logger their
// stack was given ("ref went negative" warnings when a peer closes a
// connection). The test binary is the host here; the channel itself never
// touches that logger. It also says when the SIPp tests skip.
func TestMain(m *testing.M) {
	sip.SetDefaultLogger(quiet)
	noteSIPpSkipped()
	os.Exit(m.Run())
}

// startChannel makes a channel from cfg (listening on a free loopback
// port unless cfg says otherwise), runs it, and shuts it down when the
// test ends, checking that the shutdown is clean.
func startChannel(t testing.TB, cfg sipchannel.Config) *sipchannel.Channel {
	t.Helper()
	if len(cfg.Listen) == 0 {
		cfg.Listen = []string{"127.0.0.1:0"}
	}
	ch, err := sipchannel.New(cfg)
	require.NoError(t, err, "New(%+v)", cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ch.Run(ctx) }()
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer scancel()
		if err := ch.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		cancel()
		// ErrClosed: the test ended before Run even started serving.
		if err := <-done; err != nil && !errors.Is(err, sipchannel.ErrClosed) {
			t.Errorf("Run returned %v after Shutdown, want nil", err)
		}
	})
	return ch
}

// addrOf returns the channel's address for transport tr.
func addrOf(t testing.TB, ch *sipchannel.Channel, tr string) string {
	t.Helper()
	a := chAddr(ch, tr)
	if a == "" {
		t.Fatalf("the channel serves no %s address: %v", tr, ch.Addrs())
	}
	return a
}

// chAddr returns the channel's address for transport tr, or "".
func chAddr(ch *sipchannel.Channel, tr string) string {
	for _, a := range ch.Addrs() {
		if a.Transport == tr {
			return a.Address
		}
	}
	return ""
}

// phone is a SIP caller for tests: a sipgo stack with its own UDP socket
// for requests sent to its Contact. It places calls, ACKs answers and
// answers the BYEs it gets (counting them).
type phone struct {
	tr     string // sipchannel.UDP or TCP
	ua     *sipgo.UserAgent
	client *sipgo.Client
	dc     *sipgo.DialogClientCache
	byes   atomic.Int64
	port   int // the UDP port it listens on

	mu     sync.Mutex
	dialed map[string]bool // addresses called, whose connections cleanup closes
}

// newPhone makes a phone calling over transport tr; it is closed when the
// test ends.
func newPhone(t testing.TB, tr string) *phone {
	t.Helper()
	return newSIPPhone(t, tr, "phone", func(p *phone, srv *sipgo.Server, _ sip.ContactHeader) {
		srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
			p.byes.Add(1)
			if err := p.dc.ReadBye(req, tx); err != nil {
				_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
			}
		})
		srv.OnAck(func(*sip.Request, sip.ServerTransaction) {})
	})
}

// newSIPPhone makes a SIP user agent for the tests: a phone of user,
// listening on a loopback UDP port (and calling from it over UDP), whose
// requests handle registers on its server before it serves; it is closed
// when the test ends.
func newSIPPhone(t testing.TB, tr, user string, handle func(p *phone, srv *sipgo.Server, contact sip.ContactHeader)) *phone {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent(user),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet),
			sip.WithTransactionLayerUnhandledResponseHandler(func(*sip.Response) {})),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)))
	require.NoError(t, err)
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	require.NoError(t, err)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	port := pc.LocalAddr().(*net.UDPAddr).Port
	opts := []sipgo.ClientOption{sipgo.WithClientLogger(quiet)}
	if tr == sipchannel.UDP {
		// Send from the phone's own socket, like SIPp: no client socket
		// per destination.
		opts = append(opts, sipgo.WithClientConnectionAddr(pc.LocalAddr().String()))
	}
	client, err := sipgo.NewClient(ua, opts...)
	require.NoError(t, err)

	p := &phone{tr: tr, ua: ua, client: client, dialed: map[string]bool{}, port: port}
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: user, Host: "127.0.0.1", Port: port}}
	p.dc = sipgo.NewDialogClientCache(client, contact)
	handle(p, srv, contact)
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.ServeUDP(pc) })
	// The socket serves requests once sipgo has registered it; the first
	// call must not come before (bounded wait on sipgo's pool).
	for i := 0; ua.TransportLayer().Pool("udp").Size() == 0; i++ {
		require.Less(t, i, 2000, "the phone's socket was not registered")
		time.Sleep(time.Millisecond)
	}
	t.Cleanup(func() {
		// sipgo v1.7.2 can lose count of a connection's references (it logs
		// "ref went negative"); its pool then skips the connection when the
		// stack closes, and the connection's reader goroutine stays. Close
		// the phone's own client connections by hand.
		p.mu.Lock()
		for addr := range p.dialed {
			for _, network := range []string{"udp", "tcp"} {
				if c, err := ua.TransportLayer().GetConnection(network, addr); err == nil && c != nil {
					_ = c.Close()
				}
			}
		}
		p.mu.Unlock()
		pc.Close()
		ua.Close()
		wg.Wait()
	})
	return p
}

// answer is how a call went.
type answer struct {
	res  *sip.Response // the final response
	sess *sipgo.DialogClientSession
	id   string // with a 2xx: the To tag, the engagement ID
}

// uri is the URI of user at addr over the phone's transport.
func (p *phone) uri(user, addr string) sip.Uri {
	host, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	u := sip.Uri{Scheme: "sip", User: user, Host: host, Port: n}
	if p.tr == sipchannel.TCP {
		u.UriParams = sip.NewParams()
		u.UriParams.Add("transport", "tcp")
	}
	return u
}

// call dials user (a number, usually) at addr and returns the final
// response; a 2xx is ACKed and the call stays up.
func (p *phone) call(ctx context.Context, addr, user string, headers ...sip.Header) (answer, error) {
	return p.invite(ctx, sip.NewRequest(sip.INVITE, p.uri(user, addr)), headers...)
}

// invite sends req (an INVITE whose request line is set) with the SDP
// offer and returns the final response, ACKing a 2xx.
func (p *phone) invite(ctx context.Context, req *sip.Request, headers ...sip.Header) (answer, error) {
	return p.inviteSDP(ctx, req, offer, headers...)
}

// inviteSDP is invite with the SDP offer sdp.
func (p *phone) inviteSDP(ctx context.Context, req *sip.Request, sdp string, headers ...sip.Header) (answer, error) {
	p.mu.Lock()
	p.dialed[req.Destination()] = true
	p.mu.Unlock()
	req.SetBody([]byte(sdp))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	if p.tr == sipchannel.TCP {
		req.SetTransport("TCP")
	}
	for _, h := range headers {
		req.AppendHeader(h)
	}
	sess, err := p.dc.WriteInvite(ctx, req)
	if err != nil {
		return answer{}, err
	}
	err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{})
	var de *sipgo.ErrDialogResponse
	if errors.As(err, &de) {
		return answer{res: de.Res}, nil
	}
	if err != nil {
		return answer{}, err
	}
	if err := sess.Ack(ctx); err != nil {
		return answer{}, fmt.Errorf("ACK: %w", err)
	}
	tag, _ := sess.InviteResponse.To().Params.Get("tag")
	return answer{res: sess.InviteResponse, sess: sess, id: tag}, nil
}

// status is the final status of a call, for messages.
func (a answer) status() string {
	if a.res == nil {
		return "no response"
	}
	return fmt.Sprintf("%d %s", a.res.StatusCode, a.res.Reason)
}

// t0 is when the tests' terms are measured from.
var t0 = time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)

// clock is a settable clock for the channel's Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(at time.Time) *clock { return &clock{now: at} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = at
}

// num parses a test number (fictional ranges included).
func num(t testing.TB, s string) numbermap.Number {
	t.Helper()
	n, err := numberplan.ParseWith(s, numberplan.Options{Possible: true})
	require.NoError(t, err, "test number %q", s)
	return n
}

// telephony is a setup with one entry point per number, all leading to
// the queue "general".
func telephony(numbers ...numbermap.Number) modality.Setup {
	s := modality.Setup{Queues: []string{"general"}}
	for i, n := range numbers {
		s.EntryPoints = append(s.EntryPoints, modality.EntryPoint{
			Name: fmt.Sprintf("phone-%d", i+1), Kind: modality.Telephony, Address: n.String(), Queue: "general"})
	}
	return s
}

// counts returns a service's telephony counts.
func counts(t testing.TB, ch *sipchannel.Channel, svc string) modality.Counts {
	t.Helper()
	cs, err := ch.Counts(context.Background(), svc)
	require.NoError(t, err)
	require.Len(t, cs, 1, "one entry: telephony")
	return cs[0]
}

// sipGoroutines counts the goroutines running code of sipgo or of this
// package (not of its tests).
func sipGoroutines() (int, string) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var (
		count int
		dump  strings.Builder
	)
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "github.com/emiago/sipgo") || strings.Contains(g, "eventcc/modality/sipchannel.") {
			count++
			if dump.Len() < 16<<10 {
				dump.WriteString(g + "\n\n")
			}
		}
	}
	return count, dump.String()
}

// checkNoLeaks fails the test if, once the test and its cleanups are
// done, more sipgo or channel goroutines run than when it started. Like
// goleak, it polls for a bounded time: goroutines that are on their way
// out get to finish. Call it first, so its cleanup runs last.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	before, _ := sipGoroutines()
	t.Cleanup(func() {
		deadline := time.Now().Add(15 * time.Second)
		for {
			n, dump := sipGoroutines()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%d sipgo/channel goroutine(s) left after the test (%d before); want none:\n%s", n-before, before, dump)
				return
			}
			runtime.Gosched()
			time.Sleep(20 * time.Millisecond) // polling for goroutines to exit, as goleak does
		}
	})
}

// splitHostPort splits a host:port the test knows is well formed.
func splitHostPort(t testing.TB, addr string) (string, int) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	return host, n
}
