package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/scaling"
	"github.com/eventcc/eventcc/scaling/sim"
	"github.com/eventcc/eventcc/template"
)

func init() { stderr = io.Discard }

// TestRun runs the example on each shipped trace so that it cannot rot,
// and checks what it promises: the comparison, a CSV per policy, a
// summary and a well-formed SVG.
func TestRun(t *testing.T) {
	for _, c := range []struct{ trace, template string }{
		{"conference", "conference"}, {"concert", "concert"}, {"tradeshow", "trade-show"},
	} {
		t.Run(c.trace, func(t *testing.T) {
			dir := t.TempDir()
			var out bytes.Buffer
			args := []string{"-template", c.template, "-trace", filepath.Join("testdata", c.trace+".csv"), "-out", dir}
			require.NoError(t, run(context.Background(), args, &out), "run %v", args)
			got := out.String()
			for _, want := range []string{"static peak", "hpa", "eventcc", "oracle", "vs oracle", "eventcc targets:", "plot.svg"} {
				assert.Contains(t, got, want, "output; want %q", want)
			}
			assert.NotContains(t, got, "MISSED", "eventcc's targets on the %s trace", c.trace)
			for _, f := range []string{"static-peak.csv", "hpa.csv", "eventcc.csv", "oracle.csv", "summary.csv"} {
				data, err := os.ReadFile(filepath.Join(dir, f))
				require.NoError(t, err, "reading %s", f)
				lines := strings.Split(strings.TrimSpace(string(data)), "\n")
				assert.Greater(t, len(lines), 1, "%s: want a header and rows", f)
				fields := strings.Count(lines[0], ",")
				for i, l := range lines {
					assert.Equal(t, fields, strings.Count(l, ","), "%s line %d: want as many fields as the header", f, i+1)
				}
			}
			svg, err := os.ReadFile(filepath.Join(dir, "plot.svg"))
			require.NoError(t, err, "reading plot.svg")
			d := xml.NewDecoder(bytes.NewReader(svg))
			polylines := 0
			for {
				tok, err := d.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				require.NoError(t, err, "plot.svg must be well-formed XML")
				if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "polyline" {
					polylines++
				}
			}
			assert.Equal(t, 8, polylines, "plot.svg: agents and service level of 4 policies")
		})
	}
}

// TestTargetsWithTemplates checks eventcc's targets on every built-in
// scenario, seeds 1 to 3, with the Config the command derives from the
// scenario's built-in template (its scaleDownWindow, step limits and
// wrap-up included), deciding at its scaleInterval as the lifecycle
// does, so that a template change that breaks them is caught. The
// targets: the service level over the event, intervals meeting it no
// fewer than the oracle's minus 5 points, at most 1.10× the oracle's
// agent-hours and 0.6× static peak's.
func TestTargetsWithTemplates(t *testing.T) {
	for name, sc := range sim.Scenarios() {
		tmpl, err := template.Builtin().Lookup(sc.Template)
		require.NoError(t, err, "scenario %s: template %q", name, sc.Template)
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", name, seed), func(t *testing.T) {
				tr := sc.Trace(seed)
				o := options{maxAgents: 100000, seed: seed}
				cfg, err := config(tmpl, tr, o)
				require.NoError(t, err, "config")
				p := cfg.Params
				require.Positive(t, cfg.WrapUp, "the template's wrap-up")
				rs, err := sim.Compare(context.Background(), tr, cfg,
					sim.StaticPeak(), sim.Autoscaler("eventcc", scaling.Erlang{}), sim.Oracle())
				require.NoError(t, err, "Compare")
				static, ev, oracle := rs[0], rs[1], rs[2]
				evMet, _ := ev.PeriodsMet()
				orMet, _ := oracle.PeriodsMet()
				t.Logf("wrap-up %v: eventcc SL %.4f, met %.4f, %.3f× oracle, %.3f× static; oracle SL %.4f, met %.4f",
					cfg.WrapUp, ev.Total.ServiceLevel(), evMet, ev.Total.AgentHours()/oracle.Total.AgentHours(),
					ev.Total.AgentHours()/static.Total.AgentHours(), oracle.Total.ServiceLevel(), orMet)
				assert.GreaterOrEqual(t, ev.Total.ServiceLevel(), p.Targets.ServiceLevel, "service level over the event, window %v", p.ScaleDownWindow)
				assert.GreaterOrEqual(t, evMet, orMet-0.05, "share of intervals meeting the target; want the oracle's minus 5 pp at least")
				assert.LessOrEqual(t, ev.Total.AgentHours(), 1.10*oracle.Total.AgentHours(), "agent-hours; want at most 1.10× the oracle's, window %v", p.ScaleDownWindow)
				assert.LessOrEqual(t, ev.Total.AgentHours(), 0.6*static.Total.AgentHours(), "agent-hours; want at most 0.6× static peak's")
			})
		}
	}
}

// TestTestdataIsGenerated checks that the shipped traces are what the
// documented generator writes, so anyone can regenerate them.
func TestTestdataIsGenerated(t *testing.T) {
	for name := range sim.Scenarios() {
		want, err := os.ReadFile(filepath.Join("testdata", name+".csv"))
		require.NoError(t, err, "reading testdata/%s.csv", name)
		var got bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"-generate", name, "-seed", "1"}, &got), "generate %s", name)
		assert.Equal(t, string(want), got.String(), "testdata/%s.csv; want `go run ./examples/simulate -generate %s -seed 1`'s output", name, name)
	}
}

func TestRunErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte(sim.Header+"\n0,900,telephony,4,240,\n900,900,telephony,many,240,\n"), 0o644))
	cases := []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no trace", []string{"-out", "x"}, true, "-trace is required"},
		{"no out", []string{"-trace", "x.csv"}, true, "-out is required"},
		{"bad flag", []string{"-nope"}, true, "-nope"},
		{"bad duration", []string{"-trace", "x", "-out", "y", "-window", "soon"}, true, "-window"},
		{"negative window", []string{"-trace", "x", "-out", "y", "-window", "-1m"}, true, "-window"},
		{"negative decide", []string{"-trace", "x", "-out", "y", "-decide", "-1m"}, true, "-decide"},
		{"negative wrap-up", []string{"-trace", "x", "-out", "y", "-wrap-up", "-1s"}, true, "-wrap-up"},
		{"max agents", []string{"-trace", "x", "-out", "y", "-max-agents", "0"}, true, "-max-agents"},
		{"unknown scenario", []string{"-generate", "opera"}, true, `-generate "opera"`},
		{"unknown template", []string{"-trace", bad, "-out", t.TempDir(), "-template", "opera"}, true, `-template "opera"`},
		{"extra argument", []string{"-trace", "x", "-out", "y", "z"}, true, `"z"`},
		{"missing file", []string{"-trace", filepath.Join(t.TempDir(), "none.csv"), "-out", t.TempDir()}, false, "none.csv"},
		{"bad trace", []string{"-trace", bad, "-out", t.TempDir()}, false, "line 3, column 4 (arrivals)"},
		{"modality not in template", []string{"-trace", filepath.Join("testdata", "tradeshow.csv"), "-out", t.TempDir(), "-template", "conference"}, true, `"video"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := run(context.Background(), c.args, io.Discard)
			require.Error(t, err, "run %v", c.args)
			var ue usageError
			assert.Equal(t, c.usage, errors.As(err, &ue), "usage error? %v", err)
			assert.Contains(t, err.Error(), c.want, "the error; want it to name the problem")
		})
	}
}

// TestConfigWrapUp checks the wrap-up the command simulates: the
// template's staffing.wrapUp unless -wrap-up says otherwise (0
// included), given to the router and added to the handle time the
// policies staff for, as the lifecycle does.
func TestConfigWrapUp(t *testing.T) {
	tmpl, err := template.Builtin().Lookup("conference")
	require.NoError(t, err, "conference template")
	require.Equal(t, 30*time.Second, tmpl.Staffing.WrapUp.D(), "the conference template's wrap-up")
	tr := sim.Scenarios()["conference"].Trace(1)
	for _, c := range []struct {
		name string
		args []string
		want time.Duration
	}{
		{"the template's", nil, 30 * time.Second},
		{"-wrap-up 45s", []string{"-wrap-up", "45s"}, 45 * time.Second},
		{"-wrap-up 0", []string{"-wrap-up", "0"}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, err := parse(append([]string{"-trace", "x.csv", "-out", "y"}, c.args...), io.Discard)
			require.NoError(t, err, "parse")
			cfg, err := config(tmpl, tr, o)
			require.NoError(t, err, "config")
			assert.Equal(t, c.want, cfg.WrapUp, "the router's wrap-up")
			for i, m := range cfg.Params.Modalities {
				assert.Equal(t, tmpl.Modalities[i].HandleTime.D()+c.want, m.HandleTime, "%s: the handle time staffed for; want the template's plus the wrap-up", m.Kind)
			}
		})
	}
}
