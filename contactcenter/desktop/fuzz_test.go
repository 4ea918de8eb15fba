package desktop

import (
	"errors"
	"strings"
	"testing"

	"github.com/eventcc/eventcc/modality/routing"
)

// FuzzDecodeFrame: the decoder never panics, refuses with an error
// wrapping errFrame or errUnknownType, and a frame it accepts has a
// known type with the fields that type needs, within their limits.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"hello","token":"tok"}`, `{"type":"status","status":"available"}`,
		`{"type":"accept","engagement":"chat-1","ref":"r1"}`, `{"type":"decline","engagement":"e"}`,
		`{"type":"end","engagement":"e"}`, `{"type":"transfer","engagement":"e","queue":"vip"}`,
		`{"type":"history","engagement":"e","after_seq":3}`, `{"type":"message","engagement":"e","body":"hi","client_msg_id":"c"}`,
		`{"type":"typing","engagement":"e"}`, `{"type":"read","engagement":"e","up_to_seq":2}`, `{"type":"sign_out"}`,
		`{"type":"status","status":"dancing"}`, `{"type":"transfer","engagement":"e"}`, `{"type":"message","engagement":"e","body":"  "}`,
		`{"type":"read","engagement":"e","up_to_seq":-1}`, `{"type":"hello"}`, `{"type":"wave"}`, `{"type":1}`,
		`{`, `[]`, `null`, ``, "{\"type\":\"message\",\"engagement\":\"e\",\"body\":\"a\\u0000b\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := decodeFrame(data)
		if err != nil {
			if !errors.Is(err, errFrame) && !errors.Is(err, errUnknownType) {
				t.Fatalf("decodeFrame(%q): error %v wraps neither errFrame nor errUnknownType", data, err)
			}
			return
		}
		switch fr.Type {
		case frameHello:
			if fr.Token == "" || len(fr.Token) > maxToken {
				t.Fatalf("decodeFrame(%q) accepted a hello with a token of %d bytes", data, len(fr.Token))
			}
		case frameStatus:
			if fr.Status != routing.Available && fr.Status != routing.Break && fr.Status != routing.Offline {
				t.Fatalf("decodeFrame(%q) accepted status %q", data, fr.Status)
			}
		case frameAccept, frameDecline, frameEnd, frameHistory, frameTyping, frameRead, frameTransfer, frameMessage:
			if fr.Engagement == "" {
				t.Fatalf("decodeFrame(%q) accepted %s without an engagement", data, fr.Type)
			}
			if fr.Type == frameTransfer && fr.Queue == "" {
				t.Fatalf("decodeFrame(%q) accepted a transfer without a queue", data)
			}
			if fr.Type == frameMessage && (strings.TrimSpace(fr.Body) == "" || len(fr.Body) > maxBody) {
				t.Fatalf("decodeFrame(%q) accepted a message body of %d bytes", data, len(fr.Body))
			}
		case frameSignOut:
		default:
			t.Fatalf("decodeFrame(%q) accepted type %q", data, fr.Type)
		}
		if fr.AfterSeq < 0 || fr.UpToSeq < 0 || len(fr.Ref) > maxRef || len(fr.Engagement) > maxID || len(fr.Queue) > maxID || len(fr.ClientMsgID) > maxID {
			t.Fatalf("decodeFrame(%q) accepted out-of-range fields: %+v", data, fr)
		}
		for _, v := range []string{fr.Ref, fr.Token, string(fr.Status), fr.Engagement, fr.Queue, fr.Body, fr.ClientMsgID} {
			if strings.ContainsRune(v, 0) {
				t.Fatalf("decodeFrame(%q) accepted a NUL", data)
			}
		}
	})
}
