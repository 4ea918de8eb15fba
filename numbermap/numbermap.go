package numbermap

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors of the Store contract; implementations return them
// (wrapped or not) and callers check them with errors.Is.
var (
	ErrNotFound     = errors.New("numbermap: number not found")
	ErrExists       = errors.New("numbermap: number already in the pool")
	ErrInsufficient = errors.New("numbermap: not enough available numbers")
	ErrConflict     = errors.New("numbermap: revision conflict")
	ErrNotLeased    = errors.New("numbermap: number not leased to that service")
	// ErrInvalid reports a request a Store refuses as malformed: a claim
	// without a service, count or valid policy, a number that is not E.164,
	// an expiry before the lease's start. Nothing is changed.
	ErrInvalid = errors.New("numbermap: invalid")
	// ErrInvalidNumber is what every [*ParseError] unwraps to.
	ErrInvalidNumber = errors.New("numbermap: invalid number")
)

// Aging periods, for templates and hosts choosing a [Policy].Aging. A Store
// applies whatever the lease says; it does not know the regulations.
const (
	// DefaultAging is the aging eventcc recommends for every number: long
	// enough that most callers of last year's event learn the number is
	// gone, and within the US maxima (90 days for numbers that served
	// residential customers, 365 for business ones).
	DefaultAging = 90 * 24 * time.Hour
	// MinAgingUS is the legal minimum aging of a disconnected US number
	// before it may be reassigned: 45 days, 47 CFR 52.15(f)(1)(ii).
	MinAgingUS = 45 * 24 * time.Hour
)

// Number is a telephone number in E.164 form ("+15555550100"). Obtain one
// from [Parse]; the zero value is not a number.
type Number string

func (n Number) String() string { return string(n) }

// PolicyKind says what a number does after the term of its lease expires.
type PolicyKind string

const (
	Forward  PolicyKind = "forward"  // route calls to Policy.ForwardTo
	Announce PolicyKind = "announce" // play Policy.Announcement
	Vacant   PolicyKind = "vacant"   // not in service
	Release  PolicyKind = "release"  // straight to aging, then back to the pool
)

// Policy is a lease's post-term policy. From the lease's Expires the number
// routes per Kind for For, then ages (not in service) for Aging, then is
// unassigned and may be leased again. [ValidatePolicy] checks one.
type Policy struct {
	Kind         PolicyKind
	ForwardTo    Number        // with Forward
	Announcement string        // with Announce
	For          time.Duration // how long Kind applies after expiry; then the number ages
	Aging        time.Duration // how long it ages before it may be leased again
}

// Owned describes a number the pool owns.
type Owned struct {
	Number   Number
	Country  string // ISO 3166-1 alpha-2
	Provider string // the carrier's reference for the number, opaque here
}

// Lease binds a number to a service for its term.
type Lease struct {
	ServiceID  string
	EntryPoint string    // the service's entry point the number reaches, e.g. "main"
	Modality   string    // e.g. "telephony"
	Start      time.Time // when the lease was claimed
	Expires    time.Time // term end (+ grace): from this instant the number routes per Policy
	Policy     Policy
}

// Record is what a Store holds for one number: the owned number and its
// current lease, if any. A lease stays on the record through its term, its
// policy period and its aging, until the number is leased to another
// service or released; [Record.RouteAt] says which phase it is in.
type Record struct {
	Owned
	Lease *Lease // nil when the number has never been leased or was released
	// AvailableAt is the earliest instant the number may be leased, leaving
	// the current lease aside: zero for a number never leased; when a
	// number is claimed, the instant it had become available (the end of
	// the previous lease's aging); when released, the release instant.
	// [Record.AvailableFrom] adds the current lease's policy period and
	// aging: use it to know when the number may be leased again.
	AvailableAt time.Time
	Revision    int64 // incremented by every change; 0 for a record not yet stored
}

// ClaimRequest asks for numbers for a service.
type ClaimRequest struct {
	Lease   Lease  // the lease each claimed number gets (Start, Expires, Policy...)
	Count   int    // how many numbers
	Country string // "" for any
	At      time.Time
}

// Store holds the pool of numbers and their leases. Implementations must be
// safe for concurrent use. Records passed in and returned are copies: the
// caller owns them, including the Lease they point to. A done or cancelled
// ctx makes a method return ctx.Err() (possibly wrapped) without having
// changed anything it had not committed.
//
// A Store keeps no clock: phases of a lease are computed from the instants
// callers pass ([ClaimRequest].At, [Record.RouteAt]'s now), so a number
// routes per its policy from the expiry instant without any call to the
// Store. The package numbermaptest checks an implementation against this
// contract.
type Store interface {
	// Add puts numbers into the pool, all or none, each with Revision 1
	// and no lease. A number already present, or given twice, is
	// ErrExists; a number that is not E.164 ([Number.Valid]) is
	// ErrInvalid. On error nothing is added.
	Add(ctx context.Context, numbers ...Owned) error
	// Claim atomically leases req.Count numbers available at req.At (no
	// current lease, or a lease whose Expires+Policy.For+Policy.Aging is at
	// or before req.At, and AvailableAt at or before req.At: that is,
	// [Record.AvailableFrom] at or before req.At) and of req.Country when
	// set, preferring those that have been available longest (earliest
	// AvailableFrom, then lowest number). Each gets a copy of req.Lease and
	// its revision incremented; the records are returned sorted by number.
	// It leases all or none: ErrInsufficient when the pool cannot satisfy
	// the request, with nothing claimed. Two concurrent claims never get
	// the same number.
	//
	// A service that already holds leases (those [Store.ListByService]
	// returns) gets those back, unchanged (idempotent): if it holds
	// req.Count of them; if it holds another count, the request conflicts
	// with the earlier claim: ErrConflict. A request with Count below 1, an
	// empty Lease.ServiceID, a Lease.Expires not after Lease.Start or a
	// policy [ValidatePolicy] refuses is ErrInvalid.
	Claim(ctx context.Context, req ClaimRequest) ([]Record, error)
	// Get returns the record of one number, or ErrNotFound.
	Get(ctx context.Context, n Number) (Record, error)
	// ListByService returns the records currently leased to service,
	// sorted by number: those whose lease is service's, whatever its phase
	// (in term, under its policy, aging or aged), until the number is
	// leased to another service or released. A service with none gets an
	// empty result, not an error.
	ListByService(ctx context.Context, serviceID string) ([]Record, error)
	// SetExpiry moves the expiry of every lease of service to expires (an
	// extension or shortening of the term), incrementing the revision of
	// each record it changes; routing and availability follow the new
	// instant. Returns how many leases service holds, all now expiring at
	// expires (0 for a service with none). An expires before a lease's
	// Start is ErrInvalid, with nothing moved; expires equal to Start ends
	// the term at the instant it began (closing a service the moment it
	// was deployed).
	SetExpiry(ctx context.Context, serviceID string, expires time.Time) (int, error)
	// Release ends every lease of service at once, as if it had never
	// routed: the numbers are available again from at (used to undo a
	// claim before the service opened), or from the end of the previous
	// lease's aging if that is later. Idempotent: a service with no leases
	// releases nothing and is not an error. Returns how many.
	Release(ctx context.Context, serviceID string, at time.Time) (int, error)
}

// RouteKind says how a call to a number is handled at one instant.
type RouteKind string

const (
	RouteService    RouteKind = "service"    // leased and within its term: route to Route.ServiceID
	RouteForward    RouteKind = "forward"    // expired, forward to Route.ForwardTo
	RouteAnnounce   RouteKind = "announce"   // expired, play Route.Announcement
	RouteVacant     RouteKind = "vacant"     // expired and vacant or aging: not in service
	RouteUnassigned RouteKind = "unassigned" // owned, not leased to anyone
)

// Route is the routing decision for a number at one instant, from
// [Record.RouteAt] or [Lookup].
type Route struct {
	Kind         RouteKind
	Number       Number
	ServiceID    string // the service of the current or last lease; "" if none
	EntryPoint   string // with RouteService
	Modality     string // with RouteService
	ForwardTo    Number // with RouteForward
	Announcement string // with RouteAnnounce
}
