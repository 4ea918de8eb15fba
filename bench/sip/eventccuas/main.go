// Command eventccuas serves one service's number on the eventcc SIP
// channel (modality/sipchannel), for the SIP benchmark: calls are routed
// through a number pool (memnumbermap), admitted, registered as
// engagements, answered with an SDP answer and ended on BYE, as in
// production. bench/sip/run.sh runs SIPp against it and against bareuas,
// alternating, and compares them.
//
//	go run ./bench/sip/eventccuas -listen 127.0.0.1:5090 -number +15550001001 -stats eventcc.jsonl
//
// With -teardown-at N it disconnects the service as soon as N calls are
// live and prints how long that took, as one JSON line: the teardown
// benchmark.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/eventcc/eventcc/bench/sip/internal/procstats"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/sipchannel"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
	"github.com/eventcc/eventcc/numbermap/numberplan"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "eventccuas:", err)
		os.Exit(1)
	}
}

const service = "bench"

func run(args []string) error {
	fs := flag.NewFlagSet("eventccuas", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:5090", "address to serve UDP and TCP on")
	number := fs.String("number", "+15550001001", "the service's number (E.164)")
	stats := fs.String("stats", "", "file to append resource use to, one JSON line a second")
	teardownAt := fs.Int("teardown-at", 0, "disconnect the service once this many calls are live, and report how long it took")
	inFlight := fs.Int("hangups-in-flight", 0, "Config.MaxHangupsInFlight (0: the default)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	media := fs.Bool("media", false, "answer calls with RTP (the default measures signalling alone: Config.NoMedia)")
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
	n, err := numberplan.ParseWith(*number, numberplan.Options{Possible: true})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The number is leased to the service for a year: calls route to it.
	pool := memnumbermap.New()
	now := time.Now()
	if err := pool.Add(ctx, numbermap.Owned{Number: n, Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}); err != nil {
		return err
	}
	if _, err := pool.Claim(ctx, numbermap.ClaimRequest{
		Lease: numbermap.Lease{ServiceID: service, EntryPoint: "phone", Modality: string(modality.Telephony),
			Start: now, Expires: now.Add(365 * 24 * time.Hour), Policy: numbermap.Policy{Kind: numbermap.Vacant}},
		Count: 1, At: now,
	}); err != nil {
		return err
	}

	ch, err := sipchannel.New(sipchannel.Config{Listen: []string{*listen}, Numbers: pool, MaxHangupsInFlight: *inFlight, NoMedia: !*media})
	if err != nil {
		return err
	}
	if err := ch.Open(ctx, service, modality.Setup{
		EntryPoints: []modality.EntryPoint{{Name: "phone", Kind: modality.Telephony, Address: n.String(), Queue: "general"}},
		Queues:      []string{"general"},
	}); err != nil {
		return err
	}
	runErr := make(chan error, 1)
	go func() { runErr <- ch.Run(ctx) }()
	fmt.Printf("eventccuas listening on %v, number %s\n", ch.Addrs(), n)

	counts := func() modality.Counts {
		cs, _ := ch.Counts(context.Background(), service)
		return cs[0]
	}
	out := io.Discard
	if *stats != "" {
		f, err := os.Create(*stats)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	go procstats.Write(ctx, out, time.Second, func() any { return counts() })

	if *teardownAt > 0 {
		go teardown(ctx, ch, *teardownAt, counts)
	}
	if err := <-runErr; !errors.Is(err, context.Canceled) {
		return err // a signal ends the run: not an error
	}
	return nil
}

// teardown waits (polling the counts every 10 ms) until at least n calls
// are live, disconnects the service and prints what happened.
func teardown(ctx context.Context, ch *sipchannel.Channel, n int, counts func() modality.Counts) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for counts().Live() < n {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
	live := counts().Live()
	before := procstats.Take()
	start := time.Now()
	ended, err := ch.Disconnect(ctx, service)
	elapsed := time.Since(start)
	msg := map[string]any{"live": live, "disconnected": ended, "seconds": elapsed.Seconds(),
		"heapLiveBefore": before.HeapLive, "goroutinesBefore": before.Goroutines, "liveAfter": counts().Live()}
	if err != nil {
		msg["error"] = err.Error()
	}
	b, _ := json.Marshal(msg)
	fmt.Println(string(b))
}
