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
	agentIndex := make(map[string]int, nAgents)
	for i, id := range ids {
		agentIndex[id] = i
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
			i := agentIndex[ev.Agent]
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
