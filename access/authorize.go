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
	r, _ := g.deny(now, serviceID, p)
	return r == ""
}

// deny returns why g does not allow p on serviceID at now, with the instant
// the reason refers to, or "" if it allows. It checks, in order: service,
// revocation, validity window, privilege.
func (g Grant) deny(now time.Time, serviceID string, p Privilege) (DenyReason, time.Time) {
	switch {
	case serviceID == "" || g.ServiceID != serviceID:
		return NoGrant, time.Time{}
	case g.Revoked:
		return Revoked, g.RevokedAt
	case g.NotBefore.IsZero() || g.NotAfter.IsZero():
		return NoValidityWindow, time.Time{}
	case now.Before(g.NotBefore):
		return NotYetValid, g.NotBefore
	case !now.Before(g.NotAfter):
		return Expired, g.NotAfter
	case p == "" || !slices.Contains(g.Privileges, p):
		return PrivilegeNotGranted, time.Time{}
	}
	return "", time.Time{}
}

// DenyReason says why [Authorize] denied a request.
type DenyReason string

// The reasons of a [DeniedError].
const (
	// NoGrant: the principal holds no grant on the service.
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
)

// DeniedError is the error [Authorize] returns when it denies. It wraps
// [ErrDenied].
//
// For one grant, Reason is the first that applies of: Revoked,
// NoValidityWindow, NotYetValid, Expired, PrivilegeNotGranted. When the
// principal holds several grants on the service, the error describes the
// one closest to allowing, in this order: a grant in force without the
// privilege, then the grant that becomes valid soonest, then the grant that
// expired last, then a revoked grant, then a grant without a validity
// window; among equals, the first in ID order.
type DeniedError struct {
	Principal string
	ServiceID string
	Privilege Privilege
	Reason    DenyReason
	GrantID   string    // the grant Reason is about; empty with NoGrant
	At        time.Time // NotBefore, NotAfter or RevokedAt per Reason; zero otherwise
}

func (e *DeniedError) Error() string {
	head := fmt.Sprintf("%v: principal %q, service %q, privilege %q: ", ErrDenied, e.Principal, e.ServiceID, e.Privilege)
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

// Authorize checks whether principal may use privilege p on the service
// serviceID at the instant now, against the grants s holds. It returns nil
// if any grant of principal allows it ([Grant.Allows]); otherwise a
// *[DeniedError], which wraps [ErrDenied], saying why.
//
// Authorize fails closed: if s cannot list the principal's grants, it
// returns the store's error as is (a done ctx gives ctx.Err(), possibly
// wrapped), never nil. It ignores any grant s returns for another
// principal. now should be the clock's current instant: a grant is void
// from its NotAfter on, even if nobody has revoked it.
//
// Authorize is safe for concurrent use if s is.
func Authorize(ctx context.Context, s Store, now time.Time, principal, serviceID string, p Privilege) error {
	grants, err := s.ListByPrincipal(ctx, principal)
	if err != nil {
		return err
	}
	denied := &DeniedError{Principal: principal, ServiceID: serviceID, Privilege: p, Reason: NoGrant}
	for _, g := range grants {
		if g.Principal != principal {
			continue
		}
		r, at := g.deny(now, serviceID, p)
		if r == "" {
			return nil
		}
		if r == NoGrant {
			continue
		}
		better := rank(r) < rank(denied.Reason) ||
			r == denied.Reason && (r == NotYetValid && at.Before(denied.At) || r == Expired && at.After(denied.At))
		if better {
			denied.Reason, denied.GrantID, denied.At = r, g.ID, at
		}
	}
	return denied
}

// Validate reports whether g is a grant a [Store] may hold. It returns nil,
// or an error wrapping [ErrInvalid] for each broken rule (joined with
// errors.Join), naming the field:
//
//   - ID, ServiceID, Principal and Role must not be empty;
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
