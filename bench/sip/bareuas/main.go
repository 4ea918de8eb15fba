// Command bareuas is the baseline of the SIP benchmark: the least a sipgo
// user agent server does to answer calls. It answers every INVITE with
// 200 and a fixed SDP answer, confirms dialogs on ACK and ends them on
// BYE, through sipgo's own dialog cache, with no routing, no admission and
// no bookkeeping. bench/sip/run.sh runs SIPp against it and against
// eventccuas, alternating, and compares them.
//
//	go run ./bench/sip/bareuas -listen 127.0.0.1:5080 -stats bare.jsonl
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/eventcc/eventcc/bench/sip/internal/procstats"
)

// answer is the SDP sent with every 200: an inactive audio stream, the
// same shape as the eventcc channel's answer to SIPp's offer.
const answer = "v=0\r\no=bare 1 1 IN IP4 127.0.0.1\r\ns=bare\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
	"m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=inactive\r\n"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bareuas:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("bareuas", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:5080", "address to serve UDP and TCP on")
	stats := fs.String("stats", "", "file to append resource use to, one JSON line a second")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	quiet := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)),
	)
	if err != nil {
		return err
	}
	defer ua.Close()
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		return err
	}
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(quiet))
	if err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(*listen)
	if err != nil {
		return err
	}
	var p int
	fmt.Sscan(port, &p)
	dialogs := sipgo.NewDialogServerCache(client, sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: host, Port: p}})
	ct := sip.ContentTypeHeader("application/sdp")

	srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		dlg, err := dialogs.ReadInvite(req, tx)
		if err != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusBadRequest, "Bad Request", nil))
			return
		}
		if err := dlg.Respond(sip.StatusOK, "OK", []byte(answer), &ct); err != nil {
			dlg.Close() // not confirmed (or already ended by a BYE): forget it
		}
	})
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { _ = dialogs.ReadAck(req, tx) })
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if err := dialogs.ReadBye(req, tx); err != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
		}
	})

	pc, err := net.ListenPacket("udp", *listen)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		pc.Close()
		return err
	}
	go srv.ServeUDP(pc)
	go srv.ServeTCP(l)
	fmt.Printf("bareuas listening on %s (udp, tcp)\n", *listen)

	out := io.Discard
	if *stats != "" {
		f, err := os.Create(*stats)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	go procstats.Write(ctx, out, time.Second, nil)
	<-ctx.Done()
	pc.Close()
	l.Close()
	return nil
}
