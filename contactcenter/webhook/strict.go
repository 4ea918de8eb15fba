package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"time"
)

// decodeStrict decodes data, one JSON object, into v, a pointer to a
// struct, refusing what encoding/json lets through: unknown fields, keys
// in another case than the json tag, repeated keys, trailing data. Every
// leaf value is decoded on its own, so a value of the wrong type is
// reported with its path. It returns nil or the first problem found.
func decodeStrict(data []byte, v any) *Problem {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	w := walker{dec: dec, size: len(data)}
	if p := w.value("", reflect.ValueOf(v).Elem(), true); p != nil {
		return p
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Problem{Message: fmt.Sprintf("trailing data after the JSON object at byte %d", w.dec.InputOffset())}
	}
	return nil
}

type walker struct {
	dec  *json.Decoder
	size int
}

var (
	timeType        = reflect.TypeFor[time.Time]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// leaf reports whether values of t are decoded whole rather than walked.
func leaf(t reflect.Type) bool {
	if t == timeType || reflect.PointerTo(t).Implements(unmarshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Slice:
		return false
	case reflect.Pointer:
		return leaf(t.Elem())
	}
	return true
}

// value decodes the next JSON value into v, which is settable.
func (w *walker) value(path string, v reflect.Value, top bool) *Problem {
	t := v.Type()
	if leaf(t) {
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return w.syntax(path, err, top)
		}
		if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
			return &Problem{Field: path, Message: leafMessage(t, raw, err)}
		}
		return nil
	}
	tok, err := w.dec.Token()
	if err != nil {
		return w.syntax(path, err, top)
	}
	if tok == nil { // null: as absent
		if top {
			return &Problem{Message: "want a JSON object, got null"}
		}
		return nil
	}
	if t.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		v, t = v.Elem(), t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return &Problem{Field: path, Message: "want an object, got " + tokenKind(tok)}
		}
		return w.object(path, v)
	case reflect.Slice:
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return &Problem{Field: path, Message: "want an array, got " + tokenKind(tok)}
		}
		return w.array(path, v)
	}
	return &Problem{Field: path, Message: "cannot decode this field"} // unreachable: leaf covers the rest
}

func (w *walker) object(path string, v reflect.Value) *Problem {
	fields := fieldsOf(v.Type())
	seen := make(map[string]bool)
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return w.syntax(path, err, false)
		}
		key, _ := tok.(string)
		p := join(path, key)
		i, ok := fields.index[key]
		if !ok {
			msg := "unknown field"
			if s := fields.suggest(key); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += "; want one of " + strings.Join(fields.names, ", ")
			}
			return &Problem{Field: p, Message: msg}
		}
		if seen[key] {
			return &Problem{Field: p, Message: "repeated field"}
		}
		seen[key] = true
		if prob := w.value(p, v.Field(i), false); prob != nil {
			return prob
		}
	}
	if _, err := w.dec.Token(); err != nil { // the closing '}'
		return w.syntax(path, err, false)
	}
	return nil
}

func (w *walker) array(path string, v reflect.Value) *Problem {
	v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	for i := 0; w.dec.More(); i++ {
		elem := reflect.New(v.Type().Elem()).Elem()
		if p := w.value(fmt.Sprintf("%s[%d]", path, i), elem, false); p != nil {
			return p
		}
		v.Set(reflect.Append(v, elem))
	}
	if _, err := w.dec.Token(); err != nil { // the closing ']'
		return w.syntax(path, err, false)
	}
	return nil
}

// syntax turns a decoder error into a problem at path.
func (w *walker) syntax(path string, err error, top bool) *Problem {
	var se *json.SyntaxError
	switch {
	case top && errors.Is(err, io.EOF) && w.size == 0:
		return &Problem{Message: "empty body; want a JSON object"}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &Problem{Field: path, Message: fmt.Sprintf("truncated JSON: the body ends after %d bytes inside a value", w.size)}
	case errors.As(err, &se):
		return &Problem{Field: path, Message: fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))}
	}
	return &Problem{Field: path, Message: "invalid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
}

// leafMessage says why raw does not decode into a value of type t.
func leafMessage(t reflect.Type, raw json.RawMessage, err error) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	got := rawKind(raw)
	if t != timeType && reflect.PointerTo(t).Implements(unmarshalerType) {
		// A type with its own decoding (a duration): its message says
		// what it wants.
		return strings.TrimPrefix(err.Error(), "json: ")
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
		return strings.TrimPrefix(err.Error(), "json: ")
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

func tokenKind(tok json.Token) string {
	switch x := tok.(type) {
	case json.Delim:
		if x == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	}
	return "null"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

type structFields struct {
	index map[string]int // json name → field index
	names []string       // json names in field order
}

var fieldCache sync.Map // reflect.Type → *structFields

// fieldsOf returns the json names of t's exported fields.
func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{index: make(map[string]int)}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f.index[name] = i
		f.names = append(f.names, name)
	}
	fieldCache.Store(t, f)
	return f
}

// suggest returns the known name key was probably meant to be: the same
// but for case, or "" if none.
func (f *structFields) suggest(key string) string {
	for _, n := range f.names {
		if strings.EqualFold(n, key) {
			return n
		}
	}
	return ""
}
