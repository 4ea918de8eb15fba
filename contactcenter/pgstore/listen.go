package pgstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/cenkalti/backoff/v4"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// listenOn takes a connection of its own from pool and LISTENs on
// channels on it. The caller closes the connection when done, rather
// than return it to the pool listening.
func listenOn(ctx context.Context, pool *pgxpool.Pool, channels ...string) (*pgxpool.Conn, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, ctxErr(ctx, err)
	}
	var q strings.Builder
	for _, c := range channels {
		q.WriteString("LISTEN " + pgx.Identifier{c}.Sanitize() + ";")
	}
	if _, err := conn.Exec(ctx, q.String()); err != nil {
		// It may listen on some of the channels: closed, not pooled.
		_ = conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
		return nil, fmt.Errorf("listen: %w", ctxErr(ctx, err))
	}
	return conn, nil
}

// listenHooks is what listenLoop tells of the notifications on its
// connection and of the connection itself.
type listenHooks struct {
	// listen makes a new listening connection (listenOn).
	listen func(ctx context.Context) (*pgxpool.Conn, error)
	// apply is given each notification, in the order received.
	apply func(n *pgconn.Notification)
	// lost is told why the connection was lost, before listenLoop
	// makes another: notifications sent from then on until back are
	// lost.
	lost func(err error)
	// back is called once another connection listens.
	back func()
}

// listenLoop hands each notification on conn to l.apply until ctx is
// done, and then closes conn. After an error it closes conn, tells
// l.lost, and makes another with l.listen, retrying with exponential
// backoff until it succeeds or ctx is done, and then tells l.back.
func listenLoop(ctx context.Context, conn *pgxpool.Conn, l listenHooks) {
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err == nil {
			l.apply(n)
			continue
		}
		// Close the connection rather than return it: it may still listen.
		_ = conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
		if ctx.Err() != nil {
			return
		}
		l.lost(err)
		conn, err = backoff.RetryWithData(func() (*pgxpool.Conn, error) { return l.listen(ctx) },
			backoff.WithContext(backoff.NewExponentialBackOff(backoff.WithMaxElapsedTime(0)), ctx))
		if err != nil {
			return
		}
		l.back()
	}
}
