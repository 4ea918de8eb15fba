package access

import (
	"context"
	"time"
)

// AuditKind says what an [AuditEvent] records.
type AuditKind string

// The kinds of audit event.
const (
	// AuditIssued: a grant was created.
	AuditIssued AuditKind = "issued"
	// AuditRenewed: a grant's NotAfter moved later (a renewal, or the
	// service's term was extended).
	AuditRenewed AuditKind = "renewed"
	// AuditShortened: a grant's NotAfter moved earlier (the term was
	// shortened, or a renewal asked for less).
	AuditShortened AuditKind = "shortened"
	// AuditChanged: a grant was updated otherwise (role, privileges,
	// NotBefore, notes, service or principal).
	AuditChanged AuditKind = "changed"
	// AuditRevoked: a grant was revoked, alone or as part of a
	// principal's or a service's grants.
	AuditRevoked AuditKind = "revoked"
	// AuditDenied: a request was denied (including because the store
	// failed; Err says so).
	AuditDenied AuditKind = "denied"
	// AuditTokenIssued: a bearer token was issued for a grant.
	AuditTokenIssued AuditKind = "token-issued"
	// AuditTokenRevoked: a bearer token's credential was revoked, alone or
	// with its grant.
	AuditTokenRevoked AuditKind = "token-revoked"
)

// AuditEvent records one issue, renewal, revocation or denial, for a host
// to persist. Fields that do not apply to the kind are zero. Subscribers
// receive events by value; Privileges is shared between subscribers and
// must not be modified.
type AuditEvent struct {
	Kind AuditKind
	At   time.Time // the Authority's clock when it happened

	ServiceID     string
	Principal     string
	PrincipalKind PrincipalKind
	GrantID       string
	Role          string
	// Privileges are the grant's privileges after the change (issue,
	// renewal, change).
	Privileges []Privilege
	// Privilege is the privilege asked for (denial).
	Privilege Privilege
	// NotBefore and NotAfter are the grant's window after the change.
	NotBefore, NotAfter time.Time
	// PreviousNotAfter is NotAfter before a renewal or shortening.
	PreviousNotAfter time.Time
	// RevokedAt is the revocation's instant (revocations).
	RevokedAt time.Time
	// CredentialID names the token's credential (token events, and
	// denials of a parsed token). Never the token.
	CredentialID string
	// Count is how many credentials a token revocation revoked: those of
	// a grant, a principal or a service revoked with them.
	Count int
	// Deny says why a request was denied; empty when Err is set.
	Deny DenyReason
	// Err is the store's error that made a request fail closed.
	Err error

	// Actor is who acted: the grant's IssuedBy for an issue, otherwise
	// what [WithAudit] put in the context, if anything.
	Actor string
	// Reason is why: the grant's Reason for an issue, otherwise what
	// [WithAudit] put in the context, if anything.
	Reason string
}

type auditKey struct{}

type auditNote struct{ actor, reason string }

// WithAudit returns a context that makes the [Authority]'s audit events for
// calls made with it carry actor and reason, e.g.
//
//	a.Revoke(access.WithAudit(ctx, "scaler", "agent released"), id, now)
//
// The values name who acted and why, for the audit trail only; they never
// change a decision.
func WithAudit(ctx context.Context, actor, reason string) context.Context {
	return context.WithValue(ctx, auditKey{}, auditNote{actor, reason})
}

func noteOf(ctx context.Context) auditNote {
	n, _ := ctx.Value(auditKey{}).(auditNote)
	return n
}
