package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/internal/browser"
)

// openWide serves a failed 2,000-task run (2 failures, 1,998 cancelled)
// and opens the page at path (with its hash) on it.
func openWide(t *testing.T, path string) *browser.Tab {
	t.Helper()
	tab := browser.New(t)
	// Settled before the server's leak check counts goroutines: the tab
	// starts some of its own once in use.
	do(t, tab, chromedp.Navigate("about:blank"))
	dir := t.TempDir()
	wideRun(t, dir, "wide", 2000, 417, 1503)
	_, hs := startServer(t, Options{StateDir: dir})
	do(t, tab, chromedp.Navigate(hs.URL+path))
	waitJS(t, tab, "the page", `document.body.dataset.ready === "1" && document.body.dataset.runState === "failed"`)
	return tab
}

// rowsShown is the task ids of the table's rows in view, top to bottom.
const rowsShown = `[...document.querySelectorAll("#tasks .tt-body .tt-row:not([hidden])")]
	.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top).map(r => r.dataset.id)`

// setField sets a form field's value as a user's choice does, with the
// event the page listens for.
func setField(t *testing.T, tab *browser.Tab, css, value string) {
	t.Helper()
	b, _ := json.Marshal([]string{css, value})
	do(t, tab, chromedp.Evaluate[chromedp.Void](`(([css, v]) => { const e = document.querySelector(css); e.value = v;
		e.dispatchEvent(new Event(e.tagName === "SELECT" ? "change" : "input")); })(`+string(b)+`)`))
}

// TestBrowserTaskTable checks the task table of a failed wide run: every
// task is a row but only those in view are in the page, the failures come
// first, filters by state, stage and text work, a column sorts, and a row
// opens its task's panel.
func TestBrowserTaskTable(t *testing.T) {
	tab := openWide(t, "/")
	waitJS(t, tab, "the table", `document.querySelector("#tasks .tt-info").textContent === "2,001 tasks"`)
	rows := eval[[]string](t, tab, rowsShown)
	if len(rows) < 2 || rows[0] != "noop[417]" || rows[1] != "noop[1503]" {
		t.Fatalf("first rows %v, want the failures noop[417] and noop[1503] first", rows[:min(len(rows), 3)])
	}
	if n := eval[int](t, tab, `document.querySelectorAll("#tasks .tt-body .tt-row").length`); n > 120 {
		t.Errorf("%d row elements for 2,001 tasks: the table is not virtualised", n)
	}
	cells := eval[[]string](t, tab, `[...document.querySelector('#tasks .tt-row[data-id="noop[417]"]').children].map(c => c.textContent)`)
	want := []string{"noop", "417", "failed", "2", "exit 2", "2.00s", "60 MiB / 64 MiB", "default"}
	if strings.Join(cells, "|") != strings.Join(want, "|") {
		t.Errorf("row of noop[417] is %q, want %q", cells, want)
	}

	// Scrolled to the end, the last rows are drawn.
	do(t, tab, chromedp.Evaluate[chromedp.Void](`(() => { const b = document.querySelector("#tasks .tt-body"); b.scrollTop = b.scrollHeight; b.dispatchEvent(new Event("scroll")); })()`))
	waitJS(t, tab, "the last row", `document.querySelector('#tasks .tt-row[data-id="noop[1999]"]:not([hidden])') !== null`)

	// Filters: state, then text; stage.
	setField(t, tab, "#tasks .tt-state", "cancelled")
	waitJS(t, tab, "cancelled only", `document.querySelector("#tasks .tt-info").textContent === "1,998 of 2,001"`)
	do(t, tab, chromedp.SendKeys(chromedp.CSS("#tasks .tt-search"), "noop[19"))
	waitJS(t, tab, "cancelled noop[19..", `document.querySelector("#tasks .tt-info").textContent === "111 of 2,001"`)
	setField(t, tab, "#tasks .tt-search", "")
	setField(t, tab, "#tasks .tt-state", "")
	setField(t, tab, "#tasks .tt-stage", "prep")
	waitJS(t, tab, "stage prep only", `document.querySelector("#tasks .tt-info").textContent === "1 of 2,001"`)
	setField(t, tab, "#tasks .tt-stage", "")

	// Sorted by duration, longest first: the failures (2 s), then prep.
	do(t, tab, chromedp.Click(chromedp.CSS(`#tasks .tt-head [data-key="took"]`)), chromedp.Click(chromedp.CSS(`#tasks .tt-head [data-key="took"]`)))
	rows = eval[[]string](t, tab, rowsShown)
	if len(rows) < 3 || rows[2] != "prep" {
		t.Errorf("sorted by duration, longest first: %v, want prep third", rows[:min(len(rows), 3)])
	}

	// A row opens its task's panel.
	do(t, tab, chromedp.Click(chromedp.CSS(`#tasks .tt-row[data-id="noop[1503]"]`)))
	waitJS(t, tab, "the panel of noop[1503]", `document.querySelector("#panel .task-name")?.textContent === "noop[1503]"`)
	if errs := tab.Errors(); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
