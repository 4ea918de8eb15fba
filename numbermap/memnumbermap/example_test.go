package memnumbermap_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

func ExampleNew() {
	ctx := context.Background()
	store := memnumbermap.New()

	// The pool: numbers the host owns, long-lived across events.
	err := store.Add(ctx,
		numbermap.Owned{Number: numbermap.MustParse("+1 555 555 0100"), Country: "US"},
		numbermap.Owned{Number: numbermap.MustParse("+1 555 555 0101"), Country: "US"},
		numbermap.Owned{Number: numbermap.MustParse("+44 7700 900123"), Country: "GB"},
	)
	if err != nil {
		log.Fatal(err)
	}

	// A conference claims one US number for its term; afterwards calls are
	// forwarded to the organiser's office for 30 days, then the number ages.
	start := time.Date(2026, time.September, 14, 8, 0, 0, 0, time.UTC)
	expires := time.Date(2026, time.September, 17, 20, 0, 0, 0, time.UTC)
	recs, err := store.Claim(ctx, numbermap.ClaimRequest{
		Lease: numbermap.Lease{
			ServiceID:  "gophercon-2026",
			EntryPoint: "main",
			Modality:   "telephony",
			Start:      start,
			Expires:    expires,
			Policy: numbermap.Policy{
				Kind:      numbermap.Forward,
				ForwardTo: numbermap.MustParse("+1 555 555 0199"),
				For:       30 * 24 * time.Hour,
				Aging:     numbermap.DefaultAging,
			},
		},
		Count:   1,
		Country: "US",
		At:      start,
	})
	if err != nil {
		log.Fatal(err)
	}
	n := recs[0].Number
	fmt.Println("claimed", n)

	// Routing compares the lease with the instant of the call: nothing
	// has to run at expiry for the number to stop reaching the service.
	for _, at := range []time.Time{
		start.Add(time.Hour),
		expires.Add(-time.Nanosecond),
		expires,
		expires.Add(40 * 24 * time.Hour),
		recs[0].AvailableFrom(),
	} {
		rt, err := numbermap.Lookup(ctx, store, n, at)
		if err != nil {
			log.Fatal(err)
		}
		when := at.Format(time.RFC3339Nano)
		switch rt.Kind {
		case numbermap.RouteService:
			fmt.Printf("%s: %s %s, entry point %s\n", when, rt.Kind, rt.ServiceID, rt.EntryPoint)
		case numbermap.RouteForward:
			fmt.Printf("%s: %s to %s\n", when, rt.Kind, rt.ForwardTo)
		default:
			fmt.Printf("%s: %s\n", when, rt.Kind)
		}
	}
	// Output:
	// claimed +15555550100
	// 2026-09-14T09:00:00Z: service gophercon-2026, entry point main
	// 2026-09-17T19:59:59.999999999Z: service gophercon-2026, entry point main
	// 2026-09-17T20:00:00Z: forward to +15555550199
	// 2026-10-27T20:00:00Z: vacant
	// 2027-01-15T20:00:00Z: unassigned
}
