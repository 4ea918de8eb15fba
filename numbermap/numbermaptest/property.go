package numbermaptest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/eventcc/eventcc/numbermap"
)

// The property test drives a Store through random sequences of claims,
// extensions, shortenings, expiries, releases and re-leases on one shared
// pool, with time moving forward, and after every step compares it with
// a model built from the contract alone: every record, every route at the
// current instant, every service's list. On top of agreeing with the
// model, the Store must never route a number to two services at once
// (the lists are disjoint, and a number routes to a service only while
// that service holds its lease), and never lease a number again before
// the aging of its previous lease has ended.

// propertySteps is how many random operations the property test runs.
const propertySteps = 700

// modelNumber is what the model knows of one number.
type modelNumber struct {
	n            numbermap.Number
	country      string
	lease, prev  *numbermap.Lease // shared by the numbers of one claim, as the model's own
	availableAt  time.Time
	leasedBefore []string // services that held it, in order
}

func (m *modelNumber) record() numbermap.Record {
	return numbermap.Record{Owned: numbermap.Owned{Number: m.n}, Lease: m.lease, Previous: m.prev, AvailableAt: m.availableAt}
}

type model struct {
	numbers []*modelNumber // sorted by number
	now     time.Time
	// What the sequence did, so the test can tell it covered the cases.
	claimed, refused, releasedAfterAging int
}

// held returns the numbers whose lease is service's, sorted by number.
func (m *model) held(service string) []*modelNumber {
	var out []*modelNumber
	for _, mn := range m.numbers {
		if mn.lease != nil && mn.lease.ServiceID == service {
			out = append(out, mn)
		}
	}
	return out
}

// holders returns the services holding a lease, sorted.
func (m *model) holders() []string {
	var out []string
	for _, mn := range m.numbers {
		if mn.lease != nil && !slices.Contains(out, mn.lease.ServiceID) {
			out = append(out, mn.lease.ServiceID)
		}
	}
	slices.Sort(out)
	return out
}

func testProperty(t *testing.T, s numbermap.Store) {
	ctx := context.Background()
	m := &model{now: t0}
	var owned []numbermap.Owned
	for i := range 10 {
		owned = append(owned, numbermap.Owned{Number: us(i), Country: "US"})
	}
	for i := range 6 {
		owned = append(owned, numbermap.Owned{Number: gb(i), Country: "GB"})
	}
	if !assert.NoError(t, s.Add(ctx, owned...), "precondition: Add") {
		return
	}
	for _, o := range owned {
		m.numbers = append(m.numbers, &modelNumber{n: o.Number, country: o.Country})
	}
	slices.SortFunc(m.numbers, func(a, b *modelNumber) int { return strings.Compare(string(a.n), string(b.n)) })

	rng := rand.New(rand.NewPCG(20260601, 45))
	pick := func(ds ...time.Duration) time.Duration { return ds[rng.IntN(len(ds))] }
	var steps []string
	logf := func(format string, args ...any) {
		steps = append(steps, fmt.Sprintf("%3d %s: ", len(steps), m.now.Format(time.DateTime))+fmt.Sprintf(format, args...))
	}
	defer func() {
		if t.Failed() {
			t.Logf("the steps up to the failure:\n%s", strings.Join(steps, "\n"))
		}
	}()

	for step := range propertySteps {
		holders := m.holders()
		holder := ""
		if len(holders) > 0 {
			holder = holders[rng.IntN(len(holders))]
		}
		switch op := rng.IntN(12); {
		case op < 3:
			d := pick(time.Minute, time.Hour, 24*time.Hour, 10*24*time.Hour, 46*24*time.Hour, 100*24*time.Hour)
			m.now = m.now.Add(d)
			logf("advance %v", d)
		case op < 7:
			propertyClaim(t, s, m, rng, fmt.Sprintf("svc-%03d", step), pick, logf)
		case op < 8 && holder != "":
			lease := m.held(holder)[0].lease
			propertySetExpiry(t, s, m, holder, lease.Expires.Add(pick(time.Hour, 24*time.Hour, 60*24*time.Hour)), "extend", logf)
		case op < 9 && holder != "":
			lease := m.held(holder)[0].lease
			propertySetExpiry(t, s, m, holder, lease.Expires.Add(-pick(time.Minute, time.Hour, 3*24*time.Hour)), "shorten", logf)
		case op < 10 && holder != "":
			propertySetExpiry(t, s, m, holder, m.now, "expire", logf)
		case op < 11 && holder != "":
			n, err := s.Release(ctx, holder, m.now)
			held := m.held(holder)
			logf("release %s: %d, %v", holder, n, err)
			assert.NoError(t, err, "step %d: Release(%s)", step, holder)
			assert.Equal(t, len(held), n, "step %d: Release(%s) releases the numbers it holds", step, holder)
			for _, mn := range held {
				mn.lease = nil
				if m.now.After(mn.availableAt) {
					mn.availableAt = m.now
				}
			}
		default:
			// A claim for a service that holds numbers is idempotent.
			if holder != "" {
				held := m.held(holder)
				recs, err := s.Claim(ctx, numbermap.ClaimRequest{Lease: *held[0].lease, Count: len(held), At: held[0].lease.Start})
				logf("claim again for %s: %v", holder, err)
				if assert.NoError(t, err, "step %d: the same claim again for %s", step, holder) {
					assert.Equal(t, numbersOfModel(held), numbersOf(recs), "step %d: a repeated claim for %s returns what it holds", step, holder)
				}
			}
		}
		propertyCheck(t, s, m, step)
		if t.Failed() {
			return
		}
	}
	t.Logf("claimed %d, refused %d, re-leased after aging %d", m.claimed, m.refused, m.releasedAfterAging)
	// The sequence must have covered what the property is about.
	assert.Greater(t, m.claimed, propertySteps/10, "the sequence claims numbers")
	assert.Greater(t, m.refused, propertySteps/40, "the sequence runs out of numbers (claims refused while numbers age)")
	assert.Greater(t, m.releasedAfterAging, propertySteps/20, "the sequence re-leases numbers whose aging ended")
}

func numbersOfModel(ms []*modelNumber) []numbermap.Number {
	out := make([]numbermap.Number, len(ms))
	for i, mn := range ms {
		out[i] = mn.n
	}
	return out
}

// propertyClaim claims numbers for a new service and checks the outcome
// against the model: the numbers available longest when enough are,
// ErrInsufficient with nothing claimed when not.
func propertyClaim(t *testing.T, s numbermap.Store, m *model, rng *rand.Rand, service string,
	pick func(...time.Duration) time.Duration, logf func(string, ...any)) {
	kinds := []numbermap.Policy{
		{Kind: numbermap.Forward, ForwardTo: office},
		{Kind: numbermap.Announce, Announcement: "ended"},
		{Kind: numbermap.Vacant},
		{Kind: numbermap.Park},
		{Kind: numbermap.Release},
	}
	p := kinds[rng.IntN(len(kinds))]
	p.For = pick(0, time.Hour, 7*24*time.Hour, 30*24*time.Hour)
	p.Aging = pick(0, numbermap.MinAging, 60*24*time.Hour)
	start := m.now.Add(pick(0, 0, time.Hour))
	req := numbermap.ClaimRequest{
		Lease: numbermap.Lease{ServiceID: service, EntryPoint: "main", Modality: "telephony",
			Start: start, Expires: start.Add(pick(time.Hour, 24*time.Hour, 5*24*time.Hour, 20*24*time.Hour)), Policy: p},
		Count:   1 + rng.IntN(3),
		Country: []string{"", "", "US", "GB"}[rng.IntN(4)],
		At:      m.now,
	}

	type cand struct {
		mn   *modelNumber
		from time.Time
	}
	var avail []cand
	for _, mn := range m.numbers {
		if from := mn.record().AvailableFrom(); (req.Country == "" || mn.country == req.Country) && !from.After(m.now) {
			avail = append(avail, cand{mn, from})
		}
	}
	slices.SortFunc(avail, func(a, b cand) int {
		if c := a.from.Compare(b.from); c != 0 {
			return c
		}
		return strings.Compare(string(a.mn.n), string(b.mn.n))
	})

	recs, err := s.Claim(context.Background(), req)
	logf("claim %d (%q) for %s, %s for %v then aging %v: %v %v", req.Count, req.Country, service, p.Kind, p.For, p.Aging, numbersOf(recs), err)
	if len(avail) < req.Count {
		var short *numbermap.InsufficientError
		m.refused++
		if assert.ErrorAs(t, err, &short, "claim of %d with %d available is an *InsufficientError", req.Count, len(avail)) {
			assert.ErrorIs(t, err, numbermap.ErrInsufficient, "an *InsufficientError is ErrInsufficient")
			assert.Equal(t, len(avail), short.Available, "the error counts the available numbers")
		}
		return
	}
	if !assert.NoError(t, err, "claim of %d with %d available", req.Count, len(avail)) {
		return
	}
	chosen := avail[:req.Count]
	want := make([]numbermap.Number, len(chosen))
	for i, c := range chosen {
		want[i] = c.mn.n
	}
	slices.Sort(want)
	assert.Equal(t, want, numbersOf(recs), "a claim gets the numbers available longest, sorted by number")
	m.claimed++
	lease := req.Lease
	for _, c := range chosen {
		mn := c.mn
		if mn.lease != nil {
			agingEnd := mn.record().AvailableFrom()
			assert.False(t, agingEnd.After(start),
				"%s is leased to %s only once the aging of %s's lease has ended (%v)", mn.n, service, mn.lease.ServiceID, agingEnd)
			mn.prev = mn.lease
			m.releasedAfterAging++
		}
		mn.availableAt = c.from
		mn.lease = &lease
		mn.leasedBefore = append(mn.leasedBefore, service)
	}
}

// propertySetExpiry moves service's expiry and checks the outcome against
// the model.
func propertySetExpiry(t *testing.T, s numbermap.Store, m *model, service string, expires time.Time, what string, logf func(string, ...any)) {
	held := m.held(service)
	n, err := s.SetExpiry(context.Background(), service, expires)
	logf("%s %s to %s: %d, %v", what, service, expires.Format(time.DateTime), n, err)
	if expires.Before(held[0].lease.Start) {
		assert.ErrorIs(t, err, numbermap.ErrInvalid, "%s of %s to before its start", what, service)
		return
	}
	if !assert.NoError(t, err, "%s of %s", what, service) {
		return
	}
	assert.Equal(t, len(held), n, "SetExpiry returns how many leases %s holds", service)
	lease := *held[0].lease
	lease.Expires = expires
	for _, mn := range held {
		mn.lease = &lease
	}
}

// propertyCheck compares the store with the model at m.now.
func propertyCheck(t *testing.T, s numbermap.Store, m *model, step int) {
	ctx := context.Background()
	owner := map[numbermap.Number]string{}
	for _, service := range m.holders() {
		recs, err := s.ListByService(ctx, service)
		if !assert.NoError(t, err, "step %d: ListByService(%s)", step, service) {
			return
		}
		assert.Equal(t, numbersOfModel(m.held(service)), numbersOf(recs), "step %d: ListByService(%s)", step, service)
		for _, r := range recs {
			if other, dup := owner[r.Number]; dup {
				t.Errorf("step %d: %s is listed for both %s and %s", step, r.Number, other, service)
			}
			owner[r.Number] = service
		}
	}
	for _, mn := range m.numbers {
		rec, err := s.Get(ctx, mn.n)
		if !assert.NoError(t, err, "step %d: Get(%s)", step, mn.n) {
			return
		}
		want := mn.record()
		assert.Equal(t, deref(want.Lease), deref(rec.Lease), "step %d: the lease of %s", step, mn.n)
		assert.Equal(t, deref(want.Previous), deref(rec.Previous), "step %d: the previous lease of %s", step, mn.n)
		assert.True(t, want.AvailableAt.Equal(rec.AvailableAt), "step %d: AvailableAt of %s: want %v, got %v", step, mn.n, want.AvailableAt, rec.AvailableAt)
		if rec.Lease != nil && rec.Previous != nil {
			prevEnd := numbermap.Record{Lease: rec.Previous}.AvailableFrom()
			assert.False(t, prevEnd.After(rec.Lease.Start),
				"step %d: %s was leased to %s at %v, before the aging of %s's lease ended at %v",
				step, mn.n, rec.Lease.ServiceID, rec.Lease.Start, rec.Previous.ServiceID, prevEnd)
		}

		rt, err := numbermap.Lookup(ctx, s, mn.n, m.now)
		if !assert.NoError(t, err, "step %d: Lookup(%s)", step, mn.n) {
			return
		}
		assert.Equal(t, want.RouteAt(m.now), rt, "step %d: the route of %s", step, mn.n)
		if rt.Kind == numbermap.RouteService {
			assert.Equal(t, owner[mn.n], rt.ServiceID, "step %d: %s routes only to the service that lists it", step, mn.n)
		}
	}
}

// deref returns *l, or the zero Lease for nil with a marker that makes it
// differ from any real lease.
func deref(l *numbermap.Lease) numbermap.Lease {
	if l == nil {
		return numbermap.Lease{ServiceID: "<none>"}
	}
	return *l
}
