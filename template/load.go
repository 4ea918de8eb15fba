package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/eventcc/eventcc/internal/strictjson"
)

// maxInput is the largest template Load reads, in bytes.
const maxInput = 1 << 20

// Load reads one template in its JSON form from r and validates it.
//
// Loading is strict: r must hold exactly one JSON object of at most 1 MiB,
// optionally surrounded by white space. Every key must be one of the
// template's field names, spelled exactly (encoding/json's case-insensitive
// matching is not accepted), at most once per object. Durations are Go
// duration strings ("15m"); a bare number is an error.
//
// Malformed JSON, a value of the wrong type, an unknown or repeated field,
// trailing data and oversize input are reported like validation problems:
// as a *[ValidationError] whose [FieldError] paths name the field when it
// is known ("staffing.maxAgents", "queues[1].modalities[0]") and are empty
// for problems with the input as a whole. Every such problem is reported,
// but malformed JSON is reported alone. If the JSON is well-formed, Load
// returns what [Template.Validate] reports. An error reading r is returned
// wrapped, not as a *ValidationError.
func Load(r io.Reader) (*Template, error) {
	if r == nil {
		return nil, errors.New("template: load: nil reader")
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("template: load: %w", err)
	}
	if len(data) > maxInput {
		var ps problems
		ps.add("", "input is larger than the limit of 1 MiB (%d bytes)", maxInput)
		return nil, ps.err()
	}
	t, ps := decode(data)
	if len(ps) > 0 {
		return nil, ps.err()
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// decode parses data into a Template, strictly.
func decode(data []byte) (*Template, problems) {
	var t Template
	err := strictjson.Decode(data, &t)
	var (
		ps   problems
		errs strictjson.Errors
	)
	switch {
	case err == nil:
	case errors.As(err, &errs):
		// Input that is not well-formed JSON is reported alone: what was
		// found before the mistake is not worth reading yet.
		if last := errs[len(errs)-1]; malformed(last) {
			errs = errs[len(errs)-1:]
		}
		for _, e := range errs {
			path, msg := problemOf(data, e)
			ps.add(path, "%s", msg)
		}
		return nil, ps
	default: // cannot happen: strictjson supports every field of Template
		ps.add("", "%s", err)
		return nil, ps
	}
	// An empty list of features or skills cannot be told from none in
	// the JSON form (omitempty): load both as nil so that a template marshals and loads
	// back to an equal value.
	for i := range t.Modalities {
		if len(t.Modalities[i].Features) == 0 {
			t.Modalities[i].Features = nil
		}
	}
	if len(t.Skills) == 0 {
		t.Skills = nil
	}
	for i := range t.Queues {
		if len(t.Queues[i].Skills) == 0 {
			t.Queues[i].Skills = nil
		}
	}
	return &t, nil
}

func malformed(e *strictjson.Error) bool {
	switch e.Kind {
	case strictjson.ErrSyntax, strictjson.ErrTruncated, strictjson.ErrEmpty:
		return true
	}
	return false
}

// problemOf words e for the author of the template: its path, empty for
// the input as a whole, and message.
func problemOf(data []byte, e *strictjson.Error) (path, msg string) {
	switch e.Kind {
	case strictjson.ErrUnknownField:
		msg = fmt.Sprintf("unknown field %q", e.Key)
		if e.Suggestion != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", e.Suggestion)
		}
		return e.Path, msg
	case strictjson.ErrRepeatedField:
		return e.Path, fmt.Sprintf("duplicate field %q", e.Key)
	case strictjson.ErrType:
		return e.Path, typeMessage(e)
	case strictjson.ErrTrailingData:
		return "", position(data, e.Offset) + ": unexpected data after the template"
	case strictjson.ErrEmpty:
		return "", "empty input: want a JSON object"
	case strictjson.ErrTruncated:
		return "", position(data, e.Offset) + ": unexpected end of input"
	case strictjson.ErrSyntax:
		return "", position(data, e.Offset) + ": " + e.Err.Error()
	}
	return e.Path, e.Error()
}

// position returns "line L, column C" for the byte at offset i of data,
// both 1-based; columns count bytes.
func position(data []byte, i int) string {
	i = max(0, min(i, len(data)))
	line := 1 + bytes.Count(data[:i], []byte("\n"))
	col := i - bytes.LastIndexByte(data[:i], '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

// typeMessage says what a field wanted and what it got. A value decoded
// whole by encoding/json (a string, a number, a [Duration]) is described
// as its *json.UnmarshalTypeError describes it ("number 1.5"); one whose
// kind does not fit (an array for an object) by its kind.
func typeMessage(e *strictjson.Error) string {
	want, got := e.Type, jsonKind(e.Value[0])
	var te *json.UnmarshalTypeError
	if errors.As(e.Err, &te) {
		got = te.Value
		if te.Type != nil {
			want = te.Type
		}
	}
	return fmt.Sprintf("must be %s, got %s", describeType(want), got)
}

func describeType(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	if t == durationType {
		return `a duration string such as "15m"`
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in the range of " + t.Kind().String()
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	default:
		return t.String()
	}
}

// jsonKind names a value's kind by its first byte, as
// json.UnmarshalTypeError.Value does.
func jsonKind(first byte) string {
	switch first {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	default:
		return "number"
	}
}
