package contactcenter_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/agentsim"
	"github.com/eventcc/eventcc/contactcenter/desk"
	"github.com/eventcc/eventcc/contactcenter/memroster"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/template"
)

// engagementWorld is a world whose lifecycle checks agents' tokens: an
// access.Authority with a key over the world's grants.
type engagementWorld struct {
	*world
	auth *access.Authority
	lc   *contactcenter.Lifecycle
}

func newEngagementWorld(t *testing.T) *engagementWorld {
	t.Helper()
	w := newWorld(t)
	auth, err := access.New(access.Config{Store: w.grants, Now: w.Clock.Now,
		Keys: []access.Key{{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32)}}})
	require.NoError(t, err)
	cfg := w.Config("")
	cfg.Access = auth
	lc, err := contactcenter.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { lc.Close() })
	return &engagementWorld{world: w, auth: auth, lc: lc}
}

// open requests the conference and runs it until its term starts.
func (w *engagementWorld) open(t *testing.T) contactcenter.Service {
	t.Helper()
	ctx := context.Background()
	req := conference("conf-eng")
	svc, err := w.lc.Request(ctx, req)
	require.NoError(t, err)
	w.runUntil(t, w.lc, time.Minute, req.Term.Start.Add(time.Minute), func() bool {
		return w.State(t, svc.ID) == contactcenter.Active
	})
	svc, err = w.lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	return svc
}

// TestEngagementsReachAgents: attendees who pick a queue at the
// receptionist are routed to the people on duty, who sign in with their
// grant's token, accept and end them; the router's statistics and the
// channel's counts agree.
func TestEngagementsReachAgents(t *testing.T) {
	ctx := context.Background()
	w := newEngagementWorld(t)
	events := map[routing.EventKind]int{}
	outcomes := map[string][]routing.Outcome{}
	w.lc.Subscribe(func(ev contactcenter.Event) {
		if e, ok := ev.(*contactcenter.EngagementEvent); ok {
			events[e.Kind]++
			if e.Kind == routing.EventEnded {
				outcomes[e.Engagement] = append(outcomes[e.Engagement], e.Outcome)
			}
		}
	})
	agents, err := agentsim.New(agentsim.Config{Lifecycle: w.lc, Authority: w.auth, Now: w.Clock.Now,
		AnswerDelay: 5 * time.Second, HandleTime: 2 * time.Minute, Seed: 1})
	require.NoError(t, err)
	t.Cleanup(agents.Close)

	svc := w.open(t)
	require.NotEmpty(t, svc.Staff, "the deploy put people on duty")
	for _, p := range svc.Staff {
		assert.NotEmpty(t, p.Seat, "%s has a seat", p.ID)
	}
	require.NoError(t, agents.Step(ctx))
	assert.Equal(t, len(svc.Staff), agents.Counts().SignedIn, "everyone on duty signed in")

	const calls = 30
	for i := range calls {
		e, err := w.Channel.Arrive(ctx, svc.ID, "telephony-1", fmt.Sprintf("caller-%d", i), w.Clock.Now())
		require.NoError(t, err)
		reply, err := w.Channel.Respond(ctx, e.ID, "0") // "Anything else": the general queue
		require.NoError(t, err)
		require.Equal(t, "general", reply.Queue)
		w.Clock.Advance(10 * time.Second)
		require.NoError(t, w.lc.Tick(ctx))
		require.NoError(t, agents.Step(ctx))
	}
	w.runUntil(t, w.lc, 10*time.Second, w.Clock.Now().Add(2*time.Hour), func() bool {
		require.NoError(t, agents.Step(ctx))
		live, err := w.Channel.Engagements(ctx, svc.ID)
		require.NoError(t, err)
		return len(live) == 0
	})

	stats, err := w.lc.QueueStats(ctx, svc.ID)
	require.NoError(t, err)
	var general routing.Stats
	for _, s := range stats {
		if s.Queue == "general" && s.Kind == modality.Telephony {
			general = s
		}
	}
	// An agent the scaler releases mid-call finishes it: nothing is
	// handed back.
	assert.Equal(t, calls, general.Offered, "every call entered the general queue, once")
	assert.Equal(t, calls, general.Answered, "answered once each")
	assert.Equal(t, calls, general.Handled, "and ended by the agent who took it")
	assert.Zero(t, general.Abandoned+general.Expired)
	assert.Equal(t, calls, agents.Counts().Ended, "the agents ended every call")
	require.Len(t, outcomes, calls)
	for id, o := range outcomes {
		assert.Equal(t, []routing.Outcome{routing.Answered}, o, "%s ends once, answered", id)
	}
	assert.Equal(t, calls, events[routing.EventEnded], "one end per engagement")
	cs, err := w.Channel.Counts(ctx, svc.ID)
	require.NoError(t, err)
	for _, c := range cs {
		if c.Kind == modality.Telephony {
			assert.EqualValues(t, calls, c.Completed, "the channel counts them completed")
			assert.Greater(t, c.HandleTime, time.Duration(0))
		}
	}

	// The report says the same, live, and once the service is over.
	checkReport := func(rep contactcenter.Report, when string) {
		t.Helper()
		require.NotNil(t, rep.Engagements, when)
		var q contactcenter.QueueReport
		for _, x := range rep.Engagements.Queues {
			if x.Queue == "general" && x.Kind == modality.Telephony {
				q = x
			}
		}
		assert.Equal(t, general.Answered, q.Answered, "%s: answered", when)
		assert.Equal(t, general.AnsweredWithin, q.AnsweredWithin, "%s: answered within", when)
		assert.InDelta(t, general.ServiceLevel(), q.ServiceLevel, 1e-9, "%s: service level", when)
		assert.Equal(t, 0.8, q.Target, "%s: the template's target", when)
		assert.Equal(t, general.ASA(), q.ASA.D(), "%s: ASA", when)
		arrivals, answered := 0, 0
		for _, p := range rep.Engagements.Timeline {
			arrivals += p.Arrivals
			answered += p.Answered
			assert.Positive(t, p.Agents, "%s: agents on duty at %s", when, p.At)
		}
		assert.Equal(t, calls, arrivals, "%s: the timeline counts every arrival once", when)
		assert.Equal(t, general.Answered, answered, "%s: and every answer", when)
		assert.Positive(t, rep.Engagements.Occupancy[modality.Telephony], "%s: occupancy", when)
		assert.Less(t, rep.Engagements.Occupancy[modality.Telephony], 1.0, "%s: occupancy", when)
	}
	live, err := w.lc.Report(ctx, svc.ID)
	require.NoError(t, err)
	checkReport(live, "live")
	require.NoError(t, w.lc.Terminate(ctx, svc.ID, "test over"))
	w.runUntil(t, w.lc, time.Minute, w.Clock.Now().Add(time.Hour), func() bool { return w.State(t, svc.ID).Final() })
	// Another process, on the same store, reads the stored report.
	cfg := w.Config("")
	cfg.Rates = &contactcenter.Rates{Currency: "EUR", AgentHour: 30, LicenceHour: 2, SpaceHour: 0.5}
	other, err := contactcenter.New(cfg)
	require.NoError(t, err)
	defer other.Close()
	final, err := other.Report(ctx, svc.ID)
	require.NoError(t, err)
	checkReport(final, "closed")
	require.NotNil(t, final.Cost)
	assert.InDelta(t, final.AgentHours*30+final.LicenceHours*2+final.SpaceHours*0.5, final.Cost.Total, 1e-9)
	assert.Equal(t, "EUR", final.Cost.Currency)
}

// TestRevokedAgentMidEngagement: an agent whose grant is revoked while
// connected is refused at their next action, their session closes, and
// the engagement goes back to the queue for another agent (the desk's
// default policy), without being lost or offered to two at once.
func TestRevokedAgentMidEngagement(t *testing.T) {
	ctx := context.Background()
	w := newEngagementWorld(t)
	svc := w.open(t)
	require.GreaterOrEqual(t, len(svc.Staff), 2)
	d, err := w.lc.Desk(ctx, svc.ID)
	require.NoError(t, err)

	var offers []*contactcenter.EngagementEvent
	w.lc.Subscribe(func(ev contactcenter.Event) {
		if e, ok := ev.(*contactcenter.EngagementEvent); ok && e.Kind == routing.EventOffered {
			offers = append(offers, e)
		}
	})
	// Only the first person is available.
	tokens := map[string]string{}
	for i, p := range svc.Staff[:2] {
		tok, _, err := w.auth.IssueToken(ctx, svc.ID+"/"+p.ID)
		require.NoError(t, err)
		tokens[p.ID] = tok
		_, err = d.Open(ctx, tok, routing.Agent{})
		require.NoError(t, err)
		if i == 0 {
			require.NoError(t, d.SetStatus(ctx, tok, routing.Available))
		}
	}
	first, second := svc.Staff[0].ID, svc.Staff[1].ID

	e, err := w.Channel.Arrive(ctx, svc.ID, "telephony-1", "caller", w.Clock.Now())
	require.NoError(t, err)
	_, err = w.Channel.Respond(ctx, e.ID, "0")
	require.NoError(t, err)
	require.Len(t, offers, 1)
	require.Equal(t, first, offers[0].Agent)
	require.NoError(t, d.Accept(ctx, tokens[first], e.ID))

	require.NoError(t, w.auth.Revoke(ctx, svc.ID+"/"+first, w.Clock.Now()))
	err = d.End(ctx, tokens[first], e.ID)
	require.ErrorIs(t, err, access.ErrDenied, "the next action after revocation is denied")
	err = d.SetStatus(ctx, tokens[first], routing.Available)
	require.Error(t, err, "and the session is closed")

	live, err := w.Channel.Engagements(ctx, svc.ID)
	require.NoError(t, err)
	require.Len(t, live, 1, "the engagement is not lost")
	assert.Equal(t, modality.Waiting, live[0].State, "it waits again")

	require.NoError(t, d.SetStatus(ctx, tokens[second], routing.Available))
	require.Len(t, offers, 2, "offered again, to the other agent")
	assert.Equal(t, second, offers[1].Agent)
	require.NoError(t, d.Accept(ctx, tokens[second], e.ID))
	require.NoError(t, d.End(ctx, tokens[second], e.ID))
	live, err = w.Channel.Engagements(ctx, svc.ID)
	require.NoError(t, err)
	assert.Empty(t, live)
}

// TestDeskRefusesAnotherServicesToken: an agent of one service cannot
// act on another's desk; the refusal changes nothing.
func TestDeskRefusesAnotherServicesToken(t *testing.T) {
	ctx := context.Background()
	w := newEngagementWorld(t)
	svc := w.open(t)
	other := conference("conf-other")
	other.EventID = "other"
	o, err := w.lc.Request(ctx, other)
	require.NoError(t, err)
	w.runUntil(t, w.lc, time.Minute, other.Term.Start.Add(time.Minute), func() bool {
		return w.State(t, o.ID) == contactcenter.Active
	})
	o, err = w.lc.Get(ctx, o.ID)
	require.NoError(t, err)
	tok, _, err := w.auth.IssueToken(ctx, o.ID+"/"+o.Staff[0].ID)
	require.NoError(t, err)

	d, err := w.lc.Desk(ctx, svc.ID)
	require.NoError(t, err)
	var denied []access.AuditEvent
	defer w.auth.Subscribe(func(ev access.AuditEvent) {
		if ev.Kind == access.AuditDenied {
			denied = append(denied, ev)
		}
	})()
	_, err = d.Open(ctx, tok, routing.Agent{})
	require.ErrorIs(t, err, access.ErrDenied)
	require.Len(t, denied, 1, "the refusal is audited")
	assert.Equal(t, svc.ID, denied[0].ServiceID, "against the service it was tried on")
	stats, err := w.lc.QueueStats(ctx, svc.ID)
	require.NoError(t, err)
	for _, s := range stats {
		assert.Zero(t, s.Offered)
	}
	_, err = w.lc.Desk(ctx, "no-such-service")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound)
}

// TestOverflowToReceptionist: a queue that overflows to the receptionist
// hands back an attendee no agent took within its maxWait; the
// receptionist's menu runs again and the attendee can pick a queue anew.
func TestOverflowToReceptionist(t *testing.T) {
	ctx := context.Background()
	conf, err := template.Builtin().Lookup("conference")
	require.NoError(t, err)
	tp := *conf
	tp.Queues = slices.Clone(conf.Queues)
	rc := *conf.Receptionist
	rc.Fallback = "Everyone is busy. The FAQ is in the event app."
	tp.Receptionist = &rc
	for i := range tp.Queues {
		if tp.Queues[i].Name == "general" {
			tp.Queues[i].MaxWait = template.Duration(2 * time.Minute)
			tp.Queues[i].Overflow = template.OverflowToReceptionist
		}
	}
	cat, err := template.NewCatalog(&tp)
	require.NoError(t, err)

	w := newEngagementWorld(t)
	cfg := w.Config("")
	cfg.Access, cfg.Templates = w.auth, cat
	lc, err := contactcenter.New(cfg)
	require.NoError(t, err)
	defer lc.Close()
	w.lc = lc
	svc := w.open(t)

	var ended []routing.Outcome
	lc.Subscribe(func(ev contactcenter.Event) {
		if e, ok := ev.(*contactcenter.EngagementEvent); ok && e.Kind == routing.EventEnded {
			ended = append(ended, e.Outcome)
		}
	})
	// Nobody signs in: the caller waits in general until its maxWait.
	e, err := w.Channel.Arrive(ctx, svc.ID, "telephony-1", "caller", w.Clock.Now())
	require.NoError(t, err)
	_, err = w.Channel.Respond(ctx, e.ID, "0")
	require.NoError(t, err)
	w.Clock.Advance(2*time.Minute + time.Second)
	require.NoError(t, lc.Tick(ctx))
	assert.Equal(t, []routing.Outcome{routing.Expired}, ended, "the router gave up on it")

	live, err := w.Channel.Engagements(ctx, svc.ID)
	require.NoError(t, err)
	require.Len(t, live, 1, "the caller is still there, with the receptionist")
	reply, err := w.Channel.Respond(ctx, e.ID, "2")
	require.NoError(t, err, "the menu runs again")
	assert.Contains(t, reply.Text, "agenda")
	reply, err = w.Channel.Respond(ctx, e.ID, "0")
	require.NoError(t, err)
	assert.Equal(t, "general", reply.Queue, "and the caller may queue again")
	stats, err := lc.QueueStats(ctx, svc.ID)
	require.NoError(t, err)
	for _, s := range stats {
		if s.Queue == "general" && s.Kind == modality.Telephony {
			assert.Equal(t, 1, s.Waiting)
			assert.Equal(t, 1, s.Expired)
		}
	}
	back := (&modality.Receptionist{Fallback: rc.Fallback, Options: []modality.Option{{Key: "1", Label: "Help", Answer: "Hi"}}}).Back()
	assert.True(t, strings.HasPrefix(back.Text, rc.Fallback), "Back says the fallback first: %q", back.Text)
	assert.False(t, back.End)
}

// TestReleasedAgentFinishesFirst: an agent the scaler releases while on
// a call finishes it (nothing is handed back), is offered nothing more,
// and loses their access once they hold nothing.
func TestReleasedAgentFinishesFirst(t *testing.T) {
	ctx := context.Background()
	w := newEngagementWorld(t)
	var removed []string
	w.lc.Subscribe(func(ev contactcenter.Event) {
		if e, ok := ev.(*contactcenter.ScaleEvent); ok {
			removed = append(removed, e.Removed...)
		}
	})
	svc := w.open(t)
	require.Greater(t, len(svc.Staff), svc.Config.Staffing.MinAgents, "room to scale down")
	d, err := w.lc.Desk(ctx, svc.ID)
	require.NoError(t, err)
	// Everyone signs in; the last activated, first to be released, takes
	// a call while the others are on a break.
	tokens := map[string]string{}
	for _, p := range svc.Staff {
		tok, _, err := w.auth.IssueToken(ctx, svc.ID+"/"+p.ID)
		require.NoError(t, err)
		tokens[p.ID] = tok
		_, err = d.Open(ctx, tok, routing.Agent{})
		require.NoError(t, err)
	}
	last := svc.Staff[len(svc.Staff)-1].ID
	require.NoError(t, d.SetStatus(ctx, tokens[last], routing.Available))
	e, err := w.Channel.Arrive(ctx, svc.ID, "telephony-1", "caller", w.Clock.Now())
	require.NoError(t, err)
	_, err = w.Channel.Respond(ctx, e.ID, "0")
	require.NoError(t, err)
	require.NoError(t, d.Accept(ctx, tokens[last], e.ID))

	// Quiet minutes: the scaler releases agents, the one on the call too.
	w.runUntil(t, w.lc, time.Minute, w.Clock.Now().Add(time.Hour), func() bool { return slices.Contains(removed, last) })
	g, err := w.auth.Get(ctx, svc.ID+"/"+last)
	require.NoError(t, err)
	assert.False(t, g.Revoked, "a released agent on a call keeps their access until it ends")
	require.ErrorIs(t, d.SetStatus(ctx, tokens[last], routing.Available), desk.ErrRetiring, "and is offered nothing more")
	for _, other := range removed {
		if other != last {
			g, err := w.auth.Get(ctx, svc.ID+"/"+other)
			require.NoError(t, err)
			assert.True(t, g.Revoked, "%s, released idle, loses their access at once", other)
		}
	}
	require.NoError(t, d.End(ctx, tokens[last], e.ID), "they finish their call")
	require.NoError(t, w.lc.Tick(ctx))
	g, err = w.auth.Get(ctx, svc.ID+"/"+last)
	require.NoError(t, err)
	assert.True(t, g.Revoked, "then they lose their access")
	assert.Error(t, d.SetStatus(ctx, tokens[last], routing.Break), "and their session is over")

	stats, err := w.lc.QueueStats(ctx, svc.ID)
	require.NoError(t, err)
	for _, s := range stats {
		if s.Queue == "general" && s.Kind == modality.Telephony {
			assert.Equal(t, 1, s.Answered, "answered once: nothing handed back")
			assert.Equal(t, 1, s.Handled)
		}
	}
}

func mustEngagements(t *testing.T, w *engagementWorld, id string) []modality.Engagement {
	t.Helper()
	es, err := w.Channel.Engagements(context.Background(), id)
	require.NoError(t, err)
	return es
}

// TestSupervisorsAndTransfers: a supervisor listens in, barges in and
// reassigns on their own grant's privileges; an agent cannot; an agent
// hands a call to a colleague.
func TestSupervisorsAndTransfers(t *testing.T) {
	ctx := context.Background()
	w := newEngagementWorld(t)
	var seen []string
	w.lc.Subscribe(func(ev contactcenter.Event) {
		if e, ok := ev.(*contactcenter.EngagementEvent); ok {
			seen = append(seen, e.Kind.String()+":"+e.Agent)
		}
	})
	svc := w.open(t)
	require.NotEmpty(t, svc.Supervisors)
	require.GreaterOrEqual(t, len(svc.Staff), 2)
	d, err := w.lc.Desk(ctx, svc.ID)
	require.NoError(t, err)
	token := func(who string) string {
		tok, _, err := w.auth.IssueToken(ctx, svc.ID+"/"+who)
		require.NoError(t, err)
		return tok
	}
	ann, bob := svc.Staff[0].ID, svc.Staff[1].ID
	annTok, bobTok, supTok := token(ann), token(bob), token(svc.Supervisors[0])
	for _, tok := range []string{annTok, bobTok} {
		_, err := d.Open(ctx, tok, routing.Agent{})
		require.NoError(t, err)
	}
	require.NoError(t, d.SetStatus(ctx, annTok, routing.Available))
	e, err := w.Channel.Arrive(ctx, svc.ID, "telephony-1", "caller", w.Clock.Now())
	require.NoError(t, err)
	_, err = w.Channel.Respond(ctx, e.ID, "0")
	require.NoError(t, err)
	require.NoError(t, d.Accept(ctx, annTok, e.ID))

	who, err := d.Monitor(ctx, supTok, e.ID)
	require.NoError(t, err)
	assert.Equal(t, svc.Supervisors[0], who)
	_, err = d.Barge(ctx, supTok, e.ID)
	require.NoError(t, err)
	_, err = d.Monitor(ctx, annTok, e.ID)
	require.ErrorIs(t, err, access.ErrDenied, "an agent may not listen in")
	require.ErrorIs(t, d.Reassign(ctx, annTok, e.ID, "speakers", ""), access.ErrDenied, "nor reassign")
	assert.Contains(t, seen, "monitored:"+svc.Supervisors[0])
	assert.Contains(t, seen, "conferenced:"+svc.Supervisors[0])

	// ann hands the call to bob, once bob is available.
	require.ErrorIs(t, d.TransferToAgent(ctx, annTok, e.ID, bob), routing.ErrUnavailable)
	require.NoError(t, d.SetStatus(ctx, bobTok, routing.Available))
	require.NoError(t, d.TransferToAgent(ctx, annTok, e.ID, bob))
	require.NoError(t, d.Accept(ctx, bobTok, e.ID))
	require.ErrorIs(t, d.End(ctx, annTok, e.ID), routing.ErrNotConnected, "ann no longer has it")

	// The supervisor moves it to the speakers' queue.
	require.NoError(t, d.Reassign(ctx, supTok, e.ID, "speakers", ""))
	stats, err := w.lc.QueueStats(ctx, svc.ID)
	require.NoError(t, err)
	for _, s := range stats {
		if s.Queue == "speakers" && s.Kind == modality.Telephony {
			assert.Equal(t, 1, s.Offered, "it entered the speakers' queue")
		}
	}
	live := mustEngagements(t, w, svc.ID)
	require.Len(t, live, 1, "the caller is still there")
	assert.Equal(t, modality.Waiting, live[0].State, "waiting again, in speakers")
	require.Error(t, d.Reassign(ctx, supTok, e.ID, "speakers", bob), "a queue or an agent, not both")
}

// TestCloseDisconnectsWaiting: engagements still waiting when the
// service closes are reported disconnected, not abandoned.
func TestCloseDisconnectsWaiting(t *testing.T) {
	ctx := context.Background()
	w := newEngagementWorld(t)
	svc := w.open(t)
	for i := range 3 {
		e, err := w.Channel.Arrive(ctx, svc.ID, "telephony-1", fmt.Sprintf("caller-%d", i), w.Clock.Now())
		require.NoError(t, err)
		_, err = w.Channel.Respond(ctx, e.ID, "0")
		require.NoError(t, err)
	}
	require.NoError(t, w.lc.Terminate(ctx, svc.ID, "test over"))
	w.runUntil(t, w.lc, time.Minute, w.Clock.Now().Add(time.Hour), func() bool { return w.State(t, svc.ID).Final() })
	rep, err := w.lc.Report(ctx, svc.ID)
	require.NoError(t, err)
	require.NotNil(t, rep.Engagements)
	for _, q := range rep.Engagements.Queues {
		if q.Queue == "general" && q.Kind == modality.Telephony {
			assert.Equal(t, 3, q.Disconnected)
			assert.Zero(t, q.Abandoned)
		}
	}
	assert.Equal(t, 3, rep.Closing.Disconnected)
}

// TestRosterPeopleAreTheAgents: with a roster, the agents deployed are
// its people: each is the principal of their grant, has a seat, and
// works with the roster's skills (whatever they claim); the close
// releases everyone.
func TestRosterPeopleAreTheAgents(t *testing.T) {
	ctx := context.Background()
	var people []contactcenter.Person
	for i := range 12 {
		p := contactcenter.Person{ID: fmt.Sprintf("volunteer-%02d", i), Name: fmt.Sprintf("Volunteer %d", i),
			Skills: map[string]int{"en": 50}}
		if i%3 == 0 {
			p.Skills["speakers"] = 70
		}
		people = append(people, p)
	}
	roster, err := memroster.New(people...)
	require.NoError(t, err)
	w := newEngagementWorld(t)
	cfg := w.Config("")
	cfg.Access, cfg.Roster = w.auth, roster
	lc, err := contactcenter.New(cfg)
	require.NoError(t, err)
	defer lc.Close()
	w.lc = lc
	svc := w.open(t)

	require.NotEmpty(t, svc.Staff)
	assert.Equal(t, roster.OnDuty(svc.ID), svc.Agents, "the agents are the people on duty")
	seats := map[string]bool{}
	for _, p := range svc.Staff {
		assert.Contains(t, p.ID, "volunteer-", "a person, not a seat")
		require.NotEmpty(t, p.Seat)
		assert.False(t, seats[p.Seat], "one seat each")
		seats[p.Seat] = true
		g, err := w.auth.Get(ctx, svc.ID+"/"+p.ID)
		require.NoError(t, err)
		assert.Equal(t, p.ID, g.Principal, "the person is the grant's principal")
	}

	// Someone without the speakers skill is never offered a speakers
	// call, however they present themselves.
	d, err := lc.Desk(ctx, svc.ID)
	require.NoError(t, err)
	var plain string
	for _, p := range svc.Staff {
		if p.Skills["speakers"] == 0 {
			plain = p.ID
			break
		}
	}
	require.NotEmpty(t, plain)
	tok, _, err := w.auth.IssueToken(ctx, svc.ID+"/"+plain)
	require.NoError(t, err)
	_, err = d.Open(ctx, tok, routing.Agent{Skills: map[string]int{"speakers": 100}})
	require.NoError(t, err)
	require.NoError(t, d.SetStatus(ctx, tok, routing.Available))
	e, err := w.Channel.Arrive(ctx, svc.ID, "telephony-1", "speaker", w.Clock.Now())
	require.NoError(t, err)
	_, err = w.Channel.Respond(ctx, e.ID, "3") // speaker support
	require.NoError(t, err)
	require.Error(t, d.Accept(ctx, tok, e.ID), "not offered to someone without the skill")

	require.NoError(t, lc.Terminate(ctx, svc.ID, "test over"))
	w.runUntil(t, lc, time.Minute, w.Clock.Now().Add(time.Hour), func() bool { return w.State(t, svc.ID).Final() })
	assert.Empty(t, roster.OnDuty(svc.ID), "the close releases everyone")
}

// TestObservedPatienceReachesTheScaler: callers who give up after about
// thirty seconds in the queue teach the scaler their patience.
func TestObservedPatienceReachesTheScaler(t *testing.T) {
	ctx := context.Background()
	w := newEngagementWorld(t)
	var patience time.Duration
	w.lc.Subscribe(func(ev contactcenter.Event) {
		if e, ok := ev.(*contactcenter.ScaleEvent); ok {
			for _, d := range e.Decision.Demand {
				if d.Modality == string(modality.Telephony) && d.Patience > 0 {
					patience = d.Patience
				}
			}
		}
	})
	svc := w.open(t)
	// Nobody signs in: every caller waits, and hangs up after 30 s.
	for i := 0; patience == 0; i++ {
		require.Less(t, i, 200, "the scaler never learnt the callers' patience")
		e, err := w.Channel.Arrive(ctx, svc.ID, "telephony-1", fmt.Sprintf("caller-%d", i), w.Clock.Now())
		require.NoError(t, err)
		_, err = w.Channel.Respond(ctx, e.ID, "0")
		require.NoError(t, err)
		w.Clock.Advance(30 * time.Second)
		require.NoError(t, w.Channel.End(ctx, e.ID, w.Clock.Now()))
		require.NoError(t, w.lc.Tick(ctx))
	}
	assert.InDelta(t, 30, patience.Seconds(), 1, "time at risk over abandonments")
}

// TestAttendeeToken: a registered attendee gets a token that stands for
// their grant, and ends with it.
func TestAttendeeToken(t *testing.T) {
	ctx := context.Background()
	w := newEngagementWorld(t)
	svc := w.open(t)
	_, err := w.lc.AttendeeToken(ctx, svc.ID, "att-1")
	require.ErrorIs(t, err, contactcenter.ErrNotFound, "not registered")
	_, err = w.lc.RegisterAttendee(ctx, svc.ID, "att-1")
	require.NoError(t, err)
	tok, err := w.lc.AttendeeToken(ctx, svc.ID, "att-1")
	require.NoError(t, err)
	g, err := w.auth.AuthorizeToken(ctx, tok, svc.ID, access.StartEngagements)
	require.NoError(t, err)
	assert.Equal(t, "att-1", g.Principal)
	_, err = w.auth.AuthorizeToken(ctx, tok, svc.ID, access.HandleEngagements)
	require.ErrorIs(t, err, access.ErrDenied, "an attendee is no agent")

	require.NoError(t, w.lc.UnregisterAttendee(ctx, svc.ID, "att-1"))
	_, err = w.auth.AuthorizeToken(ctx, tok, svc.ID, access.StartEngagements)
	require.ErrorIs(t, err, access.ErrDenied, "unregistering ends the token")
	_, err = w.lc.AttendeeToken(ctx, svc.ID, "att-1")
	require.ErrorIs(t, err, contactcenter.ErrNotFound)
	_, err = w.lc.AttendeeToken(ctx, "no-such-service", "att-1")
	require.ErrorIs(t, err, contactcenter.ErrNotFound)

	plain := newWorld(t) // Access is a plain store: no tokens
	lc := plain.lifecycle(t)
	_, err = lc.AttendeeToken(ctx, svc.ID, "att-1")
	require.ErrorIs(t, err, contactcenter.ErrNoTokens)
}

// retainer is a channel that keeps transcripts: it records what the
// close asks of it.
type retainer struct {
	*memchannel.Channel
	until map[string][]time.Time
	count int // conversations it holds per service
}

func (r *retainer) Retain(ctx context.Context, serviceID string, until time.Time) (int, int, error) {
	r.until[serviceID] = append(r.until[serviceID], until)
	if until.IsZero() {
		return 0, r.count, nil
	}
	return r.count, 0, nil
}

// TestTranscriptsRetention: at the close, channels that keep transcripts
// keep them for the template's retention, or delete them; the closing
// report says which.
func TestTranscriptsRetention(t *testing.T) {
	ctx := context.Background()
	for _, keep := range []time.Duration{0, 30 * 24 * time.Hour} {
		t.Run(keep.String(), func(t *testing.T) {
			conf, err := template.Builtin().Lookup("conference")
			require.NoError(t, err)
			tp := *conf
			tp.Transcripts.Retention = template.Duration(keep)
			cat, err := template.NewCatalog(&tp)
			require.NoError(t, err)
			w := newWorld(t)
			ch := &retainer{Channel: w.Channel, until: map[string][]time.Time{}, count: 7}
			cfg := w.Config("")
			cfg.Channels, cfg.Templates = []modality.Channel{ch}, cat
			lc, err := contactcenter.New(cfg)
			require.NoError(t, err)
			defer lc.Close()
			req := conference("conf-transcripts")
			svc, err := lc.Request(ctx, req)
			require.NoError(t, err)
			w.runUntil(t, lc, time.Hour, req.Term.End.Add(24*time.Hour), func() bool { return w.State(t, svc.ID).Final() })

			s, err := lc.Get(ctx, svc.ID)
			require.NoError(t, err)
			require.Len(t, ch.until[svc.ID], 1, "asked once")
			got := s.Closing.Transcripts
			require.NotNil(t, got, "the closing report says what became of the transcripts")
			if keep == 0 {
				assert.True(t, ch.until[svc.ID][0].IsZero(), "deleted at the close")
				assert.Equal(t, contactcenter.TranscriptsKept{Deleted: 7}, *got)
				return
			}
			closed := s.Timeline[len(s.Timeline)-1].At
			assert.True(t, ch.until[svc.ID][0].Equal(closed.Add(keep)), "kept for the retention from the close: %v", ch.until[svc.ID][0])
			assert.Equal(t, 7, got.Kept)
			assert.True(t, got.Until.Equal(ch.until[svc.ID][0]))
		})
	}
}

// ender is a channel that knows which attendee holds what: it records
// what unregistering asks of it.
type ender struct {
	*memchannel.Channel
	ended []string
}

func (c *ender) EndAttendee(_ context.Context, serviceID, principal string) (int, error) {
	c.ended = append(c.ended, serviceID+"/"+principal)
	return 1, nil
}

// TestUnregisterEndsTheAttendeesEngagements: unregistering an attendee
// ends what they hold on channels that know who holds what.
func TestUnregisterEndsTheAttendeesEngagements(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	ch := &ender{Channel: w.Channel}
	cfg := w.Config("")
	cfg.Channels = []modality.Channel{ch}
	lc, err := contactcenter.New(cfg)
	require.NoError(t, err)
	defer lc.Close()
	svc, err := lc.Request(ctx, conference("conf-unregister"))
	require.NoError(t, err)
	_, err = lc.RegisterAttendee(ctx, svc.ID, "att-7")
	require.NoError(t, err)
	assert.Empty(t, ch.ended)
	require.NoError(t, lc.UnregisterAttendee(ctx, svc.ID, "att-7"))
	assert.Equal(t, []string{svc.ID + "/att-7"}, ch.ended)
}
