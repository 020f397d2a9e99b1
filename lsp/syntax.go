package lsp

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// place is what the syntax tree has at an offset: the enclosing blocks,
// and the attribute and expression node under it, if any.
type place struct {
	blocks []*hclsyntax.Block // outermost first
	onType bool               // on the innermost block's type keyword
	attr   *hclsyntax.Attribute
	onName bool           // on attr's name
	node   hclsyntax.Node // innermost expression node at the offset
}

func (p place) block() *hclsyntax.Block {
	if len(p.blocks) == 0 {
		return nil
	}
	return p.blocks[len(p.blocks)-1]
}

func (p place) blockType() string {
	if b := p.block(); b != nil {
		return b.Type
	}
	return ""
}

// stage returns the enclosing stage's name, or "".
func (p place) stage() string {
	for _, b := range p.blocks {
		if b.Type == "stage" && len(b.Labels) == 1 {
			return b.Labels[0]
		}
	}
	return ""
}

func in(r hcl.Range, off int) bool { return r.Start.Byte <= off && off <= r.End.Byte }

// locate finds what is at off in the file.
func locate(f *hcl.File, off int) place {
	var p place
	if f == nil {
		return p
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return p
	}
	for {
		var next *hclsyntax.Block
		for _, b := range body.Blocks {
			if in(b.Range(), off) {
				next = b
				break
			}
		}
		if next == nil {
			break
		}
		p.blocks = append(p.blocks, next)
		if in(next.TypeRange, off) {
			p.onType = true
			return p
		}
		body = next.Body
	}
	for _, a := range body.Attributes {
		if !in(a.SrcRange, off) {
			continue
		}
		p.attr = a
		if in(a.NameRange, off) {
			p.onName = true
			return p
		}
		hclsyntax.VisitAll(a.Expr, func(n hclsyntax.Node) hcl.Diagnostics {
			if in(n.Range(), off) {
				p.node = n // VisitAll goes outside in: the last is innermost
			}
			return nil
		})
		return p
	}
	return p
}
