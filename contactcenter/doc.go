// Package contactcenter runs an event's contact center from request to
// verified teardown.
//
// A host creates a [Lifecycle] with [New] from a [Config] of adapters —
// a [Store], a [Provisioner], an [EventSystem], an access.Store, a
// numbermap.Store and modality.Channels — and drives it:
//
//   - [Lifecycle.Plan] resolves a [Request] against its template and
//     returns the deploy and closing [Plan]s without side effects.
//   - [Lifecycle.Request] stores the service and its plans and schedules
//     the deploy at the term's start less the template's lead time.
//   - [Lifecycle.Run] (or [Lifecycle.Tick] on a simulated clock) deploys
//     due services, opens intake at the term's start, scales active
//     services from their traffic, stops intake at the term's end, and
//     runs the closing plan at expiry (end plus grace).
//   - [Lifecycle.Extend], [Lifecycle.Shorten], [Lifecycle.Reschedule],
//     [Lifecycle.Cancel] and [Lifecycle.Terminate] apply event changes.
//   - [Lifecycle.RegisterAttendee] and [Lifecycle.UnregisterAttendee]
//     grant and revoke an attendee's access to attendee-only features.
//   - [Lifecycle.Subscribe] delivers typed events ([StateChanged],
//     [StepEvent], [ScaleEvent], [TermChanged], [IntakeChanged],
//     [AttendeeChanged]);
//     [Lifecycle.Report] gives the timeline, usage and closing proof.
//
// # States
//
// A service moves Requested → Scheduled → Deploying → Ready → Active →
// Terminating → Terminated, and only along the arrows [CanTransition]
// allows. A deploy that fails permanently is undone and ends Failed; a
// cancelled service ends Cancelled, after its closing plan if anything
// was deployed.
//
// # Plans and the executor
//
// A plan is an ordered list of idempotent steps, JSON-serialisable, with
// a stable digest. The executor journals each attempt and outcome in the
// Store before moving on, so a Lifecycle that restarts on the same Store
// resumes exactly where the last one stopped. With a Store that is a
// [Committer], a step's outcome, what it changed in the service and the
// next step's start are one write, and the service's moves into and out
// of a plan's state ride on the plan's first and last writes. Replicas
// sharing a [Leaser] Store split the services between them, one owner
// per service at a time. A step that fails
// transiently is retried with exponential backoff measured on the
// lifecycle's clock; a permanent failure (an error marked with
// [Permanent], or wrapping [ErrQuota], or a deploy step out of retries)
// undoes the completed steps in reverse and fails the service. Closing
// steps are never abandoned: they are retried until they succeed, and the
// last one verifies that nothing is left — the provisioner's inventory
// empty, no grant authorising, no end point live, no number routing to
// the service — before the service is Terminated.
//
// # Guarantees
//
// Access grants end at the service's expiry and numbers route per their
// retirement policy from it, checked at check time, so the service fails
// closed even if the closing plan is late. Every time decision reads
// Config.Now. Bad requests return an error that errors.As finds as a
// *template.ValidationError naming every bad field, before anything is
// stored or provisioned.
//
// # Replicas
//
// Several Lifecycles, one per host process, may share one [Leaser] Store
// (and the access and number stores), each with its own Config.Owner:
//
//   - One owner per service: only the replica holding a service's lease
//     advances it, and opens its entry points on that replica's channels;
//     a replica that takes a service over (its owner died) or restarts
//     opens them on its own, and one that finds it lost a service
//     disconnects what is live on its channels and closes them there.
//   - A change is never lost to a race: a term change, a cancellation or
//     an attendee's registration may be made through any replica. It
//     reads the service as stored first, retries on a revision conflict,
//     and moves grants and number leases after storing the new expiry; the
//     owner's steps that issue grants or leases store their outcome
//     against the service's revision, and a conflict moves what they
//     issued to the stored expiry. Once both are done, no grant or lease
//     ends after the stored expiry, whichever replica wrote last. While an
//     owner's step is in flight (or if it dies inside it, until another
//     replica takes the service over) a grant it has just issued may still
//     carry the expiry it read.
//   - Clocks: leases are measured on the Store's clock where it has one
//     (pgstore uses the database server's), so skew between replicas never
//     gives a service two owners. Access and routing checks, which must be
//     fast, use each replica's own clock: a replica whose clock is δ
//     behind allows access and routes numbers up to δ past the expiry. Keep
//     replicas' clocks disciplined (NTP keeps them within milliseconds)
//     and count the bound on skew as part of the template's grace. The
//     owner's due timers (deploy, open, close) also run on its own clock.
//
// # Errors and concurrency
//
// Errors wrap the package's sentinels ([ErrNotFound], [ErrExists],
// [ErrConflict], [ErrClosed], [ErrInvalidState], [ErrExpired],
// [ErrQuota], [ErrPermanent], [ErrNotEmpty], [ErrFailed]) and the
// adapters' own; check
// them with errors.Is. A Lifecycle is safe for concurrent use; work on one
// service is serialised. After [Lifecycle.Close], methods return
// ErrClosed.
package contactcenter
