// Command messaging runs one conference's SMS help desk end to end, on
// in-memory adapters and a simulated clock, in about a second: an attendee
// texts the event's number, the virtual receptionist answers by text, the
// attendee asks for a person, an agent at the desk accepts, reads the
// conversation and answers, and ends it; then the term ends, and the
// attendee texts again after the help desk has closed.
//
//	go run ./examples/messaging
//	go run ./examples/messaging -attendee +12025550142   # text from another phone
//
// The SMS provider is memprovider's gateway, running in the process: it
// posts each of the attendee's texts to the messaging channel's webhook,
// signed as real providers sign theirs, and takes the replies at its API,
// as a provider would deliver them to the phone. The agent is this
// command too, acting through the contact center's desk with a token of
// their grant, as a desktop would. The command prints the conversation
// as the attendee's phone sees it, one line per message once the gateway
// has it, at the simulated time:
//
//	09:12:00  attendee → +12025550101: hi
//	09:12:00  receptionist → attendee: Welcome to the conference help desk. / 1: Registration and badges / …
//	…
//	09:13:04  agent-gophercon-eu-2027-sms-000001 → attendee: Hello! Happy to help. What do you need?
//	…
//	20:00:44  attendee → +12025550101: Hello? Is anyone there?
//	20:00:44  auto-reply → attendee: This number is no longer in service for this event. Please write to +12025550100 instead.
//
// and at the end the SMS queues' figures, where the event's numbers now
// route, and the proof that nothing is left, as the quickstart does.
//
// The text after the term is answered per the conference's post-term
// policy: its numbers forward to the organiser's office for 30 days (as
// the report shows), so the messaging channel, which routes each SMS as
// the number pool says at that instant, tells the attendee where to
// write instead.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/clocktest"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/memprovider"
	"github.com/eventcc/eventcc/modality/messagingchannel"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/modality/transcript"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "messaging:", err)
		os.Exit(1)
	}
}

// timeout bounds the whole run: every wait for a reply or an offer ends
// with an error rather than hanging, should one never come.
const timeout = 30 * time.Second

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("messaging", flag.ContinueOnError)
	fs.SetOutput(out)
	from := fs.String("attendee", "+12025550177", "the attendee's phone number, in E.164")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := numbermap.Parse(*from); err != nil {
		return fmt.Errorf("-attendee: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// The simulated clock: the lifecycle, the access authority and the
	// messaging channel all read it. The event day starts at 08:00.
	clock := clocktest.New(time.Date(2027, 3, 2, 8, 0, 0, 0, time.UTC))

	// The number pool: the conference template takes two US numbers.
	numbers := memnumbermap.New()
	for _, n := range []string{"+1 202 555 0101", "+1 202 555 0102", "+1 202 555 0103"} {
		if err := numbers.Add(ctx, numbermap.Owned{Number: numbermap.MustParse(n), Country: "US", Capabilities: numbermap.Voice | numbermap.SMS, Provider: "sim"}); err != nil {
			return err
		}
	}
	grants := memaccess.New()
	authority, err := access.New(access.Config{Store: grants, Now: clock.Now,
		Keys: []access.Key{{ID: "messaging", Secret: []byte("messaging-example-key-32-bytes!!")}}})
	if err != nil {
		return err
	}

	// The SMS provider: a gateway in the process and the provider that
	// talks to it, sharing the webhook secret.
	secret := []byte("messaging-example-gateway-secret")
	gw, err := memprovider.NewGateway(secret)
	if err != nil {
		return err
	}
	defer gw.Close()
	sms, err := memprovider.New(gw.URL(), secret, modality.SMS)
	if err != nil {
		return err
	}
	texts, err := messagingchannel.New(messagingchannel.Config{Providers: []messaging.Provider{sms}, Numbers: numbers, Now: clock.Now})
	if err != nil {
		return err
	}
	defer texts.Close()
	// The channel's webhooks, where the gateway posts the attendee's texts.
	hooks := httptest.NewServer(texts)
	defer hooks.Close()
	webhook := hooks.URL + "/" + sms.Name()

	lc, err := contactcenter.New(contactcenter.Config{
		Store:       memstore.New(),
		Provisioner: memprovisioner.New(memprovisioner.Limits{Agents: 50, Supervisors: 10, Licences: 100, Space: 200}),
		Access:      authority,
		Numbers:     numbers,
		Channels:    []modality.Channel{texts},
		EventSystem: memevents.New(),
		Now:         clock.Now,
	})
	if err != nil {
		return err
	}
	defer lc.Close()
	defer lc.Subscribe(func(ev contactcenter.Event) {
		if e, ok := ev.(*contactcenter.StateChanged); ok {
			fmt.Fprintf(out, "%s  state %s → %s (%s)\n", hms(e.At), e.From, e.To, e.Reason)
		}
	})()
	// The router's offers and acceptances; an acceptance is reported
	// after the channel has written "You are now chatting with …".
	offers, accepted := make(chan string, 8), make(chan string, 8)
	defer lc.Subscribe(func(ev contactcenter.Event) {
		e, ok := ev.(*contactcenter.EngagementEvent)
		if !ok {
			return
		}
		ch := offers
		switch e.Kind {
		case routing.EventOffered:
		case routing.EventAccepted:
			ch = accepted
		default:
			return
		}
		select {
		case ch <- e.Engagement:
		default: // never blocks the lifecycle; the script waits for one at a time
		}
	})()

	start := time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC)
	svc, err := lc.Request(ctx, contactcenter.Request{
		EventID:            "gophercon-eu-2027-sms",
		EventType:          "conference",
		Template:           "conference",
		Term:               contactcenter.Term{Start: start, End: start.Add(8 * time.Hour), TimeZone: "Europe/Berlin"},
		Features:           contactcenter.Features{Modalities: []modality.Kind{modality.SMS}, Receptionist: true},
		ExpectedAttendance: 800,
	})
	if err != nil {
		return err
	}
	sim := &simulation{clock: clock, lc: lc, texts: texts}
	if err := sim.until(ctx, time.Minute, start.Add(time.Hour), func(s contactcenter.Service) bool {
		return s.State == contactcenter.Active && s.IntakeOpen
	}); err != nil {
		return err
	}
	if svc, err = lc.Get(ctx, svc.ID); err != nil {
		return err
	}
	if len(svc.Numbers) == 0 || len(svc.Staff) == 0 {
		return errors.New("the service has no number or nobody on duty")
	}
	number := svc.Numbers[0].String()
	fmt.Fprintf(out, "%s  the help desk takes texts at %s; the attendee is %s\n\n", hms(clock.Now()), number, *from)

	// The agent signs in at the desk with their grant's token and goes
	// available, as a desktop would.
	d, err := lc.Desk(ctx, svc.ID)
	if err != nil {
		return err
	}
	agent := svc.Staff[0].ID
	tok, _, err := authority.IssueToken(ctx, svc.ID+"/"+agent)
	if err != nil {
		return err
	}
	if _, err := d.Open(ctx, tok, routing.Agent{}); err != nil {
		return err
	}
	if err := d.SetStatus(ctx, tok, routing.Available); err != nil {
		return err
	}

	conv := &conversation{out: out, gw: gw, number: number, ends: make(chan string, 8)}
	defer texts.Watch(svc.ID, conv.watch)()
	text := func(body string) error {
		_, status, err := gw.Text(ctx, webhook, *from, number, body)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("the webhook answered %d to %q", status, body)
		}
		return nil
	}

	// The attendee texts; the receptionist answers with its menu, then
	// the answer of option 2; 0 hands them to the general queue.
	for i, body := range []string{"hi", "2", "0"} {
		wait := 20 * time.Second
		if i == 0 {
			wait = 12 * time.Minute
		}
		sim.advance(ctx, wait)
		if err := text(body); err != nil {
			return err
		}
		if err := conv.show(ctx); err != nil {
			return err
		}
	}

	// The router offers the conversation to the agent, who accepts it
	// and reads it from the start, as the desktop shows it.
	var id string
	select {
	case id = <-offers:
	case <-ctx.Done():
		return fmt.Errorf("the text never reached an agent: %w", ctx.Err())
	}
	sim.advance(ctx, 4*time.Second)
	if err := d.Accept(ctx, tok, id); err != nil {
		return err
	}
	if err := await(ctx, accepted, id, "accepted"); err != nil {
		return err
	}
	if err := conv.show(ctx); err != nil {
		return err
	}
	read, err := d.Transcript(ctx, tok, id, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s  (%s reads the %d messages so far at the desk)\n", hms(clock.Now()), agent, len(read))
	sim.advance(ctx, 20*time.Second)
	if _, err := d.Post(ctx, tok, id, "Hello! Happy to help. What do you need?"); err != nil {
		return err
	}
	if err := conv.show(ctx); err != nil {
		return err
	}
	sim.advance(ctx, 40*time.Second)
	if err := text("I lost my badge. Can I get a new one?"); err != nil {
		return err
	}
	if err := conv.show(ctx); err != nil {
		return err
	}
	sim.advance(ctx, 30*time.Second)
	if _, err := d.Post(ctx, tok, id, "Yes: the registration desk in hall A prints a new one; bring an ID. I've told them you're coming."); err != nil {
		return err
	}
	if err := conv.show(ctx); err != nil {
		return err
	}
	sim.advance(ctx, 30*time.Second)
	if err := d.End(ctx, tok, id); err != nil {
		return err
	}
	if err := await(ctx, conv.ends, id, "ended"); err != nil {
		return err
	}
	if err := conv.show(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s  (%s ends the conversation)\n\n", hms(clock.Now()), agent)
	if err := d.Close(ctx, tok); err != nil {
		return err
	}

	// The term ends at 17:00 and the service expires after its grace:
	// the closing plan runs.
	svc, err = lc.Get(ctx, svc.ID)
	if err != nil {
		return err
	}
	if err := sim.until(ctx, time.Minute, svc.Expires.Add(time.Hour), func(s contactcenter.Service) bool {
		return s.State.Final()
	}); err != nil {
		return err
	}
	if err := conv.show(ctx); err != nil { // anything the close told a live conversation
		return err
	}
	fmt.Fprintln(out)

	// After expiry the attendee texts again: the channel answers for the
	// service it no longer serves with the closed message.
	sim.advance(ctx, 2*time.Hour)
	const again = "Hello? Is anyone there?"
	if err := text(again); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s  attendee → %s: %s\n", hms(clock.Now()), number, again)
	if err := conv.autoReply(ctx, clock.Now()); err != nil {
		return err
	}

	rep, err := lc.Report(ctx, svc.ID)
	if err != nil {
		return err
	}
	printReport(out, rep)
	return nil
}

// simulation moves the simulated clock and drives what reads it: the
// lifecycle's tick and the channel's sweep.
type simulation struct {
	clock *clocktest.Clock
	lc    *contactcenter.Lifecycle
	texts *messagingchannel.Channel
}

// advance moves the clock by d and lets the lifecycle and the channel do
// what is due. A failed tick is retried by the next; the outcomes are
// what the example checks.
func (s *simulation) advance(ctx context.Context, d time.Duration) {
	s.clock.Advance(d)
	_ = s.lc.Tick(ctx)
	s.texts.Sweep(ctx)
}

// until advances the clock by step until done says so of the (only)
// service, or fails once the clock passes limit.
func (s *simulation) until(ctx context.Context, step time.Duration, limit time.Time, done func(contactcenter.Service) bool) error {
	for {
		svcs, err := s.lc.List(ctx)
		if err != nil {
			return err
		}
		if len(svcs) == 1 {
			if svcs[0].State == contactcenter.Failed {
				return fmt.Errorf("the service failed: %v", svcs[0].Err)
			}
			if done(svcs[0]) {
				return nil
			}
		}
		if s.clock.Now().After(limit) {
			return fmt.Errorf("not reached by %s", hms(limit))
		}
		s.advance(ctx, step)
	}
}

// conversation prints the messages of the attendee's conversations as the
// attendee's phone sees them: each reply once the gateway took it.
type conversation struct {
	out    io.Writer
	gw     *memprovider.Gateway
	number string

	ends chan string // conversations that ended

	mu      sync.Mutex
	msgs    []transcript.Message // in the order the channel wrote them
	printed int                  // of msgs
	replies int                  // of msgs: those the channel sends to the attendee
	seen    int                  // replies the gateway took, shown
}

// watch is the channel's Watch callback: it only records (it must not
// block).
func (c *conversation) watch(ev modality.ConversationEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch ev.Kind {
	case modality.ConversationMessage:
		c.msgs = append(c.msgs, ev.Message)
		if ev.Message.Author != transcript.AuthorAttendee {
			c.replies++
		}
	case modality.ConversationEnded:
		select {
		case c.ends <- ev.Conversation:
		default: // nobody waits for more ends than the buffer holds
		}
	}
}

// show waits until the gateway has every reply the channel wrote so far,
// then prints the messages not printed yet.
func (c *conversation) show(ctx context.Context) error {
	c.mu.Lock()
	want := c.replies
	c.mu.Unlock()
	got, err := c.gw.Await(ctx, want)
	if err != nil {
		return fmt.Errorf("waiting for %d replies at the gateway: %w", want, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.msgs[c.printed:] {
		if m.Author == transcript.AuthorAttendee {
			fmt.Fprintf(c.out, "%s  attendee → %s: %s\n", hms(m.At), c.number, oneLine(m.Body))
		} else {
			fmt.Fprintf(c.out, "%s  %s → attendee: %s\n", hms(m.At), who(m.Author), oneLine(m.Body))
		}
	}
	c.printed = len(c.msgs)
	c.seen = len(got)
	return nil
}

// await waits until ch names conversation id: it was what.
func await(ctx context.Context, ch <-chan string, id, what string) error {
	for {
		select {
		case got := <-ch:
			if got == id {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("conversation %s never %s: %w", id, what, ctx.Err())
		}
	}
}

// autoReply waits for the one reply to a message outside any
// conversation (a text to a service that is over) and prints it, as of
// at: it is in no transcript.
func (c *conversation) autoReply(ctx context.Context, at time.Time) error {
	got, err := c.gw.Await(ctx, c.seen+1)
	if err != nil {
		return fmt.Errorf("waiting for the auto-reply: %w", err)
	}
	r := got[c.seen]
	c.seen = len(got)
	fmt.Fprintf(c.out, "%s  auto-reply → attendee: %s\n", hms(at), oneLine(r.Body))
	return nil
}

// who names a message's author for a line: an agent by their ID.
func who(author string) string {
	if a, ok := strings.CutPrefix(author, "agent:"); ok {
		return a
	}
	return author
}

// oneLine keeps a message on its line: a menu's lines are joined.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " / ")), " ")
}

func printReport(out io.Writer, r contactcenter.Report) {
	fmt.Fprintf(out, "\nreport for %s: %s\n", r.ServiceID, r.State)
	if e := r.Engagements; e != nil {
		for _, q := range e.Queues {
			if q.Kind != modality.SMS {
				continue
			}
			fmt.Fprintf(out, "  queue %-13s %s: %d offered, %d answered, ASA %s, %d abandoned\n",
				q.Queue, q.Kind, q.Offered, q.Answered, q.ASA.D().Round(time.Second), q.Abandoned)
		}
	}
	c := r.Closing
	if c == nil {
		fmt.Fprintln(out, "not closed")
		return
	}
	for _, n := range c.Numbers {
		fmt.Fprintf(out, "  number %s routes %s, leasable again from %s\n", n.Number, n.Route, n.Until.Format("2006-01-02"))
	}
	fmt.Fprintf(out, "proof: inventory %s, %d grant(s) authorising, %d end point(s) live, verified %s\n",
		inventory(c.Remaining), c.Authorising, c.LiveEndpoints, hms(c.Verified))
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

func hms(t time.Time) string { return t.UTC().Format("15:04:05") }
