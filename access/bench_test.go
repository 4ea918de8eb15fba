package access_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/accesstest"
	"github.com/eventcc/eventcc/access/memaccess"
)

// BenchmarkAuthority measures the host-facing Authority over memaccess:
//
//   - AuthorizePrincipal: Authorize by principal (allowed), with the clock
//     read, on the store accesstest.FillForBench makes (10,000 grants).
//   - AuthorizePrincipalDenied: the same, asking for a privilege the
//     principal lacks (builds the *DeniedError).
//   - AuthorizeToken: Authorize by bearer token (allowed): parse, look up
//     the credential, HMAC-SHA256, constant-time compare, get the grant.
//   - IssueToken: drawing a token and storing its credential.
//   - RevokeService100k: revoking a service of 100,000 grants with audit
//     on (a subscriber gets one event per grant) and revoking their
//     tokens' credentials. Filling the store before each iteration is not
//     timed, but takes a while: run with -benchtime=10x.
func BenchmarkAuthority(b *testing.B) {
	ctx := context.Background()
	key := access.Key{ID: "bench", Secret: []byte("benchmark key, at least thirty-two bytes")}

	newAuthority := func(b *testing.B, now time.Time) (*access.Authority, *memaccess.Store) {
		s := memaccess.New()
		a, err := access.New(access.Config{Store: s, Keys: []access.Key{key}, Now: func() time.Time { return now }})
		if err != nil {
			b.Fatal(err)
		}
		return a, s
	}

	b.Run("AuthorizePrincipal", func(b *testing.B) {
		s := memaccess.New()
		who, svc, now := accesstest.FillForBench(b, s)
		a, err := access.New(access.Config{Store: s, Now: func() time.Time { return now }})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := a.Authorize(ctx, who, svc, "queue.tickets"); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("AuthorizePrincipalDenied", func(b *testing.B) {
		s := memaccess.New()
		who, svc, now := accesstest.FillForBench(b, s)
		a, err := access.New(access.Config{Store: s, Now: func() time.Time { return now }})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := a.Authorize(ctx, who, svc, "report.view"); err == nil {
				b.Fatal("wanted denied")
			}
		}
	})

	b.Run("AuthorizeToken", func(b *testing.B) {
		s := memaccess.New()
		who, svc, now := accesstest.FillForBench(b, s)
		a, err := access.New(access.Config{Store: s, Keys: []access.Key{key}, Now: func() time.Time { return now }})
		if err != nil {
			b.Fatal(err)
		}
		var token string
		for p := range 1000 { // 1,000 credentials in the store
			t, _, err := a.IssueToken(ctx, fmt.Sprintf("g-%04d-09", p))
			if err != nil {
				b.Fatal(err)
			}
			if fmt.Sprintf("agent-%04d", p) == who {
				token = t
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.AuthorizeToken(ctx, token, svc, "queue.tickets"); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("IssueToken", func(b *testing.B) {
		a, _ := newAuthority(b, mid)
		if _, err := a.Issue(ctx, issueReq("ann")); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := a.IssueToken(ctx, "svc-1/ann"); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("RevokeService100k", func(b *testing.B) {
		gs := accesstest.ServiceGrantsForBench()
		events := 0
		for b.Loop() {
			b.StopTimer()
			a, s := newAuthority(b, mid)
			a.Subscribe(func(access.AuditEvent) { events++ })
			for _, g := range gs {
				if _, err := s.Create(ctx, g); err != nil {
					b.Fatal(err)
				}
			}
			events = 0
			b.StartTimer()
			n, err := a.RevokeService(ctx, "svc-1", mid)
			if err != nil || n != len(gs) || events != len(gs) {
				b.Fatalf("RevokeService = %d, %v with %d events; want %d, nil, %d", n, err, events, len(gs), len(gs))
			}
		}
	})
}
