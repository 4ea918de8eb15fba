package memnumbermap_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
	"github.com/eventcc/eventcc/numbermap/numberplan"
)

func ExampleNew() {
	ctx := context.Background()
	store := memnumbermap.New()

	// The pool: numbers the host owns, long-lived across events, parsed
	// and checked once as they come in from the carrier.
	for _, carrier := range []struct{ number, ref string }{
		{"+1 202-555-0100", "PN01"},
		{"+1 202-555-0101", "PN02"},
		{"+1 800 555 0199", "PN03"},
		{"020 7946 0123", "PN04"}, // national format, read for GB
	} {
		info, err := numberplan.Inspect(carrier.number, numberplan.Options{Region: "GB"})
		if err != nil {
			log.Fatal(err)
		}
		err = store.Add(ctx, numbermap.Owned{
			Number:       info.Number,
			Country:      info.Country,
			Type:         info.Type,
			Capabilities: numbermap.Voice | numbermap.SMS,
			Provider:     carrier.ref,
		})
		if err != nil {
			log.Fatal(err)
		}
	}

	// A conference claims one local US number for its term; afterwards
	// calls are forwarded to the organiser's office for 30 days, then the
	// number ages 90 days.
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
				ForwardTo: numbermap.MustParse("+1 202 555 0199"),
				For:       30 * 24 * time.Hour,
				Aging:     numbermap.DefaultAging,
			},
		},
		Count:        1,
		Country:      "US",
		Type:         numbermap.TypeLocal,
		Capabilities: numbermap.Voice,
		At:           start,
	})
	if err != nil {
		log.Fatal(err)
	}
	n := recs[0].Number
	fmt.Println("claimed", n, recs[0].Provider)

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

	// Only one local US number was left, so a claim of two fails, and
	// says why.
	_, err = store.Claim(ctx, numbermap.ClaimRequest{
		Lease: numbermap.Lease{ServiceID: "devfest-2026", Start: start, Expires: expires,
			Policy: numbermap.Policy{Kind: numbermap.Vacant}},
		Count: 2, Country: "US", Type: numbermap.TypeLocal, At: start,
	})
	var short *numbermap.InsufficientError
	if errors.As(err, &short) {
		fmt.Println(short.Available, "available,", short.Held, "held until", short.NextAvailable.Format(time.DateOnly))
	}
	// Output:
	// claimed +12025550100 PN01
	// 2026-09-14T09:00:00Z: service gophercon-2026, entry point main
	// 2026-09-17T19:59:59.999999999Z: service gophercon-2026, entry point main
	// 2026-09-17T20:00:00Z: forward to +12025550199
	// 2026-10-27T20:00:00Z: vacant
	// 2027-01-15T20:00:00Z: unassigned
	// 1 available, 1 held until 2027-01-15
}
