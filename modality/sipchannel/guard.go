package sipchannel

import (
	"bytes"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// guard drops UDP datagrams before sipgo parses them (and keeps a
// transaction, a goroutine and a connection-pool entry for them): those
// that cannot be SIP, those with more header lines than any call needs,
// and those of a source above its rate. It runs on the UDP listener's
// read goroutine.
type guard struct {
	rate     float64 // datagrams a second a source may send; <= 0: no limit
	burst    float64
	maxLines int

	mu        sync.Mutex
	sources   map[netip.Addr]*bucket
	rest      bucket // the sources beyond maxSources share it
	lastSweep time.Time

	dropped atomic.Uint64
}

// maxSources bounds the sources the guard tracks; beyond it, new
// sources share one bucket of ten sources' rate, so a flood from spoofed
// addresses cannot grow the table without bound.
const maxSources = 1 << 16

// idleSource is how long a source is remembered after its last datagram.
const idleSource = 10 * time.Second

type bucket struct {
	tokens float64
	last   time.Time
}

func newGuard(rate float64, maxLines int) *guard {
	return &guard{rate: rate, burst: max(2*rate, 20), maxLines: maxLines, sources: map[netip.Addr]*bucket{}}
}

// admit reports whether the datagram data from raddr may be parsed.
func (g *guard) admit(raddr net.Addr, data []byte, now time.Time) bool {
	if !g.shaped(data) || g.rate > 0 && !g.take(raddr, now) {
		g.dropped.Add(1)
		return false
	}
	return true
}

// shaped reports whether data looks like a SIP message worth parsing: a
// request line "METHOD uri SIP/2.0" or a status line "SIP/2.0 ", at
// most maxLines header lines, and a first line of at most 1 KiB. (A
// keep-alive, CRLFs alone, needs no answer over UDP.)
func (g *guard) shaped(data []byte) bool {
	eol := bytes.IndexByte(data, '\n')
	if eol < 0 || eol > 1024 {
		return false
	}
	first := bytes.TrimRight(data[:eol], "\r")
	if !bytes.HasPrefix(first, []byte("SIP/2.0 ")) {
		sp := bytes.IndexByte(first, ' ')
		if sp < 1 || sp > 16 || !bytes.HasSuffix(first, []byte(" SIP/2.0")) {
			return false
		}
		for _, c := range first[:sp] {
			if c < 'A' || c > 'Z' {
				return false
			}
		}
	}
	head := data
	if end := bytes.Index(data, []byte("\r\n\r\n")); end >= 0 {
		head = data[:end]
	}
	return bytes.Count(head, []byte("\n")) <= g.maxLines
}

// take takes a token of raddr's bucket.
func (g *guard) take(raddr net.Addr, now time.Time) bool {
	ua, ok := raddr.(*net.UDPAddr)
	if !ok {
		return true
	}
	ip, _ := netip.AddrFromSlice(ua.IP)
	ip = ip.Unmap()
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Sub(g.lastSweep) > idleSource {
		for a, b := range g.sources {
			if now.Sub(b.last) > idleSource {
				delete(g.sources, a)
			}
		}
		g.lastSweep = now
	}
	b, rate, burst := g.sources[ip], g.rate, g.burst
	if b == nil {
		if len(g.sources) < maxSources {
			b = &bucket{tokens: g.burst, last: now}
			g.sources[ip] = b
		} else {
			b, rate, burst = &g.rest, 10*g.rate, 10*g.burst
		}
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
