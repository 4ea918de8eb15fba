package sipchannel_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io/fs"
	"math"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/sipchannel"
	"github.com/eventcc/eventcc/modality/voice"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

// tone returns a WAV file (8 kHz mono 16-bit PCM) of a sine of hz lasting
// d: each prompt of the tests is a tone of its own, so that what a caller
// receives tells which prompt it is.
func tone(hz float64, d time.Duration) []byte {
	n := int(d.Seconds() * voice.SampleRate)
	data := make([]byte, 2*n)
	for i := range n {
		s := int16(8000 * math.Sin(2*math.Pi*hz*float64(i)/voice.SampleRate))
		binary.LittleEndian.PutUint16(data[2*i:], uint16(s))
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+len(data)))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(16000), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

// frames is what a caller receives of a prompt file in law: 160-byte
// frames, the last padded with silence.
func frames(t testing.TB, file []byte, law voice.Law) [][]byte {
	t.Helper()
	a, err := voice.Decode(file)
	require.NoError(t, err)
	enc := a.Encoded(law)
	silence := byte(0xFF)
	if law == voice.ALaw {
		silence = 0xD5
	}
	var out [][]byte
	for i := 0; i < len(enc); i += voice.FrameSamples {
		f := bytes.Repeat([]byte{silence}, voice.FrameSamples)
		copy(f, enc[i:min(i+voice.FrameSamples, len(enc))])
		out = append(out, f)
	}
	return out
}

// rtpPeer is the caller's side of the media: a UDP socket that records
// every RTP packet it receives and sends keys as RFC 4733 events.
type rtpPeer struct {
	t    testing.TB
	conn *net.UDPConn
	pkts chan received

	seq uint16
	ts  uint32
}

type received struct {
	rtp.Packet
	at time.Time
}

func newRTPPeer(t testing.TB) *rtpPeer {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	p := &rtpPeer{t: t, conn: conn, pkts: make(chan received, 1<<14), seq: 100, ts: 1000}
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 1500)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			var pkt rtp.Packet
			if pkt.Unmarshal(append([]byte(nil), buf[:n]...)) == nil {
				select {
				case p.pkts <- received{pkt, time.Now()}:
				default:
				}
			}
		}
	})
	t.Cleanup(func() {
		conn.Close()
		wg.Wait()
	})
	return p
}

func (p *rtpPeer) port() int { return p.conn.LocalAddr().(*net.UDPAddr).Port }

// offer is an SDP offer of formats (payload types with their rtpmaps)
// on the peer's port.
func (p *rtpPeer) offer(formats string, rtpmaps ...string) string {
	s := fmt.Sprintf("v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP %s\r\n", p.port(), formats)
	for _, m := range rtpmaps {
		s += "a=rtpmap:" + m + "\r\n"
	}
	return s
}

// next returns the next packet received, failing the test after 10 s.
func (p *rtpPeer) next() received {
	p.t.Helper()
	select {
	case pkt := <-p.pkts:
		return pkt
	case <-time.After(10 * time.Second):
		p.t.Fatal("no RTP received for 10s")
		return received{}
	}
}

// speech skips silence up to the next talkspurt (a packet with the
// marker bit) and returns its first n payloads.
func (p *rtpPeer) speech(n int) [][]byte {
	p.t.Helper()
	var pkt received
	deadline := time.Now().Add(10 * time.Second)
	for pkt = p.next(); !pkt.Marker; pkt = p.next() {
		if time.Now().After(deadline) {
			p.t.Fatal("only silence for 10s")
		}
	}
	out := [][]byte{pkt.Payload}
	for len(out) < n {
		out = append(out, p.next().Payload)
	}
	return out
}

// silence waits for a frame of silence.
func (p *rtpPeer) silence() {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for pkt := p.next(); !bytes.Equal(pkt.Payload, bytes.Repeat(pkt.Payload[:1], len(pkt.Payload))) || pkt.Payload[0] != 0xFF && pkt.Payload[0] != 0xD5; pkt = p.next() {
		if time.Now().After(deadline) {
			p.t.Fatal("no silence for 10s")
		}
	}
}

// drain forgets what was received so far.
func (p *rtpPeer) drain() {
	for {
		select {
		case <-p.pkts:
		default:
			return
		}
	}
}

// key sends key as an RFC 4733 event from conn (the peer's own socket
// by default) to addr: a start packet with the marker bit, an update,
// and the end packet three times, all of one timestamp.
func (p *rtpPeer) key(addr *net.UDPAddr, pt uint8, key byte, conn ...*net.UDPConn) {
	p.t.Helper()
	from := p.conn
	if len(conn) > 0 {
		from = conn[0]
	}
	event := map[byte]byte{'*': 10, '#': 11}[key]
	if key >= '0' && key <= '9' {
		event = key - '0'
	}
	p.ts += 1600
	for i, end := range []bool{false, false, true, true, true} {
		dur := uint16(160 * (i + 1))
		payload := []byte{event, 10, byte(dur >> 8), byte(dur)}
		if end {
			payload[1] |= 0x80
		}
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: p.seq, Timestamp: p.ts, SSRC: 0xCAFE, Marker: i == 0}, Payload: payload}
		p.seq++
		b, err := pkt.Marshal()
		require.NoError(p.t, err)
		_, err = from.WriteToUDP(b, addr)
		require.NoError(p.t, err)
	}
}

// answeredMedia reads the channel's RTP address and formats from the SDP
// answer of a 200.
func answeredMedia(t testing.TB, body []byte) (*net.UDPAddr, string) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^m=audio (\d+) RTP/AVP ([\d ]+)\r$`).FindSubmatch(body)
	require.NotNil(t, m, "an audio stream in %q", body)
	c := regexp.MustCompile(`(?m)^c=IN IP4 ([\d.]+)\r$`).FindSubmatch(body)
	require.NotNil(t, c, "a connection address in %q", body)
	port, err := strconv.Atoi(string(m[1]))
	require.NoError(t, err)
	return &net.UDPAddr{IP: net.ParseIP(string(c[1])), Port: port}, string(m[2])
}

// mediaDesk is a receptionist whose every phrase has a prompt: a tone
// each, short so that the tests are.
func mediaDesk() (*modality.Receptionist, fstest.MapFS) {
	r := &modality.Receptionist{Greeting: "Welcome.", ClosedMessage: "Closed.", Options: []modality.Option{
		{Key: "1", Label: "Opening hours", Answer: "Nine to five."},
		{Key: "2", Label: "Lost and found", Queue: "lost-found"},
	}, Prompts: map[string]string{
		"greeting": "t/greeting.wav", "option.1": "t/option-1.wav", "option.2": "t/option-2.wav",
		"answer.1": "t/answer-1.wav", "connecting": "t/connecting.wav", "closed": "t/closed.wav",
	}}
	fsys := fstest.MapFS{
		"t/greeting.wav":   {Data: tone(440, 300*time.Millisecond)},
		"t/option-1.wav":   {Data: tone(523, 150*time.Millisecond)},
		"t/option-2.wav":   {Data: tone(587, 150*time.Millisecond)},
		"t/answer-1.wav":   {Data: tone(659, 250*time.Millisecond)},
		"t/connecting.wav": {Data: tone(698, 110*time.Millisecond)}, // ends mid-frame
		"t/closed.wav":     {Data: tone(330, 200*time.Millisecond)},
	}
	return r, fsys
}

// deskRig is a channel serving "expo" on +1 555 000 1001 with the
// mediaDesk receptionist, and a phone and an RTP peer made before it (so
// that the channel, shut down first when the test ends, hangs up on a
// phone still there).
type deskRig struct {
	t    testing.TB
	ch   *sipchannel.Channel
	ph   *phone
	peer *rtpPeer
	fsys fstest.MapFS
	n    numbermap.Number
}

func newDeskRig(t *testing.T) *deskRig {
	t.Helper()
	desk, fsys := mediaDesk()
	r := &deskRig{t: t, ph: newPhone(t, sipchannel.UDP), peer: newRTPPeer(t), fsys: fsys, n: num(t, "+1 555 000 1001")}
	r.ch = startChannel(t, sipchannel.Config{Prompts: fsys})
	require.NoError(t, r.ch.Open(t.Context(), "expo", modality.Setup{
		EntryPoints:  []modality.EntryPoint{{Name: "desk", Kind: modality.Telephony, Address: r.n.String()}},
		Queues:       []string{"general", "lost-found"},
		Receptionist: desk,
	}))
	return r
}

// call dials the service's number with the SDP offer sdp.
func (r *deskRig) call(ctx context.Context, sdp string) (answer, error) {
	return r.ph.inviteSDP(ctx, sip.NewRequest(sip.INVITE, r.ph.uri(r.n.String(), addrOf(r.t, r.ch, sipchannel.UDP))), sdp)
}

// TestMediaReceptionist: a caller hears the receptionist's prompts over
// RTP, presses keys as RFC 4733 events, hears the answer, and is handed
// to a queue; RTP from another address is dropped.
func TestMediaReceptionist(t *testing.T) {
	ctx := t.Context()
	r := newDeskRig(t)
	ch, peer, fsys := r.ch, r.peer, r.fsys
	a, err := r.call(ctx, peer.offer("18 0 8 101", "18 G729/8000", "0 PCMU/8000", "8 PCMA/8000", "101 telephone-event/8000"))
	require.NoError(t, err)
	require.Equal(t, 200, a.res.StatusCode, "got %s", a.status())
	answered := time.Now()
	body := a.res.Body()
	to, formats := answeredMedia(t, body)
	assert.Equal(t, "0 101", formats, "PCMU, the first common codec offered, and telephone-event")
	assert.Contains(t, string(body), "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n")
	assert.Contains(t, string(body), "a=sendrecv\r\n")
	assert.Equal(t, "127.0.0.1", to.IP.String())

	// The greeting, then the menu, one option a prompt.
	want := append(append(frames(t, fsys["t/greeting.wav"].Data, voice.ULaw), frames(t, fsys["t/option-1.wav"].Data, voice.ULaw)...),
		frames(t, fsys["t/option-2.wav"].Data, voice.ULaw)...)
	got := peer.speech(len(want))
	assert.Equal(t, want, got, "the greeting and the menu, frame by frame")
	first := peer.next()
	assert.Equal(t, uint8(0), first.PayloadType)
	assert.Equal(t, bytes.Repeat([]byte{0xFF}, 160), first.Payload, "silence after the menu")

	// Key 1: the answer, then the menu again.
	peer.drain()
	peer.key(to, 101, '1')
	want = append(append(frames(t, fsys["t/answer-1.wav"].Data, voice.ULaw), frames(t, fsys["t/option-1.wav"].Data, voice.ULaw)...),
		frames(t, fsys["t/option-2.wav"].Data, voice.ULaw)...)
	assert.Equal(t, want, peer.speech(len(want)), "the answer to key 1 and the menu")
	peer.silence() // a new talkspurt starts with the marker bit only after silence

	// A key from another address is dropped, not taken.
	stranger, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer stranger.Close()
	peer.key(to, 101, '2', stranger)

	// Key 2 (from the caller): connected to lost-found.
	peer.drain()
	peer.key(to, 101, '2')
	assert.Equal(t, frames(t, fsys["t/connecting.wav"].Data, voice.ULaw), peer.speech(len(frames(t, fsys["t/connecting.wav"].Data, voice.ULaw))))
	calls, err := ch.Calls(ctx, "expo")
	require.NoError(t, err)
	require.Len(t, calls, 1)
	assert.Equal(t, "lost-found", calls[0].Queue, "key 2 hands the call to lost-found")
	m := calls[0].Media
	require.NotNil(t, m)
	assert.Equal(t, "PCMU", m.Codec)
	assert.Equal(t, uint64(2), m.Keys, "two keys taken: 1 and 2")
	assert.Equal(t, uint64(5), m.Dropped, "the stranger's five packets dropped")
	assert.Equal(t, uint64(10), m.Received, "the caller's ten packets taken")
	assert.Greater(t, m.Sent, uint64(len(want)))
	t.Logf("answered %v ago; %d packets sent", time.Since(answered).Round(time.Millisecond), m.Sent)
}

// The first frame of the greeting leaves within 50 ms of the 200 (the
// issue's target; measured properly by BenchmarkPromptStart).
func TestMediaGreetingStartsAtOnce(t *testing.T) {
	ctx := t.Context()
	r := newDeskRig(t)
	peer, fsys := r.peer, r.fsys
	a, err := r.call(ctx, peer.offer("8", "8 PCMA/8000"))
	require.NoError(t, err)
	require.Equal(t, 200, a.res.StatusCode, "got %s", a.status())
	_, formats := answeredMedia(t, a.res.Body())
	assert.Equal(t, "8", formats, "PCMA when that is all the caller offers; no telephone-event unless offered")
	first := peer.next()
	assert.True(t, first.Marker, "the first packet is the greeting's first, not silence")
	assert.Equal(t, uint8(8), first.PayloadType)
	assert.Equal(t, frames(t, fsys["t/greeting.wav"].Data, voice.ALaw)[0], first.Payload, "in A-law")
}

// Offers the channel cannot answer with media get 488, and nothing is
// left bound.
func TestMediaNoCommonCodec(t *testing.T) {
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.UDP)
	peer := newRTPPeer(t)
	ch := startChannel(t, sipchannel.Config{})
	require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
	for name, sdp := range map[string]string{
		"G.729 only":       peer.offer("18", "18 G729/8000"),
		"Opus only":        peer.offer("111", "111 opus/48000/2"),
		"SRTP":             strings.Replace(peer.offer("0", "0 PCMU/8000"), "RTP/AVP", "RTP/SAVP", 1),
		"no connection":    strings.Replace(peer.offer("0"), "c=IN IP4 127.0.0.1\r\n", "", 1),
		"events, no voice": peer.offer("101", "101 telephone-event/8000"),
	} {
		a, err := ph.inviteSDP(ctx, sip.NewRequest(sip.INVITE, ph.uri(n.String(), addrOf(t, ch, sipchannel.UDP))), sdp)
		require.NoError(t, err, name)
		assert.Equal(t, 488, a.res.StatusCode, "%s: got %s", name, a.status())
	}
	assert.Zero(t, counts(t, ch, "expo").Live())
}

// TestMediaClosingMessage: when the service closes, every answered call
// hears the closed message, then gets its BYE.
func TestMediaClosingMessage(t *testing.T) {
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	desk, fsys := mediaDesk()
	ph := newPhone(t, sipchannel.UDP)
	peers := []*rtpPeer{newRTPPeer(t), newRTPPeer(t)}
	ch := startChannel(t, sipchannel.Config{Prompts: fsys})
	require.NoError(t, ch.Open(ctx, "expo", modality.Setup{
		EntryPoints:  []modality.EntryPoint{{Name: "desk", Kind: modality.Telephony, Address: n.String()}},
		Queues:       []string{"general", "lost-found"},
		Receptionist: desk,
	}))
	for _, peer := range peers {
		a, err := ph.inviteSDP(ctx, sip.NewRequest(sip.INVITE, ph.uri(n.String(), addrOf(t, ch, sipchannel.UDP))),
			peer.offer("0", "0 PCMU/8000"))
		require.NoError(t, err)
		require.Equal(t, 200, a.res.StatusCode, "got %s", a.status())
	}
	for _, peer := range peers {
		peer.speech(1)
		peer.silence() // the greeting and menu said
		peer.drain()
	}
	require.NoError(t, ch.StopIntake(ctx, "expo"))
	ended, err := ch.Disconnect(ctx, "expo")
	require.NoError(t, err)
	assert.Equal(t, 2, ended)
	want := frames(t, fsys["t/closed.wav"].Data, voice.ULaw)
	for i, peer := range peers {
		assert.Equal(t, want, peer.speech(len(want)), "caller %d heard the closed message", i)
	}
	assert.Equal(t, int64(2), ph.byes.Load(), "then each got a BYE")
}

// placingRouter is a fakeRouter that says where its engagements wait.
type placingRouter struct {
	*fakeRouter
	place modality.Place
}

func (r *placingRouter) Place(id string) (modality.Place, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.notify[id] == nil {
		return modality.Place{}, fmt.Errorf("no engagement %q", id)
	}
	return r.place, nil
}

// builtinFrames is what a caller receives of the built-in prompts files,
// one after the other.
func builtinFrames(t testing.TB, files ...string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, f := range files {
		data, err := fs.ReadFile(voice.Builtin, f)
		require.NoError(t, err, f)
		out = append(out, frames(t, data, voice.ULaw)...)
	}
	return out
}

// TestMediaHold: a caller waiting in a queue hears their place in line
// (the built-in words, which the host's prompt files do not have), then
// the service's hold music looped; once an agent takes the call, the
// music stops.
func TestMediaHold(t *testing.T) {
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	_, fsys := mediaDesk()
	fsys["t/hold.wav"] = &fstest.MapFile{Data: tone(262, 100*time.Millisecond)}
	ph := newPhone(t, sipchannel.UDP)
	peer := newRTPPeer(t)
	ch := startChannel(t, sipchannel.Config{Prompts: fsys})
	router := &placingRouter{fakeRouter: newFakeRouter(), place: modality.Place{Position: 3, ExpectedWait: 90 * time.Second}}
	require.NoError(t, ch.Open(ctx, "expo", modality.Setup{
		EntryPoints: []modality.EntryPoint{{Name: "desk", Kind: modality.Telephony, Address: n.String(), Queue: "general"}},
		Queues:      []string{"general"},
		Router:      router,
		Hold:        modality.Hold{Music: "t/hold.wav", AnnounceEvery: time.Minute},
	}))
	a, err := ph.inviteSDP(ctx, sip.NewRequest(sip.INVITE, ph.uri(n.String(), addrOf(t, ch, sipchannel.UDP))), peer.offer("0", "0 PCMU/8000"))
	require.NoError(t, err)
	require.Equal(t, 200, a.res.StatusCode, "got %s", a.status())

	words := builtinFrames(t, voice.PlaceWords(3, 90*time.Second)...)
	music := frames(t, fsys["t/hold.wav"].Data, voice.ULaw) // 100 ms: five whole frames, looped without a gap
	want := append(append(words, music...), music...)
	assert.Equal(t, want, peer.speech(len(want)), "you are number 3 in line, your expected wait is about 2 minutes, then the music, looped")

	require.True(t, router.deliver(a.id, modality.Decision{Kind: modality.Connected, Agent: "ada"}))
	peer.silence() // the music stops for the agent
	calls, err := ch.Calls(ctx, "expo")
	require.NoError(t, err)
	require.Len(t, calls, 1)
	assert.Equal(t, modality.Active, calls[0].State)
}

// fixedSpeaker speaks every text as the same audio, and remembers what
// it was asked to say.
type fixedSpeaker struct {
	audio *voice.Audio
	mu    sync.Mutex
	said  []string
}

func (s *fixedSpeaker) Speak(_ context.Context, text string) (*voice.Audio, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.said = append(s.said, text)
	return s.audio, nil
}

// TestMediaRetiredAnnouncement: a call to a number retired with an
// announcement hears it as early media (183 with SDP), then gets the
// refusal: a recording the announcement names, or its text spoken by the
// Speaker; without either, the refusal alone, the text as its reason.
func TestMediaRetiredAnnouncement(t *testing.T) {
	ctx := t.Context()
	_, fsys := mediaDesk()
	fsys["t/retired.wav"] = &fstest.MapFile{Data: tone(370, 200*time.Millisecond)}
	spoken, err := voice.Decode(tone(415, 100*time.Millisecond))
	require.NoError(t, err)
	for _, tc := range []struct {
		name         string
		announcement string
		speaker      bool
		want         [][]byte // what the caller hears; nil: no early media
		reason       string
	}{
		{"a recording", "t/retired.wav", false, frames(t, fsys["t/retired.wav"].Data, voice.ULaw), "Temporarily Unavailable"},
		{"text spoken", "The fair has moved to +1 555 000 2000.", true, frames(t, tone(415, 100*time.Millisecond), voice.ULaw), "The fair has moved to +1 555 000 2000."},
		{"text, no speaker", "The fair has moved to +1 555 000 2000.", false, nil, "The fair has moved to +1 555 000 2000."},
		{"a recording that is not there", "t/missing.wav", false, nil, "Temporarily Unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := num(t, "+1 555 000 1001")
			pool := memnumbermap.New()
			require.NoError(t, pool.Add(ctx, numbermap.Owned{Number: n, Country: "US", Capabilities: numbermap.Voice}))
			_, err := pool.Claim(ctx, numbermap.ClaimRequest{Count: 1, At: t0, Lease: numbermap.Lease{
				ServiceID: "fair", Start: t0, Expires: t0.Add(time.Hour),
				Policy: numbermap.Policy{Kind: numbermap.Announce, Announcement: tc.announcement, For: 24 * time.Hour}}})
			require.NoError(t, err)
			ph := newPhone(t, sipchannel.UDP)
			peer := newRTPPeer(t)
			cfg := sipchannel.Config{Prompts: fsys, Numbers: pool, Now: newClock(t0.Add(2 * time.Hour)).Now}
			speaker := &fixedSpeaker{audio: spoken}
			if tc.speaker {
				cfg.Speaker = speaker
			}
			ch := startChannel(t, cfg)
			req := withBody(sip.NewRequest(sip.INVITE, ph.uri(n.String(), addrOf(t, ch, sipchannel.UDP))), peer.offer("0", "0 PCMU/8000"))
			sess, err := ph.dc.WriteInvite(ctx, req)
			require.NoError(t, err)
			var early *sip.Response
			err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(res *sip.Response) error {
				if res.StatusCode == 183 {
					early = res
				}
				return nil
			}})
			var de *sipgo.ErrDialogResponse
			require.ErrorAs(t, err, &de)
			assert.Equal(t, 480, de.Res.StatusCode)
			assert.Equal(t, tc.reason, de.Res.Reason)
			if tc.want == nil {
				assert.Nil(t, early, "no early media")
				return
			}
			require.NotNil(t, early, "183 Session Progress")
			_, formats := answeredMedia(t, early.Body())
			assert.Equal(t, "0", formats)
			tag183, _ := early.To().Params.Get("tag")
			tag480, _ := de.Res.To().Params.Get("tag")
			assert.NotEmpty(t, tag183)
			assert.Equal(t, tag183, tag480, "the refusal ends the early dialog the 183 began")
			assert.Equal(t, tc.want, peer.speech(len(tc.want)), "the announcement, over RTP")
			if tc.speaker {
				speaker.mu.Lock()
				assert.Equal(t, []string{tc.announcement}, speaker.said)
				speaker.mu.Unlock()
			}
		})
	}
}

// A flood of keys is taken at the keys' rate: a burst of ten, then five a
// second; the rest are dropped, and the call goes on.
func TestMediaKeyFlood(t *testing.T) {
	ctx := t.Context()
	r := newDeskRig(t)
	ch, peer := r.ch, r.peer
	a, err := r.call(ctx, peer.offer("0 101", "0 PCMU/8000", "101 telephone-event/8000"))
	require.NoError(t, err)
	to, _ := answeredMedia(t, a.res.Body())
	peer.speech(1)
	start := time.Now()
	for range 200 {
		peer.key(to, 101, '1')
	}
	sent := time.Since(start)
	// Wait until the channel has read what the socket kept (a burst of a
	// thousand packets overflows it: some are lost on the way).
	var m *sipchannel.MediaStats
	for last, deadline := uint64(0), time.Now().Add(10*time.Second); ; last = m.Received {
		time.Sleep(200 * time.Millisecond)
		calls, err := ch.Calls(ctx, "expo")
		require.NoError(t, err)
		require.Len(t, calls, 1)
		m = calls[0].Media
		if m.Received == last {
			break
		}
		require.True(t, time.Now().Before(deadline), "still reading after 10s: %+v", *m)
	}
	t.Logf("%+v", *m)
	assert.GreaterOrEqual(t, m.Keys+m.Dropped, m.Received/5, "every event of which a packet arrived taken or dropped")
	// Ten at once, then five a second for as long as the flood took to send.
	assert.GreaterOrEqual(t, m.Keys, uint64(10))
	assert.LessOrEqual(t, m.Keys, uint64(10+5*sent.Seconds()+1), "sent in %s", sent)
	assert.LessOrEqual(t, m.Keys+m.Dropped, uint64(200), "one key or one drop per event, however many packets it took")
}

// find reads packets until their payloads hold want in a row, within
// limit packets, and returns the packets after it up to the first
// silence that lasts (a second of it).
func (p *rtpPeer) find(want [][]byte, limit int) (found bool) {
	p.t.Helper()
	at := 0
	for range limit {
		pkt := p.next()
		switch {
		case bytes.Equal(pkt.Payload, want[at]):
			if at++; at == len(want) {
				return true
			}
		case bytes.Equal(pkt.Payload, want[0]):
			at = 1
		default:
			at = 0
		}
	}
	return false
}

// A caller on hold when the service closes hears the closing message,
// then nothing but silence until the BYE: no music, no place in line.
func TestMediaClosingMessageOnHold(t *testing.T) {
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	desk, fsys := mediaDesk()
	fsys["t/hold.wav"] = &fstest.MapFile{Data: tone(262, 100*time.Millisecond)}
	for i, w := range voice.PlaceWords(2, time.Minute) { // short words, said often
		fsys[w] = &fstest.MapFile{Data: tone(float64(500+50*i), 40*time.Millisecond)}
	}
	ph := newPhone(t, sipchannel.UDP)
	peer := newRTPPeer(t)
	ch := startChannel(t, sipchannel.Config{Prompts: fsys})
	router := &placingRouter{fakeRouter: newFakeRouter(), place: modality.Place{Position: 2, ExpectedWait: time.Minute}}
	require.NoError(t, ch.Open(ctx, "expo", modality.Setup{
		EntryPoints:  []modality.EntryPoint{{Name: "desk", Kind: modality.Telephony, Address: n.String(), Queue: "general"}},
		Queues:       []string{"general", "lost-found"},
		Router:       router,
		Receptionist: desk, // its closed message is said at the close
		Hold:         modality.Hold{Music: "t/hold.wav", AnnounceEvery: 100 * time.Millisecond},
	}))
	a, err := ph.inviteSDP(ctx, sip.NewRequest(sip.INVITE, ph.uri(n.String(), addrOf(t, ch, sipchannel.UDP))), peer.offer("0", "0 PCMU/8000"))
	require.NoError(t, err)
	require.Equal(t, 200, a.res.StatusCode, "got %s", a.status())
	music := frames(t, fsys["t/hold.wav"].Data, voice.ULaw)
	for i := 0; ; i++ {
		require.Less(t, i, 1000, "no hold music in 1,000 packets")
		got := peer.next().Payload
		if slices.ContainsFunc(music, func(f []byte) bool { return bytes.Equal(f, got) }) {
			break
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := ch.Disconnect(ctx, "expo")
		done <- err
	}()
	closed := frames(t, fsys["t/closed.wav"].Data, voice.ULaw)
	require.True(t, peer.find(closed, 1000), "the closed message")
	require.NoError(t, <-done)
	silence := bytes.Repeat([]byte{0xFF}, voice.FrameSamples)
	for {
		select {
		case pkt := <-peer.pkts:
			assert.Equal(t, silence, pkt.Payload, "nothing but silence after the closing message")
			continue
		default:
		}
		break
	}
	assert.Equal(t, int64(1), ph.byes.Load(), "then the BYE")
}

// freePorts returns an even port p such that p to p+n-1 are free for UDP
// on loopback just now.
func freePorts(t *testing.T, n int) int {
	t.Helper()
	for range 50 {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		require.NoError(t, err)
		p := c.LocalAddr().(*net.UDPAddr).Port &^ 1
		c.Close()
		if p < 1024 || p+n > 65535 {
			continue
		}
		ok := true
		for i := range n {
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p + i})
			if err != nil {
				ok = false
				break
			}
			c.Close()
		}
		if ok {
			return p
		}
	}
	t.Fatal("no run of free ports")
	return 0
}

// With an RTP port range, calls take pairs of it in turn, and a call that
// finds none free is refused with 503 and a Retry-After.
func TestMediaPortRange(t *testing.T) {
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.UDP)
	peer := newRTPPeer(t)
	lo := freePorts(t, 4)
	ch := startChannel(t, sipchannel.Config{RTPPortMin: lo, RTPPortMax: lo + 3})
	require.NoError(t, ch.Open(ctx, "expo", telephony(n)))
	call := func() answer {
		a, err := ph.inviteSDP(ctx, sip.NewRequest(sip.INVITE, ph.uri(n.String(), addrOf(t, ch, sipchannel.UDP))), peer.offer("0", "0 PCMU/8000"))
		require.NoError(t, err)
		return a
	}
	first, second := call(), call()
	require.Equal(t, 200, first.res.StatusCode)
	require.Equal(t, 200, second.res.StatusCode)
	p1, _ := answeredMedia(t, first.res.Body())
	p2, _ := answeredMedia(t, second.res.Body())
	assert.ElementsMatch(t, []int{lo, lo + 2}, []int{p1.Port, p2.Port}, "the range's two pairs")
	third := call()
	assert.Equal(t, 503, third.res.StatusCode, "no pair left")
	assert.NotNil(t, third.res.GetHeader("Retry-After"))
	require.NoError(t, first.sess.Bye(ctx))
	require.Eventually(t, func() bool { return counts(t, ch, "expo").Live() == 1 }, 5*time.Second, 5*time.Millisecond)
	again := call()
	require.Equal(t, 200, again.res.StatusCode, "a pair free again")
	p3, _ := answeredMedia(t, again.res.Body())
	assert.Equal(t, p1.Port, p3.Port)
}
