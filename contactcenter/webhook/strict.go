package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/eventcc/eventcc/internal/strictjson"
)

// decodeStrict decodes data, one JSON object, into v, a pointer to a
// struct, with [strictjson.Decode]: refusing unknown fields, keys in
// another case than the json tag, repeated keys and trailing data, and
// reporting a value of the wrong type with its path. Unlike
// strictjson.Decode it refuses null for the object. It returns nil or the
// first problem found.
func decodeStrict(data []byte, v any) *Problem {
	err := strictjson.Decode(data, v)
	if err == nil {
		if string(bytes.Trim(data, " \t\r\n")) == "null" {
			return &Problem{Message: "want a JSON object, got null"}
		}
		return nil
	}
	var e *strictjson.Error
	if !errors.As(err, &e) { // cannot happen: strictjson supports the payload types
		return &Problem{Message: err.Error()}
	}
	return problemOf(data, e)
}

// problemOf words e for the sender of a body.
func problemOf(data []byte, e *strictjson.Error) *Problem {
	p := &Problem{Field: e.Path}
	switch e.Kind {
	case strictjson.ErrUnknownField:
		p.Message = "unknown field"
		if e.Suggestion != "" {
			p.Message += fmt.Sprintf("; did you mean %q?", e.Suggestion)
		} else {
			p.Message += "; want one of " + strings.Join(e.Known, ", ")
		}
	case strictjson.ErrRepeatedField:
		p.Message = "repeated field"
	case strictjson.ErrType:
		p.Message = typeMessage(e)
	case strictjson.ErrTrailingData:
		p.Message = fmt.Sprintf("trailing data after the JSON object at byte %d", e.Offset)
	case strictjson.ErrEmpty:
		p.Message = "empty body; want a JSON object"
	case strictjson.ErrTruncated:
		p.Message = fmt.Sprintf("truncated JSON: the body ends after %d bytes inside a value", len(data))
	case strictjson.ErrSyntax:
		var se *json.SyntaxError
		if errors.As(e.Err, &se) {
			p.Message = fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, se.Error())
		} else {
			p.Message = fmt.Sprintf("invalid JSON at byte %d", e.Offset)
		}
	default:
		p.Message = e.Error()
	}
	return p
}

var (
	timeType        = reflect.TypeFor[time.Time]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// typeMessage says what a field wanted and what it got.
func typeMessage(e *strictjson.Error) string {
	t, raw, got := e.Type, e.Value, rawKind(e.Value)
	if e.Err == nil { // the kind does not fit a struct or a slice
		want := "an object"
		if t.Kind() == reflect.Slice {
			want = "an array"
		}
		return fmt.Sprintf("want %s, got %s", want, got)
	}
	if t != timeType && reflect.PointerTo(t).Implements(unmarshalerType) {
		// A type with its own decoding (a duration): its message says
		// what it wants.
		return strings.TrimPrefix(e.Err.Error(), "json: ")
	}
	var want string
	switch {
	case t == timeType:
		want = `an RFC 3339 time such as "2027-03-01T09:00:00Z"`
	case t.Kind() == reflect.String:
		want = "a string"
	case t.Kind() == reflect.Bool:
		want = "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		if got == "a number" {
			if strings.ContainsAny(string(raw), ".eE") {
				return "want an integer, got " + clip(string(raw))
			}
			return "integer out of range: " + clip(string(raw))
		}
		want = "an integer"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		want = "a number"
	default:
		return strings.TrimPrefix(e.Err.Error(), "json: ")
	}
	if t == timeType && got == "a string" {
		var s string
		_ = json.Unmarshal(raw, &s)
		return fmt.Sprintf("want %s, got %q", want, clip(s))
	}
	return fmt.Sprintf("want %s, got %s", want, got)
}

func rawKind(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
