package template

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"
)

var (
	_ json.Marshaler   = Duration(0)
	_ json.Unmarshaler = (*Duration)(nil)
)

var durationType = reflect.TypeFor[Duration]()

// String returns d in the form [Duration.MarshalJSON] writes, without
// zero trailing units: "15m", "48h", "1h30m", "0s".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2] // "15m0s" -> "15m"
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2] // "48h0m" -> "48h"
	}
	return s
}

// MarshalJSON writes d as a JSON string in Go duration syntax ("15m").
func (d Duration) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, d.String()), nil
}

// UnmarshalJSON reads a JSON string in Go duration syntax, as accepted by
// [time.ParseDuration] ("90s", "15m", "1h30m"). A negative duration is
// read as is; [Template.Validate] rejects it where it is not allowed. JSON
// null leaves d unchanged. Anything else, including a bare number, is an
// error of type *[encoding/json.UnmarshalTypeError], which [Load] reports
// with the field's path.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if len(b) == 0 || b[0] != '"' || json.Unmarshal(b, &s) != nil {
		return &json.UnmarshalTypeError{Value: jsonKindOf(b), Type: durationType}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(s), Type: durationType}
	}
	*d = Duration(v)
	return nil
}

// jsonKindOf names the kind of the JSON value b the way
// json.UnmarshalTypeError.Value does ("number 5", "object").
func jsonKindOf(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	k := jsonKind(b[0])
	if k == "number" {
		k += " " + string(b)
	}
	return k
}
