package access_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
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

// FuzzAuthorizeToken feeds the Authority's token entry point arbitrary
// strings and near misses of two real tokens (a byte changed, with the
// checksum fixed or not), on arbitrary services, privileges and instants.
// Nothing may panic; only a real token, unchanged, on its grant's service,
// for one of its privileges, inside its window, is allowed; every
// malformed string gives a *TokenError and every other refusal a
// *DeniedError.
func FuzzAuthorizeToken(f *testing.F) {
	ctx := context.Background()
	s := memaccess.New()
	var now time.Time
	a, err := access.New(access.Config{Store: s, Keys: []access.Key{{ID: "fuzz", Secret: []byte("fuzz key, at least thirty-two bytes")}},
		Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	for _, svc := range []string{"svc-1", "svc-2"} {
		if _, err := access.Issue(ctx, s, fuzzBase, access.IssueRequest{ServiceID: svc, Principal: "ann", Kind: access.KindServiceAccount,
			Role: "integration", Privileges: []access.Privilege{"a", "b"}, Expires: fuzzBase.Add(time.Hour)}); err != nil {
			f.Fatal(err)
		}
	}
	now = fuzzBase
	real, _, err := a.IssueToken(ctx, "svc-1/ann")
	if err != nil {
		f.Fatal(err)
	}
	other, _, err := a.IssueToken(ctx, "svc-2/ann") // a real token of another service
	if err != nil {
		f.Fatal(err)
	}

	// s, mode (0: s as is, 1: the real token, 2: another service's), position and xor of a changed byte, fix the checksum, service, privilege, now
	f.Add("", uint8(1), 0, byte(0), false, "svc-1", "a", int64(time.Minute))
	f.Add("", uint8(1), 0, byte(0), false, "svc-1", "a", int64(time.Hour))
	f.Add("", uint8(1), 0, byte(0), false, "svc-2", "a", int64(time.Minute))
	f.Add("", uint8(2), 0, byte(0), false, "svc-1", "a", int64(time.Minute))
	f.Add("", uint8(1), 20, byte(1), true, "svc-1", "a", int64(time.Minute))
	f.Add("", uint8(1), 20, byte(1), false, "svc-1", "a", int64(time.Minute))
	f.Add("", uint8(1), 2, byte(1), true, "svc-1", "a", int64(time.Minute))
	f.Add("ecc_", uint8(0), 0, byte(0), false, "svc-1", "a", int64(0))
	f.Add("ecc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", uint8(0), 0, byte(0), true, "svc-1", "a", int64(0))
	f.Fuzz(func(t *testing.T, in string, mode uint8, pos int, xor byte, fixSum bool, service, priv string, off int64) {
		token := in
		switch mode % 3 {
		case 1:
			token = real
		case 2:
			token = other
		}
		if mode%3 != 0 && xor != 0 {
			token = mutateToken(token, pos, xor, fixSum)
		}
		now = fuzzBase.Add(time.Duration(off))
		g, err := a.AuthorizeToken(ctx, token, service, access.Privilege(priv))
		want := (token == real && service == "svc-1" || token == other && service == "svc-2") &&
			(priv == "a" || priv == "b") && off >= 0 && off < int64(time.Hour)
		switch {
		case want && err != nil:
			t.Fatalf("a real token, on its service %q for %q at +%s: %v; want allowed", service, priv, time.Duration(off), err)
		case !want && err == nil:
			t.Fatalf("AuthorizeToken(%q, %q, %q) at +%s allowed grant %s; want denied", token, service, priv, time.Duration(off), g.ID)
		case err != nil:
			var te *access.TokenError
			var de *access.DeniedError
			if !errors.As(err, &te) && !errors.As(err, &de) {
				t.Fatalf("AuthorizeToken: %v; want a *TokenError or a *DeniedError", err)
			}
			if len(token) > 12 && strings.Contains(err.Error(), token[len(token)-8:]) && !strings.Contains(service+priv, token[len(token)-8:]) {
				t.Fatalf("the error %q shows the token", err)
			}
		}
	})
}

// mutateToken xors one byte of the token's decoded body and, if fixSum,
// recomputes its checksum per the documented layout (CRC-32C of the prefix,
// selector and secret, big endian, after them).
func mutateToken(token string, pos int, xor byte, fixSum bool) string {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, access.TokenPrefix))
	if err != nil || len(raw) != 48 {
		return token
	}
	if pos < 0 {
		pos = -pos
	}
	raw[pos%len(raw)] ^= xor
	if fixSum {
		tab := crc32.MakeTable(crc32.Castagnoli)
		binary.BigEndian.PutUint32(raw[44:], crc32.Update(crc32.Checksum([]byte(access.TokenPrefix), tab), tab, raw[:44]))
	}
	return access.TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
}
