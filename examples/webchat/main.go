// Command webchat runs one conference's web chat on this machine: an
// event page with the chat widget, the agent desktop, and the contact
// center behind them, on the in-memory adapters and the wall clock.
//
//	go run ./examples/webchat
//
// It prints one JSON line, then how to use it:
//
//	{"page":"http://127.0.0.1:8080/","desk":"http://127.0.0.1:8080/desk/#service=…&token=…","service":"svc-…"}
//
// Open the page and chat as an attendee: the virtual receptionist greets
// you with the conference's menu; pick "Anything else" (or any queue) and
// a simulated agent accepts, says hello and answers what you write. Or
// start it with -simulated=false, open the desk URL in another window,
// go available and be the agent yourself. Every page load is a new
// attendee, registered with the event and given a token, as an event
// platform would do for its signed-in users.
//
// The term lasts -term (an hour by default); at its end, or on Ctrl-C,
// the closing plan runs: every conversation is told the help desk is
// closed, the desk signs everyone out, and the command prints the report.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/agentsim"
	"github.com/eventcc/eventcc/contactcenter/desktop"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/chatchannel"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
	cctemplate "github.com/eventcc/eventcc/template"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webchat:", err)
		os.Exit(1)
	}
}

// banner is the JSON line printed once the chat is open.
type banner struct {
	Page    string `json:"page"`    // the event page, with the widget
	Desk    string `json:"desk"`    // the agent desktop, signed in as the first person on duty
	Service string `json:"service"` // the service's ID
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("webchat", flag.ContinueOnError)
	fs.SetOutput(out)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve the page, the chat and the desk on (port 0: any free port)")
	term := fs.Duration("term", time.Hour, "how long the event's term lasts")
	simulated := fs.Bool("simulated", true, "simulated agents take the chats; false: you are the agent, at the desk URL")
	answer := fs.Duration("answer", 2*time.Second, "how long a simulated agent takes to accept a chat")
	handle := fs.Duration("handle", 10*time.Minute, "mean time a simulated agent stays in a chat before ending it")
	tick := fs.Duration("tick", 250*time.Millisecond, "how often the lifecycle looks at its services")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *term <= 0 || *tick <= 0 || *answer < 0 || *handle <= 0 {
		return errors.New("-term, -tick and -handle must be positive, -answer not negative")
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()

	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	auth, err := access.New(access.Config{Store: memaccess.New(), Keys: []access.Key{{ID: "webchat", Secret: key}}})
	if err != nil {
		return err
	}
	chat, err := chatchannel.New(chatchannel.Config{
		Tokens: chatchannel.TokensFunc(func(ctx context.Context, tok, svc, p string) (string, error) {
			g, err := auth.AuthorizeToken(ctx, tok, svc, access.Privilege(p))
			return g.Principal, err
		}),
	})
	if err != nil {
		return err
	}
	defer chat.Close()
	lc, err := contactcenter.New(contactcenter.Config{
		Store:        memstore.New(),
		Provisioner:  memprovisioner.New(memprovisioner.Limits{Agents: 100, Supervisors: 20, Licences: 200, Space: 300}),
		Access:       auth,
		Numbers:      memnumbermap.New(),
		Channels:     []modality.Channel{chat},
		EventSystem:  memevents.New(),
		BaseURL:      base + "/chat",
		Now:          time.Now,
		TickInterval: *tick,
	})
	if err != nil {
		return err
	}
	defer lc.Close()
	desk, err := desktop.New(desktop.Config{Lifecycle: lc})
	if err != nil {
		return err
	}
	defer desk.Close()

	now := time.Now()
	zero, noNumbers := cctemplate.Duration(0), 0
	svc, err := lc.Request(ctx, contactcenter.Request{
		EventID:            "webchat",
		EventType:          "conference",
		Template:           "conference",
		Term:               contactcenter.Term{Start: now, End: now.Add(*term)},
		Features:           contactcenter.Features{Modalities: []modality.Kind{modality.Chat}, Receptionist: true},
		ExpectedAttendance: 300,
		Overrides:          cctemplate.Overrides{Grace: &zero, Numbers: &noNumbers}, // chat needs no telephone number
	})
	if err != nil {
		return err
	}

	var visitors atomic.Int64
	mux := http.NewServeMux()
	mux.Handle("/chat/", http.StripPrefix("/chat", chat))
	mux.Handle("/desk/", http.StripPrefix("/desk", desk))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		// What an event platform does for a signed-in attendee: register
		// them with the service and embed a token minted for their grant.
		who := fmt.Sprintf("visitor-%d", visitors.Add(1))
		if _, err := lc.RegisterAttendee(r.Context(), svc.ID, who); err != nil {
			http.Error(w, "the help desk is not open: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		tok, err := lc.AttendeeToken(r.Context(), svc.ID, who)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = eventPage.Execute(w, map[string]string{"Service": svc.ID, "Token": tok, "Who": who})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	// Serve and drive the lifecycle until the service is over; it is
	// torn down on the lifecycle's terms, so nothing stops on ctx alone.
	serve, stopServing := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServing()
	var wg sync.WaitGroup
	var serveErr error
	if *simulated {
		// The agents listen before the lifecycle runs: they sign in when
		// they hear the service open, which may be its first Tick.
		agents, err := agentsim.New(agentsim.Config{Lifecycle: lc, Authority: auth, Now: time.Now,
			AnswerDelay: *answer, HandleTime: *handle, Seed: uint64(now.UnixNano())})
		if err != nil {
			return err
		}
		defer agents.Close()
		defer talk(lc, chat, svc.ID)()
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = agents.Run(serve, 50*time.Millisecond, func(err error) { fmt.Fprintln(os.Stderr, "webchat: agents:", err) })
		}()
	}
	wg.Add(3)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			serveErr = err
		}
	}()
	go func() { defer wg.Done(); _ = lc.Run(serve) }()
	go func() { defer wg.Done(); _ = chat.Run(serve) }()
	shutdown := func() error {
		stopServing()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		wg.Wait()
		return errors.Join(err, serveErr)
	}

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
	announced, terminated := false, false
	for {
		s, err := lc.Get(serve, svc.ID)
		if err != nil {
			return errors.Join(err, shutdown())
		}
		if !announced && s.State == contactcenter.Active && s.IntakeOpen {
			announced = true
			if err := announce(serve, out, auth, base, s, *simulated); err != nil {
				return errors.Join(err, shutdown())
			}
		}
		if s.State == contactcenter.Failed {
			return errors.Join(fmt.Errorf("the service failed: %v", s.Err), shutdown())
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

// announce prints the banner and how to use it. The desk URL signs in as
// the first person on duty; with simulated agents, they are busy too.
func announce(ctx context.Context, out io.Writer, auth *access.Authority, base string, s contactcenter.Service, simulated bool) error {
	if len(s.Staff) == 0 {
		return errors.New("nobody on duty")
	}
	tok, _, err := auth.IssueToken(ctx, s.ID+"/"+s.Staff[0].ID)
	if err != nil {
		return err
	}
	b := banner{Page: base + "/", Service: s.ID,
		Desk: base + "/desk/#service=" + url.QueryEscape(s.ID) + "&token=" + url.QueryEscape(tok)}
	line, err := json.Marshal(b)
	if err != nil {
		return err
	}
	who := "a simulated agent answers"
	if !simulated {
		who = "open the desk URL in another window, go available, and answer"
	}
	_, err = fmt.Fprintf(out, "%s\nchat as an attendee at %s (%s); the desk is at %s\n", line, b.Page, who, b.Desk)
	return err
}

// talk makes the simulated agents talk: a greeting when one accepts a
// chat, and an answer to each message the attendee writes. The agents
// themselves (agentsim) accept and end; this is their voice.
func talk(lc *contactcenter.Lifecycle, chat *chatchannel.Channel, serviceID string) (stop func()) {
	var mu sync.Mutex
	agentOf := map[string]string{} // conversation → agent
	say := func(conv, agent, body string) {
		go func() { // never from the callbacks: they must not block
			_, _ = chat.Post(context.Background(), serviceID, conv, agent, body)
		}()
	}
	unsub := lc.Subscribe(func(ev contactcenter.Event) {
		e, ok := ev.(*contactcenter.EngagementEvent)
		if !ok || e.ServiceID != serviceID {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch e.Kind {
		case routing.EventAccepted:
			agentOf[e.Engagement] = e.Agent
			say(e.Engagement, e.Agent, "Hello, I'm "+e.Agent+", a simulated agent. How can I help?")
		case routing.EventEnded, routing.EventQueued:
			delete(agentOf, e.Engagement)
		}
	})
	unwatch := chat.Watch(serviceID, func(ev chatchannel.ConversationEvent) {
		if ev.Kind != chatchannel.EventMessage || ev.Message.Author != chatchannel.AuthorAttendee {
			return
		}
		mu.Lock()
		agent := agentOf[ev.Conversation]
		mu.Unlock()
		if agent != "" {
			say(ev.Conversation, agent, "You wrote: “"+ev.Message.Body+"”. I'm only a simulation, but a real agent would answer that here.")
		}
	})
	return func() { unwatch(); unsub() }
}

var eventPage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Conference 2027</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}</style>
</head>
<body>
<h1>Conference 2027</h1>
<p>Welcome, {{.Who}}. Questions about your badge, the agenda or the venue? Open the chat at the bottom right.</p>
<script src="/chat/widget.js" data-service="{{.Service}}" data-token="{{.Token}}" data-title="Conference help desk" defer></script>
</body>
</html>
`))

func printReport(out io.Writer, r contactcenter.Report) {
	fmt.Fprintf(out, "report for %s: %s\n", r.ServiceID, r.State)
	if e := r.Engagements; e != nil {
		for _, q := range e.Queues {
			fmt.Fprintf(out, "queue %s (%s): %d offered, %d answered, %d abandoned, %d disconnected at the close\n",
				q.Queue, q.Kind, q.Offered, q.Answered, q.Abandoned, q.Disconnected)
		}
	}
	if c := r.Closing; c != nil {
		kept := "none"
		if t := c.Transcripts; t != nil {
			kept = fmt.Sprintf("%d kept, %d deleted", t.Kept, t.Deleted)
		}
		fmt.Fprintf(out, "closing: %d end point(s) disconnected, %d grant(s) revoked; transcripts: %s; %d end point(s) live, %d grant(s) authorising\n",
			c.Disconnected, c.GrantsRevoked, kept, c.LiveEndpoints, c.Authorising)
	}
}
