package webhook

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Stamp is the order of one delivery among those about the same subject
// (an event, or an attendee of an event): the subject's version, or the
// instant it was updated, as the event system reports them.
type Stamp struct {
	Version   int64     `json:"version,omitempty"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
}

// ErrIncomparable is returned by [Stamp.Compare] for two stamps that
// share no field: one carries only a version, the other only an update
// time.
var ErrIncomparable = errors.New("webhook: stamps carry no common field")

// Compare returns -1, 0 or +1 as s is older than, the same as, or newer
// than o. Versions are compared when both stamps carry one, update times
// otherwise; stamps with no field in common return ErrIncomparable.
func (s Stamp) Compare(o Stamp) (int, error) {
	switch {
	case s.Version > 0 && o.Version > 0:
		switch {
		case s.Version < o.Version:
			return -1, nil
		case s.Version > o.Version:
			return 1, nil
		}
		return 0, nil
	case !s.UpdatedAt.IsZero() && !o.UpdatedAt.IsZero():
		return s.UpdatedAt.Compare(o.UpdatedAt), nil
	}
	return 0, ErrIncomparable
}

// Record is what a Handler remembers of the last delivery it decided for
// one subject: applied, or refused for good (a 409 or 422, which the
// same delivery would get again).
type Record struct {
	Stamp    Stamp  `json:"stamp"`
	Delivery string `json:"delivery"` // the delivery's ID
	Status   int    `json:"status"`   // the HTTP status it was answered with
	Change   string `json:"change,omitempty"`
	Code     string `json:"code,omitempty"`  // the error code, for a refusal
	Error    string `json:"error,omitempty"` // the error message, for a refusal
}

// ErrNotNewer is returned, wrapped, by [VersionStore.Put] when the
// subject's record is as new as the one put, or newer, or cannot be
// ordered against it ([ErrIncomparable]): nothing was changed.
var ErrNotNewer = errors.New("webhook: the stored record is as new or newer")

// VersionStore remembers, per subject, the last delivery decided, so that
// a delivery older than it is ignored and the same one again is answered
// as before, whatever the order of arrival. Subjects are strings such as
// "event/<event id>" and "attendee/<event id>/<attendee id>".
//
// Put only ever moves a subject's record forward: it compares and
// replaces in one atomic step, so that Handlers on several replicas
// sharing one durable VersionStore never let an older delivery's record
// overwrite a newer one's, whatever the interleaving.
//
// Implementations must be safe for concurrent use, also for one subject
// (a Handler serialises its own calls per subject, but replicas sharing
// the store do not). Records passed in and returned are copies. A done
// ctx makes a method return ctx.Err(), possibly wrapped, with nothing
// changed. Any other error makes the Handler answer 503, so that the
// sender retries.
type VersionStore interface {
	// Last returns the record of subject, and false (with no error) when
	// there is none.
	Last(ctx context.Context, subject string) (Record, bool, error)
	// Put makes r the record of subject if subject has none or r.Stamp
	// is newer than its record's ([Stamp.Compare] returns +1).
	// Otherwise it changes nothing and returns an error wrapping
	// [ErrNotNewer]. Of several concurrent Puts of one stamp, exactly
	// one succeeds.
	Put(ctx context.Context, subject string, r Record) error
}

// MemVersions is an in-memory [VersionStore], the Handler's default.
//
// It keeps one small record (about 200 bytes) per event and per
// registered attendee ever seen, for as long as the process lives, and
// forgets them all when it ends. After a restart, the Handler still
// applies each delivery against the service's current state (an update
// to the term the service already has changes nothing), but a delivery
// older than one applied before the restart is no longer recognised as
// such; nor does another replica's Handler see its records. Hosts that
// need ordering across restarts and replicas, or that serve events for
// years in one process, provide a durable VersionStore, such as
// [github.com/eventcc/eventcc/contactcenter/pgstore.DB.WebhookVersions].
type MemVersions struct {
	mu sync.Mutex
	m  map[string]Record
}

var _ VersionStore = (*MemVersions)(nil)

// NewMemVersions returns an empty MemVersions.
func NewMemVersions() *MemVersions { return &MemVersions{m: make(map[string]Record)} }

// Last implements [VersionStore].
func (v *MemVersions) Last(ctx context.Context, subject string) (Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, false, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	r, ok := v.m[subject]
	return r, ok, nil
}

// Put implements [VersionStore].
func (v *MemVersions) Put(ctx context.Context, subject string, r Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if last, ok := v.m[subject]; ok {
		if cmp, err := r.Stamp.Compare(last.Stamp); err != nil || cmp <= 0 {
			return fmt.Errorf("%w: %s holds %s's record", ErrNotNewer, subject, last.Delivery)
		}
	}
	v.m[subject] = r
	return nil
}

// Len returns how many subjects v holds a record for.
func (v *MemVersions) Len() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.m)
}
