package routing_test

import (
	"fmt"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
)

// A registration desk and a German-speaking line; two agents. The router
// offers each call to the agent available the longest who may take it.
func Example() {
	now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC) // the owner's clock
	r, err := routing.New(routing.Config{
		Queues: []routing.Queue{
			{Name: "registration", Modalities: []modality.Kind{modality.Telephony, modality.Chat}},
			{Name: "german", Priority: 1, Modalities: []modality.Kind{modality.Telephony}, Skills: []string{"de"}},
		},
		// Until it has seen calls end, the router assumes they take 3m.
		Expect: map[modality.Kind]routing.Expectation{modality.Telephony: {HandleTime: 3 * time.Minute}},
		Now:    func() time.Time { return now },
		OnEvent: func(ev routing.Event) {
			switch ev.Kind {
			case routing.EventOffered:
				fmt.Printf("%s offered to %s\n", ev.Engagement, ev.Agent)
			case routing.EventEnded:
				fmt.Printf("%s ended: %s after %v\n", ev.Engagement, ev.Outcome, ev.Wait)
			}
		},
	})
	if err != nil {
		panic(err)
	}
	phone := map[modality.Kind]int{modality.Telephony: 1}
	must(r.Join(routing.Agent{ID: "ana", Capacity: phone}))
	must(r.Join(routing.Agent{ID: "jonas", Skills: map[string]int{"de": 90}, Capacity: phone}))
	must(r.SetStatus("ana", routing.Available))
	now = now.Add(time.Minute)
	must(r.SetStatus("jonas", routing.Available))

	for _, call := range []routing.Engagement{
		{ID: "call-1", Queue: "registration", Kind: modality.Telephony},
		{ID: "call-2", Queue: "german", Kind: modality.Telephony},
		{ID: "call-3", Queue: "registration", Kind: modality.Telephony},
	} {
		t, err := r.Enqueue(call)
		must(err)
		if t.Position > 0 {
			fmt.Printf("%s waits: number %d in line, about %v\n", call.ID, t.Position, t.ExpectedWait)
		}
	}
	must(r.Accept("ana", "call-1"))
	now = now.Add(3 * time.Minute)
	must(r.End("ana", "call-1"))

	st := r.Stats()[1] // registration's calls; the german queue comes first
	fmt.Printf("%s %s: %d offered, %d answered\n", st.Queue, st.Kind, st.Offered, st.Answered)
	// Output:
	// call-1 offered to ana
	// call-2 offered to jonas
	// call-3 waits: number 1 in line, about 1m30s
	// call-1 ended: answered after 3m0s
	// call-3 offered to ana
	// registration telephony: 2 offered, 1 answered
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
