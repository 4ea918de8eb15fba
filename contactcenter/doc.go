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
// # Errors and concurrency
//
// Errors wrap the package's sentinels ([ErrNotFound], [ErrExists],
// [ErrConflict], [ErrClosed], [ErrInvalidState], [ErrExpired],
// [ErrQuota], [ErrPermanent], [ErrNotEmpty]) and the adapters' own; check
// them with errors.Is. A Lifecycle is safe for concurrent use; work on one
// service is serialised. After [Lifecycle.Close], methods return
// ErrClosed.
package contactcenter
