package dsl

import (
	"reflect"
	"slices"

	"github.com/zclconf/go-cty/cty"
)

// setStrings returns the elements of a known set of known, non-null
// strings, in the order cty iterates them (lexical), and ok; ok is false for
// anything else.
//
// cty sorts a set's elements every time it is iterated, with a sort that
// compares values through several layers of checks: a set of a million
// strings takes seconds per pass. The elements are read here from cty's
// set representation (a map from hash to elements) and sorted as Go
// strings, which is the order cty defines for strings. If a new go-cty
// stores sets differently, ok is false and callers iterate as usual;
// TestSetStringsFastPath fails so that it is noticed.
func setStrings(v cty.Value) ([]string, bool) {
	if v.IsNull() || !v.IsKnown() || v.IsMarked() || !v.Type().Equals(cty.Set(cty.String)) {
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Struct || rv.NumField() != 2 {
		return nil, false
	}
	raw := rv.Field(1) // v any: a set.Set[any]
	if raw.Kind() != reflect.Interface || raw.IsNil() {
		return nil, false
	}
	set := raw.Elem()
	if set.Kind() != reflect.Struct || set.NumField() < 1 {
		return nil, false
	}
	buckets := set.Field(0) // vals map[int][]any
	if buckets.Kind() != reflect.Map {
		return nil, false
	}
	out := make([]string, 0, v.LengthInt())
	for it := buckets.MapRange(); it.Next(); {
		b := it.Value()
		if b.Kind() != reflect.Slice {
			return nil, false
		}
		for i := range b.Len() {
			e := b.Index(i)
			if e.Kind() == reflect.Interface {
				e = e.Elem()
			}
			if e.Kind() != reflect.String {
				return nil, false // unknown or null
			}
			out = append(out, e.String())
		}
	}
	if len(out) != v.LengthInt() {
		return nil, false
	}
	slices.Sort(out)
	return out, true
}
