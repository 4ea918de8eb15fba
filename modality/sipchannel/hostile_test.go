package sipchannel_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/sipchannel"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

// rawSeq makes raw requests unique.
var rawSeq atomic.Int64

// rawInvite is an INVITE for user at addr written by hand, over transport
// tr, from the local port from; headers named in drop are left out, and
// extra lines are added.
func rawInvite(tr, user, addr string, from int, body string, drop []string, extra ...string) (msg, branch string) {
	n := rawSeq.Add(1)
	branch = fmt.Sprintf("z9hG4bK-raw-%d", n)
	lines := []string{
		"Via: SIP/2.0/" + strings.ToUpper(tr) + " 127.0.0.1:" + strconv.Itoa(from) + ";branch=" + branch,
		"From: <sip:raw@127.0.0.1>;tag=raw" + strconv.FormatInt(n, 10),
		"To: <sip:" + user + "@" + addr + ">",
		"Call-ID: raw-" + strconv.FormatInt(n, 10),
		"CSeq: 1 INVITE",
		"Contact: <sip:raw@127.0.0.1:" + strconv.Itoa(from) + ">",
		"Max-Forwards: 70",
		"Content-Type: application/sdp",
	}
	var b strings.Builder
	b.WriteString("INVITE sip:" + user + "@" + addr + " SIP/2.0\r\n")
	for _, l := range lines {
		name, _, _ := strings.Cut(l, ":")
		if !slicesContains(drop, name) {
			b.WriteString(l + "\r\n")
		}
	}
	for _, l := range extra {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	return b.String(), branch
}

func slicesContains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// rawAck is the ACK of a non-2xx final response res to the raw INVITE
// with the given branch: same branch, To with the response's tag.
func rawAck(tr, user, addr string, from int, branch, res string) string {
	var to, callID, fromH string
	for _, l := range strings.Split(res, "\r\n") {
		switch {
		case strings.HasPrefix(l, "To:"):
			to = l
		case strings.HasPrefix(l, "Call-ID:"):
			callID = l
		case strings.HasPrefix(l, "From:"):
			fromH = l
		}
	}
	return "ACK sip:" + user + "@" + addr + " SIP/2.0\r\n" +
		"Via: SIP/2.0/" + strings.ToUpper(tr) + " 127.0.0.1:" + strconv.Itoa(from) + ";branch=" + branch + "\r\n" +
		fromH + "\r\n" + to + "\r\n" + callID + "\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
}

// udpPeer is a hand-written SIP peer on a UDP socket.
type udpPeer struct {
	pc   net.PacketConn
	to   net.Addr
	port int
}

func newUDPPeer(t *testing.T, addr string) *udpPeer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	to, err := net.ResolveUDPAddr("udp", addr)
	require.NoError(t, err)
	return &udpPeer{pc: pc, to: to, port: pc.LocalAddr().(*net.UDPAddr).Port}
}

func (p *udpPeer) send(t *testing.T, msg string) {
	t.Helper()
	_, err := p.pc.WriteTo([]byte(msg), p.to)
	require.NoError(t, err)
}

// final returns the first final response (to the request with the given
// Via branch, when not "") that arrives within wait, or "" when none does.
func (p *udpPeer) final(wait time.Duration, branch string) string {
	buf := make([]byte, 65536)
	deadline := time.Now().Add(wait)
	for {
		_ = p.pc.SetReadDeadline(deadline)
		n, _, err := p.pc.ReadFrom(buf)
		if err != nil {
			return ""
		}
		msg := string(buf[:n])
		if strings.HasPrefix(msg, "SIP/2.0 1") || branch != "" && !strings.Contains(msg, "branch="+branch) {
			continue // provisional, or a late response to another request
		}
		return msg
	}
}

func statusLine(msg string) string {
	line, _, _ := strings.Cut(msg, "\r\n")
	return line
}

// recorder sink: keeps what is logged, to check levels.
type logRecord struct {
	level int
	err   bool
	name  string
	msg   string
}

type recordingSink struct {
	name string
	log  *recordLog
}

type recordLog struct {
	mu      sync.Mutex
	records []logRecord
}

func newRecordingLogger() (logr.Logger, func() []logRecord) {
	l := &recordLog{}
	return logr.New(&recordingSink{log: l}), func() []logRecord {
		l.mu.Lock()
		defer l.mu.Unlock()
		return append([]logRecord(nil), l.records...)
	}
}

func (s *recordingSink) Init(logr.RuntimeInfo)  {}
func (s *recordingSink) Enabled(level int) bool { return level <= 9 }
func (s *recordingSink) Info(level int, msg string, _ ...any) {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	s.log.records = append(s.log.records, logRecord{level: level, name: s.name, msg: msg})
}
func (s *recordingSink) Error(_ error, msg string, _ ...any) {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	s.log.records = append(s.log.records, logRecord{err: true, name: s.name, msg: msg})
}
func (s *recordingSink) WithValues(...any) logr.LogSink { return s }
func (s *recordingSink) WithName(name string) logr.LogSink {
	n := name
	if s.name != "" {
		n = s.name + "/" + name
	}
	return &recordingSink{name: n, log: s.log}
}

// TestHostileInput sends what a hostile or broken peer sends: garbage,
// truncated and oversized messages, missing headers, numbers with
// letters, broken SDP. Each is refused or dropped, the channel keeps
// serving, and sipgo's complaints stay out of the host's error log.
func TestHostileInput(t *testing.T) {
	checkNoLeaks(t)
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	log, records := newRecordingLogger()
	ph := newPhone(t, sipchannel.UDP)
	ch := startChannel(t, sipchannel.Config{Logger: log})
	require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
	addr := addrOf(t, ch, sipchannel.UDP)
	p := newUDPPeer(t, addr)

	garbage := make([]byte, 1200)
	for i := range garbage {
		garbage[i] = byte(i*7 + 13)
	}
	raw := func(user, body string, drop []string, extra ...string) [2]string {
		m, b := rawInvite("udp", user, addr, p.port, body, drop, extra...)
		return [2]string{m, b}
	}
	for _, tc := range []struct {
		name string
		msg  [2]string // the message and its branch
		want string    // status line prefix of the response; "" for none
	}{
		{"binary garbage", [2]string{string(garbage)}, ""},
		{"keep-alive", [2]string{"\r\n\r\n"}, ""},
		{"truncated", [2]string{"INVITE sip:+15550001001@" + addr + " SIP/2.0\r\nVia: SIP/2.0/UDP"}, ""},
		{"oversized datagram", raw(n.String(), offer, nil, "X-Padding: "+strings.Repeat("x", 60000)), ""},
		{"letters", raw("+1555CALLNOW", offer, nil), "SIP/2.0 404"},
		{"no Contact", raw(n.String(), offer, []string{"Contact"}), "SIP/2.0 400"},
		{"no To", raw("service", offer, []string{"To"}), "SIP/2.0 404"},
		{"no CSeq", raw(n.String(), offer, []string{"CSeq"}), "SIP/2.0 400"},
		{"no Call-ID", raw(n.String(), offer, []string{"Call-ID"}), "SIP/2.0 400"},
		{"broken SDP", raw(n.String(), "m=audio\r\nm=\r\nv=0\r\n", nil), "SIP/2.0 488"},
		// diago v0.42.1's parser panics on this c= line (FuzzMediaOffer).
		{"a c= line of one field", raw(n.String(), "v=0\r\no=0 0 0 0 0 0\r\nc=00\r\nm=audio 1 RTP/AVP 0\r\n", nil), "SIP/2.0 488"},
		// The 404 would echo the 5,000-digit To: too big for a datagram,
		// so nothing can answer it over UDP (over TCP it gets 404, below).
		{"huge number", raw("+"+strings.Repeat("1", 5000), offer, nil), ""},
		{"control characters in the user", raw("%2B1555%0D%0A0001001", offer, nil), "SIP/2.0 404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.send(t, tc.msg[0])
			wait := 2 * time.Second
			if tc.want == "" {
				wait = 300 * time.Millisecond // nothing should come: do not wait long for it
			}
			got := p.final(wait, tc.msg[1])
			if tc.want == "" {
				assert.Empty(t, statusLine(got), "no response to a message that is not SIP")
				return
			}
			assert.True(t, strings.HasPrefix(got, tc.want), "want %q, got %q", tc.want, statusLine(got))
			assert.NotContains(t, got, "X-Padding", "nothing of the request beyond what SIP copies comes back")
		})
	}

	t.Run("tcp", func(t *testing.T) {
		for _, msg := range []string{
			string(garbage),
			"INVITE sip:x@y SIP/2.0\r\nContent-Length: 99999999\r\n\r\n",
			"INVITE sip:+15550001001@" + addr + " SIP/2.0\r\nX-Padding: " + strings.Repeat("y", 70000) + "\r\n\r\n",
			"INVITE sip:+15550001001@" + addr + " SIP/2.0\r\nVia: SIP/2.0/TCP 1.2.3.4", // and hang up mid-message
		} {
			c, err := net.Dial("tcp", addrOf(t, ch, sipchannel.TCP))
			require.NoError(t, err)
			_, _ = c.Write([]byte(msg))
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			_, _ = io.Copy(io.Discard, bufio.NewReader(c)) // until the channel closes it, or the deadline
			c.Close()
		}
		c, err := net.Dial("tcp", addrOf(t, ch, sipchannel.TCP))
		require.NoError(t, err)
		defer c.Close()
		msg, _ := rawInvite("tcp", "+"+strings.Repeat("1", 5000), addr, c.LocalAddr().(*net.TCPAddr).Port, offer, nil)
		_, err = c.Write([]byte(msg))
		require.NoError(t, err)
		res := readTCPResponse(t, c, bufio.NewReader(c))
		assert.True(t, strings.HasPrefix(res, "SIP/2.0 404"), "a huge number over TCP: want 404, got %q", statusLine(res))
	})

	assert.GreaterOrEqual(t, ch.Dropped(), uint64(3), "garbage, the keep-alive and the truncated message dropped unparsed")

	// The channel still serves, and counted only the call it admitted.
	a, err := ph.call(ctx, addr, n.String())
	require.NoError(t, err)
	assert.Equal(t, 200, a.res.StatusCode, "a good call after all that: %s", a.status())
	assert.Equal(t, int64(1), counts(t, ch, "expo").Arrivals, "refused requests are not arrivals")

	var sipgoInfo int
	for _, r := range records() {
		if strings.Contains(r.name, "sipgo") {
			assert.False(t, r.err, "sipgo's %q reached the host's error log", r.msg)
			if r.level >= 1 {
				sipgoInfo++
			}
		}
	}
	assert.Positive(t, sipgoInfo, "sipgo's logs reach the host's logger, at V(1) and above")
}

// TestRejectionsDoNotPileUpGoroutines: a thousand refused calls, each
// ACKed, leave no goroutine behind. sipgo hands an ACK nobody reads to a
// goroutine parked for Timer I (5 s); the channel reads it.
func TestRejectionsDoNotPileUpGoroutines(t *testing.T) {
	for _, tr := range []string{sipchannel.UDP, sipchannel.TCP} {
		t.Run(tr, func(t *testing.T) {
			checkNoLeaks(t)
			ch := startChannel(t, sipchannel.Config{Numbers: memnumbermap.New()}) // every number unknown: 404
			addr := addrOf(t, ch, tr)
			var (
				send  func(string)
				final func() string
				port  int
			)
			var last string
			if tr == sipchannel.UDP {
				p := newUDPPeer(t, addr)
				send, port = func(m string) { last = m; p.send(t, m) }, p.port
				final = func() string {
					// Datagrams get lost on a loaded machine: retransmit
					// the INVITE as a UAC would (Timer A), a bounded
					// number of times.
					for range 8 {
						if res := p.final(500*time.Millisecond, ""); res != "" {
							return res
						}
						p.send(t, last)
					}
					return ""
				}
			} else {
				c, err := net.Dial("tcp", addr)
				require.NoError(t, err)
				t.Cleanup(func() { c.Close() })
				port = c.LocalAddr().(*net.TCPAddr).Port
				r := bufio.NewReader(c)
				send = func(m string) { _, err := c.Write([]byte(m)); require.NoError(t, err) }
				final = func() string { return readTCPResponse(t, c, r) }
			}

			const calls = 1000
			before := runtime.NumGoroutine()
			peak := before
			for i := range calls {
				msg, branch := rawInvite(tr, "+15550001001", addr, port, offer, nil)
				send(msg)
				res := final()
				require.True(t, strings.HasPrefix(res, "SIP/2.0 404"), "call %d: want 404, got %q", i, statusLine(res))
				send(rawAck(tr, "+15550001001", addr, port, branch, res))
				peak = max(peak, runtime.NumGoroutine())
			}
			assert.Less(t, peak-before, 100,
				"%d rejections, each ACKed, must not pile up goroutines (started with %d, peaked at %d)", calls, before, peak)
		})
	}
}

// readTCPResponse reads one SIP response from a stream.
func readTCPResponse(t *testing.T, c net.Conn, r *bufio.Reader) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		var b strings.Builder
		length := 0
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return ""
			}
			b.WriteString(line)
			if v, ok := strings.CutPrefix(line, "Content-Length:"); ok {
				length, _ = strconv.Atoi(strings.TrimSpace(v))
			}
			if line == "\r\n" {
				break
			}
		}
		if length > 0 {
			body := make([]byte, length)
			if _, err := io.ReadFull(r, body); err != nil {
				return ""
			}
			b.Write(body)
		}
		if msg := b.String(); !strings.HasPrefix(msg, "SIP/2.0 1") {
			return msg
		}
	}
}
