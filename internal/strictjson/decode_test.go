package strictjson_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/internal/strictjson"
)

// level has its own UnmarshalJSON: "low" or "high".
type level int

var errLevel = errors.New(`want "low" or "high"`)

func (l *level) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"low"`:
		*l = 1
	case `"high"`:
		*l = 2
	case "null":
	default:
		return errLevel
	}
	return nil
}

type item struct {
	Name string   `json:"name"`
	Tags []string `json:"tags,omitempty"`
}

// doc has a field of each shape Decode walks or decodes whole.
type doc struct {
	ID       string         `json:"id"`
	Count    int            `json:"count,omitempty"`
	Ratio    float64        `json:"ratio"`
	On       bool           `json:"on"`
	At       time.Time      `json:"at,omitzero"`
	Level    level          `json:"level"`
	MaxLevel *level         `json:"maxLevel,omitempty"`
	Addr     netip.Addr     `json:"addr,omitzero"`
	Items    []item         `json:"items"`
	Grid     [][]int        `json:"grid"`
	Ptr      *item          `json:"ptr"`
	Nested   item           `json:"nested"`
	Meta     map[string]int `json:"meta"`
	Any      any            `json:"any"`
	Bytes    []byte         `json:"bytes"`
	Pair     [2]int         `json:"pair"`
	Untagged string
	Skipped  string `json:"-"`
	Dash     string `json:"-,"`
	hidden   string //nolint:unused // an unexported field has no JSON name
}

// decode runs Decode into a fresh doc and, when it succeeds, checks that
// json.Unmarshal makes the same doc of data.
func decode(t *testing.T, data string) (*doc, error) {
	t.Helper()
	var got doc
	err := strictjson.Decode([]byte(data), &got)
	if err == nil {
		var want doc
		require.NoError(t, json.Unmarshal([]byte(data), &want), "want what Decode accepts accepted by json.Unmarshal")
		assert.Equal(t, want, got, "want the value json.Unmarshal makes")
	}
	return &got, err
}

// problems returns the problems in err, requiring it to be Errors.
func problems(t *testing.T, err error) strictjson.Errors {
	t.Helper()
	var es strictjson.Errors
	require.ErrorAs(t, err, &es, "want strictjson.Errors")
	require.NotEmpty(t, es, "want Errors never empty")
	return es
}

func TestDecodeAccepts(t *testing.T) {
	for _, tt := range []struct{ name, data string }{
		{"every field", `{"id":"a","count":3,"ratio":0.5,"on":true,"at":"2027-03-01T09:00:00+01:00","level":"high",
			"maxLevel":"low","addr":"192.0.2.1","items":[{"name":"x","tags":["a","b"]},{"name":"y"}],"grid":[[1,2],[],[3]],
			"ptr":{"name":"p"},"nested":{"name":"n","tags":[]},"meta":{"a":1,"b":2},"any":[1,"two",{"three":null}],
			"bytes":"aGVsbG8=","pair":[4,5],"Untagged":"u","-":"dash"}`},
		{"empty object", `{}`},
		{"white space around", " \t\r\n{ \"id\" : \"a\" }\n\n"},
		{"null at the top", `null`},
		{"nulls everywhere", `{"id":null,"at":null,"level":null,"maxLevel":null,"addr":null,"items":null,"grid":[null,[1]],
			"ptr":null,"nested":null,"meta":null,"any":null,"bytes":null,"pair":null}`},
		{"escaped key", `{"\u0069d":"a"}`},
		{"invalid UTF-8 in a string", "{\"id\":\"\xff\"}"},
		{"repeated key in a map", `{"meta":{"a":1,"a":2}}`},
		{"bytes as an array of numbers", `{"bytes":[104,105]}`},
		{"long array", `{"grid":[[` + strings.Repeat("1,", 5000) + `1]]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decode(t, tt.data)
			assert.NoError(t, err, "want %s accepted", tt.data)
		})
	}
}

func TestDecodeNullKeepsAStruct(t *testing.T) {
	got := doc{Nested: item{Name: "kept"}, Ptr: &item{Name: "dropped"}, Items: []item{{}}}
	require.NoError(t, strictjson.Decode([]byte(`{"nested":null,"ptr":null,"items":null}`), &got))
	assert.Equal(t, doc{Nested: item{Name: "kept"}}, got, "want null to keep a struct and clear pointers and slices, as encoding/json does")

	keep := doc{ID: "kept"}
	require.NoError(t, strictjson.Decode([]byte(" null "), &keep))
	assert.Equal(t, doc{ID: "kept"}, keep, "want null at the top to leave the value alone")
}

// want is one problem a test expects.
type want struct {
	kind   error
	path   string
	offset int
}

func TestDecodeRejects(t *testing.T) {
	type tc struct {
		name string
		data string
		want []want
	}
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	for _, tt := range []tc{
		{"unknown field", `{"id":"a","colour":"red"}`,
			[]want{{strictjson.ErrUnknownField, "colour", 10}}},
		{"key in another case", `{"ID":"a"}`,
			[]want{{strictjson.ErrUnknownField, "ID", 1}}},
		{"Go name of a tagged field", `{"Count":1}`,
			[]want{{strictjson.ErrUnknownField, "Count", 1}}},
		{"field tagged -", `{"Skipped":"x"}`,
			[]want{{strictjson.ErrUnknownField, "Skipped", 1}}},
		{"unexported field", `{"hidden":"x"}`,
			[]want{{strictjson.ErrUnknownField, "hidden", 1}}},
		{"unknown field in a slice element", `{"items":[{"name":"a"},{"name":"b","nmae":"c"}]}`,
			[]want{{strictjson.ErrUnknownField, "items[1].nmae", 35}}},
		{"unknown field under a pointer", `{"ptr":{"x":1}}`,
			[]want{{strictjson.ErrUnknownField, "ptr.x", 8}}},
		{"value of an unknown field not looked into", `{"x":{"y":[1,{"z":"` + strings.Repeat("[", 9000) + `"}]}}`,
			[]want{{strictjson.ErrUnknownField, "x", 1}}},
		{"repeated key", `{"id":"a","on":true,"id":"b"}`,
			[]want{{strictjson.ErrRepeatedField, "id", 20}}},
		{"repeated key nested", `{"nested":{"tags":[],"tags":["x"]}}`,
			[]want{{strictjson.ErrRepeatedField, "nested.tags", 21}}},
		{"trailing object", `{} {}`,
			[]want{{strictjson.ErrTrailingData, "", 3}}},
		{"trailing garbage", "{}\n\tx", []want{{strictjson.ErrTrailingData, "", 4}}},
		{"trailing comma", `{},`, []want{{strictjson.ErrTrailingData, "", 2}}},
		{"string for an int", `{"count":"5"}`,
			[]want{{strictjson.ErrType, "count", 9}}},
		{"fraction for an int", `{"count":1.5}`,
			[]want{{strictjson.ErrType, "count", 9}}},
		{"string for an int in nested slices", `{"grid":[[1],[2,"x"]]}`,
			[]want{{strictjson.ErrType, "grid[1][1]", 16}}},
		{"array for a struct", `{"ptr":[]}`,
			[]want{{strictjson.ErrType, "ptr", 7}}},
		{"object for a slice", `{"items":{}}`,
			[]want{{strictjson.ErrType, "items", 9}}},
		{"number for a slice element struct", `{"items":[{},7]}`,
			[]want{{strictjson.ErrType, "items[1]", 13}}},
		{"array at the top", `[]`,
			[]want{{strictjson.ErrType, "", 0}}},
		{"bad time", `{"at":"tomorrow"}`,
			[]want{{strictjson.ErrType, "at", 6}}},
		{"bad UnmarshalJSON value", `{"level":"medium"}`,
			[]want{{strictjson.ErrType, "level", 9}}},
		{"bad UnmarshalJSON value under a pointer", `{"maxLevel":5}`,
			[]want{{strictjson.ErrType, "maxLevel", 12}}},
		{"bad UnmarshalText value", `{"addr":"nope"}`,
			[]want{{strictjson.ErrType, "addr", 8}}},
		{"every problem, in order", `{"x":1,"count":"a","items":[{"Name":"b"}],"count":2}`,
			[]want{{strictjson.ErrUnknownField, "x", 1}, {strictjson.ErrType, "count", 15},
				{strictjson.ErrUnknownField, "items[0].Name", 29}, {strictjson.ErrRepeatedField, "count", 42}}},
		{"problems, then malformed input last", `{"x":1,"count":"a","id":tru}`,
			[]want{{strictjson.ErrUnknownField, "x", 1}, {strictjson.ErrType, "count", 15}, {strictjson.ErrSyntax, "id", 27}}},
		{"missing colon", `{"id" "a"}`,
			[]want{{strictjson.ErrSyntax, "id", 6}}},
		{"missing comma", `{"items":[{"name":"a"} {"name":"b"}]}`,
			[]want{{strictjson.ErrSyntax, "items[1]", 23}}},
		{"bad literal", "{\n\"on\": oops}",
			[]want{{strictjson.ErrSyntax, "on", 8}}},
		{"not JSON", `id=a`, []want{{strictjson.ErrSyntax, "", 0}}},
		{"trailing comma in an object", `{"id":"a",}`, []want{{strictjson.ErrSyntax, "", 10}}},
		{"truncated in a string", `{"id":"a`, []want{{strictjson.ErrTruncated, "id", 8}}},
		{"truncated between fields", `{"id":"a",`, []want{{strictjson.ErrTruncated, "", 10}}},
		{"empty", ``, []want{{strictjson.ErrEmpty, "", 0}}},
		{"only white space", " \n\t", []want{{strictjson.ErrEmpty, "", 3}}},
		{"nested too deeply in a walked value", `{"grid":[` + deep + `]}`,
			[]want{{strictjson.ErrSyntax, "grid[0][0]", 10007}}},
		{"nested too deeply in a value decoded whole", `{"any":[` + deep[1:] + `]}`,
			[]want{{strictjson.ErrSyntax, "any", 10006}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decode(t, tt.data)
			es := problems(t, err)
			var got []want
			for _, e := range es {
				got = append(got, want{e.Kind, e.Path, e.Offset})
				assert.ErrorIs(t, e, e.Kind, "want errors.Is to see the kind")
			}
			assert.Equal(t, tt.want, got, "want these problems (kind, path, offset) for %.80s", tt.data)
		})
	}
}

func TestDecodeErrorFields(t *testing.T) {
	first := func(t *testing.T, data string) *strictjson.Error {
		t.Helper()
		_, err := decode(t, data)
		var e *strictjson.Error
		require.ErrorAs(t, err, &e, "want errors.As to find the first *Error")
		return e
	}
	t.Run("unknown field", func(t *testing.T) {
		e := first(t, `{"nested":{"NAME":"x"}}`)
		assert.Equal(t, "NAME", e.Key)
		assert.Equal(t, "name", e.Suggestion, "want the field that differs only in case suggested")
		assert.Equal(t, []string{"name", "tags"}, e.Known, "want the struct's field names, in order")
		assert.Nil(t, e.Err)

		e = first(t, `{"x":1}`)
		assert.Empty(t, e.Suggestion, "want no suggestion for a key like no field")
		assert.Equal(t, []string{"id", "count", "ratio", "on", "at", "level", "maxLevel", "addr", "items", "grid",
			"ptr", "nested", "meta", "any", "bytes", "pair", "Untagged", "-"}, e.Known)
		e.Known[0] = "changed"
		assert.Equal(t, "id", first(t, `{"x":1}`).Known[0], "want each Error its own Known")
	})
	t.Run("leaf of the wrong type", func(t *testing.T) {
		e := first(t, `{"grid":[[1, "x"]]}`)
		assert.Equal(t, "int", e.Type.String())
		assert.JSONEq(t, `"x"`, string(e.Value))
		var ute *json.UnmarshalTypeError
		require.ErrorAs(t, e, &ute, "want encoding/json's error as the cause")
		assert.Equal(t, "string", ute.Value)
	})
	t.Run("pointer removed from Type", func(t *testing.T) {
		e := first(t, `{"maxLevel":true}`)
		assert.Equal(t, "strictjson_test.level", e.Type.String())
		assert.ErrorIs(t, e, errLevel, "want the UnmarshalJSON error as the cause")
	})
	t.Run("time", func(t *testing.T) {
		var pe *time.ParseError
		assert.ErrorAs(t, first(t, `{"at":"2027-13-01T00:00:00Z"}`), &pe)
	})
	t.Run("kind that does not fit", func(t *testing.T) {
		e := first(t, `{"items":[{"name":"a"},"b"]}`)
		assert.Equal(t, "strictjson_test.item", e.Type.String())
		assert.Equal(t, `"b"`, string(e.Value))
		assert.Nil(t, e.Err, "want no cause when the walk finds the kind does not fit")
	})
	t.Run("syntax", func(t *testing.T) {
		e := first(t, "{\n  \"id\" 5\n}")
		var se *json.SyntaxError
		require.ErrorAs(t, e, &se)
		assert.Equal(t, "invalid character '5' after object key", se.Error(), "want json.Unmarshal's wording")
		assert.Equal(t, 9, e.Offset, "want the offset of the offending byte")
	})
}

func TestErrorText(t *testing.T) {
	for _, tt := range []struct{ data, want string }{
		{`{"Id":"a"}`, `strictjson: Id: unknown field "Id" (did you mean "id"?)`},
		{`{"x":1,"y":2,"z":3}`, `strictjson: x: unknown field "x" (and 2 more)`},
		{`{"id":"a","id":"b"}`, `strictjson: id: repeated field "id"`},
		{`{"ptr":"p"}`, `strictjson: ptr: cannot decode a string into a value of type strictjson_test.item`},
		{`{"on":1}`, `strictjson: on: cannot decode a number into a value of type bool: json: cannot unmarshal number into Go value of type bool`},
		{`{} []`, `strictjson: data after the value at byte 3`},
		{`{"id" 1}`, `strictjson: id: malformed JSON at byte 6: invalid character '1' after object key`},
		{`{"id":`, `strictjson: id: unexpected end of input after 6 bytes`},
		{``, `strictjson: empty input`},
	} {
		_, err := decode(t, tt.data)
		assert.EqualError(t, err, tt.want, "for %s", tt.data)
	}
}

// tree is a recursive type: Decode walks it as deeply as encoding/json
// reads JSON.
type tree struct {
	Kids []tree `json:"kids,omitempty"`
}

func TestDecodeRecursiveType(t *testing.T) {
	nest := func(n int) string { return strings.Repeat(`{"kids":[`, n) + "{}" + strings.Repeat("]}", n) }
	var got tree
	require.NoError(t, strictjson.Decode([]byte(nest(4999)), &got), "want 9999 levels accepted, as json.Unmarshal accepts them")
	require.NoError(t, json.Unmarshal([]byte(nest(4999)), new(tree)))

	err := strictjson.Decode([]byte(nest(5000)), &got)
	var e *strictjson.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, strictjson.ErrSyntax, e.Kind, "want 10001 levels refused as malformed, as json.Unmarshal refuses them")
	assert.Equal(t, 9*5000, e.Offset, "want the offset of the object too deep")
	require.Error(t, json.Unmarshal([]byte(nest(5000)), new(tree)))
}

func TestDecodeUnsupported(t *testing.T) {
	type Embedded struct{ A int }
	type withEmbedded struct {
		Embedded
		B int
	}
	type withString struct {
		N int `json:"n,omitempty,string"`
	}
	type withTwins struct {
		A int `json:"B"`
		B int
	}
	type deepInside struct {
		Items []*withString `json:"items"`
	}
	for _, v := range []any{&withEmbedded{}, &withString{}, &withTwins{}, &deepInside{}} {
		err := strictjson.Decode([]byte(`null`), v)
		assert.ErrorIs(t, err, errors.ErrUnsupported, "%T: want ErrUnsupported, whatever the input", v)
		var es strictjson.Errors
		assert.False(t, errors.As(err, &es), "%T: want a mistake in the program not reported as problems with the input", v)
	}
	type embeddedTagged struct {
		Embedded `json:"e"`
		B        int
	}
	var et embeddedTagged
	assert.NoError(t, strictjson.Decode([]byte(`{"e":{"A":1},"B":2}`), &et), "want an embedded struct with a name decoded as a field")
	assert.Equal(t, embeddedTagged{Embedded{1}, 2}, et)

	for _, v := range []any{nil, doc{}, (*doc)(nil)} {
		err := strictjson.Decode([]byte(`{}`), v)
		assert.Error(t, err, "%T: want an error for something not a pointer", v)
		var es strictjson.Errors
		assert.False(t, errors.As(err, &es), "%T: want a mistake in the program not reported as problems with the input", v)
	}
}

func ExampleDecode() {
	var v struct {
		Name  string   `json:"name"`
		Sizes []int    `json:"sizes"`
		Tags  []string `json:"tags"`
	}
	err := strictjson.Decode([]byte(`{"name":"a","Sizes":[1],"tags":["x",2],"name":"b"}`), &v)
	var es strictjson.Errors
	if errors.As(err, &es) {
		for _, e := range es {
			fmt.Printf("%s at byte %d: %v\n", e.Path, e.Offset, e.Kind)
		}
	}
	// Output:
	// Sizes at byte 12: strictjson: unknown field
	// tags[1] at byte 36: strictjson: value of the wrong type
	// name at byte 39: strictjson: repeated field
}
