package pgstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eventcc/eventcc/modality/transcript"
)

// Transcripts is the [transcript.Store] of a [DB]: one row of
// table chat_transcripts per message, keyed by (conversation, Seq), so
// that an attendee who reconnects to any replica is sent what was said
// since.
//
// Append runs in one transaction (one round trip) that first takes a
// transaction-scoped advisory lock on the conversation (a key hashed
// from the schema and the conversation), then, in one statement,
// returns the stored message
// of the same non-empty ClientMsgID or inserts the message with the
// conversation's highest Seq plus one. Appends to one conversation from
// any number of processes are so applied one at a time, each with the
// next Seq, and a resend racing the first send gets the stored message;
// the primary key and a unique index on (conversation, client_msg_id)
// refuse a second row all the same. An ID left empty is assigned as
// MemTranscripts does, "<conversation>-<seq>". DeleteService takes the
// locks of the service's conversations before it deletes them, so no
// Append to one of them lands in between.
//
// At round-trips to the nanosecond (in UTC), within 4714-11-24 BC to
// 294247-01-10 AD. PostgreSQL text holds no NUL byte and only UTF-8:
// Append refuses a message with such a field, or an instant beyond that
// range, with an error wrapping [transcript.ErrInvalid],
// storing nothing. Safe for concurrent use from any number of processes.
type Transcripts struct {
	db      *DB
	appends group[transcript.Message, transcript.Message]
}

var _ transcript.Store = (*Transcripts)(nil)

// Transcripts returns the store of chat transcripts, shared by every
// replica.
func (db *DB) Transcripts() *Transcripts {
	st := &Transcripts{db: db}
	st.appends = group[transcript.Message, transcript.Message]{max: groupMax, all: st.appendAll, one: st.appendOne, retry: refused}
	return st
}

// transcriptColumns are the columns of a message, in the order
// collectMessages reads them.
const transcriptColumns = `conversation, seq, service_id, id, author, body, at, at_ns, client_msg_id`

// transcriptLock returns the SQL of the key of the advisory lock of the
// conversation that the SQL expression conv names, in the connection's
// schema, so that deployments sharing a database do not wait for each
// other.
func transcriptLock(conv string) string {
	return `hashtextextended('eventcc/transcripts/' || coalesce(current_schema(), '') || '/' || ` + conv + `, 0)`
}

// appendSQL returns the message of conversation $1 whose client id is
// $8, if $8 is not empty and the conversation has one, and otherwise
// inserts the message with the conversation's next Seq (and ID $3, or
// "<conversation>-<seq>" if $3 is empty) and returns it. It runs under
// the conversation's advisory lock, so its snapshot holds every message
// appended before.
const appendSQL = `WITH resent AS (
	SELECT ` + transcriptColumns + ` FROM chat_transcripts
	WHERE conversation = $1::text AND $8::text <> '' AND client_msg_id = $8::text
), added AS (
	INSERT INTO chat_transcripts (` + transcriptColumns + `)
	SELECT $1::text, n.seq, $2::text, CASE WHEN $3::text = '' THEN $1::text || '-' || n.seq ELSE $3::text END,
		$4::text, $5::text, $6::timestamptz, $7::smallint, $8::text
	FROM (SELECT coalesce(max(seq), 0) + 1 AS seq FROM chat_transcripts WHERE conversation = $1::text) n
	WHERE NOT EXISTS (SELECT 1 FROM resent)
	RETURNING ` + transcriptColumns + `
)
SELECT ` + transcriptColumns + ` FROM resent UNION ALL SELECT ` + transcriptColumns + ` FROM added`

// Append implements [transcript.Store]: two statements sent together
// (one round trip), which PostgreSQL runs as one implicit transaction:
// the first waits for the conversation's lock, the second, with a
// snapshot taken once it has it, appends. A failure of either rolls
// both back. Appends made meanwhile by other goroutines, to any
// conversations, go in one such transaction together (see group).
func (st *Transcripts) Append(ctx context.Context, m transcript.Message) (transcript.Message, error) {
	if err := ctx.Err(); err != nil {
		return transcript.Message{}, err
	}
	if err := storableMessage(m); err != nil {
		return transcript.Message{}, fmt.Errorf("pgstore: append to transcript %q of service %q: %w", m.Conversation, m.ServiceID, err)
	}
	stored, err := st.appends.do(ctx, m)
	if err != nil {
		return transcript.Message{}, fmt.Errorf("pgstore: append to transcript %q: %w", m.Conversation, ctxErr(ctx, err))
	}
	return stored, nil
}

// appendOne appends m alone.
func (st *Transcripts) appendOne(ctx context.Context, m transcript.Message) (transcript.Message, error) {
	out, err := st.appendAll(ctx, []transcript.Message{m})
	if err != nil {
		return transcript.Message{}, err
	}
	return out[0], nil
}

// appendAll appends ms in one transaction: each conversation's lock,
// then its append, taken in the order of the conversations' IDs, so
// that two such transactions never wait for each other's locks in a
// circle (DeleteService takes them in the same order). Appends to one
// conversation keep their order in ms.
func (st *Transcripts) appendAll(ctx context.Context, ms []transcript.Message) ([]transcript.Message, error) {
	order := make([]int, len(ms))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(ms[a].Conversation, ms[b].Conversation) })
	b := &pgx.Batch{}
	for _, i := range order {
		m := ms[i]
		at, atNs := splitInstant(m.At)
		b.Queue(`SELECT pg_advisory_xact_lock(`+transcriptLock("$1::text")+`)`, m.Conversation)
		b.Queue(appendSQL, m.Conversation, m.ServiceID, m.ID, m.Author, m.Body, at, atNs, m.ClientMsgID)
	}
	br := st.db.pool.SendBatch(ctx, b)
	out := make([]transcript.Message, len(ms))
	var err error
	for _, i := range order {
		if _, err = br.Exec(); err != nil {
			break
		}
		var msgs []transcript.Message
		rows, qerr := br.Query()
		if msgs, err = collectMessages(rows, qerr); err != nil {
			break
		}
		if len(msgs) != 1 {
			err = fmt.Errorf("the append returned %d messages, want 1", len(msgs))
			break
		}
		out[i] = msgs[0]
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// refused reports whether PostgreSQL answered err: the transaction
// failed there and was rolled back, so each of its appends may be made
// again alone. After any other error (the connection lost, say) it may
// have committed, and an append without a ClientMsgID would be stored
// twice.
func refused(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr)
}

// storableMessage reports why the table cannot hold m as given, wrapping
// transcript.ErrInvalid; nil if it can.
func storableMessage(m transcript.Message) error {
	if m.Conversation == "" || m.ServiceID == "" {
		return fmt.Errorf("no conversation or no service: %w", transcript.ErrInvalid)
	}
	for _, f := range []struct{ name, s string }{
		{"Conversation", m.Conversation}, {"ServiceID", m.ServiceID}, {"ID", m.ID},
		{"Author", m.Author}, {"Body", m.Body}, {"ClientMsgID", m.ClientMsgID},
	} {
		if !utf8.ValidString(f.s) || strings.ContainsRune(f.s, 0) {
			return fmt.Errorf("%s is not UTF-8 text without NUL bytes, which PostgreSQL text holds: %w", f.name, transcript.ErrInvalid)
		}
	}
	if !m.At.IsZero() && (m.At.Before(firstPGInstant) || !m.At.Before(afterPGInstant)) {
		return fmt.Errorf("At %s is out of the range PostgreSQL keeps (%s to %s): %w", m.At.Format(time.RFC3339Nano),
			firstPGInstant.Format(time.RFC3339), afterPGInstant.Format(time.RFC3339), transcript.ErrInvalid)
	}
	return nil
}

// Since implements [transcript.Store]: one query, instants in UTC.
func (st *Transcripts) Since(ctx context.Context, conversation string, afterSeq int64) ([]transcript.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := st.db.pool.Query(ctx, `SELECT `+transcriptColumns+` FROM chat_transcripts
		WHERE conversation = $1 AND seq > $2 ORDER BY seq`, conversation, afterSeq)
	msgs, err := collectMessages(rows, err)
	if err != nil {
		return nil, fmt.Errorf("pgstore: transcript %q since %d: %w", conversation, afterSeq, ctxErr(ctx, err))
	}
	return msgs, nil
}

// DeleteService implements [transcript.Store]: one transaction
// that takes the advisory locks of the service's conversations, in the
// order of their IDs' bytes, as appends do (so that it and they never
// wait for each other in a circle), then
// deletes their messages and counts the conversations.
func (st *Transcripts) DeleteService(ctx context.Context, serviceID string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int
	err := pgx.BeginFunc(ctx, st.db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(`+transcriptLock("k.conversation")+`) FROM (
				SELECT DISTINCT c.conversation COLLATE "C" AS conversation FROM chat_transcripts c
				WHERE c.service_id = $1 ORDER BY 1) k`, serviceID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `WITH d AS (DELETE FROM chat_transcripts WHERE service_id = $1 RETURNING conversation)
			SELECT count(DISTINCT conversation) FROM d`, serviceID).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("pgstore: delete transcripts of %q: %w", serviceID, ctxErr(ctx, err))
	}
	return n, nil
}

// collectMessages reads the messages rows holds, as Query returned them
// with err.
func collectMessages(rows pgx.Rows, err error) ([]transcript.Message, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (transcript.Message, error) {
		var (
			m    transcript.Message
			at   *time.Time
			atNs int16
		)
		err := row.Scan(&m.Conversation, &m.Seq, &m.ServiceID, &m.ID, &m.Author, &m.Body, &at, &atNs, &m.ClientMsgID)
		m.At = joinInstant(at, atNs)
		return m, err
	})
}
