package numbermap

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// nonNegative returns d, or 0 if d is negative.
func nonNegative(d time.Duration) time.Duration { return max(d, 0) }

// phaseEnds returns when the policy period and the aging of l end. A
// negative For counts as zero; the aging is [Policy.AgingPeriod].
func phaseEnds(l *Lease) (policyEnd, agingEnd time.Time) {
	policyEnd = l.Expires.Add(nonNegative(l.Policy.For))
	return policyEnd, policyEnd.Add(l.Policy.AgingPeriod())
}

// RouteFor returns how a call to n is routed at now, given n's current
// lease (nil if none) and the lease before it (nil if none). It reads the
// leases and does not keep them. [Record.RouteAt] is RouteFor(r.Number,
// r.Lease, r.Previous, now); [Route.Set] is its in-place form, with which
// a [Router] routes without building a Record. It compares now against the lease alone, so a number routes
// per its policy from the expiry instant whether or not anything ran at
// expiry:
//
//   - no lease: RouteUnassigned;
//   - before Lease.Expires: RouteService, with the lease's ServiceID,
//     EntryPoint and Modality;
//   - from Expires (inclusive) until Expires+Policy.For: per Policy.Kind,
//     RouteForward with ForwardTo, RouteAnnounce with Announcement,
//     RouteParked for Park, or RouteVacant for Vacant and Release;
//   - from Expires+For until Expires+For+Policy.AgingPeriod():
//     RouteVacant (the number ages, not in service);
//   - from then on: RouteUnassigned (available).
//
// The Route always carries the number; with a lease, its ServiceID and
// Start (LeaseStart); with a previous lease, its ServiceID and Expires. It
// fails closed: during the policy period an unknown Kind, a Forward
// without a valid ForwardTo or an Announce without an Announcement routes
// as RouteVacant; a negative For counts as zero; the aging is never
// shorter than [Policy.AgingPeriod] says.
func RouteFor(n Number, current, previous *Lease, now time.Time) Route {
	var rt Route
	rt.Set(n, current, previous, now)
	return rt
}

// Set makes *rt the route [RouteFor] returns, in place: a [Router] fills
// its caller's Route with it without copying one.
func (rt *Route) Set(n Number, current, previous *Lease, now time.Time) {
	*rt = Route{Kind: RouteUnassigned, Number: n}
	if previous != nil {
		rt.PreviousServiceID = previous.ServiceID
		rt.PreviousExpires = previous.Expires
	}
	l := current
	if l == nil {
		return
	}
	rt.ServiceID = l.ServiceID
	rt.LeaseStart = l.Start
	if now.Before(l.Expires) {
		rt.Kind = RouteService
		rt.EntryPoint = l.EntryPoint
		rt.Modality = l.Modality
		return
	}
	policyEnd, agingEnd := phaseEnds(l)
	switch {
	case now.Before(policyEnd):
		rt.Kind = RouteVacant
		switch p := &l.Policy; {
		case p.Kind == Forward && p.ForwardTo.Valid():
			rt.Kind = RouteForward
			rt.ForwardTo = p.ForwardTo
		case p.Kind == Announce && p.Announcement != "":
			rt.Kind = RouteAnnounce
			rt.Announcement = p.Announcement
		case p.Kind == Park:
			rt.Kind = RouteParked
		}
	case now.Before(agingEnd):
		rt.Kind = RouteVacant
	}
}

// RouteAt returns how a call to r's number is routed at now:
// [RouteFor](r.Number, r.Lease, r.Previous, now), which says what each
// phase of the lease routes to.
func (r Record) RouteAt(now time.Time) Route {
	return RouteFor(r.Number, r.Lease, r.Previous, now)
}

// AvailableFrom returns the instant from which r's number may be leased
// again: AvailableAt if it has no lease, else the later of AvailableAt and
// the end of the lease's aging (Expires+Policy.For+Policy.AgingPeriod(), a
// negative For counting as zero). It is the instant from which
// [Record.RouteAt] says RouteUnassigned, and the order in which
// [Store.Claim] prefers numbers.
func (r Record) AvailableFrom() time.Time {
	if r.Lease == nil {
		return r.AvailableAt
	}
	_, agingEnd := phaseEnds(r.Lease)
	if r.AvailableAt.After(agingEnd) {
		return r.AvailableAt
	}
	return agingEnd
}

// ValidatePolicy reports whether p is a policy a lease may carry: a known
// Kind, a valid ForwardTo with Forward, an Announcement with Announce, For
// not negative, and Aging 0 (for [DefaultAging]) or at least [MinAging].
// The error wraps [ErrInvalid] and names every problem.
func ValidatePolicy(p Policy) error {
	var problems []string
	switch p.Kind {
	case Forward:
		if !p.ForwardTo.Valid() {
			problems = append(problems, fmt.Sprintf("forward needs ForwardTo, a valid E.164 number, not %q", p.ForwardTo))
		}
	case Announce:
		if p.Announcement == "" {
			problems = append(problems, "announce needs an Announcement")
		}
	case Vacant, Park, Release:
	default:
		problems = append(problems, fmt.Sprintf("unknown Kind %q, want %q, %q, %q, %q or %q",
			p.Kind, Forward, Announce, Vacant, Park, Release))
	}
	if p.For < 0 {
		problems = append(problems, fmt.Sprintf("For is negative (%v)", p.For))
	}
	switch {
	case p.Aging < 0:
		problems = append(problems, fmt.Sprintf("Aging is negative (%v)", p.Aging))
	case p.Aging > 0 && p.Aging < MinAging:
		problems = append(problems, fmt.Sprintf("Aging %v is below the minimum of 45 days (%v), 47 CFR 52.15(f)(1)(ii); 0 means the default of 90 days",
			p.Aging, MinAging))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w policy: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return nil
}

// Lookup returns how a call to n is routed at now: through s's [Router]
// if it has one, else [Store.Get] then [Record.RouteAt]. n is compared as
// given, never parsed: a string not in E.164 form is not found. Errors
// from s come back wrapped, so errors.Is(err, ErrNotFound) and
// errors.Is(err, context.Canceled) work. Safe for concurrent use if s is.
//
// Lookup allocates the Route it returns; the call path uses [LookupTo].
func Lookup(ctx context.Context, s Store, n Number, now time.Time) (Route, error) {
	var rt Route
	err := LookupTo(ctx, s, n, now, &rt)
	return rt, err
}

// LookupTo is [Lookup] for the call path: it sets *dst, which the caller
// keeps (one per call, or per goroutine), instead of returning a Route,
// so that with a [Router] such as memnumbermap's it neither copies nor
// allocates. On error *dst is the zero Route.
func LookupTo(ctx context.Context, s Store, n Number, now time.Time, dst *Route) error {
	if r, ok := s.(Router); ok {
		if err := r.Route(ctx, n, now, dst); err != nil {
			*dst = Route{}
			return fmt.Errorf("lookup %q: %w", n, err)
		}
		return nil
	}
	rec, err := s.Get(ctx, n)
	if err != nil {
		*dst = Route{}
		return fmt.Errorf("lookup %q: %w", n, err)
	}
	dst.Set(n, rec.Lease, rec.Previous, now)
	return nil
}

// InsufficientError is the error of a claim the pool cannot satisfy. It
// unwraps to [ErrInsufficient].
type InsufficientError struct {
	Request ClaimRequest // the claim refused
	// Available is how many numbers matching the request were available at
	// Request.At: fewer than Request.Count.
	Available int
	// Held is how many numbers matching the request were not available at
	// Request.At: leased, under a post-term policy or aging.
	Held int
	// NextAvailable is the earliest instant after Request.At at which one
	// of the Held numbers becomes available; zero if none is held.
	NextAvailable time.Time
}

func (e *InsufficientError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "numbermap: claim of %d numbers (%s) for %q at %s: %d available, %d more leased or aging",
		e.Request.Count, describeCriteria(&e.Request), e.Request.Lease.ServiceID,
		e.Request.At.Format(time.RFC3339), e.Available, e.Held)
	if !e.NextAvailable.IsZero() {
		fmt.Fprintf(&b, ", the first of them available from %s", e.NextAvailable.Format(time.RFC3339))
	}
	b.WriteString(": not enough available numbers")
	return b.String()
}

// Unwrap returns [ErrInsufficient].
func (e *InsufficientError) Unwrap() error { return ErrInsufficient }

// describeCriteria says what numbers req asks for.
func describeCriteria(req *ClaimRequest) string {
	var parts []string
	if req.Country != "" {
		parts = append(parts, "country "+req.Country)
	}
	if req.Region != "" {
		parts = append(parts, "region "+req.Region)
	}
	if req.Type != "" {
		parts = append(parts, string(req.Type))
	}
	if req.Capabilities != 0 {
		parts = append(parts, "capable of "+req.Capabilities.String())
	}
	if len(parts) == 0 {
		return "any number"
	}
	return strings.Join(parts, ", ")
}
