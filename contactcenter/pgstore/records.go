package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
)

// Records is the [routing.Records] of a [DB]: one typed row of table
// engagement_records per engagement, keyed by (service, ID), so that a
// replica taking a service over rebuilds its router from what the
// previous owner wrote.
//
// Put is one statement for a batch (INSERT … ON CONFLICT DO UPDATE …
// WHERE the stored row is live and of a lower Seq). A batch that holds
// several records of one engagement is applied in rounds, the first
// record of each engagement, then the second, and so on: one statement
// a round, in one transaction. A statement takes the rows of its
// engagements in the order of (service, ID), so writers racing over the
// same engagements do not deadlock, and of them the highest Seq stays. (A
// Delete takes its rows in no such order: one racing a Put of the same
// service may fail with PostgreSQL's deadlock error, and nothing is
// changed by the call that fails.)
//
// Instants round-trip to the nanosecond (in UTC), and Live and Ended
// order them exactly as Go's time.Time does. They must lie between
// 4714-11-24 BC and 294247-01-10 AD (what both PostgreSQL and pgx's
// encoding hold): Put refuses a batch with a record beyond, storing
// nothing. Safe for concurrent use from any number of processes.
type Records struct{ db *DB }

var _ routing.Records = (*Records)(nil)

// Records returns the store of engagement records, shared by every
// replica.
func (db *DB) Records() *Records { return &Records{db: db} }

// recordColumns are the columns of a record, in the order
// collectRecords reads them and putRecordsSQL's arrays hold them.
const recordColumns = `service_id, id, queue, kind, arrived, arrived_ns, entered, entered_ns,
	agent, accepted, accepted_ns, ended, ended_ns, outcome, seq`

// putRecordsSQL stores, in the order given, records of distinct
// engagements passed as one array per column, each replacing the stored
// row only if that one is live and of a lower Seq, and returns the keys
// of the rows it wrote.
const putRecordsSQL = `INSERT INTO engagement_records AS r (` + recordColumns + `)
SELECT ` + recordColumns + ` FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
		$5::timestamptz[], $6::smallint[], $7::timestamptz[], $8::smallint[], $9::text[], $10::timestamptz[], $11::smallint[],
		$12::timestamptz[], $13::smallint[], $14::text[], $15::bigint[])
	WITH ORDINALITY AS v(` + recordColumns + `, n)
ORDER BY n
ON CONFLICT (service_id, id) DO UPDATE SET queue = excluded.queue, kind = excluded.kind,
	arrived = excluded.arrived, arrived_ns = excluded.arrived_ns, entered = excluded.entered, entered_ns = excluded.entered_ns,
	agent = excluded.agent, accepted = excluded.accepted, accepted_ns = excluded.accepted_ns,
	ended = excluded.ended, ended_ns = excluded.ended_ns, outcome = excluded.outcome, seq = excluded.seq
WHERE r.ended IS NULL AND r.seq < excluded.seq
RETURNING r.service_id, r.id`

// Put implements [routing.Records]. The error for skipped records wraps
// [routing.ErrStale] and names them.
func (st *Records) Put(ctx context.Context, recs ...routing.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var invalid []error
	for _, r := range recs {
		if err := r.Validate(); err != nil {
			invalid = append(invalid, err)
		}
	}
	if len(invalid) > 0 {
		return fmt.Errorf("pgstore: put records: %w", errors.Join(invalid...))
	}
	for _, r := range recs {
		if err := storable(r); err != nil {
			return fmt.Errorf("pgstore: put records: %w", err)
		}
	}
	rounds := inRounds(recs)
	var stale []routing.Record
	var err error
	switch len(rounds) {
	case 0:
		return nil
	case 1: // one statement is one transaction
		stale, err = putRound(ctx, st.db.pool, rounds[0])
	default:
		err = pgx.BeginFunc(ctx, st.db.pool, func(tx pgx.Tx) error {
			for _, round := range rounds {
				skipped, err := putRound(ctx, tx, round)
				if err != nil {
					return err
				}
				stale = append(stale, skipped...)
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("pgstore: put records: %w", ctxErr(ctx, err))
	}
	if len(stale) > 0 {
		return fmt.Errorf("pgstore: put records: %d of %d skipped, a newer or ended record is stored (%s): %w",
			len(stale), len(recs), nameRecords(stale), routing.ErrStale)
	}
	return nil
}

type recordKey struct{ service, id string }

// inRounds splits recs into rounds that hold at most one record of an
// engagement each: the first record of every engagement in the first
// round, its second (if any) in the second, and so on. Applying the
// rounds one after the other applies recs in order. Each round is
// sorted by service and ID, the order its rows are locked in.
func inRounds(recs []routing.Record) [][]routing.Record {
	seen := make(map[recordKey]int, len(recs))
	var rounds [][]routing.Record
	for _, r := range recs {
		k := recordKey{r.ServiceID, r.ID}
		n := seen[k]
		seen[k] = n + 1
		if n == len(rounds) {
			rounds = append(rounds, make([]routing.Record, 0, len(recs)))
		}
		rounds[n] = append(rounds[n], r)
	}
	for _, round := range rounds {
		slices.SortFunc(round, func(a, b routing.Record) int {
			if c := strings.Compare(a.ServiceID, b.ServiceID); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
	}
	return rounds
}

// putRound stores a round of records of distinct engagements in one
// statement and returns those it skipped.
func putRound(ctx context.Context, q querier, round []routing.Record) ([]routing.Record, error) {
	n := len(round)
	var (
		services, ids, queues, kinds, agents, outcomes = make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		arrived, entered, accepted, ended         = make([]*time.Time, n), make([]*time.Time, n), make([]*time.Time, n), make([]*time.Time, n)
		arrivedNs, enteredNs, acceptedNs, endedNs = make([]int16, n), make([]int16, n), make([]int16, n), make([]int16, n)
		seqs                                      = make([]int64, n)
	)
	for i, r := range round {
		services[i], ids[i], queues[i], kinds[i], agents[i], outcomes[i] = r.ServiceID, r.ID, r.Queue, string(r.Kind), r.Agent, string(r.Outcome)
		arrived[i], arrivedNs[i] = splitInstant(r.Arrived)
		entered[i], enteredNs[i] = splitInstant(r.Entered)
		accepted[i], acceptedNs[i] = splitInstant(r.Accepted)
		ended[i], endedNs[i] = splitInstant(r.Ended)
		seqs[i] = r.Seq
	}
	rows, err := q.Query(ctx, putRecordsSQL, services, ids, queues, kinds, arrived, arrivedNs, entered, enteredNs,
		agents, accepted, acceptedNs, ended, endedNs, outcomes, seqs)
	if err != nil {
		return nil, err
	}
	written, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recordKey, error) {
		var k recordKey
		err := row.Scan(&k.service, &k.id)
		return k, err
	})
	if err != nil {
		return nil, err
	}
	if len(written) == n {
		return nil, nil
	}
	stored := make(map[recordKey]bool, len(written))
	for _, k := range written {
		stored[k] = true
	}
	var skipped []routing.Record
	for _, r := range round {
		if !stored[recordKey{r.ServiceID, r.ID}] {
			skipped = append(skipped, r)
		}
	}
	return skipped, nil
}

// nameRecords names the first few of recs, for an error.
func nameRecords(recs []routing.Record) string {
	const most = 5
	names := make([]string, 0, most+1)
	for _, r := range recs[:min(len(recs), most)] {
		names = append(names, fmt.Sprintf("%s/%s Seq %d", r.ServiceID, r.ID, r.Seq))
	}
	if len(recs) > most {
		names = append(names, fmt.Sprintf("%d more", len(recs)-most))
	}
	return strings.Join(names, ", ")
}

// Live implements [routing.Records]: one query, instants in UTC.
func (st *Records) Live(ctx context.Context, serviceID string) ([]routing.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := st.db.pool.Query(ctx, `SELECT `+recordColumns+` FROM engagement_records
		WHERE service_id = $1 AND ended IS NULL ORDER BY arrived NULLS FIRST, arrived_ns, id`, serviceID)
	recs, err := collectRecords(rows, err)
	if err != nil {
		return nil, fmt.Errorf("pgstore: live records of %q: %w", serviceID, ctxErr(ctx, err))
	}
	return recs, nil
}

// Ended implements [routing.Records]: one query, instants in UTC.
func (st *Records) Ended(ctx context.Context, serviceID string, from, to time.Time) ([]routing.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fromUs, fromNs := bound(from)
	toUs, toNs := bound(to)
	rows, err := st.db.pool.Query(ctx, `SELECT `+recordColumns+` FROM engagement_records
		WHERE service_id = $1 AND ended IS NOT NULL
			AND (ended, ended_ns) >= ($2::timestamptz, $3::smallint) AND (ended, ended_ns) < ($4::timestamptz, $5::smallint)
		ORDER BY ended, ended_ns, id`, serviceID, fromUs, fromNs, toUs, toNs)
	recs, err := collectRecords(rows, err)
	if err != nil {
		return nil, fmt.Errorf("pgstore: ended records of %q: %w", serviceID, ctxErr(ctx, err))
	}
	return recs, nil
}

// Delete implements [routing.Records]: one statement.
func (st *Records) Delete(ctx context.Context, serviceID string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	tag, err := st.db.pool.Exec(ctx, `DELETE FROM engagement_records WHERE service_id = $1`, serviceID)
	if err != nil {
		return 0, fmt.Errorf("pgstore: delete records of %q: %w", serviceID, ctxErr(ctx, err))
	}
	return int(tag.RowsAffected()), nil
}

// collectRecords reads the records rows holds, as Query returned them
// with err.
func collectRecords(rows pgx.Rows, err error) ([]routing.Record, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (routing.Record, error) {
		var (
			r                                         routing.Record
			kind, outcome                             string
			arrived, entered, accepted, ended         *time.Time
			arrivedNs, enteredNs, acceptedNs, endedNs int16
		)
		err := row.Scan(&r.ServiceID, &r.ID, &r.Queue, &kind, &arrived, &arrivedNs, &entered, &enteredNs,
			&r.Agent, &accepted, &acceptedNs, &ended, &endedNs, &outcome, &r.Seq)
		r.Kind, r.Outcome = modality.Kind(kind), routing.Outcome(outcome)
		r.Arrived, r.Entered = joinInstant(arrived, arrivedNs), joinInstant(entered, enteredNs)
		r.Accepted, r.Ended = joinInstant(accepted, acceptedNs), joinInstant(ended, endedNs)
		return r, err
	})
}

// The instants a record may hold: from the first a timestamptz holds,
// 4714-11-24 BC (Julian day 0), to the last pgx encodes (microseconds
// since 1970 in an int64: its encoding overflows silently past it), in
// 294247 AD, before PostgreSQL's own limit of 294276 AD.
var (
	firstPGInstant = time.Date(-4713, time.November, 24, 0, 0, 0, 0, time.UTC)
	afterPGInstant = time.Unix(math.MaxInt64/1_000_000, 0).UTC()
)

// storable reports an instant of r that the table cannot hold.
func storable(r routing.Record) error {
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"Arrived", r.Arrived}, {"Entered", r.Entered}, {"Accepted", r.Accepted}, {"Ended", r.Ended}} {
		if !f.t.IsZero() && (f.t.Before(firstPGInstant) || !f.t.Before(afterPGInstant)) {
			return fmt.Errorf("record %q of %q: %s %s is out of the range PostgreSQL keeps (%s to %s)", r.ID, r.ServiceID, f.name,
				f.t.Format(time.RFC3339Nano), firstPGInstant.Format(time.RFC3339), afterPGInstant.Format(time.RFC3339))
		}
	}
	return nil
}

// bound is splitInstant for a bound of a query: t to the microsecond
// below it and the nanoseconds under that, an infinity beyond the
// instants a record may hold (so that none is past it), and the zero
// time as itself (which a timestamptz holds).
func bound(t time.Time) (pgtype.Timestamptz, int16) {
	switch {
	case t.Before(firstPGInstant):
		return pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}, 0
	case !t.Before(afterPGInstant):
		return pgtype.Timestamptz{InfinityModifier: pgtype.Infinity, Valid: true}, 0
	}
	return pgtype.Timestamptz{Time: t.Truncate(time.Microsecond), Valid: true}, int16(t.Nanosecond() % 1000)
}
