package scaling

import (
	"math"
	"time"
)

// Forecast shapes the Autoscaler's short-term forecast of each
// modality's arrival rate: Holt's linear (double exponential)
// smoothing, so that a surge that is building is staffed before it
// peaks, and the noise in one interval's count does not whipsaw the
// staffing.
//
// For each sample of a modality, with y = Arrivals/Interval and
// dt = Interval:
//
//	level' = Alpha·y + (1 − Alpha)·(level + trend·dt)
//	trend' = Beta·(level' − level)/dt + (1 − Beta)·trend
//	rate   = max(level' + trend'·Horizon, 0)
//
// The first sample with an interval sets the level, with no trend. The
// handle time staffed for is the mean handle time of completed
// engagements, smoothed by Alpha per sample and anchored on the
// Modality's HandleTime as if that had been observed for 10
// engagements.
type Forecast struct {
	// Alpha weighs the latest interval's rate against the smoothed
	// level, in [0,1]. 0: no forecast.
	Alpha float64
	// Beta weighs the latest change of level against the smoothed
	// trend, in [0,1]. 0: no trend.
	Beta float64
	// Horizon is how far ahead of each decision the rate is forecast,
	// >= 0: the time until the next decision plus the time agents take
	// to join is a good choice.
	Horizon time.Duration
}

// DefaultForecast returns the forecast eventcc uses by default, tuned
// with the simulator (package scaling/sim) on event traces for
// decisions about once a minute: Alpha 0.2, Beta 0.1, Horizon 2m.
func DefaultForecast() Forecast {
	return Forecast{Alpha: 0.2, Beta: 0.1, Horizon: 2 * time.Minute}
}

// on reports whether f forecasts at all.
func (f Forecast) on() bool { return f.Alpha > 0 }

// problems calls bad with each problem of f.
func (f Forecast) problems(bad func(format string, args ...any)) {
	if !(f.Alpha >= 0 && f.Alpha <= 1) {
		bad("Forecast.Alpha %v not in [0,1]", f.Alpha)
	}
	if !(f.Beta >= 0 && f.Beta <= 1) {
		bad("Forecast.Beta %v not in [0,1]", f.Beta)
	}
	if f.Horizon < 0 {
		bad("Forecast.Horizon %v < 0", f.Horizon)
	}

}

// ahtPrior is the weight, in engagements, of a Modality's HandleTime in
// the smoothed handle time.
const ahtPrior = 10

// trend is one modality's forecast state.
type trend struct {
	seen           bool    // a sample with an interval has been seen
	level, slope   float64 // arrivals per second, and per second²
	ahtSum, ahtN   float64 // decayed sums of handle times (seconds) and completions
	waited, gaveUp float64 // decayed sums of time waited (seconds) and abandonments
}

// observe updates t with a sample, for forecast f.
func (t *trend) observe(f Forecast, s *Sample) {
	if s.Interval <= 0 {
		return
	}
	dt := s.Interval.Seconds()
	y := float64(max(s.Arrivals, 0)) / dt
	if !t.seen {
		t.seen, t.level, t.slope = true, y, 0
	} else {
		prev := t.level
		t.level = f.Alpha*y + (1-f.Alpha)*(t.level+t.slope*dt)
		t.slope = f.Beta*(t.level-prev)/dt + (1-f.Beta)*t.slope
	}
	if !(t.level >= 0) || math.IsInf(t.level, 1) { // NaN or negative: start over
		t.level, t.slope = max(y, 0), 0
	}
	t.ahtSum *= 1 - f.Alpha
	t.ahtN *= 1 - f.Alpha
	if s.Completed > 0 && s.HandleTime > 0 {
		t.ahtSum += float64(s.Completed) * s.HandleTime.Seconds()
		t.ahtN += float64(s.Completed)
	}
	t.waited *= 1 - f.Alpha
	t.gaveUp *= 1 - f.Alpha
	if s.Waited > 0 {
		t.waited += s.Waited.Seconds()
		t.gaveUp += float64(max(s.Abandoned, 0))
	}
}

// minAbandons is how many abandonments (decayed) a trend needs before it
// trusts the patience it observes.
const minAbandons = 5

// patience returns the attendees' mean patience observed (the maximum
// likelihood estimate for exponential patience: time at risk over
// abandonments), or 0 until minAbandons were seen.
func (t *trend) patience() time.Duration {
	if t.gaveUp < minAbandons || !(t.waited > 0) {
		return 0
	}
	return seconds(t.waited / t.gaveUp)
}

// rate returns the arrival rate forecast Horizon ahead.
func (t *trend) rate(f Forecast) float64 {
	r := t.level + t.slope*f.Horizon.Seconds()
	if !(r > 0) || math.IsInf(r, 1) {
		return max(t.level, 0)
	}
	return r
}

// seenRate returns the smoothed level of the arrival rate: the traffic
// seen, without the trend's anticipation.
func (t *trend) seenRate() float64 { return max(t.level, 0) }

// handleTime returns the smoothed handle time, anchored on prior.
func (t *trend) handleTime(prior time.Duration) time.Duration {
	if t.ahtN <= 0 {
		return prior
	}
	return seconds((t.ahtSum + ahtPrior*prior.Seconds()) / (t.ahtN + ahtPrior))
}
