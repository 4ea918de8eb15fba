package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/eventcc/eventcc/modality/messaging/outbox"
)

// Outbox is the [outbox.Store] of a [DB]: one row of table
// messaging_outbox per reply, keyed by its Ref, kept until the provider
// takes it, so that the replica that takes a service over sends what
// another left pending.
//
// Every method is one statement. Put and Sent, called from many
// goroutines at once, share theirs: what is put (or marked sent) while
// one statement runs goes in the next, one statement and one commit
// for them all, so a channel replying in hundreds of conversations a
// second waits for far fewer flushes of the WAL; each call still
// returns its own result. Put inserts with ON CONFLICT (ref) DO
// NOTHING, so a Ref put again, by any process and at the same time,
// keeps the first row as it is, pending or sent. The row takes the next
// value of an identity column as it is inserted, and Pending lists a
// service's pending replies by it: replies put one after the other (each
// Put returned before the next began, in one process or across several)
// are listed in that order; of replies put at the same time, which comes
// first is whichever drew its number first (not whichever committed
// first: a Pending while they commit may list the later without the
// earlier, which the next Pending lists before it). Sent sets the provider's ID
// and the instant only on a row still pending, so the first Sent stands
// when two replicas race, and a zero at marks the reply sent too; an
// empty providerID is kept as none (the reply is sent, and Lookup cannot
// find it). A unique index on (provider,
// provider_id) finds a sent reply for Lookup, and refuses a second reply
// with the same provider's ID: such a Sent is an error, and the reply
// stays pending. Forget deletes by the instant of the first attempt,
// over an index.
//
// Instants round-trip to the nanosecond (in UTC; a zero one stays zero),
// within 4714-11-24 BC to 294247-01-10 AD. PostgreSQL text holds no NUL
// byte and only UTF-8: Put refuses a reply with such a field, or an
// instant beyond that range, with an error wrapping [outbox.ErrInvalid],
// and so does Sent for its providerID and at, storing nothing. Safe for
// concurrent use from any number of processes.
type Outbox struct {
	db    *DB
	puts  group[outbox.Reply, struct{}]
	sents group[sentMark, struct{}]
}

var _ outbox.Store = (*Outbox)(nil)

// Outbox returns the store of the messaging channels' replies on their
// way, shared by every replica.
func (db *DB) Outbox() *Outbox {
	o := &Outbox{db: db}
	// Both writes are idempotent: after a failure of several together,
	// each is written again alone whatever the error was.
	o.puts = group[outbox.Reply, struct{}]{max: groupMax, all: noResults(o.putAll), one: noResult(o.putOne)}
	o.sents = group[sentMark, struct{}]{max: groupMax, all: noResults(o.sentAll), one: noResult(o.sentOne)}
	return o
}

// groupMax bounds the writes in one statement.
const groupMax = 256

// outboxColumns are the columns of a reply, in the order collectReplies
// reads them.
const outboxColumns = `ref, provider, from_addr, to_addr, service_id, conversation, message_id, seq, author, body,
	at, at_ns, client_msg_id, first, first_ns, provider_id, sent, sent_ns`

// Put implements [outbox.Store]: one INSERT … ON CONFLICT DO NOTHING,
// of this reply and those put meanwhile by other goroutines (see group).
func (o *Outbox) Put(ctx context.Context, r outbox.Reply) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if err := storableReply(r); err != nil {
		return fmt.Errorf("pgstore: put reply %q: %w", r.Ref, err)
	}
	if _, err := o.puts.do(ctx, r); err != nil {
		return fmt.Errorf("pgstore: put reply %q: %w", r.Ref, ctxErr(ctx, err))
	}
	return nil
}

// putOne inserts r unless its Ref is stored.
func (o *Outbox) putOne(ctx context.Context, r outbox.Reply) error {
	m := r.Message
	at, atNs := instant(m.At)
	first, firstNs := instant(r.First)
	_, err := o.db.pool.Exec(ctx, `INSERT INTO messaging_outbox (ref, provider, from_addr, to_addr, service_id, conversation,
			message_id, seq, author, body, at, at_ns, client_msg_id, first, first_ns)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (ref) DO NOTHING`,
		r.Ref, r.Provider, r.From, r.To, m.ServiceID, m.Conversation, m.ID, m.Seq, m.Author, m.Body,
		at, atNs, m.ClientMsgID, first, firstNs)
	return err
}

// putAll inserts the replies whose Ref is not stored, in their order
// (the order Pending lists them in); of one Ref twice, the first.
func (o *Outbox) putAll(ctx context.Context, rs []outbox.Reply) error {
	var (
		seen                                                         = make(map[string]bool, len(rs))
		ref, provider, from, to, svc, conv, id, author, body, client []string
		seq                                                          []int64
		at, first                                                    []time.Time
		atNs, firstNs                                                []int16
	)
	for _, r := range rs {
		if seen[r.Ref] {
			continue
		}
		seen[r.Ref] = true
		m := r.Message
		a, aNs := instant(m.At)
		f, fNs := instant(r.First)
		ref, provider, from, to = append(ref, r.Ref), append(provider, r.Provider), append(from, r.From), append(to, r.To)
		svc, conv, id, seq = append(svc, m.ServiceID), append(conv, m.Conversation), append(id, m.ID), append(seq, m.Seq)
		author, body, client = append(author, m.Author), append(body, m.Body), append(client, m.ClientMsgID)
		at, atNs, first, firstNs = append(at, a), append(atNs, aNs), append(first, f), append(firstNs, fNs)
	}
	_, err := o.db.pool.Exec(ctx, `INSERT INTO messaging_outbox (ref, provider, from_addr, to_addr, service_id, conversation,
			message_id, seq, author, body, at, at_ns, client_msg_id, first, first_ns)
		SELECT ref, provider, from_addr, to_addr, service_id, conversation,
			message_id, seq, author, body, at, at_ns, client_msg_id, first, first_ns
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[],
			$9::text[], $10::text[], $11::timestamptz[], $12::smallint[], $13::text[], $14::timestamptz[], $15::smallint[])
			WITH ORDINALITY AS v(ref, provider, from_addr, to_addr, service_id, conversation,
				message_id, seq, author, body, at, at_ns, client_msg_id, first, first_ns, n)
		ORDER BY n
		ON CONFLICT (ref) DO NOTHING`,
		ref, provider, from, to, svc, conv, id, seq, author, body, at, atNs, client, first, firstNs)
	return err
}

// storableReply reports why the table cannot hold r as given, wrapping
// outbox.ErrInvalid; nil if it can.
func storableReply(r outbox.Reply) error {
	if err := storableMessage(r.Message); err != nil {
		return fmt.Errorf("Message: %w (%w)", err, outbox.ErrInvalid)
	}
	for _, f := range []struct{ name, s string }{{"Ref", r.Ref}, {"Provider", r.Provider}, {"From", r.From}, {"To", r.To}} {
		if err := storableText(f.name, f.s); err != nil {
			return err
		}
	}
	return storableInstant("First", r.First)
}

// storableText reports a string that PostgreSQL text cannot hold, as an
// error wrapping outbox.ErrInvalid.
func storableText(name, s string) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return fmt.Errorf("%s is not UTF-8 text without NUL bytes, which PostgreSQL text holds: %w", name, outbox.ErrInvalid)
	}
	return nil
}

// storableInstant reports an instant that a timestamptz cannot hold, as
// an error wrapping outbox.ErrInvalid.
func storableInstant(name string, t time.Time) error {
	if t.Before(firstPGInstant) || !t.Before(afterPGInstant) {
		return fmt.Errorf("%s %s is out of the range PostgreSQL keeps (%s to %s): %w", name, t.Format(time.RFC3339Nano),
			firstPGInstant.Format(time.RFC3339), afterPGInstant.Format(time.RFC3339), outbox.ErrInvalid)
	}
	return nil
}

// instant splits t into what columns timestamptz and *_ns hold: t to the
// microsecond below it, and the nanoseconds under that. Unlike
// splitInstant, a zero t is kept as itself, not NULL.
func instant(t time.Time) (time.Time, int16) {
	ns := t.Nanosecond() % 1000
	return t.Add(-time.Duration(ns)), int16(ns)
}

// Pending implements [outbox.Store]: one query over the index of
// pending replies, in the order they were inserted.
func (o *Outbox) Pending(ctx context.Context, serviceID string) ([]outbox.Reply, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := o.db.pool.Query(ctx, `SELECT `+outboxColumns+` FROM messaging_outbox
		WHERE service_id = $1 AND sent IS NULL ORDER BY ord`, serviceID)
	rs, err := collectReplies(rows, err)
	if err != nil {
		return nil, fmt.Errorf("pgstore: pending replies of %q: %w", serviceID, ctxErr(ctx, err))
	}
	return rs, nil
}

// Sent implements [outbox.Store]: one UPDATE of the reply if it is still
// pending, with those marked sent meanwhile by other goroutines (see
// group).
func (o *Outbox) Sent(ctx context.Context, ref, providerID string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := errors.Join(storableText("providerID", providerID), storableInstant("at", at)); err != nil {
		return fmt.Errorf("pgstore: reply %q sent: %w", ref, err)
	}
	if _, err := o.sents.do(ctx, sentMark{ref, providerID, at}); err != nil {
		if pgCode(err) == uniqueViolation {
			err = fmt.Errorf("the provider gave another reply the same ID: %w", err)
		}
		return fmt.Errorf("pgstore: reply %q sent as %q: %w", ref, providerID, ctxErr(ctx, err))
	}
	return nil
}

// sentMark is one Sent.
type sentMark struct {
	ref, providerID string
	at              time.Time
}

func (o *Outbox) sentOne(ctx context.Context, s sentMark) error {
	sent, sentNs := instant(s.at)
	_, err := o.db.pool.Exec(ctx, `UPDATE messaging_outbox SET provider_id = NULLIF($2::text, ''), sent = $3, sent_ns = $4
		WHERE ref = $1 AND sent IS NULL`, s.ref, s.providerID, sent, sentNs)
	return err
}

// sentAll marks the replies sent, each if it is still pending; of one
// Ref twice, the first stands.
func (o *Outbox) sentAll(ctx context.Context, ss []sentMark) error {
	var (
		seen            = make(map[string]bool, len(ss))
		refs, providers []string
		sent            []time.Time
		sentNs          []int16
	)
	for _, s := range ss {
		if seen[s.ref] {
			continue
		}
		seen[s.ref] = true
		t, ns := instant(s.at)
		refs, providers, sent, sentNs = append(refs, s.ref), append(providers, s.providerID), append(sent, t), append(sentNs, ns)
	}
	_, err := o.db.pool.Exec(ctx, `UPDATE messaging_outbox o
		SET provider_id = NULLIF(v.provider_id, ''), sent = v.sent, sent_ns = v.sent_ns
		FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::smallint[]) AS v(ref, provider_id, sent, sent_ns)
		WHERE o.ref = v.ref AND o.sent IS NULL`, refs, providers, sent, sentNs)
	return err
}

// Drop implements [outbox.Store]: one DELETE.
func (o *Outbox) Drop(ctx context.Context, ref string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := o.db.pool.Exec(ctx, `DELETE FROM messaging_outbox WHERE ref = $1`, ref); err != nil {
		return fmt.Errorf("pgstore: drop reply %q: %w", ref, ctxErr(ctx, err))
	}
	return nil
}

// Lookup implements [outbox.Store]: one query over the unique index of
// the providers' IDs.
func (o *Outbox) Lookup(ctx context.Context, provider, providerID string) (outbox.Reply, error) {
	if err := ctx.Err(); err != nil {
		return outbox.Reply{}, err
	}
	rows, err := o.db.pool.Query(ctx, `SELECT `+outboxColumns+` FROM messaging_outbox
		WHERE provider = $1 AND provider_id = $2 AND sent IS NOT NULL`, provider, providerID)
	rs, err := collectReplies(rows, err)
	switch {
	case err != nil:
		return outbox.Reply{}, fmt.Errorf("pgstore: %s message %q: %w", provider, providerID, ctxErr(ctx, err))
	case len(rs) == 0:
		return outbox.Reply{}, fmt.Errorf("pgstore: %s message %q: %w", provider, providerID, outbox.ErrNotFound)
	}
	return rs[0], nil
}

// Forget implements [outbox.Store]: one DELETE over the index of first
// attempts.
func (o *Outbox) Forget(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	us, ns := bound(before)
	tag, err := o.db.pool.Exec(ctx, `DELETE FROM messaging_outbox
		WHERE (first, first_ns) < ($1::timestamptz, $2::smallint)`, us, ns)
	if err != nil {
		return 0, fmt.Errorf("pgstore: forget replies first tried before %s: %w", before.Format(time.RFC3339Nano), ctxErr(ctx, err))
	}
	return int(tag.RowsAffected()), nil
}

// collectReplies reads the replies rows holds, as Query returned them
// with err.
func collectReplies(rows pgx.Rows, err error) ([]outbox.Reply, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (outbox.Reply, error) {
		var (
			r             outbox.Reply
			at, first     time.Time
			atNs, firstNs int16
			providerID    *string
			sent          *time.Time
			sentNs        *int16
		)
		m := &r.Message
		err := row.Scan(&r.Ref, &r.Provider, &r.From, &r.To, &m.ServiceID, &m.Conversation, &m.ID, &m.Seq, &m.Author, &m.Body,
			&at, &atNs, &m.ClientMsgID, &first, &firstNs, &providerID, &sent, &sentNs)
		m.At = at.Add(time.Duration(atNs)).UTC()
		r.First = first.Add(time.Duration(firstNs)).UTC()
		if providerID != nil {
			r.ProviderID = *providerID
		}
		if sent != nil && sentNs != nil {
			r.Sent = sent.Add(time.Duration(*sentNs)).UTC()
		}
		return r, err
	})
}
