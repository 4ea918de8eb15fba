package lifecycletest

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/modality/routing"
)

// replica is one host process of the takeover scenario: a Lifecycle with
// channels of its own, and every engagement event it told.
type replica struct {
	name    string
	lc      *contactcenter.Lifecycle
	ch      *memchannel.Channel
	events  []*contactcenter.EngagementEvent
	offered chan *contactcenter.EngagementEvent // the relay scenario's
}

// newReplica returns a replica named name: a Lifecycle on the world's
// shared stores, with a channel of its own, cfg adjusted by with.
func newReplica(t *testing.T, w *World, name string, with func(*contactcenter.Config)) *replica {
	t.Helper()
	ch, err := memchannel.New()
	require.NoError(t, err)
	r := &replica{name: name, ch: ch, offered: make(chan *contactcenter.EngagementEvent, 64)}
	cfg := w.Config(name)
	cfg.Channels = []modality.Channel{ch}
	with(&cfg)
	r.lc, err = contactcenter.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { r.lc.Close() })
	r.lc.Subscribe(func(e contactcenter.Event) {
		if ev, ok := e.(*contactcenter.EngagementEvent); ok {
			r.events = append(r.events, ev)
			if ev.Kind == routing.EventOffered {
				select {
				case r.offered <- ev:
				default: // nobody reads them in this scenario
				}
			}
		}
	})
	return r
}

// openService requests the conference on r and ticks r until it is
// open, then once more; it returns the service as stored.
func openService(t *testing.T, w *World, r *replica, req contactcenter.Request) contactcenter.Service {
	t.Helper()
	ctx := context.Background()
	svc, err := r.lc.Request(ctx, req)
	require.NoError(t, err)
	for w.State(t, svc.ID) != contactcenter.Active {
		require.False(t, w.Clock.Now().After(req.Term.Start.Add(time.Hour)), "want the service open")
		require.NoError(t, r.lc.Tick(ctx))
		w.Clock.Advance(time.Minute)
	}
	require.NoError(t, r.lc.Tick(ctx))
	svc, err = r.lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	return svc
}

// takeover: replica a drives a service with engagements waiting and
// with agents, and dies; replica b takes the service over, puts every
// live engagement back in its queue from the shared records, and its
// agents answer them. No engagement is lost, none is offered to two
// agents at once, a's desk refuses to act once its lease ran out, and
// every engagement ends exactly once.
func takeover(t *testing.T, h Harness) {
	w := newWorld(t, h)
	if _, ok := w.Store.(contactcenter.Leaser); !ok {
		t.Skipf("%T does not implement contactcenter.Leaser", w.Store)
	}
	if w.Engagements == nil {
		t.Skip("no engagement records in the harness")
	}
	if _, ok := w.Access.(access.TokenStore); !ok {
		t.Skipf("%T keeps no tokens: agents cannot sign in", w.Access)
	}
	ctx := context.Background()
	auth, err := access.New(access.Config{Store: w.Access, Now: w.Clock.Now,
		Keys: []access.Key{{ID: "k1", Secret: bytes.Repeat([]byte{9}, 32)}}})
	require.NoError(t, err)
	with := func(cfg *contactcenter.Config) { cfg.Access, cfg.Engagements = auth, w.Engagements }
	a, b := newReplica(t, w, "a", with), newReplica(t, w, "b", with)
	req := Conference("conf-takeover")
	svc := openService(t, w, a, req)
	require.GreaterOrEqual(t, len(svc.Staff), 2)

	// At a: two people sign in, one is available; six callers pick the
	// general queue. One is answered, one offered, four wait.
	signIn := func(r *replica, p contactcenter.Person, available bool) string {
		t.Helper()
		d, err := r.lc.Desk(ctx, svc.ID)
		require.NoError(t, err)
		tok, _, err := auth.IssueToken(ctx, svc.ID+"/"+p.ID)
		require.NoError(t, err)
		_, err = d.Open(ctx, tok, routing.Agent{})
		require.NoError(t, err)
		if available {
			require.NoError(t, d.SetStatus(ctx, tok, routing.Available))
		}
		return tok
	}
	ann := signIn(a, svc.Staff[0], true)
	const callers = 6
	var ids []string
	for i := range callers {
		e, err := a.ch.Arrive(ctx, svc.ID, "telephony-1", fmt.Sprintf("caller-%d", i), w.Clock.Now())
		require.NoError(t, err)
		_, err = a.ch.Respond(ctx, e.ID, "0")
		require.NoError(t, err)
		ids = append(ids, e.ID)
		w.Clock.Advance(time.Second)
	}
	deskA, err := a.lc.Desk(ctx, svc.ID)
	require.NoError(t, err)
	require.NoError(t, deskA.Accept(ctx, ann, ids[0]))
	require.NoError(t, deskA.End(ctx, ann, ids[0]))
	w.Clock.Advance(time.Minute) // ann's wrap-up
	require.NoError(t, a.lc.Tick(ctx))
	require.NoError(t, deskA.Accept(ctx, ann, ids[1]))
	require.NoError(t, a.lc.Tick(ctx)) // the records are stored
	live, err := w.Engagements.Live(ctx, svc.ID)
	require.NoError(t, err)
	require.Len(t, live, callers-1, "what a left live is in the records")

	// a dies. Its lease runs out; b takes the service over.
	eventsOfA := len(a.events)
	w.Clock.Advance(3 * time.Minute)
	err = deskA.Accept(ctx, ann, ids[2])
	require.ErrorIs(t, err, contactcenter.ErrElsewhere, "a's desk refuses once its lease ran out")
	_, err = a.ch.Arrive(ctx, svc.ID, "telephony-1", "late", w.Clock.Now())
	if err == nil {
		lateIDs, _ := a.ch.Engagements(ctx, svc.ID)
		require.NotEmpty(t, lateIDs)
		_, err = a.ch.Respond(ctx, lateIDs[len(lateIDs)-1].ID, "0")
	}
	require.ErrorIs(t, err, contactcenter.ErrElsewhere, "and a's channel cannot queue anything more")
	assert.Equal(t, eventsOfA, len(a.events), "a decides nothing after its lease ran out")

	require.NoError(t, b.lc.Tick(ctx))
	stats, err := b.lc.QueueStats(ctx, svc.ID)
	require.NoError(t, err)
	waiting := 0
	for _, s := range stats {
		waiting += s.Waiting
	}
	assert.Equal(t, callers-1, waiting, "b put back every engagement a left live, the one with an agent too")

	// b's people answer them all, oldest first.
	var toks []string
	for _, p := range svc.Staff[:2] {
		toks = append(toks, signIn(b, p, true))
	}
	deskB, err := b.lc.Desk(ctx, svc.ID)
	require.NoError(t, err)
	holder := map[string]string{} // engagement → agent offered or connected at b
	for range 4 * callers {
		var offered []*contactcenter.EngagementEvent
		for _, ev := range b.events {
			if ev.Kind == routing.EventOffered && holder[ev.Engagement] == "" {
				offered = append(offered, ev)
			}
		}
		if len(offered) == 0 {
			w.Clock.Advance(time.Minute)
			require.NoError(t, b.lc.Tick(ctx))
			continue
		}
		for _, ev := range offered {
			holder[ev.Engagement] = ev.Agent
			tok := toks[0]
			if ev.Agent == svc.Staff[1].ID {
				tok = toks[1]
			}
			require.NoError(t, deskB.Accept(ctx, tok, ev.Engagement))
			require.NoError(t, deskB.End(ctx, tok, ev.Engagement))
		}
	}
	require.NoError(t, b.lc.Tick(ctx))

	// Offered to one agent at a time at b; each ended exactly once over
	// both replicas.
	current := map[string]string{}
	ended := map[string]int{}
	for _, r := range []*replica{a, b} {
		for _, ev := range r.events {
			switch ev.Kind {
			case routing.EventOffered:
				if r == b {
					assert.Empty(t, current[ev.Engagement], "%s offered to %s while with %s", ev.Engagement, ev.Agent, current[ev.Engagement])
					current[ev.Engagement] = ev.Agent
				}
			case routing.EventMissed, routing.EventWithdrawn, routing.EventQueued:
				delete(current, ev.Engagement)
			case routing.EventEnded:
				delete(current, ev.Engagement)
				ended[ev.Engagement]++
				assert.Equal(t, routing.Answered, ev.Outcome, "%s answered", ev.Engagement)
			}
		}
	}
	for _, id := range ids {
		assert.Equal(t, 1, ended[id], "%s ends exactly once", id)
	}
	live, err = w.Engagements.Live(ctx, svc.ID)
	require.NoError(t, err)
	assert.Empty(t, live, "nothing left live in the records")
	from := req.Term.Start.Add(-time.Hour)
	done, err := w.Engagements.Ended(ctx, svc.ID, from, w.Clock.Now().Add(time.Second))
	require.NoError(t, err)
	assert.Len(t, done, callers, "each engagement's record ended once")
}
