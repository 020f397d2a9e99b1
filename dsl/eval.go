package dsl

import (
	"fmt"
	"math/big"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Typed attribute decoding. Each helper evaluates one attribute, converts it,
// and reports a problem as a diagnostic on the attribute's expression, so the
// caret lands on the value the user has to change.

// consequence marks a failure caused by an error reported elsewhere. Load
// drops it from what the user sees.
var consequence = &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "weir: consequence of an earlier error"}

func attrError(attr *hcl.Attribute, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   detail,
		Subject:  attr.Expr.Range().Ptr(),
		Context:  attr.Range.Ptr(),
	}
}

// evalAs evaluates attr and converts the result to ty. A null or unknown
// result is an error: every attribute weir reads must be known before a run.
func evalAs(attr *hcl.Attribute, ctx *hcl.EvalContext, ty cty.Type, what string) (cty.Value, hcl.Diagnostics) {
	v, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	if v.IsNull() {
		return cty.NilVal, hcl.Diagnostics{attrError(attr, "Missing value",
			fmt.Sprintf("%q is null; it needs %s.", attr.Name, what))}
	}
	if !v.IsWhollyKnown() {
		// Nothing in weir's language is unknown by design: an unknown value
		// comes from an error already reported, such as a variable without a
		// value. Fail quietly rather than blame this attribute too.
		return cty.NilVal, hcl.Diagnostics{consequence}
	}
	out, err := convert.Convert(v, ty)
	if err != nil {
		return cty.NilVal, hcl.Diagnostics{attrError(attr, "Incorrect attribute value type",
			fmt.Sprintf("%q needs %s: %s.", attr.Name, what, err))}
	}
	if ty.IsCollectionType() || ty.IsTupleType() || ty.IsObjectType() {
		var bad hcl.Diagnostics
		for it := out.ElementIterator(); it.Next(); {
			if _, e := it.Element(); e.IsNull() {
				bad = append(bad, attrError(attr, "Missing value",
					fmt.Sprintf("%q has a null element; it needs %s.", attr.Name, what)))
				break
			}
		}
		if bad != nil {
			return cty.NilVal, bad
		}
	}
	return out, nil
}

func evalString(attr *hcl.Attribute, ctx *hcl.EvalContext) (string, hcl.Diagnostics) {
	v, diags := evalAs(attr, ctx, cty.String, "a string")
	if diags.HasErrors() {
		return "", diags
	}
	return v.AsString(), nil
}

func evalBool(attr *hcl.Attribute, ctx *hcl.EvalContext) (bool, hcl.Diagnostics) {
	v, diags := evalAs(attr, ctx, cty.Bool, "true or false")
	if diags.HasErrors() {
		return false, diags
	}
	return v.True(), nil
}

func evalNumber(attr *hcl.Attribute, ctx *hcl.EvalContext) (float64, hcl.Diagnostics) {
	v, diags := evalAs(attr, ctx, cty.Number, "a number")
	if diags.HasErrors() {
		return 0, diags
	}
	f, _ := v.AsBigFloat().Float64()
	return f, nil
}

// evalInt reads a whole number no smaller than lowest.
func evalInt(attr *hcl.Attribute, ctx *hcl.EvalContext, lowest int) (int, hcl.Diagnostics) {
	v, diags := evalAs(attr, ctx, cty.Number, "a whole number")
	if diags.HasErrors() {
		return 0, diags
	}
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		return 0, hcl.Diagnostics{attrError(attr, "Invalid number",
			fmt.Sprintf("%q must be a whole number, not %s.", attr.Name, bf.Text('f', -1)))}
	}
	i, acc := bf.Int64()
	if acc != big.Exact || i < int64(lowest) || i > 1<<31 {
		return 0, hcl.Diagnostics{attrError(attr, "Number out of range",
			fmt.Sprintf("%q must be at least %d, not %s.", attr.Name, lowest, bf.Text('f', -1)))}
	}
	return int(i), nil
}

func evalStrings(attr *hcl.Attribute, ctx *hcl.EvalContext) ([]string, hcl.Diagnostics) {
	if v, diags := attr.Expr.Value(ctx); !diags.HasErrors() {
		if out, ok := plainStrings(v); ok {
			return out, diags
		}
	}
	v, diags := evalAs(attr, ctx, cty.List(cty.String), "a list of strings")
	if diags.HasErrors() {
		return nil, diags
	}
	out := make([]string, 0, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		out = append(out, e.AsString())
	}
	return out, nil
}

func evalStringMap(attr *hcl.Attribute, ctx *hcl.EvalContext) (map[string]string, hcl.Diagnostics) {
	if v, diags := attr.Expr.Value(ctx); !diags.HasErrors() {
		if out, ok := plainStringMap(v); ok {
			return out, diags
		}
	}
	v, diags := evalAs(attr, ctx, cty.Map(cty.String), "a map of strings")
	if diags.HasErrors() {
		return nil, diags
	}
	out := make(map[string]string, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		out[k.AsString()] = e.AsString()
	}
	return out, nil
}

// plainStrings reads a known tuple or list of known strings, the common
// case, without cty's conversion to a list; ok is false for anything else,
// which evalAs converts and checks.
func plainStrings(v cty.Value) ([]string, bool) {
	ty := v.Type()
	if v.IsNull() || !v.IsKnown() || v.IsMarked() || !(ty.IsTupleType() || ty.IsListType()) {
		return nil, false
	}
	out := make([]string, 0, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.Type() != cty.String || e.IsNull() || !e.IsKnown() || e.IsMarked() {
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}

// plainStringMap is plainStrings for an object or map of strings.
func plainStringMap(v cty.Value) (map[string]string, bool) {
	ty := v.Type()
	if v.IsNull() || !v.IsKnown() || v.IsMarked() || !(ty.IsObjectType() || ty.IsMapType()) {
		return nil, false
	}
	out := make(map[string]string, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.Type() != cty.String || e.IsNull() || !e.IsKnown() || e.IsMarked() {
			return nil, false
		}
		out[k.AsString()] = e.AsString()
	}
	return out, true
}

// evalSize reads a byte size written as a string with a unit ("2GiB") or a
// whole number of bytes.
func evalSize(attr *hcl.Attribute, ctx *hcl.EvalContext) (int64, hcl.Diagnostics) {
	v, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() {
		return 0, diags
	}
	if v.IsKnown() && !v.IsNull() && v.Type() == cty.Number {
		bf := v.AsBigFloat()
		i, acc := bf.Int64()
		if acc != big.Exact || i < 0 {
			return 0, hcl.Diagnostics{attrError(attr, "Invalid size",
				fmt.Sprintf("%q must be a whole, non-negative number of bytes or a string such as \"512MiB\".", attr.Name))}
		}
		return i, nil
	}
	s, diags := evalString(attr, ctx)
	if diags.HasErrors() {
		return 0, diags
	}
	n, err := ParseSize(s)
	if err != nil {
		return 0, hcl.Diagnostics{attrError(attr, "Invalid size",
			fmt.Sprintf("%s. Write sizes such as \"512MiB\", \"2GiB\", \"1.5GB\" or \"100M\".", capitalize(err.Error())))}
	}
	return n, nil
}

// evalDuration reads a duration string; positive requires it above zero.
func evalDuration(attr *hcl.Attribute, ctx *hcl.EvalContext, positive bool) (time.Duration, hcl.Diagnostics) {
	s, diags := evalString(attr, ctx)
	if diags.HasErrors() {
		return 0, diags
	}
	d, err := ParseDuration(s)
	if err != nil {
		return 0, hcl.Diagnostics{attrError(attr, "Invalid duration", capitalize(err.Error())+".")}
	}
	if positive && d <= 0 {
		return 0, hcl.Diagnostics{attrError(attr, "Invalid duration",
			fmt.Sprintf("%q must be longer than zero.", attr.Name))}
	}
	return d, nil
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// keyRange is the range of the item with the given key in a map written as
// an object constructor, so a message about one entry points at it; else
// the whole expression.
func keyRange(expr hcl.Expression, key string) *hcl.Range {
	if obj, ok := expr.(*hclsyntax.ObjectConsExpr); ok {
		for _, item := range obj.Items {
			if k, d := item.KeyExpr.Value(nil); !d.HasErrors() && k.Type() == cty.String && k.AsString() == key {
				return item.KeyExpr.Range().Ptr()
			}
		}
	}
	return expr.Range().Ptr()
}

// elemRange is the range of the i-th element of a list written as a tuple
// constructor; else the whole expression.
func elemRange(expr hcl.Expression, i int) *hcl.Range {
	if tup, ok := expr.(*hclsyntax.TupleConsExpr); ok && i < len(tup.Exprs) {
		return tup.Exprs[i].Range().Ptr()
	}
	return expr.Range().Ptr()
}
