package scaling_test

import (
	"fmt"
	"time"

	"github.com/eventcc/eventcc/scaling"
)

// A surge of calls, then calm: the Autoscaler adds agents at once, and
// keeps them until the surge has been over for a whole ScaleDownWindow.
func ExampleAutoscaler_Decide() {
	a, err := scaling.NewAutoscaler(scaling.Params{
		Modalities: []scaling.Modality{
			{Kind: "telephony", HandleTime: 3 * time.Minute, Concurrency: 1, SpacePerEngagement: 0.1},
		},
		TargetUtilisation:   0.8,
		MinAgents:           2,
		MaxAgents:           50,
		AgentsPerSupervisor: 10,
		LicencesPerAgent:    1,
		SpacePerAgent:       0.5,
		BaseSpace:           2,
		MaxLicences:         100,
		MaxSpace:            100,
		ScaleDownWindow:     10 * time.Minute,
	}, nil) // nil: the Utilisation policy
	if err != nil {
		fmt.Println(err)
		return
	}

	start := time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)
	calls := []int{10, 40, 10, 10, 10} // per 5 minutes; 3-minute calls
	agents := 8
	for i, n := range calls {
		now := start.Add(time.Duration(i) * 5 * time.Minute)
		d := a.Decide(now, agents, []scaling.Sample{{
			Modality: "telephony", At: now, Interval: 5 * time.Minute, Arrivals: n,
		}})
		fmt.Printf("%s %2d calls: %2d -> %2d agents (policy %2d), %d supervisors, %s\n",
			now.Format("15:04"), n, d.Current, d.Desired.Agents, d.Recommended, d.Desired.Supervisors, d.Reason)
		agents = d.Desired.Agents
	}
	// Output:
	// 09:00 10 calls:  8 ->  8 agents (policy  8), 1 supervisors, steady
	// 09:05 40 calls:  8 -> 30 agents (policy 30), 3 supervisors, scale up
	// 09:10 10 calls: 30 -> 30 agents (policy  8), 3 supervisors, held by stabilisation window
	// 09:15 10 calls: 30 ->  8 agents (policy  8), 1 supervisors, scale down
	// 09:20 10 calls:  8 ->  8 agents (policy  8), 1 supervisors, steady
}

func ExampleParams_ResourcesFor() {
	p := scaling.Params{
		Modalities: []scaling.Modality{
			{Kind: "telephony", HandleTime: 4 * time.Minute, Concurrency: 1, SpacePerEngagement: 0.2},
			{Kind: "chat", HandleTime: 8 * time.Minute, Concurrency: 3, SpacePerEngagement: 0.05},
		},
		TargetUtilisation:   0.85,
		MaxAgents:           100,
		AgentsPerSupervisor: 10,  // 25 agents: 3 supervisors
		LicencesPerAgent:    2,   // 28 people: 56 licences
		SpacePerAgent:       0.5, // 25 agents: 12.5 units
		BaseSpace:           4,
		MaxLicences:         50,
		MaxSpace:            40,
	}
	live := []scaling.Sample{
		{Modality: "telephony", Concurrent: 20, Queued: 5}, // 25 × 0.2 = 5 units
		{Modality: "chat", Concurrent: 30},                 // 30 × 0.05 = 1.5 units
	}
	r := p.ResourcesFor(25, live)
	fmt.Printf("agents %d, supervisors %d, licences %d (capped), space %d\n", r.Agents, r.Supervisors, r.Licences, r.Space)
	// Output:
	// agents 25, supervisors 3, licences 50 (capped), space 23
}

// NewAutoscaler refuses Params that do not make sense, naming every
// problem at once.
func ExampleNewAutoscaler() {
	_, err := scaling.NewAutoscaler(scaling.Params{
		Modalities:        []scaling.Modality{{Kind: "chat", HandleTime: 5 * time.Minute, Concurrency: 0}},
		TargetUtilisation: 1.5,
		MaxAgents:         10,
		LicencesPerAgent:  1,
		MaxLicences:       10,
		MaxSpace:          10,
	}, nil)
	fmt.Println(err)
	// Output:
	// scaling: TargetUtilisation 1.5 not in (0,1]
	// scaling: Modalities[0].Concurrency 0 < 1
}

// Utilisation staffs each modality for its offered load at the target
// utilisation, and never below what is live.
func ExampleUtilisation() {
	p := scaling.Params{
		Modalities: []scaling.Modality{
			{Kind: "telephony", HandleTime: 5 * time.Minute, Concurrency: 1},
			{Kind: "chat", HandleTime: 10 * time.Minute, Concurrency: 3},
		},
		TargetUtilisation: 0.8,
	}
	samples := []scaling.Sample{
		// 8 calls in 5 minutes, of 5 minutes each: 8 agents busy, 10 at 80%.
		{Modality: "telephony", Interval: 5 * time.Minute, Arrivals: 8},
		// Few new chats, but 10 live at 3 per agent hold 4 agents.
		{Modality: "chat", Interval: 5 * time.Minute, Arrivals: 1, Concurrent: 9, Queued: 1},
	}
	fmt.Println(scaling.Utilisation{}.Recommend(p, samples))
	// Output:
	// 14
}
