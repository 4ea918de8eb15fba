package lifecycletest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/webhook"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/numbermap"
)

// EnvChaosSeed names the environment variable that replays one chaos
// schedule: set it to the seed a failure printed.
const EnvChaosSeed = "EVENTCC_CHAOS_SEED"

// DefaultSchedules is how many chaos schedules Run plays when
// Harness.Schedules is zero.
const DefaultSchedules = 200

// chaosSecret signs the chaos schedules' webhook deliveries.
var chaosSecret = []byte("chaos-secret-of-at-least-32-bytes!")

// chaos plays seeded random schedules against three replicas sharing the
// adapters under test: ticks, owner kills (between steps and in the
// middle of a plan), restarts, signed webhook deliveries sent to any
// replica (replayed and reordered too), extensions, shortenings and
// cancellations. After every step it checks that nothing of a service
// outlives its stored expiry; at the end, that nothing is left.
func chaos(t *testing.T, h Harness) {
	if _, ok := h.New(t).Store.(contactcenter.Leaser); !ok {
		t.Skip("the store does not implement contactcenter.Leaser: a store for one Lifecycle at a time")
	}
	if s := os.Getenv(EnvChaosSeed); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "%s=%q is not a seed", EnvChaosSeed, s)
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { playSchedule(t, h, seed) })
		return
	}
	n := h.Schedules
	if n == 0 {
		n = DefaultSchedules
	}
	if testing.Short() {
		n = min(n, 20)
	}
	// A new base every run, so that CI explores new schedules; a failure
	// names its seed.
	base := uint64(time.Now().UnixNano())
	for i := range uint64(n) {
		seed := base + i
		if !t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { playSchedule(t, h, seed) }) {
			t.Logf("replay the failing schedule with %s=%d", EnvChaosSeed, seed)
			return
		}
	}
}

// chaosReplica is one replica of a schedule: a process with its own
// channel and webhook handler, which may die and restart.
type chaosReplica struct {
	name string
	lc   *contactcenter.Lifecycle
	ch   *memchannel.Channel
	hook http.Handler
	view View
	// killAfter, when positive, kills the replica after that many events
	// of its next tick: a death in the middle of a plan.
	killAfter int
	events    int
	kill      context.CancelFunc
	ctx       context.Context
}

func (r *chaosReplica) alive() bool { return r.lc != nil }

// schedule is the state of one played schedule.
type schedule struct {
	t        *testing.T
	rng      *rand.Rand
	w        *World
	views    func(testing.TB) View
	versions webhook.VersionStore
	replays  webhook.ReplayStore
	locks    webhook.Locker
	replicas []*chaosReplica
	events   []chaosEvent
	sent     []delivery // what was delivered, for replays and reorders
	nextID   int
	logMu    sync.Mutex // a tick may run alongside another step
	log      []string   // the steps taken, printed on failure
}

type chaosEvent struct {
	id        string
	req       contactcenter.Request
	version   int64
	attendees int64 // the version of the last attendee delivery
}

type delivery struct {
	body []byte
	ts   string
	sig  string
	d    webhook.Delivery
}

func playSchedule(t *testing.T, h Harness, seed uint64) {
	a := h.New(t)
	w := NewWorld(t, a)
	s := &schedule{t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), w: w,
		versions: a.Versions, replays: a.Replays, locks: a.Locks, views: a.View}
	if s.versions == nil {
		s.versions = webhook.NewMemVersions()
	}
	if s.replays == nil {
		s.replays = webhook.NewMemReplays(0)
	}
	if s.locks == nil {
		s.locks = webhook.NewMemLocks()
	}
	defer func() {
		if t.Failed() {
			t.Logf("seed %d; steps:\n%s", seed, strings.Join(s.log, "\n"))
		}
	}()
	for i := range 3 {
		r := &chaosReplica{name: fmt.Sprintf("r%d", i)}
		s.start(r)
		s.replicas = append(s.replicas, r)
	}
	nEvents := 1 + s.rng.IntN(3)
	for i := range nEvents {
		s.create(i)
	}
	steps := 60 + s.rng.IntN(40)
	for range steps {
		s.step()
		s.check()
		if t.Failed() {
			return
		}
	}
	s.finish()
}

func (s *schedule) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.log = append(s.log, fmt.Sprintf("%s  ", s.w.Clock.Now().Format("15:04"))+fmt.Sprintf(format, args...))
}

// start starts (or restarts) replica r: a new process with a new channel,
// under the same owner name.
func (s *schedule) start(r *chaosReplica) {
	t := s.t
	ch, err := memchannel.New()
	require.NoError(t, err)
	r.view = View{Access: s.w.Access, Numbers: s.w.Numbers}
	if s.views != nil {
		r.view = s.views(t)
	}
	cfg := s.w.Config(r.name)
	cfg.Channels = []modality.Channel{ch}
	cfg.Access, cfg.Numbers = r.view.Access, r.view.Numbers
	cfg.LeaseTTL = 3 * time.Minute
	lc, err := contactcenter.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { lc.Close() })
	hook, err := webhook.NewHandler(webhook.HandlerConfig{Lifecycle: lc, Secrets: [][]byte{chaosSecret},
		Versions: s.versions, Replays: s.replays, Locks: s.locks, Now: s.w.Clock.Now})
	require.NoError(t, err)
	r.lc, r.ch, r.hook, r.killAfter = lc, ch, hook, 0
	r.ctx, r.kill = context.WithCancel(context.Background())
	lc.Subscribe(func(e contactcenter.Event) {
		if sc, ok := e.(*contactcenter.StateChanged); ok {
			s.logf("%s: %s %s → %s (%s)", r.name, sc.ServiceID, sc.From, sc.To, sc.Reason)
		}
		r.events++
		if r.killAfter > 0 && r.events >= r.killAfter {
			r.kill()
		}
	})
}

// die ends replica r's process where it is: its leases run out, its
// channel's engagements go with it.
func (s *schedule) die(r *chaosReplica) {
	r.kill()
	r.lc.Close()
	if r.view.Close != nil {
		r.view.Close()
	}
	r.lc, r.ch, r.hook = nil, nil, nil
}

func (s *schedule) alive() []*chaosReplica {
	var out []*chaosReplica
	for _, r := range s.replicas {
		if r.alive() {
			out = append(out, r)
		}
	}
	return out
}

func (s *schedule) anyAlive() *chaosReplica {
	alive := s.alive()
	if len(alive) == 0 {
		r := s.replicas[s.rng.IntN(len(s.replicas))]
		s.start(r)
		s.logf("restart %s (none was alive)", r.name)
		return r
	}
	return alive[s.rng.IntN(len(alive))]
}

// create requests event i's service through a webhook delivery.
func (s *schedule) create(i int) {
	req := Conference(fmt.Sprintf("chaos-%d", i))
	req.Term.Start = t0.Add(time.Duration(30+s.rng.IntN(150)) * time.Minute)
	req.Term.End = req.Term.Start.Add(time.Duration(30+s.rng.IntN(150)) * time.Minute)
	if i == 0 || s.rng.IntN(2) == 0 {
		one := 1
		req.Overrides.Numbers = &one
	} else {
		req.Features.Modalities = []modality.Kind{modality.Chat}
		req.Overrides.Numbers = new(int)
	}
	ev := chaosEvent{id: req.EventID, req: req, version: 1}
	s.events = append(s.events, ev)
	d := webhook.Delivery{Type: webhook.EventCreated, Event: webhook.Event{ID: req.EventID, Version: 1,
		Type: req.EventType, Template: req.Template, Term: &req.Term, Features: &req.Features,
		ExpectedAttendance: req.ExpectedAttendance, Overrides: &req.Overrides}}
	s.deliver(s.anyAlive(), d)
}

// moveEnd returns the event system's next version of ev with its end
// moved, as a delivery with its ID.
func (s *schedule) moveEnd(ev *chaosEvent) webhook.Delivery {
	term := ev.req.Term
	term.End = term.End.Add(time.Duration(s.rng.IntN(6*60)-3*60) * time.Minute)
	if !term.End.After(term.Start) {
		term.End = term.Start.Add(30 * time.Minute)
	}
	ev.version++
	ev.req.Term = term
	s.nextID++
	return webhook.Delivery{ID: fmt.Sprintf("dlv-%d", s.nextID), Type: webhook.EventUpdated,
		Event: webhook.Event{ID: ev.id, Version: ev.version, Term: &term}}
}

// deliver signs d afresh, posts it to r's handler and returns the
// answer's body. Safe to call from several goroutines when d has its ID.
func (s *schedule) deliver(r *chaosReplica, d webhook.Delivery) string {
	if d.ID == "" {
		s.nextID++
		d.ID = fmt.Sprintf("dlv-%d", s.nextID)
	}
	body, err := json.Marshal(d)
	require.NoError(s.t, err)
	now := s.w.Clock.Now()
	dl := delivery{body: body, ts: webhook.Timestamp(now), sig: webhook.Sign(now, body, chaosSecret), d: d}
	s.logMu.Lock()
	s.sent = append(s.sent, dl)
	s.logMu.Unlock()
	return s.post(r, dl, "deliver")
}

func (s *schedule) post(r *chaosReplica, dl delivery, what string) string {
	req := httptest.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(dl.body))
	req.Header.Set(webhook.HeaderTimestamp, dl.ts)
	req.Header.Set(webhook.HeaderSignature, dl.sig)
	rec := httptest.NewRecorder()
	r.hook.ServeHTTP(rec, req)
	answer := strings.TrimSpace(rec.Body.String())
	s.logf("%s %s %s v%d to %s: %d %s", what, dl.d.ID, dl.d.Type, dl.d.Event.Version, r.name, rec.Code, answer)
	return answer
}

// step takes one random step of the schedule.
func (s *schedule) step() {
	ctx := context.Background()
	switch x := s.rng.IntN(100); {
	case x < 45: // time passes and every live replica ticks
		s.w.Clock.Advance(time.Duration(1+s.rng.IntN(10)) * time.Minute)
		for _, r := range s.alive() {
			s.tick(r)
		}
	case x < 52: // a replica dies between ticks
		if alive := s.alive(); len(alive) > 1 {
			r := alive[s.rng.IntN(len(alive))]
			s.logf("kill %s", r.name)
			s.die(r)
		}
	case x < 60: // a replica dies in the middle of its next tick
		r := s.anyAlive()
		s.w.Clock.Advance(time.Duration(1+s.rng.IntN(5)) * time.Minute)
		r.killAfter = r.events + 1 + s.rng.IntN(6)
		s.logf("arm kill of %s after %d more events", r.name, r.killAfter-r.events)
		s.tick(r)
	case x < 66: // a dead replica restarts under its name
		for _, r := range s.replicas {
			if !r.alive() {
				s.start(r)
				s.logf("restart %s", r.name)
				break
			}
		}
	case x < 76: // the event system moves an event's end
		ev := &s.events[s.rng.IntN(len(s.events))]
		s.deliver(s.anyAlive(), s.moveEnd(ev))
	case x < 80: // two versions of an event's end reach two replicas at once
		alive := s.alive()
		if len(alive) < 2 {
			return
		}
		ev := &s.events[s.rng.IntN(len(s.events))]
		older, newer := s.moveEnd(ev), s.moveEnd(ev)
		r1, r2 := alive[0], alive[1]
		var wg sync.WaitGroup
		var answer string
		wg.Go(func() { answer = s.deliver(r1, newer) })
		wg.Go(func() { s.deliver(r2, older) })
		wg.Wait()
		if strings.Contains(answer, `"status":"applied"`) {
			svc, err := s.w.Store.Get(context.Background(), ev.id)
			require.NoError(s.t, err)
			if !svc.Term.End.Equal(newer.Event.Term.End) {
				s.t.Errorf("%s ends %s after v%d (end %s) was applied alongside v%d: the older version won",
					ev.id, svc.Term.End.Format("15:04"), newer.Event.Version, newer.Event.Term.End.Format("15:04"), older.Event.Version)
			}
		}
	case x < 85: // a recent delivery is replayed, as sent, to any replica
		if n := len(s.sent); n > 0 {
			s.post(s.anyAlive(), s.sent[n-1-s.rng.IntN(min(n, 3))], "replay")
		}
	case x < 90: // an old delivery is retried, signed afresh, after newer ones
		if len(s.sent) > 0 {
			dl := s.sent[s.rng.IntN(len(s.sent))]
			s.deliver(s.anyAlive(), dl.d)
		}
	case x < 91: // the event is cancelled
		ev := &s.events[s.rng.IntN(len(s.events))]
		ev.version++
		s.deliver(s.anyAlive(), webhook.Delivery{Type: webhook.EventCancelled,
			Event: webhook.Event{ID: ev.id, Version: ev.version, Reason: "chaos"}})
	case x < 93: // the host shortens or extends through any replica
		s.hostMovesEnd(s.anyAlive())
	case x < 95: // the owner ticks while another replica moves an end
		alive := s.alive()
		if len(alive) < 2 {
			return
		}
		s.w.Clock.Advance(time.Duration(1+s.rng.IntN(5)) * time.Minute)
		r, other := alive[0], alive[1+s.rng.IntN(len(alive)-1)]
		done := make(chan error, 1)
		go func() { done <- r.lc.Tick(context.Background()) }()
		s.hostMovesEnd(other)
		s.logf("tick %s alongside: %v", r.name, <-done)
	case x < 97: // an attendee registers or unregisters, through any replica
		ev := &s.events[s.rng.IntN(len(s.events))]
		ev.attendees++
		typ := webhook.AttendeeRegistered
		if s.rng.IntN(3) == 0 {
			typ = webhook.AttendeeUnregistered
		}
		s.deliver(s.anyAlive(), webhook.Delivery{Type: typ, Event: webhook.Event{ID: ev.id},
			Attendee: &webhook.Attendee{ID: "attendee-1", Version: ev.attendees}})
	default: // attendees arrive on whichever replica's channel serves them
		ev := s.events[s.rng.IntN(len(s.events))]
		for _, r := range s.alive() {
			if _, err := r.ch.Arrive(ctx, ev.id, "chat", "attendee", s.w.Clock.Now()); err == nil {
				s.logf("attendee arrives for %s on %s", ev.id, r.name)
			}
		}
	}
}

// hostMovesEnd moves a random event's end through replica r, as a host
// calling the Lifecycle (not through a webhook) does.
func (s *schedule) hostMovesEnd(r *chaosReplica) {
	ctx := context.Background()
	ev := s.events[s.rng.IntN(len(s.events))]
	end := s.w.Clock.Now().Add(time.Duration(s.rng.IntN(4*60)-60) * time.Minute)
	svc, err := r.lc.Get(ctx, ev.id)
	if err != nil {
		return
	}
	if end.Before(svc.Term.End) {
		err = r.lc.Shorten(ctx, ev.id, end)
	} else {
		err = r.lc.Extend(ctx, ev.id, end)
	}
	s.logf("host moves %s's end to %s on %s: %v", ev.id, end.Format("15:04"), r.name, err)
}

func (s *schedule) tick(r *chaosReplica) {
	if !r.alive() {
		return
	}
	err := r.lc.Tick(r.ctx)
	r.killAfter = 0 // armed for this tick only
	if r.ctx.Err() != nil {
		s.logf("%s died mid-tick", r.name)
		s.die(r)
		return
	}
	if err != nil {
		s.logf("tick %s: %v", r.name, err)
	}
}

// check asks, through every replica's view, that no grant authorises and
// no number routes to a service past its stored expiry, and that no
// grant or lease ends after it.
func (s *schedule) check() {
	t := s.t
	t.Helper()
	ctx := context.Background()
	now := s.w.Clock.Now()
	for _, r := range s.alive() {
		if r.view.Sync != nil {
			require.NoError(t, r.view.Sync(ctx), "want %s's view caught up", r.name)
		}
	}
	for _, ev := range s.events {
		svc, err := s.w.Store.Get(ctx, ev.id)
		if errors.Is(err, contactcenter.ErrNotFound) {
			continue // its creation is still to come
		}
		require.NoError(t, err)
		expired := !now.Before(svc.Expires)
		gs, err := s.w.Access.ListByService(ctx, ev.id)
		require.NoError(t, err)
		for _, g := range gs {
			if g.Revoked {
				continue
			}
			if g.NotAfter.After(svc.Expires) {
				t.Errorf("grant %s ends %s, after %s's stored expiry %s", g.ID, g.NotAfter.Format(time.RFC3339), ev.id, svc.Expires.Format(time.RFC3339))
			}
			if !expired {
				continue
			}
			for _, r := range s.alive() {
				for _, p := range g.Privileges {
					if err := access.Authorize(ctx, r.view.Access, now, g.Principal, ev.id, p); !errors.Is(err, access.ErrDenied) {
						t.Errorf("grant %s authorises %s on %s at %s, past %s's expiry %s (%v)", g.ID, p, r.name, now.Format(time.RFC3339), ev.id, svc.Expires.Format(time.RFC3339), err)
					}
				}
			}
		}
		recs, err := s.w.Numbers.ListByService(ctx, ev.id)
		require.NoError(t, err)
		for _, rec := range recs {
			if rec.Lease != nil && rec.Lease.Expires.After(svc.Expires) {
				t.Errorf("number %s leased to %s until %s, after its stored expiry %s", rec.Number, ev.id, rec.Lease.Expires.Format(time.RFC3339), svc.Expires.Format(time.RFC3339))
			}
			if !expired {
				continue
			}
			for _, r := range s.alive() {
				var rt numbermap.Route
				if err := numbermap.LookupTo(ctx, r.view.Numbers, rec.Number, now, &rt); err == nil && rt.Kind == numbermap.RouteService && rt.ServiceID == ev.id {
					t.Errorf("number %s routes to %s on %s at %s, past its expiry %s", rec.Number, ev.id, r.name, now.Format(time.RFC3339), svc.Expires.Format(time.RFC3339))
				}
			}
		}
	}
}

// finish brings every replica back, lets every term run out and checks
// that nothing is left of any service.
func (s *schedule) finish() {
	t := s.t
	ctx := context.Background()
	for _, r := range s.replicas {
		if !r.alive() {
			s.start(r)
		}
		r.killAfter = 0
	}
	s.logf("all replicas up; the terms run out")
	limit := s.w.Clock.Now().Add(4 * 24 * time.Hour)
	for round := 0; ; round++ {
		// Every replica ticks at least once: one that lost a service
		// while it was not ticking closes it on its channels then.
		done := round > 0
		for _, ev := range s.events {
			svc, err := s.w.Store.Get(ctx, ev.id)
			if errors.Is(err, contactcenter.ErrNotFound) {
				continue
			}
			require.NoError(t, err)
			done = done && svc.State.Final()
		}
		if done {
			break
		}
		require.False(t, s.w.Clock.Now().After(limit), "want every service final by %s", limit)
		s.w.Clock.Advance(10 * time.Minute)
		for _, r := range s.replicas {
			if !r.alive() {
				s.start(r)
			}
			s.tick(r)
		}
		s.check()
		if t.Failed() {
			return
		}
	}
	now := s.w.Clock.Now()
	for _, ev := range s.events {
		svc, err := s.w.Store.Get(ctx, ev.id)
		if errors.Is(err, contactcenter.ErrNotFound) {
			continue
		}
		require.NoError(t, err)
		inv, err := s.w.Provisioner.Inventory(ctx, ev.id)
		require.NoError(t, err)
		if len(inv) > 0 {
			t.Errorf("%s ended %s with %v in the provider's inventory", ev.id, svc.State, inv)
		}
		gs, err := s.w.Access.ListByService(ctx, ev.id)
		require.NoError(t, err)
		for _, g := range gs {
			for _, p := range g.Privileges {
				if err := access.Authorize(ctx, s.w.Access, now, g.Principal, ev.id, p); !errors.Is(err, access.ErrDenied) {
					t.Errorf("grant %s still authorises %s after %s ended (%v)", g.ID, p, ev.id, err)
				}
			}
		}
		for _, r := range s.replicas {
			cs, err := r.ch.Counts(ctx, ev.id)
			require.NoError(t, err)
			for _, c := range cs {
				if c.Live() > 0 {
					t.Errorf("%d %s end point(s) of %s live on %s after it ended", c.Live(), c.Kind, ev.id, r.name)
				}
			}
		}
		recs, err := s.w.Numbers.ListByService(ctx, ev.id)
		require.NoError(t, err)
		for _, rec := range recs {
			if rec.RouteAt(now).Kind == numbermap.RouteService {
				t.Errorf("number %s still routes to %s after it ended", rec.Number, ev.id)
			}
		}
		if svc.State == contactcenter.Terminated && (svc.Closing == nil || svc.Closing.Verified.IsZero()) {
			t.Errorf("%s terminated without a verified closing", ev.id)
		}
	}
	for _, k := range contactcenter.Resources() {
		if n := s.w.Provisioner.Total(k); n != 0 {
			t.Errorf("%d %s left held in the provider's account", n, k)
		}
	}
}
