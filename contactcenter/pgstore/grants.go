package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventcc/eventcc/access"
)

// Grants is the [access.Store] of a [DB], and an [access.BulkCreator],
// [access.BulkRevoker], [access.Decider] and [access.TokenStore]: one row
// per grant, its JSON document beside the columns queries use, and one
// row per token credential. Every change to a grant sends a NOTIFY on
// [GrantsChannel] naming the principal (or "*" for a change to more than
// [maxNotices] principals) in its own transaction. Revoking grants leaves
// their credentials to the [access.Authority], which revokes them next
// (see [access.TokenStore]); a token of a revoked grant denies meanwhile.
// Safe for concurrent use from any number of processes.
type Grants struct{ db *DB }

var (
	_ access.Store       = (*Grants)(nil)
	_ access.BulkCreator = (*Grants)(nil)
	_ access.BulkRevoker = (*Grants)(nil)
)

// maxNotices is the most principals one change names one by one; a
// larger change tells caches to drop everything.
const maxNotices = 100

func encodeGrant(g access.Grant) ([]byte, error) { return json.Marshal(g) }

func decodeGrant(doc []byte) (access.Grant, error) {
	var g access.Grant
	if err := json.Unmarshal(doc, &g); err != nil {
		return access.Grant{}, fmt.Errorf("pgstore: decode grant: %w", err)
	}
	return g, nil
}

// notices returns the payloads of the notifications of a change to the
// grants of principals: each principal once, or "*" for more than
// maxNotices of them. It sorts principals.
func notices(principals []string) []string {
	slices.Sort(principals)
	principals = slices.Compact(principals)
	if len(principals) > maxNotices {
		principals = []string{"*"}
	}
	return principals
}

func notifyPrincipals(ctx context.Context, tx pgx.Tx, principals []string) error {
	principals = notices(principals)
	if len(principals) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, GrantsChannel, principals)
	return err
}

// Create implements [access.Store]: ErrInvalid for a grant [access.Validate]
// refuses, ErrExists for a stored ID.
func (st *Grants) Create(ctx context.Context, g access.Grant) (access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return access.Grant{}, err
	}
	if err := access.Validate(g); err != nil {
		return access.Grant{}, fmt.Errorf("pgstore: create grant %q: %w", g.ID, err)
	}
	g.Revision = 1
	g.Privileges = slices.Clone(g.Privileges)
	doc, err := encodeGrant(g)
	if err != nil {
		return access.Grant{}, err
	}
	err = pgx.BeginFunc(ctx, st.db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO access_grants (id, service_id, principal, revoked, not_after, revision, doc)
			VALUES ($1, $2, $3, $4, $5, 1, $6)`, g.ID, g.ServiceID, g.Principal, g.Revoked, g.NotAfter, doc); err != nil {
			return err
		}
		return notifyPrincipals(ctx, tx, []string{g.Principal})
	})
	if pgCode(err) == uniqueViolation {
		return access.Grant{}, fmt.Errorf("pgstore: grant %q: %w", g.ID, access.ErrExists)
	}
	if err != nil {
		return access.Grant{}, fmt.Errorf("pgstore: create grant %q: %w", g.ID, ctxErr(ctx, err))
	}
	return decodeGrant(doc)
}

// createGrantsSQL inserts the grants whose IDs are not stored yet and
// notifies their principals, all in one statement, so in one implicit
// transaction and one round trip. Arguments: the channel, maxNotices, then
// one array per column. It returns the IDs it inserted. pg_notify runs once
// per row inserted, but PostgreSQL delivers one notification per distinct
// payload of a transaction, at commit; more than maxNotices principals
// notify "*" instead. The rows go in in the order of their IDs: two
// calls inserting overlapping IDs at once then wait for each other in
// that order, never in a circle (in the order given, one could hold a
// row the other waits for while it waits for one of the other's:
// "deadlock detected", as CI once saw).
const createGrantsSQL = `WITH created AS (
	INSERT INTO access_grants (id, service_id, principal, revoked, not_after, revision, doc)
	SELECT id, service_id, principal, revoked, not_after, 1, doc
	FROM unnest($3::text[], $4::text[], $5::text[], $6::boolean[], $7::timestamptz[], $8::json[])
		AS g(id, service_id, principal, revoked, not_after, doc)
	ORDER BY id
	ON CONFLICT (id) DO NOTHING
	RETURNING id, principal
), wide AS (
	SELECT count(DISTINCT principal) > $2 AS wide FROM created
)
SELECT created.id, pg_notify($1, CASE WHEN wide.wide THEN '*' ELSE created.principal END)
FROM created, wide`

// CreateGrants implements [access.BulkCreator] in one statement: one
// INSERT ... ON CONFLICT (id) DO NOTHING of every grant, which notifies
// the principals of those it inserted when it commits. ErrInvalid for a
// grant [access.Validate] refuses or an ID given twice.
func (st *Grants) CreateGrants(ctx context.Context, gs ...access.Grant) ([]access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(gs) == 0 {
		return nil, nil
	}
	n := len(gs)
	ids, services, principals, docs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	revoked, notAfter := make([]bool, n), make([]time.Time, n)
	pos := make(map[string]int, n)
	for i, g := range gs {
		if err := access.Validate(g); err != nil {
			return nil, fmt.Errorf("pgstore: create grants: %w", err)
		}
		if _, dup := pos[g.ID]; dup {
			return nil, fmt.Errorf("pgstore: create grants: %w %q: ID: given twice", access.ErrInvalid, g.ID)
		}
		pos[g.ID] = i
		g.Revision = 1
		doc, err := encodeGrant(g)
		if err != nil {
			return nil, err
		}
		ids[i], services[i], principals[i], docs[i] = g.ID, g.ServiceID, g.Principal, string(doc)
		revoked[i], notAfter[i] = g.Revoked, g.NotAfter
	}
	rows, err := st.db.pool.Query(ctx, createGrantsSQL, GrantsChannel, maxNotices,
		ids, services, principals, revoked, notAfter, docs)
	if err != nil {
		return nil, fmt.Errorf("pgstore: create grants: %w", ctxErr(ctx, err))
	}
	created := make([]bool, n)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id, nil); err != nil {
			rows.Close()
			return nil, fmt.Errorf("pgstore: create grants: %w", err)
		}
		created[pos[id]] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: create grants: %w", ctxErr(ctx, err))
	}
	var out []access.Grant
	for i, c := range created {
		if !c {
			continue
		}
		g, err := decodeGrant([]byte(docs[i]))
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// Get implements [access.Store]: ErrNotFound if id is not stored.
func (st *Grants) Get(ctx context.Context, id string) (access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return access.Grant{}, err
	}
	var doc []byte
	err := st.db.pool.QueryRow(ctx, `SELECT doc FROM access_grants WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return access.Grant{}, fmt.Errorf("pgstore: grant %q: %w", id, access.ErrNotFound)
	}
	if err != nil {
		return access.Grant{}, fmt.Errorf("pgstore: get grant %q: %w", id, ctxErr(ctx, err))
	}
	return decodeGrant(doc)
}

// Update implements [access.Store]: ErrInvalid for a grant Validate
// refuses or one that would un-revoke, ErrConflict for a stale Revision,
// ErrNotFound if absent.
func (st *Grants) Update(ctx context.Context, g access.Grant) (access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return access.Grant{}, err
	}
	if err := access.Validate(g); err != nil {
		return access.Grant{}, fmt.Errorf("pgstore: update grant %q: %w", g.ID, err)
	}
	var out []byte
	err := pgx.BeginFunc(ctx, st.db.pool, func(tx pgx.Tx) error {
		var doc []byte
		err := tx.QueryRow(ctx, `SELECT doc FROM access_grants WHERE id = $1 FOR UPDATE`, g.ID).Scan(&doc)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("pgstore: grant %q: %w", g.ID, access.ErrNotFound)
		}
		if err != nil {
			return err
		}
		old, err := decodeGrant(doc)
		if err != nil {
			return err
		}
		switch {
		case old.Revision != g.Revision:
			return fmt.Errorf("pgstore: grant %q at revision %d, stored %d: %w", g.ID, g.Revision, old.Revision, access.ErrConflict)
		case old.Revoked && !g.Revoked:
			return fmt.Errorf("pgstore: grant %q is revoked; revocation is final: %w", g.ID, access.ErrInvalid)
		}
		g.Revision = old.Revision + 1
		g.Privileges = slices.Clone(g.Privileges)
		if out, err = encodeGrant(g); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE access_grants SET service_id = $2, principal = $3, revoked = $4, not_after = $5,
			revision = $6, doc = $7 WHERE id = $1`, g.ID, g.ServiceID, g.Principal, g.Revoked, g.NotAfter, g.Revision, out); err != nil {
			return err
		}
		return notifyPrincipals(ctx, tx, []string{old.Principal, g.Principal})
	})
	if err != nil {
		if errors.Is(err, access.ErrNotFound) || errors.Is(err, access.ErrConflict) || errors.Is(err, access.ErrInvalid) {
			return access.Grant{}, err
		}
		return access.Grant{}, fmt.Errorf("pgstore: update grant %q: %w", g.ID, ctxErr(ctx, err))
	}
	return decodeGrant(out)
}

func (st *Grants) list(ctx context.Context, q querier, where string, arg any) ([]access.Grant, error) {
	rows, err := q.Query(ctx, `SELECT doc FROM access_grants WHERE `+where+` ORDER BY id`, arg)
	if err != nil {
		return nil, ctxErr(ctx, err)
	}
	docs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, ctxErr(ctx, err)
	}
	out := make([]access.Grant, 0, len(docs))
	for _, d := range docs {
		g, err := decodeGrant(d)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// ListByService implements [access.Store].
func (st *Grants) ListByService(ctx context.Context, serviceID string) ([]access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	gs, err := st.list(ctx, st.db.pool, `service_id = $1`, serviceID)
	if err != nil {
		return nil, fmt.Errorf("pgstore: grants of service %q: %w", serviceID, err)
	}
	return gs, nil
}

// ListByPrincipal implements [access.Store].
func (st *Grants) ListByPrincipal(ctx context.Context, principal string) ([]access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	gs, err := st.list(ctx, st.db.pool, `principal = $1`, principal)
	if err != nil {
		return nil, fmt.Errorf("pgstore: grants of principal %q: %w", principal, err)
	}
	return gs, nil
}

// revokeWhere revokes, at at, every unrevoked grant the condition
// selects, in tx, and returns the grants it revoked.
func revokeWhere(ctx context.Context, tx pgx.Tx, where string, arg any, at time.Time) ([]access.Grant, error) {
	return revokeMatching(ctx, tx, where, []any{arg}, at)
}

// revokeMatching is revokeWhere with any number of arguments. It locks the
// rows and re-encodes their documents here rather than editing them in
// SQL: the json column keeps "\u0000" in a string, which jsonb (and
// json_each) refuse, so an edit in SQL could leave a grant unrevocable.
func revokeMatching(ctx context.Context, tx pgx.Tx, where string, args []any, at time.Time) ([]access.Grant, error) {
	rows, err := tx.Query(ctx, `SELECT doc FROM access_grants WHERE NOT revoked AND `+where+` ORDER BY id FOR UPDATE`, args...)
	if err != nil {
		return nil, err
	}
	docs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, nil
	}
	revoked := make([]access.Grant, 0, len(docs))
	ids := make([]string, 0, len(docs))
	newDocs := make([][]byte, 0, len(docs))
	principals := make([]string, 0, len(docs))
	for _, d := range docs {
		g, err := decodeGrant(d)
		if err != nil {
			return nil, err
		}
		g.Revoked, g.RevokedAt, g.Revision = true, at, g.Revision+1
		nd, err := encodeGrant(g)
		if err != nil {
			return nil, err
		}
		revoked = append(revoked, g)
		ids = append(ids, g.ID)
		newDocs = append(newDocs, nd)
		principals = append(principals, g.Principal)
	}
	// One statement updates and notifies: the UPDATE in WITH runs to
	// completion though nothing reads it, and the rows are locked.
	if _, err := tx.Exec(ctx, `WITH revoked AS (
			UPDATE access_grants a SET revoked = true, revision = a.revision + 1, doc = u.doc
			FROM unnest($1::text[], $2::json[]) AS u(id, doc) WHERE a.id = u.id)
		SELECT pg_notify($3, p) FROM unnest($4::text[]) AS p`,
		ids, jsonDocs(newDocs), GrantsChannel, notices(principals)); err != nil {
		return nil, err
	}
	return revoked, nil
}

// jsonDocs passes documents as text, which PostgreSQL casts to json.
func jsonDocs(docs [][]byte) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = string(d)
	}
	return out
}

// revokeOneSQL revokes grant $1 if it is still at revision $2, storing
// document $3, and notifies its principal on channel $4 at commit: one
// statement, so one implicit transaction.
const revokeOneSQL = `WITH revoked AS (
	UPDATE access_grants SET revoked = true, revision = revision + 1, doc = $3
	WHERE id = $1 AND revision = $2 AND NOT revoked
	RETURNING principal)
SELECT pg_notify($4, principal) FROM revoked`

// Revoke implements [access.Store]: idempotent; ErrNotFound if absent.
// It reads the grant, then revokes it with one UPDATE on condition that
// its revision has not moved (two round trips, no explicit transaction);
// if concurrent changes keep moving it, it revokes under a row lock.
func (st *Grants) Revoke(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for range 3 {
		done, err := st.tryRevoke(ctx, id, at)
		if errors.Is(err, access.ErrNotFound) {
			return err
		}
		if err != nil {
			return fmt.Errorf("pgstore: revoke grant %q: %w", id, ctxErr(ctx, err))
		}
		if done {
			return nil
		}
	}
	return st.revokeLocked(ctx, id, at)
}

// tryRevoke revokes grant id at at unless it changes between its read and
// the UPDATE, and reports whether the grant is revoked now, by this call
// or before it.
func (st *Grants) tryRevoke(ctx context.Context, id string, at time.Time) (bool, error) {
	var doc []byte
	err := st.db.pool.QueryRow(ctx, `SELECT doc FROM access_grants WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("pgstore: grant %q: %w", id, access.ErrNotFound)
	}
	if err != nil {
		return false, err
	}
	g, err := decodeGrant(doc)
	if err != nil || g.Revoked {
		return g.Revoked, err
	}
	read := g.Revision
	g.Revoked, g.RevokedAt, g.Revision = true, at, read+1
	if doc, err = encodeGrant(g); err != nil {
		return false, err
	}
	tag, err := st.db.pool.Exec(ctx, revokeOneSQL, id, read, doc, GrantsChannel)
	return err == nil && tag.RowsAffected() == 1, err
}

// revokeLocked is Revoke in a transaction that locks the grant's row.
func (st *Grants) revokeLocked(ctx context.Context, id string, at time.Time) error {
	err := pgx.BeginFunc(ctx, st.db.pool, func(tx pgx.Tx) error {
		revoked, err := revokeWhere(ctx, tx, `id = $1`, id, at)
		if err != nil || len(revoked) > 0 {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM access_grants WHERE id = $1)`, id).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("pgstore: grant %q: %w", id, access.ErrNotFound)
		}
		return nil
	})
	if err != nil && !errors.Is(err, access.ErrNotFound) {
		return fmt.Errorf("pgstore: revoke grant %q: %w", id, ctxErr(ctx, err))
	}
	return err
}

// RevokeService implements [access.Store], in one transaction.
func (st *Grants) RevokeService(ctx context.Context, serviceID string, at time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int
	err := pgx.BeginFunc(ctx, st.db.pool, func(tx pgx.Tx) error {
		revoked, err := revokeWhere(ctx, tx, `service_id = $1`, serviceID, at)
		n = len(revoked)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pgstore: revoke grants of %q: %w", serviceID, ctxErr(ctx, err))
	}
	return n, nil
}

// RevokeGrants implements [access.BulkRevoker] in one transaction: it
// locks the unrevoked grants m selects, revokes them in one UPDATE and
// notifies their principals at commit. ErrInvalid for an empty m.
func (st *Grants) RevokeGrants(ctx context.Context, m access.GrantMatch, at time.Time) ([]access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var where string
	var args []any
	switch {
	case m.ServiceID != "" && m.Principal != "":
		where, args = `service_id = $1 AND principal = $2`, []any{m.ServiceID, m.Principal}
	case m.ServiceID != "":
		where, args = `service_id = $1`, []any{m.ServiceID}
	case m.Principal != "":
		where, args = `principal = $1`, []any{m.Principal}
	default:
		return nil, fmt.Errorf("pgstore: revoke grants: %w: empty grant match", access.ErrInvalid)
	}
	var out []access.Grant
	err := pgx.BeginFunc(ctx, st.db.pool, func(tx pgx.Tx) error {
		var err error
		out, err = revokeMatching(ctx, tx, where, args, at)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: revoke grants of %+v: %w", m, ctxErr(ctx, err))
	}
	return out, nil
}

// The bulk changes of a CachedGrants, like its other changes, drop the
// local cache once they return (read your writes); other replicas drop
// the principals named on the notification. They are declared here, not
// promoted from Grants, so that none bypasses the drop.
var (
	_ access.BulkCreator = (*CachedGrants)(nil)
	_ access.BulkRevoker = (*CachedGrants)(nil)
)

// CreateGrants implements [access.BulkCreator].
func (g *CachedGrants) CreateGrants(ctx context.Context, gs ...access.Grant) ([]access.Grant, error) {
	defer g.drop()
	return g.Grants.CreateGrants(ctx, gs...)
}

// RevokeGrants implements [access.BulkRevoker].
func (g *CachedGrants) RevokeGrants(ctx context.Context, m access.GrantMatch, at time.Time) ([]access.Grant, error) {
	defer g.drop()
	return g.Grants.RevokeGrants(ctx, m, at)
}
