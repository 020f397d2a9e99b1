// Package lsp is weir's language server: it speaks the Language Server
// Protocol over a stream (stdio for `weir lsp`) and serves every .hcl
// workflow an editor opens.
//
// Diagnostics come from dsl's own loader (dsl.Parser.Analyze, which gives
// what `weir validate` prints), formatting from dsl.Parser.Format (what
// `weir fmt` writes), and the reference text of hovers from
// docs/language.md itself. The rest (completion, go to definition,
// references, rename, symbols) reads an index of declarations and
// references built from the syntax tree of the text being edited.
//
// Each open document has a worker goroutine that analyzes its newest text
// after every change and publishes diagnostics tagged with the version they
// describe, so a burst of edits ends with the diagnostics of the last one.
//
// lsp is, with dsl, an importer of HCL: it walks syntax trees for ranges.
// It never evaluates expressions itself.
package lsp
