// Package numbermap maps telephone numbers to the services that lease them,
// and says how each number routes at any instant: to its service during the
// lease's term, per the lease's retirement policy after it, then nowhere
// while it ages, then back in the pool.
//
// # Numbers
//
// A [Number] is in E.164 form: '+', a country code, then the national
// number, 8 to 15 digits in all, with no separators ("+15555550100").
// [Parse] accepts what people type ("+1 (555) 555-0100"), strips the visual
// separators and checks the syntax; what it refuses comes back as a
// [*ParseError] naming what is wrong, which unwraps to [ErrInvalidNumber].
// It does not yet know which country codes and lengths exist.
//
// # The pool and leases
//
// Numbers are slow and costly to obtain and must not be handed to someone
// else too soon, so eventcc keeps them in a long-lived pool shared by every
// event rather than buying them per event. A [Store] holds the pool: one
// [Record] per number ([Owned]: the number, its country, the carrier's
// reference) with the current [Lease], if any. [Store.Claim] leases numbers
// to a service for its term; [Store.SetExpiry] moves the term when the
// event is extended or shortened; [Store.Release] undoes a claim.
//
// # Routing and retirement
//
// Routing is computed, not stored: [Record.RouteAt] (and [Lookup], which
// reads the record first) compares the lease with the instant of the call.
// A number reaches its service until the lease's Expires; from that very
// instant it routes per the lease's post-term [Policy], even if no closing
// plan ran (the host crashed, the carrier is slow): it fails closed at
// expiry. The phases of a lease, each including its first instant and
// excluding its last:
//
//	until Expires                       RouteService: to the service's entry point
//	[Expires, Expires+For)              per Policy.Kind:
//	                                      Forward  RouteForward, to Policy.ForwardTo
//	                                      Announce RouteAnnounce, play Policy.Announcement
//	                                      Vacant   RouteVacant, not in service
//	                                      Release  RouteVacant (For is usually 0)
//	[Expires+For, Expires+For+Aging)    RouteVacant: the number ages
//	[Expires+For+Aging, ...)            RouteUnassigned: it may be leased again
//
// Aging protects callers: people keep dialling last year's number, and a
// number reassigned too soon reaches a stranger. [DefaultAging] is 90 days.
// US rules require at least 45 days ([MinAgingUS]) before a disconnected
// number is reassigned, 47 CFR 52.15(f)(1)(ii); other countries have their
// own. The policy is the template's; the Store applies what each lease
// says and [ValidatePolicy] checks only that the policy is well formed.
// [Record.AvailableFrom] is the instant a number may be leased again.
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
// (not enough available numbers to claim), [ErrConflict] (a claim at odds
// with what the service already holds), [ErrInvalid] (a malformed request
// or policy) and [ErrInvalidNumber] (a string [Parse] refused).
package numbermap
