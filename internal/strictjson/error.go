package strictjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// The kinds of problems, one in each [Error.Kind].
var (
	// ErrUnknownField: an object key names no field of the struct, or
	// names one only in another case. Error.Key is the key as written,
	// Error.Known the field names, Error.Suggestion the one it differs from
	// only in case, if any.
	ErrUnknownField = errors.New("strictjson: unknown field")
	// ErrRepeatedField: an object key appears a second time. Error.Key is
	// the key.
	ErrRepeatedField = errors.New("strictjson: repeated field")
	// ErrType: a value does not fit the Go type it is decoded into.
	// Error.Type is that type, Error.Value the value as written and
	// Error.Err, when not nil, what encoding/json said about it.
	ErrType = errors.New("strictjson: value of the wrong type")
	// ErrTrailingData: something other than white space follows the value.
	ErrTrailingData = errors.New("strictjson: data after the value")
	// ErrSyntax: the input is not well-formed JSON. Error.Err is the
	// [*json.SyntaxError].
	ErrSyntax = errors.New("strictjson: malformed JSON")
	// ErrTruncated: the input ends inside the value.
	ErrTruncated = errors.New("strictjson: unexpected end of input")
	// ErrEmpty: the input holds no value, only white space or nothing.
	ErrEmpty = errors.New("strictjson: empty input")
)

// An Error is one problem [Decode] found.
type Error struct {
	// Kind says what is wrong: one of the sentinel errors of this package.
	Kind error
	// Path names the value the problem is about: object keys joined by
	// dots, array indices in brackets ("queues[1].modalities[0]"). For an
	// unknown or repeated field it ends in the key. For malformed input it
	// is the value being read when the input turned out malformed. It is
	// empty for the input as a whole.
	Path string
	// Offset is where in the input the problem is, in bytes from 0: the
	// key of an unknown or repeated field, the start of a value of the
	// wrong type, the first byte of trailing data, the byte that makes
	// the input malformed, or the end of the input.
	Offset int

	// Key is the key of an unknown or repeated field, unquoted.
	Key string
	// Known lists the json names of the struct's fields, in field order,
	// for an unknown field. The slice is the Error's own.
	Known []string
	// Suggestion is the name in Known that differs from an unknown Key
	// only in case, or "".
	Suggestion string

	// Type is the Go type a value of the wrong type was to be decoded
	// into, pointers removed.
	Type reflect.Type
	// Value is the value of the wrong type as written: a slice of the
	// input.
	Value json.RawMessage

	// Err is the error behind the problem, when there is one: for a value
	// of the wrong type decoded whole by encoding/json, what that
	// reported (a [*json.UnmarshalTypeError], a [*time.ParseError], the
	// error of an UnmarshalJSON method), and nil when the value's kind
	// does not fit a struct or slice; for ErrSyntax, the
	// [*json.SyntaxError]; for ErrTruncated and ErrEmpty,
	// [io.ErrUnexpectedEOF] and [io.EOF].
	Err error
}

// Error returns "strictjson: path: message", without the path when it is
// empty.
func (e *Error) Error() string {
	var msg string
	switch e.Kind {
	case ErrUnknownField:
		msg = fmt.Sprintf("unknown field %q", e.Key)
		if e.Suggestion != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", e.Suggestion)
		}
	case ErrRepeatedField:
		msg = fmt.Sprintf("repeated field %q", e.Key)
	case ErrType:
		msg = fmt.Sprintf("cannot decode %s into a value of type %v", kindOf(e.Value), e.Type)
		if e.Err != nil {
			msg += ": " + e.Err.Error()
		}
	case ErrTrailingData:
		msg = fmt.Sprintf("data after the value at byte %d", e.Offset)
	case ErrSyntax:
		msg = fmt.Sprintf("malformed JSON at byte %d: %v", e.Offset, e.Err)
	case ErrTruncated:
		msg = fmt.Sprintf("unexpected end of input after %d bytes", e.Offset)
	case ErrEmpty:
		msg = "empty input"
	default:
		msg = fmt.Sprint(e.Kind)
	}
	if e.Path == "" {
		return "strictjson: " + msg
	}
	return "strictjson: " + e.Path + ": " + msg
}

// Unwrap returns Kind and, when there is one, Err, so that errors.Is sees
// the sentinel and errors.As the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Errors lists the problems [Decode] found, in the order of the input; it
// is never empty. errors.As finds the first *Error in it.
type Errors []*Error

// Error returns the first problem's text and how many more there are.
func (es Errors) Error() string {
	switch len(es) {
	case 0:
		return "strictjson: no problems"
	case 1:
		return es[0].Error()
	}
	return fmt.Sprintf("%v (and %d more)", es[0], len(es)-1)
}

// Unwrap returns the problems, so that errors.Is and errors.As see each
// one.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// kindOf names the kind of the JSON value v by its first byte.
func kindOf(v []byte) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
