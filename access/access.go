package access

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Store implementations return them (wrapped or not);
// callers check them with errors.Is.
var (
	// ErrNotFound: no grant has that ID.
	ErrNotFound = errors.New("access: grant not found")
	// ErrExists: Create was given an ID already stored.
	ErrExists = errors.New("access: grant already exists")
	// ErrConflict: Update carried a Revision other than the stored one.
	ErrConflict = errors.New("access: revision conflict")
	// ErrDenied: Authorize found no grant allowing the request; the error
	// wrapping it is a *DeniedError saying why.
	ErrDenied = errors.New("access: denied")
	// ErrInvalid: a grant breaks a rule of Validate, or an Update tried to
	// un-revoke a revoked grant.
	ErrInvalid = errors.New("access: invalid grant")
	// ErrRevoked: an Authority was asked to renew, move or issue a token
	// for a grant that is revoked. Revocation is final.
	ErrRevoked = errors.New("access: grant revoked")
	// ErrMalformedToken: a string is not a token this package issued;
	// the error wrapping it is a *TokenError saying what is wrong.
	ErrMalformedToken = errors.New("access: malformed token")
)

// Privilege is one thing a principal may do on a service, e.g.
// "engagement.handle" or "queue.tickets". Privileges come from the
// template's roles.
type Privilege string

// Grant gives one principal a role's privileges on one service, valid in
// [NotBefore, NotAfter). A grant never authorises anything on another
// service, before NotBefore, at or after NotAfter, or once revoked.
//
// NotAfter is never past the end of the service's term plus its grace
// period; [Authority.Issue], [Authority.Renew] and [MoveExpiry] keep it so.
// See [Grant.Allows] for the exact rule.
//
// The lifecycle keeps one grant per person per service (the bundle), so
// revoking it ends everything that person may do there.
type Grant struct {
	ID        string
	ServiceID string
	Principal string // the agent's, supervisor's, attendee's or integration's id
	// Kind is the kind of principal. Empty reads as KindAgent (grants
	// written before kinds existed); Validate rejects unknown kinds.
	Kind       PrincipalKind
	Role       string // "agent", "supervisor", ...
	Privileges []Privilege
	NotBefore  time.Time
	NotAfter   time.Time
	IssuedBy   string
	Reason     string
	Revoked    bool
	RevokedAt  time.Time // set with Revoked
	Revision   int64     // incremented by every change; 0 for a grant not yet stored
}

// Store holds grants. Implementations must be safe for concurrent use.
// Grants passed in and returned are copies the caller owns (including the
// Privileges slice): mutating them afterwards never changes the store, and
// the store never changes them. A done ctx makes a method return ctx.Err()
// (possibly wrapped) with nothing changed.
//
// Each change (Create, Update, a Revoke or RevokeService that revokes) is
// atomic and increments the grant's Revision by one; a change that has
// returned is seen by every later call, so once Revoke or RevokeService
// returns no [Authorize] against the store succeeds with the revoked grants.
//
// The package accesstest checks an implementation against this contract.
type Store interface {
	// Create stores a new grant with Revision 1, whatever g.Revision says.
	// g.ID must be unique: ErrExists otherwise. A grant with an empty ID,
	// ServiceID or Principal, or with NotAfter not after NotBefore, or
	// that [Validate] rejects for any other reason, is ErrInvalid.
	Create(ctx context.Context, g Grant) (Grant, error)
	// Get returns one grant, or ErrNotFound.
	Get(ctx context.Context, id string) (Grant, error)
	// Update replaces a stored grant (every field but ID and Revision,
	// ServiceID and Principal included) if g.Revision matches the stored
	// one (ErrConflict otherwise, ErrNotFound if absent) and returns it with
	// the next revision. g must pass [Validate] (ErrInvalid otherwise). A
	// revoked grant cannot be un-revoked (ErrInvalid), but a stale g that
	// would un-revoke is ErrConflict: re-read and retry.
	Update(ctx context.Context, g Grant) (Grant, error)
	// ListByService returns every grant of a service, revoked or not,
	// sorted by ID; none (and no error) for an unknown service.
	ListByService(ctx context.Context, serviceID string) ([]Grant, error)
	// ListByPrincipal returns every grant of a principal on any service,
	// revoked or not, sorted by ID; none (and no error) for an unknown
	// principal.
	ListByPrincipal(ctx context.Context, principal string) ([]Grant, error)
	// Revoke marks one grant revoked at at. Idempotent: revoking a revoked
	// grant changes nothing (neither RevokedAt nor Revision) and is not an
	// error. ErrNotFound if absent.
	Revoke(ctx context.Context, id string, at time.Time) error
	// RevokeService marks every unrevoked grant of a service revoked at at
	// and returns how many it revoked. Idempotent: grants already revoked
	// are left as they are and not counted; an unknown service revokes 0.
	// Grants of other services are untouched.
	RevokeService(ctx context.Context, serviceID string, at time.Time) (int, error)
}

// EffectiveKind is g.Kind, or [KindAgent] if g.Kind is empty.
func (g Grant) EffectiveKind() PrincipalKind {
	if g.Kind == "" {
		return KindAgent
	}
	return g.Kind
}

// Decider is an optional interface a [Store] implements to answer
// [Authorize] without copying grants out: [Authorize] discovers it by type
// assertion and then never calls ListByPrincipal.
//
// Decide returns what the grants of principal on serviceID say about
// privilege p at now: it builds a [Decision] and calls
// [Decision.Consider] for each such grant (and only those), under the
// same guarantee as ListByPrincipal: a change that has returned is seen.
// A done ctx makes it return ctx.Err() (possibly wrapped); any error means
// the caller denies. Implementations must be safe for concurrent use and
// should not allocate when the request is allowed. The conformance suite
// checks that Decide agrees with ListByPrincipal.
type Decider interface {
	Decide(ctx context.Context, now time.Time, principal, serviceID string, p Privilege) (Decision, error)
}

// GrantMatch selects grants for [BulkRevoker]: those of ServiceID, if it
// is set, and of Principal, if it is set. At least one must be set.
type GrantMatch struct {
	ServiceID string
	Principal string
}

// BulkRevoker is an optional interface a [Store] implements to revoke
// grants in bulk and say which ones it revoked. [RevokePrincipal] and the
// [Authority] discover it by type assertion: with it, a principal's grants
// are revoked in one atomic change, and each revocation is reported to the
// audit trail exactly once, without listing the grants before and after.
//
// RevokeGrants marks every unrevoked grant m selects revoked at at, in one
// change, incrementing each one's Revision, and returns copies of the
// grants it revoked, as stored afterwards (the caller owns them), in no
// particular order. Idempotent like [Store.RevokeService]: grants already
// revoked are neither changed nor returned. An empty m is ErrInvalid. A
// done ctx makes it return ctx.Err() with nothing changed.
type BulkRevoker interface {
	RevokeGrants(ctx context.Context, m GrantMatch, at time.Time) ([]Grant, error)
}

// BulkCreator is an optional interface a [Store] implements to create many
// grants in one atomic change. [CreateGrants] and the [Authority] discover
// it by type assertion: with it, the grants of a deployment are stored at
// once rather than one Create each.
//
// CreateGrants stores each grant of gs whose ID is not stored yet, with
// Revision 1 whatever its Revision says, in one atomic change, and returns
// copies of the grants it created, as stored, in the order of gs (the
// caller owns them; gs is not retained). A grant whose ID is stored
// already is left as it is and not returned, so a retried call is
// idempotent, and of concurrent calls each grant is returned by exactly
// one. If any grant of gs is one Create would refuse as ErrInvalid, or two
// grants of gs share an ID, it returns ErrInvalid and stores nothing. No
// grants create nothing and are not an error. A done ctx makes it return
// ctx.Err() (possibly wrapped) with nothing changed.
type BulkCreator interface {
	CreateGrants(ctx context.Context, gs ...Grant) ([]Grant, error)
}

// CreateGrants stores each grant of gs whose ID is not stored yet in s,
// with Revision 1, and returns copies of those it created, in the order of
// gs. Grants already stored are left as they are, so a retried call
// creates only what is missing. If any grant fails [Validate], or two share
// an ID, it returns ErrInvalid and stores nothing.
//
// It uses s's [BulkCreator] if s has one (one atomic change). Otherwise it
// creates the grants one by one with s.Create, skipping those that return
// ErrExists; that is not atomic: on an error it returns the grants created
// until then with the error, and they stay stored (calling again finishes
// the job).
func CreateGrants(ctx context.Context, s Store, gs ...Grant) ([]Grant, error) {
	if b, ok := s.(BulkCreator); ok {
		return b.CreateGrants(ctx, gs...)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := validateGrants(gs); err != nil {
		return nil, err
	}
	var out []Grant
	for _, g := range gs {
		c, err := s.Create(ctx, g)
		switch {
		case err == nil:
			out = append(out, c)
		case errors.Is(err, ErrExists):
		default:
			return out, err
		}
	}
	return out, nil
}

// validateGrants returns ErrInvalid, naming every problem, if a grant of gs
// fails [Validate] or two share an ID.
func validateGrants(gs []Grant) error {
	var errs []error
	seen := make(map[string]bool, len(gs))
	for _, g := range gs {
		if err := Validate(g); err != nil {
			errs = append(errs, err)
		} else if seen[g.ID] {
			errs = append(errs, fmt.Errorf("%w %q: ID: given twice", ErrInvalid, g.ID))
		}
		seen[g.ID] = true
	}
	return errors.Join(errs...)
}
