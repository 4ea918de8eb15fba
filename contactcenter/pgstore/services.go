package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eventcc/eventcc/contactcenter"
)

// Services is the [contactcenter.Store], [contactcenter.Leaser] and
// [contactcenter.Locator] of a [DB]. Services, plans and journal entries
// are stored as JSON documents beside the columns queries use (state,
// revision, lease). Values in and out are copies the caller owns (they go
// through JSON). Safe for concurrent use from any number of processes.
type Services struct{ db *DB }

var (
	_ contactcenter.Store        = (*Services)(nil)
	_ contactcenter.Leaser       = (*Services)(nil)
	_ contactcenter.Committer    = (*Services)(nil)
	_ contactcenter.Locator      = (*Services)(nil)
	_ contactcenter.AccountIndex = (*Services)(nil)
)

func finalStates() []string {
	return []string{string(contactcenter.Terminated), string(contactcenter.Cancelled), string(contactcenter.Failed)}
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Create implements [contactcenter.Store]: ErrExists if s.ID is stored.
func (st *Services) Create(ctx context.Context, s contactcenter.Service) (contactcenter.Service, error) {
	if err := ctx.Err(); err != nil {
		return contactcenter.Service{}, err
	}
	s.Revision = 1
	doc, err := json.Marshal(s)
	if err != nil {
		return contactcenter.Service{}, fmt.Errorf("pgstore: create service %q: %w", s.ID, err)
	}
	_, err = st.db.pool.Exec(ctx, `INSERT INTO cc_services (id, state, final, revision, deploy_at, expires, doc)
		VALUES ($1, $2, $3, 1, $4, $5, $6)`, s.ID, string(s.State), s.State.Final(), nullTime(s.DeployAt()), nullTime(s.Expires), doc)
	if err != nil {
		if pgCode(err) == uniqueViolation {
			return contactcenter.Service{}, fmt.Errorf("pgstore: service %q: %w", s.ID, contactcenter.ErrExists)
		}
		return contactcenter.Service{}, fmt.Errorf("pgstore: create service %q: %w", s.ID, ctxErr(ctx, err))
	}
	return s.Clone(), nil
}

func decodeService(doc []byte) (contactcenter.Service, error) {
	var s contactcenter.Service
	if err := json.Unmarshal(doc, &s); err != nil {
		return contactcenter.Service{}, fmt.Errorf("pgstore: decode service: %w", err)
	}
	return s, nil
}

// Get implements [contactcenter.Store]: ErrNotFound if id is not stored.
func (st *Services) Get(ctx context.Context, id string) (contactcenter.Service, error) {
	if err := ctx.Err(); err != nil {
		return contactcenter.Service{}, err
	}
	var doc []byte
	err := st.db.pool.QueryRow(ctx, `SELECT doc FROM cc_services WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return contactcenter.Service{}, fmt.Errorf("pgstore: service %q: %w", id, contactcenter.ErrNotFound)
	}
	if err != nil {
		return contactcenter.Service{}, fmt.Errorf("pgstore: get service %q: %w", id, ctxErr(ctx, err))
	}
	return decodeService(doc)
}

// Update implements [contactcenter.Store]: ErrConflict if s.Revision is
// not the stored revision, ErrNotFound if s.ID is not stored. A service
// that reaches a final state loses its lease in the same statement.
func (st *Services) Update(ctx context.Context, s contactcenter.Service) (contactcenter.Service, error) {
	if err := ctx.Err(); err != nil {
		return contactcenter.Service{}, err
	}
	return st.update(ctx, st.db.pool, s)
}

// querier is what a pool and a transaction share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func (st *Services) update(ctx context.Context, q querier, s contactcenter.Service) (contactcenter.Service, error) {
	read := s.Revision
	s.Revision = read + 1
	doc, err := json.Marshal(s)
	if err != nil {
		return contactcenter.Service{}, fmt.Errorf("pgstore: update service %q: %w", s.ID, err)
	}
	tag, err := q.Exec(ctx, `UPDATE cc_services SET state = $3, final = $4, revision = revision + 1,
			deploy_at = $5, expires = $6, doc = $7,
			lease_owner = CASE WHEN $4 THEN NULL ELSE lease_owner END,
			lease_until = CASE WHEN $4 THEN NULL ELSE lease_until END
		WHERE id = $1 AND revision = $2`,
		s.ID, read, string(s.State), s.State.Final(), nullTime(s.DeployAt()), nullTime(s.Expires), doc)
	if err != nil {
		return contactcenter.Service{}, fmt.Errorf("pgstore: update service %q: %w", s.ID, ctxErr(ctx, err))
	}
	if tag.RowsAffected() == 0 {
		var stored int64
		err := q.QueryRow(ctx, `SELECT revision FROM cc_services WHERE id = $1`, s.ID).Scan(&stored)
		if errors.Is(err, pgx.ErrNoRows) {
			return contactcenter.Service{}, fmt.Errorf("pgstore: service %q: %w", s.ID, contactcenter.ErrNotFound)
		}
		if err != nil {
			return contactcenter.Service{}, fmt.Errorf("pgstore: update service %q: %w", s.ID, ctxErr(ctx, err))
		}
		return contactcenter.Service{}, fmt.Errorf("pgstore: service %q at revision %d, stored %d: %w", s.ID, read, stored, contactcenter.ErrConflict)
	}
	return s.Clone(), nil
}

// List implements [contactcenter.Store].
func (st *Services) List(ctx context.Context, states ...contactcenter.State) ([]contactcenter.Service, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var filter []string
	for _, s := range states {
		filter = append(filter, string(s))
	}
	rows, err := st.db.pool.Query(ctx, `SELECT doc FROM cc_services
		WHERE coalesce(cardinality($1::text[]), 0) = 0 OR state = ANY($1) ORDER BY id`, filter)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list services: %w", ctxErr(ctx, err))
	}
	docs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("pgstore: list services: %w", ctxErr(ctx, err))
	}
	out := make([]contactcenter.Service, 0, len(docs))
	for _, d := range docs {
		s, err := decodeService(d)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// PutPlan implements [contactcenter.Store]: storing a plan again with the
// same Digest is a no-op, with another Digest ErrConflict.
func (st *Services) PutPlan(ctx context.Context, p contactcenter.Plan) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	doc, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("pgstore: put plan %q: %w", p.ID, err)
	}
	tag, err := st.db.pool.Exec(ctx, `INSERT INTO cc_plans (id, service_id, digest, doc) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO NOTHING`, p.ID, p.ServiceID, p.Digest, doc)
	if err != nil {
		return fmt.Errorf("pgstore: put plan %q: %w", p.ID, ctxErr(ctx, err))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var digest string
	if err := st.db.pool.QueryRow(ctx, `SELECT digest FROM cc_plans WHERE id = $1`, p.ID).Scan(&digest); err != nil {
		return fmt.Errorf("pgstore: put plan %q: %w", p.ID, ctxErr(ctx, err))
	}
	if digest != p.Digest {
		return fmt.Errorf("pgstore: plan %q stored with digest %s, not %s: %w", p.ID, digest, p.Digest, contactcenter.ErrConflict)
	}
	return nil
}

// GetPlan implements [contactcenter.Store]: ErrNotFound if id is not
// stored.
func (st *Services) GetPlan(ctx context.Context, id string) (contactcenter.Plan, error) {
	if err := ctx.Err(); err != nil {
		return contactcenter.Plan{}, err
	}
	var doc []byte
	err := st.db.pool.QueryRow(ctx, `SELECT doc FROM cc_plans WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return contactcenter.Plan{}, fmt.Errorf("pgstore: plan %q: %w", id, contactcenter.ErrNotFound)
	}
	if err != nil {
		return contactcenter.Plan{}, fmt.Errorf("pgstore: get plan %q: %w", id, ctxErr(ctx, err))
	}
	var p contactcenter.Plan
	if err := json.Unmarshal(doc, &p); err != nil {
		return contactcenter.Plan{}, fmt.Errorf("pgstore: decode plan %q: %w", id, err)
	}
	return p, nil
}

// Append implements [contactcenter.Store]. The row is inserted only when
// e.Seq is one more than the journal's last Seq, and (plan, seq) is the
// primary key, so of two writers of one Seq exactly one succeeds; the
// other gets ErrConflict. ErrNotFound if the plan is not stored.
func (st *Services) Append(ctx context.Context, e contactcenter.JournalEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	doc, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("pgstore: append to %q: %w", e.PlanID, err)
	}
	tag, err := st.db.pool.Exec(ctx, `INSERT INTO cc_journal (plan_id, seq, doc)
		SELECT $1, $2, $3 WHERE $2 = (SELECT coalesce(max(seq), 0) + 1 FROM cc_journal WHERE plan_id = $1)`,
		e.PlanID, e.Seq, doc)
	switch code := pgCode(err); {
	case code == uniqueViolation:
		return fmt.Errorf("pgstore: append seq %d to %q: %w", e.Seq, e.PlanID, contactcenter.ErrConflict)
	case code == foreignKeyViolation:
		return fmt.Errorf("pgstore: append to plan %q: %w", e.PlanID, contactcenter.ErrNotFound)
	case err != nil:
		return fmt.Errorf("pgstore: append to %q: %w", e.PlanID, ctxErr(ctx, err))
	case tag.RowsAffected() == 1:
		return nil
	}
	var exists bool
	if err := st.db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cc_plans WHERE id = $1)`, e.PlanID).Scan(&exists); err != nil {
		return fmt.Errorf("pgstore: append to %q: %w", e.PlanID, ctxErr(ctx, err))
	}
	if !exists {
		return fmt.Errorf("pgstore: append to plan %q: %w", e.PlanID, contactcenter.ErrNotFound)
	}
	return fmt.Errorf("pgstore: append seq %d to %q: not the next: %w", e.Seq, e.PlanID, contactcenter.ErrConflict)
}

// Commit implements [contactcenter.Committer]: the update and the appends
// are one call of the database function cc_commit, so one round trip and
// one transaction.
func (st *Services) Commit(ctx context.Context, s *contactcenter.Service, entries ...contactcenter.JournalEntry) (contactcenter.Service, error) {
	if err := ctx.Err(); err != nil {
		return contactcenter.Service{}, err
	}
	var (
		id, state         *string
		read              int64
		final             bool
		deployAt, expires any
		doc               []byte
		next              contactcenter.Service
	)
	if s != nil {
		next = *s
		read, next.Revision = s.Revision, s.Revision+1
		var err error
		if doc, err = json.Marshal(next); err != nil {
			return contactcenter.Service{}, fmt.Errorf("pgstore: commit service %q: %w", s.ID, err)
		}
		id, state = &s.ID, (*string)(&next.State)
		final, deployAt, expires = next.State.Final(), nullTime(next.DeployAt()), nullTime(next.Expires)
	}
	plans := make([]string, len(entries))
	seqs := make([]int64, len(entries))
	docs := make([]string, len(entries))
	for i, e := range entries {
		d, err := json.Marshal(e)
		if err != nil {
			return contactcenter.Service{}, fmt.Errorf("pgstore: commit to %q: %w", e.PlanID, err)
		}
		plans[i], seqs[i], docs[i] = e.PlanID, e.Seq, string(d)
	}
	_, err := st.db.pool.Exec(ctx, `SELECT cc_commit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		id, read, state, final, deployAt, expires, doc, plans, seqs, docs)
	if err != nil {
		what := "commit"
		if s != nil {
			what = fmt.Sprintf("commit service %q", s.ID)
		}
		switch pgCode(err) {
		case "EC001", "EC003", uniqueViolation:
			return contactcenter.Service{}, fmt.Errorf("pgstore: %s: %w: %w", what, err, contactcenter.ErrConflict)
		case "EC002", "EC004", foreignKeyViolation:
			return contactcenter.Service{}, fmt.Errorf("pgstore: %s: %w: %w", what, err, contactcenter.ErrNotFound)
		}
		return contactcenter.Service{}, fmt.Errorf("pgstore: %s: %w", what, ctxErr(ctx, err))
	}
	if s == nil {
		return contactcenter.Service{}, nil
	}
	return next.Clone(), nil
}

// Journal implements [contactcenter.Store].
func (st *Services) Journal(ctx context.Context, planID string) ([]contactcenter.JournalEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := st.db.pool.Query(ctx, `SELECT j.doc FROM cc_plans p LEFT JOIN cc_journal j ON j.plan_id = p.id
		WHERE p.id = $1 ORDER BY j.seq`, planID)
	if err != nil {
		return nil, fmt.Errorf("pgstore: journal of %q: %w", planID, ctxErr(ctx, err))
	}
	docs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("pgstore: journal of %q: %w", planID, ctxErr(ctx, err))
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("pgstore: plan %q: %w", planID, contactcenter.ErrNotFound)
	}
	out := make([]contactcenter.JournalEntry, 0, len(docs))
	for _, d := range docs {
		if d == nil { // the plan's row, with no entries
			continue
		}
		var e contactcenter.JournalEntry
		if err := json.Unmarshal(d, &e); err != nil {
			return nil, fmt.Errorf("pgstore: decode journal of %q: %w", planID, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Acquire implements [contactcenter.Leaser]. In one statement it marks
// owner live in cc_owners, works out its share, and claims with FOR
// UPDATE SKIP LOCKED its own leases and up to its share of the services
// not final whose lease is free or expired at now, lowest IDs first; it
// sets those leases to owner until now+ttl and returns them with the
// leases owner held that are still valid at now (a row locked by a
// concurrent writer is skipped this time and renewed by the next
// Acquire). Two owners never hold one service at one now: a lease is
// taken over only once expired. Owners dead for longer than ttl are
// swept from cc_owners. Owners that start together may each see
// the other not yet live and claim more than their share; the next
// services are split evenly.
//
// now is the database server's time of the statement unless the DB was
// made [WithCallerClock]: every replica's leases are then measured on one
// clock, whatever the skew between the replicas' own.
func (st *Services) Acquire(ctx context.Context, owner string, now time.Time, ttl time.Duration) ([]contactcenter.Held, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// $2 is the caller's now with WithCallerClock, else NULL: the
	// statement then reads the server's clock, once.
	rows, err := st.db.pool.Query(ctx, `WITH clock AS MATERIALIZED (
			SELECT coalesce($2::timestamptz, statement_timestamp()) AS now, $3::bigint * interval '1 microsecond' AS ttl
		), beat AS (
			INSERT INTO cc_owners (owner, until) SELECT $1, now + ttl FROM clock
			ON CONFLICT (owner) DO UPDATE SET until = excluded.until
		), swept AS (
			DELETE FROM cc_owners WHERE owner <> $1 AND until < (SELECT now - ttl FROM clock)
		), share AS (
			SELECT ceil((SELECT count(*) FROM cc_services WHERE NOT final)::numeric /
				(1 + (SELECT count(*) FROM cc_owners WHERE owner <> $1 AND until > (SELECT now FROM clock))))
				- (SELECT count(*) FROM cc_services WHERE NOT final AND lease_owner = $1) AS n
		), mine AS (
			SELECT id FROM cc_services WHERE NOT final AND lease_owner = $1
			FOR UPDATE SKIP LOCKED
		), free AS (
			SELECT id FROM cc_services
			WHERE NOT final AND (lease_owner IS NULL OR lease_until <= (SELECT now FROM clock)) AND lease_owner IS DISTINCT FROM $1
			ORDER BY id
			LIMIT (SELECT greatest(n, 0)::bigint FROM share)
			FOR UPDATE SKIP LOCKED
		), renewed AS (
			UPDATE cc_services s SET lease_owner = $1, lease_until = (SELECT now + ttl FROM clock)
			FROM (SELECT id FROM mine UNION ALL SELECT id FROM free) c WHERE s.id = c.id
			RETURNING s.id, s.revision
		)
		SELECT id, revision FROM renewed
		UNION
		SELECT id, revision FROM cc_services WHERE NOT final AND lease_owner = $1 AND lease_until > (SELECT now FROM clock)
		ORDER BY id`, owner, st.db.clockArg(now), ttl.Microseconds())
	if err != nil {
		return nil, fmt.Errorf("pgstore: acquire for %q: %w", owner, ctxErr(ctx, err))
	}
	held, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (contactcenter.Held, error) {
		var h contactcenter.Held
		err := r.Scan(&h.ServiceID, &h.Revision)
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: acquire for %q: %w", owner, ctxErr(ctx, err))
	}
	return held, nil
}

// Release implements [contactcenter.Leaser].
func (st *Services) Release(ctx context.Context, owner string, ids ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := st.db.pool.Exec(ctx, `WITH gone AS (
			DELETE FROM cc_owners WHERE owner = $1 AND coalesce(cardinality($2::text[]), 0) = 0
		)
		UPDATE cc_services SET lease_owner = NULL, lease_until = NULL
		WHERE lease_owner = $1 AND (coalesce(cardinality($2::text[]), 0) = 0 OR id = ANY($2))`, owner, ids)
	if err != nil {
		return fmt.Errorf("pgstore: release for %q: %w", owner, ctxErr(ctx, err))
	}
	return nil
}

// Holder implements [contactcenter.Locator]: the owner whose lease on
// the service is valid at now, that is runs past now, as Acquire counts
// it; "" if nobody's is, if the service is in a final state (leases end
// there) or if it is not stored. As for Acquire, now is the server's
// clock (the time of the statement) unless the DB was made
// [WithCallerClock].
func (st *Services) Holder(ctx context.Context, serviceID string, now time.Time) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var owner string
	err := st.db.pool.QueryRow(ctx, `SELECT coalesce((
			SELECT lease_owner FROM cc_services
			WHERE id = $1 AND NOT final AND lease_until > coalesce($2::timestamptz, statement_timestamp())
		), '')`, serviceID, st.db.clockArg(now)).Scan(&owner)
	if err != nil {
		return "", fmt.Errorf("pgstore: holder of %q: %w", serviceID, ctxErr(ctx, err))
	}
	return owner, nil
}

// ServiceWithAccount implements [contactcenter.AccountIndex]: the
// service whose request names account, an open one first, then one not
// final, then the rest; among equals the one whose term ends last (then
// the greatest ID). One indexed query.
func (st *Services) ServiceWithAccount(ctx context.Context, account string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var id string
	err := st.db.pool.QueryRow(ctx, `SELECT id FROM cc_services
		WHERE ((doc::jsonb) -> 'request' -> 'features' -> 'accounts') ? $1
		ORDER BY state IN ('active', 'terminating') DESC, final, expires DESC NULLS LAST, id DESC
		LIMIT 1`, account).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("pgstore: account %q: %w", account, contactcenter.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("pgstore: service with account %q: %w", account, ctxErr(ctx, err))
	}
	return id, nil
}

// Due returns the IDs of the services not final whose next timer — the
// deploy (Scheduled), the term's start (Ready), the term's end (Active)
// or the expiry — is at or before now, sorted. It is the query a host's
// scheduler or an operator uses to see overdue work; the Lifecycle itself
// reloads the services it holds each tick. As for Acquire, now is the
// server's clock unless the DB was made [WithCallerClock].
func (st *Services) Due(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := st.db.pool.Query(ctx, `WITH clock AS MATERIALIZED (SELECT coalesce($1::timestamptz, statement_timestamp()) AS now)
		SELECT id FROM cc_services, clock WHERE NOT final AND (
			(state = 'scheduled' AND deploy_at <= now) OR expires <= now OR
			(state IN ('ready', 'active') AND ((doc->'term'->>'start')::timestamptz <= now AND state = 'ready'
				OR (doc->'term'->>'end')::timestamptz <= now AND state = 'active')))
		ORDER BY id`, st.db.clockArg(now))
	if err != nil {
		return nil, fmt.Errorf("pgstore: due services: %w", ctxErr(ctx, err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("pgstore: due services: %w", ctxErr(ctx, err))
	}
	return ids, nil
}
