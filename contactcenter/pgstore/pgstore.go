package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrateLock is the key of the advisory lock Migrate holds.
const migrateLock = 0x6576656e74636301 // "eventcc\x01"

// Notification channels.
const (
	GrantsChannel  = "eventcc_grants"
	NumbersChannel = "eventcc_numbers"
	syncChannel    = "eventcc_sync"
)

// DB is the PostgreSQL store of one deployment. It does not own the pool:
// the host closes it. Safe for concurrent use.
type DB struct {
	pool *pgxpool.Pool
	// callerClock: leases and Due compare against the caller's instant,
	// not the database server's clock (see WithCallerClock).
	callerClock bool
}

// An Option configures a DB.
type Option func(*DB)

// WithCallerClock makes leases ([Services.Acquire]) and [Services.Due]
// compare against the instant their caller passes instead of the database
// server's clock. It is for tests and simulations that drive Lifecycles
// on a simulated clock; replicas in production leave it out, so that
// every lease is measured on the one clock they share and a replica whose
// clock is behind can never hold a lease another replica has taken over.
func WithCallerClock() Option { return func(db *DB) { db.callerClock = true } }

// New returns a DB over pool. It does no I/O: call [DB.Migrate] before
// using the stores.
//
// Leases and due timers are measured on the database server's clock: the
// now a Lifecycle passes to [Services.Acquire] (and a caller to
// [Services.Due]) is ignored, and a lease lasts the ttl from the server's
// time of the statement. [WithCallerClock] uses the caller's now instead.
func New(pool *pgxpool.Pool, opts ...Option) *DB {
	db := &DB{pool: pool}
	for _, o := range opts {
		o(db)
	}
	return db
}

// clockArg is the instant to pass to a statement that reads
// coalesce($n, statement_timestamp()): the caller's now with
// WithCallerClock, else NULL, for the server's clock.
func (db *DB) clockArg(now time.Time) *time.Time {
	if db.callerClock {
		return &now
	}
	return nil
}

// Pool returns the pool the DB uses.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Services returns the lifecycle store: a [contactcenter.Store],
// [contactcenter.Committer], [contactcenter.Leaser] and
// [contactcenter.Locator].
func (db *DB) Services() *Services { return &Services{db: db} }

// Grants returns the access store.
func (db *DB) Grants() *Grants { return &Grants{db: db} }

// Numbers returns the number pool.
func (db *DB) Numbers() *Numbers { return &Numbers{db: db} }

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("pgstore: migration %s: name must start with a version number", base)
		}
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	return ms, nil
}

// Migrate brings the schema in the connection's search_path to the
// newest version embedded in the package, applying each missing version
// in its own transaction and recording it in table
// eventcc_schema_migrations. It holds a session advisory lock while it
// works, so replicas may call it at once: the others wait and then find
// nothing to do. It returns the versions it applied.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgstore: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLock)); err != nil {
		return nil, fmt.Errorf("pgstore: migrate: lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must go even if ctx is done.
		_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrateLock))
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS eventcc_schema_migrations (
		version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("pgstore: migrate: %w", err)
	}
	var applied []int
	for _, m := range ms {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var done bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM eventcc_schema_migrations WHERE version = $1)`, m.version).Scan(&done); err != nil {
				return err
			}
			if done {
				return nil
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO eventcc_schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return err
			}
			applied = append(applied, m.version)
			return nil
		})
		if err != nil {
			return applied, fmt.Errorf("pgstore: migrate %s: %w", m.name, err)
		}
	}
	return applied, nil
}

// Version returns the newest schema version applied, 0 for none.
func (db *DB) Version(ctx context.Context) (int, error) {
	var v int
	err := db.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM eventcc_schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("pgstore: version: %w", err)
	}
	return v, nil
}

// pgCode returns the SQLSTATE of err, "" if it is not a server error.
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// ctxErr returns ctx.Err() if ctx is done, else err: a query cut short by
// a cancelled context reports the cancellation.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}
