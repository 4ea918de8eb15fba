package memevents_test

import (
	"context"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/modality"
)

func ExampleNew() {
	ctx := context.Background()
	es := memevents.New()

	opens := time.Date(2026, time.May, 4, 9, 0, 0, 0, time.UTC)
	_ = es.Publish(ctx, contactcenter.Publication{
		ServiceID: "expo-2026",
		EventID:   "expo-2026",
		EntryPoints: []modality.EntryPoint{
			{Name: "main", Kind: modality.Telephony, Address: "+4930555001"},
			{Name: "chat", Kind: modality.Chat, Address: "https://chat.example/expo-2026"},
		},
		Opens:    opens,
		Closes:   opens.Add(4 * 24 * time.Hour),
		TimeZone: "Europe/Berlin",
	})
	p, ok := es.Published("expo-2026")
	fmt.Println(ok, p.Opens.Format(time.DateOnly), p.Closes.Format(time.DateOnly))
	for _, ep := range p.EntryPoints {
		fmt.Println(ep.Kind, ep.Address)
	}

	// At the close, the entry points are withdrawn.
	_ = es.Retract(ctx, "expo-2026")
	_, ok = es.Published("expo-2026")
	fmt.Println(ok)

	for _, r := range es.History() {
		fmt.Println(r.Op, r.ServiceID)
	}
	// Output:
	// true 2026-05-04 2026-05-08
	// telephony +4930555001
	// chat https://chat.example/expo-2026
	// false
	// publish expo-2026
	// retract expo-2026
}
