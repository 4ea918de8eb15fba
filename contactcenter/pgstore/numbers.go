package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventcc/eventcc/numbermap"
)

// Numbers is the [numbermap.Store] and [numbermap.Router] of a [DB]: one
// row per number, its [numbermap.Record] as a JSON document beside the
// columns claims select on (country, region, type, capabilities, the
// current lease's service and [numbermap.Record.AvailableFrom]). Claims
// are serialised by a transaction-scoped advisory lock, so two claims
// never get the same number. Every change sends a NOTIFY on
// [NumbersChannel] naming the number. Safe for concurrent use from any
// number of processes.
type Numbers struct{ db *DB }

var (
	_ numbermap.Store  = (*Numbers)(nil)
	_ numbermap.Router = (*Numbers)(nil)
)

// claimLock is the key of the advisory lock that serialises claims.
const claimLock = 0x6576656e74636302

func decodeRecord(doc []byte) (numbermap.Record, error) {
	var r numbermap.Record
	if err := json.Unmarshal(doc, &r); err != nil {
		return numbermap.Record{}, fmt.Errorf("pgstore: decode number: %w", err)
	}
	return r, nil
}

// writeRecords stores rs, as they are, over their rows and notifies.
func writeRecords(ctx context.Context, tx pgx.Tx, rs []numbermap.Record) error {
	if len(rs) == 0 {
		return nil
	}
	nums := make([]string, len(rs))
	services := make([]*string, len(rs))
	avail := make([]time.Time, len(rs))
	revs := make([]int64, len(rs))
	docs := make([]string, len(rs))
	for i, r := range rs {
		nums[i] = string(r.Number)
		if r.Lease != nil {
			s := r.Lease.ServiceID
			services[i] = &s
		}
		avail[i] = r.AvailableFrom()
		revs[i] = r.Revision
		d, err := json.Marshal(r)
		if err != nil {
			return err
		}
		docs[i] = string(d)
	}
	if _, err := tx.Exec(ctx, `UPDATE numbers n SET service_id = u.service_id, available_from = u.available_from,
			revision = u.revision, doc = u.doc
		FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[], $5::json[])
			AS u(number, service_id, available_from, revision, doc)
		WHERE n.number = u.number`, nums, services, avail, revs, docs); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n`, NumbersChannel, nums)
	return err
}

func queryRecords(ctx context.Context, q querier, sql string, args ...any) ([]numbermap.Record, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	docs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, err
	}
	out := make([]numbermap.Record, 0, len(docs))
	for _, d := range docs {
		r, err := decodeRecord(d)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Add implements [numbermap.Store]: all or none; ErrInvalid for a number
// not in E.164 form, ErrExists for one stored or given twice.
func (st *Numbers) Add(ctx context.Context, numbers ...numbermap.Owned) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	seen := make(map[numbermap.Number]bool, len(numbers))
	nums := make([]string, len(numbers))
	countries := make([]string, len(numbers))
	regions := make([]string, len(numbers))
	types := make([]string, len(numbers))
	caps := make([]int32, len(numbers))
	docs := make([]string, len(numbers))
	for i, o := range numbers {
		if !o.Number.Valid() {
			return fmt.Errorf("pgstore: add %q: not in E.164 form: %w", o.Number, numbermap.ErrInvalid)
		}
		if seen[o.Number] {
			return fmt.Errorf("pgstore: add %s: given twice: %w", o.Number, numbermap.ErrExists)
		}
		seen[o.Number] = true
		d, err := json.Marshal(numbermap.Record{Owned: o, Revision: 1})
		if err != nil {
			return err
		}
		nums[i], countries[i], regions[i], types[i], caps[i], docs[i] = string(o.Number), o.Country, o.Region, string(o.Type), int32(o.Capabilities), string(d)
	}
	_, err := st.db.pool.Exec(ctx, `INSERT INTO numbers (number, country, region, type, caps, available_from, revision, doc)
		SELECT u.number, u.country, u.region, u.type, u.caps, '0001-01-01T00:00:00Z', 1, u.doc
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::json[]) AS u(number, country, region, type, caps, doc)`,
		nums, countries, regions, types, caps, docs)
	if pgCode(err) == uniqueViolation {
		return fmt.Errorf("pgstore: add numbers: %w", numbermap.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("pgstore: add numbers: %w", ctxErr(ctx, err))
	}
	return nil
}

// matchSQL selects the numbers a claim request matches; its arguments
// are $2 country, $3 region, $4 type, $5 capabilities.
const matchSQL = `($2 = '' OR country = $2) AND ($3 = '' OR region = $3) AND ($4 = '' OR type = $4) AND (caps & $5) = $5`

// Claim implements [numbermap.Store]. Available numbers are found by
// query on available_from, earliest first, then by number.
func (st *Numbers) Claim(ctx context.Context, req numbermap.ClaimRequest) ([]numbermap.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	service := req.Lease.ServiceID
	var out []numbermap.Record
	err := pgx.BeginFunc(ctx, st.db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(claimLock)); err != nil {
			return err
		}
		held, err := queryRecords(ctx, tx, `SELECT doc FROM numbers WHERE service_id = $1 ORDER BY number`, service)
		if err != nil {
			return err
		}
		if len(held) > 0 {
			if len(held) != req.Count {
				return fmt.Errorf("pgstore: claim of %d numbers for %q, which already holds %d: %w",
					req.Count, service, len(held), numbermap.ErrConflict)
			}
			out = held
			return nil
		}
		args := []any{req.At, req.Country, req.Region, string(req.Type), int32(req.Capabilities)}
		var avail, notYet int
		var next *time.Time
		if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE available_from <= $1), count(*) FILTER (WHERE available_from > $1),
				min(available_from) FILTER (WHERE available_from > $1)
			FROM numbers WHERE `+matchSQL, args...).Scan(&avail, &notYet, &next); err != nil {
			return err
		}
		if avail < req.Count {
			ie := &numbermap.InsufficientError{Request: req, Available: avail, Held: notYet}
			if next != nil {
				ie.NextAvailable = *next
			}
			return fmt.Errorf("pgstore: %w", ie)
		}
		picks, err := queryRecords(ctx, tx, `SELECT doc FROM numbers WHERE available_from <= $1 AND `+matchSQL+`
			ORDER BY available_from, number LIMIT $6 FOR UPDATE`, append(args, req.Count)...)
		if err != nil {
			return err
		}
		for i, r := range picks {
			if r.Lease != nil {
				r.Previous = r.Lease
			}
			r.AvailableAt = r.AvailableFrom()
			l := req.Lease
			r.Lease = &l
			r.Revision++
			picks[i] = r
		}
		if err := writeRecords(ctx, tx, picks); err != nil {
			return err
		}
		slicesSortRecords(picks)
		out = picks
		return nil
	})
	if err != nil {
		if errors.Is(err, numbermap.ErrConflict) || errors.Is(err, numbermap.ErrInsufficient) {
			return nil, err
		}
		return nil, fmt.Errorf("pgstore: claim for %q: %w", service, ctxErr(ctx, err))
	}
	return out, nil
}

func slicesSortRecords(rs []numbermap.Record) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].Number < rs[j-1].Number; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// Get implements [numbermap.Store]: ErrNotFound for a number not in the
// pool.
func (st *Numbers) Get(ctx context.Context, n numbermap.Number) (numbermap.Record, error) {
	if err := ctx.Err(); err != nil {
		return numbermap.Record{}, err
	}
	var doc []byte
	err := st.db.pool.QueryRow(ctx, `SELECT doc FROM numbers WHERE number = $1`, string(n)).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return numbermap.Record{}, fmt.Errorf("pgstore: number %q: %w", n, numbermap.ErrNotFound)
	}
	if err != nil {
		return numbermap.Record{}, fmt.Errorf("pgstore: get number %q: %w", n, ctxErr(ctx, err))
	}
	return decodeRecord(doc)
}

// Route implements [numbermap.Router]: one query, the route computed at
// now from the stored leases.
func (st *Numbers) Route(ctx context.Context, n numbermap.Number, now time.Time, dst *numbermap.Route) error {
	r, err := st.Get(ctx, n)
	if err != nil {
		return err
	}
	dst.Set(n, r.Lease, r.Previous, now)
	return nil
}

// ListByService implements [numbermap.Store].
func (st *Numbers) ListByService(ctx context.Context, serviceID string) ([]numbermap.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rs, err := queryRecords(ctx, st.db.pool, `SELECT doc FROM numbers WHERE service_id = $1 ORDER BY number`, serviceID)
	if err != nil {
		return nil, fmt.Errorf("pgstore: numbers of %q: %w", serviceID, ctxErr(ctx, err))
	}
	return rs, nil
}

// SetExpiry implements [numbermap.Store], in one transaction.
func (st *Numbers) SetExpiry(ctx context.Context, serviceID string, expires time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int
	err := pgx.BeginFunc(ctx, st.db.pool, func(tx pgx.Tx) error {
		var err error
		n, err = setExpiry(ctx, tx, serviceID, expires)
		return err
	})
	if err != nil {
		if errors.Is(err, numbermap.ErrInvalid) {
			return 0, err
		}
		return 0, fmt.Errorf("pgstore: set expiry of %q: %w", serviceID, ctxErr(ctx, err))
	}
	return n, nil
}

func setExpiry(ctx context.Context, tx pgx.Tx, serviceID string, expires time.Time) (int, error) {
	rs, err := queryRecords(ctx, tx, `SELECT doc FROM numbers WHERE service_id = $1 ORDER BY number FOR UPDATE`, serviceID)
	if err != nil {
		return 0, err
	}
	var changed []numbermap.Record
	for _, r := range rs {
		if expires.Before(r.Lease.Start) {
			return 0, fmt.Errorf("pgstore: set expiry of %q to %v: before its leases started (%v): %w",
				serviceID, expires, r.Lease.Start, numbermap.ErrInvalid)
		}
		if r.Lease.Expires.Equal(expires) {
			continue
		}
		l := *r.Lease
		l.Expires = expires
		r.Lease = &l
		r.Revision++
		changed = append(changed, r)
	}
	return len(rs), writeRecords(ctx, tx, changed)
}

// Release implements [numbermap.Store], in one transaction.
func (st *Numbers) Release(ctx context.Context, serviceID string, at time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int
	err := pgx.BeginFunc(ctx, st.db.pool, func(tx pgx.Tx) error {
		rs, err := queryRecords(ctx, tx, `SELECT doc FROM numbers WHERE service_id = $1 ORDER BY number FOR UPDATE`, serviceID)
		if err != nil {
			return err
		}
		for i := range rs {
			rs[i].Lease = nil
			if at.After(rs[i].AvailableAt) {
				rs[i].AvailableAt = at
			}
			rs[i].Revision++
		}
		n = len(rs)
		return writeRecords(ctx, tx, rs)
	})
	if err != nil {
		return 0, fmt.Errorf("pgstore: release numbers of %q: %w", serviceID, ctxErr(ctx, err))
	}
	return n, nil
}
