package dsl

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// evalForObjectFast evaluates the map comprehension that for_each is usually
// written as, { for k, v in COLL : KEY => VALUE } (with an optional if), into
// the stage's keys and each.value in key order, as the object it makes would
// give them. HCL gives every iteration its own context and then builds an
// object type and value of N attributes; at a million keys that is most of
// the expansion's time and memory. ok is false for any other shape and on
// any problem (an error, an unknown or marked value, a duplicate key), and
// the caller evaluates the expression as usual, so the user sees HCL's own
// diagnostics.
func evalForObjectFast(expr hcl.Expression, ctx *hcl.EvalContext) (keys []string, values []cty.Value, ok bool) {
	fe, isFor := expr.(*hclsyntax.ForExpr)
	if !fastPaths || !isFor || fe.KeyExpr == nil || fe.Group {
		return nil, nil, false
	}
	coll, diags := fe.CollExpr.Value(ctx)
	if diags.HasErrors() || coll.IsNull() || !coll.IsKnown() || coll.IsMarked() || !coll.CanIterateElements() {
		return nil, nil, false
	}
	type pair struct {
		key   string
		value cty.Value
	}
	pairs := make([]pair, 0, coll.LengthInt())
	// One context serves every iteration: nothing an expression evaluates
	// keeps a reference to it.
	child := ctx.NewChild()
	child.Variables = map[string]cty.Value{}
	for it := coll.ElementIterator(); it.Next(); {
		k, v := it.Element()
		if k.IsMarked() || v.IsMarked() {
			return nil, nil, false
		}
		if fe.KeyVar != "" {
			child.Variables[fe.KeyVar] = k
		}
		child.Variables[fe.ValVar] = v
		if fe.CondExpr != nil {
			c, diags := fe.CondExpr.Value(child)
			if diags.HasErrors() || c.Type() != cty.Bool || c.IsNull() || !c.IsKnown() || c.IsMarked() {
				return nil, nil, false
			}
			if c.False() {
				continue
			}
		}
		key, diags := fe.KeyExpr.Value(child)
		if diags.HasErrors() {
			return nil, nil, false
		}
		if key.Type() != cty.String {
			var err error
			if key, err = convert.Convert(key, cty.String); err != nil {
				return nil, nil, false
			}
		}
		if key.IsNull() || !key.IsKnown() || key.IsMarked() {
			return nil, nil, false
		}
		value, diags := fe.ValExpr.Value(child)
		if diags.HasErrors() || !value.IsWhollyKnown() || value.ContainsMarked() {
			return nil, nil, false
		}
		pairs = append(pairs, pair{key.AsString(), value})
	}
	slices.SortFunc(pairs, func(a, b pair) int { return strings.Compare(a.key, b.key) })
	keys = make([]string, len(pairs))
	values = make([]cty.Value, len(pairs))
	for i, p := range pairs {
		if i > 0 && p.key == pairs[i-1].key {
			return nil, nil, false // HCL reports the duplicate with both places
		}
		keys[i], values[i] = p.key, p.value
	}
	return keys, values, true
}
