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

func ExampleNew() {
	ctx := context.Background()
	now := time.Date(2030, time.May, 1, 8, 0, 0, 0, time.UTC)
	a, err := access.New(access.Config{
		Store: memaccess.New(),
		Now:   func() time.Time { return now }, // the lifecycle's clock
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// A host persists the audit trail; here it is printed.
	a.Subscribe(func(ev access.AuditEvent) {
		fmt.Printf("audit: %s %s on %s", ev.Kind, ev.Principal, ev.ServiceID)
		if ev.Deny != "" {
			fmt.Printf(" (%s: %s)", ev.Privilege, ev.Deny)
		}
		fmt.Println()
	})

	// The term ends on 3 May at 18:00; the grace period is two hours.
	expires := time.Date(2030, time.May, 3, 20, 0, 0, 0, time.UTC)
	for _, r := range []access.IssueRequest{
		{ServiceID: "expo-2030", Principal: "ann", Kind: access.KindAgent, Role: "agent",
			Privileges: []access.Privilege{access.HandleEngagements, access.QueuePrivilege("tickets")}},
		{ServiceID: "expo-2030", Principal: "vip-0042", Kind: access.KindAttendee, Role: "vip",
			Privileges: []access.Privilege{access.StartEngagements, access.FeaturePrivilege("vip-line")}},
	} {
		r.Expires, r.IssuedBy = expires, "lifecycle"
		if _, err := a.Issue(ctx, r); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(a.Authorize(ctx, "vip-0042", "expo-2030", access.FeaturePrivilege("vip-line")))

	// The event is shortened by a day: every grant is pulled in with it.
	shorter := expires.Add(-24 * time.Hour)
	if _, err := a.MoveExpiry(ctx, "expo-2030", expires, shorter); err != nil {
		fmt.Println(err)
		return
	}
	now = shorter // exactly at the new expiry: denied, though nobody revoked anything
	fmt.Println(errors.Is(a.Authorize(ctx, "ann", "expo-2030", access.HandleEngagements), access.ErrDenied))

	// The closing plan revokes the whole bundle of the service.
	n, err := a.RevokeService(ctx, "expo-2030", now)
	fmt.Println("revoked:", n, err)
	// Output:
	// audit: issued ann on expo-2030
	// audit: issued vip-0042 on expo-2030
	// <nil>
	// audit: shortened ann on expo-2030
	// audit: shortened vip-0042 on expo-2030
	// audit: denied ann on expo-2030 (engagement.handle: expired)
	// true
	// audit: revoked ann on expo-2030
	// audit: revoked vip-0042 on expo-2030
	// revoked: 2 <nil>
}

func ExampleAuthority_IssueToken() {
	ctx := context.Background()
	now := time.Date(2030, time.May, 1, 8, 0, 0, 0, time.UTC)
	a, err := access.New(access.Config{
		Store: memaccess.New(), // also the TokenStore
		// In production the secret comes from a secret manager.
		Keys: []access.Key{{ID: "2030-05", Secret: []byte("example key: at least 32 random bytes!")}},
		Now:  func() time.Time { return now },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = a.Issue(ctx, access.IssueRequest{ServiceID: "expo-2030", Principal: "crm-sync", Kind: access.KindServiceAccount,
		Role: "integration", Privileges: []access.Privilege{access.ViewReports},
		Expires: time.Date(2030, time.May, 3, 20, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The token is shown once: hand it to the integration. The store keeps
	// only its digest.
	token, cred, err := a.IssueToken(ctx, "expo-2030/crm-sync")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(token), token[:len(access.TokenPrefix)], cred.KeyID)

	g, err := a.AuthorizeToken(ctx, token, "expo-2030", access.ViewReports)
	fmt.Println(g.Principal, err)
	_, err = a.AuthorizeToken(ctx, token, "other-event", access.ViewReports)
	fmt.Println(err != nil)
	_, err = a.AuthorizeToken(ctx, "ecc_not-a-token", "expo-2030", access.ViewReports)
	fmt.Println(errors.Is(err, access.ErrMalformedToken))
	// Output:
	// 68 ecc_ 2030-05
	// crm-sync <nil>
	// true
	// true
}

func ExampleAuthority_RotateKey() {
	ctx := context.Background()
	now := time.Date(2030, time.May, 1, 8, 0, 0, 0, time.UTC)
	a, err := access.New(access.Config{
		Store: memaccess.New(),
		Keys:  []access.Key{{ID: "2030-04", Secret: []byte("example key: at least 32 random bytes!")}},
		Now:   func() time.Time { return now },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = a.Issue(ctx, access.IssueRequest{ServiceID: "expo-2030", Principal: "crm-sync", Kind: access.KindServiceAccount,
		Role: "integration", Privileges: []access.Privilege{access.ViewReports},
		Expires: time.Date(2030, time.May, 3, 20, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	old, _, err := a.IssueToken(ctx, "expo-2030/crm-sync")
	if err != nil {
		fmt.Println(err)
		return
	}

	// Rotate: tokens digested under the old key keep working for an hour.
	err = a.RotateKey(access.Key{ID: "2030-05", Secret: []byte("the next key: also 32 random bytes!!")}, time.Hour)
	fmt.Println(a.KeyIDs(), err)
	_, err = a.AuthorizeToken(ctx, old, "expo-2030", access.ViewReports)
	fmt.Println(err)

	now = now.Add(time.Hour)
	_, err = a.AuthorizeToken(ctx, old, "expo-2030", access.ViewReports)
	var denied *access.DeniedError
	if errors.As(err, &denied) {
		fmt.Println(denied.Reason)
	}
	// Output:
	// [2030-05 2030-04] <nil>
	// <nil>
	// credential key retired
}

func ExampleParseToken() {
	_, err := access.ParseToken("ecc_abc")
	var te *access.TokenError
	fmt.Println(errors.As(err, &te), te.Problem)
	// Output:
	// true length 7, want 68
}
