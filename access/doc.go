// Package access decides who may do what on one event's contact center, and
// until when: privileges end exactly when the event does.
//
// # Model
//
// A principal is an agent, a supervisor, a virtual agent, an attendee
// (for attendee-only features such as a VIP line) or a service account
// for an integration: see [PrincipalKind]. A [Grant] gives one principal
// the privileges of one role on one service, the contact center of one
// event; the roles and their privileges come from the service's template
// (the constants such as [HandleEngagements] and [QueuePrivilege] spell
// the built-in templates' ones). The lifecycle keeps one grant per person
// per service, the bundle ([GrantID]), so that revoking it ends
// everything that person may do there.
//
// A grant is scoped to its service: it never authorises anything on
// another service, even for the same principal. It is valid in the
// half-open window [NotBefore, NotAfter), and NotAfter is never past the
// service's expiry, the end of its term plus the template's grace period:
// [Issue] clamps it, [Renew] never moves it past the (possibly extended)
// expiry, and [MoveExpiry] carries grants along when the term is extended
// and pulls every grant in when it is shortened.
//
// Access fails closed at expiry: [Grant.Allows], [Authorize] and the
// [Authority] compare the window against the clock at the moment of the
// check, so a grant is void from the instant NotAfter is reached, whether
// the closing plan has run yet or not (a crash, a slow provider). Exactly
// at NotAfter access is denied; a grant missing NotBefore or NotAfter never
// authorises.
//
// # The Authority
//
// [New] returns an [Authority], the host-facing type. It reads its clock
// ([Config].Now) for every decision; authorises by principal
// ([Authority.Authorize]) or by bearer token ([Authority.AuthorizeToken]);
// issues, renews, moves and revokes grants; issues tokens and rotates the
// server keys; and reports every issue, renewal, revocation and denial to
// its subscribers as an [AuditEvent] ([Authority.Subscribe]), for the host
// to persist. [WithAudit] adds who acted and why.
//
// An Authority is itself a [Store] over the store it is given, so a host
// passes it wherever a Store goes (the contact-center lifecycle's
// Config.Access) and every change made through it is audited.
//
// # Checking access
//
// [Authorize] asks a [Store] for the principal's grants and returns nil if
// any of them allows the privilege on the service at the given instant.
// Otherwise it returns a *[DeniedError] wrapping [ErrDenied], whose
// [DenyReason] says why: no grant on the service, not yet valid, expired,
// revoked, or privilege not granted. If the store fails, Authorize returns
// the store's error: it never allows on error. A store that implements the
// optional [Decider] answers without copying grants out, and then an
// allowed check allocates nothing.
//
// # Revocation
//
// Revocation ends grants before their window does: one grant
// ([Store.Revoke]), every grant of a principal ([RevokePrincipal],
// [Authority.RevokePrincipal]) or every grant of a service
// ([Store.RevokeService], the closing plan's step). Revocation marks the
// grants revoked first, and only then cleans up (the Authority revokes the
// credentials of their tokens), so a half-done revocation already denies
// and calling again finishes it. Revocation is idempotent and final: a
// revoked grant cannot be un-revoked or renewed. Once a revocation has
// returned, no later check against the same store succeeds with the
// revoked grants, by principal or by token.
//
// # Tokens
//
// [Authority.IssueToken] issues an opaque bearer token for a grant:
// [TokenPrefix] and the base64url encoding of a 96-bit selector, a 256-bit
// secret from crypto/rand and a CRC-32C checksum. It is shown once. The
// [TokenStore] keeps a [Credential]: the selector, the grant it stands
// for, and the HMAC-SHA256 [Digest] of the token under a server [Key], with
// the key's ID; never the token. Checking a token digests it under the
// credential's key and compares the fixed-length digests in constant time
// (crypto/hmac.Equal); the token then authorises what its grant allows, on
// its grant's service only, so renewing the grant renews the token and
// revoking it voids the token. [Authority.RotateKey] makes a new key digest
// new tokens while the previous one keeps verifying for an overlap window.
// [ParseToken] returns a *[TokenError] wrapping [ErrMalformedToken] for a
// string that is not a token, whatever the string; errors never contain a
// token.
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
// Optional interfaces add capabilities, discovered by type assertion:
// [Decider] (authorise without copying), [BulkCreator] (create many
// grants in one change, skipping those stored already: [CreateGrants]),
// [BulkRevoker] (revoke a principal's or a service's grants in one change
// and say which) and [TokenStore] (credentials of bearer tokens). The package
// [github.com/eventcc/eventcc/access/memaccess] is an in-memory reference
// implementation of all of them.
//
// # Errors
//
// Errors are checked with errors.Is against the sentinels:
//
//   - [ErrNotFound]: no grant (or credential) with that ID.
//   - [ErrExists]: Create with an ID already stored.
//   - [ErrConflict]: Update with a stale Revision; re-read and retry.
//   - [ErrInvalid]: a grant that breaks a rule of [Validate] (the message
//     names the field), an Update that would un-revoke a grant, an issue
//     or renewal whose window would be empty, or an invalid credential.
//   - [ErrRevoked]: renewing, or issuing a token for, a revoked grant.
//   - [ErrDenied]: a check denied; errors.As gives the *[DeniedError].
//   - [ErrMalformedToken]: not a token; errors.As gives the *[TokenError].
//
// Any error from a check means denied. A done context's error
// (context.Canceled, context.DeadlineExceeded) stays detectable with
// errors.Is. The token methods of an Authority without keys return an
// error wrapping errors.ErrUnsupported.
package access
