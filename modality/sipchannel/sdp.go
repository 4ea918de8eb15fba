package sipchannel

import (
	"bytes"
	"errors"
	"net/netip"
	"strconv"
)

// maxMediaLines bounds the m= lines of an offer the channel answers.
const maxMediaLines = 16

// errNoAudio is an offer the channel cannot answer: it has no audio
// stream over RTP (or no m= line at all, or too many).
var errNoAudio = errors.New("sipchannel: offer has no usable audio stream")

// sdpSession is what the channel says about itself in SDP.
type sdpSession struct {
	user string     // o= username
	id   uint64     // o= session id and version
	addr netip.Addr // o= and c= address
}

// appendHeader appends the session-level lines.
func (s sdpSession) appendHeader(b []byte) []byte {
	ipv := "IP4"
	if s.addr.Is6() && !s.addr.Is4In6() {
		ipv = "IP6"
	}
	addr := s.addr.Unmap()
	b = append(b, "v=0\r\no="...)
	b = append(b, s.user...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, s.id, 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, s.id, 10)
	b = append(b, " IN "...)
	b = append(b, ipv...)
	b = append(b, ' ')
	b = addr.AppendTo(b)
	b = append(b, "\r\ns="...)
	b = append(b, s.user...)
	b = append(b, "\r\nc=IN "...)
	b = append(b, ipv...)
	b = append(b, ' ')
	b = addr.AppendTo(b)
	b = append(b, "\r\nt=0 0\r\n"...)
	return b
}

// audioAnswer is the accepted audio stream of a call with media: the
// port it is received on, the audio payload type and its encoding, and
// the telephone-event payload type (-1: none).
type audioAnswer struct {
	port     int
	pt       uint8
	encoding string // "PCMU/8000"
	dtmfPT   int
}

// answerSDP returns the SDP answer to offer (RFC 3264): one m= line per
// offered stream, in order. The first audio stream over RTP/AVP (or
// RTP/AVPF) with a port other than 0 is accepted. With audio (a call
// with media) it is answered on audio's port with audio's payload types,
// in the direction that mirrors the offer's (sendonly: recvonly, and so
// on). Without, it is accepted with its first payload type (and that
// type's first rtpmap in its section, if offered) but inactive: the
// channel carries no media, and an inactive stream on the discard port
// says so honestly while keeping the call up. Every other
// stream is rejected (port 0). An empty offer gets an offer of the same
// shape instead (the caller answers it in its ACK). An offer without such
// an audio stream, with a malformed m= line or with more than
// maxMediaLines streams is errNoAudio (answer 488).
//
// It reads the offer in one pass, without copying it: the answer is the
// only allocation on the way of every call.
func answerSDP(offer []byte, s sdpSession, audio *audioAnswer) ([]byte, error) {
	b := s.appendHeader(make([]byte, 0, 256))
	if len(bytes.TrimSpace(offer)) == 0 {
		b = append(b, "m=audio 9 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=inactive\r\n"...)
		return b, nil
	}

	var (
		streams  int
		accepted bool
		inChosen bool   // in the section of the accepted stream
		pt       []byte // its payload type
		rtpmap   []byte // its encoding, from the first a=rtpmap of pt
		dir      = "sendrecv"
	)
	closeChosen := func() {
		if inChosen && audio != nil {
			b = append(b, "a=rtpmap:"...)
			b = strconv.AppendUint(b, uint64(audio.pt), 10)
			b = append(b, ' ')
			b = append(b, audio.encoding...)
			b = append(b, "\r\n"...)
			if audio.dtmfPT >= 0 {
				b = append(b, "a=rtpmap:"...)
				b = strconv.AppendInt(b, int64(audio.dtmfPT), 10)
				b = append(b, " telephone-event/8000\r\na=fmtp:"...)
				b = strconv.AppendInt(b, int64(audio.dtmfPT), 10)
				b = append(b, " 0-16\r\n"...)
			}
			b = append(b, "a=ptime:20\r\na="...)
			b = append(b, answerDirection(dir)...)
			b = append(b, "\r\n"...)
			inChosen = false
		}
		if inChosen {
			if rtpmap != nil {
				b = append(b, "a=rtpmap:"...)
				b = append(b, pt...)
				b = append(b, ' ')
				b = append(b, rtpmap...)
				b = append(b, "\r\n"...)
			}
			b = append(b, "a=inactive\r\n"...)
			inChosen = false
		}
	}
	for rest := offer; len(rest) > 0; {
		var line []byte
		line, rest = nextLine(rest)
		switch {
		case bytes.HasPrefix(line, []byte("m=")):
			closeChosen()
			if streams++; streams > maxMediaLines {
				return nil, errNoAudio
			}
			var f [4][]byte
			if !mediaFields(line[2:], &f) {
				return nil, errNoAudio // not even a well-formed m= line
			}
			port, ok := mediaPort(f[1])
			if !ok {
				return nil, errNoAudio
			}
			proto := string(f[2])
			if !accepted && string(f[0]) == "audio" && (proto == "RTP/AVP" || proto == "RTP/AVPF") && port != 0 {
				accepted, inChosen, pt, rtpmap = true, true, f[3], nil
				if audio != nil {
					b = append(b, "m=audio "...)
					b = strconv.AppendInt(b, int64(audio.port), 10)
					b = append(b, ' ')
					b = append(b, f[2]...)
					b = append(b, ' ')
					b = strconv.AppendUint(b, uint64(audio.pt), 10)
					if audio.dtmfPT >= 0 {
						b = append(b, ' ')
						b = strconv.AppendInt(b, int64(audio.dtmfPT), 10)
					}
					b = append(b, "\r\n"...)
					continue
				}
				b = append(b, "m=audio 9 "...)
				b = append(b, f[2]...)
				b = append(b, ' ')
				b = append(b, pt...)
				b = append(b, "\r\n"...)
				continue
			}
			b = append(b, "m="...)
			b = append(b, f[0]...)
			b = append(b, " 0 "...)
			b = append(b, f[2]...)
			b = append(b, ' ')
			b = append(b, f[3]...)
			b = append(b, "\r\n"...)
		case (inChosen || streams == 0) && isDirection(line):
			dir = string(line[2:]) // the media level's overrides the session's
		case inChosen && rtpmap == nil && bytes.HasPrefix(line, []byte("a=rtpmap:")):
			p, enc, ok := bytes.Cut(line[len("a=rtpmap:"):], []byte(" "))
			if ok && bytes.Equal(p, pt) && validSDPToken(enc) {
				rtpmap = enc
			}
		}
	}
	closeChosen()
	if !accepted {
		return nil, errNoAudio
	}
	return b, nil
}

// nextLine splits the first line off sdp, without its CR LF (or LF).
func nextLine(sdp []byte) (line, rest []byte) {
	if i := bytes.IndexByte(sdp, '\n'); i >= 0 {
		line, rest = sdp[:i], sdp[i+1:]
	} else {
		line = sdp
	}
	return bytes.TrimRight(line, "\r"), rest
}

// isDirection reports whether line is a direction attribute (RFC 4566).
func isDirection(line []byte) bool {
	switch string(line) {
	case "a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive":
		return true
	}
	return false
}

// answerDirection is the direction that answers an offered one (RFC 3264
// section 6.1).
func answerDirection(offered string) string {
	switch offered {
	case "sendonly":
		return "recvonly"
	case "recvonly":
		return "sendonly"
	case "inactive":
		return "inactive"
	}
	return "sendrecv"
}

// offeredDirection is the direction of the first audio stream of offer
// (its own attribute, else the session's), "sendrecv" by default.
func offeredDirection(offer []byte) string {
	dir, streams := "sendrecv", 0
	for rest := offer; len(rest) > 0; {
		var line []byte
		line, rest = nextLine(rest)
		switch {
		case bytes.HasPrefix(line, []byte("m=")):
			if streams++; streams > 1 {
				return dir
			}
		case isDirection(line):
			dir = string(line[2:])
		}
	}
	return dir
}

// mediaFields splits the fields of an m= line (after "m=") on spaces and
// tabs into f: media, port, protocol and the first format, each a valid
// token; further formats are ignored. It reports whether there were four.
func mediaFields(line []byte, f *[4][]byte) bool {
	n := 0
	for len(line) > 0 && n < len(f) {
		line = bytes.TrimLeft(line, " \t")
		if len(line) == 0 {
			break
		}
		end := bytes.IndexAny(line, " \t")
		if end < 0 {
			end = len(line)
		}
		if !validSDPToken(line[:end]) {
			return false
		}
		f[n], line = line[:end], line[end:]
		n++
	}
	return n == len(f)
}

// mediaPort reads the port of an m= line ("6000", or "6000/2" for a range).
func mediaPort(field []byte) (int, bool) {
	if i := bytes.IndexByte(field, '/'); i >= 0 {
		field = field[:i]
	}
	if len(field) == 0 || len(field) > 5 {
		return 0, false
	}
	port := 0
	for _, c := range field {
		if c < '0' || c > '9' {
			return 0, false
		}
		port = port*10 + int(c-'0')
	}
	return port, port <= 65535
}

// validSDPToken reports whether s is 1 to 64 printable ASCII characters
// without spaces, so copying it into the answer cannot break a line.
func validSDPToken(s []byte) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}
