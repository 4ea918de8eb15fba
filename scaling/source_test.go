package scaling_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/scaling"
	"github.com/eventcc/eventcc/scaling/scalingtest"
)

// counterSource is a small reference TrafficSource: a counter of arrivals
// per service and modality, guarded by a mutex. It is also its own
// scalingtest.Feeder.
type counterSource struct {
	flaw string // for TestSuiteCatchesFlaws: the contract sentence to break

	mu       sync.Mutex
	services map[string]*counted
	buf      []scaling.Sample // flaw "shared-slice"
}

// counted is what counterSource knows of one service.
type counted struct {
	seen     bool      // Samples was called for it
	last     time.Time // the previous call's now
	kinds    []string  // modalities in order of first arrival
	arrivals map[string]int
}

var (
	_ scaling.TrafficSource = (*counterSource)(nil)
	_ scalingtest.Feeder    = (*counterSource)(nil)
)

func newCounterSource() *counterSource {
	return &counterSource{services: make(map[string]*counted)}
}

func (c *counterSource) service(id string) *counted {
	if c.flaw == "shared-services" {
		id = ""
	}
	s, ok := c.services[id]
	if !ok {
		s = &counted{arrivals: make(map[string]int)}
		c.services[id] = s
	}
	return s
}

func (c *counterSource) Arrive(ctx context.Context, serviceID, modality string, n int, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if n < 0 {
		return errors.New("counterSource: negative arrivals")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.service(serviceID)
	if _, ok := s.arrivals[modality]; !ok {
		s.kinds = append(s.kinds, modality)
	}
	s.arrivals[modality] += n
	return nil
}

func (c *counterSource) Samples(ctx context.Context, serviceID string, now time.Time) ([]scaling.Sample, error) {
	if err := ctx.Err(); err != nil && c.flaw != "ignores-ctx" {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.service(serviceID)
	out := make([]scaling.Sample, 0, len(s.kinds))
	if c.flaw == "shared-slice" {
		out = c.buf[:0]
	}
	for _, k := range s.kinds {
		smp := scaling.Sample{Modality: k, At: now}
		if s.seen || c.flaw == "first-call-counts" {
			smp.Interval = now.Sub(s.last)
			smp.Arrivals = s.arrivals[k]
		}
		if c.flaw != "counts-twice" {
			s.arrivals[k] = 0
		}
		switch c.flaw {
		case "at-zero":
			smp.At = time.Time{}
		case "split-modality":
			half := smp
			half.Arrivals /= 2
			smp.Arrivals -= half.Arrivals
			out = append(out, half)
		}
		out = append(out, smp)
	}
	if c.flaw == "shared-slice" {
		c.buf = out
	}
	if !s.seen || c.flaw != "interval-from-first" {
		s.last = now
	}
	s.seen = true
	return out, nil
}

func TestConformanceCounterSource(t *testing.T) {
	scalingtest.Run(t, scalingtest.Harness{
		New: func(t *testing.T) (scaling.TrafficSource, scalingtest.Feeder) {
			c := newCounterSource()
			return c, c
		},
	})
}

// flawEnv names the flaw TestFlawedCounterSource gives its source; only
// TestSuiteCatchesFlaws sets it, in a child process.
const flawEnv = "EVENTCC_SCALINGTEST_FLAW"

// TestFlawedCounterSource runs the suite against a counterSource with the
// flaw flawEnv names, and is skipped without one.
func TestFlawedCounterSource(t *testing.T) {
	flaw := os.Getenv(flawEnv)
	if flaw == "" {
		t.Skip("run by TestSuiteCatchesFlaws only")
	}
	scalingtest.Run(t, scalingtest.Harness{
		New: func(t *testing.T) (scaling.TrafficSource, scalingtest.Feeder) {
			c := newCounterSource()
			c.flaw = flaw
			return c, c
		},
	})
}

// TestSuiteCatchesFlaws checks that the suite is not more permissive than
// the contract: for each way of breaking a sentence, the subtest named
// after that sentence fails. Each flawed source runs in a child process,
// since a failing subtest would fail this test too.
func TestSuiteCatchesFlaws(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	cases := []struct{ flaw, failing string }{
		{"first-call-counts", "FirstCall/ZeroArrivals"},
		{"counts-twice", "Arrivals/CountedOnce"},
		{"split-modality", "OneSamplePerModality"},
		{"interval-from-first", "Interval/SincePreviousCall"},
		{"at-zero", "At/IsNow"},
		{"shared-services", "Services/Isolated"},
		{"shared-slice", "Result/CallerOwns"},
		{"ignores-ctx", "Context/Canceled"},
	}
	for _, c := range cases {
		t.Run(c.flaw, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestFlawedCounterSource$", "-test.v")
			cmd.Env = append(os.Environ(), flawEnv+"="+c.flaw)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "the suite against a source with flaw %q passed; want it to fail:\n%s", c.flaw, out)
			assert.Contains(t, string(out), "--- FAIL: TestFlawedCounterSource/"+c.failing+" ",
				"the suite's output for flaw %q; want subtest %s to fail", c.flaw, c.failing)
		})
	}
}

func TestSourceFunc(t *testing.T) {
	want := []scaling.Sample{{Modality: "chat", Arrivals: 3, Interval: time.Minute, At: t0}}
	var calls int
	src := scaling.SourceFunc(func(ctx context.Context, serviceID string, now time.Time) ([]scaling.Sample, error) {
		calls++
		assert.Equal(t, "svc", serviceID, "service passed to the function")
		assert.True(t, now.Equal(t0), "now passed to the function: %v; want %v", now, t0)
		return slices.Clone(want), nil
	})

	got, err := src.Samples(t.Context(), "svc", t0)
	require.NoError(t, err, "Samples")
	assert.Equal(t, want, got, "samples; want the function's")
	assert.Equal(t, 1, calls, "calls of the function")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	got, err = src.Samples(ctx, "svc", t0)
	assert.ErrorIs(t, err, context.Canceled, "Samples with a cancelled ctx; want context.Canceled")
	assert.Nil(t, got, "samples with a cancelled ctx; want none")
	assert.Equal(t, 1, calls, "calls of the function with a cancelled ctx; want none")

	boom := errors.New("boom")
	_, err = scaling.SourceFunc(func(context.Context, string, time.Time) ([]scaling.Sample, error) {
		return nil, boom
	}).Samples(t.Context(), "svc", t0)
	assert.ErrorIs(t, err, boom, "Samples when the function fails; want its error")
}
