package scaling

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWindowMemoryBounded checks that the stabilisation window keeps at
// most one entry per distinct instant and per distinct desired count, and
// that its backing array stops growing.
func TestWindowMemoryBounded(t *testing.T) {
	p := Params{
		Modalities:        []Modality{{Kind: "telephony", HandleTime: time.Minute, Concurrency: 1}},
		TargetUtilisation: 1, MaxAgents: 50, LicencesPerAgent: 1, MaxLicences: 1000, MaxSpace: 10,
		ScaleDownWindow: 10 * time.Minute,
	}
	var rec int
	a, err := NewAutoscaler(p, policy(func() int { return rec }))
	require.NoError(t, err, "NewAutoscaler")

	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)
	maxCap, maxLive := 0, 0
	for i := range 20000 {
		if rng.IntN(3) > 0 {
			now = now.Add(time.Duration(1+rng.IntN(2000)) * time.Millisecond)
		}
		rec = rng.IntN(60)
		a.Decide(now, 10, nil)
		live := a.window[a.head:]
		maxLive = max(maxLive, len(live))
		if len(live) > p.MaxAgents+1 {
			t.Fatalf("decision %d: %d entries; want at most one per distinct count, %d", i, len(live), p.MaxAgents+1)
		}
		for j := 1; j < len(live); j++ {
			if !live[j].at.After(live[j-1].at) || live[j].agents >= live[j-1].agents {
				t.Fatalf("decision %d: entries %d %+v and %d %+v; want instants rising and counts falling", i, j-1, live[j-1], j, live[j])
			}
		}
		if now.Sub(live[0].at) >= p.ScaleDownWindow {
			t.Fatalf("decision %d: the oldest entry %+v; want it within the window of %v", i, live[0], now)
		}
		if i > 1000 {
			maxCap = max(maxCap, cap(a.window))
		}
	}
	assert.Greater(t, maxLive, 5, "most entries held at once; want the test to fill the window")
	assert.LessOrEqual(t, maxCap, 2*(p.MaxAgents+1), "capacity of the window's array; want it bounded by the counts it can hold")
}

// TestLicenceCap compares licenceCap's formula with counting.
func TestLicenceCap(t *testing.T) {
	for aps := range 15 {
		for lpa := 1; lpa <= 3; lpa++ {
			for maxLic := 1; maxLic <= 80; maxLic++ {
				p := Params{AgentsPerSupervisor: aps, LicencesPerAgent: lpa, MaxLicences: maxLic}
				want := 0
				for a := 1; ; a++ {
					r := p.ResourcesFor(a, nil)
					if (r.Agents+r.Supervisors)*lpa > maxLic {
						break
					}
					want = a
				}
				assert.Equal(t, want, licenceCap(p), "licence cap with %d agents per supervisor, %d licences each, %d licences", aps, lpa, maxLic)
			}
		}
	}
}

type policy func() int

func (f policy) Recommend(Params, []Sample) int { return f() }
