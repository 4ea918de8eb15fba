package access_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
)

func ExampleAuthorize() {
	ctx := context.Background()
	s := memaccess.New()

	// The term ends on 3 May at 18:00 UTC; the template's grace period is
	// two hours, so the grant's NotAfter is 20:00.
	termEnd := time.Date(2030, time.May, 3, 18, 0, 0, 0, time.UTC)
	_, err := s.Create(ctx, access.Grant{
		ID:         "expo-2030/ann",
		ServiceID:  "expo-2030",
		Principal:  "ann",
		Role:       "agent",
		Privileges: []access.Privilege{"engagement.handle", "queue.tickets"},
		NotBefore:  time.Date(2030, time.May, 1, 8, 0, 0, 0, time.UTC),
		NotAfter:   termEnd.Add(2 * time.Hour),
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	check := func(now time.Time, service string, p access.Privilege) {
		err := access.Authorize(ctx, s, now, "ann", service, p)
		var denied *access.DeniedError
		switch {
		case err == nil:
			fmt.Println("allowed")
		case errors.As(err, &denied):
			fmt.Println("denied:", denied.Reason)
		default:
			fmt.Println("error:", err) // the store failed: denied too
		}
	}
	check(termEnd, "expo-2030", "engagement.handle")                  // in the grace period
	check(termEnd, "expo-2030", "engagement.monitor")                 // not one of ann's privileges
	check(termEnd, "other-event", "engagement.handle")                // another service
	check(termEnd.Add(2*time.Hour), "expo-2030", "engagement.handle") // expired, though nobody revoked it

	// Revocation takes effect at once.
	if err := s.Revoke(ctx, "expo-2030/ann", termEnd); err != nil {
		fmt.Println(err)
		return
	}
	check(termEnd, "expo-2030", "engagement.handle")

	// The error says why.
	fmt.Println(access.Authorize(ctx, s, termEnd, "ann", "expo-2030", "engagement.handle"))
	// Output:
	// allowed
	// denied: privilege not granted
	// denied: no grant for the service
	// denied: expired
	// denied: revoked
	// access: denied: principal "ann", service "expo-2030", privilege "engagement.handle": grant "expo-2030/ann" revoked at 2030-05-03T18:00:00Z
}

func ExampleGrant_Allows() {
	g := access.Grant{
		ServiceID:  "expo-2030",
		Privileges: []access.Privilege{"engagement.handle"},
		NotBefore:  time.Date(2030, time.May, 1, 8, 0, 0, 0, time.UTC),
		NotAfter:   time.Date(2030, time.May, 3, 20, 0, 0, 0, time.UTC),
	}
	fmt.Println(g.Allows(g.NotAfter.Add(-time.Nanosecond), "expo-2030", "engagement.handle"))
	fmt.Println(g.Allows(g.NotAfter, "expo-2030", "engagement.handle"))
	// Output:
	// true
	// false
}

func ExampleValidate() {
	err := access.Validate(access.Grant{
		ID:         "expo-2030/ann",
		ServiceID:  "expo-2030",
		Principal:  "ann",
		Role:       "agent",
		Privileges: []access.Privilege{"engagement.handle"},
		NotBefore:  time.Date(2030, time.May, 1, 8, 0, 0, 0, time.UTC),
		// NotAfter forgotten: a grant must expire.
	})
	fmt.Println(errors.Is(err, access.ErrInvalid))
	fmt.Println(err)
	// Output:
	// true
	// access: invalid grant "expo-2030/ann": NotAfter: not set
}
