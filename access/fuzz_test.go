package access_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
)

// fuzzBase is the instant the fuzzers' offsets count from.
var fuzzBase = time.Date(2030, time.May, 1, 8, 0, 0, 0, time.UTC)

// fuzzGrant builds a grant from fuzzer input; privs is a comma-separated
// list (empty elements included), a zero flag leaves the time unset.
func fuzzGrant(service, privs string, nb, na int64, nbZero, naZero bool) access.Grant {
	g := access.Grant{
		ID:        "g1",
		ServiceID: service,
		Principal: "ann",
		Role:      "agent",
		NotBefore: fuzzBase.Add(time.Duration(nb)),
		NotAfter:  fuzzBase.Add(time.Duration(na)),
	}
	if privs != "" {
		for _, p := range strings.Split(privs, ",") {
			g.Privileges = append(g.Privileges, access.Privilege(p))
		}
	}
	if nbZero {
		g.NotBefore = time.Time{}
	}
	if naZero {
		g.NotAfter = time.Time{}
	}
	return g
}

// inWindow is the oracle for the validity window, written apart from Allows.
func inWindow(g access.Grant, now time.Time) bool {
	if g.NotBefore.IsZero() || g.NotAfter.IsZero() {
		return false
	}
	return g.NotBefore.Compare(now) <= 0 && now.Compare(g.NotAfter) < 0
}

func FuzzAllows(f *testing.F) {
	// service, asked service, privileges, asked privilege, NotBefore, NotAfter, now (ns from base), flags
	f.Add("svc-1", "svc-1", "a,b", "a", int64(0), int64(time.Hour), int64(time.Minute), false, false, false)
	f.Add("svc-1", "svc-1", "a,b", "a", int64(0), int64(time.Hour), int64(time.Hour), false, false, false)
	f.Add("svc-1", "svc-1", "a,b", "a", int64(0), int64(time.Hour), int64(-1), false, false, false)
	f.Add("svc-1", "svc-2", "a", "a", int64(0), int64(time.Hour), int64(1), false, false, false)
	f.Add("", "", ",", "", int64(0), int64(time.Hour), int64(1), false, false, false)
	f.Add("svc-1", "svc-1", "a", "a", int64(0), int64(time.Hour), int64(1), true, false, false)
	f.Add("svc-1", "svc-1", "a", "a", int64(0), int64(time.Hour), int64(1), false, true, false)
	f.Add("svc-1", "svc-1", "a", "a", int64(0), int64(time.Hour), int64(1), false, false, true)
	f.Fuzz(func(t *testing.T, service, asked, privs, p string, nb, na, now int64, nbZero, naZero, revoked bool) {
		g := fuzzGrant(service, privs, nb, na, nbZero, naZero)
		g.Revoked = revoked
		at := fuzzBase.Add(time.Duration(now))
		priv := access.Privilege(p)

		want := !revoked && asked != "" && service == asked && inWindow(g, at) &&
			priv != "" && slices.Contains(g.Privileges, priv)
		if got := g.Allows(at, asked, priv); got != want {
			t.Fatalf("Allows(%s, %q, %q) = %v, want %v for %+v", at.Format(time.RFC3339Nano), asked, p, got, want, g)
		}
		if !want {
			return
		}
		// Allowed: every single change that leaves the window, the
		// service or the privileges, or revokes, must deny.
		if g.Allows(g.NotAfter, asked, priv) {
			t.Fatalf("allowed at NotAfter %s", g.NotAfter)
		}
		if g.Allows(g.NotBefore.Add(-time.Nanosecond), asked, priv) {
			t.Fatalf("allowed just before NotBefore %s", g.NotBefore)
		}
		if g.Allows(at, asked+"x", priv) {
			t.Fatalf("allowed on another service %q", asked+"x")
		}
		if g.Allows(at, asked, priv+"x") && !slices.Contains(g.Privileges, priv+"x") {
			t.Fatalf("allowed privilege %q not in the grant", priv+"x")
		}
		r := g
		r.Revoked = true
		if r.Allows(at, asked, priv) {
			t.Fatal("allowed once revoked")
		}
	})
}

func FuzzAuthorize(f *testing.F) {
	f.Add("svc-1", "svc-1", "ann", "a,b", "a", int64(0), int64(time.Hour), int64(time.Minute), false, false, false)
	f.Add("svc-1", "svc-1", "ann", "a,b", "a", int64(0), int64(time.Hour), int64(time.Hour), false, false, false)
	f.Add("svc-1", "svc-1", "bob", "a", "a", int64(0), int64(time.Hour), int64(1), false, false, false)
	f.Add("svc-1", "svc-2", "ann", "a", "a", int64(0), int64(time.Hour), int64(1), false, false, false)
	f.Add("svc-1", "svc-1", "ann", "a", "b", int64(0), int64(time.Hour), int64(1), false, false, false)
	f.Add("svc-1", "svc-1", "ann", "a", "a", int64(0), int64(time.Hour), int64(1), false, false, true)
	f.Add("svc-1", "svc-1", "ann", "a", "a", int64(time.Hour), int64(0), int64(1), false, false, false)
	f.Add("svc-1", "svc-1", "ann", "a", "a", int64(0), int64(time.Hour), int64(1), false, true, false)
	f.Fuzz(func(t *testing.T, service, asked, principal, privs, p string, nb, na, now int64, nbZero, naZero, revoked bool) {
		ctx := context.Background()
		s := memaccess.New()
		g := fuzzGrant(service, privs, nb, na, nbZero, naZero)
		// A decoy grant of ann's on another service, always in force.
		decoy := fuzzGrant(service+"-decoy", "a,b", -int64(time.Hour), int64(time.Hour)*24*365, false, false)
		decoy.ID = "g0"
		if _, err := s.Create(ctx, decoy); err != nil {
			t.Fatalf("Create(decoy): %v", err)
		}

		stored := true
		if _, err := s.Create(ctx, g); err != nil {
			if !errors.Is(err, access.ErrInvalid) || access.Validate(g) == nil {
				t.Fatalf("Create(%+v) = %v; only an invalid grant may be refused, with ErrInvalid", g, err)
			}
			stored = false
		}
		if stored && revoked {
			if err := s.Revoke(ctx, g.ID, fuzzBase); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
		}
		at := fuzzBase.Add(time.Duration(now))
		priv := access.Privilege(p)

		matches := stored && principal == "ann" && asked != "" && service == asked
		want := matches && !revoked && inWindow(g, at) && priv != "" && slices.Contains(g.Privileges, priv)
		decoyAllows := principal == "ann" && asked == decoy.ServiceID && decoy.Allows(at, asked, priv)
		err := access.Authorize(ctx, s, at, principal, asked, priv)
		switch {
		case want || decoyAllows:
			if err != nil {
				t.Fatalf("Authorize(%s, %q, %q, %q) = %v, want allowed for %+v", at.Format(time.RFC3339Nano), principal, asked, p, err, g)
			}
			return
		case err == nil:
			t.Fatalf("Authorize(%s, %q, %q, %q) allowed, want denied for %+v", at.Format(time.RFC3339Nano), principal, asked, p, g)
		}
		var d *access.DeniedError
		if !errors.As(err, &d) || !errors.Is(err, access.ErrDenied) {
			t.Fatalf("Authorize denied with %v, want a *DeniedError wrapping ErrDenied", err)
		}
		// The reason is about the grant on the asked service, if any.
		var wantReason access.DenyReason
		switch {
		case matches:
			wantReason = reason(g, revoked, at)
		case principal == "ann" && asked != "" && asked == decoy.ServiceID:
			wantReason = reason(decoy, false, at)
		default:
			wantReason = access.NoGrant
		}
		if d.Reason != wantReason {
			t.Fatalf("denied for %q, want %q (grant %+v, now %s)", d.Reason, wantReason, g, at.Format(time.RFC3339Nano))
		}
	})
}

// reason is the oracle for the reason a grant on the asked service denies.
func reason(g access.Grant, revoked bool, at time.Time) access.DenyReason {
	switch {
	case revoked:
		return access.Revoked
	case g.NotBefore.IsZero() || g.NotAfter.IsZero():
		return access.NoValidityWindow
	case at.Before(g.NotBefore):
		return access.NotYetValid
	case !at.Before(g.NotAfter):
		return access.Expired
	default:
		return access.PrivilegeNotGranted
	}
}
