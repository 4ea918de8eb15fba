package numbermap

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// nonNegative returns d, or 0 if d is negative.
func nonNegative(d time.Duration) time.Duration { return max(d, 0) }

// phaseEnds returns when the policy period and the aging of l end. Negative
// durations count as zero.
func phaseEnds(l *Lease) (policyEnd, agingEnd time.Time) {
	policyEnd = l.Expires.Add(nonNegative(l.Policy.For))
	return policyEnd, policyEnd.Add(nonNegative(l.Policy.Aging))
}

// RouteAt returns how a call to r's number is routed at now. It compares
// now against the lease alone, so a number routes per its policy from the
// expiry instant whether or not anything ran at expiry:
//
//   - no lease: RouteUnassigned;
//   - before Lease.Expires: RouteService, with the lease's ServiceID,
//     EntryPoint and Modality;
//   - from Expires (inclusive) until Expires+Policy.For: per Policy.Kind,
//     RouteForward with ForwardTo, RouteAnnounce with Announcement, or
//     RouteVacant for Vacant and Release;
//   - from Expires+For until Expires+For+Policy.Aging: RouteVacant (the
//     number ages, not in service);
//   - from Expires+For+Aging on: RouteUnassigned (available).
//
// The Route always carries the number and the lease's ServiceID. It fails
// closed: during the policy period an unknown Kind, a Forward without a
// valid ForwardTo or an Announce without an Announcement routes as
// RouteVacant; negative durations count as zero.
func (r Record) RouteAt(now time.Time) Route {
	rt := Route{Kind: RouteUnassigned, Number: r.Number}
	l := r.Lease
	if l == nil {
		return rt
	}
	rt.ServiceID = l.ServiceID
	policyEnd, agingEnd := phaseEnds(l)
	switch {
	case now.Before(l.Expires):
		rt.Kind = RouteService
		rt.EntryPoint = l.EntryPoint
		rt.Modality = l.Modality
	case now.Before(policyEnd):
		rt.Kind = RouteVacant
		switch p := l.Policy; {
		case p.Kind == Forward && p.ForwardTo.Valid():
			rt.Kind = RouteForward
			rt.ForwardTo = p.ForwardTo
		case p.Kind == Announce && p.Announcement != "":
			rt.Kind = RouteAnnounce
			rt.Announcement = p.Announcement
		}
	case now.Before(agingEnd):
		rt.Kind = RouteVacant
	}
	return rt
}

// AvailableFrom returns the instant from which r's number may be leased
// again: AvailableAt if it has no lease, else the later of AvailableAt and
// the end of the lease's aging (Expires+Policy.For+Policy.Aging, negative
// durations counting as zero). It is the instant from which [Record.RouteAt]
// says RouteUnassigned, and the order in which [Store.Claim] prefers
// numbers.
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
// Kind, a valid ForwardTo with Forward, an Announcement with Announce, and
// For and Aging not negative. The error wraps [ErrInvalid] and names every
// problem.
func ValidatePolicy(p Policy) error {
	var problems []string
	switch p.Kind {
	case Forward:
		if !p.ForwardTo.Valid() {
			problems = append(problems, fmt.Sprintf("forward needs ForwardTo, a number in E.164 form, not %q", p.ForwardTo))
		}
	case Announce:
		if p.Announcement == "" {
			problems = append(problems, "announce needs an Announcement")
		}
	case Vacant, Release:
	default:
		problems = append(problems, fmt.Sprintf("unknown Kind %q, want %q, %q, %q or %q", p.Kind, Forward, Announce, Vacant, Release))
	}
	if p.For < 0 {
		problems = append(problems, fmt.Sprintf("For is negative (%v)", p.For))
	}
	if p.Aging < 0 {
		problems = append(problems, fmt.Sprintf("Aging is negative (%v)", p.Aging))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w policy: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return nil
}

// Lookup returns how a call to n is routed at now: the record from s.Get,
// then [Record.RouteAt]. Errors from s come back wrapped, so
// errors.Is(err, ErrNotFound) and errors.Is(err, context.Canceled) work.
// Safe for concurrent use if s is.
func Lookup(ctx context.Context, s Store, n Number, now time.Time) (Route, error) {
	rec, err := s.Get(ctx, n)
	if err != nil {
		return Route{}, fmt.Errorf("lookup %s: %w", n, err)
	}
	return rec.RouteAt(now), nil
}
