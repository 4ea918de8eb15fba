package sipchannel_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/sipchannel"
)

// A channel on a free loopback port: open a service, take a call from a
// SIP phone, hang it up when the service closes.
func Example() {
	ctx := context.Background()
	ch, err := sipchannel.New(sipchannel.Config{Listen: []string{"127.0.0.1:0"}, Transports: []string{sipchannel.UDP}})
	if err != nil {
		panic(err)
	}
	go ch.Run(ctx)
	defer ch.Shutdown(ctx)

	err = ch.Open(ctx, "expo-2030", modality.Setup{
		EntryPoints: []modality.EntryPoint{{Name: "hotline", Kind: modality.Telephony, Address: "+1 555 010 0001", Queue: "general"}},
		Queues:      []string{"general"},
	})
	if err != nil {
		panic(err)
	}

	// An attendee calls the hotline (any SIP peer would do).
	phone := newExamplePhone()
	defer phone.close()
	res := phone.call(ctx, ch.Addrs()[0].Address, "+15550100001")
	fmt.Println("call answered:", res)
	cs, _ := ch.Counts(ctx, "expo-2030")
	fmt.Printf("waiting %d, arrivals %d\n", cs[0].Waiting, cs[0].Arrivals)

	// The term ends: stop intake, then hang up what is live.
	_ = ch.StopIntake(ctx, "expo-2030")
	fmt.Println("call after intake stopped:", phone.call(ctx, ch.Addrs()[0].Address, "+15550100001"))
	n, err := ch.Disconnect(ctx, "expo-2030")
	fmt.Println("disconnected:", n, err)
	_ = ch.Remove(ctx, "expo-2030")
	fmt.Println("call after close:", phone.call(ctx, ch.Addrs()[0].Address, "+15550100001"))

	// Output:
	// call answered: 200 OK
	// waiting 1, arrivals 1
	// call after intake stopped: 480 Closed
	// disconnected: 1 <nil>
	// call after close: 404 Not Found
}

// A service with a router: the router, not the channel, decides who
// answers a call and whether a call is taken at all. This one has room
// for one caller at a time: the second is turned away with 486 Busy Here
// and a Retry-After, and nobody answers a call behind its back.
func Example_router() {
	ctx := context.Background()
	ch, err := sipchannel.New(sipchannel.Config{Listen: []string{"127.0.0.1:0"}, Transports: []string{sipchannel.UDP}})
	if err != nil {
		panic(err)
	}
	go ch.Run(ctx)
	defer ch.Shutdown(ctx)

	router := &oneAtATime{}
	err = ch.Open(ctx, "expo-2030", modality.Setup{
		EntryPoints: []modality.EntryPoint{{Name: "hotline", Kind: modality.Telephony, Address: "+1 555 010 0001", Queue: "general"}},
		Queues:      []string{"general"},
		Router:      router,
	})
	if err != nil {
		panic(err)
	}

	phone := newExamplePhone()
	defer phone.close()
	addr := ch.Addrs()[0].Address
	fmt.Println("first call:", phone.call(ctx, addr, "+15550100001"))
	fmt.Println("second call:", phone.call(ctx, addr, "+15550100001"))
	calls, _ := ch.Calls(ctx, "expo-2030")
	fmt.Println("Answer refused:", errors.Is(ch.Answer(ctx, calls[0].ID), sipchannel.ErrRouted))

	n, err := ch.Disconnect(ctx, "expo-2030")
	fmt.Println("disconnected:", n, err)
	fmt.Println("router told of the end:", router.hangups())

	// Output:
	// first call: 200 OK
	// second call: 486 Busy Here
	// Answer refused: true
	// disconnected: 1 <nil>
	// router told of the end: 1
}

// oneAtATime is a router for the example with room for one caller.
type oneAtATime struct {
	mu     sync.Mutex
	notify func(modality.Decision) // the caller's, while one waits
	hungUp int
}

func (r *oneAtATime) Enqueue(e modality.Engagement, queue string, notify func(modality.Decision)) (modality.Place, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.notify != nil {
		return modality.Place{}, &modality.BusyError{Queue: queue, RetryAfter: 90 * time.Second, Reason: "one caller waits already"}
	}
	r.notify = notify
	return modality.Place{Position: 1}, nil
}

func (r *oneAtATime) Hangup(id string) error {
	r.mu.Lock()
	notify := r.notify
	r.notify = nil
	r.hungUp++
	r.mu.Unlock()
	if notify != nil {
		notify(modality.Decision{Kind: modality.Finished, Engagement: id, Outcome: "abandoned"})
	}
	return nil
}

func (r *oneAtATime) hangups() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hungUp
}

func ExampleNew_invalid() {
	_, err := sipchannel.New(sipchannel.Config{
		Listen:       []string{"127.0.0.1:5060"},
		BusyStatus:   600,
		ClosedReason: "Closed\r\nX-Injected: 1",
	})
	var ce *sipchannel.ConfigError
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			fmt.Printf("%s: %s\n", p.Field, p.Message)
		}
	}
	// Output:
	// BusyStatus: 600 is not one of [486 503]
	// ClosedReason: "Closed\r\nX-Injected: 1": control character '\r' at byte 6 (CR and LF would inject headers)
}

func ExampleDialledNumber() {
	for i, line := range []string{
		"INVITE sip:%2B1-555-010-0001;phone-context=example.com@pbx.example SIP/2.0",
		"INVITE tel:+15550100001 SIP/2.0",
		"INVITE sip:hotline@pbx.example SIP/2.0",        // no number: falls back to To
		"INVITE sip:+1-555-FLOWERS@pbx.example SIP/2.0", // a vanity number
		"INVITE sip:0207946095@pbx.example SIP/2.0",     // national form: not a number here, nor To
		"INVITE sip:%zz@pbx.example SIP/2.0",
	} {
		to := "<sip:+442079460958@pbx.example>"
		if i >= 4 {
			to = "<sip:desk@pbx.example>"
		}
		msg, err := sip.ParseMessage([]byte(line + "\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n" +
			"To: " + to + "\r\nFrom: <sip:a@192.0.2.1>;tag=1\r\nCall-ID: 1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"))
		if err != nil {
			panic(err)
		}
		n, err := sipchannel.DialledNumber(msg.(*sip.Request))
		if err != nil {
			fmt.Println("no number:", errors.Is(err, sipchannel.ErrNoNumber))
			continue
		}
		fmt.Println(n)
	}
	// Output:
	// +15550100001
	// +15550100001
	// +442079460958
	// +15553569377
	// no number: true
	// no number: true
}

// examplePhone is a SIP phone for the example, on sipgo.
type examplePhone struct {
	ua *sipgo.UserAgent
	pc net.PacketConn
	dc *sipgo.DialogClientCache
}

func newExamplePhone() *examplePhone {
	quiet := slog.New(slog.DiscardHandler)
	ua, _ := sipgo.NewUA(sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)))
	srv, _ := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	client, _ := sipgo.NewClient(ua, sipgo.WithClientLogger(quiet))
	pc, _ := net.ListenPacket("udp", "127.0.0.1:0")
	p := &examplePhone{ua: ua, pc: pc}
	p.dc = sipgo.NewDialogClientCache(client, sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: pc.LocalAddr().(*net.UDPAddr).Port}})
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) { _ = p.dc.ReadBye(req, tx) })
	go srv.ServeUDP(pc)
	return p
}

func (p *examplePhone) close() {
	p.pc.Close()
	p.ua.Close()
}

// call dials number at addr and returns the final status; an answered
// call is ACKed and left up.
func (p *examplePhone) call(ctx context.Context, addr, number string) string {
	host, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	sess, err := p.dc.Invite(ctx, sip.Uri{Scheme: "sip", User: number, Host: host, Port: n},
		[]byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"),
		sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		return err.Error()
	}
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		var de *sipgo.ErrDialogResponse
		if errors.As(err, &de) {
			return fmt.Sprintf("%d %s", de.Res.StatusCode, de.Res.Reason)
		}
		return err.Error()
	}
	_ = sess.Ack(ctx)
	return fmt.Sprintf("%d %s", sess.InviteResponse.StatusCode, sess.InviteResponse.Reason)
}
