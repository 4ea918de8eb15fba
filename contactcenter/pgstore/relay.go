package pgstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-logr/logr"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventcc/eventcc/contactcenter"
)

// MaxRelayOwner is the longest owner name, in bytes, a [Relay]
// addresses: with its addressing, a message of
// [contactcenter.MaxRelayMessage] bytes to such an owner stays under
// PostgreSQL's limit on a notification's payload (8000 bytes).
const MaxRelayOwner = 512

// relayChannelPrefix starts the name of a relay's channel; a hash of the
// schema ends it.
const relayChannelPrefix = "eventcc_relay_"

// relayQueue is how many messages wait for a busy listener; those that
// find its queue full are dropped.
const relayQueue = 1024

// ErrRelayClosed is returned by the methods of a [Relay] after Close.
var ErrRelayClosed = errors.New("pgstore: relay closed")

// errNotText is the reason Send refuses a message PostgreSQL cannot carry.
var errNotText = errors.New("message is not UTF-8 text without NUL bytes, which is all a PostgreSQL notification carries")

var _ contactcenter.Relay = (*Relay)(nil)

// Relay is the [contactcenter.Relay] of a [DB], on PostgreSQL's
// LISTEN/NOTIFY: Send is a pg_notify on the relay's channel, and a
// connection of the relay's own, taken from the pool for its lifetime,
// LISTENs on that channel and hands each notification to the Listen of
// the owner it is addressed to. Several Listens, for different owners,
// share that connection; a second Listen for an owner already listened
// for through this Relay is an error.
//
// The channel is "eventcc_relay_" and 16 hex digits of a SHA-256 of the
// connection's current schema (NOTIFY channels are per database, not per
// schema): deployments that share a database, each in a schema of its
// own, do not hear each other. [Relay.Channel] names it.
//
// A notification's payload is text of under 8000 bytes, so a message
// must be UTF-8 text without NUL bytes, as the Lifecycle's JSON
// messages are, of at most [contactcenter.MaxRelayMessage] bytes, and
// an owner name UTF-8 text without NUL bytes of 1 to [MaxRelayOwner]
// bytes: Send and Listen refuse others with an error. The payload is
// the owner name's length in decimal, a colon, the name, and the message
// as it is.
//
// Delivery is at most once: a message sent while the relay's connection
// is lost (it is re-made with backoff, and the loss logged) is dropped,
// as is one that finds 1024 messages waiting for a busy handler. Send never waits for the handler. Messages one goroutine
// sends reach a listener in the order sent (PostgreSQL delivers
// notifications in commit order).
//
// Safe for concurrent use; call Close when done.
type Relay struct {
	db      *DB
	log     logr.Logger
	channel string

	mu        sync.Mutex
	closed    bool
	listeners map[string]chan []byte

	cancel context.CancelFunc
	done   chan struct{}
}

// NewRelay starts a relay over db: it returns once the relay's
// connection listens, or with the error that prevented it. log receives
// the loss of that connection and messages dropped (the zero
// logr.Logger logs nothing). A done ctx returns ctx.Err(); cancelling
// ctx afterwards does not stop the relay: Close does.
func (db *DB) NewRelay(ctx context.Context, log logr.Logger) (*Relay, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var schema string
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(current_schema(), '')`).Scan(&schema); err != nil {
		return nil, fmt.Errorf("pgstore: relay: %w", ctxErr(ctx, err))
	}
	sum := sha256.Sum256([]byte(schema))
	r := &Relay{db: db, log: log, channel: relayChannelPrefix + hex.EncodeToString(sum[:8]),
		listeners: make(map[string]chan []byte), done: make(chan struct{})}
	conn, err := r.listen(ctx)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel = cancel
	go func() {
		defer close(r.done)
		listenLoop(runCtx, conn, listenHooks{
			listen: r.listen,
			apply:  r.deliver,
			lost: func(err error) {
				r.log.Error(err, "relay lost its notification connection; reconnecting, and messages sent meanwhile are lost", "channel", r.channel)
			},
			back: func() { r.log.Info("relay listening again", "channel", r.channel) },
		})
	}()
	return r, nil
}

func (r *Relay) listen(ctx context.Context) (*pgxpool.Conn, error) {
	conn, err := listenOn(ctx, r.db.pool, r.channel)
	if err != nil {
		return nil, fmt.Errorf("pgstore: relay: %w", err)
	}
	return conn, nil
}

// Channel returns the name of the notification channel the relay uses.
func (r *Relay) Channel() string { return r.channel }

// deliver hands a notification to the listener of the owner it is
// addressed to, if any, without waiting.
func (r *Relay) deliver(n *pgconn.Notification) {
	owner, msg, ok := parseRelayPayload(n.Payload)
	if !ok {
		r.log.V(1).Info("relay: notification not addressed by a relay; ignored", "bytes", len(n.Payload))
		return
	}
	r.mu.Lock()
	ch := r.listeners[owner]
	r.mu.Unlock()
	if ch == nil {
		return // nobody listens here
	}
	select {
	case ch <- []byte(msg):
	default:
		r.log.Info("relay: message dropped: its listener has too many waiting", "owner", owner, "waiting", relayQueue)
	}
}

// Listen implements [contactcenter.Relay]: it hands each message sent
// to owner to handle, on the caller's goroutine, one at a time, until
// ctx is done, and returns ctx.Err(); nothing waiting when ctx is done
// is handled. It returns at once an error for an owner name Send would
// refuse or already listened for through this Relay, and
// [ErrRelayClosed] after Close (or as soon as Close is called). handle
// may keep msg.
func (r *Relay) Listen(ctx context.Context, owner string, handle func(msg []byte)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkRelayOwner(owner); err != nil {
		return fmt.Errorf("pgstore: relay: listen for %q: %w", owner, err)
	}
	ch := make(chan []byte, relayQueue)
	r.mu.Lock()
	switch {
	case r.closed:
		r.mu.Unlock()
		return ErrRelayClosed
	case r.listeners[owner] != nil:
		r.mu.Unlock()
		return fmt.Errorf("pgstore: relay: %q is listened for already", owner)
	}
	r.listeners[owner] = ch
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.listeners, owner)
		r.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.done:
			return ErrRelayClosed
		case msg := <-ch:
			// Both cases may be ready: select picks either, and
			// nothing is handled once ctx is done.
			if err := ctx.Err(); err != nil {
				return err
			}
			handle(msg)
		}
	}
}

// Send implements [contactcenter.Relay]: one pg_notify, in a
// transaction of its own, so the message is on its way when Send
// returns; Send does not wait for it to be handled. A done ctx returns
// ctx.Err(). It refuses, with an error, a message larger than
// contactcenter.MaxRelayMessage, one that is not UTF-8 text without NUL
// bytes, and an owner name Listen would refuse; after Close it returns
// [ErrRelayClosed]. msg is the caller's again when Send returns.
func (r *Relay) Send(ctx context.Context, owner string, msg []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	payload, err := relayPayload(owner, msg)
	if err != nil {
		return fmt.Errorf("pgstore: relay: send to %q: %w", owner, err)
	}
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return ErrRelayClosed
	}
	if _, err := r.db.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, r.channel, payload); err != nil {
		return fmt.Errorf("pgstore: relay: send to %q: %w", owner, ctxErr(ctx, err))
	}
	return nil
}

// Close stops listening, closes the relay's connection and waits for
// its goroutine to end; Listens return [ErrRelayClosed]. Idempotent.
func (r *Relay) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	<-r.done
	return nil
}

// checkRelayOwner says why owner cannot be addressed, nil if it can.
func checkRelayOwner(owner string) error {
	switch {
	case owner == "":
		return errors.New("empty owner name")
	case len(owner) > MaxRelayOwner:
		return fmt.Errorf("owner name of %d bytes, more than MaxRelayOwner (%d)", len(owner), MaxRelayOwner)
	case !utf8.ValidString(owner) || strings.IndexByte(owner, 0) >= 0:
		return errors.New("owner name is not UTF-8 text without NUL bytes")
	}
	return nil
}

// relayPayload is the payload of the notification of msg to owner: the
// owner name's length in decimal, a colon, the name, and msg as it is.
// It is under 8000 bytes: at most 3+1+MaxRelayOwner+MaxRelayMessage.
func relayPayload(owner string, msg []byte) (string, error) {
	if err := checkRelayOwner(owner); err != nil {
		return "", err
	}
	if len(msg) > contactcenter.MaxRelayMessage {
		return "", fmt.Errorf("message of %d bytes, more than contactcenter.MaxRelayMessage (%d)", len(msg), contactcenter.MaxRelayMessage)
	}
	if !utf8.Valid(msg) || bytes.IndexByte(msg, 0) >= 0 {
		return "", errNotText
	}
	return strconv.Itoa(len(owner)) + ":" + owner + string(msg), nil
}

// parseRelayPayload undoes relayPayload; ok is false for a payload
// relayPayload cannot have made (another sender on the channel).
func parseRelayPayload(payload string) (owner, msg string, ok bool) {
	colon := strings.IndexByte(payload, ':')
	if colon < 1 || colon > 3 || payload[0] == '0' {
		return "", "", false
	}
	n := 0
	for _, c := range []byte(payload[:colon]) {
		if c < '0' || c > '9' {
			return "", "", false
		}
		n = n*10 + int(c-'0')
	}
	rest := payload[colon+1:]
	if n > MaxRelayOwner || n > len(rest) {
		return "", "", false
	}
	owner, msg = rest[:n], rest[n:]
	if checkRelayOwner(owner) != nil || len(msg) > contactcenter.MaxRelayMessage {
		return "", "", false
	}
	return owner, msg, true
}
