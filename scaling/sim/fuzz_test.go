package sim_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/eventcc/eventcc/scaling/sim"
)

// FuzzReadTrace feeds arbitrary files to ReadTrace: it must not panic;
// it must fail with a *ParseError or ErrEmpty, or return valid
// intervals that WriteTrace writes back into the same trace.
func FuzzReadTrace(f *testing.F) {
	f.Add([]byte(sim.Header + "\n0,900,telephony,42,240,180\n0,900,chat,30,360,\n"))
	f.Add([]byte("# c\n" + sim.Header + "\n900,900,telephony,4,240,\n0,900,telephony,4,240,\n"))
	f.Add([]byte(sim.Header + "\n0,900,telephony,4,240,\n600,900,telephony,4,240,\n"))
	f.Add([]byte(sim.Header + "\n0,1e-9,x,1e9,1e-9,1e-9\n"))
	f.Add([]byte(sim.Header + "\n\"0\",\"900\",\"a\"\"b\",1,1,\n"))
	f.Add([]byte("start_seconds,interval_seconds\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := sim.ReadTrace(bytes.NewReader(data))
		if err != nil {
			var pe *sim.ParseError
			if !errors.As(err, &pe) && !errors.Is(err, sim.ErrEmpty) {
				t.Fatalf("error %v (%T); want a *ParseError or ErrEmpty", err, err)
			}
			if pe != nil && (pe.Line < 1 || pe.Column < 0 || pe.Column > 7) {
				t.Fatalf("error %v at line %d, column %d; want a line >= 1 and a column in [0, 7]", err, pe.Line, pe.Column)
			}
			return
		}
		if len(tr) == 0 {
			t.Fatal("no error and no interval")
		}
		for i, iv := range tr {
			if iv.Start < 0 || iv.Length <= 0 || iv.HandleTime <= 0 || iv.Patience < 0 || iv.Modality == "" ||
				!(iv.Arrivals >= 0) || math.IsInf(iv.Arrivals, 1) || strings.ContainsAny(iv.Modality, ", \n\"") {
				t.Fatalf("interval %d %+v is invalid", i, iv)
			}
			for j := range i {
				o := tr[j]
				if o.Modality == iv.Modality && iv.Start < o.End() && o.Start < iv.End() {
					t.Fatalf("intervals %d %+v and %d %+v overlap", j, o, i, iv)
				}
			}
		}
		var b bytes.Buffer
		if err := sim.WriteTrace(&b, tr); err != nil {
			t.Fatalf("WriteTrace: %v", err)
		}
		back, err := sim.ReadTrace(&b)
		if err != nil {
			t.Fatalf("reading back %q: %v", b.String(), err)
		}
		if len(back) != len(tr) {
			t.Fatalf("read back %d intervals; want %d", len(back), len(tr))
		}
		near := func(a, b time.Duration) bool { return math.Abs(float64(a-b)) <= 1e-9*math.Abs(float64(a))+1 }
		for i := range tr {
			a, b := tr[i], back[i]
			if a.Modality != b.Modality || a.Arrivals != b.Arrivals || !near(a.Start, b.Start) || !near(a.Length, b.Length) ||
				!near(a.HandleTime, b.HandleTime) || !near(a.Patience, b.Patience) {
				t.Fatalf("interval %d read back as %+v; want %+v", i, b, a)
			}
		}
	})
}
