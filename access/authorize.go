package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Allows reports whether g lets its principal use privilege p on the
// service serviceID at the instant now. It is true iff all of these hold:
//
//   - g.ServiceID == serviceID (and serviceID is not empty);
//   - g is not revoked;
//   - NotBefore and NotAfter are both set (a grant without an expiry
//     authorises nothing) and NotBefore <= now < NotAfter: exactly at
//     NotAfter the grant is void;
//   - p is not empty and is among g.Privileges.
//
// Allows compares against now only, so a grant fails closed the instant it
// expires, whether or not anyone has revoked it yet.
func (g Grant) Allows(now time.Time, serviceID string, p Privilege) bool {
	if serviceID == "" || g.ServiceID != serviceID {
		return false
	}
	r, _ := judge(now, g.Revoked, g.RevokedAt, g.NotBefore, g.NotAfter, HasPrivilege(g.Privileges, p))
	return r == ""
}

// HasPrivilege reports whether p is not empty and is among privs.
func HasPrivilege(privs []Privilege, p Privilege) bool {
	return p != "" && slices.Contains(privs, p)
}

// judge returns why a grant of the right principal and service does not
// allow a request at now, with the instant the reason refers to, or "" if
// it allows. It checks, in order: revocation, validity window, privilege.
func judge(now time.Time, revoked bool, revokedAt, notBefore, notAfter time.Time, hasPrivilege bool) (DenyReason, time.Time) {
	switch {
	case revoked:
		return Revoked, revokedAt
	case notBefore.IsZero() || notAfter.IsZero():
		return NoValidityWindow, time.Time{}
	case now.Before(notBefore):
		return NotYetValid, notBefore
	case !now.Before(notAfter):
		return Expired, notAfter
	case !hasPrivilege:
		return PrivilegeNotGranted, time.Time{}
	}
	return "", time.Time{}
}

// DenyReason says why [Authorize] denied a request.
type DenyReason string

// The reasons of a [DeniedError].
const (
	// NoGrant: the principal holds no grant on the service (or a
	// token's grant is gone or belongs elsewhere now).
	NoGrant DenyReason = "no grant for the service"
	// PrivilegeNotGranted: a grant is in force but lacks the privilege.
	PrivilegeNotGranted DenyReason = "privilege not granted"
	// NotYetValid: the grant's window starts later (At is its NotBefore).
	NotYetValid DenyReason = "not yet valid"
	// Expired: the grant's window has ended (At is its NotAfter).
	Expired DenyReason = "expired"
	// Revoked: the grant was revoked (At is its RevokedAt).
	Revoked DenyReason = "revoked"
	// NoValidityWindow: the grant lacks NotBefore or NotAfter, so it never
	// authorises. Stores refuse such grants; this reason shows a store that
	// does not.
	NoValidityWindow DenyReason = "no validity window"
	// UnknownCredential: a well-formed token that no stored credential
	// matches (no such credential, or the secret is wrong).
	UnknownCredential DenyReason = "unknown credential"
	// CredentialRevoked: the token's credential was revoked (At is its
	// RevokedAt).
	CredentialRevoked DenyReason = "credential revoked"
	// KeyRetired: the token matches its credential, but was digested
	// under a server key that no longer verifies (its overlap window
	// ended). A token whose key was dropped from the key ring cannot be
	// checked, and is answered UnknownCredential, as a forgery is.
	KeyRetired DenyReason = "credential key retired"
)

// DeniedError is the error [Authorize] and the [Authority] return when
// they deny. It wraps [ErrDenied].
//
// For one grant, Reason is the first that applies of: Revoked,
// NoValidityWindow, NotYetValid, Expired, PrivilegeNotGranted. When the
// principal holds several grants on the service, the error describes the
// one closest to allowing, in this order: a grant in force without the
// privilege, then the grant that becomes valid soonest, then the grant that
// expired last, then a revoked grant, then a grant without a validity
// window; among equals, the first in ID order.
type DeniedError struct {
	Principal string // empty when a token was not recognised
	ServiceID string
	Privilege Privilege
	Reason    DenyReason
	GrantID   string    // the grant Reason is about; empty with NoGrant and the credential reasons
	At        time.Time // NotBefore, NotAfter, RevokedAt per Reason; zero otherwise
	// CredentialID is the ID of the token's credential when a token was
	// presented and parsed; never the token's secret.
	CredentialID string
}

func (e *DeniedError) Error() string {
	head := fmt.Sprintf("%v: principal %q, service %q, privilege %q: ", ErrDenied, e.Principal, e.ServiceID, e.Privilege)
	if e.CredentialID != "" {
		head = fmt.Sprintf("%v: credential %q, principal %q, service %q, privilege %q: ",
			ErrDenied, e.CredentialID, e.Principal, e.ServiceID, e.Privilege)
	}
	switch e.Reason {
	case NoGrant:
		return head + "no grant for the service"
	case PrivilegeNotGranted:
		return head + fmt.Sprintf("grant %q does not include the privilege", e.GrantID)
	case NotYetValid:
		return head + fmt.Sprintf("grant %q not yet valid: valid from %s", e.GrantID, e.At.Format(time.RFC3339Nano))
	case Expired:
		return head + fmt.Sprintf("grant %q expired at %s", e.GrantID, e.At.Format(time.RFC3339Nano))
	case Revoked:
		return head + fmt.Sprintf("grant %q revoked at %s", e.GrantID, e.At.Format(time.RFC3339Nano))
	case UnknownCredential, KeyRetired:
		return head + string(e.Reason)
	case CredentialRevoked:
		return head + fmt.Sprintf("credential revoked at %s", e.At.Format(time.RFC3339Nano))
	default:
		return head + fmt.Sprintf("grant %q: %s", e.GrantID, e.Reason)
	}
}

// Unwrap returns [ErrDenied].
func (e *DeniedError) Unwrap() error { return ErrDenied }

// rank orders reasons from closest to allowing (0) to farthest.
func rank(r DenyReason) int {
	switch r {
	case PrivilegeNotGranted:
		return 0
	case NotYetValid:
		return 1
	case Expired:
		return 2
	case Revoked:
		return 3
	case NoValidityWindow:
		return 4
	default:
		return 5
	}
}

// Decision is what a principal's grants on one service say about one
// request. The zero Decision denies, with reason [NoGrant]: a store that
// finds nothing returns it as is.
type Decision struct {
	// Allowed is true iff some grant allows the request.
	Allowed bool
	// Reason says why not, when Allowed is false; empty reads as NoGrant.
	Reason DenyReason
	// GrantID is the grant Reason is about or, if Allowed, a grant that
	// allows (which one, when several do, is unspecified).
	GrantID string
	// At is the instant Reason refers to, as in [DeniedError].
	At time.Time
}

// Candidate is one grant, as a [Decider] hands it to [Decision.Consider]:
// only the fields the decision reads, so a store need not build a [Grant].
type Candidate struct {
	GrantID   string
	Revoked   bool
	RevokedAt time.Time
	NotBefore time.Time
	NotAfter  time.Time
	// HasPrivilege: the grant includes the privilege asked for, which is
	// not empty (see [HasPrivilege]).
	HasPrivilege bool
}

// Consider folds one grant into d and reports whether d now allows. The
// caller must pass only grants of the principal on the service the request
// is about. The result does not depend on the order grants are considered
// in: a denial describes the grant closest to allowing as [DeniedError]
// says, ties going to the smallest GrantID. Consider does not retain c.
func (d *Decision) Consider(now time.Time, c *Candidate) bool {
	if d.Allowed {
		return true
	}
	r, at := judge(now, c.Revoked, c.RevokedAt, c.NotBefore, c.NotAfter, c.HasPrivilege)
	if r == "" {
		*d = Decision{Allowed: true, GrantID: c.GrantID}
		return true
	}
	cur := d.Reason
	if cur == "" {
		cur = NoGrant
	}
	better := rank(r) < rank(cur)
	if r == cur {
		switch {
		case r == NotYetValid && !at.Equal(d.At):
			better = at.Before(d.At)
		case r == Expired && !at.Equal(d.At):
			better = at.After(d.At)
		default:
			better = c.GrantID < d.GrantID
		}
	}
	if better {
		d.Reason, d.GrantID, d.At = r, c.GrantID, at
	}
	return false
}

// Candidate returns g as a [Candidate] for a request of privilege p.
func (g *Grant) Candidate(p Privilege) Candidate {
	return Candidate{GrantID: g.ID, Revoked: g.Revoked, RevokedAt: g.RevokedAt,
		NotBefore: g.NotBefore, NotAfter: g.NotAfter, HasPrivilege: HasPrivilege(g.Privileges, p)}
}

// err returns nil if d allows, or the *DeniedError describing it.
func (d Decision) err(principal, serviceID string, p Privilege) error {
	if d.Allowed {
		return nil
	}
	r := d.Reason
	if r == "" {
		r = NoGrant
	}
	e := &DeniedError{Principal: principal, ServiceID: serviceID, Privilege: p, Reason: r}
	if r != NoGrant {
		e.GrantID, e.At = d.GrantID, d.At
	}
	return e
}

// Decide returns what the grants s holds for principal on serviceID say
// about privilege p at now. It uses s's [Decider] if s has one, and
// otherwise considers every grant ListByPrincipal returns for principal
// and serviceID, ignoring any grant of another principal or service. It
// returns the store's error as is; a caller must then deny.
func Decide(ctx context.Context, s Store, now time.Time, principal, serviceID string, p Privilege) (Decision, error) {
	if dc, ok := s.(Decider); ok {
		return dc.Decide(ctx, now, principal, serviceID, p)
	}
	grants, err := s.ListByPrincipal(ctx, principal)
	if err != nil {
		return Decision{}, err
	}
	var d Decision
	for i := range grants {
		g := &grants[i]
		if g.Principal != principal || serviceID == "" || g.ServiceID != serviceID {
			continue
		}
		c := g.Candidate(p)
		if d.Consider(now, &c) {
			break
		}
	}
	return d, nil
}

// Authorize checks whether principal may use privilege p on the service
// serviceID at the instant now, against the grants s holds. It returns nil
// if any grant of principal allows it ([Grant.Allows]); otherwise a
// *[DeniedError], which wraps [ErrDenied], saying why.
//
// Authorize fails closed: if s cannot list the principal's grants, it
// returns the store's error as is (a done ctx gives ctx.Err(), possibly
// wrapped), never nil. It ignores any grant s returns for another
// principal. now should be the clock's current instant: a grant is void
// from its NotAfter on, even if nobody has revoked it. The [Authority]
// reads its clock itself and reports denials to its subscribers.
//
// If s implements [Decider], Authorize asks it instead of listing grants,
// and allocates nothing when it allows.
//
// Authorize is safe for concurrent use if s is.
func Authorize(ctx context.Context, s Store, now time.Time, principal, serviceID string, p Privilege) error {
	d, err := Decide(ctx, s, now, principal, serviceID, p)
	if err != nil {
		return err
	}
	if d.Allowed && serviceID != "" && p != "" {
		return nil
	}
	d.Allowed = false
	return d.err(principal, serviceID, p)
}

// Validate reports whether g is a grant a [Store] may hold. It returns nil,
// or an error wrapping [ErrInvalid] for each broken rule (joined with
// errors.Join), naming the field:
//
//   - ID, ServiceID, Principal and Role must not be empty;
//   - Kind must be empty or one of the known kinds ([PrincipalKind.Valid]);
//   - NotBefore and NotAfter must be set, and NotAfter must be after
//     NotBefore;
//   - no element of Privileges may be empty.
//
// Store implementations call Validate in Create and Update.
func Validate(g Grant) error {
	var errs []error
	bad := func(field, problem string) {
		errs = append(errs, fmt.Errorf("%w %q: %s: %s", ErrInvalid, g.ID, field, problem))
	}
	if g.ID == "" {
		bad("ID", "empty")
	}
	if g.ServiceID == "" {
		bad("ServiceID", "empty")
	}
	if g.Principal == "" {
		bad("Principal", "empty")
	}
	if g.Kind != "" && !g.Kind.Valid() {
		bad("Kind", fmt.Sprintf("unknown principal kind %q", g.Kind))
	}
	if g.Role == "" {
		bad("Role", "empty")
	}
	if g.NotBefore.IsZero() {
		bad("NotBefore", "not set")
	}
	if g.NotAfter.IsZero() {
		bad("NotAfter", "not set")
	}
	if !g.NotBefore.IsZero() && !g.NotAfter.IsZero() && !g.NotAfter.After(g.NotBefore) {
		bad("NotAfter", fmt.Sprintf("%s is not after NotBefore %s",
			g.NotAfter.Format(time.RFC3339Nano), g.NotBefore.Format(time.RFC3339Nano)))
	}
	for i, p := range g.Privileges {
		if p == "" {
			bad(fmt.Sprintf("Privileges[%d]", i), "empty")
		}
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	default:
		return errors.Join(errs...)
	}
}
