package dsl

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns src in canonical HCL layout. A file with syntax errors is
// returned unchanged with its diagnostics: formatting broken input would
// guess at what the user meant. The source is kept so that WriteDiagnostics
// can quote it.
func (p *Parser) Format(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	p.p.AddFile(filename, &hcl.File{Bytes: f.Bytes, Nav: f.Nav})
	if diags.HasErrors() {
		return src, diags
	}
	out := hclwrite.Format(src)
	// hclwrite can need a second pass to settle alignment after it moves
	// tokens; two passes make fmt idempotent.
	if again := hclwrite.Format(out); !bytes.Equal(again, out) {
		out = again
	}
	return out, nil
}
