package contactcenter

import (
	"context"
	"errors"
	"time"

	"github.com/eventcc/eventcc/modality"
)

// Sentinel errors, checked with errors.Is.
var (
	ErrNotFound     = errors.New("contactcenter: not found")
	ErrExists       = errors.New("contactcenter: already exists")
	ErrConflict     = errors.New("contactcenter: revision conflict")
	ErrClosed       = errors.New("contactcenter: lifecycle closed")
	ErrInvalidState = errors.New("contactcenter: not allowed in the service's state")
	ErrExpired      = errors.New("contactcenter: term already expired")
	ErrQuota        = errors.New("contactcenter: quota exceeded")
	ErrPermanent    = errors.New("contactcenter: permanent failure")
	ErrNotEmpty     = errors.New("contactcenter: resources remain")
	// ErrFailed is returned (wrapped) by Tick for a service whose deploy
	// failed permanently and was undone during that Tick: it is now in
	// the Failed state, with the cause in Service.Err.
	ErrFailed = errors.New("contactcenter: deploy failed and was undone")
)

// Permanent marks err as permanent: the executor does not retry it and
// undoes the plan. Errors not so marked are retried with backoff.
func Permanent(err error) error {
	if err == nil || errors.Is(err, ErrPermanent) {
		return err
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string   { return e.err.Error() }
func (e *permanentError) Unwrap() []error { return []error{e.err, ErrPermanent} }

// Resource is a kind of thing a Provisioner holds for a service.
type Resource string

const (
	Space       Resource = "space"       // server space units
	Licences    Resource = "licences"    // seats of the communication software
	Agents      Resource = "agents"      // deployed agents, each with an ID
	Supervisors Resource = "supervisors" // deployed supervisors, each with an ID
)

// Resources lists every Resource in the order a deploy provisions them.
func Resources() []Resource { return []Resource{Space, Licences, Agents, Supervisors} }

// Item is one unit a Provisioner holds for a service.
type Item struct {
	Kind Resource `json:"kind"`
	ID   string   `json:"id"`
}

// Provisioner holds server space, licences and agents for services,
// typically by leasing capacity inside long-lived, pre-sized accounts and
// tagging it with the service.
//
// Implementations must be safe for concurrent use. Every method is scoped
// to one service and idempotent. Errors are retried with backoff unless
// marked with [Permanent] (or wrapping [ErrQuota], which is permanent). A
// done ctx makes a method return ctx.Err(), possibly wrapped.
type Provisioner interface {
	// Set brings the number of items of kind held for service to n,
	// adding or releasing items, and returns the items of that kind held
	// afterwards, sorted by ID. Items kept across a Set keep their IDs, and
	// an ID released is never given to the same service again (access
	// grants are keyed by it). Set(…, 0) releases them all. When the
	// provider's capacity cannot hold n it returns an error wrapping
	// ErrQuota and holds what it held before. A negative n or an unknown
	// kind is a Permanent error.
	Set(ctx context.Context, serviceID string, kind Resource, n int) ([]Item, error)
	// Inventory lists every item held for service, of every kind, sorted
	// by kind in the order of [Resources], then by ID: the provider's own
	// view, used to prove that nothing is left after termination.
	Inventory(ctx context.Context, serviceID string) ([]Item, error)
}

// Publication is what the event system shows attendees about a service.
type Publication struct {
	ServiceID   string                `json:"serviceId"`
	EventID     string                `json:"eventId"`
	EntryPoints []modality.EntryPoint `json:"entryPoints"`
	Opens       time.Time             `json:"opens"`
	Closes      time.Time             `json:"closes"`
	TimeZone    string                `json:"timeZone"`
}

// EventSystem is the event platform the contact center serves: it shows
// attendees the service's entry points. Changes to events come the other
// way, through the Lifecycle's methods.
//
// Implementations must be safe for concurrent use. Errors are retried
// with backoff unless marked with [Permanent]. A done ctx makes a method
// return ctx.Err(), possibly wrapped.
type EventSystem interface {
	// Publish shows p, replacing what was published for p.ServiceID.
	// Idempotent. p is the caller's; implementations copy what they keep.
	Publish(ctx context.Context, p Publication) error
	// Retract withdraws what was published for service. Idempotent: not
	// an error when nothing was published.
	Retract(ctx context.Context, serviceID string) error
}

// Store holds services, plans and plan journals durably. Implementations
// must be safe for concurrent use; values passed in and returned are
// copies the caller owns. A done ctx makes a method return ctx.Err(),
// possibly wrapped, with nothing changed.
type Store interface {
	// Create stores a new service with Revision 1 and returns it.
	// ErrExists if a service with s.ID exists.
	Create(ctx context.Context, s Service) (Service, error)
	// Get returns a service, or ErrNotFound.
	Get(ctx context.Context, id string) (Service, error)
	// Update replaces a service if s.Revision equals the stored revision
	// (ErrConflict otherwise; ErrNotFound if absent) and returns it with
	// the next revision.
	Update(ctx context.Context, s Service) (Service, error)
	// List returns the services in any of states (all when none given),
	// sorted by ID.
	List(ctx context.Context, states ...State) ([]Service, error)
	// PutPlan stores a plan under p.ID. Plans are immutable: storing the
	// same ID again with the same Digest is a no-op, with another Digest
	// ErrConflict.
	PutPlan(ctx context.Context, p Plan) error
	// GetPlan returns a plan, or ErrNotFound.
	GetPlan(ctx context.Context, id string) (Plan, error)
	// Append adds e to the journal of plan e.PlanID. e.Seq must be one
	// more than the journal's last Seq (1 for the first entry), else
	// ErrConflict: two writers never both append the same Seq.
	// ErrNotFound if the plan is not stored.
	Append(ctx context.Context, e JournalEntry) error
	// Journal returns a plan's journal in Seq order (empty, not an error,
	// for a stored plan never run; ErrNotFound if the plan is not stored).
	Journal(ctx context.Context, planID string) ([]JournalEntry, error)
}

// Leaser is an optional capability of a Store that several Lifecycles
// share — replicas of one host application — discovered by type
// assertion. With it, each service that is not final is driven by exactly
// one Lifecycle at a time: a Lifecycle advances only the services it
// holds a lease on, renews its leases on every tick, and a service whose
// owner stopped renewing (it died) is taken over by another once the
// lease has expired. A Store without it is for one Lifecycle at a time.
//
// Leases are advisory scheduling; correctness does not rest on them
// alone: the Store's revisions and journal sequence numbers fence off a
// former owner that still acts after losing its lease.
//
// Implementations must be safe for concurrent use, from several
// processes if the Store is shared by several processes. A done ctx makes
// a method return ctx.Err(), possibly wrapped.
type Leaser interface {
	// Acquire renews every lease owner holds and claims its share of the
	// services not in a final state whose lease is free or expired at
	// now, all until now+ttl; it returns the services owner holds
	// afterwards, sorted by ID, each with its stored revision (so the
	// owner reloads only what changed). Two owners never hold the same
	// service at the same now. Services in a final state are never held:
	// their leases end.
	//
	// A Store shared by processes on several machines should measure
	// leases on one clock of its own and ignore now (pgstore uses the
	// database server's): replicas' clocks differ, and a lease measured
	// on each one's own is held by two once the skew nears ttl.
	//
	// An owner is live from its Acquire at now until now+ttl. Its share
	// is what brings it up to ceil(S/n), where S counts the services not
	// final and n the live owners, itself included: replicas that tick
	// together split new work evenly, and a lone owner, or the survivor
	// of owners that died, claims every free service. Nobody's valid
	// lease is taken to even out the shares.
	Acquire(ctx context.Context, owner string, now time.Time, ttl time.Duration) ([]Held, error)
	// Release ends owner's leases on ids, or on every service it holds
	// when no id is given, so that another owner may claim them at once;
	// without ids the owner also stops being live. Releasing a lease one
	// does not hold is not an error.
	Release(ctx context.Context, owner string, ids ...string) error
}

// Locator is an optional capability of a Store that is a [Leaser],
// discovered by type assertion: it says which replica drives a service,
// so that an agent's action landing on another replica reaches it
// through the [Relay].
type Locator interface {
	// Holder returns the owner whose lease on the service is valid at
	// now ("" if none is). A Store that measures leases on its own clock
	// ignores now, as Acquire does.
	Holder(ctx context.Context, serviceID string, now time.Time) (string, error)
}

// AccountIndex is an optional capability of a Store, discovered by type
// assertion: the service an event's social account belongs to. A
// message to an account (Features.Accounts) that reaches a replica not
// driving its service is forwarded to the one that does, over the
// [Relay], and only the Store knows every replica's services.
type AccountIndex interface {
	// ServiceWithAccount returns the ID of the service whose request
	// names account in Features.Accounts: of several, one that is open
	// (Active or Terminating) first, then one not in a final state, then
	// one in a final state; among equals, the one whose term ends last.
	// It returns an error wrapping ErrNotFound if no service names it.
	ServiceWithAccount(ctx context.Context, account string) (string, error)
}

// Relay carries messages between the replicas of a host that share one
// Store, each addressed to a replica by its owner name ([Config.Owner]):
// an agent's action on a service that lands on a replica other than the
// one driving it goes to the driver, and the answer, and the engagement
// events the agent must see, come back; so do attendees' chat sockets
// (links) and SMS and social messages that reach another replica. contactcenter/pgstore
// implements it on PostgreSQL's LISTEN/NOTIFY, and memrelay in memory;
// relaytest is the conformance suite.
//
// Delivery is at most once; messages one goroutine sends one after
// another to one owner arrive in that order (those that arrive). Messages
// are small (at most [MaxRelayMessage] bytes) UTF-8 text without NUL (the
// lifecycle's are JSON): a relay may refuse others. Implementations must
// be safe for concurrent use.
//
// A Lifecycle starts listening at its first Tick (or Run): a replica
// whose listener is not yet in place misses what is sent to it, and the
// sender's relayed action times out.
type Relay interface {
	// Listen hands each message sent to owner to handle, one at a time,
	// until ctx is done; it returns ctx's error, or why it could not
	// listen. Messages sent to an owner nobody listens for are dropped.
	Listen(ctx context.Context, owner string, handle func(msg []byte)) error
	// Send delivers msg to owner's listener without waiting for it to
	// be handled. A done ctx returns its error.
	Send(ctx context.Context, owner string, msg []byte) error
}

// MaxRelayMessage is the largest message a Relay must carry: what fits
// in a PostgreSQL notification, with room for the addressing.
const MaxRelayMessage = 7000

// Committer is an optional capability of a Store, discovered by type
// assertion: it stores a service and appends to a plan's journal in one
// atomic change. With it, the executor records a step's outcome, what the
// step changed in the service and the start of the next step in one
// write, instead of one write each; a shared database store saves two
// round trips and two commits per step.
//
// Implementations must be safe for concurrent use. A done ctx makes
// Commit return ctx.Err(), possibly wrapped, with nothing changed.
type Committer interface {
	// Commit does what Update(ctx, *s) and then Append(ctx, e) for each
	// of entries in order would do, atomically: on any error nothing is
	// stored. With a nil s it only appends. It returns the service as
	// stored (the zero Service when s is nil). Errors are those of Update
	// and Append: ErrConflict if s.Revision is not the stored revision or
	// an entry's Seq is not the next one, ErrNotFound if the service or a
	// plan is not stored.
	Commit(ctx context.Context, s *Service, entries ...JournalEntry) (Service, error)
}

// Held is a service an owner holds a lease on, as [Leaser.Acquire] found it.
type Held struct {
	ServiceID string
	Revision  int64
}
