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
//     grant and revoke an attendee's access to attendee-only features;
//     [Lifecycle.AttendeeToken] mints the token their page embeds.
//   - [Lifecycle.Desk] is where a service's agents work, and
//     [Lifecycle.QueueStats] what its queues are doing (see Engagements).
//   - [Lifecycle.Subscribe] delivers typed events ([StateChanged],
//     [StepEvent], [ScaleEvent], [TermChanged], [IntakeChanged],
//     [AttendeeChanged], [EngagementEvent]);
//     [Lifecycle.Report] gives the timeline, usage, how each queue did,
//     the cost and the closing proof, as JSON or as a one-page HTML
//     ([Report.WriteHTML]).
//
// # Engagements
//
// When a service opens in a process, the lifecycle gives it a router
// (modality/routing) and a desk (contactcenter/desk) there, and hands the
// router to its channels ([modality.Setup.Router]): each engagement that
// reaches a queue (at a queue's entry point, or when the attendee picks
// one at the receptionist) waits there until an agent accepts it. The
// router's decisions go to the channel (connect, requeue, end) and to
// subscribers as [EngagementEvent]s, outside its lock.
//
// Agents are people. The scaler's agent seats are filled from the
// [Roster] ([Service.Staff]); each person on duty has a grant whose
// principal is them, and opens a session at the [Desk] with a token
// issued for it (an access.Authority with keys as [Config.Access]).
// Every action is authorised on the authority's clock: access that ends
// mid-session (expiry, revocation, release by the scaler) ends the
// session at the next action, and what the agent held is requeued.
// Admission counts the agents the scaler may still add; the channels'
// capacity is the server space the service may grow to.
//
// The router's statistics, with a timeline of arrivals, answers and
// agents, are stored with the service at scaling decisions and by the
// closing plan, so the report outlives the process. With
// [Config.Engagements], every engagement is recorded as the router
// decides (batched at each tick): a replica that takes the service over
// puts the live ones back in their queues. A line acts only while its
// lease lasts ([ErrElsewhere] after), so a replica that lost a service
// offers nothing the new owner routes. With a [Config.Relay], an agent
// whose desktop is connected to another replica acts through it.
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
// a stable digest. A deploy plan's first step claims the service's
// telephone numbers from the pool, asking for those that carry what its
// modalities need ([Step].Capabilities: voice for telephony, SMS for
// sms); a pool without enough of them fails the deploy at once, and the
// error names the capability. The executor journals each attempt and
// outcome in the Store before moving on, so a Lifecycle that restarts on
// the same Store resumes exactly where the last one stopped. With a
// Store that is a [Committer], a step's outcome, what it changed in the
// service and the next step's start are one write, and the service's
// moves into and out of a plan's state ride on the plan's first and last
// writes. Replicas
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
