package strictjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// maxDepth is how deeply Decode follows nested objects and arrays: as
// deeply as encoding/json does.
const maxDepth = 10000

// Decode decodes data, which must hold exactly one JSON value with
// optional white space around it, into the value v points to.
//
// Structs, and slices other than []byte, are walked token by token: every
// key must name a field, by its json tag or, untagged, its Go name,
// spelled exactly and at most once per object. Fields tagged "-" and
// unexported fields have no name. Pointers to structs and slices are
// allocated as needed. Every other value, including those of a type with
// an UnmarshalJSON or UnmarshalText method such as [time.Time], is
// decoded whole, as [json.Unmarshal] decodes it: maps, arrays and
// interface values are checked only as encoding/json checks them (a
// repeated map key, say, is accepted). JSON null leaves a struct as it is and sets a pointer or
// a slice to nil, as encoding/json does.
//
// Decode returns nil when data decodes, or [Errors] listing every problem
// in the order of the input. Problems with values do not stop it: it
// reports each unknown or repeated field and each value of the wrong type
// and goes on (over the value of an unknown field without looking into
// it). Malformed input stops it, and is reported last. On error, v may be
// partly set.
//
// A v that is not a non-nil pointer, or a struct type whose fields
// encoding/json would name in ways Decode does not follow (an untagged
// embedded struct, whose fields it promotes; the ",string" option; two
// fields of one name), is a mistake in the program, not in the input:
// Decode returns an error that is not Errors, wrapping
// [errors.ErrUnsupported] for the types.
func Decode(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("strictjson: Decode needs a non-nil pointer, got %T", v)
	}
	if err := supported(rv.Type().Elem()); err != nil {
		return err
	}
	d := decoder{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	if d.value(rv.Elem()) {
		at := int(d.dec.InputOffset())
		for at < len(data) && isSpace(data[at]) {
			at++
		}
		if at < len(data) {
			d.errs = append(d.errs, &Error{Kind: ErrTrailingData, Offset: at})
		}
	}
	if len(d.errs) > 0 {
		return d.errs
	}
	return nil
}

// A decoder walks one input with a json.Decoder, which checks that it is
// well-formed, in step with the Go value it decodes into. Its methods
// return whether to go on; false means the input is malformed and the
// problem is recorded.
type decoder struct {
	data []byte
	dec  *json.Decoder
	errs Errors
	// skipped holds the values skip reads over, for its buffer.
	skipped json.RawMessage
	// path holds a step for each object and array around the value at
	// hand; it is spelled out only for an Error.
	path []step
}

// A step is a key, or an index when key is "" and index >= 0.
type step struct {
	key   string
	index int
}

// pathString spells out d.path ("queues[1].modalities[0]").
func (d *decoder) pathString() string {
	var b strings.Builder
	for _, s := range d.path {
		switch {
		case s.index >= 0:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		case b.Len() > 0:
			b.WriteByte('.')
			fallthrough
		default:
			b.WriteString(s.key)
		}
	}
	return b.String()
}

// problem records a problem with the value or key at the path.
func (d *decoder) problem(e *Error) {
	e.Path = d.pathString()
	d.errs = append(d.errs, e)
}

// next returns the first byte of the next value or delimiter and its
// offset, or 0 and len(d.data) at the end of the input. It looks past the
// ':' or ',' before a value, which the json.Decoder has not read yet.
func (d *decoder) next() (byte, int) {
	i := int(d.dec.InputOffset())
	for ; i < len(d.data); i++ {
		if c := d.data[i]; !isSpace(c) && c != ':' && c != ',' {
			return c, i
		}
	}
	return 0, len(d.data)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// value decodes the next value into v, which is settable.
func (d *decoder) value(v reflect.Value) bool {
	t := v.Type()
	c, at := d.next()
	if whole(t) {
		// The Decoder decodes the value as json.Unmarshal would. It has
		// read the value, and the error is about the value, only if it
		// has gone past the value's start; else the input is malformed.
		err := d.dec.Decode(v.Addr().Interface())
		end := int(d.dec.InputOffset())
		if end <= at {
			return d.fail(err)
		}
		raw := d.data[at:end]
		if depth := len(d.path); depth+len(raw) > maxDepth && depth+nesting(raw) > maxDepth {
			return d.fail(nil)
		}
		if err != nil {
			d.problem(&Error{Kind: ErrType, Offset: at, Type: indirect(t), Value: raw, Err: err})
		}
		return true
	}
	if c == 'n' {
		if _, ok := d.skip(at); !ok { // null, or malformed
			return false
		}
		if t.Kind() != reflect.Struct {
			v.SetZero()
		}
		return true
	}
	for t.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		v, t = v.Elem(), t.Elem()
	}
	if t.Kind() == reflect.Struct && c == '{' || t.Kind() == reflect.Slice && c == '[' {
		if len(d.path) >= maxDepth {
			return d.fail(nil)
		}
		if c == '{' {
			return d.object(v)
		}
		return d.array(v)
	}
	raw, ok := d.skip(at)
	if !ok {
		return false
	}
	d.problem(&Error{Kind: ErrType, Offset: at, Type: t, Value: raw})
	return true
}

func (d *decoder) object(v reflect.Value) bool {
	if _, err := d.dec.Token(); err != nil { // '{'
		return d.fail(err)
	}
	fs := fieldsOf(v.Type())
	seen := make([]bool, v.NumField())
	for d.dec.More() {
		_, at := d.next()
		tok, err := d.dec.Token()
		if err != nil {
			return d.fail(err)
		}
		key, _ := tok.(string) // the Decoder returns only strings for keys
		d.path = append(d.path, step{key: key, index: -1})
		i, known := fs.index[key]
		switch {
		case !known:
			d.problem(&Error{Kind: ErrUnknownField, Offset: at, Key: key, Known: slices.Clone(fs.names), Suggestion: fs.suggest(key)})
			_, vat := d.next()
			if _, ok := d.skip(vat); !ok {
				return false
			}
		case seen[i]:
			d.problem(&Error{Kind: ErrRepeatedField, Offset: at, Key: key})
			fallthrough
		default:
			seen[i] = true
			if !d.value(v.Field(i)) {
				return false
			}
		}
		d.path = d.path[:len(d.path)-1]
	}
	if _, err := d.dec.Token(); err != nil { // '}'
		return d.fail(err)
	}
	return true
}

func (d *decoder) array(v reflect.Value) bool {
	if _, err := d.dec.Token(); err != nil { // '['
		return d.fail(err)
	}
	s := reflect.MakeSlice(v.Type(), 0, 0)
	for i := 0; d.dec.More(); i++ {
		elem := reflect.New(v.Type().Elem()).Elem()
		d.path = append(d.path, step{index: i})
		if !d.value(elem) {
			return false
		}
		d.path = d.path[:len(d.path)-1]
		s = reflect.Append(s, elem)
	}
	if _, err := d.dec.Token(); err != nil { // ']'
		return d.fail(err)
	}
	v.Set(s)
	return true
}

// skip reads over the next value, which starts at offset at, and returns
// it as written.
func (d *decoder) skip(at int) ([]byte, bool) {
	if err := d.dec.Decode(&d.skipped); err != nil {
		return nil, d.fail(err)
	}
	return d.data[at:d.dec.InputOffset()], true
}

// fail records that the input is malformed where the walk stands; err is
// what the json.Decoder said, or nil past maxDepth. Its errors depend on
// the method that met the problem (Token and Decode word the same mistake
// differently, and count offsets differently), so fail scans the input's
// value afresh for the error json.Unmarshal would report, and where.
func (d *decoder) fail(err error) bool {
	e := &Error{Kind: ErrSyntax, Offset: int(d.dec.InputOffset()), Err: err}
	var syntax *json.SyntaxError
	switch err := json.NewDecoder(bytes.NewReader(d.data)).Decode(new(json.RawMessage)); {
	case errors.As(err, &syntax):
		// Offset counts the bytes read, the offending one included.
		e.Offset, e.Err = int(syntax.Offset)-1, syntax
	case errors.Is(err, io.EOF):
		e.Kind, e.Offset, e.Err = ErrEmpty, len(d.data), err
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.Kind, e.Offset, e.Err = ErrTruncated, len(d.data), err
	}
	d.problem(e)
	return false
}

// nesting returns how deeply objects and arrays nest in the well-formed
// JSON value v.
func nesting(v []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// whole reports whether values of type t are decoded whole, by
// json.Unmarshal, rather than walked.
func whole(t reflect.Type) bool {
	if p := reflect.PointerTo(t); p.Implements(jsonUnmarshaler) || p.Implements(textUnmarshaler) {
		return true
	}
	switch t.Kind() {
	case reflect.Struct:
		return false
	case reflect.Slice:
		return t.Elem().Kind() == reflect.Uint8 // base64, as encoding/json reads []byte
	case reflect.Pointer:
		return whole(t.Elem())
	}
	return true
}

func indirect(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

var supportedCache sync.Map // reflect.Type → error, nil for a supported type

// supported returns nil if Decode can walk values of type t, or an error
// wrapping errors.ErrUnsupported naming the first field in the way.
func supported(t reflect.Type) error {
	if err, ok := supportedCache.Load(t); ok {
		err, _ := err.(error)
		return err
	}
	err := supportedIn(t, make(map[reflect.Type]bool))
	supportedCache.Store(t, err)
	return err
}

func supportedIn(t reflect.Type, seen map[reflect.Type]bool) error {
	if whole(t) || seen[t] {
		return nil
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice:
		return supportedIn(t.Elem(), seen)
	case reflect.Struct:
		fs := fieldsOf(t)
		if fs.err != nil {
			return fs.err
		}
		for _, name := range fs.names {
			if err := supportedIn(t.Field(fs.index[name]).Type, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

// structFields is what Decode knows of a struct type.
type structFields struct {
	index map[string]int // json name → field index
	names []string       // json names, in field order
	err   error          // not nil for a type Decode does not support
}

var fieldCache sync.Map // reflect.Type → *structFields

// fieldsOf returns the json names of t's fields, named as encoding/json
// names them.
func fieldsOf(t reflect.Type) *structFields {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(*structFields)
	}
	fs := &structFields{index: make(map[string]int)}
	unsupported := func(f reflect.StructField, why string) {
		if fs.err == nil {
			fs.err = fmt.Errorf("strictjson: cannot decode into %v: field %s: %s: %w", t, f.Name, why, errors.ErrUnsupported)
		}
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous {
			ft := indirect(f.Type)
			if !f.IsExported() && ft.Kind() != reflect.Struct {
				continue
			}
			if ft.Kind() == reflect.Struct && name == "" || !f.IsExported() {
				unsupported(f, "embedded structs are not supported")
				continue
			}
		} else if !f.IsExported() {
			continue
		}
		if slices.Contains(strings.Split(opts, ","), "string") {
			unsupported(f, `the ",string" option is not supported`)
		}
		if !validTag(name) {
			name = f.Name
		}
		if _, dup := fs.index[name]; dup {
			unsupported(f, fmt.Sprintf("a second field named %q is not supported", name))
			continue
		}
		fs.index[name] = i
		fs.names = append(fs.names, name)
	}
	actual, _ := fieldCache.LoadOrStore(t, fs)
	return actual.(*structFields)
}

// suggest returns the name key differs from only in case, or "".
func (fs *structFields) suggest(key string) string {
	for _, n := range fs.names {
		if strings.EqualFold(n, key) {
			return n
		}
	}
	return ""
}

// validTag reports whether encoding/json takes name from a json tag as a
// field's name; otherwise it uses the Go name.
func validTag(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c) && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			return false
		}
	}
	return true
}
