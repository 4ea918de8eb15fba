package routing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/modality"
)

// Record is what a durable store keeps of one engagement: enough for a
// replica that takes a service over to rebuild its router (the live
// records) and for the report (the ended ones).
//
// A record moves one way: waiting, connected (Agent and Accepted set),
// ended (Ended and Outcome set). An ended record is final.
type Record struct {
	ServiceID string
	ID        string // the engagement's ID, unique within the service
	Queue     string // the queue it is in, or ended in
	Kind      modality.Kind
	Arrived   time.Time // when the attendee arrived
	Entered   time.Time // when it entered Queue: its MaxWait runs from here
	Agent     string    // the agent connected with it; "" while it waits
	Accepted  time.Time // zero while it waits
	Ended     time.Time // zero while it is live
	Outcome   Outcome   // set with Ended
	// Seq orders the writes of one engagement: a store keeps, of two
	// records of one engagement, the one with the higher Seq, and never
	// replaces an ended record. The router's owner numbers them.
	Seq int64
}

// Live reports whether the engagement has not ended.
func (r Record) Live() bool { return r.Ended.IsZero() }

// Errors of a [Records] store, checked with errors.Is.
var (
	// ErrStale: a write was kept out because an ended record, or one
	// with the same or a higher Seq, is stored already.
	ErrStale = errors.New("routing: a newer record is stored")
	// ErrInvalidRecord: a record misses a required field.
	ErrInvalidRecord = errors.New("routing: invalid record")
)

// Validate reports what makes r unfit to store: an empty ServiceID,
// ID, Queue or Kind, an Outcome without Ended or Ended without one, or
// Accepted without Agent. The error wraps [ErrInvalidRecord] and names
// the field.
func (r Record) Validate() error {
	bad := func(field, why string) error {
		return fmt.Errorf("routing: record %q of %q: %s %s: %w", r.ID, r.ServiceID, field, why, ErrInvalidRecord)
	}
	switch {
	case r.ServiceID == "":
		return bad("ServiceID", "empty")
	case r.ID == "":
		return bad("ID", "empty")
	case r.Queue == "":
		return bad("Queue", "empty")
	case r.Kind == "":
		return bad("Kind", "empty")
	case r.Ended.IsZero() != (r.Outcome == ""):
		return bad("Outcome", "must be set exactly when Ended is")
	case !r.Accepted.IsZero() && r.Agent == "":
		return bad("Agent", "empty with Accepted set")
	}
	return nil
}

// Records is a durable store of engagement records, shared by the
// replicas of a host. The owner of a service writes its records as its
// router decides; a replica that takes the service over reads the live
// ones back. contactcenter/pgstore implements it on PostgreSQL and
// routing/memrecords in memory; routing/recordstest is the conformance
// suite both pass.
//
// Implementations must be safe for concurrent use. A done ctx makes a
// method return ctx.Err() (possibly wrapped).
type Records interface {
	// Put stores recs, in one transaction where the store has them. A
	// record replaces the stored record of its service and ID only if
	// that one is live and has a lower Seq; otherwise it is skipped, and
	// Put goes on with the rest and returns an error wrapping ErrStale
	// when it is done. recs are applied in the order given: of two
	// records of one engagement in recs, the later replaces the earlier
	// only if it has a higher Seq (and the earlier is live). If any
	// record fails [Record.Validate], nothing is stored and the error
	// wraps ErrInvalidRecord.
	Put(ctx context.Context, recs ...Record) error
	// Live returns the service's records that have not ended, in the
	// order they arrived (then by ID), in a new slice.
	Live(ctx context.Context, serviceID string) ([]Record, error)
	// Ended returns the service's ended records with Ended in [from, to),
	// in the order they ended (then by ID), in a new slice.
	Ended(ctx context.Context, serviceID string, from, to time.Time) ([]Record, error)
	// Delete removes every record of the service and returns how many
	// there were: a service torn down keeps no engagement data.
	Delete(ctx context.Context, serviceID string) (int, error)
}
