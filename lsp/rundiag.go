package lsp

import (
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/weirflow/weir/dsl"
	"github.com/weirflow/weir/history"
)

// runSource marks the diagnostics that come from past runs, not from the
// text: weir validate cannot know them.
const runSource = "weir runs"

// The sentences code actions act on; the diagnostics below end with them.
const (
	raiseMemory = `Raise memory to %s.`
	addPATH     = `add env_passthrough = ["PATH"]`
)

// runDiagnostics are the problems past runs showed that the text still
// has: a memory cap a stage outgrew or nearly did, and a program a task
// could not find in its PATH. Each says the fix a code action makes.
func runDiagnostics(x *index, a *dsl.Analysis, u *usage, t *text) []Diagnostic {
	if u == nil || x.file == nil {
		return nil
	}
	body, ok := x.file.Body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	blocks := map[string]*hclsyntax.Block{}
	for _, b := range body.Blocks {
		if b.Type == "stage" && len(b.Labels) == 1 {
			blocks[b.Labels[0]] = b
		}
	}
	var out []Diagnostic
	for _, name := range slices.Sorted(maps.Keys(u.stages)) {
		h, b := u.stages[name], blocks[name]
		f, ok := a.Stages[name]
		if b == nil || !ok || f.Tasks == 0 {
			continue
		}
		if d, ok := capDiagnostic(h, b, f, t); ok {
			out = append(out, d)
		}
		if d, ok := pathDiagnostic(h, b, t); ok {
			out = append(out, d)
		}
	}
	return out
}

// capDiagnostic warns at a stage's memory cap when its attempts ended oom
// or peaked close to it, with the cap `weir plan` would suggest.
func capDiagnostic(h *history.StageHistory, b *hclsyntax.Block, f dsl.StageFacts, t *text) (Diagnostic, bool) {
	attr := b.Body.Attributes["memory"]
	if attr == nil || f.Memory <= 0 {
		return Diagnostic{}, false
	}
	for _, adv := range history.Advise(h, f.Memory, 0) {
		if adv.Attribute != "memory" {
			continue
		}
		if n, err := dsl.ParseSize(strings.Trim(adv.Suggested, `"`)); err != nil || n <= f.Memory {
			continue // advice to lower a cap is weir plan's to give
		}
		r := attr.Expr.Range()
		return Diagnostic{
			Range:    t.span(r.Start.Byte, r.End.Byte),
			Severity: severityWarning,
			Source:   runSource,
			Message: "Memory cap below what past runs used\n" +
				"Stage " + quote(b.Labels[0]) + ": " + adv.Why + ". " + strings.Replace(raiseMemory, "%s", adv.Suggested, 1),
		}, true
	}
	return Diagnostic{}, false
}

// pathDiagnostic warns at a stage's command when a recent run could not
// find its program in the task's PATH, and the stage still does not pass
// weir's own PATH to its tasks.
func pathDiagnostic(h *history.StageHistory, b *hclsyntax.Block, t *text) (Diagnostic, bool) {
	if !strings.Contains(h.StartFailure, "not found in the task's PATH") {
		return Diagnostic{}, false
	}
	at := b.Body.Attributes["command"]
	if pass := b.Body.Attributes["env_passthrough"]; pass != nil {
		r := pass.Expr.Range()
		if strings.Contains(string(t.src[r.Start.Byte:r.End.Byte]), `"PATH"`) {
			return Diagnostic{}, false
		}
		at = pass
	}
	if env := b.Body.Attributes["env"]; env != nil {
		r := env.Expr.Range()
		if strings.Contains(string(t.src[r.Start.Byte:r.End.Byte]), "PATH") {
			return Diagnostic{}, false // the stage sets its own PATH
		}
	}
	if at == nil {
		return Diagnostic{}, false
	}
	r := at.Expr.Range()
	if at.Name == "command" {
		r = at.NameRange
	}
	return Diagnostic{
		Range:    t.span(r.Start.Byte, r.End.Byte),
		Severity: severityWarning,
		Source:   runSource,
		Message: "Program not found in a recent run\n" +
			"Stage " + quote(b.Labels[0]) + " could not start: " + strings.TrimPrefix(h.StartFailure, "proc: ") +
			". A task sees only its own PATH (by default /usr/local/bin:/usr/bin:/bin); to pass weir's, " + addPATH + ".",
	}, true
}
