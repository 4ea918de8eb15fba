package numbermaptest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/numbermap"
)

func testClaimCriteria(t *testing.T, s numbermap.Store) {
	tollFree := numbermap.MustParse("+1 800 555 0199")
	pooled := []numbermap.Owned{
		{Number: us(1), Country: "US", Region: "US-DC", Type: numbermap.TypeLocal, Capabilities: numbermap.Voice | numbermap.SMS, Provider: "p1"},
		{Number: us(2), Country: "US", Region: "US-DC", Type: numbermap.TypeLocal, Capabilities: numbermap.Voice, Provider: "p2"},
		{Number: us(3), Country: "US", Region: "US-NY", Type: numbermap.TypeLocal, Capabilities: numbermap.Voice | numbermap.SMS, Provider: "p3"},
		{Number: tollFree, Country: "US", Type: numbermap.TypeTollFree, Capabilities: numbermap.Voice, Provider: "p4"},
		{Number: gb(1), Country: "GB", Region: "GB-LND", Type: numbermap.TypeLocal, Capabilities: numbermap.Voice | numbermap.SMS | numbermap.MMS, Provider: "p5"},
	}
	require.NoError(t, s.Add(context.Background(), pooled...), "precondition: Add")
	for _, o := range pooled {
		assert.Equal(t, o, get(t, s, o.Number).Owned, "Get returns every attribute Add was given")
	}
	cases := []struct {
		name string
		set  func(*numbermap.ClaimRequest)
		want []numbermap.Number
	}{
		{"region", func(r *numbermap.ClaimRequest) { r.Region = "US-DC" }, []numbermap.Number{us(1), us(2)}},
		{"toll-free", func(r *numbermap.ClaimRequest) { r.Type = numbermap.TypeTollFree }, []numbermap.Number{tollFree}},
		{"SMS", func(r *numbermap.ClaimRequest) { r.Capabilities = numbermap.SMS }, []numbermap.Number{us(1), us(3), gb(1)}},
		{"US voice and SMS", func(r *numbermap.ClaimRequest) {
			r.Country, r.Capabilities = "US", numbermap.Voice|numbermap.SMS
		}, []numbermap.Number{us(1), us(3)}},
		{"GB MMS", func(r *numbermap.ClaimRequest) { r.Country, r.Capabilities = "GB", numbermap.MMS }, []numbermap.Number{gb(1)}},
		{"local in US-DC with SMS", func(r *numbermap.ClaimRequest) {
			r.Region, r.Type, r.Capabilities = "US-DC", numbermap.TypeLocal, numbermap.SMS
		}, []numbermap.Number{us(1)}},
		{"mobile", func(r *numbermap.ClaimRequest) { r.Type = numbermap.TypeMobile }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			more := request("svc-more-"+c.name, len(c.want)+1, t0)
			c.set(&more)
			_, err := s.Claim(context.Background(), more)
			assert.ErrorIs(t, err, numbermap.ErrInsufficient, "a claim of one more number than match %s", c.name)
			if len(c.want) == 0 {
				return
			}
			req := request("svc-"+c.name, len(c.want), t0)
			c.set(&req)
			got := claim(t, s, req)
			assert.Equal(t, c.want, got, "a claim by %s gets exactly the numbers that match", c.name)
			for _, n := range got {
				o := get(t, s, n).Owned
				assert.True(t, req.Matches(o), "claimed %s matches the request: %+v", n, o)
			}
			_, err = s.Release(context.Background(), req.Lease.ServiceID, t0)
			require.NoError(t, err, "precondition: release for the next case")
		})
	}
}

func testClaimInsufficientError(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1), us(2), us(3), gb(1))
	first := request("svc-a", 2, t0)
	first.Country = "US"
	claim(t, s, first)
	second := request("svc-b", 2, t0.Add(time.Hour))
	second.Country = "US"
	_, err := s.Claim(context.Background(), second)
	require.ErrorIs(t, err, numbermap.ErrInsufficient, "2 US numbers wanted, 1 available")
	var short *numbermap.InsufficientError
	require.ErrorAs(t, err, &short, "a refused claim is an *InsufficientError")
	assert.Equal(t, second, short.Request, "the error holds the request")
	assert.Equal(t, 1, short.Available, "one US number is available")
	assert.Equal(t, 2, short.Held, "two US numbers are leased")
	want := first.Lease.Expires.Add(policy.For + policy.Aging)
	assert.True(t, want.Equal(short.NextAvailable), "the first held number is available when its aging ends, %v; got %v", want, short.NextAvailable)
	assert.Contains(t, err.Error(), "country US", "the message names the criteria")

	mobile := request("svc-c", 1, t0)
	mobile.Type = numbermap.TypeMobile
	_, err = s.Claim(context.Background(), mobile)
	require.ErrorAs(t, err, &short, "a claim nothing matches is an *InsufficientError")
	assert.Zero(t, short.Available, "no mobile number is available")
	assert.Zero(t, short.Held, "no mobile number is held")
	assert.True(t, short.NextAvailable.IsZero(), "no mobile number will become available")
}

func testClaimPrevious(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1))
	old := request("svc-2025", 1, t0)
	claim(t, s, old)
	assert.Nil(t, get(t, s, us(1)).Previous, "a number leased for the first time has no Previous")
	end := old.Lease.Expires.Add(policy.For + policy.Aging)

	next := request("svc-2026", 1, end)
	claim(t, s, next)
	rec := get(t, s, us(1))
	require.NotNil(t, rec.Previous, "a re-leased number keeps the lease before")
	assert.Equal(t, old.Lease, *rec.Previous, "Previous is the lease the claim replaced")
	assert.Equal(t, next.Lease, *rec.Lease, "Lease is the new one")
	assert.Equal(t, end, rec.AvailableAt, "AvailableAt is when the number had become available")

	_, err := s.Release(context.Background(), "svc-2026", end)
	require.NoError(t, err, "release")
	rec = get(t, s, us(1))
	assert.Nil(t, rec.Lease, "a released number has no lease")
	require.NotNil(t, rec.Previous, "release keeps Previous")
	assert.Equal(t, "svc-2025", rec.Previous.ServiceID, "release keeps Previous as it was")

	claim(t, s, request("svc-2027", 1, end))
	rec = get(t, s, us(1))
	require.NotNil(t, rec.Previous, "a number claimed after a release keeps Previous")
	assert.Equal(t, "svc-2025", rec.Previous.ServiceID, "a released lease never becomes Previous: release undoes a claim")
}

func testRouteStale(t *testing.T, s numbermap.Store) {
	pool(t, s, us(1))
	old := request("svc-2025", 1, t0)
	claim(t, s, old)
	aged := old.Lease.Expires.Add(policy.For + policy.Aging)
	newStart := aged.Add(10 * 24 * time.Hour)
	claim(t, s, request("svc-2026", 1, newStart))

	rt, err := numbermap.Lookup(context.Background(), s, us(1), newStart.Add(time.Hour))
	require.NoError(t, err, "Lookup")
	assert.Equal(t, numbermap.RouteService, rt.Kind, "the number reaches its new service")
	assert.Equal(t, "svc-2026", rt.ServiceID, "the number reaches its new service")
	assert.Equal(t, newStart, rt.LeaseStart, "the route says when the current lease began")
	assert.Equal(t, "svc-2025", rt.PreviousServiceID, "the route names the service before")
	assert.Equal(t, old.Lease.Expires, rt.PreviousExpires, "the route says when the lease before expired")
	assert.True(t, rt.StaleFor(t0.Add(time.Hour)), "a caller last seen during the old event is flagged")
	assert.True(t, rt.StaleFor(newStart.Add(-time.Nanosecond)), "a caller last seen just before the new lease is flagged")
	assert.False(t, rt.StaleFor(newStart), "a caller seen since the new lease began is not flagged")
	assert.False(t, rt.StaleFor(time.Time{}), "a caller never seen is not flagged")
}

func testRouterAgrees(t *testing.T, s numbermap.Store) {
	r, ok := s.(numbermap.Router)
	if !ok {
		t.Skip("the Store does not implement numbermap.Router")
	}
	pool(t, s, us(1), us(2), us(3))
	req := request("svc-a", 1, t0)
	claim(t, s, req)
	claim(t, s, request("svc-b", 1, t0))
	_, err := s.Release(context.Background(), "svc-b", t0.Add(time.Minute))
	require.NoError(t, err, "precondition: release")
	end := req.Lease.Expires.Add(policy.For + policy.Aging)
	claim(t, s, request("svc-c", 1, end)) // re-leases the first number: it has a Previous

	ctx := context.Background()
	for _, n := range []numbermap.Number{us(1), us(2), us(3)} {
		rec := get(t, s, n)
		for _, at := range []time.Time{t0, req.Lease.Expires, req.Lease.Expires.Add(policy.For), end, end.Add(24 * time.Hour), end.Add(400 * 24 * time.Hour)} {
			var got numbermap.Route
			err := r.Route(ctx, n, at, &got)
			require.NoError(t, err, "Route(%s, %v)", n, at)
			assert.Equal(t, rec.RouteAt(at), got, "Route(%s, %v) is RouteAt of the record Get returns", n, at)
		}
	}
	for _, bad := range []numbermap.Number{"", "+", us(4), "+1 202 555 0101", "12025550101", "+012025550101", "+1202555010a",
		numbermap.Number(strings.Repeat("+1", 40)), us(1) + "0", us(1)[:len(us(1))-1]} {
		err := r.Route(ctx, bad, t0, new(numbermap.Route))
		assert.ErrorIs(t, err, numbermap.ErrNotFound, "Route(%q) of a string that is not a number of the pool", bad)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	err = r.Route(cancelled, us(1), t0, new(numbermap.Route))
	assert.True(t, errors.Is(err, context.Canceled), "Route with a cancelled ctx returns ctx.Err(), got %v", err)
}
