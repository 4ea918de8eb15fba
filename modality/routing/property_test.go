package routing_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
)

// model is what a test knows of a router from its events and the calls it
// made: each engagement's state, each agent's load and offer.
type model struct {
	t       *testing.T
	now     time.Time
	queues  map[string]routing.Queue
	agents  map[string]*modelAgent
	engs    map[string]*modelEng
	ended   map[string]int
	order   int
	ops     []string // what was done, for the failure message
	pauseTo map[string]time.Time
}

type modelAgent struct {
	routing.Agent
	status routing.Status
	load   map[modality.Kind]int
	offer  string
}

type modelEng struct {
	queue   string
	kind    modality.Kind
	order   int // arrival order, for age
	agent   string
	offered bool
	live    bool
}

func (m *model) fail(format string, args ...any) {
	m.t.Helper()
	tail := m.ops
	if len(tail) > 300 {
		tail = tail[len(tail)-300:]
	}
	m.t.Fatalf(format+"\nlast operations:\n  %s", append(args, joinLines(tail))...)
}

func joinLines(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += "\n  "
		}
		out += s
	}
	return out
}

// on checks one event against the model, and applies it.
func (m *model) on(ev routing.Event) {
	m.t.Helper()
	e := m.engs[ev.Engagement]
	switch ev.Kind {
	case routing.EventQueued:
		if e == nil {
			m.fail("queued %s, which was never enqueued", ev.Engagement)
		}
		if e.offered {
			m.fail("queued %s while offered to %s", ev.Engagement, e.agent)
		}
		if e.live { // requeued, or transferred: its agent lets go
			m.agents[e.agent].load[e.kind]--
		}
		e.live, e.agent, e.queue = false, "", ev.Queue
	case routing.EventOffered:
		a := m.agents[ev.Agent]
		switch {
		case e == nil || e.offered || e.live:
			m.fail("offered %s to %s: it is not waiting (%+v)", ev.Engagement, ev.Agent, e)
		case a == nil:
			m.fail("offered %s to %s, who is not here", ev.Engagement, ev.Agent)
		case a.offer != "":
			m.fail("offered %s to %s, who has %s pending: two offers at once", ev.Engagement, ev.Agent, a.offer)
		case a.status != routing.Available:
			m.fail("offered %s to %s, who is %s", ev.Engagement, ev.Agent, a.status)
		case a.load[e.kind] >= a.Capacity[e.kind]:
			m.fail("offered %s (%s) to %s, at capacity %d", ev.Engagement, e.kind, ev.Agent, a.Capacity[e.kind])
		case !hasSkills(a.Agent, m.queues[e.queue]):
			m.fail("offered %s of %s to %s, who lacks its skills", ev.Engagement, e.queue, ev.Agent)
		}
		// Nothing the agent could take waits that should go first.
		for id, o := range m.engs {
			if id == ev.Engagement || o.offered || o.live || o.agent != "" {
				continue
			}
			if m.eligible(a, o) && m.before(o, e) {
				m.fail("offered %s (%s) to %s (%s, %v, load %v) while %s (%s %s, arrived %d) waits before it", ev.Engagement, e.queue, ev.Agent, a.status, a.Capacity, a.load, id, o.queue, o.kind, o.order)
			}
		}
		e.offered, e.agent, a.offer = true, ev.Agent, ev.Engagement
	case routing.EventAccepted:
		a := m.agents[ev.Agent]
		a.offer = ""
		a.load[e.kind]++
		e.offered, e.live = false, true
	case routing.EventMissed:
		a := m.agents[ev.Agent]
		if a.offer != ev.Engagement {
			m.fail("missed %s by %s, who was offered %q", ev.Engagement, ev.Agent, a.offer)
		}
		a.offer = ""
		e.offered, e.agent = false, ""
	case routing.EventWithdrawn:
		a := m.agents[ev.Agent]
		if a.offer != ev.Engagement || !e.offered {
			m.fail("withdrew %s from %s, who was offered %q", ev.Engagement, ev.Agent, a.offer)
		}
		a.offer = ""
		e.offered, e.agent = false, ""
	case routing.EventAgentBreak:
		m.agents[ev.Agent].status = routing.Break
	case routing.EventOverflow:
	case routing.EventEnded:
		m.ended[ev.Engagement]++
		if m.ended[ev.Engagement] > 1 {
			m.fail("%s ended twice", ev.Engagement)
		}
		if e.live {
			m.agents[e.agent].load[e.kind]--
		}
		if e.offered {
			m.agents[e.agent].offer = ""
		}
		delete(m.engs, ev.Engagement)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func hasSkills(a routing.Agent, q routing.Queue) bool {
	for _, s := range q.Skills {
		if a.Skills[s] == 0 {
			return false
		}
	}
	return true
}

// eligible reports whether agent a could take o, capacity and skills
// alone considered.
func (m *model) eligible(a *modelAgent, o *modelEng) bool {
	return a.load[o.kind] < a.Capacity[o.kind] && hasSkills(a.Agent, m.queues[o.queue])
}

// before reports whether o is served before e: a higher priority, or the
// same and older.
func (m *model) before(o, e *modelEng) bool {
	po, pe := m.queues[o.queue].Priority, m.queues[e.queue].Priority
	if po != pe {
		return po > pe
	}
	return o.order < e.order
}

// checkNoIdleWhileWaiting checks that no agent who could be offered a
// waiting engagement now is left idle with it.
func (m *model) checkNoIdleWhileWaiting(r *routing.Router) {
	m.t.Helper()
	for id, a := range m.agents {
		p, err := r.Presence(id)
		require.NoError(m.t, err)
		if p != routing.PresenceAvailable && p != routing.PresenceBusy {
			continue
		}
		for eid, o := range m.engs {
			if !o.offered && !o.live && m.eligible(a, o) {
				m.fail("%s is %s, and %s waits in %s for an agent like them", id, p, eid, o.queue)
			}
		}
	}
}

func TestRouter_Properties(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 30
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { playRandom(t, seed) })
	}
}

func playRandom(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	kinds := []modality.Kind{modality.Telephony, modality.Chat}
	strategies := []routing.Strategy{routing.LongestIdle, routing.RoundRobin, routing.LeastBusy, routing.SkillsWeighted}
	m := &model{t: t, now: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC), queues: map[string]routing.Queue{},
		agents: map[string]*modelAgent{}, engs: map[string]*modelEng{}, ended: map[string]int{}}
	var qs []routing.Queue
	for i := range 1 + rng.IntN(4) {
		q := routing.Queue{Name: fmt.Sprintf("q%d", i), Priority: rng.IntN(3),
			Modalities: kinds[:1+rng.IntN(2)], Strategy: strategies[rng.IntN(len(strategies))]}
		if rng.IntN(2) == 0 {
			q.Skills = []string{[]string{"en", "de", "vip"}[rng.IntN(3)]}
		}
		if rng.IntN(3) == 0 {
			q.MaxWait = time.Duration(1+rng.IntN(5)) * time.Minute
		}
		qs = append(qs, q)
		m.queues[q.Name] = q
	}
	if len(qs) > 1 && qs[0].MaxWait > 0 {
		qs[0].Overflow = qs[1].Name
		m.queues[qs[0].Name] = qs[0]
	}
	r, err := routing.New(routing.Config{Queues: qs, Now: func() time.Time { return m.now },
		Expect: map[modality.Kind]routing.Expectation{modality.Chat: {HandleTime: time.Duration(1+rng.IntN(120)) * time.Second, Concurrency: 2}},
		WrapUp: time.Duration(rng.IntN(2)) * 10 * time.Second, OnEvent: m.on})
	require.NoError(t, err)

	agentIDs, engN, refused := []string{}, 0, 0
	for step := range 400 {
		op := rng.IntN(100)
		switch {
		case op < 10 || len(agentIDs) == 0: // join
			id := fmt.Sprintf("a%d", step)
			skills := map[string]int{}
			for _, s := range []string{"en", "de", "vip"} {
				if rng.IntN(2) == 0 {
					skills[s] = 1 + rng.IntN(100)
				}
			}
			capacity := map[modality.Kind]int{modality.Telephony: rng.IntN(2), modality.Chat: rng.IntN(4)}
			require.NoError(t, r.Join(routing.Agent{ID: id, Skills: skills, Capacity: capacity}))
			m.agents[id] = &modelAgent{Agent: routing.Agent{ID: id, Skills: skills, Capacity: capacity},
				status: routing.Offline, load: map[modality.Kind]int{}}
			agentIDs = append(agentIDs, id)
			m.ops = append(m.ops, "join "+id)
		case op < 25: // status
			id := agentIDs[rng.IntN(len(agentIDs))]
			st := []routing.Status{routing.Available, routing.Available, routing.Break, routing.Offline}[rng.IntN(4)]
			m.ops = append(m.ops, fmt.Sprintf("status %s %s", id, st))
			m.agents[id].status = st
			require.NoError(t, r.SetStatus(id, st))
		case op < 30: // leave
			i := rng.IntN(len(agentIDs))
			id := agentIDs[i]
			m.ops = append(m.ops, "leave "+id)
			m.agents[id].status = routing.Offline
			require.NoError(t, r.Leave(id))
			delete(m.agents, id)
			agentIDs = slices.Delete(agentIDs, i, i+1)
		case op < 55: // enqueue
			q := qs[rng.IntN(len(qs))]
			k := q.Modalities[rng.IntN(len(q.Modalities))]
			engN++
			id := fmt.Sprintf("e%d", engN)
			m.ops = append(m.ops, fmt.Sprintf("enqueue %s %s %s", id, q.Name, k))
			m.order++
			m.engs[id] = &modelEng{queue: q.Name, kind: k, order: m.order}
			tk, err := r.Enqueue(routing.Engagement{ID: id, Queue: q.Name, Kind: k})
			if errors.Is(err, routing.ErrFull) {
				var re *routing.RefusedError
				require.ErrorAs(t, err, &re)
				require.Positive(t, re.RetryAfter, "a refusal says when to try again")
				delete(m.engs, id)
				refused++
				break
			}
			require.NoError(t, err)
			if e := m.engs[id]; !e.offered {
				require.Positive(t, tk.Position, "a waiting engagement is told its place")
			}
		case op < 70: // accept or decline an offer
			for _, id := range sortedKeys(m.agents) {
				a := m.agents[id]
				if a.offer == "" {
					continue
				}
				if rng.IntN(5) == 0 {
					m.ops = append(m.ops, "decline "+id+" "+a.offer)
					require.NoError(t, r.Decline(id, a.offer))
				} else {
					m.ops = append(m.ops, "accept "+id+" "+a.offer)
					require.NoError(t, r.Accept(id, a.offer))
				}
				break
			}
		case op < 82: // end or hang up a live one
			for _, id := range sortedKeys(m.engs) {
				e := m.engs[id]
				if !e.live {
					continue
				}
				if rng.IntN(2) == 0 {
					m.ops = append(m.ops, "end "+e.agent+" "+id)
					require.NoError(t, r.End(e.agent, id))
				} else {
					m.ops = append(m.ops, "hangup "+id)
					require.NoError(t, r.Hangup(id))
				}
				break
			}
		case op < 87: // abandon a waiting one
			for _, id := range sortedKeys(m.engs) {
				e := m.engs[id]
				if !e.live {
					m.ops = append(m.ops, "hangup "+id)
					require.NoError(t, r.Hangup(id))
					break
				}
			}
		case op < 90: // transfer
			for _, id := range sortedKeys(m.engs) {
				e := m.engs[id]
				to := qs[rng.IntN(len(qs))]
				if !slices.Contains(to.Modalities, e.kind) {
					break
				}
				m.ops = append(m.ops, "transfer "+id+" "+to.Name)
				m.order++
				e.order = m.order
				require.NoError(t, r.Transfer(id, to.Name))
				break
			}
		case op < 91: // the scaler's headroom changes
			n := rng.IntN(3)
			m.ops = append(m.ops, fmt.Sprintf("headroom %d", n))
			r.SetHeadroom(n)
		default: // time passes
			d := time.Duration(1+rng.IntN(40)) * time.Second
			m.ops = append(m.ops, fmt.Sprintf("tick +%v", d))
			m.now = m.now.Add(d)
			r.Tick()
		}
		m.checkNoIdleWhileWaiting(r)
		for _, a := range m.agents {
			for k, n := range a.load {
				if n > a.Capacity[k] || n < 0 {
					m.fail("%s holds %d %s, capacity %d", a.ID, n, k, a.Capacity[k])
				}
			}
		}
	}
	// Everyone hangs up: every engagement ends, exactly once.
	ids := make([]string, 0, len(m.engs))
	for id := range m.engs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		require.NoError(t, r.Hangup(id))
	}
	require.Empty(t, m.engs, "every engagement ended")
	require.Len(t, m.ended, engN-refused, "every engagement admitted ended exactly once")
	total := 0
	for _, s := range r.Stats() {
		total += s.Waiting
	}
	require.Zero(t, total, "nothing waits once everyone hung up")
}
