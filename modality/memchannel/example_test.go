package memchannel_test

import (
	"context"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
)

func ExampleNew() {
	ctx := context.Background()
	ch, err := memchannel.New(modality.Telephony, modality.Chat)
	if err != nil {
		panic(err)
	}
	fmt.Println("serves:", ch.Kinds())

	err = ch.Open(ctx, "expo-2030", modality.Setup{
		EntryPoints: []modality.EntryPoint{
			{Name: "main", Kind: modality.Telephony, Address: "+15550100001", Queue: "help"},
			{Name: "web", Kind: modality.Chat, Address: "https://expo.example/chat", Queue: "help"},
		},
		Queues: []string{"help"},
	})
	if err != nil {
		panic(err)
	}

	doors := time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)
	call, _ := ch.Arrive(ctx, "expo-2030", "main", "+15557654321", doors)
	_, _ = ch.Arrive(ctx, "expo-2030", "web", "visitor-1", doors.Add(time.Minute))
	_ = ch.Answer(ctx, call.ID, doors.Add(2*time.Minute))
	_ = ch.End(ctx, call.ID, doors.Add(7*time.Minute))
	_, _ = ch.Arrive(ctx, "expo-2030", "main", "+15557654322", doors.Add(8*time.Minute))

	counts, _ := ch.Counts(ctx, "expo-2030")
	for _, c := range counts {
		fmt.Printf("%s: waiting %d, active %d, arrivals %d, completed %d, handle time %v\n",
			c.Kind, c.Waiting, c.Active, c.Arrivals, c.Completed, c.HandleTime)
	}

	// The term is over: refuse new engagements, end the rest, forget the
	// entry points.
	_ = ch.StopIntake(ctx, "expo-2030")
	n, _ := ch.Disconnect(ctx, "expo-2030")
	_ = ch.Remove(ctx, "expo-2030")
	fmt.Println("disconnected:", n)
	_, err = ch.Arrive(ctx, "expo-2030", "main", "+15557654323", doors.Add(time.Hour))
	fmt.Println(err)

	// Output:
	// serves: [telephony chat]
	// telephony: waiting 1, active 0, arrivals 2, completed 1, handle time 5m0s
	// chat: waiting 1, active 0, arrivals 1, completed 0, handle time 0s
	// disconnected: 2
	// memchannel: arrive at service "expo-2030": modality: service not open on this channel
}
