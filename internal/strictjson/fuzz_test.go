package strictjson_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/eventcc/eventcc/internal/strictjson"
)

// FuzzDecode checks that Decode never panics; that json.Unmarshal accepts
// what Decode accepts and makes the same value of it; that Decode refuses
// only with Errors, never empty, malformed input reported last; that it
// calls input malformed exactly when encoding/json does; and that it
// refuses a value of the wrong type only where json.Unmarshal refuses it
// too. The seed corpus is in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var got doc
		err := strictjson.Decode(data, &got)
		if err == nil {
			var want doc
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatalf("Decode accepted %q, json.Unmarshal did not: %v", data, err)
			}
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("Decode(%q) = %#v; json.Unmarshal made %#v", data, got, want)
			}
			return
		}
		var es strictjson.Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("Decode(%q) = %v; want Errors listing at least one problem", data, err)
		}
		malformed, trailing, onlyTypes := false, false, true
		for i, e := range es {
			switch e.Kind {
			case strictjson.ErrSyntax, strictjson.ErrTruncated, strictjson.ErrEmpty:
				if i != len(es)-1 {
					t.Fatalf("Decode(%q): %v is not the last problem of %d", data, e, len(es))
				}
				malformed = true
			case strictjson.ErrTrailingData:
				trailing = true
			case strictjson.ErrType:
				if e.Type == nil || len(e.Value) == 0 {
					t.Fatalf("Decode(%q): %v without the type or the value", data, e)
				}
				continue
			case strictjson.ErrUnknownField, strictjson.ErrRepeatedField:
			default:
				t.Fatalf("Decode(%q): problem of no known kind: %v", data, e)
			}
			onlyTypes = false
			if e.Offset < 0 || e.Offset > len(data) {
				t.Fatalf("Decode(%q): %v at offset %d, outside the input", data, e, e.Offset)
			}
		}
		if valid := json.Valid(data); valid != (!malformed && !trailing) {
			t.Fatalf("Decode(%q) = %v (malformed: %t, trailing data: %t); json.Valid says %t", data, err, malformed, trailing, valid)
		}
		if onlyTypes && json.Unmarshal(data, new(doc)) == nil {
			t.Fatalf("Decode(%q) = %v; json.Unmarshal accepts the values", data, err)
		}
	})
}
