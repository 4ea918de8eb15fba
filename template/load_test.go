package template_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/template"
)

// mutateJSON returns the valid template's JSON form after f changed it.
func mutateJSON(t *testing.T, f func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(validJSON(t)), &m), "unmarshal the valid template")
	f(m)
	b, err := json.Marshal(m)
	require.NoError(t, err, "marshal the mutated template")
	return string(b)
}

func obj(v any) map[string]any { return v.(map[string]any) }
func arr(v any) []any          { return v.([]any) }

func TestLoadValid(t *testing.T) {
	got, err := template.Load(strings.NewReader(validJSON(t)))
	require.NoError(t, err, "want the valid template to load")
	assert.Equal(t, validTemplate(), got, "want Load to give back the template that was marshalled")
}

// TestLoadEmptySkills checks that empty lists of skills load as none,
// as they marshal (omitempty), so that a template loads back equal.
func TestLoadEmptySkills(t *testing.T) {
	data := mutateJSON(t, func(m map[string]any) {
		m["skills"] = []any{}
		for _, q := range arr(m["queues"]) {
			obj(q)["skills"] = []any{}
		}
	})
	got, err := template.Load(strings.NewReader(data))
	require.NoError(t, err, "want a template with empty lists of skills valid")
	want := validTemplate()
	want.Skills = nil
	for i := range want.Queues {
		want.Queues[i].Skills = nil
	}
	assert.Equal(t, want, got, "want empty lists of skills loaded as nil")
}

func TestLoadAcceptsSurroundingSpace(t *testing.T) {
	_, err := template.Load(strings.NewReader("\n\t " + validJSON(t) + "\r\n\n"))
	assert.NoError(t, err, "want white space around the object accepted")
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name     string
		input    func(t *testing.T) string
		path     string
		fragment string
	}{
		{"unknown top-level field", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { m["colour"] = "blue" })
		}, "colour", `unknown field "colour"`},
		{"unknown nested field", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { obj(m["staffing"])["maxAgent"] = 3 })
		}, "staffing.maxAgent", `unknown field "maxAgent"`},
		{"unknown field in array element", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { obj(arr(m["queues"])[1])["colour"] = "red" })
		}, "queues[1].colour", `unknown field "colour"`},
		{"unknown skill in a queue", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { obj(arr(m["queues"])[2])["skills"] = []any{"accessibility", "sign-language"} })
		}, "queues[2].skills[1]", `unknown skill "sign-language"; want one of registration, accessibility, de`},
		{"unknown overflow queue", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { obj(arr(m["queues"])[0])["overflow"] = "general" })
		}, "queues[0].overflow", `unknown queue "general"; want one of registration, speakers, accessibility`},
		{"maxWait as a number", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { obj(arr(m["queues"])[0])["maxWait"] = 300 })
		}, "queues[0].maxWait", `must be a duration string such as "15m", got number 300`},
		{"unknown field in a queue's service level", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { obj(obj(arr(m["queues"])[2])["serviceLevel"])["threshold"] = "20s" })
		}, "queues[2].serviceLevel.threshold", `unknown field "threshold"`},
		{"field in the wrong case", func(t *testing.T) string {
			return strings.Replace(validJSON(t), `"maxAgents"`, `"MaxAgents"`, 1)
		}, "staffing.MaxAgents", `unknown field "MaxAgents" (did you mean "maxAgents"?)`},
		{"repeated field", func(t *testing.T) string {
			return strings.Replace(validJSON(t), `"version": "1"`, `"version": "1", "version": "2"`, 1)
		}, "version", `duplicate field "version"`},
		{"trailing object", func(t *testing.T) string { return validJSON(t) + "\n{}" }, "", "unexpected data after the template"},
		{"trailing garbage", func(t *testing.T) string { return validJSON(t) + "x" }, "", "unexpected data after the template"},
		{"trailing garbage position", func(t *testing.T) string { return `{"name":"x"}` + "\n  ]" }, "", "line 2, column 3: unexpected data"},
		{"empty", func(*testing.T) string { return "" }, "", "empty input"},
		{"only space", func(*testing.T) string { return " \n " }, "", "empty input"},
		{"truncated", func(t *testing.T) string { return validJSON(t)[:100] }, "", "unexpected end of input"},
		{"syntax error position", func(*testing.T) string {
			return "{\n  \"name\": \"x\",\n  \"version\": oops\n}"
		}, "", "line 3, column 14: invalid character 'o'"},
		{"not an object", func(*testing.T) string { return `["conference"]` }, "", "must be an object, got array"},
		{"string for a string field", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { m["name"] = 5 })
		}, "name", "must be a string, got number"},
		{"string for an int", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { obj(m["staffing"])["maxAgents"] = "ten" })
		}, "staffing.maxAgents", "must be an integer"},
		{"fraction for an int", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { obj(m["staffing"])["maxAgents"] = 1.5 })
		}, "staffing.maxAgents", "must be an integer in the range of int, got number 1.5"},
		{"int out of range", func(t *testing.T) string {
			return strings.Replace(validJSON(t), `"maxAgents": 20`, `"maxAgents": 1e30`, 1)
		}, "staffing.maxAgents", "got number 1e30"},
		{"number in an array of strings", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { arr(obj(arr(m["queues"])[1])["modalities"])[1] = 5 })
		}, "queues[1].modalities[1]", "must be a string, got number"},
		{"object for an array", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { m["queues"] = map[string]any{} })
		}, "queues", "must be an array, got object"},
		{"string for an object", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { m["staffing"] = "lots" })
		}, "staffing", "must be an object, got string"},
		{"number for a duration", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { obj(arr(m["modalities"])[2])["handleTime"] = 300 })
		}, "modalities[2].handleTime", `must be a duration string such as "15m", got number 300`},
		{"bad duration string", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { obj(m["timing"])["grace"] = "an hour" })
		}, "timing.grace", `must be a duration string such as "15m", got string "an hour"`},
		{"duration without unit", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { obj(obj(m["staffing"])["serviceLevel"])["within"] = "20" })
		}, "staffing.serviceLevel.within", `got string "20"`},
		{"bool for a number", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { obj(m["capacity"])["baseSpace"] = true })
		}, "capacity.baseSpace", "must be a number, got bool"},
		{"negative duration is a validation problem", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { obj(arr(m["modalities"])[1])["handleTime"] = "-5m" })
		}, "modalities[1].handleTime", "must be > 0, got -5m"},
		{"string for an array element object", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { arr(m["queues"])[1] = "speakers" })
		}, "queues[1]", "must be an object, got string"},
		{"late element of a long array", func(*testing.T) string {
			return `{"eventTypes":[` + strings.Repeat(`"a",`, 1000) + `5]}`
		}, "eventTypes[1000]", "must be a string, got number"},
		{"deeply nested", func(*testing.T) string {
			return strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
		}, "", "must be an object, got array"},
		{"deeply nested under an unknown field", func(*testing.T) string {
			return `{"x":` + strings.Repeat(`{"a":[`, 2000) + strings.Repeat(`]}`, 2000) + `}`
		}, "x", `unknown field "x"`},
		{"null template", func(*testing.T) string { return "null" }, "name", "required"},
		{"invalid template", func(t *testing.T) string {
			return mutateJSON(t, func(m map[string]any) { obj(m["postTerm"])["aging"] = "720h" })
		}, "postTerm.aging", "at least 45 days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := template.Load(strings.NewReader(tt.input(t)))
			assert.Nil(t, got, "want no template on error")
			requireProblem(t, err, tt.path, tt.fragment)
		})
	}
}

func TestLoadErrorText(t *testing.T) {
	_, err := template.Load(strings.NewReader("{\n  \"name\" 5\n}"))
	assert.EqualError(t, err, "template: invalid: line 2, column 10: invalid character '5' after object key",
		"want a problem with the whole input shown without a path")

	_, err = template.Load(strings.NewReader(`{"name": 5}`))
	assert.EqualError(t, err, "template: invalid: name: must be a string, got number")
}

func TestLoadReportsEveryUnknownField(t *testing.T) {
	in := mutateJSON(t, func(m map[string]any) {
		m["colour"] = "blue"
		obj(m["timing"])["lead"] = "1h"
		obj(arr(m["access"].(map[string]any)["roles"])[0])["perms"] = []any{}
	})
	_, err := template.Load(strings.NewReader(in))
	// mutateJSON sorts keys, so the problems come in that order.
	assert.Equal(t, []string{"access.roles[0].perms", "colour", "timing.lead"}, paths(t, err),
		"want every unknown field, in document order")
}

func TestLoadOversize(t *testing.T) {
	in := validJSON(t)
	t.Run("over 1 MiB", func(t *testing.T) {
		big := in + strings.Repeat(" ", 1<<20-len(in)+1)
		_, err := template.Load(strings.NewReader(big))
		requireProblem(t, err, "", "larger than the limit of 1 MiB")
	})
	t.Run("exactly 1 MiB", func(t *testing.T) {
		full := in + strings.Repeat(" ", 1<<20-len(in))
		_, err := template.Load(strings.NewReader(full))
		assert.NoError(t, err, "want an input of exactly 1 MiB accepted")
	})
	t.Run("endless", func(t *testing.T) {
		_, err := template.Load(endless{})
		requireProblem(t, err, "", "1 MiB")
	})
}

// endless is a reader that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestLoadReadError(t *testing.T) {
	boom := errors.New("boom")
	_, err := template.Load(iotest.ErrReader(boom))
	require.ErrorIs(t, err, boom, "want the reader's error wrapped")
	var ve *template.ValidationError
	assert.False(t, errors.As(err, &ve), "want a read error not to look like a validation error")

	_, err = template.Load(nil)
	assert.Error(t, err, "want an error for a nil reader")
}

func TestDurationJSON(t *testing.T) {
	tests := []struct {
		d    time.Duration
		json string
	}{
		{0, `"0s"`},
		{15 * time.Minute, `"15m"`},
		{48 * time.Hour, `"48h"`},
		{90 * time.Second, `"1m30s"`},
		{90 * time.Minute, `"1h30m"`},
		{time.Hour + 5*time.Second, `"1h0m5s"`},
		{1500 * time.Millisecond, `"1.5s"`},
		{-5 * time.Minute, `"-5m"`},
		{2160 * time.Hour, `"2160h"`},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			b, err := json.Marshal(template.Duration(tt.d))
			require.NoError(t, err)
			assert.Equal(t, tt.json, string(b), "want %v written as %s", tt.d, tt.json)
			assert.Equal(t, strings.Trim(tt.json, `"`), template.Duration(tt.d).String(), "want String to match the JSON form")

			var got template.Duration
			require.NoError(t, json.Unmarshal(b, &got), "want %s to read back", b)
			assert.Equal(t, template.Duration(tt.d), got, "want the round trip to keep the value")
		})
	}

	t.Run("reads any Go duration", func(t *testing.T) {
		var got template.Duration
		require.NoError(t, json.Unmarshal([]byte(`"1h30m15.5s"`), &got))
		assert.Equal(t, template.Duration(time.Hour+30*time.Minute+15500*time.Millisecond), got)
	})
	t.Run("null keeps the value", func(t *testing.T) {
		got := template.Duration(time.Minute)
		require.NoError(t, json.Unmarshal([]byte(`null`), &got))
		assert.Equal(t, template.Duration(time.Minute), got, "want null to leave the duration alone")
	})
	for _, bad := range []string{`300`, `"300"`, `"fast"`, `true`, `[]`, `{}`, `""`} {
		t.Run("rejects "+bad, func(t *testing.T) {
			var got template.Duration
			err := json.Unmarshal([]byte(bad), &got)
			var te *json.UnmarshalTypeError
			assert.ErrorAs(t, err, &te, "want %s rejected with a *json.UnmarshalTypeError", bad)
		})
	}
	t.Run("D", func(t *testing.T) {
		assert.Equal(t, 15*time.Minute, template.Duration(15*time.Minute).D())
	})
}

// TestDocExampleLoads keeps the template shown in the package
// documentation the one the examples load.
func TestDocExampleLoads(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var lines []string
	in := false
	for line := range strings.Lines(string(src)) {
		switch {
		case line == "//\t{\n":
			in = true
		case !in:
			continue
		}
		lines = append(lines, strings.TrimPrefix(strings.TrimPrefix(line, "//"), "\t"))
		if line == "//\t}\n" {
			break
		}
	}
	require.NotEmpty(t, lines, "want the JSON example in doc.go")
	doc := strings.TrimSpace(strings.Join(lines, ""))
	assert.Equal(t, conferenceJSON, doc, "want doc.go to show the template the examples load")
	_, err = template.Load(strings.NewReader(doc))
	assert.NoError(t, err, "want the template of the documentation valid")
}
