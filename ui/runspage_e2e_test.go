package ui

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/internal/browser"
)

// TestBrowserRunsPage opens the Runs page from a link naming a workflow and
// two runs to compare, and finds each part shown: the runs of that
// workflow, its durations, the runs x tasks grid with the failure in its
// cell, and the tasks that changed; a filter goes to the address, and a
// cell of the grid opens that task in that run.
func TestBrowserRunsPage(t *testing.T) {
	tab := browser.New(t)
	do(t, tab, chromedp.Navigate("about:blank"))
	dir := threeRuns(t)
	_, hs := startServer(t, Options{StateDir: dir})
	do(t, tab, chromedp.Navigate(hs.URL+"/#runs&workflow=%2Fw%2Ffake.hcl&a=20261121-070000-aaaaa0&b=20261122-070000-aaaaa1"))
	waitJS(t, tab, "the Runs page", `document.querySelector("#history .compare-summary") !== null && !document.getElementById("history").hidden`)

	if got := eval[string](t, tab, `document.querySelector("#history .rp-info").textContent`); got != "3 of 4 runs" {
		t.Errorf("runs shown %q, want 3 of 4 (one workflow)", got)
	}
	// The trend: a point per finished run, oldest first, the failed one red.
	pts := eval[[]string](t, tab, `[...document.querySelectorAll('#history .trend[data-workflow="/w/fake.hcl"] circle')].map(c => c.dataset.run + " " + c.getAttribute("class"))`)
	want := []string{"20261121-070000-aaaaa0 pt state-succeeded", "20261122-070000-aaaaa1 pt state-failed", "20261123-070000-aaaaa2 pt state-succeeded"}
	if strings.Join(pts, "|") != strings.Join(want, "|") {
		t.Errorf("trend points %q, want %q", pts, want)
	}
	if y := eval[[]float64](t, tab, `[...document.querySelectorAll('#history .trend circle')].map(c => +c.getAttribute("cy"))`); len(y) != 3 || !(y[1] < y[0]) {
		t.Errorf("trend heights %v: the 6 s run should stand above the 2 s ones", y)
	}
	// The grid: b failed once, so it comes first; c is only in the last run.
	rows := eval[[]string](t, tab, `[...document.querySelectorAll("#history table.grid tbody tr")].map(r => r.dataset.task + ":" + [...r.querySelectorAll(".cell")].map(c => c.className.replace("cell ", "")).join(","))`)
	wantRows := []string{"b:state-succeeded,state-failed,state-succeeded", "a:state-succeeded,state-succeeded,state-succeeded", "c:none,none,state-succeeded"}
	if strings.Join(rows, "|") != strings.Join(wantRows, "|") {
		t.Errorf("grid %q, want %q", rows, wantRows)
	}
	// The comparison of runs 1 and 2: a took 5x as long, b failed.
	if got := eval[string](t, tab, `document.querySelector("#history .compare-summary").textContent`); got != "2 changed, 0 the same" {
		t.Errorf("comparison %q", got)
	}
	changed := eval[[]string](t, tab, `[...document.querySelectorAll("#history .compare-table tbody tr")].map(r => r.dataset.task + ": " + r.children[1].textContent)`)
	if strings.Join(changed, "|") != "a: took|b: state" {
		t.Errorf("changed tasks %q", changed)
	}

	// A filter goes to the address.
	setField(t, tab, "#history .rp-state", "failed")
	waitJS(t, tab, "failed runs only", `document.querySelector("#history .rp-info").textContent === "1 of 4 runs"`)
	if h := eval[string](t, tab, `location.hash`); !strings.Contains(h, "state=failed") || !strings.Contains(h, "workflow=") {
		t.Errorf("address %q does not hold the filter", h)
	}
	// A cell opens its task in its run.
	do(t, tab, chromedp.Click(chromedp.CSS(`#history tr[data-task="b"] .cell.state-failed`)))
	waitJS(t, tab, "run 2", `document.getElementById("history").hidden && document.getElementById("run-id").textContent === "20261122-070000-aaaaa1"`)
	waitJS(t, tab, "b's panel", `document.querySelector("#panel .task-name")?.textContent === "b"`)
	if errs := tab.Errors(); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
