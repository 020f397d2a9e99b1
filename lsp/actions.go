package lsp

import (
	"regexp"
	"strings"

	"github.com/agext/levenshtein"
)

var (
	didYouMeanRE = regexp.MustCompile(`Did you mean "([^"]+)"\?`)
	raiseRE      = regexp.MustCompile(`Raise memory to ("[^"]+")\.`)
	wordRE       = regexp.MustCompile(`[A-Za-z_][\w-]*(?::\d+)?`)
)

// codeAction offers the fixes the diagnostics suggest: for "Did you mean
// "x"?", replacing the misspelled name with x; for a cap past runs
// outgrew, the cap they suggest; for a program not found in a task's PATH,
// passing weir's PATH to the stage's tasks.
func (s *Server) codeAction(p codeActionParams) ([]CodeAction, error) {
	d := s.doc(p.TextDocument.URI)
	if d == nil {
		return nil, rpcError(codeInvalidParams, "%s is not open", p.TextDocument.URI)
	}
	t, _ := d.current()
	actions := []CodeAction{}
	for _, diag := range p.Context.Diagnostics {
		if a, ok := runAction(t, p.TextDocument.URI, diag); ok {
			actions = append(actions, a)
			continue
		}
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

// runAction is the fix of a diagnostic of past runs (rundiag.go).
func runAction(t *text, uri string, diag Diagnostic) (CodeAction, bool) {
	if diag.Source != runSource {
		return CodeAction{}, false
	}
	start, err1 := t.offset(diag.Range.Start)
	end, err2 := t.offset(diag.Range.End)
	if err1 != nil || err2 != nil || end < start {
		return CodeAction{}, false
	}
	a := CodeAction{Kind: "quickfix", Diagnostics: []Diagnostic{diag}, IsPreferred: true}
	var edit TextEdit
	switch {
	case raiseRE.MatchString(diag.Message):
		value := raiseRE.FindStringSubmatch(diag.Message)[1]
		a.Title = "Raise memory to " + value
		edit = TextEdit{Range: diag.Range, NewText: value}
	case strings.Contains(diag.Message, addPATH):
		a.Title = `Pass weir's PATH to the tasks (env_passthrough = ["PATH"])`
		if list := t.src[start:end]; len(list) > 0 && list[0] == '[' {
			// env_passthrough is there without PATH: PATH goes first.
			item := `"PATH", `
			if strings.TrimSpace(string(list[1:len(list)-1])) == "" {
				item = `"PATH"`
			}
			edit = TextEdit{Range: t.span(start+1, start+1), NewText: item}
			break
		}
		// A line of its own above the command, indented as it is.
		line := t.lines[search(t.lines, start)]
		indent := t.src[line:start]
		if strings.TrimLeft(string(indent), " \t") != "" {
			return CodeAction{}, false // a block on one line holds one attribute
		}
		edit = TextEdit{Range: t.span(line, line), NewText: string(indent) + `env_passthrough = ["PATH"]` + "\n"}
	default:
		return CodeAction{}, false
	}
	a.Edit = &WorkspaceEdit{Changes: map[string][]TextEdit{uri: {edit}}}
	return a, true
}
