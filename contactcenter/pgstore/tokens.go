package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventcc/eventcc/access"
)

// Grants keeps the credentials of bearer tokens in table
// access_credentials, one typed row each: the digest, never the token.
// Credentials are not cached and send no notification: every
// [access.Authority.AuthorizeToken] reads its credential from the
// database, so a revocation that has committed is seen by every replica's
// next check.
var _ access.TokenStore = (*Grants)(nil)

// splitInstant splits t into what columns timestamptz and *_ns hold: t to
// the microsecond below it, and the nanoseconds under that. A zero t is
// NULL.
func splitInstant(t time.Time) (*time.Time, int16) {
	if t.IsZero() {
		return nil, 0
	}
	us := t.Truncate(time.Microsecond)
	return &us, int16(t.Nanosecond() % 1000)
}

// joinInstant is the inverse of splitInstant, in UTC.
func joinInstant(t *time.Time, ns int16) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Add(time.Duration(ns)).UTC()
}

// CreateCredential implements [access.TokenStore]: it stores a copy of c.
// ErrInvalid if c fails [access.ValidateCredential], ErrExists if c.ID is
// taken; ctx.Err() if ctx is done. Nothing is stored on error.
func (st *Grants) CreateCredential(ctx context.Context, c access.Credential) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := access.ValidateCredential(c); err != nil {
		return fmt.Errorf("pgstore: create credential: %w", err)
	}
	issued, issuedNs := splitInstant(c.IssuedAt)
	revokedAt, revokedNs := splitInstant(c.RevokedAt)
	_, err := st.db.pool.Exec(ctx, `INSERT INTO access_credentials (id, key_id, digest, grant_id, service_id, principal,
		issued_at, issued_at_ns, revoked, revoked_at, revoked_at_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		c.ID, c.KeyID, c.Digest[:], c.GrantID, c.ServiceID, c.Principal, issued, issuedNs, c.Revoked, revokedAt, revokedNs)
	if pgCode(err) == uniqueViolation {
		return fmt.Errorf("pgstore: credential %q: %w", c.ID, access.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("pgstore: create credential %q: %w", c.ID, ctxErr(ctx, err))
	}
	return nil
}

// GetCredential implements [access.TokenStore]: it returns the credential
// with that ID, read from the database (never from a cache), with its
// instants in UTC; ErrNotFound if there is none; ctx.Err() if ctx is done.
func (st *Grants) GetCredential(ctx context.Context, id string) (access.Credential, error) {
	if err := ctx.Err(); err != nil {
		return access.Credential{}, err
	}
	var (
		c                   access.Credential
		digest              []byte
		issued, revokedAt   *time.Time
		issuedNs, revokedNs int16
	)
	err := st.db.pool.QueryRow(ctx, `SELECT id, key_id, digest, grant_id, service_id, principal,
		issued_at, issued_at_ns, revoked, revoked_at, revoked_at_ns FROM access_credentials WHERE id = $1`, id).
		Scan(&c.ID, &c.KeyID, &digest, &c.GrantID, &c.ServiceID, &c.Principal, &issued, &issuedNs, &c.Revoked, &revokedAt, &revokedNs)
	if errors.Is(err, pgx.ErrNoRows) {
		return access.Credential{}, fmt.Errorf("pgstore: credential %q: %w", id, access.ErrNotFound)
	}
	if err != nil {
		return access.Credential{}, fmt.Errorf("pgstore: get credential %q: %w", id, ctxErr(ctx, err))
	}
	if len(digest) != len(c.Digest) { // the table's CHECK makes this impossible
		return access.Credential{}, fmt.Errorf("pgstore: credential %q: digest of %d bytes", id, len(digest))
	}
	copy(c.Digest[:], digest)
	c.IssuedAt, c.RevokedAt = joinInstant(issued, issuedNs), joinInstant(revokedAt, revokedNs)
	return c, nil
}

// revokeCredentialSQL revokes credential $1 at $2 (plus $3 ns) unless it
// is revoked already, and reports whether the credential exists: one
// statement. The UPDATE in WITH runs whether or not it is read.
const revokeCredentialSQL = `WITH r AS (
	UPDATE access_credentials SET revoked = true, revoked_at = $2, revoked_at_ns = $3
	WHERE id = $1 AND NOT revoked)
SELECT EXISTS (SELECT 1 FROM access_credentials WHERE id = $1)`

// RevokeCredential implements [access.TokenStore]: it marks the credential
// id revoked at at, in one statement. Idempotent: a revoked credential is
// left as it is, RevokedAt included. ErrNotFound if there is no such
// credential; ctx.Err() if ctx is done.
func (st *Grants) RevokeCredential(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	revokedAt, revokedNs := splitInstant(at)
	var exists bool
	if err := st.db.pool.QueryRow(ctx, revokeCredentialSQL, id, revokedAt, revokedNs).Scan(&exists); err != nil {
		return fmt.Errorf("pgstore: revoke credential %q: %w", id, ctxErr(ctx, err))
	}
	if !exists {
		return fmt.Errorf("pgstore: credential %q: %w", id, access.ErrNotFound)
	}
	return nil
}

// RevokeCredentials implements [access.TokenStore]: one UPDATE marks every
// unrevoked credential m selects revoked at at, and it returns how many.
// Concurrent calls count each credential once: a row another call revoked
// first no longer matches. ErrInvalid for an empty m; ctx.Err() if ctx is
// done.
func (st *Grants) RevokeCredentials(ctx context.Context, m access.CredentialMatch, at time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	revokedAt, revokedNs := splitInstant(at)
	args := []any{revokedAt, revokedNs}
	var where strings.Builder
	where.WriteString("NOT revoked")
	for _, f := range []struct{ column, value string }{
		{"grant_id", m.GrantID}, {"service_id", m.ServiceID}, {"principal", m.Principal},
	} {
		if f.value != "" {
			args = append(args, f.value)
			where.WriteString(" AND " + f.column + " = $" + strconv.Itoa(len(args)))
		}
	}
	if len(args) == 2 {
		return 0, fmt.Errorf("pgstore: revoke credentials: %w: empty credential match", access.ErrInvalid)
	}
	tag, err := st.db.pool.Exec(ctx, `UPDATE access_credentials SET revoked = true, revoked_at = $1, revoked_at_ns = $2
		WHERE `+where.String(), args...)
	if err != nil {
		return 0, fmt.Errorf("pgstore: revoke credentials of %+v: %w", m, ctxErr(ctx, err))
	}
	return int(tag.RowsAffected()), nil
}
