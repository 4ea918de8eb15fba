package contactcenter

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
)

// empty decides whether a step's change is stored at all; a field added
// to change (or closingChange) and forgotten there would be dropped
// silently. Each field set alone must make the change non-empty.
func TestChangeEmpty_SeesEveryField(t *testing.T) {
	assert.True(t, (&change{}).empty())
	typ := reflect.TypeFor[change]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Name == "at" || f.Name == "reason" {
			continue // meaningful only with another field: when, and why a move
		}
		if f.Name == "closing" {
			ct := f.Type
			for j := range ct.NumField() {
				var c change
				fill(reflect.ValueOf(&c).Elem().Field(i).Field(j))
				assert.False(t, c.empty(), "a change setting only closing.%s is empty", ct.Field(j).Name)
			}
			continue
		}
		var c change
		fill(reflect.ValueOf(&c).Elem().Field(i))
		assert.False(t, c.empty(), "a change setting only %s is empty", f.Name)
	}
}

// fill sets v, an unexported field reached by reflection, to a non-zero
// value of its type.
func fill(v reflect.Value) {
	v = reflect.NewAt(v.Type(), v.Addr().UnsafePointer()).Elem()
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(1)
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
	case reflect.Struct: // opt[T]: set, with its zero value
		fill(v.Field(0))
	default:
		panic("fill: " + v.Kind().String())
	}
}
