// Package docs embeds weir's reference documents for the programs that show
// them: weir lsp's hover text is read from language.md, so the editor and
// the reference never disagree.
package docs

import _ "embed"

// Language is docs/language.md, the reference of the workflow language.
//
//go:embed language.md
var Language string
