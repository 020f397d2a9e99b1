package dsl

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// refsAttrs are the attributes whose strings end up in a task's argv or env
// as written (dir is cleaned as a path), where resolveDeps finds the
// instances a task names.
var refsAttrs = map[string]bool{"command": true, "script": true, "env": true}

// byKey reports whether every reference of stage d to stage target is
// stage.TARGET[each.key].output.NAME, standing where its string reaches the
// task as it is (an argument, an env value, a template part, an input's
// from): then d's task of key k depends on target's task of key k alone,
// and on nothing else of target. Anything else (a whole-stage reference, a
// function around the reference, a reference in for_each) is not by key,
// and the focused load takes every task of both stages.
func byKey(d *stageDecl, target string) bool {
	if d.forEach == nil {
		return false
	}
	for _, dep := range d.dependsOn {
		if dep.stage == target {
			return false
		}
	}
	for name, attr := range d.attrs {
		ok := !mentions(attr.Expr, target)
		if refsAttrs[name] {
			ok = directByKey(attr.Expr, target)
		}
		if !ok {
			return false
		}
	}
	for _, blk := range d.inputs {
		attrs, diags := blk.Body.JustAttributes()
		if diags.HasErrors() {
			return false
		}
		for name, attr := range attrs {
			ok := !mentions(attr.Expr, target)
			if name == "from" {
				ok = directByKey(attr.Expr, target)
			}
			if !ok {
				return false
			}
		}
	}
	for _, blk := range append(d.outputs[:len(d.outputs):len(d.outputs)], d.retry) {
		if blk == nil {
			continue
		}
		attrs, diags := blk.Body.JustAttributes()
		if diags.HasErrors() {
			return false
		}
		for _, attr := range attrs {
			if mentions(attr.Expr, target) {
				return false
			}
		}
	}
	return true
}

// directByKey reports whether every reference to stage target in expr is
// in a place whose string reaches the task unchanged.
func directByKey(expr hcl.Expression, target string) bool {
	switch e := expr.(type) {
	case *hclsyntax.RelativeTraversalExpr:
		if keyIndex(e.Source, target) {
			for _, step := range e.Traversal {
				if _, ok := step.(hcl.TraverseAttr); !ok {
					return false
				}
			}
			return true
		}
	case *hclsyntax.TemplateExpr:
		for _, part := range e.Parts {
			if !directByKey(part, target) {
				return false
			}
		}
		return true
	case *hclsyntax.TemplateWrapExpr:
		return directByKey(e.Wrapped, target)
	case *hclsyntax.TupleConsExpr:
		for _, el := range e.Exprs {
			if !directByKey(el, target) {
				return false
			}
		}
		return true
	case *hclsyntax.ObjectConsExpr:
		for _, item := range e.Items {
			if mentions(item.KeyExpr, target) || !directByKey(item.ValueExpr, target) {
				return false
			}
		}
		return true
	}
	return !mentions(expr, target)
}

// keyIndex reports whether expr is stage.TARGET[each.key].
func keyIndex(expr hcl.Expression, target string) bool {
	ix, ok := expr.(*hclsyntax.IndexExpr)
	if !ok {
		return false
	}
	coll, ok := ix.Collection.(*hclsyntax.ScopeTraversalExpr)
	if !ok || !isPath(coll.Traversal, "stage", target) {
		return false
	}
	key, ok := ix.Key.(*hclsyntax.ScopeTraversalExpr)
	return ok && isPath(key.Traversal, "each", "key")
}

// isPath reports whether tr is exactly root.attr.
func isPath(tr hcl.Traversal, root, attr string) bool {
	if len(tr) != 2 || tr.RootName() != root {
		return false
	}
	a, ok := tr[1].(hcl.TraverseAttr)
	return ok && a.Name == attr
}

// mentions reports whether expr refers to stage target at all.
func mentions(expr hcl.Expression, target string) bool {
	for _, tr := range expr.Variables() {
		if name, ok := attrName(tr, 1); ok && tr.RootName() == "stage" && name == target {
			return true
		}
	}
	return false
}
