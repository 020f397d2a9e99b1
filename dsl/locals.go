package dsl

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/weirflow/weir/dag"
)

func (l *loader) declareLocals(b *hcl.Block) {
	attrs, diags := b.Body.JustAttributes()
	l.add(diags)
	for _, name := range sortedKeys(attrs) {
		attr := attrs[name]
		if prev, ok := l.localExprs[name]; ok {
			l.add(hcl.Diagnostics{duplicate("local value", name, prev.NameRange, attr.NameRange)})
			continue
		}
		l.localExprs[name] = attr
	}
}

// evalLocals evaluates locals in dependency order, whatever order they are
// written in, and reports a cycle among them by name.
func (l *loader) evalLocals() {
	names := l.localNames()
	index := make(map[string]int32, len(names))
	for i, n := range names {
		index[n] = int32(i)
	}
	succ := make([][]int32, len(names))
	broken := make([]bool, len(names))
	for i, n := range names {
		attr := l.localExprs[n]
		_, diags := l.checkRefs(attr.Expr, scopeVar|scopeLocal|scopePath, "a local value", nil)
		if diags.HasErrors() {
			l.add(diags)
			broken[i] = true
		}
		for _, tr := range attr.Expr.Variables() {
			if tr.RootName() != "local" {
				continue
			}
			if dep, ok := attrName(tr, 1); ok {
				if j, ok := index[dep]; ok {
					succ[j] = append(succ[j], int32(i))
				}
			}
		}
	}
	vals := make(map[string]cty.Value, len(names))
	for _, n := range names {
		vals[n] = cty.DynamicVal
	}
	order, cycle := dag.SortIndex(names, succ)
	if cycle != nil {
		first := l.localExprs[cycle.Path[0]]
		l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cycle in local values",
			Detail:  "These local values refer to each other in a loop: " + joinArrow(cycle.Path, "local.") + ". Break the loop by computing one of them without the others.",
			Subject: first.Expr.Range().Ptr()}})
		l.localVal = cty.ObjectVal(vals)
		return
	}
	for _, i := range order {
		if broken[i] {
			continue
		}
		attr := l.localExprs[names[i]]
		ctx := l.baseContext()
		ctx.Variables["local"] = cty.ObjectVal(vals)
		v, diags := attr.Expr.Value(ctx)
		l.add(diags)
		if !diags.HasErrors() {
			vals[names[i]] = v
		}
	}
	l.localVal = cty.ObjectVal(vals)
}

func joinArrow(path []string, prefix string) string {
	s := ""
	for i, p := range path {
		if i > 0 {
			s += " -> "
		}
		s += prefix + p
	}
	return s
}
