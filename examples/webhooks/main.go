// Command webhooks wires a tiny fake event platform and eventcc together
// over loopback HTTP, as a host would in production with real URLs:
//
//   - eventcc serves a webhook.Handler; the platform POSTs signed
//     deliveries to it (events created, an attendee registered, an event
//     extended, another cancelled);
//   - eventcc's Lifecycle announces each service's entry points to the
//     platform through a webhook.EventSystem, and retracts them when the
//     service ends; the platform verifies and shows them.
//
// Time is simulated: two events run from request to teardown in well
// under a second. The example prints what the platform sends and shows,
// and how the lifecycle reacts.
//
//	go run ./examples/webhooks
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/clocktest"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/contactcenter/webhook"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webhooks:", err)
		os.Exit(1)
	}
}

// The secrets each side signs with. In production they come from a
// secret store, one per direction, and are rotated by listing the old and
// the new one for a while.
var (
	inboundSecret  = []byte("platform-to-eventcc-secret-000001")
	outboundSecret = []byte("eventcc-to-platform-secret-000001")
)

func run(ctx context.Context, w io.Writer) error {
	out := &lockedWriter{w: w} // the HTTP servers print from their own goroutines
	clock := clocktest.New(time.Date(2027, 2, 27, 12, 0, 0, 0, time.UTC))

	// The platform's side: an endpoint showing the entry points eventcc
	// announces.
	platform := newPlatform(out, clock.Now)
	board := httptest.NewServer(platform)
	defer board.Close()

	// eventcc's side: a Lifecycle on in-memory adapters, announcing to the
	// platform, and a Handler taking the platform's deliveries.
	announcer, err := webhook.NewEventSystem(webhook.EventSystemConfig{
		URL: board.URL + "/entry-points", Secrets: [][]byte{outboundSecret}, Now: clock.Now,
	})
	if err != nil {
		return err
	}
	defer announcer.Close()
	numbers := memnumbermap.New()
	for _, n := range []string{"+12025550101", "+12025550102", "+12025550103", "+12025550104"} {
		if err := numbers.Add(ctx, numbermap.Owned{Number: numbermap.MustParse(n), Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}); err != nil {
			return err
		}
	}
	channel, err := memchannel.New()
	if err != nil {
		return err
	}
	grants := memaccess.New()
	lc, err := contactcenter.New(contactcenter.Config{
		Store:       memstore.New(),
		Provisioner: memprovisioner.New(memprovisioner.Limits{}),
		Access:      grants,
		Numbers:     numbers,
		Channels:    []modality.Channel{channel},
		EventSystem: announcer,
		Now:         clock.Now,
	})
	if err != nil {
		return err
	}
	defer lc.Close()
	defer lc.Subscribe(reactions(out))()
	handler, err := webhook.NewHandler(webhook.HandlerConfig{Lifecycle: lc, Secrets: [][]byte{inboundSecret}, Now: clock.Now})
	if err != nil {
		return err
	}
	eventcc := httptest.NewServer(handler)
	defer eventcc.Close()
	platform.eventcc = eventcc.URL

	conference := event{ID: "gophercon-eu-2027", Type: "conference", Template: "conference",
		Start: at(3, 1, 9), End: at(3, 1, 17), Modalities: []string{"telephony", "chat"}}
	concert := event{ID: "jazz-night-2027", Type: "concert", Template: "concert",
		Start: at(3, 1, 19), End: at(3, 1, 23), Modalities: []string{"telephony", "chat"}}

	// Two days ahead, the platform creates both events, and a VIP ticket
	// holder registers for the concert's attendee-only line.
	for _, e := range []*event{&conference, &concert} {
		if err := platform.send(ctx, "event.created", e, ""); err != nil {
			return err
		}
	}
	if err := platform.send(ctx, "attendee.registered", &concert, "vip-0042"); err != nil {
		return err
	}

	// Run the simulation in 15-minute steps.
	extended, cancelled := false, false
	for clock.Now().Before(at(3, 3, 0)) {
		now := clock.Advance(15 * time.Minute)
		if err := lc.Tick(ctx); err != nil {
			return err
		}
		switch {
		case !extended && !now.Before(at(3, 1, 15)):
			// The closing panel runs late: the conference ends two hours
			// later.
			extended = true
			conference.End = conference.End.Add(2 * time.Hour)
			if err := platform.send(ctx, "event.updated", &conference, ""); err != nil {
				return err
			}
			// The platform did not see the answer and, a minute later,
			// sends the delivery again, signed afresh.
			clock.Advance(time.Minute)
			if err := platform.resend(ctx); err != nil {
				return err
			}
			// Someone who captured the signed request replays it as is.
			if err := platform.replay(ctx); err != nil {
				return err
			}
		case !cancelled && !now.Before(at(3, 1, 16)):
			// A storm warning: the open-air concert is cancelled.
			cancelled = true
			concert.Reason = "storm warning"
			if err := platform.send(ctx, "event.cancelled", &concert, ""); err != nil {
				return err
			}
			err := access.Authorize(ctx, grants, clock.Now(), "vip-0042", concert.ID, "engagement.start")
			fmt.Fprintf(out, "%s  eventcc   vip-0042's access after the cancellation: %v\n", hhmm(clock.Now()), err)
		}
		if done, err := allFinal(ctx, lc, conference.ID, concert.ID); err != nil || done {
			if err != nil {
				return err
			}
			break
		}
	}

	fmt.Fprintln(out)
	for _, id := range []string{conference.ID, concert.ID} {
		s, err := lc.Get(ctx, id)
		if err != nil {
			return err
		}
		_, shown := platform.shows(id)
		fmt.Fprintf(out, "%s: %s, term %s–%s, entry points shown by the platform: %v\n",
			id, s.State, hhmm(s.Term.Start), hhmm(s.Term.End), shown)
	}
	return nil
}

// platform is the fake event platform: it keeps its events, POSTs signed
// deliveries to eventcc, and shows the entry points eventcc announces.
type platform struct {
	out     io.Writer
	now     func() time.Time
	client  *http.Client
	eventcc string

	sent int // deliveries sent, for their IDs

	mu       sync.Mutex
	versions map[string]int64 // per event, and per attendee
	shown    map[string]webhook.Announcement
	seen     map[string]bool // announcement delivery IDs
	last     []byte          // the last delivery sent
	lastAt   time.Time       // when it was signed
}

func newPlatform(out io.Writer, now func() time.Time) *platform {
	return &platform{out: out, now: now, client: &http.Client{Timeout: 10 * time.Second},
		versions: make(map[string]int64), shown: make(map[string]webhook.Announcement), seen: make(map[string]bool)}
}

// event is the platform's own record of an event.
type event struct {
	ID, Type, Template string
	Start, End         time.Time
	Modalities         []string
	Reason             string
}

// send POSTs one delivery about e (and attendee, for attendee types).
func (p *platform) send(ctx context.Context, typ string, e *event, attendee string) error {
	p.sent++
	d := map[string]any{"id": fmt.Sprintf("dlv_%04d", p.sent), "type": typ}
	ev := map[string]any{"id": e.ID}
	if attendee != "" {
		d["attendee"] = map[string]any{"id": attendee, "version": p.bump(e.ID + "/" + attendee)}
	} else {
		ev["version"] = p.bump(e.ID)
	}
	switch typ {
	case "event.created":
		ev["type"], ev["template"] = e.Type, e.Template
		ev["features"] = map[string]any{"modalities": e.Modalities, "receptionist": true}
		ev["expectedAttendance"] = 1500
		fallthrough
	case "event.updated":
		ev["term"] = map[string]any{"start": e.Start, "end": e.End, "timeZone": "Europe/Berlin"}
	case "event.cancelled":
		ev["reason"] = e.Reason
	}
	d["event"] = ev
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	p.last = body
	what := typ
	if attendee != "" {
		what += " " + attendee
	}
	fmt.Fprintf(p.out, "%s  platform  → %s %s\n", hhmm(p.now()), what, e.ID)
	return p.post(ctx, body)
}

// resend POSTs the last delivery again, signed afresh, as a platform
// retrying a delivery whose answer it missed.
func (p *platform) resend(ctx context.Context) error {
	fmt.Fprintf(p.out, "%s  platform  → the same delivery again\n", hhmm(p.now()))
	return p.post(ctx, p.last)
}

// replay POSTs the last signed request again, timestamp and signature
// included, as an attacker who captured it would. eventcc refuses it.
func (p *platform) replay(ctx context.Context) error {
	fmt.Fprintf(p.out, "%s  intruder  → the captured request, replayed\n", hhmm(p.now()))
	status, answer, err := p.do(ctx, p.last, p.lastAt)
	if err != nil {
		return err
	}
	if status != http.StatusConflict || answer.Code != webhook.CodeReplayed {
		return fmt.Errorf("a replay was answered %d %s; want 409 %s", status, answer.Code, webhook.CodeReplayed)
	}
	fmt.Fprintf(p.out, "%s  intruder  ← %d %s\n", hhmm(p.now()), status, answer.Code)
	return nil
}

// post signs body now and POSTs it; anything but 200 is an error.
func (p *platform) post(ctx context.Context, body []byte) error {
	now := p.now()
	p.lastAt = now
	status, answer, err := p.do(ctx, body, now)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("eventcc answered %d %s: %s", status, answer.Code, answer.Error)
	}
	fmt.Fprintf(p.out, "%s  platform  ← %d %s %s\n", hhmm(now), status, answer.Status, answer.Change)
	return nil
}

// do POSTs body signed as of at and returns eventcc's answer.
func (p *platform) do(ctx context.Context, body []byte, at time.Time) (int, webhook.Response, error) {
	var answer webhook.Response
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.eventcc, bytes.NewReader(body))
	if err != nil {
		return 0, answer, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTimestamp, webhook.Timestamp(at))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(at, body, inboundSecret))
	res, err := p.client.Do(req)
	if err != nil {
		return 0, answer, err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&answer); err != nil {
		return 0, answer, err
	}
	return res.StatusCode, answer, nil
}

func (p *platform) bump(key string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.versions[key]++
	return p.versions[key]
}

// ServeHTTP is the platform's endpoint for eventcc's announcements.
func (p *platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	if _, err := webhook.Verify(r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature),
		body, p.now(), 0, outboundSecret); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	a, err := webhook.DecodeAnnouncement(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	dup := p.seen[a.ID]
	p.seen[a.ID] = true
	last, known := p.shown[a.ServiceID]
	newer := !dup && (!known || a.Version > last.Version)
	if newer {
		p.shown[a.ServiceID] = a
	}
	p.mu.Unlock()
	if newer {
		switch a.Type {
		case webhook.EntryPointsPublished:
			var eps []string
			for _, ep := range a.EntryPoints {
				eps = append(eps, fmt.Sprintf("%s %s", ep.Kind, ep.Address))
			}
			sort.Strings(eps)
			fmt.Fprintf(p.out, "%s  platform  shows %s: %s; open %s–%s\n", hhmm(p.now()), a.ServiceID,
				strings.Join(eps, ", "), hhmm(a.Hours.Opens), hhmm(a.Hours.Closes))
		case webhook.EntryPointsRetracted:
			fmt.Fprintf(p.out, "%s  platform  shows nothing for %s any more\n", hhmm(p.now()), a.ServiceID)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (p *platform) shows(serviceID string) (webhook.Announcement, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.shown[serviceID]
	return a, ok && a.Type == webhook.EntryPointsPublished
}

// reactions prints the lifecycle's events that answer the platform.
func reactions(out io.Writer) func(contactcenter.Event) {
	return func(ev contactcenter.Event) {
		switch e := ev.(type) {
		case *contactcenter.StateChanged:
			fmt.Fprintf(out, "%s  eventcc   %s: %s → %s (%s)\n", hhmm(e.At), e.ServiceID, e.From, e.To, e.Reason)
		case *contactcenter.TermChanged:
			fmt.Fprintf(out, "%s  eventcc   %s: term %s, ends %s, expires %s\n", hhmm(e.At), e.ServiceID, e.Change, hhmm(e.New.End), hhmm(e.Expires))
		case *contactcenter.AttendeeChanged:
			verb := "granted"
			if !e.Registered {
				verb = "revoked"
			}
			fmt.Fprintf(out, "%s  eventcc   %s: attendee %s %s access until %s\n", hhmm(e.At), e.ServiceID, e.Attendee, verb, hhmm(e.Expires))
		}
	}
}

func allFinal(ctx context.Context, lc *contactcenter.Lifecycle, ids ...string) (bool, error) {
	for _, id := range ids {
		s, err := lc.Get(ctx, id)
		if err != nil {
			return false, err
		}
		if !s.State.Final() {
			return false, nil
		}
	}
	return true, nil
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func at(month time.Month, day, hour int) time.Time {
	return time.Date(2027, month, day, hour, 0, 0, 0, time.UTC)
}

func hhmm(t time.Time) string { return t.UTC().Format("Jan 02 15:04") }
