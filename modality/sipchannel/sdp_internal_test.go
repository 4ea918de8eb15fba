package sipchannel

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testSession = sdpSession{user: "eventcc", id: 42, addr: netip.MustParseAddr("127.0.0.1")}

func TestAnswerSDP(t *testing.T) {
	for _, tc := range []struct {
		name, offer string
		want        []string // lines of the answer, after the session lines
		err         bool
	}{
		{"one audio stream", "v=0\r\nm=audio 6000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n",
			[]string{"m=audio 9 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", "a=inactive"}, false},
		{"LF line ends, first format without rtpmap", "v=0\nm=audio 6000 RTP/AVP 18 0\na=rtpmap:0 PCMU/8000\n",
			[]string{"m=audio 9 RTP/AVP 18", "a=inactive"}, false},
		{"video then audio", "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\nm=audio 6000 RTP/AVPF 111\r\na=rtpmap:111 opus/48000/2\r\n",
			[]string{"m=video 0 RTP/AVP 96", "m=audio 9 RTP/AVPF 111", "a=rtpmap:111 opus/48000/2", "a=inactive"}, false},
		{"two audio streams: the second rejected", "m=audio 6000 RTP/AVP 0\r\nm=audio 6002 RTP/AVP 8\r\n",
			[]string{"m=audio 9 RTP/AVP 0", "a=inactive", "m=audio 0 RTP/AVP 8"}, false},
		{"rejected audio then audio", "m=audio 0 RTP/AVP 0\r\nm=audio 7000 RTP/AVP 8\r\n",
			[]string{"m=audio 0 RTP/AVP 0", "m=audio 9 RTP/AVP 8", "a=inactive"}, false},
		{"empty offer: we offer", "", []string{"m=audio 9 RTP/AVP 0 8", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=inactive"}, false},
		{"no audio", "m=video 5000 RTP/AVP 96\r\n", nil, true},
		{"encrypted audio only", "m=audio 6000 RTP/SAVP 0\r\n", nil, true},
		{"no m= line", "v=0\r\ns=-\r\n", nil, true},
		{"short m= line", "m=audio 6000\r\n", nil, true},
		{"bad port", "m=audio port RTP/AVP 0\r\n", nil, true},
		{"too many streams", strings.Repeat("m=audio 6000 RTP/AVP 0\r\n", 17), nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := answerSDP([]byte(tc.offer), testSession, nil)
			if tc.err {
				assert.ErrorIs(t, err, errNoAudio, "answerSDP(%q) must refuse the offer", tc.offer)
				return
			}
			require.NoError(t, err)
			session := "v=0\r\no=eventcc 42 42 IN IP4 127.0.0.1\r\ns=eventcc\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			assert.Equal(t, session+strings.Join(tc.want, "\r\n")+"\r\n", string(got), "answer to %q", tc.offer)
		})
	}
	t.Run("IPv6", func(t *testing.T) {
		got, err := answerSDP([]byte("m=audio 1 RTP/AVP 0\r\n"), sdpSession{user: "x", id: 1, addr: netip.MustParseAddr("::1")}, nil)
		require.NoError(t, err)
		assert.Contains(t, string(got), "c=IN IP6 ::1\r\n")
	})
}

// FuzzAnswerSDP answers arbitrary offers: never a panic; an answer has
// one m= line per offered stream, exactly one of them accepted and
// inactive, and only printable lines ending in CRLF.
func FuzzAnswerSDP(f *testing.F) {
	for _, s := range []string{
		"v=0\r\nm=audio 6000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n",
		"m=video 5000 RTP/AVP 96\r\nm=audio 6000 RTP/AVPF 111\r\na=rtpmap:111 opus/48000/2\r\n",
		"m=audio 0 RTP/AVP 0\r\nm=audio 7000/2 RTP/AVP 8\r\n",
		"", "m=", "m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 \x00\r\n", "m=audio 6000 RTP/AVP \xff\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, offer string) {
		got, err := answerSDP([]byte(offer), testSession, nil)
		if err != nil {
			return
		}
		ans := string(got)
		if !strings.HasSuffix(ans, "\r\n") {
			t.Fatalf("answer %q does not end with CRLF", ans)
		}
		lines := strings.Split(strings.TrimSuffix(ans, "\r\n"), "\r\n")
		streams, accepted := 0, 0
		for _, l := range lines {
			for _, r := range l {
				if r < ' ' || r == 0x7f {
					t.Fatalf("answer line %q has a control character", l)
				}
			}
			if strings.HasPrefix(l, "m=") {
				streams++
				if f := strings.Fields(l[2:]); len(f) < 4 {
					t.Fatalf("answer line %q is not a whole m= line", l)
				} else if f[1] != "0" {
					accepted++
				}
			}
		}
		offered := strings.Count("\n"+strings.ReplaceAll(offer, "\r", ""), "\nm=")
		if strings.TrimSpace(offer) == "" {
			offered = 1
		}
		if streams != offered || accepted != 1 || strings.Count(ans, "a=inactive\r\n") != 1 {
			t.Fatalf("answer to %q has %d streams (%d accepted); want %d, one accepted and inactive:\n%s", offer, streams, accepted, offered, ans)
		}
	})
}

// FuzzSanitizeReason: whatever the text, the phrase is one a response may
// carry.
func FuzzSanitizeReason(f *testing.F) {
	for _, s := range []string{"The gala is over.", "a\r\nX-Injected: yes", "", "\t\t", strings.Repeat("é", 100), "bad \xff utf8", "\u2028sep"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := sanitizeReason(s, "Fallback")
		if err := checkReason(got); err != nil {
			t.Fatalf("sanitizeReason(%q) = %q, which checkReason refuses: %v", s, got, err)
		}
		if !utf8.ValidString(got) || strings.IndexFunc(got, unicode.IsControl) >= 0 {
			t.Fatalf("sanitizeReason(%q) = %q", s, got)
		}
	})
}

func TestSanitizeReason(t *testing.T) {
	assert.Equal(t, "The gala is over. See you.", sanitizeReason("  The gala is over.\r\n\tSee you.  ", "x"))
	assert.Equal(t, "Fallback", sanitizeReason("\r\n", "Fallback"))
	long := sanitizeReason(strings.Repeat("é", 100), "x")
	assert.LessOrEqual(t, len(long), MaxReasonLen, "cut to fit")
	assert.True(t, utf8.ValidString(long), "on a character boundary")
}

func TestDTMFKey(t *testing.T) {
	for _, tc := range []struct {
		ct, body, want string
		ok             bool
	}{
		{"application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", "5", true},
		{"Application/DTMF-Relay; charset=x", " signal = # \n", "#", true},
		{"application/dtmf", "b", "B", true},
		{"application/dtmf", "12", "", false},
		{"application/dtmf-relay", "Duration=160", "", false},
		{"text/plain", "5", "", false},
	} {
		req := newInfo(tc.ct, tc.body)
		got, ok := dtmfKey(req)
		assert.Equal(t, tc.ok, ok, "dtmfKey(%q, %q)", tc.ct, tc.body)
		assert.Equal(t, tc.want, got, "dtmfKey(%q, %q)", tc.ct, tc.body)
	}
}

func newInfo(ct, body string) *sip.Request {
	req := sip.NewRequest(sip.INFO, sip.Uri{Scheme: "sip", Host: "127.0.0.1"})
	req.AppendHeader(sip.NewHeader("Content-Type", ct))
	req.SetBody([]byte(body))
	return req
}

// FuzzMediaOffer answers arbitrary offers as a call with media does:
// the structure check, diago's negotiation (newMedia binds a port and
// parses the offer with pion's SDP parser), and the answer with audio.
// Nothing panics; an accepted offer gets one sendrecv-or-mirrored audio
// stream on the port bound, with a codec the channel speaks; nothing is
// left bound.
func FuzzMediaOffer(f *testing.F) {
	for _, s := range []string{
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n",
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\nm=audio 6000 RTP/AVP 8\r\na=sendonly\r\n",
		"v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\nm=audio 6000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n",
		"v=0\r\nc=IN IP4 999.1.1.1\r\nm=audio 70000 RTP/AVP 0\r\n",
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 97\r\na=rtpmap:97 PCMU/16000\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, offer string) {
		if _, err := answerSDP([]byte(offer), testSession, nil); err != nil {
			return
		}
		m, err := newMedia([]byte(offer), netip.MustParseAddr("127.0.0.1"), nil)
		if err != nil {
			return
		}
		defer m.close()
		got, err := answerSDP([]byte(offer), testSession, m.answer())
		if err != nil {
			t.Fatalf("an offer answered once is refused the second time: %v", err)
		}
		ans := string(got)
		port := strconv.Itoa(m.sess.Laddr.Port)
		if !strings.Contains(ans, "m=audio "+port+" ") {
			t.Fatalf("answer to %q does not accept audio on the port bound (%s):\n%s", offer, port, ans)
		}
		if m.pt != 0 && m.pt != 8 && m.pt > 127 {
			t.Fatalf("payload type %d", m.pt)
		}
		if n := strings.Count(ans, "a=sendrecv\r\n") + strings.Count(ans, "a=recvonly\r\n") + strings.Count(ans, "a=sendonly\r\n") + strings.Count(ans, "a=inactive\r\n"); n != 1 {
			t.Fatalf("answer has %d directions:\n%s", n, ans)
		}
	})
}
