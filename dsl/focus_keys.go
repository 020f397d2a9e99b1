package dsl

import (
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// stageKeys is a stage's instances as a focused load sees them: either the
// keys for_each evaluated to, or a range of whole numbers held as its
// bounds, so that a million-key range costs nothing until a key is asked
// for.
type stageKeys struct {
	n int
	// A range: key i is strconv.Itoa(i), each.value first+i*by.
	span      bool
	first, by int64
	// Otherwise the evaluated keys, and each.value (nil: each.key).
	keys    []string
	each    []cty.Value
	index   map[string]int
	lookups int
}

func (k *stageKeys) key(i int) string {
	if k.span {
		return strconv.Itoa(i)
	}
	return k.keys[i]
}

// value is each.value of key i; cty.NilVal when it is each.key.
func (k *stageKeys) value(i int) cty.Value {
	switch {
	case k.span:
		return cty.NumberIntVal(k.first + int64(i)*k.by)
	case k.each == nil:
		return cty.NilVal
	}
	return k.each[i]
}

// find is the index of key. A few lookups scan the keys; more build an
// index once, which at a million keys costs more than a few scans.
func (k *stageKeys) find(key string) (int, bool) {
	if k.span {
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= k.n || strconv.Itoa(i) != key {
			return 0, false
		}
		return i, true
	}
	if k.index == nil && k.lookups < 8 {
		k.lookups++
		for i, s := range k.keys {
			if s == key {
				return i, true
			}
		}
		return 0, false
	}
	if k.index == nil {
		k.index = make(map[string]int, len(k.keys))
		for i, s := range k.keys {
			k.index[s] = i
		}
	}
	i, ok := k.index[key]
	return i, ok
}

// pick sets s.keys and s.each to the instances at idx (ascending), the
// only ones a focused load builds.
func (k *stageKeys) pick(s *stageDecl, idx []int) {
	s.keys = make([]string, len(idx))
	s.each, s.span = nil, nil
	if k.span || k.each != nil {
		s.each = make([]cty.Value, len(idx))
	}
	for j, i := range idx {
		s.keys[j] = k.key(i)
		if s.each != nil {
			s.each[j] = k.value(i)
		}
	}
	s.keyIndex = nil
}

// rangeKeys reads for_each = range(...) as bounds, without the list of
// values: the arguments are evaluated and checked as range checks them.
// ok is false for anything else, and for any argument range would refuse,
// which evalForEach then reports as it always does.
func rangeKeys(attr *hcl.Attribute, ctx *hcl.EvalContext) (*stageKeys, bool) {
	call, ok := attr.Expr.(*hclsyntax.FunctionCallExpr)
	if !ok || call.Name != "range" || call.ExpandFinal || len(call.Args) == 0 || len(call.Args) > 3 {
		return nil, false
	}
	if f, ok := ctx.Functions["range"]; !ok || f != rangeFunc {
		return nil, false
	}
	args := make([]cty.Value, len(call.Args))
	for i, a := range call.Args {
		v, diags := a.Value(ctx)
		if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() || v.IsMarked() {
			return nil, false
		}
		n, err := convert.Convert(v, cty.Number)
		if err != nil {
			return nil, false
		}
		args[i] = n
	}
	start, end, step, err := rangeBounds(args)
	if err != nil {
		return nil, false
	}
	first, by, n, ok := intSpan(start, end, step)
	if !ok || n > MaxRangeValues {
		return nil, false
	}
	return &stageKeys{n: int(n), span: true, first: first, by: by}, true
}
