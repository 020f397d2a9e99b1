package dsl

import (
	"fmt"
	"math/big"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/internal/units"
)

// Collection functions that scale to the size of a wide fan-out.
//
// go-cty's conversions from a tuple to a list, set or map of "any single
// type" (tolist, toset, tomap, and the implicit conversion of arguments to
// distinct and the set functions) unify the element types pairwise
// (convert.unify -> sortTypes): 10,000 keys take a second, 100,000 minutes.
// distinct compares every element with every kept one, and range stops at
// 1,024 values. The functions here take the common case, a known collection
// whose elements are all of one type (or primitives that unify to string),
// in linear time, and hand everything else to the standard library, so
// results and error messages are the same as before.

// MaxRangeValues is the most values range generates. It is above
// dag.MaxTasks, so that a for_each over a range too long is reported as
// too many tasks, with the stage named, rather than as a failed call.
const MaxRangeValues = 4 * dag.MaxTasks

// collectionFunctions replaces the standard library's functions of the same
// names.
func collectionFunctions() map[string]function.Function {
	return map[string]function.Function{
		"tolist":          toFunc(cty.List(cty.DynamicPseudoType)),
		"toset":           toFunc(cty.Set(cty.DynamicPseudoType)),
		"tomap":           toFunc(cty.Map(cty.DynamicPseudoType)),
		"distinct":        distinctFunc,
		"range":           rangeFunc,
		"format":          formatFunc,
		"setunion":        convertingFunc(stdlib.SetUnionFunc),
		"setintersection": convertingFunc(stdlib.SetIntersectionFunc),
		"setsubtract":     convertingFunc(stdlib.SetSubtractFunc),
	}
}

// convertFast is convert.Convert(v, want), in linear time when v is a known
// collection or structure of one element type and want is a list, set or
// map of any type.
func convertFast(v cty.Value, want cty.Type) (cty.Value, error) {
	if out, ok := convertUniform(v, want); ok {
		return out, nil
	}
	tookSlowPath(v)
	return convert.Convert(v, want)
}

// tookSlowPath is called with each value a collection function hands to
// go-cty's own conversion, whose time grows with the square of a tuple's
// length; a test counts the large ones the docs' idioms must never send.
var tookSlowPath = func(cty.Value) {}

// convertUniform is the fast path of convertFast; ok is false when it does
// not apply.
func convertUniform(v cty.Value, want cty.Type) (cty.Value, bool) {
	_, conv, ok := uniformType(v, want)
	if !ok {
		return cty.NilVal, false
	}
	ty := v.Type()
	if !conv && (ty.IsListType() && want.IsListType() || ty.IsSetType() && want.IsSetType() || ty.IsMapType() && want.IsMapType()) {
		return v, true // already a collection of its one type
	}
	if strs, ok := setStrings(v); ok && want.IsListType() {
		// A set of strings to a list: in the set's order, without its sort.
		elems := make([]cty.Value, len(strs))
		for i, s := range strs {
			elems[i] = cty.StringVal(s)
		}
		return cty.ListVal(elems), true
	}
	n := v.LengthInt()
	var keys []string
	if want.IsMapType() {
		keys = make([]string, 0, n)
	}
	elems := make([]cty.Value, 0, n)
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if conv && e.Type() != cty.String {
			s, err := convert.Convert(e, cty.String)
			if err != nil {
				return cty.NilVal, false
			}
			e = s
		}
		if keys != nil {
			keys = append(keys, k.AsString())
		}
		elems = append(elems, e)
	}
	switch {
	case want.IsListType():
		return cty.ListVal(elems), true
	case want.IsSetType():
		return cty.SetVal(elems), true
	default:
		m := make(map[string]cty.Value, len(elems))
		for i, k := range keys {
			m[k] = elems[i]
		}
		return cty.MapVal(m), true
	}
}

// uniformType is the element type convertUniform gives v, and whether some
// elements are primitives other than strings, to be converted to strings;
// ok is false when the fast path does not apply: want is not a list, set or
// map of any type, v is not a known, unmarked, non-empty collection or
// structure of the matching kind, or an element is null, unknown or of a
// type that does not unify trivially.
func uniformType(v cty.Value, want cty.Type) (ety cty.Type, conv, ok bool) {
	if !(want.IsListType() || want.IsSetType() || want.IsMapType()) || want.ElementType() != cty.DynamicPseudoType {
		return cty.NilType, false, false
	}
	if v.IsNull() || !v.IsKnown() || v.IsMarked() {
		return cty.NilType, false, false
	}
	ty := v.Type()
	if want.IsMapType() {
		if !ty.IsObjectType() && !ty.IsMapType() {
			return cty.NilType, false, false
		}
	} else if !ty.IsTupleType() && !ty.IsListType() && !ty.IsSetType() {
		return cty.NilType, false, false
	}
	if v.LengthInt() == 0 {
		return cty.NilType, false, false
	}
	if ty.IsCollectionType() && ty.ElementType().IsPrimitiveType() {
		// One type already: only null and unknown elements stop it.
		if s, ok := setStrings(v); ok && len(s) == v.LengthInt() {
			return cty.String, false, true
		}
	}
	same, prims, anyString := true, true, false
	first := true
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		t := e.Type()
		if e.IsNull() || e.IsMarked() || !t.IsPrimitiveType() && (!e.IsWhollyKnown() || e.ContainsMarked()) || !e.IsKnown() {
			return cty.NilType, false, false
		}
		if first {
			ety, first = t, false
		} else if same && !t.Equals(ety) {
			same = false
		}
		if t.IsPrimitiveType() {
			anyString = anyString || t == cty.String
		} else {
			prims = false
		}
	}
	switch {
	case same && !ety.HasDynamicTypes():
		return ety, false, true
	case prims && anyString:
		// Strings, numbers and bools unify to string: each converts.
		return cty.String, true, true
	}
	return cty.NilType, false, false
}

// toFunc is stdlib.MakeToFunc(want) with convertFast's fast path.
func toFunc(want cty.Type) function.Function {
	std := stdlib.MakeToFunc(want)
	return function.New(&function.Spec{
		Description: std.Description(),
		Params:      std.Params(),
		Type: func(args []cty.Value) (cty.Type, error) {
			if ety, _, ok := uniformType(args[0], want); ok {
				switch {
				case want.IsListType():
					return cty.List(ety), nil
				case want.IsSetType():
					return cty.Set(ety), nil
				}
				return cty.Map(ety), nil
			}
			return std.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if out, ok := convertUniform(args[0], want); ok {
				return out, nil
			}
			tookSlowPath(args[0])
			return std.Call(args)
		},
	})
}

// convertingFunc is std with its arguments converted by convertFast rather
// than by the caller: its parameters are declared dynamic, so that HCL
// passes them as they are. A failed conversion reads as HCL's own.
func convertingFunc(std function.Function) function.Function {
	params := std.Params()
	raw := make([]function.Parameter, len(params))
	for i, p := range params {
		raw[i] = p
		raw[i].Type = cty.DynamicPseudoType
	}
	var rawVar *function.Parameter
	if vp := std.VarParam(); vp != nil {
		p := *vp
		p.Type = cty.DynamicPseudoType
		rawVar = &p
	}
	convertArgs := func(args []cty.Value) ([]cty.Value, error) {
		out := make([]cty.Value, len(args))
		for i, a := range args {
			p := std.VarParam()
			if i < len(params) {
				p = &params[i]
			}
			v, err := convertFast(a, p.Type)
			if err != nil {
				return nil, function.NewArgError(i, err)
			}
			out[i] = v
		}
		return out, nil
	}
	return function.New(&function.Spec{
		Description: std.Description(),
		Params:      raw,
		VarParam:    rawVar,
		Type: func(args []cty.Value) (cty.Type, error) {
			conv, err := convertArgs(args)
			if err != nil {
				return cty.NilType, err
			}
			return std.ReturnTypeForValues(conv)
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			conv, err := convertArgs(args)
			if err != nil {
				return cty.NilVal, err
			}
			return std.Call(conv)
		},
	})
}

// distinctFunc is stdlib.DistinctFunc with a hash per element instead of a
// comparison with every element kept.
var distinctFunc = func() function.Function {
	std := stdlib.DistinctFunc
	conv := convertingFunc(std)
	return function.New(&function.Spec{
		Description: std.Description(),
		Params:      conv.Params(),
		Type:        conv.ReturnTypeForValues,
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			list, err := convertFast(args[0], cty.List(cty.DynamicPseudoType))
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			if list.IsNull() || !list.IsWhollyKnown() || list.ContainsMarked() || list.LengthInt() == 0 {
				return std.Call([]cty.Value{list})
			}
			buckets := map[int][]cty.Value{}
			kept := make([]cty.Value, 0, list.LengthInt())
		next:
			for it := list.ElementIterator(); it.Next(); {
				_, e := it.Element()
				h := e.Hash()
				for _, k := range buckets[h] {
					if k.Equals(e).True() {
						continue next
					}
				}
				buckets[h] = append(buckets[h], e)
				kept = append(kept, e)
			}
			return cty.ListVal(kept), nil
		},
	})
}()

// rangeFunc is stdlib.RangeFunc, the same sequence and messages, with a
// limit of MaxRangeValues values instead of 1,024. Whole numbers take a
// path that does no big-number arithmetic per value.
var rangeFunc = function.New(&function.Spec{
	Description: stdlib.RangeFunc.Description(),
	VarParam:    stdlib.RangeFunc.VarParam(),
	Type:        function.StaticReturnType(cty.List(cty.Number)),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		start, end, step, err := rangeBounds(args)
		if err != nil {
			return cty.NilVal, err
		}
		down := step.LessThan(cty.Zero).True()
		tooMany := fmt.Errorf("more than %s values would be generated, and a workflow holds at most %s tasks; decrease the difference between start and end or use a larger step",
			units.Thousands(MaxRangeValues), units.Thousands(dag.MaxTasks))
		if vals, ok, err := intRange(start, end, step, tooMany); ok {
			return vals, err
		}
		// Refuse before generating: the count is at least the span over
		// the step, less rounding.
		if end.Subtract(start).Divide(step).GreaterThan(cty.NumberIntVal(MaxRangeValues + 1)).True() {
			return cty.NilVal, tooMany
		}
		var vals []cty.Value
		num := start
		for {
			if down {
				if num.LessThanOrEqualTo(end).True() {
					break
				}
			} else if num.GreaterThanOrEqualTo(end).True() {
				break
			}
			if len(vals) >= MaxRangeValues {
				return cty.NilVal, tooMany
			}
			vals = append(vals, num)
			num = num.Add(step)
		}
		if len(vals) == 0 {
			return cty.ListValEmpty(cty.Number), nil
		}
		return cty.ListVal(vals), nil
	},
})

// rangeBounds is range's start, end and step from its arguments, with its
// errors for a zero step or an end on the wrong side of start.
func rangeBounds(args []cty.Value) (start, end, step cty.Value, err error) {
	switch len(args) {
	case 1:
		if args[0].LessThan(cty.Zero).True() {
			start, end, step = cty.Zero, args[0], cty.NumberIntVal(-1)
		} else {
			start, end, step = cty.Zero, args[0], cty.NumberIntVal(1)
		}
	case 2:
		if args[1].LessThan(args[0]).True() {
			start, end, step = args[0], args[1], cty.NumberIntVal(-1)
		} else {
			start, end, step = args[0], args[1], cty.NumberIntVal(1)
		}
	case 3:
		start, end, step = args[0], args[1], args[2]
	default:
		return start, end, step, fmt.Errorf("must have one, two, or three arguments")
	}
	if step == cty.Zero || step.Equals(cty.Zero).True() {
		return start, end, step, function.NewArgErrorf(2, "step must not be zero")
	}
	if step.LessThan(cty.Zero).True() {
		if end.GreaterThan(start).True() {
			return start, end, step, function.NewArgErrorf(1, "end must be less than start when step is negative")
		}
	} else if end.LessThan(start).True() {
		return start, end, step, function.NewArgErrorf(1, "end must be greater than start when step is positive")
	}
	return start, end, step, nil
}

// intSpan is the whole-number range from start by step: its first value,
// its step and how many values it has; ok is false unless all three are
// whole numbers that fit in an int64 with room to spare.
func intSpan(start, end, step cty.Value) (first, by, n int64, ok bool) {
	s, ok1 := smallInt(start)
	e, ok2 := smallInt(end)
	d, ok3 := smallInt(step)
	if !ok1 || !ok2 || !ok3 || d == 0 {
		return 0, 0, 0, false
	}
	switch {
	case d > 0 && e > s:
		n = (e - s + d - 1) / d
	case d < 0 && e < s:
		n = (s - e - d - 1) / -d
	}
	return s, d, n, true
}

// intRange is range over whole numbers that fit in an int64 with room to
// spare; ok is false for anything else.
func intRange(start, end, step cty.Value, tooMany error) (cty.Value, bool, error) {
	s, d, n, ok := intSpan(start, end, step)
	if !ok {
		return cty.NilVal, false, nil
	}
	if n == 0 {
		return cty.ListValEmpty(cty.Number), true, nil
	}
	if n > MaxRangeValues {
		return cty.NilVal, true, tooMany
	}
	vals := make([]cty.Value, n)
	for i := range vals {
		vals[i] = cty.NumberIntVal(s + int64(i)*d)
	}
	return cty.ListVal(vals), true, nil
}

// smallInt is v as an int64 when it is a whole number of at most 2^52 in
// magnitude, so that sums of a few of them cannot overflow.
func smallInt(v cty.Value) (int64, bool) {
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		return 0, false
	}
	i, acc := bf.Int64()
	if acc != big.Exact || i > 1<<52 || i < -(1<<52) {
		return 0, false
	}
	return i, true
}
