package access

import (
	"context"
	"errors"
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
)

// Privilege is one thing a principal may do on a service, e.g.
// "engagement.handle" or "queue.tickets". Privileges come from the
// template's roles.
type Privilege string

// Grant gives one principal a role's privileges on one service, valid in
// [NotBefore, NotAfter). A grant never authorises anything on another
// service, before NotBefore, at or after NotAfter, or once revoked.
//
// NotAfter is the end of the service's term plus its grace period; see
// [Grant.Allows] for the exact rule.
type Grant struct {
	ID         string
	ServiceID  string
	Principal  string // the agent's, supervisor's or attendee's id
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
