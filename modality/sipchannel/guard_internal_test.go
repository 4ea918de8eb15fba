package sipchannel

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestGuardShape(t *testing.T) {
	g := newGuard(-1, 10)
	invite := "INVITE sip:+15550001001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4\r\nContent-Length: 0\r\n\r\n"
	from := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 5060}
	now := time.Now()
	for _, tc := range []struct {
		name string
		data string
		ok   bool
	}{
		{"a request", invite, true},
		{"a response", "SIP/2.0 200 OK\r\nVia: x\r\n\r\n", true},
		{"an extension method", "PUBLISH sip:x@y SIP/2.0\r\n\r\n", true},
		{"keep-alive", "\r\n\r\n", false},
		{"garbage", "\x01\x02\x03 garbage\r\n", false},
		{"lower-case method", "invite sip:x@y SIP/2.0\r\n\r\n", false},
		{"HTTP", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", false},
		{"no line end", "INVITE sip:x@y SIP/2.0", false},
		{"a first line of 2 KiB", "INVITE sip:+" + strings.Repeat("1", 2048) + "@y SIP/2.0\r\n\r\n", false},
		{"eleven header lines", "OPTIONS sip:x@y SIP/2.0\r\n" + strings.Repeat("X: y\r\n", 11) + "\r\n", false},
		{"ten header lines, and a body of many", "OPTIONS sip:x@y SIP/2.0\r\n" + strings.Repeat("X: y\r\n", 9) + "\r\n" + strings.Repeat("a=x\r\n", 50), true},
	} {
		assert.Equal(t, tc.ok, g.admit(from, []byte(tc.data), now), tc.name)
	}
}

func TestGuardRate(t *testing.T) {
	g := newGuard(100, 100) // bursts of 200
	msg := []byte("OPTIONS sip:x@y SIP/2.0\r\n\r\n")
	a := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 5060}
	b := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 3), Port: 5060}
	now := time.Unix(1000, 0)
	n := 0
	for range 1000 {
		if g.admit(a, msg, now) {
			n++
		}
	}
	assert.Equal(t, 200, n, "a burst of twice the rate")
	assert.True(t, g.admit(b, msg, now), "another source has its own")
	assert.True(t, g.admit(&net.UDPAddr{IP: a.IP, Port: 9999}, msg, now.Add(10*time.Millisecond)), "the rate is the address's, whatever the port: one token back after 10 ms")
	assert.False(t, g.admit(a, msg, now.Add(10*time.Millisecond)))
	assert.True(t, g.admit(a, msg, now.Add(time.Second)), "tokens come back at the rate")
	assert.Equal(t, uint64(1000-200+1), g.dropped.Load())

	// Idle sources are forgotten; the table never grows past maxSources.
	g.admit(a, msg, now.Add(time.Minute))
	assert.Len(t, g.sources, 1, "b, idle, forgotten at the sweep")
	for i := range maxSources + 10 {
		g.admit(&net.UDPAddr{IP: net.IPv4(10, byte(i>>16), byte(i>>8), byte(i)), Port: 1}, msg, now.Add(time.Minute))
	}
	assert.Len(t, g.sources, maxSources, "spoofed sources beyond the table share one bucket")
	assert.True(t, g.admit(a, msg, now.Add(time.Minute)), "a known source keeps its own")
}
