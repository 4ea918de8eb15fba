package memrecords_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/modality/routing/memrecords"
)

func ExampleNew() {
	ctx := context.Background()
	s := memrecords.New()

	// The owner of service expo-2030 writes its router's decisions.
	at := time.Date(2030, time.May, 1, 9, 0, 0, 0, time.UTC)
	ann := routing.Record{ServiceID: "expo-2030", ID: "call-1", Queue: "tickets", Kind: modality.Telephony,
		Arrived: at, Entered: at, Seq: 1}
	bob := routing.Record{ServiceID: "expo-2030", ID: "chat-7", Queue: "tickets", Kind: modality.Chat,
		Arrived: at.Add(time.Second), Entered: at.Add(time.Second), Seq: 1}
	if err := s.Put(ctx, ann, bob); err != nil {
		fmt.Println(err)
		return
	}
	ann.Agent, ann.Accepted, ann.Seq = "agent-3", at.Add(20*time.Second), 2
	bob.Ended, bob.Outcome, bob.Seq = at.Add(time.Minute), routing.Abandoned, 2
	if err := s.Put(ctx, ann, bob); err != nil {
		fmt.Println(err)
		return
	}

	// A late write of an older record is kept out.
	late := bob
	late.Ended, late.Outcome, late.Seq = time.Time{}, "", 1
	err := s.Put(ctx, late)
	fmt.Println("late write stale:", errors.Is(err, routing.ErrStale))

	// A replica that takes the service over rebuilds its router from the
	// live records; the report reads the ended ones.
	live, err := s.Live(ctx, "expo-2030")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range live {
		fmt.Println("live:", r.ID, r.Queue, r.Agent)
	}
	ended, err := s.Ended(ctx, "expo-2030", at, at.Add(time.Hour))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range ended {
		fmt.Println("ended:", r.ID, r.Outcome)
	}

	// The service is torn down.
	n, err := s.Delete(ctx, "expo-2030")
	fmt.Println("deleted:", n, err)
	// Output:
	// late write stale: true
	// live: call-1 tickets agent-3
	// ended: chat-7 abandoned
	// deleted: 2 <nil>
}
