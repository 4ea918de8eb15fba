//go:build !race

package scaling_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/scaling"
)

// TestDecideAllocations checks that a decision allocates only its copy of
// the samples. (The race detector allocates on its own, hence the build
// constraint.)
func TestDecideAllocations(t *testing.T) {
	a, err := scaling.NewAutoscaler(scaleParams(), nil)
	require.NoError(t, err, "NewAutoscaler")
	samples := []scaling.Sample{
		{Modality: "telephony", Interval: 15 * time.Second, Arrivals: 12, Concurrent: 40, Queued: 3},
		{Modality: "chat", Interval: 15 * time.Second, Arrivals: 20, Concurrent: 60},
		{Modality: "video", Interval: 15 * time.Second, Arrivals: 2, Concurrent: 5},
	}
	now := t0
	decide := func(s []scaling.Sample) func() {
		return func() {
			now = now.Add(7 * time.Second)
			a.Decide(now, 10, s)
		}
	}
	for range 100 { // fill the window's array
		decide(samples)()
	}
	assert.Equal(t, 1.0, testing.AllocsPerRun(200, decide(samples)), "allocations per decision with samples; want only the copy")
	assert.Equal(t, 0.0, testing.AllocsPerRun(200, decide(nil)), "allocations per decision without samples; want none")
	p := scaleParams()
	assert.Equal(t, 0.0, testing.AllocsPerRun(200, func() { scaling.Utilisation{}.Recommend(p, samples) }),
		"allocations of Utilisation.Recommend; want none")

	ep := erlangParams()
	erlangSamples := []scaling.Sample{
		{Modality: "telephony", Interval: time.Minute, Arrivals: 12, Concurrent: 10},
		{Modality: "chat", Interval: time.Minute, Arrivals: 20, Concurrent: 30},
	}
	assert.Equal(t, 0.0, testing.AllocsPerRun(200, func() { scaling.Erlang{}.Recommend(ep, erlangSamples) }),
		"allocations of Erlang.Recommend; want none")
	ep.Forecast = scaling.DefaultForecast()
	fa, err := scaling.NewAutoscaler(ep, scaling.Erlang{})
	require.NoError(t, err, "NewAutoscaler with a forecast")
	assert.Equal(t, 2.0, testing.AllocsPerRun(200, func() {
		now = now.Add(time.Minute)
		fa.Decide(now, 10, erlangSamples)
	}), "allocations per forecasting decision; want the copy of the samples and the demand")
}
