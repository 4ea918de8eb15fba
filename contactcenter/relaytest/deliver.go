package relaytest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
)

// textMessages are messages every relay carries, TextOnly or not:
// UTF-8 text without NUL bytes, most of it JSON as the Lifecycle sends.
func textMessages(t testing.TB) map[string][]byte {
	t.Helper()
	escaped, err := json.Marshal(map[string]string{
		// json.Marshal escapes the control bytes and replaces the
		// invalid UTF-8: JSON text out of binary-ish content.
		"ctl":  "nul\x00 bell\x07 esc\x1b del\x7f",
		"bad":  "\xff\xfe half \xe2\x82",
		"html": `<script>&"'</script>`,
		"sep":  "line\u2028para\u2029",
	})
	require.NoError(t, err)
	return map[string][]byte{
		"empty":           {},
		"json":            []byte(`{"k":"call","id":7,"from":"replica-b","svc":"conf-1","op":"open","tok":"t.k1.abc"}`),
		"non-ASCII":       []byte(`{"who":"Zoë Ångström — 山田太郎 — Ολυμπία 🎧","note":"ça coûte 5 €"}`),
		"escaped JSON":    escaped,
		"raw whitespace":  []byte("{\"a\":\n\t\"b\\\\c\\\"d\"\r\n}\n"),
		"looks addressed": []byte("3:abc\x01" + "7:replica:{\"to\":\"someone-else\"}"),
		"largest":         jsonOf(contactcenter.MaxRelayMessage),
		"largest but one": jsonOf(contactcenter.MaxRelayMessage - 1),
	}
}

// binaryMessages are messages that are not UTF-8 text without NUL
// bytes: only a relay that is not TextOnly carries them.
func binaryMessages() map[string][]byte {
	every := make([]byte, 256)
	for i := range every {
		every[i] = byte(i)
	}
	largest := make([]byte, contactcenter.MaxRelayMessage)
	for i := range largest {
		largest[i] = byte(i*7 + i/256)
	}
	return map[string][]byte{
		"NUL in JSON":        []byte("{\"a\":\"\x00\"}"),
		"invalid UTF-8":      []byte("{\"a\":\"\xff\xfe\xc0\xaf\"}"),
		"every byte value":   every,
		"largest, binary":    largest,
		"lone NUL":           {0},
		"truncated rune end": []byte("ok \xe2\x82"),
	}
}

// testRoundTrip: each message sent reaches the owner's handler with the
// very bytes sent, which the handler keeps as handed over (a relay must
// not reuse the slice it hands over).
func testRoundTrip(t *testing.T, h Harness, r contactcenter.Relay) {
	l := startListener(t, r, "replica-a")
	l.sync(t)
	msgs := textMessages(t)
	var want []string
	for _, m := range msgs {
		mustSend(t, r, "replica-a", m)
		want = append(want, string(m))
	}
	l.awaitCount(t, len(want))
	l.sync(t)
	got := l.messages()
	assert.ElementsMatch(t, want, got, "want every message handed to the handler once, with the very bytes sent")
	for name, m := range msgs {
		assert.Contains(t, got, string(m), "message %q (%d bytes): want it delivered byte for byte", name, len(m))
	}
	assertOneAtATime(t, l)
}

// testNonText: a relay that carries any bytes delivers messages that are
// not UTF-8 text intact; a TextOnly one refuses them with an error, and
// delivers nothing altered.
func testNonText(t *testing.T, h Harness, r contactcenter.Relay) {
	l := startListener(t, r, "replica-a")
	l.sync(t)
	msgs := binaryMessages()
	var want []string
	for name, m := range msgs {
		err := r.Send(t.Context(), "replica-a", m)
		if h.TextOnly {
			assert.Error(t, err, "Send of %s (%d bytes) on a TextOnly relay: want an error, as it is not UTF-8 text without NUL", name, len(m))
			continue
		}
		require.NoError(t, err, "Send of %s (%d bytes): want no error, as the relay carries any bytes", name, len(m))
		want = append(want, string(m))
	}
	if !h.TextOnly {
		l.awaitCount(t, len(want))
	}
	l.sync(t)
	got := l.messages()
	if h.TextOnly {
		assert.Empty(t, got, "want nothing delivered of the messages Send refused")
		return
	}
	assert.ElementsMatch(t, want, got, "want every message handed to the handler once, with the very bytes sent")
	for name, m := range msgs {
		assert.Contains(t, got, string(m), "message %q (%d bytes): want it delivered byte for byte", name, len(m))
	}
}

// testSenderBuffer: once Send returns, the sender may reuse its buffer;
// the message delivered is what was sent.
func testSenderBuffer(t *testing.T, h Harness, r contactcenter.Relay) {
	l := startListener(t, r, "replica-a")
	l.sync(t)
	const sent = `{"k":"event","svc":"conf-1","n":1}`
	buf := []byte(sent)
	mustSend(t, r, "replica-a", buf)
	for i := range buf {
		buf[i] = 'x'
	}
	l.awaitCount(t, 1)
	assert.Equal(t, []string{sent}, l.messages(), "want the message as it was when Send was called, whatever the sender did with its buffer afterwards")
}

// testIsolated: owners that share the relay, whose names prefix one
// another's, each get their own messages and no other's.
func testIsolated(t *testing.T, h Harness, r contactcenter.Relay) {
	owners := []string{"a", "ab", "a:b", "b", "réplica-ü", "1:a"}
	ls := make(map[string]*listener, len(owners))
	for _, o := range owners {
		ls[o] = startListener(t, r, o)
	}
	for _, o := range owners {
		ls[o].sync(t)
	}
	const each = 3
	want := make(map[string][]string, len(owners))
	for i := range each {
		for _, o := range owners {
			m := fmt.Appendf(nil, `{"to":%q,"n":%d}`, o, i)
			mustSend(t, r, o, m)
			want[o] = append(want[o], string(m))
		}
	}
	for _, o := range owners {
		ls[o].awaitCount(t, each)
	}
	for _, o := range owners {
		ls[o].sync(t)
	}
	for _, o := range owners {
		assert.ElementsMatch(t, want[o], ls[o].messages(), "listener for %q: want its own %d messages and no other owner's", o, each)
	}
}

// testNobody: a message to an owner nobody listens for is dropped
// without an error, and not kept for a listener that comes later.
func testNobody(t *testing.T, h Harness, r contactcenter.Relay) {
	witness := startListener(t, r, "witness")
	witness.sync(t)
	err := r.Send(t.Context(), "ghost", []byte(`{"to":"ghost","n":1}`))
	require.NoError(t, err, "Send to an owner nobody listens for: want no error, the message dropped")
	witness.sync(t) // the message to ghost is no longer in flight
	ghost := startListener(t, r, "ghost")
	ghost.sync(t)
	assert.Empty(t, ghost.messages(), "want a message sent while nobody listened for the owner dropped, not kept for a later listener")
	assert.Empty(t, witness.messages(), "want the witness to get nothing but its probes")
}
