package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun runs the hotline for a short term on a free port: the banner
// describes the numbers, a call to an event number is answered and stays
// up until the term ends (then it gets a BYE), the forwarded number
// redirects, the vacant one is not found, and the report proves nothing
// is left.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"-listen", "127.0.0.1:0", "-term", "3s", "-tick", "50ms"}, pw)
		pw.CloseWithError(err)
		done <- err
	}()
	lines := bufio.NewScanner(pr)
	require.True(t, lines.Scan(), "the command prints a first line: %v", lines.Err())
	var b banner
	require.NoError(t, json.Unmarshal(lines.Bytes(), &b), "the first line is JSON: %s", lines.Text())
	assert.Equal(t, []string{"udp", "tcp"}, b.Transports)
	assert.Equal(t, eventNumbers, b.Active, "the event's numbers")
	assert.Equal(t, map[string]string{forwarded: forwardTo}, b.Forward)
	assert.Equal(t, []string{vacant}, b.Vacant)
	require.NotContains(t, b.Listen, ":0", "the port actually bound")

	ph := newPhone(t)
	a := ph.call(t, ctx, b.Listen, b.Active[0])
	assert.Equal(t, 200, a.StatusCode, "an event number is answered: %s", a.StartLine())
	a = ph.call(t, ctx, b.Listen, forwarded)
	require.Equal(t, 302, a.StatusCode, "a retired number forwards: %s", a.StartLine())
	assert.Equal(t, "tel:"+forwardTo, a.Contact().Address.String())
	a = ph.call(t, ctx, b.Listen, vacant)
	assert.Equal(t, 404, a.StatusCode, "a vacant number: %s", a.StartLine())

	var rest []string
	for lines.Scan() {
		rest = append(rest, lines.Text())
	}
	require.NoError(t, <-done, "run")
	report := strings.Join(rest, "\n")
	assert.Contains(t, report, "report for hotline: terminated")
	assert.Contains(t, report, "closing: 1 end point(s) disconnected", "the call still up at the term's end was disconnected")
	assert.Contains(t, report, "proof: inventory empty, 0 grant(s) authorising, 0 end point(s) live")
	assert.Equal(t, int64(1), ph.byes.Load(), "the caller got the BYE")
}

// phone is a minimal SIP caller that answers BYEs.
type phone struct {
	dc   *sipgo.DialogClientCache
	byes atomic.Int64
}

func newPhone(t *testing.T) *phone {
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
	p := &phone{dc: sipgo.NewDialogClientCache(client, sip.ContactHeader{
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

// call dials number at addr and returns the final response; a 2xx is
// ACKed and the call stays up.
func (p *phone) call(t *testing.T, ctx context.Context, addr, number string) *sip.Response {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	n, _ := strconv.Atoi(port)
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
