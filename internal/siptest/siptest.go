// Package siptest is a minimal SIP caller for tests and examples: it
// dials a number over UDP on loopback, ACKs an answer, keeps the call up
// and answers (and counts) the BYEs it receives.
package siptest

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/require"
)

// Phone is a SIP caller on a UDP socket of its own, closed when the test
// ends.
type Phone struct {
	dc   *sipgo.DialogClientCache
	byes atomic.Int64
}

// NewPhone returns a Phone listening on a free loopback port.
func NewPhone(t testing.TB) *Phone {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet),
			sip.WithTransactionLayerUnhandledResponseHandler(func(*sip.Response) {})),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)))
	require.NoError(t, err)
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	require.NoError(t, err)
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(quiet))
	require.NoError(t, err)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &Phone{dc: sipgo.NewDialogClientCache(client, sip.ContactHeader{
		Address: sip.Uri{Scheme: "sip", User: "phone", Host: "127.0.0.1", Port: pc.LocalAddr().(*net.UDPAddr).Port}})}
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		p.byes.Add(1)
		_ = p.dc.ReadBye(req, tx)
	})
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.ServeUDP(pc) })
	t.Cleanup(func() {
		pc.Close()
		ua.Close()
		wg.Wait()
	})
	return p
}

// Byes returns how many BYEs the phone has received.
func (p *Phone) Byes() int64 { return p.byes.Load() }

// Call dials number at addr ("host:port", UDP) with an audio offer and
// returns the final response; a 2xx is ACKed and the call stays up.
func (p *Phone) Call(t testing.TB, ctx context.Context, addr, number string) *sip.Response {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	sess, err := p.dc.Invite(ctx, sip.Uri{Scheme: "sip", User: number, Host: host, Port: n},
		[]byte("v=0\r\no=p 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"),
		sip.NewHeader("Content-Type", "application/sdp"))
	require.NoError(t, err)
	err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{})
	var de *sipgo.ErrDialogResponse
	if errors.As(err, &de) {
		return de.Res
	}
	require.NoError(t, err, "call to %s", number)
	require.NoError(t, sess.Ack(ctx))
	return sess.InviteResponse
}
