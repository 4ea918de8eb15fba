package chatchannel

import (
	"errors"
	"strings"
	"testing"
)

// FuzzDecodeFrame: the decoder never panics, returns an error wrapping
// errFrame or errUnknownType for what it refuses, and a frame it accepts
// has a known type and fields within their limits.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"hello","token":"tok","conversation":"chat-1","last_seq":3}`,
		`{"type":"message","client_msg_id":"c1","body":"hi"}`,
		`{"type":"typing"}`, `{"type":"read","up_to_seq":4}`, `{"type":"choose","key":"2"}`,
		`{"type":"leave"}`, `{"type":"shout"}`, `{"type":1}`, `{`, `[]`, `null`, ``,
		`{"type":"read","up_to_seq":-1}`, `{"type":"message","body":""}`,
		`{"type":"hello","last_seq":1e999}`, "{\"type\":\"message\",\"body\":\"\xff\"}",
		`{"type":"message","body":"a\u0000b"}`,
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
		case frameHello, frameMessage, frameTyping, frameRead, frameChoose, frameLeave:
		default:
			t.Fatalf("decodeFrame(%q) accepted type %q", data, fr.Type)
		}
		if fr.LastSeq < 0 || fr.UpToSeq < 0 || len(fr.ClientMsgID) > maxClientMsgID || len(fr.Token) > maxToken {
			t.Fatalf("decodeFrame(%q) accepted out-of-range fields: %+v", data, fr)
		}
		if fr.Type == frameMessage && (fr.Body == "" || len(fr.Body) > MaxBody) {
			t.Fatalf("decodeFrame(%q) accepted a message without body", data)
		}
		for _, v := range []string{fr.Token, fr.Conversation, fr.ClientMsgID, fr.Body, fr.Key} {
			if strings.ContainsRune(v, 0) {
				t.Fatalf("decodeFrame(%q) accepted a NUL", data)
			}
		}
	})
}
