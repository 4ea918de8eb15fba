package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
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
// for problems with the input as a whole. If the JSON is well-formed, Load
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
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&t)

	var (
		ps      problems
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case err == nil, isUnknownField(err), errors.As(err, &typeErr):
		// The first value is well-formed JSON: walk it below.
	case errors.As(err, &syntax):
		ps.add("", "%s: %s", position(data, int(syntax.Offset)-1), syntax.Error())
		return nil, ps
	case errors.Is(err, io.EOF):
		ps.add("", "empty input: want a JSON object")
		return nil, ps
	case errors.Is(err, io.ErrUnexpectedEOF):
		ps.add("", "%s: unexpected end of input", position(data, len(data)))
		return nil, ps
	default:
		ps.add("", "%s", err.Error())
		return nil, ps
	}

	w := walker{data: data, typeErr: typeErr, fields: make(map[reflect.Type]map[string]reflect.Type)}
	w.value("", "", reflect.TypeFor[Template]())
	ps = w.ps
	switch {
	case typeErr != nil:
		ps.add(w.typeErrPath(), "%s", typeMessage(typeErr))
	case err != nil && len(ps) == 0:
		// The decoder found an unknown field the walker did not; cannot
		// happen, as the walker is stricter, but never drop an error.
		ps.add("", "%s", err.Error())
	}
	rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")
	if len(rest) > 0 {
		ps.add("", "%s: unexpected data after the template", position(data, len(data)-len(rest)))
	}
	if len(ps) > 0 {
		return nil, ps
	}
	// An empty features list cannot be told from none in the JSON form
	// (omitempty): load both as nil so that a template marshals and loads
	// back to an equal value.
	for i := range t.Modalities {
		if len(t.Modalities[i].Features) == 0 {
			t.Modalities[i].Features = nil
		}
	}
	return &t, nil
}

func isUnknownField(err error) bool {
	// encoding/json reports unknown fields with an unexported error type
	// only; its text is the one thing to go by.
	return err != nil && strings.HasPrefix(err.Error(), "json: unknown field ")
}

// position returns "line L, column C" for the byte at offset i of data,
// both 1-based; columns count bytes.
func position(data []byte, i int) string {
	i = max(0, min(i, len(data)))
	line := 1 + bytes.Count(data[:i], []byte("\n"))
	col := i - bytes.LastIndexByte(data[:i], '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

// typeMessage says what a field wanted and what it got.
func typeMessage(e *json.UnmarshalTypeError) string {
	return fmt.Sprintf("must be %s, got %s", describeType(e.Type), e.Value)
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

// A walker goes over one well-formed JSON value in step with the Go type it
// is decoded into. It reports keys that are unknown (including those
// encoding/json would match only case-insensitively) or repeated, and
// finds the path of the value typeErr is about: typeErr.Field names the
// field but not the array indices on the way. Values the decoder does not
// descend into (under an unknown field, or of the wrong kind) are skipped
// without tracking their paths.
type walker struct {
	data   []byte
	pos    int
	ps     problems
	fields map[reflect.Type]map[string]reflect.Type

	typeErr *json.UnmarshalTypeError
	// The paths of the value at typeErr.Offset and of the first value
	// along typeErr.Field that does not decode, when found.
	atOffset, failing     string
	foundAt, foundFailing bool
}

func (w *walker) peek() byte {
	if w.pos < len(w.data) {
		return w.data[w.pos]
	}
	return 0
}

func (w *walker) skipSpace() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\r', '\n':
			w.pos++
		default:
			return
		}
	}
}

// value walks the value at w.pos; typ is the Go type it decodes into, or
// nil when the decoder does not look at it.
func (w *walker) value(path, bare string, typ reflect.Type) {
	for typ != nil && typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	w.skipSpace()
	if typ == nil {
		w.skip()
		return
	}
	start := w.pos
	kind := w.peek()
	switch kind {
	case '{':
		w.object(path, bare, typ)
	case '[':
		w.array(path, bare, typ)
	case '"':
		w.str()
	case 0:
		return
	default: // number, true, false, null
		w.literal()
	}
	w.match(path, bare, kind, start, w.pos)
}

// match notes whether the value data[start:end] at path is the one
// w.typeErr is about. Values are matched in post-order, children first.
func (w *walker) match(path, bare string, kind byte, start, end int) {
	e := w.typeErr
	if e == nil || bare != e.Field || w.foundAt {
		return
	}
	composite := kind == '{' || kind == '['
	if e.Offset > 0 && (int64(end) == e.Offset || composite && int64(start+1) == e.Offset) {
		w.atOffset, w.foundAt = path, true
		return
	}
	// Errors from an UnmarshalJSON method carry no offset: take the first
	// value of the error's kind that does not decode into its type.
	if w.foundFailing || e.Type == nil {
		return
	}
	if k, _, _ := strings.Cut(e.Value, " "); k != jsonKind(kind) {
		return
	}
	if json.Unmarshal(w.data[start:end], reflect.New(e.Type).Interface()) != nil {
		w.failing, w.foundFailing = path, true
	}
}

// typeErrPath returns the path of the value w.typeErr is about.
func (w *walker) typeErrPath() string {
	switch {
	case w.foundAt:
		return w.atOffset
	case w.foundFailing:
		return w.failing
	default:
		return w.typeErr.Field // best effort
	}
}

// literal skips the number, true, false or null at w.pos.
func (w *walker) literal() {
	for w.pos < len(w.data) && !isDelimiter(w.data[w.pos]) {
		w.pos++
	}
}

// skip passes over the value at w.pos.
func (w *walker) skip() {
	switch w.peek() {
	case '"':
		w.str()
		return
	case '{', '[':
	default:
		w.literal()
		return
	}
	depth := 0
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case '"':
			w.str()
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		w.pos++
		if depth == 0 {
			return
		}
	}
}

func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ']', '}', ':':
		return true
	}
	return false
}

// str skips the string at w.pos and returns it, quotes included.
func (w *walker) str() []byte {
	start := w.pos
	w.pos++ // opening quote
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case '\\':
			w.pos += 2
		case '"':
			w.pos++
			return w.data[start:w.pos]
		default:
			w.pos++
		}
	}
	w.pos = len(w.data)
	return w.data[start:]
}

func (w *walker) object(path, bare string, typ reflect.Type) {
	var fields map[string]reflect.Type
	if typ != nil && typ.Kind() == reflect.Struct {
		fields = w.fieldsOf(typ)
	}
	seen := make(map[string]bool)
	w.pos++ // '{'
	for {
		w.skipSpace()
		switch w.peek() {
		case '}':
			w.pos++
			return
		case ',':
			w.pos++
			continue
		case '"':
		default:
			w.pos = len(w.data) // not well-formed: cannot happen after json.Decoder accepted it
			return
		}
		raw := w.str()
		var key string
		if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 {
			key = string(raw[1 : len(raw)-1])
		} else if json.Unmarshal(raw, &key) != nil {
			key = string(raw)
		}
		w.skipSpace()
		if w.peek() == ':' {
			w.pos++
		}
		childPath, childBare := join(path, key), join(bare, key)
		var childType reflect.Type
		if fields != nil {
			ft, known := fields[key]
			switch {
			case seen[key]:
				w.ps.add(childPath, "duplicate field %q", key)
			case !known:
				w.ps.add(childPath, "unknown field %q%s", key, suggest(fields, key))
			}
			seen[key] = true
			childType = ft
		}
		w.value(childPath, childBare, childType)
	}
}

func (w *walker) array(path, bare string, typ reflect.Type) {
	var elem reflect.Type
	if typ != nil && (typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array) {
		elem = typ.Elem()
	}
	w.pos++ // '['
	for i := 0; ; {
		w.skipSpace()
		switch w.peek() {
		case ']':
			w.pos++
			return
		case ',':
			w.pos++
			continue
		case 0:
			return
		}
		w.value(path+"["+strconv.Itoa(i)+"]", bare, elem)
		i++
	}
}

// fieldsOf maps the JSON names of typ's fields to their types.
func (w *walker) fieldsOf(typ reflect.Type) map[string]reflect.Type {
	if m, ok := w.fields[typ]; ok {
		return m
	}
	m := make(map[string]reflect.Type, typ.NumField())
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		m[name] = f.Type
	}
	w.fields[typ] = m
	return m
}

// suggest returns a hint naming the field key differs from only in case.
func suggest(fields map[string]reflect.Type, key string) string {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf(" (did you mean %q?)", name)
		}
	}
	return ""
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
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
