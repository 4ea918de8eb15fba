// Package numbermap maps telephone numbers to the services that lease them,
// and says how each number routes at any instant: to its service during the
// lease's term, per the lease's retirement policy after it, then nowhere
// while it ages, then back in the pool.
//
// # Numbers
//
// A [Number] is a string in E.164 form: '+', a country code, then the
// national number, at most 15 digits in all, with no separators
// ("+12025550100"). Numbers are stored and compared as that string.
//
// [Parse] is the project's definition of a valid E.164 number: a '+',
// a country calling code in service (one ITU-T has assigned, held in a
// small table compiled into this package), and 6 to 15 digits in all.
// It drops spaces, hyphens and dots ("+1 202-555-0100") and reads nothing
// else; [Number.Valid] checks the same on a Number, without allocating.
// Neither consults a numbering plan, so "+1 555 555 0100", in a fictional
// range, is valid. What Parse refuses comes back as a [*ParseError] whose
// [Problem] says why ([ProblemBadCountryCode], [ProblemTooLong]...), which
// unwraps to [ErrInvalidNumber].
//
// Reading numbers as people and carriers write them ("(202) 555-0100"
// for the US, "020 7946 0958" for the UK, "1-800-FLOWERS") and checking
// them against a country's numbering plan (lengths, ranges in use,
// country and type of a number) is the job of package
// github.com/eventcc/eventcc/numbermap/numberplan. It embeds the plan of
// github.com/nyaruka/phonenumbers (several megabytes, and milliseconds of
// initialisation), which is why it is a package of its own: a program
// that does not import it does not pay for it. Every number it returns
// is valid by Parse's definition, and it reports its refusals with the
// same [*ParseError].
//
// Parsing belongs where numbers enter the system: a pool being loaded, a
// template, a form. The call path never parses: it compares the dialled
// string with the numbers of the pool ([Lookup]).
//
// # The pool and leases
//
// Numbers are slow and costly to obtain and must not be handed to someone
// else too soon, so eventcc keeps them in a long-lived pool shared by every
// event rather than buying them per event. A [Store] holds the pool: one
// [Record] per number ([Owned]: the number, its country, region, type,
// capabilities and the carrier's reference) with the current [Lease], if
// any, and the lease before it. [Store.Claim] leases numbers to a service
// for its term, choosing by country, region, type and capabilities
// ([ClaimRequest.Matches]) among those available, the ones available
// longest first; when the pool cannot satisfy a claim, the
// [*InsufficientError] says how many were available, how many are held
// and when the next one frees up. [Store.SetExpiry] moves the term, and so
// the retirement, when the event is extended or shortened;
// [Store.Release] undoes a claim.
//
// # Routing and retirement
//
// Routing is computed, not stored: [RouteFor] (and [Record.RouteAt] and
// [Lookup]) compares the lease with the instant of the call. A number
// reaches its service until the lease's Expires; from that very instant it
// routes per the lease's post-term [Policy], even if no closing plan ran
// (the host crashed, the carrier is slow): it fails closed at expiry. The
// phases of a lease, each including its first instant and excluding its
// last:
//
//	until Expires                       RouteService: to the service's entry point
//	[Expires, Expires+For)              per Policy.Kind:
//	                                      Forward  RouteForward, to Policy.ForwardTo
//	                                      Announce RouteAnnounce, play Policy.Announcement
//	                                      Vacant   RouteVacant, not in service
//	                                      Park     RouteParked, held unassigned
//	                                      Release  RouteVacant (For is usually 0)
//	[Expires+For, +AgingPeriod)         RouteVacant: the number ages
//	from then on                        RouteUnassigned: it may be leased again
//
// Aging protects callers: people keep dialling last year's number, and a
// number reassigned too soon reaches a stranger. A policy's Aging is
// [DefaultAging] (90 days) when zero and at least [MinAging] (45 days, the
// US minimum of 47 CFR 52.15(f)(1)(ii), applied everywhere) otherwise;
// [ValidatePolicy] refuses less. A Store refuses to lease a number still
// aging and prefers those that have aged longest; [Record.AvailableFrom]
// is the instant a number may be leased again.
//
// # Stale calls
//
// A caller who saved last year's number may reach this year's event. A
// [Route] carries when the current lease began and which service held the
// number before, until when; [Route.StaleFor] tells, from the caller's
// last contact through the number (which the telephony channel keeps),
// whether the call was probably meant for the earlier service.
//
// # The call path
//
// [Lookup] routes a dialled number at an instant; [LookupTo] does it into
// a Route the caller keeps, which is what a telephony channel should call
// for each call. A Store that also implements [Router] answers without
// building a Record: package memnumbermap does so without a lock, without
// copying and without allocating, in tens of nanoseconds.
//
// # The Store contract
//
// [Store] implementations are safe for concurrent use, take and return
// copies, and return ctx.Err() for a done context with nothing changed.
// Claim is atomic and all-or-none, prefers the numbers available longest,
// never gives one number to two services, and is idempotent per service.
// Each method's documentation lists its errors. Package memnumbermap is the
// in-memory reference implementation; package numbermaptest is the
// conformance suite every implementation runs.
//
// # Errors
//
// Errors are checked with errors.Is against the sentinels: [ErrNotFound]
// (no such number), [ErrExists] (already in the pool), [ErrInsufficient]
// (not enough available numbers to claim, as an [*InsufficientError]),
// [ErrConflict] (a claim at odds with what the service already holds),
// [ErrInvalid] (a malformed request or policy, or a Number that is not
// [Number.Valid]) and [ErrInvalidNumber] (a string the parsers refused, as
// a [*ParseError]).
package numbermap
