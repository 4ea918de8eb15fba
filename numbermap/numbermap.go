package numbermap

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Sentinel errors of the Store contract; implementations return them
// (wrapped or not) and callers check them with errors.Is.
var (
	// ErrNotFound reports a number that is not in the pool.
	ErrNotFound = errors.New("numbermap: number not found")
	// ErrExists reports a number added to a pool that already holds it.
	ErrExists = errors.New("numbermap: number already in the pool")
	// ErrInsufficient reports a claim the pool cannot satisfy; the error
	// is an [*InsufficientError] saying how far short it fell.
	ErrInsufficient = errors.New("numbermap: not enough available numbers")
	// ErrConflict reports a claim at odds with what the service already
	// holds.
	ErrConflict = errors.New("numbermap: conflicting claim")
	// ErrInvalid reports a request a Store refuses as malformed: a claim
	// without a service, count or valid policy, a number that is not in
	// E.164 form, an expiry before the lease's start. Nothing is changed.
	ErrInvalid = errors.New("numbermap: invalid")
	// ErrInvalidNumber is what every [*ParseError] unwraps to.
	ErrInvalidNumber = errors.New("numbermap: invalid number")
)

// Aging periods, for templates and hosts choosing a [Policy].Aging.
const (
	// DefaultAging is the aging eventcc recommends for every number, and
	// the one a [Policy] with a zero Aging gets: long enough that most
	// callers of last year's event learn the number is gone, and within
	// the US maxima (90 days for numbers that served residential
	// customers, 365 for business ones).
	DefaultAging = 90 * 24 * time.Hour
	// MinAging is the least aging a [Policy] may ask for: 45 days, the
	// minimum aging of a disconnected US number before it is reassigned
	// (47 CFR 52.15(f)(1)(ii)), applied everywhere.
	MinAging = 45 * 24 * time.Hour
	// MinAgingUS is the legal minimum aging of a disconnected US number:
	// 45 days, 47 CFR 52.15(f)(1)(ii). It equals [MinAging].
	MinAgingUS = MinAging
)

// Number is a telephone number in E.164 form ("+12025550100"), stored and
// compared as that string. Obtain one from [Parse], which defines a valid
// E.164 number, or from package numberplan's parsers, which also read
// national formats and check the numbering plan; [Number.Valid] says
// whether a Number is valid. The zero value is not a number.
type Number string

func (n Number) String() string { return string(n) }

// NumberType is the kind of line a number is, as the numbering plan says.
type NumberType string

// The number types. Package numberplan's Inspect reports them;
// [Owned].Type records them and [ClaimRequest].Type selects on them.
const (
	TypeLocal       NumberType = "local"        // geographic: fixed line, or fixed line or mobile (as in the US)
	TypeMobile      NumberType = "mobile"       // mobile
	TypeTollFree    NumberType = "toll-free"    // free to the caller (+1 800, 0800...)
	TypeSharedCost  NumberType = "shared-cost"  // caller and callee share the cost
	TypePremiumRate NumberType = "premium-rate" // the caller pays a premium
	TypeVoIP        NumberType = "voip"         // non-geographic internet telephony
	TypeOther       NumberType = "other"        // personal, pager, UAN, voicemail, or not known
)

// Capabilities is a set of what a number can carry.
type Capabilities uint8

// The capabilities. Combine them with |.
const (
	Voice Capabilities = 1 << iota // voice calls
	SMS                            // text messages
	MMS                            // multimedia messages
)

// Has reports whether c holds every capability in want.
func (c Capabilities) Has(want Capabilities) bool { return c&want == want }

func (c Capabilities) String() string {
	if c == 0 {
		return "none"
	}
	var s string
	for _, n := range []struct {
		c    Capabilities
		name string
	}{{Voice, "voice"}, {SMS, "sms"}, {MMS, "mms"}} {
		if c&n.c != 0 {
			if s != "" {
				s += "+"
			}
			s += n.name
		}
	}
	if rest := c &^ (Voice | SMS | MMS); rest != 0 {
		if s != "" {
			s += "+"
		}
		s += "0x" + strconv.FormatUint(uint64(rest), 16)
	}
	return s
}

// PolicyKind says what a number does after the term of its lease expires.
type PolicyKind string

const (
	Forward  PolicyKind = "forward"  // route calls to Policy.ForwardTo
	Announce PolicyKind = "announce" // play or return Policy.Announcement
	Vacant   PolicyKind = "vacant"   // not in service
	Park     PolicyKind = "park"     // held unassigned: routes nowhere, not in service
	Release  PolicyKind = "release"  // straight to aging, then back to the pool
)

// Policy is a lease's post-term policy. From the lease's Expires the number
// routes per Kind for For, then ages (not in service) for Aging, then is
// unassigned and may be leased again. [ValidatePolicy] checks one.
type Policy struct {
	Kind PolicyKind
	// ForwardTo is where Forward sends calls, e.g. the organiser's main
	// line.
	ForwardTo Number
	// Announcement is what Announce plays: a message id the telephony
	// channel resolves (a prompt, a recording), or the text itself.
	Announcement string
	// For is how long Kind applies after expiry; then the number ages.
	For time.Duration
	// Aging is how long the number ages before it may be leased again:
	// 0 means [DefaultAging]; otherwise at least [MinAging].
	// [Policy.AgingPeriod] is the aging that applies.
	Aging time.Duration
}

// AgingPeriod returns the aging p applies: Aging, or [DefaultAging] when
// Aging is 0. It fails closed on a policy [ValidatePolicy] would refuse:
// a negative Aging counts as DefaultAging and one below [MinAging] as
// MinAging, so a bad policy never frees a number sooner.
func (p Policy) AgingPeriod() time.Duration {
	switch {
	case p.Aging <= 0:
		return DefaultAging
	case p.Aging < MinAging:
		return MinAging
	}
	return p.Aging
}

// Owned describes a number the pool owns: the number and its attributes,
// set when it is added and never changed by a Store.
type Owned struct {
	Number Number
	// Country is the ISO 3166-1 alpha-2 code of the number's country
	// ("US"); package numberplan's Inspect reports it ("001" for
	// non-geographic numbers such as +800).
	Country string
	// Region is where in the country the number is local, in the host's
	// terms (an ISO 3166-2 code such as "US-NY", a city, an area code);
	// opaque here, matched exactly by [ClaimRequest].Region.
	Region string
	// Type is the kind of line; package numberplan's Inspect reports it.
	// "" when not stated.
	Type NumberType
	// Capabilities says what the number can carry; 0 when not stated.
	// A claim that asks for capabilities (a contact center's does: voice
	// for telephony, SMS for SMS) never takes a number that does not
	// state them.
	Capabilities Capabilities
	// Provider is the carrier's reference for the number, opaque here.
	Provider string
}

// Lease binds a number to a service for its term.
type Lease struct {
	ServiceID  string
	EntryPoint string    // the service's entry point the number reaches, e.g. "main"
	Modality   string    // e.g. "telephony"
	Start      time.Time // when the lease began: not before the claim's instant
	Expires    time.Time // term end (+ grace): from this instant the number routes per Policy
	Policy     Policy
}

// Record is what a Store holds for one number: the owned number, its
// current lease, if any, and the lease before it. A lease stays on the
// record through its term, its policy period and its aging, until the
// number is leased to another service or released; [Record.RouteAt] says
// which phase it is in.
type Record struct {
	Owned
	Lease *Lease // nil when the number has never been leased or was released
	// Previous is the lease the number had before Lease, kept when a claim
	// replaced it, so a call can be recognised as meant for that earlier
	// service ([Route].StaleFor). nil if there was none. A released lease
	// never becomes Previous: release undoes a claim.
	Previous *Lease
	// AvailableAt is the earliest instant the number may be leased, leaving
	// the current lease aside: zero for a number never leased; when a
	// number is claimed, the instant it had become available (the end of
	// the previous lease's aging); when released, the release instant.
	// [Record.AvailableFrom] adds the current lease's policy period and
	// aging: use it to know when the number may be leased again.
	AvailableAt time.Time
	Revision    int64 // incremented by every change; 0 for a record not yet stored
}

// ClaimRequest asks for numbers for a service: Count numbers that match
// every criterion set ([ClaimRequest.Matches]) and are available at At.
type ClaimRequest struct {
	Lease        Lease        // the lease each claimed number gets (Start, Expires, Policy...)
	Count        int          // how many numbers
	Country      string       // Owned.Country must equal it; "" for any
	Region       string       // Owned.Region must equal it; "" for any
	Type         NumberType   // Owned.Type must equal it; "" for any
	Capabilities Capabilities // Owned.Capabilities must hold all of them; 0 for any
	At           time.Time    // the instant of the claim
}

// Validate reports whether req is a claim a [Store] may carry out: Count
// at least 1, a Lease.ServiceID, a Country that is "" or [KnownCountry],
// a Lease.Start not before At, a Lease.Expires after Lease.Start, and a
// policy [ValidatePolicy] accepts.
// The error wraps [ErrInvalid] and names the first problem. Stores call it
// first in Claim, so that every Store refuses the same requests the same
// way; callers may call it before a Store to fail early.
func (req ClaimRequest) Validate() error {
	switch {
	case req.Count < 1:
		return fmt.Errorf("numbermap: claim of %d numbers, want at least 1: %w", req.Count, ErrInvalid)
	case req.Lease.ServiceID == "":
		return fmt.Errorf("numbermap: claim without a Lease.ServiceID: %w", ErrInvalid)
	case req.Country != "" && !KnownCountry(req.Country):
		return fmt.Errorf("numbermap: claim for %q: no country has the code %q: %w", req.Lease.ServiceID, req.Country, ErrInvalid)
	case req.Lease.Start.Before(req.At):
		return fmt.Errorf("numbermap: claim for %q: Lease.Start %v is before the claim at %v: %w",
			req.Lease.ServiceID, req.Lease.Start, req.At, ErrInvalid)
	case !req.Lease.Expires.After(req.Lease.Start):
		return fmt.Errorf("numbermap: claim for %q: Lease.Expires %v is not after Lease.Start %v: %w",
			req.Lease.ServiceID, req.Lease.Expires, req.Lease.Start, ErrInvalid)
	}
	if err := ValidatePolicy(req.Lease.Policy); err != nil {
		return fmt.Errorf("numbermap: claim for %q: %w", req.Lease.ServiceID, err)
	}
	return nil
}

// Matches reports whether o meets every criterion of req: Country,
// Region, Type and Capabilities. It does not look at availability.
func (req ClaimRequest) Matches(o Owned) bool {
	return (req.Country == "" || o.Country == req.Country) &&
		(req.Region == "" || o.Region == req.Region) &&
		(req.Type == "" || o.Type == req.Type) &&
		o.Capabilities.Has(req.Capabilities)
}

// Store holds the pool of numbers and their leases. Implementations must be
// safe for concurrent use. Records passed in and returned are copies: the
// caller owns them, including the Leases they point to. A done or cancelled
// ctx makes a method return ctx.Err() (possibly wrapped) without having
// changed anything it had not committed.
//
// A Store keeps no clock: phases of a lease are computed from the instants
// callers pass ([ClaimRequest].At, [Record.RouteAt]'s now), so a number
// routes per its policy from the expiry instant without any call to the
// Store. A Store may also implement [Router], the copy-free route lookup
// [Lookup] and [LookupTo] prefer. The package numbermaptest checks an
// implementation against this contract.
type Store interface {
	// Add puts numbers into the pool, all or none, each with Revision 1
	// and no lease. A number already present, or given twice, is
	// ErrExists; a number that is not a valid E.164 number
	// ([Number.Valid]: the form and the country code) is ErrInvalid. Add
	// consults no numbering plan: parse numbers with package numberplan
	// to check them against it. On error nothing is added.
	Add(ctx context.Context, numbers ...Owned) error
	// Claim atomically leases req.Count numbers that match req
	// ([ClaimRequest.Matches]) and are available at req.At (no current
	// lease, or a lease whose Expires+Policy.For+Policy.AgingPeriod() is
	// at or before req.At, and AvailableAt at or before req.At: that is,
	// [Record.AvailableFrom] at or before req.At), preferring those that
	// have been available longest (earliest AvailableFrom, then lowest
	// number). Each gets a copy of req.Lease, its revision incremented and
	// its former lease, if any, as Previous; the records are returned
	// sorted by number. It leases all or none: when the pool cannot
	// satisfy the request it returns an [*InsufficientError] (which is
	// ErrInsufficient) with nothing claimed. Two concurrent claims never
	// get the same number.
	//
	// A service that already holds leases (those [Store.ListByService]
	// returns) gets those back, unchanged (idempotent): if it holds
	// req.Count of them; if it holds another count, the request conflicts
	// with the earlier claim: ErrConflict. A request that
	// [ClaimRequest.Validate] refuses is its error, wrapping ErrInvalid,
	// and changes nothing.
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
	// each record it changes; routing, retirement and availability follow
	// the new instant. Returns how many leases service holds, all now
	// expiring at expires (0 for a service with none). An expires before a
	// lease's Start is ErrInvalid, with nothing moved; expires equal to
	// Start ends the term at the instant it began (closing a service the
	// moment it was deployed).
	SetExpiry(ctx context.Context, serviceID string, expires time.Time) (int, error)
	// Release ends every lease of service at once, as if it had never
	// routed: the numbers are available again from at (used to undo a
	// claim before the service opened), or from the end of the previous
	// lease's aging if that is later, and their Previous is unchanged.
	// Idempotent: a service with no leases releases nothing and is not an
	// error. Returns how many.
	Release(ctx context.Context, serviceID string, at time.Time) (int, error)
}

// Router is an optional interface of a [Store]: routing a number on the
// call path without building a [Record] or copying a [Route]. [Lookup] and
// [LookupTo] use it when the Store has it.
type Router interface {
	// Route sets *dst to how a call to n is routed at now: what
	// [Record.RouteAt] of n's record returns ([Route.Set] does it). A
	// number not in the pool, including any string that is not in E.164
	// form, is ErrNotFound; n is compared as given, never parsed or
	// normalised. A done ctx is ctx.Err(). On error *dst is unspecified.
	// Safe for concurrent use with every other method; it should not
	// block on writers and should not allocate on success.
	Route(ctx context.Context, n Number, now time.Time, dst *Route) error
}

// RouteKind says how a call to a number is handled at one instant.
type RouteKind string

const (
	RouteService    RouteKind = "service"    // leased and within its term: route to Route.ServiceID
	RouteForward    RouteKind = "forward"    // expired, forward to Route.ForwardTo
	RouteAnnounce   RouteKind = "announce"   // expired, play Route.Announcement
	RouteVacant     RouteKind = "vacant"     // expired and vacant or aging: not in service
	RouteParked     RouteKind = "parked"     // expired and parked: held unassigned, not in service
	RouteUnassigned RouteKind = "unassigned" // owned, not leased to anyone
)

// Route is the routing decision for a number at one instant, from
// [Record.RouteAt], [RouteFor] or [Lookup]. Its strings are shared with
// the Store's lease: a Route is a value the caller may keep.
type Route struct {
	Kind         RouteKind
	Number       Number
	ServiceID    string // the service of the current or last lease; "" if none
	EntryPoint   string // with RouteService
	Modality     string // with RouteService
	ForwardTo    Number // with RouteForward
	Announcement string // with RouteAnnounce

	// For the stale-call guard ([Route.StaleFor]):

	// LeaseStart is when the current lease began; zero with no lease.
	LeaseStart time.Time
	// PreviousServiceID is the service that held the number before the
	// current lease, "" if none; PreviousExpires is when that lease's term
	// ended.
	PreviousServiceID string
	PreviousExpires   time.Time
}

// StaleFor reports whether a call reaching a service through r comes from
// a caller who is likely trying to reach whoever had the number before:
// r is RouteService and the caller's last contact through this number,
// lastContact, was before the current lease began. The telephony channel
// keeps when each caller last called each number and decides what to do
// (warn the caller, name r.PreviousServiceID, route to a receptionist).
// A zero lastContact (a caller never seen) is never stale.
func (r Route) StaleFor(lastContact time.Time) bool {
	return r.Kind == RouteService && !lastContact.IsZero() && lastContact.Before(r.LeaseStart)
}
