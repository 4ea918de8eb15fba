package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// IssueRequest asks for a grant: one bundle per person per service.
type IssueRequest struct {
	// ID of the grant. Default: ServiceID + "/" + Principal, so that a
	// principal holds one grant per service.
	ID        string
	ServiceID string // required
	Principal string // required
	Kind      PrincipalKind
	// Role names the role in the service's template; Privileges are the
	// privileges the template gives it.
	Role       string
	Privileges []Privilege
	// NotBefore is when the grant starts. Default: now.
	NotBefore time.Time
	// NotAfter is when it ends. Default, and ceiling: Expires.
	NotAfter time.Time
	// Expires is the service's expiry: the end of its term plus the
	// template's grace period. Required. NotAfter never passes it.
	Expires time.Time
	// IssuedBy and Reason are kept with the grant for the audit trail.
	IssuedBy, Reason string
}

// GrantID is the default ID of principal's grant on a service:
// serviceID + "/" + principal.
func GrantID(serviceID, principal string) string { return serviceID + "/" + principal }

// Issue creates the grant r asks for in s, with r's defaults applied at
// now, and returns it as stored. NotAfter is clamped to r.Expires: a grant
// never outlives the service's term plus grace. It returns ErrInvalid (with
// every problem named) if r.Expires is not set, if Kind is unknown, if the
// resulting window is empty (the service has expired already) or if
// [Validate] rejects the grant; ErrExists if the grant exists already (use
// [Renew] to move it); otherwise what s.Create returns.
func Issue(ctx context.Context, s Store, now time.Time, r IssueRequest) (Grant, error) {
	g := Grant{ID: r.ID, ServiceID: r.ServiceID, Principal: r.Principal, Kind: r.Kind, Role: r.Role,
		Privileges: r.Privileges, NotBefore: r.NotBefore, NotAfter: r.NotAfter,
		IssuedBy: r.IssuedBy, Reason: r.Reason}
	if g.ID == "" && r.ServiceID != "" && r.Principal != "" {
		g.ID = GrantID(r.ServiceID, r.Principal)
	}
	if g.NotBefore.IsZero() {
		g.NotBefore = now
	}
	if r.Expires.IsZero() {
		return Grant{}, fmt.Errorf("%w %q: Expires: not set (the service's term end plus grace)", ErrInvalid, g.ID)
	}
	if g.NotAfter.IsZero() || g.NotAfter.After(r.Expires) {
		g.NotAfter = r.Expires
	}
	if err := Validate(g); err != nil {
		return Grant{}, err
	}
	return s.Create(ctx, g)
}

// Renew moves grant id's NotAfter to notAfter, but never past expires: the
// service's expiry (term end plus grace) as it stands now, which a renewal
// cannot outlive. A zero notAfter means expires. It re-reads and retries
// when a concurrent change makes the Update conflict.
//
// It returns the grant as stored (unchanged if NotAfter is already
// there); ErrNotFound if there is no such grant; ErrRevoked if it is
// revoked; ErrInvalid if expires is not set or the new NotAfter would not
// be after NotBefore; ErrConflict if conflicts persist; otherwise what s
// returns.
func Renew(ctx context.Context, s Store, id string, notAfter, expires time.Time) (Grant, error) {
	if expires.IsZero() {
		return Grant{}, fmt.Errorf("%w %q: expires: not set (the service's term end plus grace)", ErrInvalid, id)
	}
	if notAfter.IsZero() || notAfter.After(expires) {
		notAfter = expires
	}
	var out Grant
	err := retryConflicts(ctx, func() error {
		g, err := s.Get(ctx, id)
		switch {
		case err != nil:
			return err
		case g.Revoked:
			return fmt.Errorf("%w: %q cannot be renewed", ErrRevoked, id)
		case !notAfter.After(g.NotBefore):
			return fmt.Errorf("%w %q: NotAfter: %s is not after NotBefore %s", ErrInvalid, id,
				notAfter.Format(time.RFC3339Nano), g.NotBefore.Format(time.RFC3339Nano))
		case g.NotAfter.Equal(notAfter):
			out = g
			return nil
		}
		g.NotAfter = notAfter
		out, err = s.Update(ctx, g)
		return err
	})
	if err != nil {
		return Grant{}, err
	}
	return out, nil
}

// MoveExpiry applies a change of a service's expiry (its term's end plus
// grace) from from to to, for every unrevoked grant of the service:
//
//   - a grant whose NotAfter is after to is pulled in to to: a shortened
//     term pulls every grant in with it; if to is not after the grant's
//     NotBefore, the grant is revoked at now instead;
//   - when to is after from (an extension), a grant whose NotAfter is
//     exactly from (it ran to the old expiry) moves to to; grants that end
//     earlier keep their NotAfter;
//   - any other grant is left alone.
//
// A zero from only pulls in. MoveExpiry returns how many grants it moved or
// revoked. It is idempotent: calling it again after a failure finishes the
// job. It retries an Update that conflicts with a concurrent change, after
// re-reading the grant. ErrInvalid if to is not set; otherwise the first
// error s returns, with the grants changed until then counted.
func MoveExpiry(ctx context.Context, s Store, serviceID string, from, to, now time.Time) (int, error) {
	if to.IsZero() {
		return 0, fmt.Errorf("%w: service %q: new expiry not set", ErrInvalid, serviceID)
	}
	grants, err := s.ListByService(ctx, serviceID)
	if err != nil {
		return 0, err
	}
	target := func(g Grant) (time.Time, bool) {
		switch {
		case g.Revoked || g.ServiceID != serviceID:
			return time.Time{}, false
		case g.NotAfter.After(to):
			return to, true
		case !from.IsZero() && to.After(from) && g.NotAfter.Equal(from):
			return to, true
		}
		return time.Time{}, false
	}
	n := 0
	for _, g := range grants {
		if _, ok := target(g); !ok {
			continue
		}
		changed := false
		err := retryConflicts(ctx, func() error {
			cur, err := s.Get(ctx, g.ID)
			if errors.Is(err, ErrNotFound) {
				return nil
			} else if err != nil {
				return err
			}
			na, ok := target(cur)
			switch {
			case !ok:
				return nil
			case !na.After(cur.NotBefore):
				if err := s.Revoke(ctx, cur.ID, now); err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
			default:
				cur.NotAfter = na
				if _, err := s.Update(ctx, cur); err != nil {
					return err
				}
			}
			changed = true
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("access: service %q: move grant %q to expiry %s: %w", serviceID, g.ID,
				to.Format(time.RFC3339Nano), err)
		}
		if changed {
			n++
		}
	}
	return n, nil
}

// RevokePrincipal revokes every grant of principal, on every service, at
// at, and returns how many it revoked. It uses s's [BulkRevoker] if s has
// one (one atomic change); otherwise it revokes the grants ListByPrincipal
// returns one by one, each revocation final the moment it returns, so a
// half-done call already denies the grants it reached and calling again
// finishes the job. Idempotent: revoked grants are not counted again
// (though two calls racing one by one may both count a grant).
func RevokePrincipal(ctx context.Context, s Store, principal string, at time.Time) (int, error) {
	if r, ok := s.(BulkRevoker); ok {
		if principal == "" {
			return 0, nil // no grant has an empty principal
		}
		gs, err := r.RevokeGrants(ctx, GrantMatch{Principal: principal}, at)
		return len(gs), err
	}
	grants, err := s.ListByPrincipal(ctx, principal)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, g := range grants {
		if g.Revoked || g.Principal != principal {
			continue
		}
		if err := s.Revoke(ctx, g.ID, at); err != nil {
			if errors.Is(err, ErrNotFound) {
				continue
			}
			return n, fmt.Errorf("access: revoke %q of principal %q: %w", g.ID, principal, err)
		}
		n++
	}
	return n, nil
}

// retryConflicts runs op until it returns anything but ErrConflict, with a
// short bounded backoff, or until ctx is done.
func retryConflicts(ctx context.Context, op func() error) error {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = time.Millisecond
	b.MaxInterval = 50 * time.Millisecond
	b.MaxElapsedTime = 2 * time.Second
	return backoff.Retry(func() error {
		err := op()
		if err == nil || errors.Is(err, ErrConflict) {
			return err
		}
		return backoff.Permanent(err)
	}, backoff.WithContext(backoff.WithMaxRetries(b, 16), ctx))
}
