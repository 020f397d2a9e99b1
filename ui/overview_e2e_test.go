package ui

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserOverview opens the failed 2,000-task run with the threshold
// for wide stages lowered to 500, as a run of a million tasks is shown:
// the page loads the overview and a snapshot without the stage's tasks,
// never graph.json; the stage is one node with its counts; the table's
// rows come from the server, failures first, filtered there; the failures
// are a click from their logs; a click on the stage opens its tasks in the
// table.
func TestBrowserOverview(t *testing.T) {
	tab := openWide(t, "/?wide=500")
	loaded := eval[[]string](t, tab, `performance.getEntriesByType("resource").map(e => new URL(e.name).pathname)`)
	joined := strings.Join(loaded, " ")
	if !strings.Contains(joined, "/api/runs/wide/overview") || strings.Contains(joined, "/api/runs/wide/graph") {
		t.Errorf("the page loaded %q: want the overview and not graph.json", loaded)
	}
	if n := eval[int](t, tab, `weir.app.model.tasks.size`); n != 3 {
		t.Errorf("the page holds %d tasks, want 3 (prep and the 2 failures)", n)
	}
	want := "noop \u00d72,000  2,000/2,000\n2 failed \u00b7 1,998 cancelled\n2 retried"
	if label := eval[string](t, tab, `weir.state("noop[0]").label`); label != want {
		t.Errorf("group label %q, want %q", label, want)
	}
	if got := eval[string](t, tab, `document.getElementById("counts").textContent`); !strings.HasPrefix(got, "1 succeeded, 2 failed, 1,998 cancelled of 2,001") {
		t.Errorf("header counts %q", got)
	}

	// The table: every task, a page at a time from the server.
	waitJS(t, tab, "the table", `document.querySelector("#tasks .tt-info").textContent === "2,001 tasks"`)
	rows := eval[[]string](t, tab, rowsShown)
	if len(rows) < 2 || rows[0] != "noop[417]" || rows[1] != "noop[1503]" {
		t.Fatalf("first rows %v, want the failures first", rows[:min(len(rows), 3)])
	}
	do(t, tab, chromedp.Evaluate[chromedp.Void](`(() => { const b = document.querySelector("#tasks .tt-body"); b.scrollTop = b.scrollHeight; b.dispatchEvent(new Event("scroll")); })()`))
	waitJS(t, tab, "the last row, fetched on scrolling", `document.querySelector('#tasks .tt-row[data-id="prep"]:not([hidden])') !== null`)
	setField(t, tab, "#tasks .tt-state", "failed")
	waitJS(t, tab, "failed only", `document.querySelector("#tasks .tt-info").textContent === "2 of 2,001"`)
	setField(t, tab, "#tasks .tt-state", "")
	do(t, tab, chromedp.SendKeys(chromedp.CSS("#tasks .tt-search"), "noop[19"))
	waitJS(t, tab, "noop[19..", `document.querySelector("#tasks .tt-info").textContent === "111 of 2,001"`)
	setField(t, tab, "#tasks .tt-search", "")

	// Failures: the header's link, then the log.
	do(t, tab, chromedp.Click(chromedp.CSS(`#failures .failed-task[data-task="noop[1503]"]`)))
	waitJS(t, tab, "noop[1503]'s log", `(document.querySelector("#panel pre.log") || {}).textContent?.includes("shard 1503 is corrupt (attempt 2)")`)

	// The stage's node opens its tasks in the table.
	pos := eval[[]float64](t, tab, `(() => { const n = weir.app.graph.cy.getElementById("stage:noop");
		const p = n.renderedPosition(), r = document.getElementById("graph").getBoundingClientRect();
		return [p.x + r.left, p.y + r.top]; })()`)
	do(t, tab, chromedp.MouseClickXY(pos[0], pos[1]))
	waitJS(t, tab, "noop's tasks in the table", `document.querySelector("#tasks .tt-info").textContent === "2,000 of 2,001"`)
	if errs := tab.Errors(); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
