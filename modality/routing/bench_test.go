package routing_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
)

// BenchmarkAssign measures the router's hot path at the size the design
// sets: 10,000 agents, 50 queues, and 10,000 engagements waiting. Each
// op is one assignment with everything around it: a random busy agent
// ends a random engagement of theirs, the router offers them the best
// engagement waiting in the lanes they serve (by priority, then age), they
// accept it (and whatever else their spare capacity is offered), and a
// new engagement, in a random queue and kind, takes the ended one's
// place, so that 10,000 keep waiting.
//
// Queues need one of 10 topics (a third also a language), take telephony
// or chat or both, use each of the four strategies, with priorities 0 to
// 4. Agents have 3 to 5 of the topics, the languages at random, one call
// and up to three chats at once.
func BenchmarkAssign(b *testing.B) {
	for _, n := range []struct{ agents, waiting, queues int }{{1_000, 1_000, 50}, {10_000, 10_000, 50}} {
		b.Run(fmt.Sprintf("agents=%d/waiting=%d/queues=%d", n.agents, n.waiting, n.queues), func(b *testing.B) {
			benchAssign(b, n.agents, n.waiting, n.queues)
		})
	}
}

func benchAssign(b *testing.B, nAgents, nWaiting, nQueues int) {
	rng := rand.New(rand.NewPCG(1, 2))
	topics := make([]string, 10)
	for i := range topics {
		topics[i] = fmt.Sprintf("topic-%d", i)
	}
	langs := []string{"en", "de", "fr"}
	strategies := []routing.Strategy{routing.LongestIdle, routing.RoundRobin, routing.LeastBusy, routing.SkillsWeighted}
	kindSets := [][]modality.Kind{{modality.Telephony}, {modality.Chat}, {modality.Telephony, modality.Chat}}
	qs := make([]routing.Queue, nQueues)
	for i := range qs {
		qs[i] = routing.Queue{Name: fmt.Sprintf("q%02d", i), Priority: rng.IntN(5), Modalities: kindSets[i%3],
			Skills: []string{topics[rng.IntN(len(topics))]}, Strategy: strategies[i%4]}
		if i%3 == 0 {
			qs[i].Skills = append(qs[i].Skills, langs[rng.IntN(len(langs))])
		}
	}
	now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	var offers []routing.Event
	r, err := routing.New(routing.Config{Queues: qs, Now: func() time.Time { return now },
		OnEvent: func(ev routing.Event) {
			if ev.Kind == routing.EventOffered {
				offers = append(offers, ev)
			}
		}})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, nAgents)
	for i := range ids {
		ids[i] = fmt.Sprintf("agent-%05d", i)
		skills := map[string]int{}
		for range 3 + rng.IntN(3) {
			skills[topics[rng.IntN(len(topics))]] = 1 + rng.IntN(100)
		}
		for _, l := range langs {
			if rng.IntN(2) == 0 {
				skills[l] = 1 + rng.IntN(100)
			}
		}
		capacity := map[modality.Kind]int{modality.Telephony: 1, modality.Chat: rng.IntN(4)}
		if err := r.Join(routing.Agent{ID: ids[i], Skills: skills, Capacity: capacity}); err != nil {
			b.Fatal(err)
		}
	}
	// live[agent] are the engagements each agent holds; kinds and queues
	// are drawn for new engagements.
	live := make([][]string, nAgents)
	// The harness finds an agent's index from their ID's digits, not a
	// map: its own bookkeeping should cost little of what is timed.
	agentIndex := func(id string) int {
		n := 0
		for _, c := range id[len("agent-"):] {
			n = n*10 + int(c-'0')
		}
		return n
	}
	nextID := 0
	enqueue := func(id string) {
		q := qs[rng.IntN(len(qs))]
		k := q.Modalities[rng.IntN(len(q.Modalities))]
		if err := enqueued(r, routing.Engagement{ID: id, Queue: q.Name, Kind: k}); err != nil {
			b.Fatal(err)
		}
	}
	acceptAll := func() {
		// Accepting may offer the agent more: the loop reads them too.
		for k := 0; k < len(offers); k++ {
			ev := offers[k]
			if err := r.Accept(ev.Agent, ev.Engagement); err != nil {
				b.Fatal(err)
			}
			i := agentIndex(ev.Agent)
			live[i] = append(live[i], ev.Engagement)
		}
		offers = offers[:0]
	}
	// Fill the agents, then leave nWaiting waiting.
	for range nAgents * 5 {
		enqueue(fmt.Sprintf("e%07d", nextID))
		nextID++
	}
	for _, id := range ids {
		if err := r.SetStatus(id, routing.Available); err != nil {
			b.Fatal(err)
		}
		acceptAll()
	}
	waiting := 0
	for _, s := range r.Stats() {
		waiting += s.Waiting
	}
	for ; waiting < nWaiting; waiting++ {
		enqueue(fmt.Sprintf("e%07d", nextID))
		nextID++
	}
	acceptAll()
	busy := make([]int, 0, nAgents)
	for i := range live {
		if len(live[i]) > 0 {
			busy = append(busy, i)
		}
	}
	offers = make([]routing.Event, 0, 64)
	assigned := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		now = now.Add(time.Millisecond)
		i := busy[rng.IntN(len(busy))]
		if len(live[i]) == 0 {
			continue
		}
		j := rng.IntN(len(live[i]))
		e := live[i][j]
		live[i][j] = live[i][len(live[i])-1]
		live[i] = live[i][:len(live[i])-1]
		if err := r.End(ids[i], e); err != nil {
			b.Fatal(err)
		}
		enqueue(e) // the ended engagement's ID is free: a new one takes it
		n := len(offers)
		acceptAll()
		assigned += n
	}
	b.StopTimer()
	b.ReportMetric(float64(assigned)/float64(b.N), "assignments/op")
}

// BenchmarkThroughput measures the sustained load: 1,000
// services in one process, a router each, 100 agents each (100,000 in
// all). An op is one engagement arriving in a random service and queue,
// with everything it causes: it is admitted, and whatever is offered is
// accepted; once a service holds 250 engagements (of its 100 calls and
// 200 chats at once) a random one of them ends, so agents stay busy and
// lines form; a caller who finds more than 20 ahead abandons at once. The sustainable rate on one core is 1s / (ns/op); the
// target is 1,000 engagements a second.
func BenchmarkThroughput(b *testing.B) {
	const services, agentsEach, busy = 1_000, 100, 250
	rng := rand.New(rand.NewPCG(3, 4))
	now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	type svc struct {
		r      *routing.Router
		offers []routing.Event
		live   []liveEngagement
		ids    []string // free engagement IDs
	}
	all := make([]*svc, services)
	queues := []routing.Queue{
		{Name: "general", Modalities: []modality.Kind{modality.Telephony, modality.Chat}},
		{Name: "vip", Priority: 1, Modalities: []modality.Kind{modality.Telephony}, Skills: []string{"vip"}, Strategy: routing.SkillsWeighted},
	}
	for i := range all {
		s := &svc{}
		r, err := routing.New(routing.Config{Queues: queues, Now: clock, OnEvent: func(ev routing.Event) {
			if ev.Kind == routing.EventOffered {
				s.offers = append(s.offers, ev)
			}
		}})
		if err != nil {
			b.Fatal(err)
		}
		s.r = r
		for j := range agentsEach {
			id := fmt.Sprintf("s%d-a%d", i, j)
			skills := map[string]int{}
			if j%4 == 0 {
				skills["vip"] = 1 + rng.IntN(100)
			}
			if err := r.Join(routing.Agent{ID: id, Skills: skills,
				Capacity: map[modality.Kind]int{modality.Telephony: 1, modality.Chat: 2}}); err != nil {
				b.Fatal(err)
			}
			if err := r.SetStatus(id, routing.Available); err != nil {
				b.Fatal(err)
			}
		}
		for j := range 2 * busy {
			s.ids = append(s.ids, fmt.Sprintf("e%04d", j))
		}
		s.live = make([]liveEngagement, 0, 2*busy)
		s.offers = make([]routing.Event, 0, 64)
		all[i] = s
	}
	accept := func(s *svc) {
		for k := 0; k < len(s.offers); k++ {
			ev := s.offers[k]
			if err := s.r.Accept(ev.Agent, ev.Engagement); err != nil {
				b.Fatal(err)
			}
			s.live = append(s.live, liveEngagement{ev.Agent, ev.Engagement})
		}
		s.offers = s.offers[:0]
	}
	waiting := 0
	step := func() {
		now = now.Add(time.Millisecond)
		s := all[rng.IntN(services)]
		q := queues[rng.IntN(2)]
		k := q.Modalities[rng.IntN(len(q.Modalities))]
		id := s.ids[len(s.ids)-1]
		s.ids = s.ids[:len(s.ids)-1]
		t, err := s.r.Enqueue(routing.Engagement{ID: id, Queue: q.Name, Kind: k})
		if err != nil {
			b.Fatal(err)
		}
		if t.Position > 0 {
			waiting++
		}
		if t.Position > 20 { // a long line: this caller gives up at once
			if err := s.r.Hangup(id); err != nil {
				b.Fatal(err)
			}
			s.ids = append(s.ids, id)
		}
		accept(s)
		if len(s.live) > busy {
			j := rng.IntN(len(s.live))
			e := s.live[j]
			s.live[j] = s.live[len(s.live)-1]
			s.live = s.live[:len(s.live)-1]
			if err := s.r.End(e.agent, e.id); err != nil {
				b.Fatal(err)
			}
			s.ids = append(s.ids, e.id)
			accept(s)
		}
		if len(s.ids) == 0 {
			b.Fatal("more engagements waiting than the benchmark has IDs for")
		}
	}
	// Warm up: every service's maps and slices at their working size.
	for range 500 * services {
		step()
	}
	waiting = 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		step()
	}
	b.StopTimer()
	b.ReportMetric(float64(waiting)/float64(b.N), "waited/op")
}

type liveEngagement struct{ agent, id string }
