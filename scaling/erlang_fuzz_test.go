package scaling_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/eventcc/eventcc/scaling"
)

// FuzzQueue feeds arbitrary queues and targets to Evaluate and Staff:
// neither may panic or return NaN; every measure must be a probability
// (or a duration >= 0); errors must be the documented sentinels; and
// what Staff returns must meet the targets.
func FuzzQueue(f *testing.F) {
	f.Add(100.0/1800, int64(180e9), int64(0), int64(20e9), 14, 0.8, 0.0, int64(0), 0.0)
	f.Add(2.0, int64(5e9), int64(60e9), int64(10e9), 9, 0.9, 0.85, int64(15e9), 0.05)
	f.Add(55.5, int64(180e9), int64(180e9), int64(0), 10000, 0.5, 0.0, int64(0), 0.0)
	f.Add(0.0, int64(1), int64(1), int64(1), 0, 1.0, 1.0, int64(1), 1.0)
	f.Add(1e-300, int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MaxInt64), 1, 1e-300, 1e-300, int64(1), 1e-300)
	f.Add(math.NaN(), int64(-1), int64(-1), int64(-1), -1, math.Inf(1), -1.0, int64(-1), math.NaN())
	f.Fuzz(func(t *testing.T, rate float64, aht, patience, within int64, agents int, sl, occ float64, asa int64, abandon float64) {
		if rate > 1e4 || agents > 1e6 || (patience > 0 && rate*float64(patience)/1e9 > 1e6) {
			t.Skip("too large to be quick")
		}
		q := scaling.Queue{Rate: rate, HandleTime: time.Duration(aht), Patience: time.Duration(patience)}
		check := func(what string, p scaling.Performance) {
			for name, v := range map[string]float64{"wait": p.WaitProbability, "service level": p.ServiceLevel,
				"occupancy": p.Occupancy, "abandon": p.AbandonProbability} {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("%s of %+v: %s %v; want a probability (%+v)", what, q, name, v, p)
				}
			}
			if p.ASA < 0 || math.IsNaN(p.Load) {
				t.Fatalf("%s of %+v: %+v", what, q, p)
			}
		}
		p, err := q.Evaluate(agents, time.Duration(within))
		switch {
		case err == nil:
			check("Evaluate", p)
		case errors.Is(err, scaling.ErrInvalid), errors.Is(err, scaling.ErrUnstable):
		default:
			t.Fatalf("Evaluate: %v; want ErrInvalid or ErrUnstable", err)
		}
		targets := scaling.Targets{ServiceLevel: sl, Within: time.Duration(within), MaxOccupancy: occ, MaxASA: time.Duration(asa), MaxAbandon: abandon}
		p, err = q.Staff(targets)
		switch {
		case err == nil:
		case errors.Is(err, scaling.ErrInvalid), errors.Is(err, scaling.ErrUnreachable):
			return
		default:
			t.Fatalf("Staff: %v; want ErrInvalid or ErrUnreachable", err)
		}
		check("Staff", p)
		if q.Load() > 0 && p.Agents < 1 {
			t.Fatalf("Staff(%+v) of %+v: %d agents for traffic", targets, q, p.Agents)
		}
		if q.Patience == 0 && q.Load() > 0 && float64(p.Agents) <= q.Load() {
			t.Fatalf("Staff(%+v) of %+v: %d agents for %v erlangs; want a stable count", targets, q, p.Agents, q.Load())
		}
		const slack = 1e-9
		if sl > 0 && p.ServiceLevel < sl-slack || occ > 0 && p.Occupancy > occ+slack ||
			asa > 0 && p.ASA > time.Duration(asa)+time.Nanosecond || abandon > 0 && p.AbandonProbability > abandon+slack {
			t.Fatalf("Staff(%+v) of %+v: %+v misses a target", targets, q, p)
		}
	})
}
