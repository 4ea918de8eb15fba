// Command messaging measures the messaging channel end to end: inbound
// SMS webhooks at a fixed rate, each through the channel, the service's
// router and an agent at the desk, over real HTTP on loopback. It is
// the measurement of issue 16's target, 1,000 inbound messages a second
// sustained on 2 cores.
//
// One process starts a contactcenter.Lifecycle on the in-memory
// adapters (real clock) with one service of a conference-like template
// that offers SMS with a queue (no receptionist: each new conversation
// goes straight to the queue), signs in -agents agents at the desk
// (each takes 4 conversations at once), and serves the channel's
// webhooks on 127.0.0.1. The agents, acting through the desk (a
// goroutine per action, as each is a person), accept every offer,
// reply once with Post when the acceptance's event has come, and end
// the conversation -handle later. Replies go to memprovider's gateway in
// the process, over HTTP, as to a provider's API.
//
// The load generator posts -rate webhooks a second for -duration, open
// loop: message i is due at start + i/rate and is sent then, whatever
// became of the earlier ones, with at most -c in flight (a send that
// waits for a slot is late, and counted), so a slow server shows as
// latency, not as a lower offered rate. Each message comes from one of
// -senders attendees chosen at random, so some start conversations and
// some continue them; each is signed as its provider signs
// (-provider memprovider: HMAC-SHA256 of JSON; twilio: HMAC-SHA1 of the
// URL and the sorted form, through the Twilio adapter).
//
// It prints the offered and achieved rates, the HTTP statuses, the
// webhook's latency and the latency to the agent side (the lifecycle's
// ConversationEvent for the message, and the instant the message is
// with an agent: seen, and its conversation accepted), each from the
// instant the message was due, with p99 per 5-second window; the
// conversations started, offered, assigned and ended, the replies
// written and taken by the provider, CPU seconds and the heap. It exits
// non-zero if any message was not taken (not 200), never reached the
// agent side, or sits in a conversation no agent accepted.
//
//	go run ./bench/messaging                                  # 1,000 msg/s for 30 s, everything in one process
//	go run ./bench/messaging -provider twilio -transcripts postgres   # with EVENTCC_POSTGRES_URL
//	go run ./bench/messaging -transcripts postgres -outbox postgres  # the replies kept in PostgreSQL too
//	go run ./bench/messaging -serve 127.0.0.1:8941 &                  # the server alone …
//	go run ./bench/messaging -target http://127.0.0.1:8941            # … and the load from another process
//
// -cpuprofile writes the server process's CPU profile of the run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sort"
	"syscall"
	"time"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "messaging:", err)
		os.Exit(1)
	}
}

// errLost is run's error when a message was lost.
var errLost = errors.New("messages lost")

func run(ctx context.Context, args []string, out io.Writer) error {
	_, err := bench(ctx, args, out)
	return err
}

// bench runs the command and returns the report of the load (nil with
// -serve).
func bench(ctx context.Context, args []string, out io.Writer) (*report, error) {
	fs := flag.NewFlagSet("messaging", flag.ContinueOnError)
	fs.SetOutput(out)
	var lc loadConfig
	var sc serverConfig
	fs.Float64Var(&lc.Rate, "rate", 1000, "messages a second, offered")
	fs.DurationVar(&lc.Duration, "duration", 30*time.Second, "how long to offer them")
	fs.IntVar(&lc.Senders, "senders", 20000, "attendees writing, each message from one at random")
	fs.IntVar(&lc.Concurrency, "c", 512, "webhook requests in flight at most")
	fs.StringVar(&lc.Provider, "provider", "memprovider", "the webhooks' provider: memprovider or twilio")
	fs.DurationVar(&lc.Drain, "drain", 30*time.Second, "how long to wait after the last request for the agent side to catch up")
	fs.Uint64Var(&lc.Seed, "seed", 1, "the senders' random order")
	fs.IntVar(&sc.Agents, "agents", 1500, "agents at the desk, 4 conversations each")
	fs.DurationVar(&sc.Handle, "handle", 5*time.Second, "from an agent's acceptance to their ending the conversation")
	fs.StringVar(&sc.Transcripts, "transcripts", "memory", "the channel's transcripts: memory, or postgres at $EVENTCC_POSTGRES_URL")
	fs.StringVar(&sc.Outbox, "outbox", "memory", "the channel's reply outbox: memory, or postgres at $EVENTCC_POSTGRES_URL")
	serve := fs.String("serve", "", "only serve, at this address (host:port), until interrupted")
	target := fs.String("target", "", "only load, the server at this base URL (a -serve)")
	cpuprofile := fs.String("cpuprofile", "", "write the server process's CPU profile of the run here")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *serve != "" && *target != "" {
		return nil, errors.New("-serve and -target: one or the other")
	}
	if *target != "" {
		lc.Target = *target
		rep, err := load(ctx, lc)
		if err != nil {
			return nil, err
		}
		rep.Transcripts = "(the server's)"
		return rep, print(out, rep, "separate processes: the load generator's CPU is its own")
	}

	// memprovider's client sends the replies through
	// http.DefaultTransport, which keeps 2 idle connections per host:
	// with hundreds of replies in flight, nearly each would dial anew.
	// A provider's API client in production keeps a pool; so does this.
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		t.MaxIdleConnsPerHost = 1024
	}
	s, err := newServer(ctx, sc)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	addr := *serve
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	if *serve != "" {
		fmt.Fprintf(out, "listening %s (%d agents, %s transcripts)\n", base, sc.Agents, sc.Transcripts)
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		<-ctx.Done()
		return nil, nil
	}
	lc.Target, lc.OwnCPU = base, true
	rep, err := load(ctx, lc)
	if err != nil {
		return nil, err
	}
	rep.Transcripts = sc.Transcripts + ", outbox " + sc.Outbox
	return rep, print(out, rep, "one process: the load generator shares the cores and its CPU is counted in the figure")
}

// print writes the report, and returns errLost if a message was lost.
func print(out io.Writer, r *report, where string) error {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }
	fmt.Fprintf(out, "messaging: %d messages from %d s of %.0f msg/s, provider %s, transcripts %s (%s)\n",
		r.Messages, int(float64(r.Messages)/r.Offered), r.Offered, r.Provider, r.Transcripts, where)
	fmt.Fprintf(out, "rate: offered %.0f msg/s, dispatched %.1f msg/s, completed %.1f msg/s (%d responses in %.2f s); late sends: %d > 1 ms, %d > 10 ms, max %s\n",
		r.Offered, r.Dispatched, r.Completed, r.Messages, r.Wall.Seconds(), r.Late1ms, r.Late10ms, ms(r.MaxLate))
	var codes []string
	for c := range r.Status {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	fmt.Fprint(out, "status:")
	for _, c := range codes {
		fmt.Fprintf(out, " %s×%d", c, r.Status[c])
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "webhook latency (from due): p50 %s, p99 %s, max %s\n", ms(r.Webhook[0]), ms(r.Webhook[1]), ms(r.Webhook[2]))
	fmt.Fprintf(out, "to the agent side (ConversationEvent): p50 %s, p99 %s, max %s\n", ms(r.Seen[0]), ms(r.Seen[1]), ms(r.Seen[2]))
	fmt.Fprintf(out, "with an agent (seen and accepted): p50 %s, p99 %s, max %s\n", ms(r.WithAgent[0]), ms(r.WithAgent[1]), ms(r.WithAgent[2]))
	fmt.Fprint(out, "p99 per 5 s (webhook / with an agent):")
	for _, w := range r.Windows {
		fmt.Fprintf(out, " [%ds %s / %s]", int(w.From.Seconds()), ms(w.WebhookP99), ms(w.AgentP99))
	}
	fmt.Fprintln(out)
	s := r.Server
	fmt.Fprintf(out, "drain: the agent side caught up %.2f s after the last response\n", r.Drain.Seconds())
	fmt.Fprintf(out, "conversations: %d started, %d offers, %d assigned, %d ended, %d waiting at the end; follow-ups %d\n",
		s.Started, s.Offered, s.Assigned, s.Ended, s.Waiting, r.Messages-s.Started)
	fmt.Fprintf(out, "replies: %d written (%d by agents), %d taken by the provider; agent actions refused: %d %v\n",
		s.Replies, s.Posts, s.Sent, s.AgentErrors, s.FirstErrors)
	fmt.Fprintf(out, "cpu during the load: server process %.2f s (%.2f cores)", r.ServerCPU, r.ServerCPU/r.Wall.Seconds())
	if r.LoadCPU > 0 {
		fmt.Fprintf(out, ", load generator %.2f s", r.LoadCPU)
	}
	if r.MachineCPU >= 0 {
		own := r.ServerCPU
		if r.LoadCPU > 0 {
			own += r.LoadCPU
		}
		fmt.Fprintf(out, "; machine busy %.2f of %d cores, other processes %.2f cores", r.MachineCPU/r.Wall.Seconds(), runtime.NumCPU(), max(0, r.MachineCPU-own)/r.Wall.Seconds())
	}
	fmt.Fprintf(out, "; server heap in use %.1f MiB, %d goroutines\n", float64(s.HeapInuse)/(1<<20), s.Goroutines)
	if r.Lost > 0 {
		fmt.Fprintf(out, "LOST: %d messages (%d not taken, %d never seen by the agent side, %d never with an agent)\n",
			r.Lost, r.Lost-r.NotSeen-r.NotAssigned, r.NotSeen, r.NotAssigned)
		return fmt.Errorf("%w: %d of %d", errLost, r.Lost, r.Messages)
	}
	fmt.Fprintln(out, "lost: none")
	return nil
}
