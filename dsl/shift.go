package dsl

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// delta moves positions by whole lines and bytes. A top-level block that
// starts in column 1 and keeps its text keeps every column when an edit
// above it moves it, so lines and bytes are all that change.
type delta struct{ lines, bytes int }

func (d delta) pos(p *hcl.Pos) {
	p.Line += d.lines
	p.Byte += d.bytes
}

func (d delta) rng(r *hcl.Range) {
	d.pos(&r.Start)
	d.pos(&r.End)
}

func (d delta) traversal(t hcl.Traversal) {
	for i, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			d.rng(&s.SrcRange)
			t[i] = s
		case hcl.TraverseAttr:
			d.rng(&s.SrcRange)
			t[i] = s
		case hcl.TraverseIndex:
			d.rng(&s.SrcRange)
			t[i] = s
		case hcl.TraverseSplat:
			d.rng(&s.SrcRange)
			d.traversal(s.Each)
			t[i] = s
		}
	}
}

// shift moves every range of a syntax tree in place. TestShift holds it to
// a parse of the same text at the new place, so a node type it missed
// fails there.
func shift(root hclsyntax.Node, d delta) {
	seen := map[hclsyntax.Node]bool{} // a node reachable twice moves once
	var visit hclsyntax.VisitFunc
	visit = func(n hclsyntax.Node) hcl.Diagnostics {
		switch n.(type) {
		case hclsyntax.Attributes, hclsyntax.Blocks, hclsyntax.ChildScope:
			return nil // not pointers, and their children are walked
		}
		if seen[n] {
			return nil
		}
		seen[n] = true
		switch n := n.(type) {
		case *hclsyntax.Body:
			d.rng(&n.SrcRange)
			d.rng(&n.EndRange)
		case *hclsyntax.Attribute:
			d.rng(&n.SrcRange)
			d.rng(&n.NameRange)
			d.rng(&n.EqualsRange)
		case *hclsyntax.Block:
			d.rng(&n.TypeRange)
			for i := range n.LabelRanges {
				d.rng(&n.LabelRanges[i])
			}
			d.rng(&n.OpenBraceRange)
			d.rng(&n.CloseBraceRange)
		case *hclsyntax.LiteralValueExpr:
			d.rng(&n.SrcRange)
		case *hclsyntax.ScopeTraversalExpr:
			d.rng(&n.SrcRange)
			d.traversal(n.Traversal)
		case *hclsyntax.RelativeTraversalExpr:
			d.rng(&n.SrcRange)
			d.traversal(n.Traversal)
		case *hclsyntax.FunctionCallExpr:
			d.rng(&n.NameRange)
			d.rng(&n.OpenParenRange)
			d.rng(&n.CloseParenRange)
		case *hclsyntax.ConditionalExpr:
			d.rng(&n.SrcRange)
		case *hclsyntax.BinaryOpExpr:
			d.rng(&n.SrcRange)
		case *hclsyntax.UnaryOpExpr:
			d.rng(&n.SrcRange)
			d.rng(&n.SymbolRange)
		case *hclsyntax.TemplateExpr:
			d.rng(&n.SrcRange)
		case *hclsyntax.TemplateWrapExpr:
			d.rng(&n.SrcRange)
		case *hclsyntax.ParenthesesExpr:
			d.rng(&n.SrcRange)
		case *hclsyntax.IndexExpr:
			d.rng(&n.SrcRange)
			d.rng(&n.OpenRange)
			d.rng(&n.BracketRange)
		case *hclsyntax.TupleConsExpr:
			d.rng(&n.SrcRange)
			d.rng(&n.OpenRange)
		case *hclsyntax.ObjectConsExpr:
			d.rng(&n.SrcRange)
			d.rng(&n.OpenRange)
		case *hclsyntax.ObjectConsKeyExpr:
			// A key written as a bare name is not walked as an expression.
			hclsyntax.VisitAll(n.Wrapped, visit)
		case *hclsyntax.ForExpr:
			d.rng(&n.SrcRange)
			d.rng(&n.OpenRange)
			d.rng(&n.CloseRange)
		case *hclsyntax.SplatExpr:
			d.rng(&n.SrcRange)
			d.rng(&n.MarkerRange)
			hclsyntax.VisitAll(n.Item, visit)
		case *hclsyntax.AnonSymbolExpr:
			d.rng(&n.SrcRange)
		case *hclsyntax.ExprSyntaxError:
			d.rng(&n.SrcRange)
		}
		return nil
	}
	hclsyntax.VisitAll(root, visit)
}
