package sipchannel_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/sipchannel"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

// BenchmarkCall places whole calls (INVITE, 200, ACK, BYE, 200) one after
// the other from a sipgo phone, over UDP on loopback, against the channel
// (with a number pool; signalling only, but for "media", where each call
// also opens its RTP session and starts sending) and against a bare sipgo UAS that answers 200 with
// a fixed SDP through sipgo's dialog cache. The phone's own cost is in
// both; the difference is the channel's. "routed" is the channel handing
// each call to a router that admits it at once (the router's own cost
// left out). bench/sip/run.sh measures throughput under SIPp.
func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	n := num(b, "+1 555 000 1001")
	for _, impl := range []string{"eventcc", "routed", "media", "bare"} {
		b.Run(impl, func(b *testing.B) {
			var addr string
			if impl != "bare" {
				pool := memnumbermap.New()
				if err := pool.Add(ctx, numbermap.Owned{Number: n, Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}); err != nil {
					b.Fatal(err)
				}
				if _, err := pool.Claim(ctx, numbermap.ClaimRequest{Count: 1, At: t0, Lease: numbermap.Lease{
					ServiceID: "expo", Start: t0, Expires: t0.Add(24 * time.Hour),
					Policy: numbermap.Policy{Kind: numbermap.Vacant}}}); err != nil {
					b.Fatal(err)
				}
				clk := newClock(t0.Add(time.Hour))
				ch := startChannel(b, sipchannel.Config{Numbers: pool, Now: clk.Now, Transports: []string{sipchannel.UDP},
					NoMedia: impl != "media"})
				s := modality.Setup{Queues: []string{"general"}, EntryPoints: []modality.EntryPoint{
					{Name: "phone", Kind: modality.Telephony, Address: n.String(), Queue: "general"}}}
				if impl == "routed" {
					s.Router = admitAll{}
				}
				if err := ch.Open(ctx, "expo", s); err != nil {
					b.Fatal(err)
				}
				addr = addrOf(b, ch, sipchannel.UDP)
			} else {
				addr = startBare(b)
			}
			ph := newPhone(b, sipchannel.UDP)
			b.ReportAllocs()
			for b.Loop() {
				a, err := ph.call(ctx, addr, n.String())
				if err != nil || a.res.StatusCode != 200 {
					b.Fatalf("call: %v %s", err, a.status())
				}
				if err := a.sess.Bye(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// admitAll is a router that admits every call and keeps nothing.
type admitAll struct{}

func (admitAll) Enqueue(modality.Engagement, string, func(modality.Decision)) (modality.Place, error) {
	return modality.Place{}, nil
}

func (admitAll) Hangup(string) error { return nil }

// startBare runs a bare sipgo UAS on a free port until the benchmark ends.
func startBare(b *testing.B) string {
	ua, err := sipgo.NewUA(sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)))
	if err != nil {
		b.Fatal(err)
	}
	srv, _ := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	client, _ := sipgo.NewClient(ua, sipgo.WithClientLogger(quiet))
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	dialogs := sipgo.NewDialogServerCache(client, sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: port}})
	ct := sip.ContentTypeHeader("application/sdp")
	answer := []byte("v=0\r\no=bare 1 1 IN IP4 127.0.0.1\r\ns=bare\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=inactive\r\n")
	srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		dlg, err := dialogs.ReadInvite(req, tx)
		if err != nil {
			return
		}
		if err := dlg.Respond(sip.StatusOK, "OK", answer, &ct); err != nil {
			dlg.Close()
		}
	})
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { _ = dialogs.ReadAck(req, tx) })
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) { _ = dialogs.ReadBye(req, tx) })
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.ServeUDP(pc) })
	b.Cleanup(func() {
		pc.Close()
		ua.Close()
		wg.Wait()
	})
	return pc.LocalAddr().String()
}
