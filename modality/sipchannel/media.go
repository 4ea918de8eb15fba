package sipchannel

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/diago/audio"
	"github.com/emiago/diago/media"
	"github.com/pion/rtp"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/voice"
)

// frameTime is the packet time of the audio the channel sends: 20 ms of
// 8 kHz G.711, 160 bytes a packet.
const frameTime = 20 * time.Millisecond

// Bounds on what a caller's RTP can make the channel do.
const (
	keyBurst  = 10              // keys taken at once before the rate applies
	keyRate   = 5               // keys a second taken after that
	speakWait = 2 * time.Second // longest a Speaker is waited for, per phrase
)

// errNoCodec is an offer without a codec the channel speaks: 488.
var errNoCodec = errors.New("sipchannel: offer has no common codec (PCMU or PCMA)")

// callMedia is the audio of one call: an RTP session on a port of its
// own (diago's media.MediaSession), a writer that sends 20 ms frames of
// what the call is told to say (silence in between), and a reader that
// takes the caller's keys (RFC 4733 telephone-events) and counts the
// caller's audio.
type callMedia struct {
	sess   *media.MediaSession
	law    voice.Law
	pt     uint8 // the audio payload type the caller offered for law
	dtmfPT int   // the caller's telephone-event payload type; -1: none
	remote netip.AddrPort

	stop     chan struct{} // closed to stop the writer
	stopOnce sync.Once

	mu      sync.Mutex
	playing []*voice.Audio // what is left to say, in order
	pos     int            // samples of playing[0] already sent
	held    bool           // the caller put the call on hold: send nothing

	// While the call waits in a queue: music looped when nothing else is
	// said, and every every, announce's words said.
	music        *voice.Audio
	musicPos     int
	announce     func() []*voice.Audio
	every        time.Duration
	nextAnnounce time.Time

	// Bridged to another call's media (an agent's leg): the writer sends
	// what feed holds, 20 ms frames the peer's reader puts there in this
	// call's law; acc gathers the caller's audio into frames for the peer.
	peer atomic.Pointer[callMedia]
	feed chan []byte
	acc  []byte

	ssrc                          uint32 // ours
	sent, received, dropped, keys atomic.Uint64
}

// ports hands out RTP ports from Config.RTPPortMin to RTPPortMax, pairs
// in turn around the range; a nil *ports: any free port.
type ports struct {
	min, pairs int
	next       atomic.Uint64
}

func newPorts(min, max int) *ports {
	if min == 0 {
		return nil
	}
	return &ports{min: min, pairs: (max - min + 1) / 2}
}

// errNoPort is a call that finds no RTP port free: 503.
var errNoPort = errors.New("sipchannel: no RTP port free in Config.RTPPortMin..RTPPortMax")

// bind has sess listen on a pair of p's ports (RTP and RTCP).
func (p *ports) bind(sess *media.MediaSession) error {
	if p == nil {
		return sess.Init()
	}
	start := p.next.Add(1)
	for i := range uint64(p.pairs) {
		sess.Laddr.Port = p.min + int((start+i)%uint64(p.pairs))*2
		if err := sess.Init(); err == nil {
			return nil
		}
	}
	return errNoPort
}

// newMedia opens the media of a call whose INVITE offers offer, reached
// at addr: a session on a free port of addr (of pp's, when set),
// negotiated by diago against the offer. An offer without PCMU or PCMA is
// errNoCodec.
func newMedia(offer []byte, addr netip.Addr, pp *ports) (*callMedia, error) {
	sess := &media.MediaSession{
		Codecs: []media.Codec{media.CodecAudioUlaw, media.CodecAudioAlaw, media.CodecTelephoneEvent8000},
		Mode:   "sendrecv",
		Laddr:  net.UDPAddr{IP: addr.AsSlice()},
	}
	if err := pp.bind(sess); err != nil {
		return nil, err
	}
	if err := remoteSDP(sess, offer, true); err != nil {
		sess.Close()
		return nil, errors.Join(errNoCodec, err)
	}
	m := &callMedia{sess: sess, dtmfPT: -1, stop: make(chan struct{}), ssrc: rand.Uint32(), feed: make(chan []byte, 16)}
	if err := m.negotiated(); err != nil {
		sess.Close()
		return nil, err
	}
	return m, nil
}

// newOfferMedia opens media to offer an agent's phone: a session on a
// free port of addr (of pp's, when set), and its SDP offer (PCMU, PCMA,
// telephone-event). [callMedia.answered] completes it.
func newOfferMedia(addr netip.Addr, pp *ports) (*callMedia, []byte, error) {
	sess := &media.MediaSession{
		Codecs: []media.Codec{media.CodecAudioUlaw, media.CodecAudioAlaw, media.CodecTelephoneEvent8000},
		Mode:   "sendrecv",
		Laddr:  net.UDPAddr{IP: addr.AsSlice()},
	}
	if err := pp.bind(sess); err != nil {
		return nil, nil, err
	}
	m := &callMedia{sess: sess, dtmfPT: -1, stop: make(chan struct{}), ssrc: rand.Uint32(), feed: make(chan []byte, 16)}
	return m, sess.LocalSDP(false), nil
}

// answered completes media offered with newOfferMedia with the phone's
// SDP answer.
func (m *callMedia) answered(answer []byte) error {
	if err := remoteSDP(m.sess, answer, false); err != nil {
		return errors.Join(errNoCodec, err)
	}
	return m.negotiated()
}

// negotiated takes the codecs and the remote address the SDP exchange
// settled on.
func (m *callMedia) negotiated() error {
	sess := m.sess
	audio := false
	for _, codec := range sess.CommonCodecs() {
		switch {
		case !audio && codec.Matches(media.CodecAudioUlaw):
			m.law, m.pt, audio = voice.ULaw, codec.PayloadType, true
		case !audio && codec.Matches(media.CodecAudioAlaw):
			m.law, m.pt, audio = voice.ALaw, codec.PayloadType, true
		case m.dtmfPT < 0 && codec.Matches(media.CodecTelephoneEvent8000):
			m.dtmfPT = int(codec.PayloadType)
		}
	}
	ip, _ := netip.AddrFromSlice(sess.Raddr.IP)
	m.remote = netip.AddrPortFrom(ip.Unmap(), uint16(sess.Raddr.Port))
	if !audio || !m.remote.IsValid() || m.remote.Port() == 0 {
		return errNoCodec
	}
	return nil
}

// remoteSDP has diago negotiate the offer. diago's SDP parser panics on
// some malformed lines (a c= line of fewer than three fields: found by
// FuzzMediaOffer, diago v0.42.1); from a caller's INVITE that would take
// the whole process down, so a panic here is the offer's error.
func remoteSDP(sess *media.MediaSession, sdp []byte, offered bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sipchannel: malformed SDP: %v", r)
		}
	}()
	return sess.RemoteSDP(sdp, offered)
}

// answer is what the call's SDP answer says of the accepted stream.
func (m *callMedia) answer() *audioAnswer {
	a := &audioAnswer{port: m.sess.Laddr.Port, pt: m.pt, encoding: "PCMU/8000", dtmfPT: m.dtmfPT}
	if m.law == voice.ALaw {
		a.encoding = "PCMA/8000"
	}
	return a
}

// start runs the reader and the writer in wg; keys go to onKey, one at
// a time.
func (m *callMedia) start(wg *sync.WaitGroup, onKey func(key string)) {
	wg.Go(m.write)
	wg.Go(func() { m.read(onKey) })
}

// close stops the call's media: its socket is closed at once, its
// goroutines end by themselves. Safe to call more than once, and from
// onKey.
func (m *callMedia) close() {
	m.stopOnce.Do(func() {
		close(m.stop)
		m.sess.Close() // the reader's socket: it returns
	})
}

// stats is the call's media as Call shows it.
func (m *callMedia) stats() *MediaStats {
	return &MediaStats{
		Codec: m.law.String(), Local: m.sess.Laddr.String(), Remote: m.remote.String(),
		Sent: m.sent.Load(), Received: m.received.Load(), Dropped: m.dropped.Load(), Keys: m.keys.Load(),
	}
}

// say interrupts whatever the call is saying with audio, in order.
func (m *callMedia) say(audio []*voice.Audio) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.playing, m.pos = audio, 0
}

// queued plays music (nil: none) while nothing else is said, and, with
// announce and every > 0, announce's words at once (after what is being
// said) and every every after that.
func (m *callMedia) queued(music *voice.Audio, every time.Duration, announce func() []*voice.Audio) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.music, m.every, m.announce = music, every, nil
	if announce != nil && every > 0 {
		m.announce, m.nextAnnounce = announce, time.Time{}
	}
}

// dequeued stops the music and the announcements.
func (m *callMedia) dequeued() { m.queued(nil, 0, nil) }

// announceDue returns the announcement to make now, if one is due and
// nothing else is being said: the interval runs from the end of what was
// said, so announcements longer than it never pile up.
func (m *callMedia) announceDue(now time.Time) func() []*voice.Audio {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.announce == nil {
		return nil
	}
	if len(m.playing) > 0 {
		if next := now.Add(m.every); next.After(m.nextAnnounce) {
			m.nextAnnounce = next
		}
		return nil
	}
	if now.Before(m.nextAnnounce) {
		return nil
	}
	m.nextAnnounce = now.Add(m.every)
	return m.announce
}

// announced has the call say an announcement's words after what it is
// saying, if it still waits in its queue.
func (m *callMedia) announced(words []*voice.Audio) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.announce != nil {
		m.playing = append(m.playing, words...)
	}
}

// hold stops (true) or resumes (false) sending.
func (m *callMedia) hold(held bool) {
	m.mu.Lock()
	m.held = held
	m.mu.Unlock()
}

// next fills frame with the next 20 ms to send and reports whether it
// is speech (false: silence, the frame is left as it is) and whether to
// send at all (false: on hold).
func (m *callMedia) next(frame []byte) (speech, send bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.held {
		return false, false
	}
	if m.peer.Load() != nil {
		select {
		case f := <-m.feed:
			copy(frame, f)
			return true, true
		default:
			return false, true // nothing from the other side this frame
		}
	}
	for len(m.playing) > 0 {
		enc := m.playing[0].Encoded(m.law)
		if m.pos >= len(enc) {
			m.playing, m.pos = m.playing[1:], 0
			continue
		}
		n := copy(frame, enc[m.pos:])
		silence := silenceByte(m.law)
		for i := n; i < len(frame); i++ {
			frame[i] = silence
		}
		m.pos += n
		return true, true
	}
	if m.music != nil && len(m.music.Encoded(m.law)) > 0 {
		enc := m.music.Encoded(m.law)
		for n := 0; n < len(frame); {
			if m.musicPos >= len(enc) {
				m.musicPos = 0 // looped
			}
			c := copy(frame[n:], enc[m.musicPos:])
			n += c
			m.musicPos += c
		}
		return true, true
	}
	return false, true
}

func silenceByte(law voice.Law) byte {
	if law == voice.ALaw {
		return 0xD5
	}
	return 0xFF
}

// write sends a frame every 20 ms until stopped: speech when there is
// some to say, silence otherwise, so that the caller hears a live line
// (and any NAT on the way keeps it open).
func (m *callMedia) write() {
	pkt := rtp.Packet{Header: rtp.Header{
		Version: 2, PayloadType: m.pt, SSRC: m.ssrc,
		SequenceNumber: uint16(rand.Uint32()), Timestamp: rand.Uint32(),
	}}
	frame := make([]byte, voice.FrameSamples)
	silence := make([]byte, voice.FrameSamples)
	for i := range silence {
		silence[i] = silenceByte(m.law)
	}
	tick := time.NewTicker(frameTime)
	defer tick.Stop()
	talking := false
	for {
		if announce := m.announceDue(time.Now()); announce != nil {
			m.announced(announce()) // made outside m.mu: it asks the router
		}
		speech, send := m.next(frame)
		if send {
			pkt.Payload = silence
			if speech {
				pkt.Payload = frame
			}
			pkt.Marker = speech && !talking // the start of a talkspurt
			if err := m.sess.WriteRTP(&pkt); err == nil {
				m.sent.Add(1)
			}
			talking = speech
			pkt.SequenceNumber++
		}
		pkt.Timestamp += voice.FrameSamples // time passes on hold too
		select {
		case <-m.stop:
			return
		case <-tick.C:
		}
	}
}

// read takes the caller's RTP until the session is closed. Packets from
// any other address than the one the SDP gave are dropped, as are those
// with our own SSRC (our audio come back: an echo or a loop); the
// caller's may use more than one SSRC (gateways send telephone-events on
// one of their own). Telephone-events become keys, one per event (its
// packets share an SSRC and a timestamp, RFC 4733 section 2.5.1.2, and
// its end is sent three times), at most keyBurst at once and keyRate a
// second after that.
func (m *callMedia) read(onKey func(key string)) {
	buf := make([]byte, media.RTPBufSize)
	var (
		pkt   rtp.Packet
		event struct {
			seen     bool
			ssrc, ts uint32
		}
		tokens = float64(keyBurst)
		refill = time.Now()
	)
	for {
		if _, err := m.sess.ReadRTP(buf, &pkt); err != nil {
			var sockErr *net.OpError
			if errors.As(err, &sockErr) || errors.Is(err, net.ErrClosed) {
				return // closed
			}
			m.dropped.Add(1) // not RTP: garbage on our port
			continue
		}
		from, ok := m.sess.ReadRTPFromAddr.(*net.UDPAddr)
		if !ok || from.AddrPort().Addr().Unmap() != m.remote.Addr() || from.AddrPort().Port() != m.remote.Port() ||
			pkt.Version != 2 || pkt.SSRC == m.ssrc {
			m.dropped.Add(1)
			continue
		}
		m.received.Add(1)
		if pkt.PayloadType == m.pt {
			if peer := m.peer.Load(); peer != nil {
				m.forward(peer, pkt.Payload)
			}
			continue
		}
		if m.dtmfPT < 0 || int(pkt.PayloadType) != m.dtmfPT {
			continue
		}
		var ev media.DTMFEvent
		if media.DTMFDecode(pkt.Payload, &ev) != nil || ev.Event > 15 {
			continue
		}
		if event.seen && event.ssrc == pkt.SSRC && event.ts == pkt.Timestamp {
			continue
		}
		event.seen, event.ssrc, event.ts = true, pkt.SSRC, pkt.Timestamp
		now := time.Now()
		tokens = min(float64(keyBurst), tokens+now.Sub(refill).Seconds()*keyRate)
		refill = now
		if tokens < 1 {
			m.dropped.Add(1)
			continue
		}
		tokens--
		m.keys.Add(1)
		onKey(string(media.DTMFToRune(ev.Event)))
	}
}

// prompt loads the prompt file name from Config.Prompts, or, when it has
// no such file, from the built-in set.
func (c *Channel) prompt(name string) (*voice.Audio, error) {
	a, err := c.prompts.Prompt(name)
	if errors.Is(err, fs.ErrNotExist) && c.builtin != nil {
		if b, berr := c.builtin.Prompt(name); berr == nil {
			return b, nil
		}
	}
	return a, err
}

// startHold has cl, a call with media waiting in a queue, hear its
// service's hold: the music looped, and its place in line every
// AnnounceEvery when its router is a [modality.Placer].
func (c *Channel) startHold(cl *call) {
	c.mu.Lock()
	h, router, svc := cl.svc.hold, cl.router, cl.svc
	c.mu.Unlock()
	if cl.media == nil || h == (modality.Hold{}) {
		return
	}
	var music *voice.Audio
	if h.Music != "" {
		a, err := c.prompt(h.Music)
		if err != nil {
			c.log.Error(err, "hold music not played", "service", svc.id)
		}
		music = a
	}
	var announce func() []*voice.Audio
	if placer, ok := router.(modality.Placer); ok && h.AnnounceEvery > 0 {
		announce = func() []*voice.Audio {
			p, err := placer.Place(cl.id)
			if err != nil || p.Position < 1 {
				return nil // no longer waiting
			}
			var words []*voice.Audio
			for _, w := range voice.PlaceWords(p.Position, p.ExpectedWait) {
				a, err := c.prompt(w)
				if err != nil {
					c.log.Error(err, "announcement word not played", "service", svc.id)
					continue
				}
				words = append(words, a)
			}
			return words
		}
	}
	cl.media.queued(music, h.AnnounceEvery, announce)
}

// bridge connects a's and b's audio: each sends what the other receives.
func bridge(a, b *callMedia) {
	a.peer.Store(b)
	b.peer.Store(a)
}

// unbridge ends m's bridge, both ways.
func (m *callMedia) unbridge() {
	if p := m.peer.Swap(nil); p != nil {
		p.peer.CompareAndSwap(m, nil)
	}
}

// forward hands the audio payload m received to peer's writer, in 20 ms
// frames of peer's law (transcoded through linear PCM when the laws
// differ; re-framed when the packets are not 20 ms). A frame the writer
// has no room for is dropped: the bridge never waits.
func (m *callMedia) forward(peer *callMedia, payload []byte) {
	if m.law != peer.law {
		lpcm := make([]byte, 2*len(payload))
		if m.law == voice.ULaw {
			_, _ = audio.DecodeUlawTo(lpcm, payload)
			_, _ = audio.EncodeAlawTo(payload[:len(payload)], lpcm) // same length: one byte a sample
		} else {
			_, _ = audio.DecodeAlawTo(lpcm, payload)
			_, _ = audio.EncodeUlawTo(payload[:len(payload)], lpcm)
		}
	}
	m.acc = append(m.acc, payload...)
	for len(m.acc) >= voice.FrameSamples {
		f := make([]byte, voice.FrameSamples)
		copy(f, m.acc)
		m.acc = m.acc[:copy(m.acc, m.acc[voice.FrameSamples:])]
		select {
		case peer.feed <- f:
		default:
		}
	}
}

// phrases turns what the receptionist says into audio: each phrase's
// prompt file from the library, or, without one (or when it cannot be
// loaded), the Speaker's rendering of its text, if there is a Speaker;
// a phrase with neither is skipped.
func (c *Channel) phrases(r *modality.Receptionist, says []modality.Phrase) []*voice.Audio {
	out := make([]*voice.Audio, 0, len(says))
	for _, p := range says {
		if file := r.Prompt(p.Role); file != "" {
			a, err := c.prompt(file)
			if err == nil {
				out = append(out, a)
				continue
			}
			c.log.Error(err, "prompt not played", "role", p.Role)
		}
		if c.cfg.Speaker == nil {
			continue
		}
		ctx, cancel := context.WithTimeout(c.base, speakWait)
		a, err := c.cfg.Speaker.Speak(ctx, p.Text)
		cancel()
		if err != nil || a == nil {
			c.log.Error(err, "phrase not spoken", "role", p.Role)
			continue
		}
		out = append(out, a)
	}
	return out
}
