package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventcc/eventcc/contactcenter/webhook"
)

// WebhookVersions is the [webhook.VersionStore] of a [DB]: one row of
// table webhook_versions per subject, its [webhook.Record] as a JSON
// document beside the stamp's version and update time (to the
// nanosecond) that Put orders by. Put compares and replaces in one
// statement (INSERT … ON CONFLICT DO UPDATE … WHERE the stored stamp is
// older), so of Handlers on several replicas putting records of one
// subject at once, the newest stays, and of those putting the same stamp
// exactly one succeeds. Rows are never deleted: one small row per event
// and per attendee ever seen. Safe for concurrent use from any number of
// processes.
type WebhookVersions struct{ db *DB }

var _ webhook.VersionStore = (*WebhookVersions)(nil)

// WebhookVersions returns the webhook Handler's version store: pass it
// as [webhook.HandlerConfig].Versions on every replica.
func (db *DB) WebhookVersions() *WebhookVersions { return &WebhookVersions{db: db} }

// Last implements [webhook.VersionStore].
func (v *WebhookVersions) Last(ctx context.Context, subject string) (webhook.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return webhook.Record{}, false, err
	}
	var doc []byte
	err := v.db.pool.QueryRow(ctx, `SELECT doc FROM webhook_versions WHERE subject = $1`, subject).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return webhook.Record{}, false, nil
	}
	if err != nil {
		return webhook.Record{}, false, fmt.Errorf("pgstore: webhook record of %s: %w", subject, ctxErr(ctx, err))
	}
	var r webhook.Record
	if err := json.Unmarshal(doc, &r); err != nil {
		return webhook.Record{}, false, fmt.Errorf("pgstore: decode the webhook record of %s: %w", subject, err)
	}
	return r, true, nil
}

// Put implements [webhook.VersionStore]: it returns an error wrapping
// [webhook.ErrNotNewer] when the stored record's stamp is as new or newer
// than r's, or cannot be ordered against it.
func (v *WebhookVersions) Put(ctx context.Context, subject string, r webhook.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("pgstore: put the webhook record of %s: %w", subject, err)
	}
	// The CASE is webhook.Stamp.Compare: versions when both stamps carry
	// one, update times when both carry one, not newer otherwise.
	var sec *int64
	var nsec *int32
	if t := r.Stamp.UpdatedAt; !t.IsZero() {
		s, n := t.Unix(), int32(t.Nanosecond())
		sec, nsec = &s, &n
	}
	rows, err := v.db.pool.Query(ctx, `INSERT INTO webhook_versions AS w (subject, version, updated_s, updated_ns, doc)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (subject) DO UPDATE SET version = excluded.version,
			updated_s = excluded.updated_s, updated_ns = excluded.updated_ns, doc = excluded.doc
		WHERE CASE
			WHEN w.version > 0 AND excluded.version > 0 THEN excluded.version > w.version
			WHEN w.updated_s IS NOT NULL AND excluded.updated_s IS NOT NULL
				THEN (excluded.updated_s, excluded.updated_ns) > (w.updated_s, w.updated_ns)
			ELSE false
		END
		RETURNING true`, subject, max(r.Stamp.Version, 0), sec, nsec, doc)
	if err != nil {
		return fmt.Errorf("pgstore: put the webhook record of %s: %w", subject, ctxErr(ctx, err))
	}
	_, err = pgx.CollectExactlyOneRow(rows, pgx.RowTo[bool])
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("pgstore: put the webhook record of %s: %w", subject, webhook.ErrNotNewer)
	}
	if err != nil {
		return fmt.Errorf("pgstore: put the webhook record of %s: %w", subject, ctxErr(ctx, err))
	}
	return nil
}

// ReplaySkew is how long past its Until [WebhookReplays] keeps a claim:
// the bound on the skew between a replica's clock and the database
// server's (with [WithCallerClock], between the replicas' clocks) within
// which a replayed delivery stays refused by every replica.
const ReplaySkew = time.Minute

// replaySweepEvery is how often, by the clock Claim is passed, one
// WebhookReplays sweeps the claims that expired.
const replaySweepEvery = time.Minute

// WebhookReplays is the [webhook.ReplayStore] of a [DB]: one row of table
// webhook_replays per claim (delivery ID, signing instant), so that a
// signed delivery received by any replica is refused as a replay by
// every other. A claim is one statement (INSERT … ON CONFLICT DO
// UPDATE … WHERE expired), so of replicas claiming one delivery at once
// exactly one succeeds.
//
// A claim is held until the clock is past its Until by more than
// [ReplaySkew]; the clock is the database server's, or the caller's now
// with [WithCallerClock]. Expired claims are deleted by Claim, at most
// once a minute by the caller's clock per WebhookReplays, so the table
// holds about (tolerance + ReplaySkew + a minute) of deliveries. It never
// returns [webhook.ErrReplayFull]. Safe for concurrent use from any
// number of processes.
type WebhookReplays struct {
	db *DB

	mu    sync.Mutex
	swept time.Time // the caller's clock at the last sweep
}

var _ webhook.ReplayStore = (*WebhookReplays)(nil)

// WebhookReplays returns a webhook Handler's replay store: pass it as
// [webhook.HandlerConfig].Replays on every replica.
func (db *DB) WebhookReplays() *WebhookReplays { return &WebhookReplays{db: db} }

// Claim implements [webhook.ReplayStore].
func (s *WebhookReplays) Claim(ctx context.Context, c webhook.ReplayClaim, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.sweep(ctx, now); err != nil {
		return err
	}
	// The claim is held at least through Until: round it up.
	until := c.Until.Truncate(time.Microsecond)
	if until.Before(c.Until) {
		until = until.Add(time.Microsecond)
	}
	rows, err := s.db.pool.Query(ctx, `INSERT INTO webhook_replays AS r (delivery, signed, until) VALUES ($1, $2, $3)
		ON CONFLICT (delivery, signed) DO UPDATE SET until = excluded.until
		WHERE r.until < coalesce($4::timestamptz, statement_timestamp()) - $5::bigint * interval '1 microsecond'
		RETURNING true`, c.ID, c.Signed.Unix(), until, s.db.clockArg(now), ReplaySkew.Microseconds())
	if err != nil {
		return fmt.Errorf("pgstore: claim webhook delivery %s: %w", c.ID, ctxErr(ctx, err))
	}
	_, err = pgx.CollectExactlyOneRow(rows, pgx.RowTo[bool])
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("pgstore: claim webhook delivery %s signed at %d: %w", c.ID, c.Signed.Unix(), webhook.ErrReplayed)
	}
	if err != nil {
		return fmt.Errorf("pgstore: claim webhook delivery %s: %w", c.ID, ctxErr(ctx, err))
	}
	return nil
}

// sweep deletes the expired claims, if a sweep is due by now.
func (s *WebhookReplays) sweep(ctx context.Context, now time.Time) error {
	s.mu.Lock()
	due := s.swept.IsZero() || now.Sub(s.swept) >= replaySweepEvery || now.Before(s.swept)
	if due {
		s.swept = now // one caller sweeps; the others go on
	}
	s.mu.Unlock()
	if !due {
		return nil
	}
	_, err := s.db.pool.Exec(ctx, `DELETE FROM webhook_replays
		WHERE until < coalesce($1::timestamptz, statement_timestamp()) - $2::bigint * interval '1 microsecond'`,
		s.db.clockArg(now), ReplaySkew.Microseconds())
	if err != nil {
		s.mu.Lock()
		s.swept = time.Time{} // the next Claim tries again
		s.mu.Unlock()
		return fmt.Errorf("pgstore: sweep webhook replays: %w", ctxErr(ctx, err))
	}
	return nil
}

// Release implements [webhook.ReplayStore].
func (s *WebhookReplays) Release(ctx context.Context, id string, signed time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := s.db.pool.Exec(ctx, `DELETE FROM webhook_replays WHERE delivery = $1 AND signed = $2`, id, signed.Unix()); err != nil {
		return fmt.Errorf("pgstore: release webhook delivery %s: %w", id, ctxErr(ctx, err))
	}
	return nil
}
