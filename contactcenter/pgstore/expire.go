package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventcc/eventcc/contactcenter"
)

// ExpireService ends a service's access and routing at at, in one
// transaction: it revokes every grant of the service and the credentials
// of their bearer tokens, moves the expiry
// of every number it leases to at (they route per their post-term policy
// from then), and stores the service with Expires at (if it expired
// later), checked against rev, the revision the caller read. Either all
// of it happens or none does, so a replica never sees a service whose
// grants are gone but whose numbers still route to it. Notifications for
// the grants and numbers go out at commit.
//
// The service's state is left to the Lifecycle: its closing plan becomes
// due at the new expiry and runs at the next Tick of the replica holding
// the service, releasing what the provider holds and proving nothing is
// left (its revoke and retire steps find nothing more to do). Use it for
// an emergency stop; contactcenter.Lifecycle.Cancel does the same in
// steps.
//
// Errors: contactcenter.ErrNotFound for an unknown service,
// contactcenter.ErrConflict when rev is stale, contactcenter.ErrInvalidState
// for a service in a final state. Returns the service as stored.
func (db *DB) ExpireService(ctx context.Context, id string, rev int64, at time.Time) (contactcenter.Service, error) {
	if err := ctx.Err(); err != nil {
		return contactcenter.Service{}, err
	}
	var out contactcenter.Service
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var doc []byte
		err := tx.QueryRow(ctx, `SELECT doc FROM cc_services WHERE id = $1 FOR UPDATE`, id).Scan(&doc)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("pgstore: service %q: %w", id, contactcenter.ErrNotFound)
		}
		if err != nil {
			return err
		}
		s, err := decodeService(doc)
		if err != nil {
			return err
		}
		switch {
		case s.Revision != rev:
			return fmt.Errorf("pgstore: service %q at revision %d, stored %d: %w", id, rev, s.Revision, contactcenter.ErrConflict)
		case s.State.Final():
			return fmt.Errorf("pgstore: expire service %q in state %s: %w", id, s.State, contactcenter.ErrInvalidState)
		}
		if _, err := revokeWhere(ctx, tx, `service_id = $1`, id, at); err != nil {
			return err
		}
		// The bearer tokens of those grants with them, in the same change.
		revokedAt, revokedNs := splitInstant(at)
		if _, err := tx.Exec(ctx, `UPDATE access_credentials SET revoked = true, revoked_at = $2, revoked_at_ns = $3
			WHERE NOT revoked AND service_id = $1`, id, revokedAt, revokedNs); err != nil {
			return err
		}
		if _, err := setExpiry(ctx, tx, id, at); err != nil {
			return err
		}
		if s.Expires.IsZero() || s.Expires.After(at) {
			s.Expires = at
		}
		out, err = db.Services().update(ctx, tx, s)
		return err
	})
	if err != nil {
		if errors.Is(err, contactcenter.ErrNotFound) || errors.Is(err, contactcenter.ErrConflict) || errors.Is(err, contactcenter.ErrInvalidState) {
			return contactcenter.Service{}, err
		}
		return contactcenter.Service{}, fmt.Errorf("pgstore: expire service %q: %w", id, ctxErr(ctx, err))
	}
	return out, nil
}
