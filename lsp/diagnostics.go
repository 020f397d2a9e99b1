package lsp

import (
	"context"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
)

// publish sends the diagnostics of a snapshot: those in the document to it,
// those in other files (var files) to those files, and empty lists to the
// files that had some last time and have none now.
func (s *Server) publish(d *document, snap *snapshot) {
	byFile := map[string][]Diagnostic{d.uri: {}}
	texts := map[string]*text{}
	for _, diag := range snap.analysis.Diags {
		uri, t := d.uri, snap.text
		if diag.Subject != nil && !samePath(diag.Subject.Filename, d.path) {
			uri = pathURI(diag.Subject.Filename)
			if texts[uri] == nil {
				src, _ := os.ReadFile(diag.Subject.Filename)
				texts[uri] = newText(src, t.utf8)
			}
			t = texts[uri]
		}
		byFile[uri] = append(byFile[uri], convert(diag, t))
	}
	byFile[d.uri] = append(byFile[d.uri], snap.runDiags...)
	for uri := range d.published {
		if _, ok := byFile[uri]; !ok {
			byFile[uri] = []Diagnostic{}
		}
	}
	d.published = map[string]bool{}
	for uri, list := range byFile {
		p := publishDiagnosticsParams{URI: uri, Diagnostics: list}
		if uri == d.uri {
			v := snap.version
			p.Version = &v
		} else if len(list) > 0 {
			d.published[uri] = true
		}
		s.notify("textDocument/publishDiagnostics", p)
	}
}

// clear empties the diagnostics of a closed document.
func (s *Server) clear(d *document) {
	for uri := range d.published {
		s.notify("textDocument/publishDiagnostics", publishDiagnosticsParams{URI: uri, Diagnostics: []Diagnostic{}})
	}
	s.notify("textDocument/publishDiagnostics", publishDiagnosticsParams{URI: d.uri, Diagnostics: []Diagnostic{}})
}

func (s *Server) notify(method string, params any) {
	if err := s.conn.Load().Notify(context.Background(), method, params); err != nil {
		s.log.Printf("%s: %v", method, err)
	}
}

// convert turns an HCL diagnostic into the protocol's. The message is the
// summary and the detail, as `weir validate` prints them; a diagnostic
// without a place is put at the start of the file.
func convert(d *hcl.Diagnostic, t *text) Diagnostic {
	out := Diagnostic{Severity: severityError, Source: "weir", Message: d.Summary}
	if d.Severity == hcl.DiagWarning {
		out.Severity = severityWarning
	}
	if d.Detail != "" {
		out.Message += "\n" + d.Detail
	}
	if d.Subject != nil {
		out.Range = t.span(d.Subject.Start.Byte, d.Subject.End.Byte)
	}
	return out
}

func samePath(a, b string) bool {
	if a == b {
		return true
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
