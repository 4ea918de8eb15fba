package routing_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
)

// desk is a router on a clock the test moves, with the events it told.
type desk struct {
	*routing.Router
	now    time.Time
	events []routing.Event
}

func newDesk(t *testing.T, cfg routing.Config) *desk {
	t.Helper()
	d := &desk{now: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)}
	cfg.Now = func() time.Time { return d.now }
	cfg.OnEvent = func(ev routing.Event) { d.events = append(d.events, ev) }
	r, err := routing.New(cfg)
	require.NoError(t, err)
	d.Router = r
	return d
}

func (d *desk) advance(dt time.Duration) { d.now = d.now.Add(dt); d.Tick() }

// offers returns who was offered what, in order: "engagement>agent".
func (d *desk) offers() []string {
	var out []string
	for _, ev := range d.events {
		if ev.Kind == routing.EventOffered {
			out = append(out, ev.Engagement+">"+ev.Agent)
		}
	}
	return out
}

var phone = map[modality.Kind]int{modality.Telephony: 1}

func (d *desk) agents(t *testing.T, ids ...string) {
	t.Helper()
	for _, id := range ids {
		require.NoError(t, d.Join(routing.Agent{ID: id, Capacity: phone, Skills: map[string]int{"en": 50}}))
	}
}

func (d *desk) available(t *testing.T, ids ...string) {
	t.Helper()
	for _, id := range ids {
		require.NoError(t, d.SetStatus(id, routing.Available))
		d.now = d.now.Add(time.Second) // so that "available longest" has an order
	}
}

func (d *desk) call(t *testing.T, id, queue string) {
	t.Helper()
	require.NoError(t, enqueued(d.Router, routing.Engagement{ID: id, Queue: queue, Kind: modality.Telephony}))
}

// take accepts and ends at once every call offered to agent.
func (d *desk) serve(t *testing.T, agent, call string) {
	t.Helper()
	require.NoError(t, d.Accept(agent, call))
	require.NoError(t, d.End(agent, call))
}

func queue(name string, s routing.Strategy) routing.Queue {
	return routing.Queue{Name: name, Modalities: []modality.Kind{modality.Telephony}, Strategy: s}
}

func TestStrategy_LongestIdle(t *testing.T) {
	d := newDesk(t, routing.Config{Queues: []routing.Queue{queue("q", "")}})
	d.agents(t, "a", "b", "c")
	d.available(t, "b", "c", "a")
	d.call(t, "1", "q")
	d.serve(t, "b", "1") // b goes to the back
	d.call(t, "2", "q")
	d.call(t, "3", "q")
	assert.Equal(t, []string{"1>b", "2>c", "3>a"}, d.offers(), "the agent available the longest first")
}

func TestStrategy_RoundRobin(t *testing.T) {
	d := newDesk(t, routing.Config{Queues: []routing.Queue{queue("q", routing.RoundRobin)}})
	d.agents(t, "a", "b", "c")
	d.available(t, "c", "b", "a") // the order they became available does not matter
	for _, id := range []string{"1", "2", "3", "4"} {
		d.call(t, id, "q")
		d.serve(t, d.offers()[len(d.offers())-1][2:], id)
	}
	assert.Equal(t, []string{"1>a", "2>b", "3>c", "4>a"}, d.offers(), "in the order the agents joined, from after the last chosen")
}

func TestStrategy_LeastBusy(t *testing.T) {
	d := newDesk(t, routing.Config{Queues: []routing.Queue{queue("q", routing.LeastBusy)}})
	d.agents(t, "a", "b")
	d.available(t, "a", "b")
	d.call(t, "1", "q")
	d.serve(t, "a", "1")
	d.call(t, "2", "q") // a has answered one, b none
	d.serve(t, "b", "2")
	d.call(t, "3", "q") // one each: a has waited longer
	assert.Equal(t, []string{"1>a", "2>b", "3>a"}, d.offers())
}

func TestStrategy_SkillsWeighted(t *testing.T) {
	q := queue("q", routing.SkillsWeighted)
	q.Skills = []string{"de", "vip"}
	d := newDesk(t, routing.Config{Queues: []routing.Queue{q}})
	require.NoError(t, d.Join(routing.Agent{ID: "junior", Capacity: phone, Skills: map[string]int{"de": 40, "vip": 10}}))
	require.NoError(t, d.Join(routing.Agent{ID: "senior", Capacity: phone, Skills: map[string]int{"de": 90, "vip": 80}}))
	require.NoError(t, d.Join(routing.Agent{ID: "english", Capacity: phone, Skills: map[string]int{"en": 100}}))
	d.available(t, "junior", "senior", "english")
	d.call(t, "1", "q")
	d.call(t, "2", "q")
	d.call(t, "3", "q")
	assert.Equal(t, []string{"1>senior", "2>junior"}, d.offers(), "the highest sum of the queue's skills first; nobody without them")
	st := d.Stats()
	assert.Equal(t, 1, st[0].Waiting, "the third waits")
}

func TestPriorityThenAge(t *testing.T) {
	low, high := queue("low", ""), queue("high", "")
	high.Priority = 5
	d := newDesk(t, routing.Config{Queues: []routing.Queue{low, high}})
	d.agents(t, "a")
	d.call(t, "old-low", "low")
	d.now = d.now.Add(time.Minute)
	d.call(t, "new-high", "high")
	d.call(t, "newer-high", "high")
	d.available(t, "a")
	d.serve(t, "a", "new-high")
	d.serve(t, "a", "newer-high")
	assert.Equal(t, []string{"new-high>a", "newer-high>a", "old-low>a"}, d.offers())
}

func TestCapacity_ChatsAtOnce(t *testing.T) {
	d := newDesk(t, routing.Config{Queues: []routing.Queue{{Name: "chat", Modalities: []modality.Kind{modality.Chat}}}})
	require.NoError(t, d.Join(routing.Agent{ID: "a", Capacity: map[modality.Kind]int{modality.Chat: 2}}))
	d.available(t, "a")
	for _, id := range []string{"1", "2", "3"} {
		require.NoError(t, enqueued(d.Router, routing.Engagement{ID: id, Queue: "chat", Kind: modality.Chat}))
		if len(d.offers()) > 0 && d.offers()[len(d.offers())-1] == id+">a" {
			require.NoError(t, d.Accept("a", id))
		}
	}
	assert.Equal(t, []string{"1>a", "2>a"}, d.offers(), "two chats at once, the third waits")
	p, err := d.Presence("a")
	require.NoError(t, err)
	assert.Equal(t, routing.PresenceBusy, p)
	require.NoError(t, d.End("a", "1"))
	assert.Equal(t, []string{"1>a", "2>a", "3>a"}, d.offers(), "a chat ends: the waiting one is offered")
}

func TestMisses_RestThenBreak(t *testing.T) {
	d := newDesk(t, routing.Config{Queues: []routing.Queue{queue("q", "")}, OfferTimeout: 10 * time.Second,
		MissPause: 30 * time.Second, MaxMisses: 2})
	d.agents(t, "a", "b")
	d.available(t, "a")
	d.call(t, "1", "q")
	d.advance(10 * time.Second) // a lets it ring out
	p, _ := d.Presence("a")
	assert.Equal(t, routing.PresenceResting, p, "a missed offer rests the agent")
	d.available(t, "b")
	assert.Equal(t, []string{"1>a", "1>b"}, d.offers(), "the missed call goes to the next agent")
	require.NoError(t, d.Decline("b", "1"))
	d.advance(30 * time.Second)
	assert.Equal(t, []string{"1>a", "1>b", "1>a"}, d.offers(), "back to a once rested")
	require.NoError(t, d.Decline("a", "1"))
	p, _ = d.Presence("a")
	assert.Equal(t, routing.PresenceBreak, p, "MaxMisses in a row: on a break")
	var breaks []string
	for _, ev := range d.events {
		if ev.Kind == routing.EventAgentBreak {
			breaks = append(breaks, ev.Agent)
		}
	}
	assert.Equal(t, []string{"a"}, breaks, "told once")
}

func TestWrapUp(t *testing.T) {
	d := newDesk(t, routing.Config{Queues: []routing.Queue{queue("q", "")}, WrapUp: 30 * time.Second})
	d.agents(t, "a")
	d.available(t, "a")
	d.call(t, "1", "q")
	d.serve(t, "a", "1")
	d.call(t, "2", "q")
	p, _ := d.Presence("a")
	assert.Equal(t, routing.PresenceWrapUp, p)
	d.advance(29 * time.Second)
	assert.Equal(t, []string{"1>a"}, d.offers(), "nothing during wrap-up")
	d.advance(time.Second)
	assert.Equal(t, []string{"1>a", "2>a"}, d.offers(), "offered once it ends")
}

func TestOverflowAndExpiry(t *testing.T) {
	first := queue("first", "")
	first.MaxWait, first.Overflow = time.Minute, "second"
	second := queue("second", "")
	second.MaxWait = time.Minute
	d := newDesk(t, routing.Config{Queues: []routing.Queue{first, second},
		Expect: map[modality.Kind]routing.Expectation{modality.Telephony: {HandleTime: 30 * time.Second}}})
	d.SetHeadroom(1) // an agent on their way: admitted, to wait
	d.call(t, "1", "first")
	d.advance(time.Minute)
	d.advance(time.Minute)
	var kinds []string
	for _, ev := range d.events {
		kinds = append(kinds, ev.Kind.String()+" "+ev.Queue)
	}
	assert.Equal(t, []string{"queued first", "overflow second", "queued second", "ended second"}, kinds)
	assert.Equal(t, routing.Expired, d.events[3].Outcome)
	st := d.Stats()
	assert.Equal(t, 1, st[0].OverflowedOut)
	assert.Equal(t, 1, st[1].Expired)
	assert.Equal(t, time.Minute, st[1].LongestWait)
}

func TestHangupAndStats(t *testing.T) {
	q := queue("q", "")
	q.Threshold = 30 * time.Second
	d := newDesk(t, routing.Config{Queues: []routing.Queue{q}})
	d.agents(t, "a")
	d.call(t, "1", "q")
	d.call(t, "2", "q")
	d.call(t, "3", "q")
	d.now = d.now.Add(20 * time.Second)
	require.NoError(t, d.Hangup("3")) // gave up waiting
	d.available(t, "a")               // offered 1 at 20s, accepted at 21s
	require.NoError(t, d.Accept("a", "1"))
	d.now = d.now.Add(2 * time.Minute)
	require.NoError(t, d.Hangup("1")) // the caller hangs up: answered
	d.now = d.now.Add(time.Minute)
	require.NoError(t, d.Accept("a", "2")) // offered at once, accepted a minute later
	require.NoError(t, d.End("a", "2"))
	s := d.Stats()[0]
	assert.Equal(t, routing.Stats{Queue: "q", Kind: modality.Telephony, Offered: 3, Answered: 2, AnsweredWithin: 1,
		Abandoned: 1, WaitAnswered: 21*time.Second + 3*time.Minute + 21*time.Second, LongestWait: 3*time.Minute + 21*time.Second,
		Waited:     21*time.Second + 3*time.Minute + 21*time.Second + 20*time.Second, // and the abandoned one's 20 s
		HandleTime: 2 * time.Minute, Handled: 2}, s)
}

func TestRequeueWhenAgentLeaves(t *testing.T) {
	d := newDesk(t, routing.Config{Queues: []routing.Queue{queue("q", "")}})
	d.agents(t, "a", "b")
	d.available(t, "a")
	d.call(t, "1", "q")
	require.NoError(t, d.Accept("a", "1"))
	d.call(t, "2", "q")
	require.NoError(t, d.Leave("a"))
	d.available(t, "b")
	assert.Equal(t, []string{"1>a", "1>b"}, d.offers(), "the call a held goes first: it is older")
	_, err := d.Presence("a")
	assert.ErrorIs(t, err, routing.ErrUnknownAgent)
}

func TestBadInput(t *testing.T) {
	_, err := routing.New(routing.Config{Queues: []routing.Queue{
		{Name: "q", Modalities: []modality.Kind{"fax"}, Strategy: "random", Overflow: "nowhere"},
		{Name: "q", MaxWait: -time.Second},
	}, OfferTimeout: -1, Expect: map[modality.Kind]routing.Expectation{modality.Chat: {HandleTime: -time.Second}}})
	var ce *routing.ConfigError
	require.ErrorAs(t, err, &ce)
	var fields []string
	for _, p := range ce.Problems {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"Queues[0].Modalities[0]", "Queues[0].Strategy", "Queues[1].Name", "Queues[1].Modalities",
		"Queues[1].MaxWait", "Queues[0].Overflow", `Expect["chat"].HandleTime`, "OfferTimeout"}, fields)

	d := newDesk(t, routing.Config{Queues: []routing.Queue{queue("q", "")}})
	d.agents(t, "a")
	assert.ErrorIs(t, enqueued(d.Router, routing.Engagement{ID: "1", Queue: "nope", Kind: modality.Telephony}), routing.ErrUnknownQueue)
	assert.ErrorIs(t, enqueued(d.Router, routing.Engagement{ID: "1", Queue: "q", Kind: modality.Chat}), routing.ErrIneligible)
	d.call(t, "1", "q")
	assert.ErrorIs(t, enqueued(d.Router, routing.Engagement{ID: "1", Queue: "q", Kind: modality.Telephony}), routing.ErrExists)
	assert.ErrorIs(t, d.Accept("a", "1"), routing.ErrNotOffered, "not offered: still waiting")
	assert.ErrorIs(t, d.End("a", "1"), routing.ErrNotConnected)
	assert.ErrorIs(t, d.Accept("ghost", "1"), routing.ErrUnknownAgent)
	assert.ErrorIs(t, d.Hangup("2"), routing.ErrUnknownEngagement)
	assert.ErrorIs(t, d.Join(routing.Agent{ID: "a"}), routing.ErrExists)
	assert.Error(t, d.Join(routing.Agent{ID: "x", Capacity: map[modality.Kind]int{"fax": 1}}))
	assert.Error(t, d.Join(routing.Agent{ID: "y", Skills: map[string]int{"de": 101}}))
	assert.True(t, errors.Is(d.Transfer("1", "nope"), routing.ErrUnknownQueue))
	before := len(d.events)
	assert.Error(t, d.SetStatus("a", "dancing"))
	assert.Len(t, d.events, before, "a refused call changes nothing")
}

// enqueued is Enqueue without its Ticket.
func enqueued(r *routing.Router, e routing.Engagement) error {
	_, err := r.Enqueue(e)
	return err
}

func TestAdmission_ASurgeWaitsForTheAgentsComing(t *testing.T) {
	q := queue("q", "")
	q.MaxWait = 2 * time.Minute
	d := newDesk(t, routing.Config{Queues: []routing.Queue{q},
		Expect: map[modality.Kind]routing.Expectation{modality.Telephony: {HandleTime: time.Minute}}})
	d.agents(t, "a", "b")
	d.available(t, "a", "b")
	admit := func(n int) (admitted int, last routing.Ticket, refusal *routing.RefusedError) {
		for i := range n {
			tk, err := d.Enqueue(routing.Engagement{ID: fmt.Sprint(len(d.events), "-", i), Queue: "q", Kind: modality.Telephony})
			if err != nil {
				require.ErrorAs(t, err, &refusal)
				require.ErrorIs(t, err, routing.ErrFull)
				return admitted, last, refusal
			}
			admitted, last = admitted+1, tk
		}
		return admitted, last, nil
	}
	// Two agents, a minute a call: the 4th in line waits (4 × 1m) / 2 = 2m.
	n, last, refusal := admit(10)
	assert.Equal(t, 2+4, n, "two offered at once, four waiting")
	assert.Equal(t, routing.Ticket{Position: 4, ExpectedWait: 2 * time.Minute}, last)
	require.NotNil(t, refusal)
	assert.Equal(t, 4, refusal.Position)
	assert.Equal(t, 30*time.Second, refusal.RetryAfter, "the 5th would wait 2m30s")

	// The scaler may still add eight agents: ten slots, 20 in line.
	d.SetHeadroom(8)
	n, _, refusal = admit(30)
	assert.Equal(t, 16, n, "a surge waits for the agents coming")
	require.NotNil(t, refusal)
	assert.Equal(t, 2, d.Stats()[0].Refused, "each refusal counted")
}

func TestAdmission_OverflowBeforeRefusing(t *testing.T) {
	full, spare := queue("full", ""), queue("spare", "")
	full.MaxWait, full.Overflow, full.Skills = time.Minute, "spare", []string{"de"} // nobody here speaks it
	d := newDesk(t, routing.Config{Queues: []routing.Queue{full, spare}})
	d.agents(t, "a")
	d.available(t, "a")
	require.NoError(t, enqueued(d.Router, routing.Engagement{ID: "1", Queue: "full", Kind: modality.Telephony}))
	var got []string
	for _, ev := range d.events {
		got = append(got, ev.Kind.String()+" "+ev.Queue)
	}
	assert.Equal(t, []string{"queued full", "overflow spare", "queued spare", "offered spare"}, got,
		"nobody serves full: the call goes down its overflow at once")
}

func TestWhereAndHolding(t *testing.T) {
	d := newDesk(t, routing.Config{Queues: []routing.Queue{queue("q", "")}})
	d.agents(t, "a")
	d.call(t, "1", "q")
	q, agent, connected, err := d.Where("1")
	require.NoError(t, err)
	assert.Equal(t, []any{"q", "", false}, []any{q, agent, connected}, "waiting")
	d.available(t, "a")
	_, agent, connected, _ = d.Where("1")
	assert.Equal(t, []any{"a", false}, []any{agent, connected}, "offered")
	live, offered, err := d.Holding("a")
	require.NoError(t, err)
	assert.Equal(t, []any{[]string(nil), "1"}, []any{live, offered})
	require.NoError(t, d.Accept("a", "1"))
	live, offered, _ = d.Holding("a")
	assert.Equal(t, []any{[]string{"1"}, ""}, []any{live, offered})
	_, _, _, err = d.Where("2")
	assert.ErrorIs(t, err, routing.ErrUnknownEngagement)
}

func TestStats_Measures(t *testing.T) {
	s := routing.Stats{Answered: 6, AnsweredWithin: 4, Abandoned: 1, Expired: 1, OverflowedOut: 2,
		WaitAnswered: 3 * time.Minute, HandleTime: 20 * time.Minute, Handled: 5}
	assert.InDelta(t, 0.4, s.ServiceLevel(), 1e-9, "4 answered in time of 10 that left the queue")
	assert.InDelta(t, 0.1, s.AbandonRate(), 1e-9)
	assert.Equal(t, 30*time.Second, s.ASA())
	assert.Equal(t, 4*time.Minute, s.AHT())
	var none routing.Stats
	assert.Equal(t, []any{1.0, 0.0, time.Duration(0), time.Duration(0)},
		[]any{none.ServiceLevel(), none.AbandonRate(), none.ASA(), none.AHT()}, "nothing yet: no division by zero")
}

// Place says where a waiting engagement is now: its position moves up as
// those ahead are served, and its expected wait with it.
func TestPlace(t *testing.T) {
	d := newDesk(t, routing.Config{Queues: []routing.Queue{queue("q", "")},
		Expect: map[modality.Kind]routing.Expectation{modality.Telephony: {HandleTime: 2 * time.Minute}}})
	d.agents(t, "a")
	d.available(t, "a")
	for _, id := range []string{"1", "2", "3", "4"} {
		d.call(t, id, "q")
	}
	p, err := d.Place("1")
	require.NoError(t, err)
	assert.Equal(t, routing.Ticket{}, p, "offered to a: no place in line")
	p, err = d.Place("4")
	require.NoError(t, err)
	assert.Equal(t, 3, p.Position, "behind 2 and 3")
	assert.Equal(t, 6*time.Minute, p.ExpectedWait, "three handle times of the one agent")
	require.NoError(t, d.Accept("a", "1"))
	require.NoError(t, d.End("a", "1"))
	p, _ = d.Place("4")
	assert.Equal(t, 2, p.Position, "2 offered now, 3 ahead")
	_, err = d.Place("1")
	assert.ErrorIs(t, err, routing.ErrUnknownEngagement, "ended")
}
