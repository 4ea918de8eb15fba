package sipchannel_test

import (
	"context"
	"flag"
	"fmt"
	"net"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/eventcc/eventcc/modality/sipchannel"
)

var (
	floodFor     = flag.Duration("flood.duration", 5*time.Second, "BenchmarkHostileFlood: how long the flood lasts")
	floodRate    = flag.Int("flood.rate", 20000, "BenchmarkHostileFlood: hostile datagrams a second")
	floodSources = flag.Int("flood.sources", 64, "BenchmarkHostileFlood: source addresses the flood comes from (127.0.0.2 on)")
	floodCalls   = flag.Int("flood.calls", 20, "BenchmarkHostileFlood: good calls placed a second meanwhile")
	floodLimit   = flag.Float64("flood.source-rate", 500, "BenchmarkHostileFlood: the channel's Config.SourceRate (0: no limit)")
)

// hostileMix is what the flood sends, in turn, from each source: what
// cannot be SIP, what cannot be a call, and calls that must be refused.
func hostileMix(target string, port int, n int) []byte {
	garbage := func() []byte {
		b := make([]byte, 1200)
		for i := range b {
			b[i] = byte(i*7 + n)
		}
		return b
	}
	raw := func(user string, extra ...string) []byte {
		m, _ := rawInvite("udp", user, target, port, offer, nil, extra...)
		return []byte(m)
	}
	switch n % 6 {
	case 0:
		return garbage()
	case 1:
		return []byte("INVITE sip:+15550001001@" + target + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK" + fmt.Sprint(n) + "\r\nFrom:")
	case 2:
		return raw("+15559990000", "X-Padding: "+strings.Repeat("x", 1000)) // a huge header, an unknown number
	case 3:
		var h []string
		for i := range 150 {
			h = append(h, fmt.Sprintf("X-H%d: %d", i, i)) // a header flood
		}
		return raw("+15559990001", h...)
	case 4:
		return raw("+1555CALLNOW") // letters
	default:
		return raw(fmt.Sprintf("+1555999%04d", n%10000)) // a call to a number nobody has: 404, never ACKed
	}
}

// BenchmarkHostileFlood floods the channel with hostile UDP datagrams
// (-flood.rate a second for -flood.duration, from -flood.sources source
// addresses) while a phone places -flood.calls good calls a second (each
// answered, then hung up), and reports
// the peak live heap (sampled every 100 ms, during the flood and for 10 s
// after), the heap left 10 s after the flood, and the calls answered and
// failed meanwhile. Run once: -benchtime 1x.
func BenchmarkHostileFlood(b *testing.B) {
	ctx := context.Background()
	ph := newPhone(b, sipchannel.UDP)
	p := newPool(b)
	ch := startChannel(b, sipchannel.Config{Numbers: p, Now: newClock(t0.Add(time.Hour)).Now, Transports: []string{sipchannel.UDP},
		SourceRate: *floodLimit})
	if err := ch.Open(ctx, "expo", telephony(p.expo)); err != nil {
		b.Fatal(err)
	}
	addr := addrOf(b, ch, sipchannel.UDP)
	target, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		b.Fatal(err)
	}
	var conns []*net.UDPConn
	for i := range *floodSources {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, byte(i/250), byte(2+i%250))})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for b.Loop() {
		var (
			peak     atomic.Uint64
			sampling = make(chan struct{})
			sampled  sync.WaitGroup
		)
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		liveHeap := func() uint64 {
			metrics.Read(sample)
			return sample[0].Value.Uint64()
		}
		sampled.Go(func() {
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				if h := liveHeap(); h > peak.Load() {
					peak.Store(h)
				}
				select {
				case <-sampling:
					return
				case <-t.C:
				}
			}
		})

		floodCtx, stop := context.WithTimeout(ctx, *floodFor)
		var (
			sent    atomic.Int64
			flooded sync.WaitGroup
		)
		if *floodRate > 0 {
			for w := range 2 {
				flooded.Go(func() {
					tick := time.NewTicker(time.Millisecond)
					defer tick.Stop()
					start, n := time.Now(), w
					for floodCtx.Err() == nil {
						// Catch up with the rate: this worker's half of it.
						due := int64(time.Since(start).Seconds() * float64(*floodRate) / 2)
						for ; sent.Load()/2 < due; n += 2 {
							c := conns[n%len(conns)]
							_, _ = c.WriteToUDP(hostileMix(addr, c.LocalAddr().(*net.UDPAddr).Port, n), target)
							sent.Add(1)
						}
						select {
						case <-floodCtx.Done():
						case <-tick.C:
						}
					}
				})
			}
		}
		var answered, failed int
		calls := time.NewTicker(time.Second / time.Duration(*floodCalls))
		for floodCtx.Err() == nil {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			a, err := ph.inviteSDP(cctx, sip.NewRequest(sip.INVITE, ph.uri(p.expo.String(), addr)), offer)
			if err == nil && a.res.StatusCode == 200 {
				answered++
				_ = a.sess.Bye(cctx)
			} else {
				failed++
			}
			cancel()
			select {
			case <-floodCtx.Done():
			case <-calls.C:
			}
		}
		calls.Stop()
		flooded.Wait()
		stop()
		floodEnd := liveHeap()
		time.Sleep(10 * time.Second)
		runtime.GC()
		after := liveHeap()
		close(sampling)
		sampled.Wait()
		b.ReportMetric(float64(sent.Load()), "datagrams")
		b.ReportMetric(float64(peak.Load())/1e6, "peak-live-MB")
		b.ReportMetric(float64(floodEnd)/1e6, "flood-end-live-MB")
		b.ReportMetric(float64(after)/1e6, "after-10s-live-MB")
		b.ReportMetric(float64(answered), "calls-answered")
		b.ReportMetric(float64(failed), "calls-failed")
		b.ReportMetric(float64(ch.Dropped()), "dropped")
	}
}
