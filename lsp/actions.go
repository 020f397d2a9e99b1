package lsp

import (
	"regexp"

	"github.com/agext/levenshtein"
)

var (
	didYouMeanRE = regexp.MustCompile(`Did you mean "([^"]+)"\?`)
	wordRE       = regexp.MustCompile(`[A-Za-z_][\w-]*(?::\d+)?`)
)

// codeAction offers the fixes the diagnostics suggest: for "Did you mean
// "x"?", replacing the misspelled name with x.
func (s *Server) codeAction(p codeActionParams) ([]CodeAction, error) {
	d := s.doc(p.TextDocument.URI)
	if d == nil {
		return nil, rpcError(codeInvalidParams, "%s is not open", p.TextDocument.URI)
	}
	t, _ := d.current()
	actions := []CodeAction{}
	for _, diag := range p.Context.Diagnostics {
		m := didYouMeanRE.FindStringSubmatch(diag.Message)
		if m == nil {
			continue
		}
		start, err1 := t.offset(diag.Range.Start)
		end, err2 := t.offset(diag.Range.End)
		if err1 != nil || err2 != nil || end < start {
			continue
		}
		word, ok := misspelled(t.src[start:end], m[1])
		if !ok {
			continue
		}
		r := t.span(start+word.start, start+word.end)
		actions = append(actions, CodeAction{
			Title:       `Change to "` + m[1] + `"`,
			Kind:        "quickfix",
			Diagnostics: []Diagnostic{diag},
			IsPreferred: true,
			Edit:        &WorkspaceEdit{Changes: map[string][]TextEdit{p.TextDocument.URI: {{Range: r, NewText: m[1]}}}},
		})
	}
	return actions, nil
}

// misspelled finds, in the text a diagnostic points at, the word closest to
// the suggestion: "extrct" in stage.extrct.output.table.
func misspelled(src []byte, suggestion string) (span, bool) {
	best, bestDist := span{}, -1
	for _, loc := range wordRE.FindAllIndex(src, -1) {
		w := string(src[loc[0]:loc[1]])
		if w == suggestion {
			continue
		}
		if d := levenshtein.Distance(w, suggestion, nil); bestDist < 0 || d < bestDist {
			best, bestDist = span{loc[0], loc[1]}, d
		}
	}
	return best, bestDist >= 0 && bestDist < 3
}
