package lsp

import (
	"sort"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// documentSymbol is the outline: the workflow, variables, locals, pools and
// stages, with each stage's inputs and outputs inside it.
func (s *Server) documentSymbol(p documentParams) ([]DocumentSymbol, error) {
	d := s.doc(p.TextDocument.URI)
	if d == nil {
		return nil, rpcError(codeInvalidParams, "%s is not open", p.TextDocument.URI)
	}
	snap := d.latest(waitAnalysis)
	if snap == nil || snap.index.file == nil {
		return []DocumentSymbol{}, nil
	}
	out := []DocumentSymbol{}
	snap.readTree(func() {
		if body, ok := snap.index.file.Body.(*hclsyntax.Body); ok {
			out = outline(body, snap.text, snap.index.file.Bytes)
		}
	})
	return out, nil
}

var symbolKinds = map[string]int{
	"workflow": symbolModule, "variable": symbolVariable, "locals": symbolPackage, "pool": symbolObject,
	"stage": symbolFunction, "input": symbolEvent, "output": symbolField, "retry": symbolObject,
}

func outline(body *hclsyntax.Body, t *text, src []byte) []DocumentSymbol {
	out := []DocumentSymbol{}
	for _, b := range body.Blocks {
		kind, ok := symbolKinds[b.Type]
		if !ok || b.Type == "retry" {
			continue
		}
		sym := DocumentSymbol{Name: b.Type, Kind: kind, Range: t.span(b.Range().Start.Byte, b.Range().End.Byte)}
		sym.SelectionRange = t.span(b.TypeRange.Start.Byte, b.TypeRange.End.Byte)
		if len(b.Labels) > 0 {
			sym.Name, sym.Detail = b.Labels[0], b.Type
			sel := labelSpan(src, b.LabelRanges[0])
			sym.SelectionRange = t.span(sel.start, sel.end)
		}
		switch b.Type {
		case "locals":
			attrs := make([]*hclsyntax.Attribute, 0, len(b.Body.Attributes))
			for _, a := range b.Body.Attributes {
				attrs = append(attrs, a)
			}
			sort.Slice(attrs, func(i, j int) bool { return attrs[i].SrcRange.Start.Byte < attrs[j].SrcRange.Start.Byte })
			for _, a := range attrs {
				sym.Children = append(sym.Children, DocumentSymbol{Name: a.Name, Detail: "local", Kind: symbolConstant,
					Range: t.span(a.SrcRange.Start.Byte, a.SrcRange.End.Byte), SelectionRange: t.span(a.NameRange.Start.Byte, a.NameRange.End.Byte)})
			}
		case "stage":
			sym.Children = outline(b.Body, t, src)
		}
		out = append(out, sym)
	}
	return out
}
