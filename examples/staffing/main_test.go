package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() { stderr = io.Discard }

// TestRun runs the example's documented command so that it cannot rot:
// the classic 100 calls in 30 minutes of 180 s, 80 % in 20 s, needs 14
// agents, 20 scheduled at 30 % shrinkage.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	args := []string{"-arrivals", "100", "-per", "30m", "-aht", "180s", "-target", "0.8", "-within", "20s", "-shrinkage", "0.3"}
	require.NoError(t, run(context.Background(), args, &out), "run %v", args)
	assert.Equal(t, `{"agents":14,"scheduled":20,"load_erlangs":10,"service_level":0.8883500191794669,"wait_probability":0.1741319335950498,"asa_seconds":7.835937012,"occupancy":0.7142857142857143}`+"\n",
		out.String(), "the JSON the package documentation shows")
}

func TestRunOptions(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		check func(t *testing.T, m map[string]any)
	}{
		{"patience prints the abandon probability", []string{"-arrivals", "100", "-per", "30m", "-aht", "180s", "-patience", "5m"},
			func(t *testing.T, m map[string]any) {
				assert.Contains(t, m, "abandon_probability", "with -patience")
				assert.Less(t, m["agents"], 14.0, "abandonment shortens the queue: fewer agents than Erlang C's 14")
			}},
		{"no patience, no abandon probability", []string{"-arrivals", "100", "-per", "30m", "-aht", "180s"},
			func(t *testing.T, m map[string]any) {
				assert.NotContains(t, m, "abandon_probability", "without -patience")
			}},
		{"max occupancy binds", []string{"-arrivals", "1000", "-per", "30m", "-aht", "180s", "-max-occupancy", "0.85"},
			func(t *testing.T, m map[string]any) {
				assert.LessOrEqual(t, m["occupancy"], 0.85, "occupancy")
				assert.Equal(t, 118.0, m["agents"], "100 erlangs at most 85 %% busy: ⌈100/0.85⌉")
			}},
		{"chat concurrency", []string{"-arrivals", "100", "-per", "30m", "-aht", "180s", "-concurrency", "3"},
			func(t *testing.T, m map[string]any) { assert.Equal(t, 5.0, m["agents"], "14 sessions at 3 per agent") }},
		{"no traffic", []string{"-arrivals", "0", "-aht", "3m"},
			func(t *testing.T, m map[string]any) { assert.Equal(t, 0.0, m["agents"], "no traffic, no agents") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, run(context.Background(), c.args, &out), "run %v", c.args)
			var m map[string]any
			require.NoError(t, json.Unmarshal(out.Bytes(), &m), "one JSON object: %s", out.String())
			for _, k := range []string{"agents", "scheduled", "service_level", "wait_probability", "asa_seconds", "occupancy"} {
				assert.Contains(t, m, k, "key %q", k)
			}
			c.check(t, m)
		})
	}
}

func TestRunErrors(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		usage bool
		want  []string
	}{
		{"missing", nil, true, []string{"-arrivals is required", "-aht is required"}},
		{"negative arrivals", []string{"-arrivals", "-3", "-aht", "1m"}, true, []string{"-arrivals -3"}},
		{"NaN arrivals", []string{"-arrivals", "NaN", "-aht", "1m"}, true, []string{"-arrivals NaN"}},
		{"zero per", []string{"-arrivals", "3", "-per", "0s", "-aht", "1m"}, true, []string{"-per 0s"}},
		{"zero aht", []string{"-arrivals", "3", "-aht", "0s"}, true, []string{"-aht 0s"}},
		{"target", []string{"-arrivals", "3", "-aht", "1m", "-target", "1"}, true, []string{"-target 1"}},
		{"within", []string{"-arrivals", "3", "-aht", "1m", "-within", "-1s"}, true, []string{"-within -1s"}},
		{"patience", []string{"-arrivals", "3", "-aht", "1m", "-patience", "-1s"}, true, []string{"-patience -1s"}},
		{"shrinkage", []string{"-arrivals", "3", "-aht", "1m", "-shrinkage", "1"}, true, []string{"-shrinkage 1"}},
		{"occupancy", []string{"-arrivals", "3", "-aht", "1m", "-max-occupancy", "1.5"}, true, []string{"-max-occupancy 1.5"}},
		{"asa", []string{"-arrivals", "3", "-aht", "1m", "-max-asa", "-1s"}, true, []string{"-max-asa -1s"}},
		{"abandon without patience", []string{"-arrivals", "3", "-aht", "1m", "-max-abandon", "0.05"}, true, []string{"-max-abandon needs -patience"}},
		{"concurrency", []string{"-arrivals", "3", "-aht", "1m", "-concurrency", "0"}, true, []string{"-concurrency 0"}},
		{"not a number", []string{"-arrivals", "many"}, true, []string{"-arrivals"}},
		{"extra argument", []string{"-arrivals", "3", "-aht", "1m", "now"}, true, []string{`"now"`}},
		{"unreachable", []string{"-arrivals", "1e12", "-per", "1s", "-aht", "1h"}, false, []string{"no number of agents"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := run(context.Background(), c.args, io.Discard)
			require.Error(t, err, "run %v", c.args)
			var ue usageError
			assert.Equal(t, c.usage, errors.As(err, &ue), "usage error (exit 2)? %v", err)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w, "the error; want the flag named")
			}
		})
	}
}
