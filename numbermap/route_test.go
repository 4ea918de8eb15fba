package numbermap_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

var (
	start   = time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	expires = time.Date(2026, time.March, 5, 18, 0, 0, 0, time.UTC)
	office  = numbermap.MustParse("+1 202 555 0199")
	number  = numbermap.MustParse("+1 202 555 0100")
)

// leased returns a record of number leased to "expo" until expires with p.
func leased(p numbermap.Policy) numbermap.Record {
	return numbermap.Record{
		Owned: numbermap.Owned{Number: number, Country: "US"},
		Lease: &numbermap.Lease{
			ServiceID:  "expo",
			EntryPoint: "main",
			Modality:   "telephony",
			Start:      start,
			Expires:    expires,
			Policy:     p,
		},
		Revision: 2,
	}
}

func TestRecordRouteAt(t *testing.T) {
	const (
		forTerm = 7 * 24 * time.Hour
		aging   = numbermap.MinAging
	)
	afterTerm := expires.Add(forTerm)
	aged := afterTerm.Add(aging)
	route := func(kind numbermap.RouteKind) numbermap.Route {
		return numbermap.Route{Kind: kind, Number: number, ServiceID: "expo", LeaseStart: start}
	}
	service := route(numbermap.RouteService)
	service.EntryPoint, service.Modality = "main", "telephony"
	vacant := route(numbermap.RouteVacant)
	unassigned := route(numbermap.RouteUnassigned)
	forward := route(numbermap.RouteForward)
	forward.ForwardTo = office
	announce := route(numbermap.RouteAnnounce)
	announce.Announcement = "expo-ended"

	policies := map[numbermap.PolicyKind]struct {
		policy   numbermap.Policy
		inPolicy numbermap.Route
	}{
		numbermap.Forward:  {numbermap.Policy{Kind: numbermap.Forward, ForwardTo: office, For: forTerm, Aging: aging}, forward},
		numbermap.Announce: {numbermap.Policy{Kind: numbermap.Announce, Announcement: "expo-ended", For: forTerm, Aging: aging}, announce},
		numbermap.Vacant:   {numbermap.Policy{Kind: numbermap.Vacant, For: forTerm, Aging: aging}, vacant},
		numbermap.Park:     {numbermap.Policy{Kind: numbermap.Park, For: forTerm, Aging: aging}, route(numbermap.RouteParked)},
		numbermap.Release:  {numbermap.Policy{Kind: numbermap.Release, For: forTerm, Aging: aging}, vacant},
	}
	for kind, p := range policies {
		t.Run(string(kind), func(t *testing.T) {
			rec := leased(p.policy)
			for _, c := range []struct {
				name string
				at   time.Time
				want numbermap.Route
			}{
				{"before the lease's start", start.Add(-time.Hour), service},
				{"in term", start.Add(time.Hour), service},
				{"1ns before expiry", expires.Add(-time.Nanosecond), service},
				{"at expiry", expires, p.inPolicy},
				{"1ns before the policy period ends", afterTerm.Add(-time.Nanosecond), p.inPolicy},
				{"when the policy period ends", afterTerm, vacant},
				{"1ns before aging ends", aged.Add(-time.Nanosecond), vacant},
				{"when aging ends", aged, unassigned},
				{"years later", aged.Add(3 * 365 * 24 * time.Hour), unassigned},
			} {
				assert.Equal(t, c.want, rec.RouteAt(c.at), "%s policy, %s", kind, c.name)
			}
		})
	}

	t.Run("no lease", func(t *testing.T) {
		rec := numbermap.Record{Owned: numbermap.Owned{Number: number}, AvailableAt: aged}
		assert.Equal(t, numbermap.Route{Kind: numbermap.RouteUnassigned, Number: number}, rec.RouteAt(start),
			"a number without a lease is unassigned, with no service")
	})
	t.Run("previous lease", func(t *testing.T) {
		rec := leased(numbermap.Policy{Kind: numbermap.Vacant})
		rec.Previous = &numbermap.Lease{ServiceID: "expo-2025", Start: start.AddDate(-1, 0, 0), Expires: expires.AddDate(-1, 0, 0)}
		want := service
		want.PreviousServiceID, want.PreviousExpires = "expo-2025", expires.AddDate(-1, 0, 0)
		assert.Equal(t, want, rec.RouteAt(start), "the route names the previous lease's service and expiry")
		rec.Lease = nil
		assert.Equal(t, numbermap.Route{Kind: numbermap.RouteUnassigned, Number: number, PreviousServiceID: "expo-2025", PreviousExpires: want.PreviousExpires},
			rec.RouteAt(start), "a released number still names the lease before")
	})
	t.Run("no policy period", func(t *testing.T) {
		rec := leased(numbermap.Policy{Kind: numbermap.Forward, ForwardTo: office, Aging: aging})
		assert.Equal(t, vacant, rec.RouteAt(expires), "with For 0 the number ages from expiry")
		assert.Equal(t, unassigned, rec.RouteAt(expires.Add(aging)), "then is unassigned")
	})
	t.Run("default aging", func(t *testing.T) {
		rec := leased(numbermap.Policy{Kind: numbermap.Vacant, For: forTerm})
		end := afterTerm.Add(numbermap.DefaultAging)
		assert.Equal(t, vacant, rec.RouteAt(end.Add(-time.Nanosecond)), "with Aging 0 the number ages DefaultAging")
		assert.Equal(t, unassigned, rec.RouteAt(end), "then is unassigned")
	})
	t.Run("fails closed", func(t *testing.T) {
		for name, p := range map[string]numbermap.Policy{
			"unknown kind":                  {Kind: "bogus", For: forTerm},
			"forward without a target":      {Kind: numbermap.Forward, For: forTerm},
			"forward to an invalid number":  {Kind: numbermap.Forward, ForwardTo: "0199", For: forTerm},
			"announce without announcement": {Kind: numbermap.Announce, For: forTerm},
		} {
			assert.Equal(t, vacant, leased(p).RouteAt(expires), "%s: vacant during the policy period", name)
			assert.Equal(t, service, leased(p).RouteAt(expires.Add(-time.Nanosecond)), "%s: service before expiry", name)
		}
		rec := leased(numbermap.Policy{Kind: numbermap.Forward, ForwardTo: office, For: -time.Hour, Aging: -time.Hour})
		assert.Equal(t, vacant, rec.RouteAt(expires), "a negative For counts as zero, a negative Aging as the default")
		assert.Equal(t, unassigned, rec.RouteAt(expires.Add(numbermap.DefaultAging)), "a negative Aging counts as the default")
		rec = leased(numbermap.Policy{Kind: numbermap.Vacant, Aging: time.Hour})
		assert.Equal(t, vacant, rec.RouteAt(expires.Add(numbermap.MinAging-time.Nanosecond)), "an Aging below the minimum counts as the minimum")
	})
}

func TestPolicyAgingPeriod(t *testing.T) {
	for aging, want := range map[time.Duration]time.Duration{
		0:                                numbermap.DefaultAging,
		-time.Hour:                       numbermap.DefaultAging,
		time.Hour:                        numbermap.MinAging,
		numbermap.MinAging:               numbermap.MinAging,
		60 * 24 * time.Hour:              60 * 24 * time.Hour,
		numbermap.DefaultAging:           numbermap.DefaultAging,
		180 * 24 * time.Hour:             180 * 24 * time.Hour,
		numbermap.MinAging - time.Second: numbermap.MinAging,
	} {
		assert.Equal(t, want, numbermap.Policy{Aging: aging}.AgingPeriod(), "AgingPeriod with Aging %v", aging)
	}
}

func TestRecordAvailableFrom(t *testing.T) {
	p := numbermap.Policy{Kind: numbermap.Forward, ForwardTo: office, For: 24 * time.Hour, Aging: numbermap.DefaultAging}
	end := expires.Add(24*time.Hour + numbermap.DefaultAging)
	later := end.Add(time.Hour)
	cases := []struct {
		name string
		rec  numbermap.Record
		want time.Time
	}{
		{"never leased", numbermap.Record{}, time.Time{}},
		{"released", numbermap.Record{AvailableAt: start}, start},
		{"leased", leased(p), end},
		{"leased, AvailableAt earlier", func() numbermap.Record { r := leased(p); r.AvailableAt = start; return r }(), end},
		{"leased, AvailableAt later", func() numbermap.Record { r := leased(p); r.AvailableAt = later; return r }(), later},
		{"negative durations", leased(numbermap.Policy{Kind: numbermap.Vacant, For: -time.Hour, Aging: -time.Hour}), expires.Add(numbermap.DefaultAging)},
		{"minimum aging", leased(numbermap.Policy{Kind: numbermap.Release, Aging: numbermap.MinAging}), expires.Add(numbermap.MinAging)},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.rec.AvailableFrom(), "AvailableFrom of a record %s", c.name)
	}
	rec := leased(p)
	assert.Equal(t, numbermap.RouteUnassigned, rec.RouteAt(rec.AvailableFrom()).Kind, "unassigned from AvailableFrom")
	assert.Equal(t, numbermap.RouteVacant, rec.RouteAt(rec.AvailableFrom().Add(-time.Nanosecond)).Kind, "aging until AvailableFrom")
}

func TestValidatePolicy(t *testing.T) {
	valid := []numbermap.Policy{
		{Kind: numbermap.Forward, ForwardTo: office, For: time.Hour, Aging: numbermap.DefaultAging},
		{Kind: numbermap.Announce, Announcement: "closed", For: time.Hour},
		{Kind: numbermap.Vacant, For: time.Hour, Aging: numbermap.MinAging},
		{Kind: numbermap.Park, For: 30 * 24 * time.Hour},
		{Kind: numbermap.Release},
		{Kind: numbermap.Release, Aging: 365 * 24 * time.Hour},
	}
	for _, p := range valid {
		assert.NoError(t, numbermap.ValidatePolicy(p), "ValidatePolicy(%+v) should accept it", p)
	}
	invalid := []struct {
		name   string
		policy numbermap.Policy
		says   []string
	}{
		{"forward without target", numbermap.Policy{Kind: numbermap.Forward}, []string{"forward needs ForwardTo"}},
		{"forward to a non-E.164 number", numbermap.Policy{Kind: numbermap.Forward, ForwardTo: "555-0199"}, []string{`not "555-0199"`}},
		{"announce without announcement", numbermap.Policy{Kind: numbermap.Announce}, []string{"announce needs an Announcement"}},
		{"unknown kind", numbermap.Policy{Kind: "bounce"}, []string{`unknown Kind "bounce"`}},
		{"no kind", numbermap.Policy{}, []string{`unknown Kind ""`}},
		{"negative For", numbermap.Policy{Kind: numbermap.Vacant, For: -time.Second}, []string{"For is negative (-1s)"}},
		{"negative Aging", numbermap.Policy{Kind: numbermap.Vacant, Aging: -time.Second}, []string{"Aging is negative (-1s)"}},
		{"Aging below the minimum", numbermap.Policy{Kind: numbermap.Vacant, Aging: 44 * 24 * time.Hour}, []string{"Aging 1056h0m0s is below the minimum of 45 days"}},
		{"every problem", numbermap.Policy{Kind: numbermap.Forward, For: -time.Second, Aging: time.Minute},
			[]string{"forward needs ForwardTo", "For is negative", "below the minimum"}},
	}
	for _, c := range invalid {
		err := numbermap.ValidatePolicy(c.policy)
		require.ErrorIs(t, err, numbermap.ErrInvalid, "ValidatePolicy with %s", c.name)
		for _, s := range c.says {
			assert.ErrorContains(t, err, s, "ValidatePolicy with %s names the problem", c.name)
		}
	}
}

func TestRouteStaleFor(t *testing.T) {
	rt := numbermap.Route{Kind: numbermap.RouteService, Number: number, ServiceID: "expo-2026", LeaseStart: start,
		PreviousServiceID: "expo-2025", PreviousExpires: expires.AddDate(-1, 0, 0)}
	cases := []struct {
		name        string
		route       numbermap.Route
		lastContact time.Time
		want        bool
	}{
		{"caller of the previous event", rt, expires.AddDate(-1, 0, -1), true},
		{"caller just before the lease began", rt, start.Add(-time.Nanosecond), true},
		{"caller when the lease began", rt, start, false},
		{"caller of this event", rt, start.Add(time.Hour), false},
		{"caller never seen", rt, time.Time{}, false},
		{"not a service route", func() numbermap.Route { r := rt; r.Kind = numbermap.RouteVacant; return r }(), expires.AddDate(-1, 0, -1), false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.route.StaleFor(c.lastContact), "StaleFor: %s", c.name)
	}
}

func TestClaimRequestMatches(t *testing.T) {
	o := numbermap.Owned{Number: number, Country: "US", Region: "US-DC", Type: numbermap.TypeLocal, Capabilities: numbermap.Voice | numbermap.SMS}
	for _, c := range []struct {
		req  numbermap.ClaimRequest
		want bool
	}{
		{numbermap.ClaimRequest{}, true},
		{numbermap.ClaimRequest{Country: "US"}, true},
		{numbermap.ClaimRequest{Country: "GB"}, false},
		{numbermap.ClaimRequest{Region: "US-DC"}, true},
		{numbermap.ClaimRequest{Region: "US-NY"}, false},
		{numbermap.ClaimRequest{Type: numbermap.TypeLocal}, true},
		{numbermap.ClaimRequest{Type: numbermap.TypeTollFree}, false},
		{numbermap.ClaimRequest{Capabilities: numbermap.SMS}, true},
		{numbermap.ClaimRequest{Capabilities: numbermap.Voice | numbermap.SMS}, true},
		{numbermap.ClaimRequest{Capabilities: numbermap.SMS | numbermap.MMS}, false},
		{numbermap.ClaimRequest{Country: "US", Region: "US-DC", Type: numbermap.TypeLocal, Capabilities: numbermap.Voice}, true},
	} {
		assert.Equal(t, c.want, c.req.Matches(o), "%+v matches %+v", c.req, o)
	}
}

func TestCapabilities(t *testing.T) {
	for c, want := range map[numbermap.Capabilities]string{
		0:                               "none",
		numbermap.Voice:                 "voice",
		numbermap.Voice | numbermap.SMS: "voice+sms",
		numbermap.Voice | numbermap.SMS | numbermap.MMS: "voice+sms+mms",
		numbermap.SMS | 0x80:                            "sms+0x80",
	} {
		assert.Equal(t, want, c.String(), "Capabilities(%d).String()", c)
	}
	assert.True(t, (numbermap.Voice | numbermap.SMS).Has(numbermap.SMS), "voice+sms has sms")
	assert.True(t, numbermap.Voice.Has(0), "every set has the empty set")
	assert.False(t, numbermap.Voice.Has(numbermap.Voice|numbermap.SMS), "voice lacks sms")
}

func TestInsufficientError(t *testing.T) {
	next := time.Date(2026, time.June, 1, 9, 0, 0, 0, time.UTC)
	err := error(&numbermap.InsufficientError{
		Request:   numbermap.ClaimRequest{Lease: numbermap.Lease{ServiceID: "expo"}, Count: 3, Country: "GB", Type: numbermap.TypeTollFree, Capabilities: numbermap.SMS, At: start},
		Available: 1, Held: 4, NextAvailable: next,
	})
	assert.ErrorIs(t, err, numbermap.ErrInsufficient, "an *InsufficientError is ErrInsufficient")
	assert.EqualError(t, err, `numbermap: claim of 3 numbers (country GB, toll-free, capable of sms) for "expo" at 2026-03-02T08:00:00Z: `+
		`1 available, 4 more leased or aging, the first of them available from 2026-06-01T09:00:00Z: not enough available numbers`,
		"the message says what was asked and how far the pool fell short")
	err = &numbermap.InsufficientError{Request: numbermap.ClaimRequest{Lease: numbermap.Lease{ServiceID: "expo"}, Count: 1, At: start}}
	assert.EqualError(t, err, `numbermap: claim of 1 numbers (any number) for "expo" at 2026-03-02T08:00:00Z: 0 available, 0 more leased or aging: not enough available numbers`,
		"without held numbers the message gives no instant")
}

// getOnly hides a Store's Router, so Lookup takes the Get path.
type getOnly struct{ numbermap.Store }

func TestLookup(t *testing.T) {
	ctx := context.Background()
	s := memnumbermap.New()
	require.NoError(t, s.Add(ctx, numbermap.Owned{Number: number, Country: "US"}), "precondition: Add")
	rec := leased(numbermap.Policy{Kind: numbermap.Forward, ForwardTo: office, For: time.Hour})
	_, err := s.Claim(ctx, numbermap.ClaimRequest{Lease: *rec.Lease, Count: 1, At: start})
	require.NoError(t, err, "precondition: Claim")

	for name, store := range map[string]numbermap.Store{"Router": s, "Get": getOnly{s}} {
		for _, at := range []time.Time{start, expires.Add(-time.Nanosecond), expires, expires.Add(time.Hour)} {
			got, err := numbermap.Lookup(ctx, store, number, at)
			require.NoError(t, err, "Lookup at %v (%s)", at, name)
			assert.Equal(t, rec.RouteAt(at), got, "Lookup is RouteAt of the record, at %v (%s)", at, name)
		}
		_, err = numbermap.Lookup(ctx, store, office, start)
		assert.ErrorIs(t, err, numbermap.ErrNotFound, "Lookup of a number not in the pool (%s)", name)
		assert.ErrorContains(t, err, string(office), "the error names the number (%s)", name)

		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		_, err = numbermap.Lookup(cancelled, store, number, start)
		assert.ErrorIs(t, err, context.Canceled, "Lookup with a cancelled ctx (%s)", name)
	}
}

// FuzzRouteAt checks RouteAt at arbitrary instants against the phase
// definitions, computed here in integer nanoseconds from the expiry.
func FuzzRouteAt(f *testing.F) {
	f.Add(true, uint8(0), true, int64(time.Hour), int64(2*time.Hour), int64(-1))
	f.Add(true, uint8(1), true, int64(time.Hour), int64(numbermap.MinAging), int64(time.Hour))
	f.Add(true, uint8(2), false, int64(0), int64(0), int64(0))
	f.Add(true, uint8(5), false, int64(time.Hour), int64(0), int64(time.Minute))
	f.Fuzz(func(t *testing.T, hasLease bool, kind uint8, targets bool, forNS, agingNS, sinceExpiry int64) {
		const bound = int64(100 * 365 * 24 * time.Hour) // keep instants within a few centuries
		forNS %= bound
		agingNS %= bound
		kinds := []numbermap.PolicyKind{numbermap.Forward, numbermap.Announce, numbermap.Vacant, numbermap.Release, "bogus", numbermap.Park}
		p := numbermap.Policy{
			Kind:  kinds[int(kind)%len(kinds)],
			For:   time.Duration(forNS),
			Aging: time.Duration(agingNS),
		}
		if targets { // else Forward and Announce lack what they need
			p.ForwardTo = office
			p.Announcement = "ended"
		}
		rec := leased(p)
		if !hasLease {
			rec.Lease = nil
		}
		now := expires.Add(time.Duration(sinceExpiry))
		rt := rec.RouteAt(now)

		if rt.Number != rec.Number {
			t.Fatalf("route %+v does not carry the number %s", rt, rec.Number)
		}
		if !hasLease {
			if rt != (numbermap.Route{Kind: numbermap.RouteUnassigned, Number: rec.Number}) {
				t.Fatalf("a number without a lease routes %+v; want unassigned", rt)
			}
			return
		}
		if rt.ServiceID != "expo" || !rt.LeaseStart.Equal(start) {
			t.Fatalf("route %+v does not carry the lease's service and start", rt)
		}
		aging := agingNS
		switch {
		case aging <= 0:
			aging = int64(numbermap.DefaultAging)
		case aging < int64(numbermap.MinAging):
			aging = int64(numbermap.MinAging)
		}
		policyEnd := max(forNS, 0)
		agingEnd := policyEnd + aging
		var want numbermap.RouteKind
		switch {
		case sinceExpiry < 0:
			want = numbermap.RouteService
		case sinceExpiry < policyEnd:
			want = numbermap.RouteVacant
			switch {
			case p.Kind == numbermap.Forward && targets:
				want = numbermap.RouteForward
			case p.Kind == numbermap.Announce && targets:
				want = numbermap.RouteAnnounce
			case p.Kind == numbermap.Park:
				want = numbermap.RouteParked
			}
		case sinceExpiry < agingEnd:
			want = numbermap.RouteVacant
		default:
			want = numbermap.RouteUnassigned
		}
		if rt.Kind != want {
			t.Fatalf("policy %+v, %v after expiry: route %s; want %s", p, time.Duration(sinceExpiry), rt.Kind, want)
		}
		if (rt.EntryPoint != "" || rt.Modality != "") != (rt.Kind == numbermap.RouteService) {
			t.Fatalf("route %+v: EntryPoint and Modality go with service routes only", rt)
		}
		if (rt.ForwardTo != "") != (rt.Kind == numbermap.RouteForward) {
			t.Fatalf("route %+v: ForwardTo goes with forward routes only", rt)
		}
		if (rt.Announcement != "") != (rt.Kind == numbermap.RouteAnnounce) {
			t.Fatalf("route %+v: Announcement goes with announce routes only", rt)
		}
		if avail := !rec.AvailableFrom().After(now); avail != (rt.Kind == numbermap.RouteUnassigned) {
			t.Fatalf("policy %+v at %v: AvailableFrom %v disagrees with route %s", p, now, rec.AvailableFrom(), rt.Kind)
		}
	})
}

// FuzzLookup looks up arbitrary strings, as a telephony channel would
// with the dialled number from a call, in a pool of a few numbers. A
// string that is exactly a number of the pool routes as its record says;
// anything else, however close, is ErrNotFound.
func FuzzLookup(f *testing.F) {
	for _, s := range []string{"+12025550100", "+12025550101", "+442079460958", "+1 202 555 0100", "12025550100", "+120255501000",
		"+1202555010", "", "+", "+0", "+１２０２５５５０１００", "+12025550100\x00", "+999999999999999"} {
		f.Add(s, int64(0))
	}
	f.Add("+12025550100", int64(-1))
	f.Add("+12025550101", int64(numbermap.DefaultAging))
	ctx := context.Background()
	s := memnumbermap.New()
	pooled := []numbermap.Number{number, numbermap.MustParse("+1 202 555 0101"), numbermap.MustParse("+44 20 7946 0958"), numbermap.MustParse("+800 1234 5678")}
	for _, n := range pooled {
		if err := s.Add(ctx, numbermap.Owned{Number: n}); err != nil {
			f.Fatalf("Add: %v", err)
		}
	}
	_, err := s.Claim(ctx, numbermap.ClaimRequest{Lease: *leased(numbermap.Policy{Kind: numbermap.Park, For: time.Hour}).Lease, Count: 2, At: start})
	if err != nil {
		f.Fatalf("Claim: %v", err)
	}
	f.Fuzz(func(t *testing.T, in string, sinceExpiry int64) {
		at := expires.Add(time.Duration(sinceExpiry))
		for name, store := range map[string]numbermap.Store{"Router": s, "Get": getOnly{s}} {
			rt, err := numbermap.Lookup(ctx, store, numbermap.Number(in), at)
			pooledNumber := false
			for _, n := range pooled {
				pooledNumber = pooledNumber || string(n) == in
			}
			if !pooledNumber {
				if !errors.Is(err, numbermap.ErrNotFound) {
					t.Fatalf("Lookup(%q) (%s) = %+v, %v; want ErrNotFound for a string that is not a number of the pool", in, name, rt, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("Lookup(%q) (%s): %v", in, name, err)
			}
			rec, err := s.Get(ctx, numbermap.Number(in))
			if err != nil {
				t.Fatalf("Get(%q): %v", in, err)
			}
			if want := rec.RouteAt(at); rt != want {
				t.Fatalf("Lookup(%q, %v) (%s) = %+v; want %+v", in, at, name, rt, want)
			}
		}
	})
}

func ExampleRecord_RouteAt() {
	rec := numbermap.Record{
		Owned: numbermap.Owned{Number: numbermap.MustParse("+1 202 555 0100"), Country: "US"},
		Lease: &numbermap.Lease{
			ServiceID: "expo-2026",
			Start:     time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC),
			Expires:   time.Date(2026, time.March, 5, 18, 0, 0, 0, time.UTC),
			Policy: numbermap.Policy{
				Kind:         numbermap.Announce,
				Announcement: "expo-2026-ended", // a prompt the telephony channel plays
				For:          14 * 24 * time.Hour,
				Aging:        numbermap.MinAging,
			},
		},
	}
	for _, day := range []int{4, 5, 19, 20, 30} {
		// Calls at noon; the lease expires at 18:00 on the 5th.
		at := time.Date(2026, time.March, day, 12, 0, 0, 0, time.UTC)
		rt := rec.RouteAt(at)
		if rt.Kind == numbermap.RouteAnnounce {
			fmt.Printf("%s: %s %q\n", at.Format("Jan 2"), rt.Kind, rt.Announcement)
			continue
		}
		fmt.Printf("%s: %s\n", at.Format("Jan 2"), rt.Kind)
	}
	fmt.Println("available from", rec.AvailableFrom().Format(time.DateTime))
	// Output:
	// Mar 4: service
	// Mar 5: service
	// Mar 19: announce "expo-2026-ended"
	// Mar 20: vacant
	// Mar 30: vacant
	// available from 2026-05-03 18:00:00
}

// A caller who last called the number during last year's event reaches
// this year's: the channel can tell.
func ExampleRoute_StaleFor() {
	rec := numbermap.Record{
		Owned:    numbermap.Owned{Number: numbermap.MustParse("+1 202 555 0100")},
		Lease:    &numbermap.Lease{ServiceID: "expo-2027", Start: time.Date(2027, time.February, 1, 0, 0, 0, 0, time.UTC), Expires: time.Date(2027, time.March, 5, 18, 0, 0, 0, time.UTC)},
		Previous: &numbermap.Lease{ServiceID: "expo-2026", Start: time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC), Expires: time.Date(2026, time.March, 5, 18, 0, 0, 0, time.UTC)},
	}
	rt := rec.RouteAt(time.Date(2027, time.March, 1, 10, 0, 0, 0, time.UTC))
	lastCall := time.Date(2026, time.March, 4, 9, 30, 0, 0, time.UTC) // from the channel's call history
	if rt.StaleFor(lastCall) {
		fmt.Printf("caller last reached %s (ended %s); this number now serves %s\n",
			rt.PreviousServiceID, rt.PreviousExpires.Format(time.DateOnly), rt.ServiceID)
	}
	// Output:
	// caller last reached expo-2026 (ended 2026-03-05); this number now serves expo-2027
}

// A telephony channel routes each call with LookupTo, into a Route it
// keeps: on a Store with a Router, such as memnumbermap's, that neither
// copies nor allocates.
func ExampleLookupTo() {
	ctx := context.Background()
	store := memnumbermap.New()
	if err := store.Add(ctx, numbermap.Owned{Number: numbermap.MustParse("+1 202 555 0100")}); err != nil {
		panic(err)
	}
	term := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	_, err := store.Claim(ctx, numbermap.ClaimRequest{
		Lease: numbermap.Lease{ServiceID: "expo-2026", EntryPoint: "main", Start: term, Expires: term.Add(72 * time.Hour),
			Policy: numbermap.Policy{Kind: numbermap.Park, For: 30 * 24 * time.Hour}},
		Count: 1, At: term,
	})
	if err != nil {
		panic(err)
	}

	var rt numbermap.Route // one per call, or per goroutine
	for _, dialled := range []numbermap.Number{"+12025550100", "+12025550101"} {
		if err := numbermap.LookupTo(ctx, store, dialled, term.Add(time.Hour), &rt); err != nil {
			fmt.Println(errors.Is(err, numbermap.ErrNotFound), err)
			continue
		}
		fmt.Println(dialled, rt.Kind, rt.ServiceID, rt.EntryPoint)
	}
	// Output:
	// +12025550100 service expo-2026 main
	// true lookup "+12025550101": memnumbermap: route "+12025550101": numbermap: number not found
}
