// Command quickstart runs one conference's contact center through its
// whole life on in-memory adapters and a simulated clock, in about a
// second: it prints the deploy plan, deploys before the term starts,
// opens at the start, takes a keynote surge and scales up and down,
// takes an extension from the event system, expires, runs the closing
// plan and prints the final report: how each queue did, and the proof
// that nothing is left.
//
// Attendees call and chat, and pick a queue at the virtual
// receptionist; the router offers each engagement to an agent, and the
// agents (simulated people, signed in with their grants' tokens) accept
// it after a few seconds and end it after about four minutes.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -report report.html -json report.json   # the final report as a page and as JSON
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/agentsim"
	"github.com/eventcc/eventcc/contactcenter/clocktest"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

func main() {
	html := flag.String("report", "", "write the final report as a one-page HTML file here")
	js := flag.String("json", "", "write the final report as JSON here")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, files{html: *html, json: *js}); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// files are where to write the final report, if anywhere.
type files struct{ html, json string }

// write writes the report where asked.
func (f files) write(r contactcenter.Report) error {
	if f.html != "" {
		var b bytes.Buffer
		if err := r.WriteHTML(&b); err != nil {
			return err
		}
		if err := os.WriteFile(f.html, b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if f.json != "" {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(f.json, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func run(ctx context.Context, out io.Writer, report files) error {
	// The simulated clock: every time decision of the lifecycle reads it.
	clock := clocktest.New(time.Date(2027, 2, 27, 12, 0, 0, 0, time.UTC))

	// In-memory adapters: the reference implementations of every
	// pluggable interface.
	numbers := memnumbermap.New()
	for _, n := range []string{"+1 202 555 0101", "+1 202 555 0102", "+1 202 555 0103"} {
		if err := numbers.Add(ctx, numbermap.Owned{Number: numbermap.MustParse(n), Country: "US", Capabilities: numbermap.Voice | numbermap.SMS, Provider: "sim"}); err != nil {
			return err
		}
	}
	channel, err := memchannel.New()
	if err != nil {
		return err
	}
	grants := memaccess.New()
	// Agents sign in with bearer tokens: the authority needs a key (a
	// fixed one here; 32 random bytes in production).
	authority, err := access.New(access.Config{Store: grants, Now: clock.Now,
		Keys: []access.Key{{ID: "quickstart", Secret: []byte("quickstart-key-32-bytes-long-ok!")}}})
	if err != nil {
		return err
	}
	provisioner := memprovisioner.New(memprovisioner.Limits{Agents: 200, Supervisors: 40, Licences: 300, Space: 500})
	lc, err := contactcenter.New(contactcenter.Config{
		Store:       memstore.New(),
		Provisioner: provisioner,
		Access:      authority,
		Numbers:     numbers,
		Channels:    []modality.Channel{channel},
		EventSystem: memevents.New(),
		Now:         clock.Now,
	})
	if err != nil {
		return err
	}
	defer lc.Close()
	defer lc.Subscribe(printer(out))()
	agents, err := agentsim.New(agentsim.Config{Lifecycle: lc, Authority: authority, Now: clock.Now,
		AnswerDelay: 5 * time.Second, HandleTime: 4 * time.Minute, Seed: 1})
	if err != nil {
		return err
	}
	defer agents.Close()

	start := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	req := contactcenter.Request{
		EventID:   "gophercon-eu-2027",
		EventType: "conference",
		Term:      contactcenter.Term{Start: start, End: start.Add(8 * time.Hour), TimeZone: "Europe/Berlin"},
		Template:  "conference",
		Features: contactcenter.Features{
			Modalities:   []modality.Kind{modality.Telephony, modality.Chat},
			Receptionist: true,
		},
		ExpectedAttendance: 2500,
	}

	// Dry run: the plans, without side effects.
	plans, err := lc.Plan(ctx, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "deploy plan %s (digest %.12s):\n", plans.Deploy.ID, plans.Deploy.Digest)
	for _, s := range plans.Deploy.Steps {
		fmt.Fprintf(out, "  %-14s %s\n", s.Key, s.Description)
	}
	fmt.Fprintf(out, "closing plan %s (digest %.12s):\n", plans.Close.ID, plans.Close.Digest)
	for _, s := range plans.Close.Steps {
		fmt.Fprintf(out, "  %-14s %s\n", s.Key, s.Description)
	}

	svc, err := lc.Request(ctx, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s requested: deploy at %s, open %s–%s, expires %s\n", svc.ID,
		hhmm(svc.DeployAt()), hhmm(svc.Term.Start), hhmm(svc.Term.End), hhmm(svc.Expires))

	// Attendees: a steady trickle with a keynote surge from 10:00 to
	// 10:45 on both telephone and chat, each choosing a queue at the
	// receptionist. The lifecycle ticks every 10 s of simulated time,
	// and the agents act on what is due.
	traffic := &attendees{ch: channel, svc: svc.ID}
	extended := false
	for step := 0; step < 4*24*60*6; step++ {
		now := clock.Advance(10 * time.Second)
		if now.Second() == 0 {
			if err := traffic.minute(ctx, now); err != nil {
				return err
			}
		}
		if err := lc.Tick(ctx); err != nil {
			return err
		}
		if err := agents.Step(ctx); err != nil {
			return err
		}
		// At 15:00 the event system reports that the closing day runs an
		// hour longer.
		if !extended && !now.Before(start.Add(6*time.Hour)) {
			extended = true
			if err := lc.Extend(ctx, svc.ID, start.Add(9*time.Hour)); err != nil {
				return err
			}
		}
		s, err := lc.Get(ctx, svc.ID)
		if err != nil {
			return err
		}
		if s.State.Final() {
			break
		}
	}

	rep, err := lc.Report(ctx, svc.ID)
	if err != nil {
		return err
	}
	printReport(out, rep)
	if err := report.write(rep); err != nil {
		return err
	}

	// Fail closed: nobody's access authorises anything any more.
	if gs := mustList(ctx, grants, svc.ID); len(gs) > 0 {
		g := gs[0]
		err := access.Authorize(ctx, grants, clock.Now(), g.Principal, svc.ID, g.Privileges[0])
		fmt.Fprintf(out, "%s's access after close: %v\n", g.Principal, err)
	}
	return nil
}

// attendees drives traffic into the in-memory channel, as callers and
// chatters would.
type attendees struct {
	ch  *memchannel.Channel
	svc string
	n   int
}

// menu is what attendees press at the receptionist: registration,
// speakers, accessibility, anything else.
var menu = []string{"1", "1", "3", "4", "0", "0"}

func (a *attendees) minute(ctx context.Context, now time.Time) error {
	// One attendee opens a chat at 17:30 and never picks an option: it is
	// still with the receptionist when the service closes.
	if now.Hour() == 17 && now.Minute() == 30 && now.Day() == 1 {
		a.n++
		_, _ = a.ch.Arrive(ctx, a.svc, "chat", "night-owl", now)
	}

	rate := 0
	if now.Day() != 1 {
		return nil // the conference is on 1 March
	}
	switch h := now.Hour()*60 + now.Minute(); {
	case h >= 9*60 && h < 10*60:
		rate = 2
	case h >= 10*60 && h < 10*60+45:
		rate = 12 // the keynote surge
	case h >= 10*60+45 && h < 18*60:
		rate = 1
	}
	for i := 0; i < rate; i++ {
		ep := "telephony-1"
		if i%2 == 1 {
			ep = "chat"
		}
		a.n++
		e, err := a.ch.Arrive(ctx, a.svc, ep, fmt.Sprintf("attendee-%d", a.n), now)
		if err != nil {
			continue // intake closed: the attendee is told so by the channel
		}
		if _, err := a.ch.Respond(ctx, e.ID, menu[a.n%len(menu)]); err != nil && !errors.Is(err, modality.ErrBusy) {
			return err
		}
	}
	return nil
}

// printer prints the lifecycle's events as they happen.
func printer(out io.Writer) func(contactcenter.Event) {
	return func(ev contactcenter.Event) {
		switch e := ev.(type) {
		case *contactcenter.StateChanged:
			fmt.Fprintf(out, "%s  state %s → %s (%s)\n", hhmm(e.At), e.From, e.To, e.Reason)
		case *contactcenter.IntakeChanged:
			if e.Open {
				fmt.Fprintf(out, "%s  intake open\n", hhmm(e.At))
			} else {
				fmt.Fprintf(out, "%s  intake stopped\n", hhmm(e.At))
			}
		case *contactcenter.TermChanged:
			fmt.Fprintf(out, "%s  term %s: ends %s, expires %s\n", hhmm(e.At), e.Change, hhmm(e.New.End), hhmm(e.Expires))
		case *contactcenter.ScaleEvent:
			if e.Before != e.After || e.Err != nil {
				fmt.Fprintf(out, "%s  scale agents %d → %d, licences %d → %d, space %d → %d (%s)\n", hhmm(e.At),
					e.Before.Agents, e.After.Agents, e.Before.Licences, e.After.Licences, e.Before.Space, e.After.Space, e.Decision.Reason)
			}
		case *contactcenter.StepEvent:
			if e.Status == contactcenter.StepDone || e.Status == contactcenter.StepFailed {
				fmt.Fprintf(out, "%s  %s step %-14s %s\n", hhmm(e.At), e.Kind, e.Step.Key, e.Status)
			}
		}
	}
}

func printReport(out io.Writer, r contactcenter.Report) {
	fmt.Fprintf(out, "\nreport for %s: %s\n", r.ServiceID, r.State)
	fmt.Fprintln(out, "timeline:")
	for _, t := range r.Timeline {
		fmt.Fprintf(out, "  %s  %-11s → %-11s %s\n", hhmm(t.At), t.From, t.To, t.Reason)
	}
	fmt.Fprintf(out, "usage: %.1f agent-hours (peak %d agents), %.1f supervisor-hours, %.1f licence-hours, %.1f space-unit-hours\n",
		r.AgentHours, r.PeakAgents, r.SupervisorHours, r.LicenceHours, r.SpaceHours)
	if e := r.Engagements; e != nil {
		fmt.Fprintln(out, "queues:")
		for _, q := range e.Queues {
			if q.Offered == 0 {
				continue
			}
			mark := "met"
			if !q.MetTarget() {
				mark = "missed"
			}
			fmt.Fprintf(out, "  %-13s %-9s %4d offered, %4d answered, service level %5.1f%% (target %.0f%%: %s), ASA %s, %d abandoned\n",
				q.Queue, q.Kind, q.Offered, q.Answered, 100*q.ServiceLevel, 100*q.Target, mark, q.ASA.D().Round(time.Second), q.Abandoned)
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
	fmt.Fprintf(out, "proof: inventory %s, %d grant(s) authorising, %d end point(s) live, verified %s\n",
		inventory(c.Remaining), c.Authorising, c.LiveEndpoints, hhmm(c.Verified))
}

func inventory(items []contactcenter.Item) string {
	if len(items) == 0 {
		return "empty"
	}
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(it.Kind) + ":" + it.ID)
	}
	return b.String()
}

func mustList(ctx context.Context, grants *memaccess.Store, svc string) []access.Grant {
	gs, err := grants.ListByService(ctx, svc)
	if err != nil {
		panic(err) // the in-memory store fails only on a cancelled context
	}
	return gs
}

func hhmm(t time.Time) string { return t.UTC().Format("Jan 02 15:04") }
