package numbermap_test

import (
	"context"
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
	office  = numbermap.MustParse("+1 555 555 0199")
)

// leased returns a record of +15555550100 leased to "expo" until expires
// with p.
func leased(p numbermap.Policy) numbermap.Record {
	return numbermap.Record{
		Owned: numbermap.Owned{Number: "+15555550100", Country: "US"},
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
		aging   = numbermap.MinAgingUS
	)
	afterTerm := expires.Add(forTerm)
	aged := afterTerm.Add(aging)
	service := numbermap.Route{Kind: numbermap.RouteService, Number: "+15555550100", ServiceID: "expo", EntryPoint: "main", Modality: "telephony"}
	vacant := numbermap.Route{Kind: numbermap.RouteVacant, Number: "+15555550100", ServiceID: "expo"}
	unassigned := numbermap.Route{Kind: numbermap.RouteUnassigned, Number: "+15555550100", ServiceID: "expo"}
	forward := numbermap.Route{Kind: numbermap.RouteForward, Number: "+15555550100", ServiceID: "expo", ForwardTo: office}
	announce := numbermap.Route{Kind: numbermap.RouteAnnounce, Number: "+15555550100", ServiceID: "expo", Announcement: "The expo has ended."}

	policies := map[numbermap.PolicyKind]struct {
		policy   numbermap.Policy
		inPolicy numbermap.Route
	}{
		numbermap.Forward:  {numbermap.Policy{Kind: numbermap.Forward, ForwardTo: office, For: forTerm, Aging: aging}, forward},
		numbermap.Announce: {numbermap.Policy{Kind: numbermap.Announce, Announcement: "The expo has ended.", For: forTerm, Aging: aging}, announce},
		numbermap.Vacant:   {numbermap.Policy{Kind: numbermap.Vacant, For: forTerm, Aging: aging}, vacant},
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
		rec := numbermap.Record{Owned: numbermap.Owned{Number: "+15555550100"}, AvailableAt: aged}
		assert.Equal(t, numbermap.Route{Kind: numbermap.RouteUnassigned, Number: "+15555550100"}, rec.RouteAt(start),
			"a number without a lease is unassigned, with no service")
	})
	t.Run("no policy period", func(t *testing.T) {
		rec := leased(numbermap.Policy{Kind: numbermap.Forward, ForwardTo: office, Aging: aging})
		assert.Equal(t, vacant, rec.RouteAt(expires), "with For 0 the number ages from expiry")
		assert.Equal(t, unassigned, rec.RouteAt(expires.Add(aging)), "then is unassigned")
	})
	t.Run("no aging", func(t *testing.T) {
		rec := leased(numbermap.Policy{Kind: numbermap.Vacant, For: forTerm})
		assert.Equal(t, unassigned, rec.RouteAt(afterTerm), "with Aging 0 the number is unassigned when the policy period ends")
	})
	t.Run("fails closed", func(t *testing.T) {
		for name, p := range map[string]numbermap.Policy{
			"unknown kind":                  {Kind: "park", For: forTerm},
			"forward without a target":      {Kind: numbermap.Forward, For: forTerm},
			"forward to an invalid number":  {Kind: numbermap.Forward, ForwardTo: "0199", For: forTerm},
			"announce without announcement": {Kind: numbermap.Announce, For: forTerm},
		} {
			assert.Equal(t, vacant, leased(p).RouteAt(expires), "%s: vacant during the policy period", name)
			assert.Equal(t, service, leased(p).RouteAt(expires.Add(-time.Nanosecond)), "%s: service before expiry", name)
		}
		rec := leased(numbermap.Policy{Kind: numbermap.Forward, ForwardTo: office, For: -time.Hour, Aging: -time.Hour})
		assert.Equal(t, unassigned, rec.RouteAt(expires), "negative durations count as zero")
	})
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
		{"negative durations", leased(numbermap.Policy{Kind: numbermap.Vacant, For: -time.Hour, Aging: -time.Hour}), expires},
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
		{Kind: numbermap.Announce, Announcement: "Closed.", For: time.Hour},
		{Kind: numbermap.Vacant, For: time.Hour, Aging: numbermap.MinAgingUS},
		{Kind: numbermap.Release},
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
		{"unknown kind", numbermap.Policy{Kind: "park"}, []string{`unknown Kind "park"`}},
		{"no kind", numbermap.Policy{}, []string{`unknown Kind ""`}},
		{"negative For", numbermap.Policy{Kind: numbermap.Vacant, For: -time.Second}, []string{"For is negative (-1s)"}},
		{"negative Aging", numbermap.Policy{Kind: numbermap.Vacant, Aging: -time.Second}, []string{"Aging is negative (-1s)"}},
		{"every problem", numbermap.Policy{Kind: numbermap.Forward, For: -time.Second, Aging: -time.Minute},
			[]string{"forward needs ForwardTo", "For is negative", "Aging is negative"}},
	}
	for _, c := range invalid {
		err := numbermap.ValidatePolicy(c.policy)
		require.ErrorIs(t, err, numbermap.ErrInvalid, "ValidatePolicy with %s", c.name)
		for _, s := range c.says {
			assert.ErrorContains(t, err, s, "ValidatePolicy with %s names the problem", c.name)
		}
	}
}

func TestLookup(t *testing.T) {
	ctx := context.Background()
	s := memnumbermap.New()
	require.NoError(t, s.Add(ctx, numbermap.Owned{Number: "+15555550100", Country: "US"}), "precondition: Add")
	rec := leased(numbermap.Policy{Kind: numbermap.Forward, ForwardTo: office, For: time.Hour})
	_, err := s.Claim(ctx, numbermap.ClaimRequest{Lease: *rec.Lease, Count: 1, At: start})
	require.NoError(t, err, "precondition: Claim")

	for _, at := range []time.Time{start, expires.Add(-time.Nanosecond), expires, expires.Add(time.Hour)} {
		got, err := numbermap.Lookup(ctx, s, "+15555550100", at)
		require.NoError(t, err, "Lookup at %v", at)
		assert.Equal(t, rec.RouteAt(at), got, "Lookup is Get then RouteAt, at %v", at)
	}

	_, err = numbermap.Lookup(ctx, s, "+15555550101", start)
	assert.ErrorIs(t, err, numbermap.ErrNotFound, "Lookup of a number not in the pool")
	assert.ErrorContains(t, err, "+15555550101", "the error names the number")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = numbermap.Lookup(cancelled, s, "+15555550100", start)
	assert.ErrorIs(t, err, context.Canceled, "Lookup with a cancelled ctx")
}

// FuzzRouteAt checks RouteAt at arbitrary instants against the phase
// definitions, computed here in integer nanoseconds from the expiry.
func FuzzRouteAt(f *testing.F) {
	f.Add(true, uint8(0), true, int64(time.Hour), int64(2*time.Hour), int64(-1))
	f.Add(true, uint8(1), true, int64(time.Hour), int64(2*time.Hour), int64(time.Hour))
	f.Add(true, uint8(2), false, int64(0), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, hasLease bool, kind uint8, targets bool, forNS, agingNS, sinceExpiry int64) {
		const bound = int64(100 * 365 * 24 * time.Hour) // keep instants within a few centuries
		forNS %= bound
		agingNS %= bound
		kinds := []numbermap.PolicyKind{numbermap.Forward, numbermap.Announce, numbermap.Vacant, numbermap.Release, "bogus"}
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
		if rt.ServiceID != "expo" {
			t.Fatalf("route %+v does not carry the lease's service", rt)
		}
		policyEnd := max(forNS, 0)
		agingEnd := policyEnd + max(agingNS, 0)
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

func ExampleRecord_RouteAt() {
	rec := numbermap.Record{
		Owned: numbermap.Owned{Number: numbermap.MustParse("+1 555 555 0100"), Country: "US"},
		Lease: &numbermap.Lease{
			ServiceID: "expo-2026",
			Start:     time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC),
			Expires:   time.Date(2026, time.March, 5, 18, 0, 0, 0, time.UTC),
			Policy: numbermap.Policy{
				Kind:         numbermap.Announce,
				Announcement: "Expo 2026 has ended. See you next year!",
				For:          14 * 24 * time.Hour,
				Aging:        numbermap.MinAgingUS,
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
	// Mar 19: announce "Expo 2026 has ended. See you next year!"
	// Mar 20: vacant
	// Mar 30: vacant
	// available from 2026-05-03 18:00:00
}
