package dsl

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"golang.org/x/text/unicode/norm"
)

// Per-task strings without an evaluation context.
//
// In a wide stage what differs between tasks is usually a list, a map or a
// template in which only each.key or each.value appear:
// command = ["process", each.key, ...], script = "run ${each.key}",
// env = { SHARD = each.key }. Giving every task an evaluation context and an
// each object, then evaluating the whole expression, costs microseconds a
// task: most of a million-task stage's load. A strPlan holds such an
// expression with its fixed pieces evaluated once; a task fills in its key
// and value. Expressions of any other shape are evaluated as usual.

// fastPaths is off only in tests that compare the fast paths (strPlan,
// evalForObjectFast) with HCL's general evaluation.
var fastPaths = true

type pieceKind uint8

const (
	pieceFixed pieceKind = iota
	pieceKey             // each.key
	pieceValue           // each.value, when it is a string
)

type strPiece struct {
	kind  pieceKind
	fixed string
}

// strTemplate is one string: the concatenation of its pieces.
type strTemplate []strPiece

// strPlan is a compiled list (elems), map (keys and elems) or string (one
// elem).
type strPlan struct {
	keys  []string
	elems []strTemplate
}

// render fills in one task's key and each.value; ok is false when
// each.value is not a known string, which the general path converts or
// reports.
func (t strTemplate) render(key string, value cty.Value) (string, bool) {
	if len(t) == 1 {
		return t[0].text(key, value)
	}
	var b strings.Builder
	for _, p := range t {
		s, ok := p.text(key, value)
		if !ok {
			return "", false
		}
		b.WriteString(s)
	}
	// As cty.StringVal does: pieces in normal form may join into a string
	// that is not (a key that starts with a combining mark).
	return norm.NFC.String(b.String()), true
}

func (p strPiece) text(key string, value cty.Value) (string, bool) {
	switch p.kind {
	case pieceKey:
		return key, true
	case pieceValue:
		if value == cty.NilVal {
			return key, true // each.value is each.key
		}
		if value.Type() != cty.String || value.IsNull() || !value.IsKnown() || value.IsMarked() {
			return "", false
		}
		return value.AsString(), true
	}
	return p.fixed, true
}

// compileList compiles a tuple expression of strings.
func compileList(expr hcl.Expression, ctx *hcl.EvalContext) *strPlan {
	tuple, ok := expr.(*hclsyntax.TupleConsExpr)
	if !ok {
		return nil
	}
	plan := &strPlan{elems: make([]strTemplate, 0, len(tuple.Exprs))}
	for _, e := range tuple.Exprs {
		t, ok := compileString(e, ctx)
		if !ok {
			return nil
		}
		plan.elems = append(plan.elems, t)
	}
	return plan
}

// compileMap compiles an object expression whose keys are fixed.
func compileMap(expr hcl.Expression, ctx *hcl.EvalContext) *strPlan {
	obj, ok := expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil
	}
	plan := &strPlan{}
	seen := map[string]bool{}
	for _, item := range obj.Items {
		k, ok := fixedString(item.KeyExpr, ctx)
		if !ok || seen[k] {
			return nil // a duplicate is the general path's error to report
		}
		seen[k] = true
		t, ok := compileString(item.ValueExpr, ctx)
		if !ok {
			return nil
		}
		plan.keys = append(plan.keys, k)
		plan.elems = append(plan.elems, t)
	}
	return plan
}

// compileOne compiles a string expression.
func compileOne(expr hcl.Expression, ctx *hcl.EvalContext) *strPlan {
	t, ok := compileString(expr, ctx)
	if !ok {
		return nil
	}
	return &strPlan{elems: []strTemplate{t}}
}

func compileString(expr hcl.Expression, ctx *hcl.EvalContext) (strTemplate, bool) {
	if !refersToTask(expr) {
		s, ok := fixedString(expr, ctx)
		return strTemplate{{fixed: s}}, ok
	}
	switch e := expr.(type) {
	case *hclsyntax.ScopeTraversalExpr:
		if len(e.Traversal) != 2 || e.Traversal.RootName() != "each" {
			return nil, false
		}
		attr, ok := e.Traversal[1].(hcl.TraverseAttr)
		switch {
		case ok && attr.Name == "key":
			return strTemplate{{kind: pieceKey}}, true
		case ok && attr.Name == "value":
			return strTemplate{{kind: pieceValue}}, true
		}
	case *hclsyntax.TemplateWrapExpr:
		return compileString(e.Wrapped, ctx)
	case *hclsyntax.TemplateExpr:
		var t strTemplate
		for _, part := range e.Parts {
			pt, ok := compileString(part, ctx)
			if !ok {
				return nil, false
			}
			t = append(t, pt...)
		}
		return t, true
	}
	return nil, false
}

// fixedString evaluates an expression that does not depend on the task; ok
// only for a known, unmarked string without problems.
func fixedString(expr hcl.Expression, ctx *hcl.EvalContext) (string, bool) {
	if refersToTask(expr) {
		return "", false
	}
	v, diags := expr.Value(ctx)
	if diags.HasErrors() || v.Type() != cty.String || v.IsNull() || !v.IsKnown() || v.IsMarked() {
		return "", false
	}
	return v.AsString(), true
}

// refersToTask reports whether expr refers to each or self.
func refersToTask(expr hcl.Expression) bool {
	for _, tr := range expr.Variables() {
		if name := tr.RootName(); name == "each" || name == "self" {
			return true
		}
	}
	return false
}

// strings renders a list plan.
func (p *strPlan) strings(key string, value cty.Value) ([]string, bool) {
	out := make([]string, len(p.elems))
	for i, t := range p.elems {
		s, ok := t.render(key, value)
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

// stringMap renders a map plan.
func (p *strPlan) stringMap(key string, value cty.Value) (map[string]string, bool) {
	out := make(map[string]string, len(p.elems))
	for i, t := range p.elems {
		s, ok := t.render(key, value)
		if !ok {
			return nil, false
		}
		out[p.keys[i]] = s
	}
	return out, true
}

// readsValue reports whether a task's each.value is part of the plan.
func (p *strPlan) readsValue() bool {
	for _, t := range p.elems {
		for _, piece := range t {
			if piece.kind == pieceValue {
				return true
			}
		}
	}
	return false
}
