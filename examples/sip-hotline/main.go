// Command sip-hotline runs one event's telephone hotline on real SIP, for
// a term of real time: a contact center on the in-memory adapters, the
// contactcenter Lifecycle on the wall clock, the SIP channel
// (modality/sipchannel) answering calls on UDP and TCP, and simulated
// agents (contactcenter/agentsim) who sign in with their grants' tokens,
// accept the calls the router offers them after a delay and hang up after
// a handle time.
//
//	go run ./examples/sip-hotline -listen 127.0.0.1:5060 -term 60s
//
// Every call to an event number is answered and queued in the hotline's
// one queue ("general"); the router offers it to the longest-idle agent,
// and the call ends with the agent's BYE, or the caller's. The number
// pool holds the event's numbers and two of last year's: one retired with
// a forward policy, one vacant (aging). At start the command prints
// exactly one JSON line saying how to reach it:
//
//	{"listen":"127.0.0.1:5060","transports":["udp","tcp"],"active":["+15550100001","+15550100002"],
//	 "forward":{"+15550100090":"+15550100099"},"vacant":["+15550100091"],"queue":"general","agents":2}
//
// Then call them, with SIPp for instance:
//
//	sipp 127.0.0.1:5060 -sn uac -s +15550100001 -i 127.0.0.1 -p 5061 -m 7500 -r 1500   # queued: 200, then BYE
//	sipp 127.0.0.1:5060 -sn uac -s +15550100090 -i 127.0.0.1 -p 5061 -m 1              # 302 to +15550100099
//	sipp 127.0.0.1:5060 -sn uac -s +15550100091 -i 127.0.0.1 -p 5061 -m 1              # 404
//
// When the term ends the closing plan runs (calls still up get a BYE, the
// event's numbers start forwarding per the template's policy) and the
// command prints the report, with the queue's service level. Interrupting
// it (Ctrl-C) ends the term at once, with the same teardown.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/agentsim"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/sipchannel"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
	"github.com/eventcc/eventcc/numbermap/numberplan"
	"github.com/eventcc/eventcc/template"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sip-hotline:", err)
		os.Exit(1)
	}
}

// The numbers, in a fictional range (+1 555 0100 xx).
const (
	forwarded = "+15550100090" // last year's event, retired: forwards...
	forwardTo = "+15550100099" // ...to the organiser's office
	vacant    = "+15550100091" // last year's too, vacant while it ages
)

var eventNumbers = []string{"+15550100001", "+15550100002"}

// banner is the JSON line printed at start.
type banner struct {
	Listen     string            `json:"listen"`
	Transports []string          `json:"transports"`
	Active     []string          `json:"active"`
	Forward    map[string]string `json:"forward"`
	Vacant     []string          `json:"vacant"`
	Queue      string            `json:"queue"`  // where calls to the active numbers wait
	Agents     int               `json:"agents"` // on duty at the start
}

// queue is the hotline's one queue.
const queue = "general"

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("sip-hotline", flag.ContinueOnError)
	fs.SetOutput(out)
	listen := fs.String("listen", "127.0.0.1:5060", "address to serve SIP on, over UDP and TCP (port 0: any free port)")
	term := fs.Duration("term", 60*time.Second, "how long the event's term lasts, in real time")
	tick := fs.Duration("tick", 250*time.Millisecond, "how often the lifecycle looks at its services")
	answer := fs.Duration("answer", 2*time.Second, "how long an agent takes to accept a call offered")
	handle := fs.Duration("handle", 30*time.Second, "mean time an agent spends on a call before hanging up")
	mediaAddr := fs.String("media-addr", "", "the IP address callers send RTP to (default: the SIP address a call reached; required with an unspecified -listen)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *term <= 0 || *tick <= 0 || *answer < 0 || *handle <= 0 {
		return errors.New("-term, -tick and -handle must be positive, -answer not negative")
	}

	now := time.Now()
	pool, err := numberPool(ctx, now)
	if err != nil {
		return err
	}
	channel, err := sipchannel.New(sipchannel.Config{Listen: []string{*listen}, Numbers: pool, Now: time.Now, MediaAddr: *mediaAddr})
	if err != nil {
		return err
	}
	// Agents sign in with bearer tokens: the authority needs a key.
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	authority, err := access.New(access.Config{Store: memaccess.New(), Keys: []access.Key{{ID: "hotline", Secret: key}}})
	if err != nil {
		return err
	}
	lc, err := contactcenter.New(contactcenter.Config{
		Store:        memstore.New(),
		Provisioner:  memprovisioner.New(memprovisioner.Limits{Agents: 100, Supervisors: 20, Licences: 200, Space: 300}),
		Access:       authority,
		Numbers:      pool,
		Channels:     []modality.Channel{channel},
		EventSystem:  memevents.New(),
		Now:          time.Now,
		TickInterval: *tick,
	})
	if err != nil {
		return err
	}
	defer lc.Close()

	// Wake up on every state change and intake change.
	changed := make(chan struct{}, 1)
	defer lc.Subscribe(func(e contactcenter.Event) {
		switch e.(type) {
		case *contactcenter.StateChanged, *contactcenter.IntakeChanged:
			select {
			case changed <- struct{}{}:
			default:
			}
		}
	})()

	agents, err := agentsim.New(agentsim.Config{Lifecycle: lc, Authority: authority, Now: time.Now,
		AnswerDelay: *answer, HandleTime: *handle, Seed: uint64(now.UnixNano())})
	if err != nil {
		return err
	}
	defer agents.Close()

	zero := template.Duration(0)
	svc, err := lc.Request(ctx, contactcenter.Request{
		EventID:   "hotline",
		EventType: "conference",
		Term:      contactcenter.Term{Start: now, End: now.Add(*term)},
		Template:  "conference",
		Features: contactcenter.Features{Modalities: []modality.Kind{modality.Telephony},
			Queues: []string{queue}},
		ExpectedAttendance: 500,
		Overrides:          template.Overrides{Grace: &zero},
	})
	if err != nil {
		return err
	}

	// Serve SIP and drive the lifecycle until the service is over. The
	// service is torn down on the lifecycle's terms, so neither is
	// stopped by ctx directly.
	serve, stopServing := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServing()
	chDone := make(chan error, 1)
	go func() { chDone <- channel.Run(serve) }()
	lcDone := make(chan error, 1)
	go func() { lcDone <- lc.Run(serve) }()
	agDone := make(chan error, 1)
	go func() {
		agDone <- agents.Run(serve, 50*time.Millisecond, func(err error) { fmt.Fprintln(os.Stderr, "sip-hotline: agents:", err) })
	}()
	shutdown := func() error {
		stopServing()
		err := <-chDone
		<-lcDone
		<-agDone
		if errors.Is(err, context.Canceled) {
			err = nil
		}
		return err
	}

	terminated := false
	announced := false
	for {
		s, err := lc.Get(serve, svc.ID)
		if err != nil {
			return errors.Join(err, shutdown())
		}
		if !announced && s.State == contactcenter.Active && s.IntakeOpen {
			announced = true
			if err := printBanner(out, channel, s); err != nil {
				return errors.Join(err, shutdown())
			}
		}
		if s.State.Final() {
			break
		}
		select {
		case <-changed:
		case <-time.After(*tick):
		case <-ctx.Done():
			if !terminated {
				terminated = true
				if err := lc.Terminate(serve, svc.ID, "interrupted"); err != nil {
					return errors.Join(err, shutdown())
				}
			}
		}
	}
	rep, err := lc.Report(serve, svc.ID)
	if err != nil {
		return errors.Join(err, shutdown())
	}
	printReport(out, rep)
	return shutdown()
}

// numberPool holds the event's numbers and last year's two.
func numberPool(ctx context.Context, now time.Time) (*memnumbermap.Store, error) {
	pool := memnumbermap.New()
	parse := func(s string) numbermap.Number {
		n, err := numberplan.ParseWith(s, numberplan.Options{Possible: true})
		if err != nil {
			panic(err) // the constants above are numbers
		}
		return n
	}
	yearAgo := now.AddDate(-1, 0, 0)
	retire := func(n, service string, pol numbermap.Policy) error {
		if err := pool.Add(ctx, numbermap.Owned{Number: parse(n), Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}); err != nil {
			return err
		}
		// Leased last year; expired a month ago.
		_, err := pool.Claim(ctx, numbermap.ClaimRequest{Count: 1, At: yearAgo, Lease: numbermap.Lease{
			ServiceID: service, EntryPoint: "phone", Modality: string(modality.Telephony),
			Start: yearAgo, Expires: now.AddDate(0, -1, 0), Policy: pol}})
		return err
	}
	if err := retire(forwarded, "last-year-expo", numbermap.Policy{Kind: numbermap.Forward, ForwardTo: parse(forwardTo),
		For: 60 * 24 * time.Hour, Aging: numbermap.DefaultAging}); err != nil {
		return nil, err
	}
	if err := retire(vacant, "last-year-gala", numbermap.Policy{Kind: numbermap.Vacant, Aging: numbermap.DefaultAging}); err != nil {
		return nil, err
	}
	for _, n := range eventNumbers {
		if err := pool.Add(ctx, numbermap.Owned{Number: parse(n), Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}); err != nil {
			return nil, err
		}
	}
	return pool, nil
}

func printBanner(out io.Writer, ch *sipchannel.Channel, s contactcenter.Service) error {
	b := banner{Forward: map[string]string{forwarded: forwardTo}, Vacant: []string{vacant}, Active: []string{},
		Queue: queue, Agents: s.Resources.Agents}
	for _, a := range ch.Addrs() {
		b.Listen = a.Address
		b.Transports = append(b.Transports, a.Transport)
	}
	for _, n := range s.Numbers {
		b.Active = append(b.Active, n.String())
	}
	line, err := json.Marshal(b)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s\n", line)
	return err
}

func printReport(out io.Writer, r contactcenter.Report) {
	fmt.Fprintf(out, "report for %s: %s\n", r.ServiceID, r.State)
	for _, t := range r.Timeline {
		fmt.Fprintf(out, "  %s  %-11s -> %-11s %s\n", t.At.Format("15:04:05.000"), t.From, t.To, t.Reason)
	}
	fmt.Fprintf(out, "usage: %.3f agent-hours (peak %d agents), %.3f licence-hours, %.3f space-unit-hours\n",
		r.AgentHours, r.PeakAgents, r.LicenceHours, r.SpaceHours)
	if e := r.Engagements; e != nil {
		for _, q := range e.Queues {
			fmt.Fprintf(out, "queue %s (%s): %d offered, %d answered, service level %.1f%% (target %.0f%% within %s), ASA %s, %d abandoned, %d disconnected at the close, %d refused\n",
				q.Queue, q.Kind, q.Offered, q.Answered, 100*q.ServiceLevel, 100*q.Target, q.Threshold, q.ASA.D().Round(time.Millisecond), q.Abandoned, q.Disconnected, q.Refused)
		}
	}
	c := r.Closing
	if c == nil {
		fmt.Fprintln(out, "not closed")
		return
	}
	fmt.Fprintf(out, "closing: %d end point(s) disconnected, %d grant(s) revoked, %d item(s) released\n",
		c.Disconnected, c.GrantsRevoked, len(c.Released))
	for _, n := range c.Numbers {
		fmt.Fprintf(out, "  number %s routes %s, leasable again from %s\n", n.Number, n.Route, n.Until.Format("2006-01-02"))
	}
	remaining := "empty"
	if len(c.Remaining) > 0 {
		var items []string
		for _, it := range c.Remaining {
			items = append(items, string(it.Kind)+":"+it.ID)
		}
		remaining = strings.Join(items, ", ")
	}
	fmt.Fprintf(out, "proof: inventory %s, %d grant(s) authorising, %d end point(s) live, verified %s\n",
		remaining, c.Authorising, c.LiveEndpoints, c.Verified.Format("15:04:05.000"))
}
