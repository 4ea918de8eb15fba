package sipchannel_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/sipchannel"
)

// BenchmarkPromptStart measures how long after the 200 a caller hears the
// receptionist: the time from the phone reading the 200 to its RTP
// socket receiving the first packet of the greeting, one call after the
// other, with the conference template's receptionist and the built-in
// prompts, while live other calls hold the channel busy sending their
// own audio (each is a Go RTP peer receiving it). It reports the median
// and the 99th percentile (0 when the greeting's first packet arrives
// before the phone's stack has returned the 200 it read), and the 99th
// percentile from the INVITE sent; the target is 50 ms from the answer.
func BenchmarkPromptStart(b *testing.B) {
	ctx := context.Background()
	// The conference template's receptionist, as the lifecycle hands it
	// to the channel (this package may not import template).
	desk := &modality.Receptionist{Greeting: "Welcome to the conference help desk.", ClosedMessage: "Closed.",
		Prompts: map[string]string{"greeting": "conference/greeting.wav"}}
	for _, o := range []struct{ key, label, queue string }{
		{"1", "Registration and badges", "registration"}, {"2", "Agenda and rooms", ""}, {"3", "Speaker support", "speakers"},
		{"4", "Accessibility assistance", "accessibility"}, {"5", "Wi-Fi", ""}, {"0", "Anything else", "general"},
	} {
		opt := modality.Option{Key: o.key, Label: o.label, Queue: o.queue}
		if o.queue == "" {
			opt.Answer = "See the event app."
		}
		desk.Options = append(desk.Options, opt)
		desk.Prompts["option."+o.key] = "conference/option-" + o.key + ".wav"
	}
	for _, live := range []int{0, 200, 1000} {
		b.Run(fmt.Sprintf("live=%d", live), func(b *testing.B) {
			n := num(b, "+1 555 000 1001")
			ph := newPhone(b, sipchannel.UDP)
			peers := make([]*rtpPeer, live)
			for i := range peers {
				peers[i] = newRTPPeer(b)
			}
			peer := newRTPPeer(b)
			ch := startChannel(b, sipchannel.Config{Transports: []string{sipchannel.UDP}})
			if err := ch.Open(ctx, "expo", modality.Setup{
				EntryPoints:  []modality.EntryPoint{{Name: "desk", Kind: modality.Telephony, Address: n.String()}},
				Queues:       []string{"registration", "speakers", "accessibility", "general"},
				Receptionist: desk,
			}); err != nil {
				b.Fatal(err)
			}
			addr := addrOf(b, ch, sipchannel.UDP)
			for _, p := range peers { // the load: calls listening to their greeting
				if a, err := ph.inviteSDP(ctx, sip.NewRequest(sip.INVITE, ph.uri(n.String(), addr)), p.offer("0", "0 PCMU/8000")); err != nil || a.res.StatusCode != 200 {
					b.Fatalf("load call: %v %s", err, a.status())
				}
			}
			var delays, fromInvite []time.Duration
			for b.Loop() {
				invited := time.Now()
				a, err := ph.inviteSDP(ctx, sip.NewRequest(sip.INVITE, ph.uri(n.String(), addr)), peer.offer("0", "0 PCMU/8000"))
				if err != nil || a.res.StatusCode != 200 {
					b.Fatalf("call: %v %s", err, a.status())
				}
				answered := time.Now()
				var first received
				for first = peer.next(); !first.Marker; first = peer.next() {
				}
				delays = append(delays, max(first.at.Sub(answered), 0))
				fromInvite = append(fromInvite, first.at.Sub(invited))
				if err := a.sess.Bye(ctx); err != nil {
					b.Fatal(err)
				}
				peer.drain()
			}
			slices.Sort(delays)
			b.ReportMetric(float64(delays[len(delays)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(delays[len(delays)*99/100].Microseconds())/1000, "p99-ms")
			slices.Sort(fromInvite)
			b.ReportMetric(float64(fromInvite[len(fromInvite)*99/100].Microseconds())/1000, "p99-from-invite-ms")
		})
	}
}
