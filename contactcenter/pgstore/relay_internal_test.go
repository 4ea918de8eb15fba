package pgstore

import (
	"errors"
	"strings"
	"testing"

	"github.com/eventcc/eventcc/contactcenter"
)

// pgPayloadLimit: a notification's payload must be shorter than this.
const pgPayloadLimit = 8000

// FuzzRelayPayload: what relayPayload makes fits in a notification and
// parses back to the owner and message; what it refuses, it refuses
// for a reason; and parseRelayPayload, given anything, accepts only
// what relayPayload would have made.
func FuzzRelayPayload(f *testing.F) {
	f.Add("replica-a", []byte(`{"k":"call","id":1}`), "9:replica-a{}")
	f.Add("a:b", []byte("3:abc"), "3:a:b3:abc")
	f.Add("é", []byte{}, "2:é")
	f.Add("", []byte(`{}`), ":{}")
	f.Add("nul\x00", []byte("\x00"), "01:a")
	f.Add("r", []byte("\xff"), "999:x")
	f.Add(strings.Repeat("o", MaxRelayOwner), []byte(strings.Repeat("m", contactcenter.MaxRelayMessage)), "513:"+strings.Repeat("o", 513))
	f.Fuzz(func(t *testing.T, owner string, msg []byte, raw string) {
		p, err := relayPayload(owner, msg)
		if err == nil {
			if len(p) >= pgPayloadLimit {
				t.Fatalf("payload of %d bytes; want under %d", len(p), pgPayloadLimit)
			}
			o, m, ok := parseRelayPayload(p)
			if !ok || o != owner || m != string(msg) {
				t.Fatalf("parse(%q) = %q, %q, %v; want %q, %q, true", p, o, m, ok, owner, msg)
			}
		} else if checkRelayOwner(owner) == nil && len(msg) <= contactcenter.MaxRelayMessage && !errors.Is(err, errNotText) {
			t.Fatalf("relayPayload(%q, %d bytes) refused: %v", owner, len(msg), err)
		}
		if o, m, ok := parseRelayPayload(raw); ok {
			p, err := relayPayload(o, []byte(m))
			if err == nil && p != raw {
				t.Fatalf("parse(%q) = %q, %q; which makes %q", raw, o, m, p)
			}
		}
	})
}
