package pgstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventcc/eventcc/contactcenter/webhook"
)

// unlockTimeout bounds the statement that releases a webhook lock; past
// it the connection is closed, which releases the lock all the same.
const unlockTimeout = 5 * time.Second

// WebhookLocks is the [webhook.Locker] of a [DB]: a PostgreSQL session
// advisory lock per subject, so that Handlers on every replica sharing
// the database apply the deliveries about one event one at a time. It
// needs no table.
//
// Lock takes a connection from the pool and holds it, and the lock on
// it, until unlock: pg_advisory_lock on a 64-bit key derived from the
// subject and the schema the DB's tables live in (current_schema()), so
// that deployments sharing one database in schemas of their own do not
// wait for each other. unlock runs pg_advisory_unlock and returns the
// connection to the pool; should that fail, it closes the connection
// instead, so that no pooled session keeps a lock. A ctx done while Lock
// waits ends the wait with ctx.Err(), holding nothing: the statement is
// cancelled and its connection closed, whatever the server had granted.
// A statement_timeout or lock_timeout of the connections also ends the
// wait, with an error the Handler answers 503.
//
// When a replica dies, its sessions end and the server frees their
// locks: at once when its process ends (the sockets close), after the
// server's TCP keepalive settings (tcp_keepalives_idle and the like)
// when its machine or its network goes. A holder cut off this way
// loses its lock while it may still be applying its delivery. Do not set
// idle_session_timeout (for the role the replicas connect as) below the
// Handler's ApplyTimeout: a holder's lock session is idle while it
// applies, and the server would end it.
//
// Connections: each delivery being applied holds one connection of the
// pool for its lock, besides those the Lifecycle's own queries take, and
// so does each delivery waiting on the server for a subject another
// replica holds. So that the locks never take the whole pool, leaving
// the holders' Lifecycle calls waiting for a connection until
// ApplyTimeout, one WebhookLocks holds at most half the pool's MaxConns
// connections, at least one; further deliveries, and those about a
// subject this WebhookLocks already holds or waits for, wait in the
// process, holding no connection. Size the pool for it, or give the
// locks a pool of their own (of which they use half too) on the same
// database and search_path: pgstore.New(lockPool).WebhookLocks(). Safe
// for concurrent use.
type WebhookLocks struct {
	db    *DB
	local *webhook.MemLocks // one waiter per subject goes to the server
	conns chan struct{}     // a token per connection held
}

var _ webhook.Locker = (*WebhookLocks)(nil)

// WebhookLocks returns a webhook Handler's Locker: pass it as
// [webhook.HandlerConfig].Locks on every replica. Its bound on
// connections is its own: make one per pool and share it between the
// Handlers of a process.
func (db *DB) WebhookLocks() *WebhookLocks {
	return &WebhookLocks{db: db, local: webhook.NewMemLocks(), conns: make(chan struct{}, webhookLockConns(db.pool))}
}

// webhookLockConns is how many connections of pool one WebhookLocks
// holds at most: half, at least one.
func webhookLockConns(pool *pgxpool.Pool) int {
	return max(int(pool.Config().MaxConns)/2, 1)
}

// Lock implements [webhook.Locker].
func (l *WebhookLocks) Lock(ctx context.Context, key string) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	unlockLocal, err := l.local.Lock(ctx, key)
	if err != nil {
		return nil, err
	}
	select {
	case l.conns <- struct{}{}:
	case <-ctx.Done():
		unlockLocal()
		return nil, ctx.Err()
	}
	done := func() {
		<-l.conns
		unlockLocal()
	}
	conn, err := l.db.pool.Acquire(ctx)
	if err != nil {
		done()
		return nil, fmt.Errorf("pgstore: lock webhook subject %s: %w", key, ctxErr(ctx, err))
	}
	var k int64
	err = conn.QueryRow(ctx, `SELECT s.k, pg_advisory_lock(s.k)
		FROM (SELECT hashtextextended('eventcc/webhook/' || coalesce(current_schema(), ''), $1) AS k) s`,
		webhookLockSeed(key)).Scan(&k, nil)
	if err != nil {
		// Whether the server granted the lock is unknown: end the
		// session, which frees whatever it holds.
		discardLockConn(conn)
		done()
		return nil, fmt.Errorf("pgstore: lock webhook subject %s: %w", key, ctxErr(ctx, err))
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			defer done()
			ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
			defer cancel()
			var released bool
			if err := conn.QueryRow(ctx, `SELECT pg_advisory_unlock($1)`, k).Scan(&released); err != nil || !released {
				discardLockConn(conn)
				return
			}
			conn.Release()
		})
	}, nil
}

// webhookLockSeed is key's share of its advisory lock's key: the first 8
// bytes of its SHA-256, so that any string, NUL bytes included, makes a
// well-spread key.
func webhookLockSeed(key string) int64 {
	sum := sha256.Sum256([]byte(key))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// discardLockConn closes conn rather than return it to the pool: the
// server ends its session, and frees the advisory locks it held.
func discardLockConn(conn *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
	defer cancel()
	_ = conn.Hijack().Close(ctx)
}
