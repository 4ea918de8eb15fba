// Package access decides who may do what on one event's contact center, and
// until when.
//
// # Model
//
// A [Grant] gives one principal (an agent, a supervisor, an attendee) the
// privileges of one role on one service, the contact center of one event.
// A grant is scoped to that service: it never authorises anything on
// another service, even for the same principal.
//
// A grant is valid in the half-open window [NotBefore, NotAfter). The
// lifecycle sets NotAfter to the end of the service's term plus the
// template's grace period. Access fails closed at expiry: [Grant.Allows]
// and [Authorize] compare the window against the clock at the moment of the
// check, so a grant is void from the instant NotAfter is reached, whether
// the closing plan has run yet or not (a crash, a slow provider). Exactly at
// NotAfter access is denied; a grant missing NotBefore or NotAfter never
// authorises.
//
// Revocation ends a grant before its window does: [Store.Revoke] revokes
// one grant, [Store.RevokeService] every grant of a service (the closing
// plan's step). Revocation is idempotent and final: a revoked grant cannot
// be un-revoked. Once a revocation has returned, no later [Authorize]
// against the same store succeeds with the revoked grants.
//
// # Checking access
//
// [Authorize] asks a [Store] for the principal's grants and returns nil if
// any of them allows the privilege on the service at the given instant.
// Otherwise it returns a *[DeniedError] wrapping [ErrDenied], whose
// [DenyReason] says why: no grant on the service, not yet valid, expired,
// revoked, or privilege not granted. If the store fails, Authorize returns
// the store's error: it never allows on error.
//
// # Store contract
//
// A [Store] holds grants; the method docs state the contract, and the
// package [github.com/eventcc/eventcc/access/accesstest] is its conformance
// suite, which every implementation runs against itself. In short:
//
//   - Implementations are safe for concurrent use.
//   - Grants passed in and returned are copies the caller owns, Privileges
//     slice included.
//   - A done ctx makes a method return ctx.Err() (possibly wrapped) with
//     nothing changed.
//   - Create and Update accept only grants that pass [Validate]; every
//     change increments Revision, and Update succeeds only with the stored
//     Revision (optimistic concurrency).
//   - Lists are sorted by ID.
//
// The package [github.com/eventcc/eventcc/access/memaccess] is an in-memory
// reference implementation.
//
// # Errors
//
// Errors are checked with errors.Is against the sentinels:
//
//   - [ErrNotFound]: no grant with that ID (Get, Update, Revoke).
//   - [ErrExists]: Create with an ID already stored.
//   - [ErrConflict]: Update with a stale Revision; re-read and retry.
//   - [ErrInvalid]: a grant that breaks a rule of [Validate] (the message
//     names the field), or an Update that would un-revoke a grant.
//   - [ErrDenied]: Authorize denied; errors.As gives the *[DeniedError].
//
// A done context's error (context.Canceled, context.DeadlineExceeded) stays
// detectable with errors.Is.
package access
