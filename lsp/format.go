package lsp

import (
	"bytes"

	"github.com/weirflow/weir/dsl"
)

// formatting rewrites the document as `weir fmt` would: one edit replacing
// the whole text, or none when it is formatted already or does not parse.
func (s *Server) formatting(p documentParams) ([]TextEdit, error) {
	d := s.doc(p.TextDocument.URI)
	if d == nil {
		return nil, rpcError(codeInvalidParams, "%s is not open", p.TextDocument.URI)
	}
	t, _ := d.current()
	out, diags := dsl.NewParser().Format(t.src, d.path)
	if diags.HasErrors() || bytes.Equal(out, t.src) {
		return []TextEdit{}, nil
	}
	return []TextEdit{{Range: t.span(0, len(t.src)), NewText: string(out)}}, nil
}
