package sim_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/scaling/sim"
)

func TestReadTrace(t *testing.T) {
	in := `# a comment before the header
start_seconds,interval_seconds,modality,arrivals,aht_seconds,patience_seconds
0,900,telephony,42,240,180
0,900,chat,30.5,360,
# comments anywhere
900, 900 ,telephony,0,240.5,0.25
1800,900,chat,7,360,600
`
	got, err := sim.ReadTrace(strings.NewReader(in))
	require.NoError(t, err, "ReadTrace")
	want := sim.Trace{
		{Start: 0, Length: 15 * time.Minute, Modality: "telephony", Arrivals: 42, HandleTime: 4 * time.Minute, Patience: 3 * time.Minute},
		{Start: 0, Length: 15 * time.Minute, Modality: "chat", Arrivals: 30.5, HandleTime: 6 * time.Minute},
		{Start: 15 * time.Minute, Length: 15 * time.Minute, Modality: "telephony", Arrivals: 0, HandleTime: 240500 * time.Millisecond, Patience: 250 * time.Millisecond},
		{Start: 30 * time.Minute, Length: 15 * time.Minute, Modality: "chat", Arrivals: 7, HandleTime: 6 * time.Minute, Patience: 10 * time.Minute},
	}
	assert.Equal(t, want, got, "intervals")
	assert.Equal(t, 45*time.Minute, got.End(), "End")
	assert.Equal(t, []string{"telephony", "chat"}, got.Modalities(), "Modalities, in order of appearance")
}

func TestReadTraceErrors(t *testing.T) {
	const h = sim.Header + "\n"
	cases := []struct {
		name       string
		in         string
		line, col  int
		field, msg string
	}{
		{"no header", "", 1, 0, "", "missing header"},
		{"only comments", "# nothing\n", 1, 0, "", "missing header"},
		{"wrong header column", "start_seconds,length,modality,arrivals,aht_seconds,patience_seconds\n", 1, 2, "interval_seconds", `"length"`},
		{"short header", "start_seconds,interval_seconds\n", 1, 3, "modality", "2 columns"},
		{"long header", sim.Header + ",extra\n", 1, 7, "", "7 columns"},
		{"too few fields", h + "0,900,telephony,4,240\n", 2, 6, "", "5 fields"},
		{"too many fields", h + "0,900,telephony,4,240,,9\n", 2, 7, "", "7 fields"},
		{"bad start", h + "x,900,telephony,4,240,\n", 2, 1, "start_seconds", `"x" is not a finite number`},
		{"negative start", h + "-1,900,telephony,4,240,\n", 2, 1, "start_seconds", "want a number >= 0"},
		{"zero interval", "# c\n" + h + "0,0,telephony,4,240,\n", 3, 2, "interval_seconds", "want a number > 0"},
		{"tiny interval", h + "0,1e-12,telephony,4,240,\n", 2, 2, "interval_seconds", "rounds to 0ns"},
		{"huge start", h + "1e12,900,telephony,4,240,\n", 2, 1, "start_seconds", "100 years"},
		{"ends too late", h + "3153599000,3000,telephony,4,240,\n", 2, 2, "interval_seconds", "after 100 years"},
		{"infinite arrivals", h + "0,900,telephony,Inf,240,\n", 2, 4, "arrivals", "not a finite number"},
		{"NaN arrivals", h + "0,900,telephony,NaN,240,\n", 2, 4, "arrivals", "not a finite number"},
		{"negative arrivals", h + "0,900,telephony,-3,240,\n", 2, 4, "arrivals", "want a number in [0"},
		{"empty modality", h + "0,900, ,4,240,\n", 2, 3, "modality", "empty modality"},
		{"odd modality", h + "0,900,tele phony,4,240,\n", 2, 3, "modality", "want letters"},
		{"zero aht", h + "0,900,telephony,4,0,\n", 2, 5, "aht_seconds", "> 0"},
		{"zero patience", h + "0,900,telephony,4,240,0\n", 2, 6, "patience_seconds", "> 0"},
		{"bad patience", h + "0,900,telephony,4,240,soon\n", 2, 6, "patience_seconds", `"soon"`},
		{"overlap", h + "0,900,telephony,4,240,\n900,900,telephony,4,240,\n600,900,telephony,4,240,\n", 4, 1, "start_seconds", "interval [10m0s, 25m0s) of telephony overlaps [0s, 15m0s)"},
		{"bad quoting", h + "0,900,\"tele\"phony,4,240,\n", 2, 0, "", "character 12: extraneous"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := sim.ReadTrace(strings.NewReader(c.in))
			var pe *sim.ParseError
			require.ErrorAs(t, err, &pe, "ReadTrace(%q); want a *ParseError", c.in)
			assert.Equal(t, c.line, pe.Line, "line of %v", err)
			assert.Equal(t, c.col, pe.Column, "column of %v", err)
			assert.Equal(t, c.field, pe.Field, "field of %v", err)
			assert.Contains(t, err.Error(), c.msg, "the message")
			assert.Contains(t, err.Error(), "line ", "the message names the line")
		})
	}
	t.Run("no interval", func(t *testing.T) {
		_, err := sim.ReadTrace(strings.NewReader(h))
		assert.ErrorIs(t, err, sim.ErrEmpty, "a header without rows")
	})
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := sim.ReadTrace(failingReader{boom})
		assert.ErrorIs(t, err, boom, "the reader's error")
	})
	t.Run("gaps and out of order are fine", func(t *testing.T) {
		tr, err := sim.ReadTrace(strings.NewReader(h + "1800,900,chat,1,60,\n0,900,chat,1,60,\n900,900,telephony,1,60,\n"))
		require.NoError(t, err, "ReadTrace")
		assert.Len(t, tr, 3, "intervals")
	})
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestWriteTraceRoundTrip(t *testing.T) {
	for name, sc := range sim.Scenarios() {
		tr := sc.Trace(1)
		var b bytes.Buffer
		require.NoError(t, sim.WriteTrace(&b, tr, sc.Comment(1)), "%s: WriteTrace", name)
		assert.True(t, strings.HasPrefix(b.String(), "# "+name+": "), "%s: the file starts with the comment", name)
		back, err := sim.ReadTrace(&b)
		require.NoError(t, err, "%s: ReadTrace", name)
		assert.Equal(t, tr, back, "%s: the trace read back; want it unchanged", name)
	}
	odd := sim.Trace{{Start: 1500 * time.Millisecond, Length: 2*time.Hour + time.Millisecond, Modality: "x", Arrivals: 0.125,
		HandleTime: 3*time.Second + 7*time.Millisecond, Patience: 999 * time.Millisecond}}
	var b bytes.Buffer
	require.NoError(t, sim.WriteTrace(&b, odd, "multi\nline"), "WriteTrace")
	assert.Contains(t, b.String(), "# multi\n# line\n", "each comment line prefixed")
	assert.Contains(t, b.String(), "1.5,7200.001,x,0.125,3.007,0.999\n", "times in seconds, exactly")
	back, err := sim.ReadTrace(&b)
	require.NoError(t, err, "ReadTrace")
	assert.Equal(t, odd, back, "milliseconds survive the round trip")
}

func TestScenarios(t *testing.T) {
	for name, sc := range sim.Scenarios() {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, name, sc.Name, "name")
			a, b := sc.Trace(42), sc.Trace(42)
			assert.Equal(t, a, b, "the same seed; want the same trace")
			assert.NotEqual(t, a, sc.Trace(43), "another seed; want another trace")
			share := 0.0
			for _, m := range sc.Mix {
				share += m.Share
			}
			assert.InDelta(t, 1, share, 1e-9, "the shares of the mix add up to 1")
			days := max(sc.Days, 1)
			assert.Len(t, a, days*int(sc.Length/sc.Interval)*len(sc.Mix), "one row per interval and modality")
			for _, iv := range a {
				assert.Equal(t, iv.Arrivals, float64(int(iv.Arrivals)), "whole arrivals")
				assert.GreaterOrEqual(t, iv.Arrivals, 0.0, "arrivals")
			}
		})
	}
	t.Run("concert spike", func(t *testing.T) {
		tr := sim.Scenarios()["concert"].Trace(1)
		before, after := 0.0, 0.0
		for _, iv := range tr {
			switch iv.Start {
			case 9*time.Hour + 55*time.Minute:
				before += iv.Arrivals
			case 10 * time.Hour:
				after += iv.Arrivals
			}
		}
		assert.Greater(t, after, 10*before, "arrivals from 10:00 (%v); want the on-sale spike over 10:55's %v", after, before)
	})
	t.Run("trade show days", func(t *testing.T) {
		tr := sim.Scenarios()["tradeshow"].Trace(1)
		perDay := make([]float64, 3)
		for _, iv := range tr {
			perDay[iv.Start/(24*time.Hour)] += iv.Arrivals
		}
		assert.Greater(t, perDay[1], perDay[0], "day 2 is the busiest")
		assert.Less(t, perDay[2], perDay[0], "day 3 is the quietest")
	})
}
