package ui

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/internal/browser"
)

// TestBrowserAuthoringPanel opens a workflow that has never run: a click
// on a stage opens its panel with what it declares, a stage with a
// warning is marked on the graph, and the run-state legend is hidden.
func TestBrowserAuthoringPanel(t *testing.T) {
	tab := browser.New(t)
	// Settled before the server's leak check counts goroutines: the tab
	// starts some of its own once in use.
	do(t, tab, chromedp.Navigate("about:blank"))
	dir := t.TempDir()
	file := filepath.Join(dir, "etl.hcl")
	extract := task("extract")
	extract.Argv = []string{"python3", "extract.py", "--all"}
	extract.Memory = 512 << 20
	extract.Origin = dag.Pos{File: file, Line: 2, Column: 1}
	extract.Outputs = []dag.Output{{Name: "rows", Size: 1 << 20}}
	load := task("load", "extract")
	load.Origin = dag.Pos{File: file, Line: 6, Column: 1}
	load.Inputs = []dag.Input{{Name: "rows", From: []dag.SegmentRef{{Task: "extract", Output: "rows"}}}}
	plan := &dag.Plan{Name: "etl", File: file, Pools: []*dag.Pool{{Name: "default", Processes: 2}}, Tasks: []*dag.Task{extract, load}}
	var g bytes.Buffer
	if err := dag.WriteJSON(&g, plan, dag.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	src := "workflow \"etl\" {}\nstage \"extract\" {\n  argv = [\"python3\", \"extract.py\", \"--all\"]\n  memory = \"512MiB\"\n}\nstage \"load\" {\n  script = \"load\"\n  timeout = \"0s\"\n}\n"
	wf := &Workflow{Path: file, Load: func() WorkflowView {
		return WorkflowView{File: file, Source: src, Graph: g.Bytes(), Diagnostics: []Diagnostic{
			{Severity: "warning", Summary: "Timeout of zero", File: file, Line: 8, Column: 3},
		}}
	}}
	_, hs := startServer(t, Options{Workflow: wf})
	do(t, tab, chromedp.Navigate(hs.URL+"/"))
	waitJS(t, tab, "the workflow", `document.body.dataset.drawn === "1"`)
	if !eval[bool](t, tab, `document.getElementById("legend").hidden`) {
		t.Error("the run-state legend shows before any run")
	}
	if got := eval[string](t, tab, `weir.state("load").diag`); got != "Timeout of zero" {
		t.Errorf("load marked %q, want the warning", got)
	}
	if got := eval[string](t, tab, `weir.state("extract").diag`); got != "" {
		t.Errorf("extract marked %q, want no mark", got)
	}

	pos := eval[[]float64](t, tab, `(() => { const n = weir.app.graph.cy.getElementById("extract");
		const p = n.renderedPosition(), r = document.getElementById("graph").getBoundingClientRect();
		return [p.x + r.left, p.y + r.top]; })()`)
	do(t, tab, chromedp.MouseClickXY(pos[0], pos[1]))
	waitJS(t, tab, "extract's panel", `document.querySelector("#panel .task-name")?.textContent === "extract"`)
	text := eval[string](t, tab, `document.getElementById("panel").innerText`)
	for _, want := range []string{"not run", "512 MiB", "default", "etl.hcl:2", "rows"} {
		if !strings.Contains(text, want) {
			t.Errorf("the panel lacks %q:\n%s", want, text)
		}
	}
	// The command, as the list of arguments it was written as.
	if args := eval[[]string](t, tab, `[...document.querySelectorAll("#panel ol.argv-list li.arg")].map(e => e.textContent)`); strings.Join(args, "|") != "python3|extract.py|--all" {
		t.Errorf("the panel's command is %q, want python3, extract.py, --all", args)
	}
	if errs := tab.Errors(); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
