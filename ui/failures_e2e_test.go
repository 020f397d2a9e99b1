package ui

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserFailuresInTwoClicks opens a 2,000-task run with 2 failures
// and reaches both failures' logs through the page in two clicks: the
// header names them, and each name opens its panel on its log.
func TestBrowserFailuresInTwoClicks(t *testing.T) {
	tab := openWide(t, "/")
	waitJS(t, tab, "the failures in the header", `document.querySelectorAll("#failures .failed-task").length === 2`)
	if got := eval[string](t, tab, `document.getElementById("failures").textContent`); got != "2 failed:noop[417]noop[1503]" {
		t.Errorf("header failures %q", got)
	}
	for _, c := range []struct{ task, line string }{{"noop[417]", "shard 417 is corrupt (attempt 2)"}, {"noop[1503]", "shard 1503 is corrupt (attempt 2)"}} {
		do(t, tab, chromedp.Click(chromedp.CSS(`#failures .failed-task[data-task="`+c.task+`"]`)))
		waitJS(t, tab, c.task+"'s log", `(document.querySelector("#panel pre.log") || {}).textContent?.includes("`+c.line+`")
			&& document.querySelector("#panel .task-name").textContent === "`+c.task+`"`)
	}
	// README's picture of the table and a failure (docs/img).
	screenshot(t, tab, "ui-failures.png", chromedp.FullScreenshot(100))
}

// TestBrowserGroupCounts checks what a collapsed for_each stage says in
// words: its failed and cancelled counts and its retried tasks, on lines
// that wrap in a node sized for them rather than being cut; expanded, a
// retried task carries its try count.
func TestBrowserGroupCounts(t *testing.T) {
	tab := openWide(t, "/")
	label := eval[string](t, tab, `weir.state("noop[0]").label`)
	want := "noop \u00d72,000  2,000/2,000\n2 failed \u00b7 1,998 cancelled\n2 retried"
	if label != want {
		t.Errorf("group label %q, want %q", label, want)
	}
	if wrap := eval[string](t, tab, `weir.app.graph.cy.getElementById("stage:noop").style("text-wrap")`); wrap != "wrap" {
		t.Errorf("group label text-wrap %q, want wrap (not cut)", wrap)
	}
	// Each line fits the node's width at the label's font.
	if over := eval[bool](t, tab, `(() => { const n = weir.app.graph.cy.getElementById("stage:noop");
		const c = document.createElement("canvas").getContext("2d"); c.font = "11px system-ui, sans-serif";
		return n.data("label").split("\n").some(l => c.measureText(l).width > n.data("w") - 8); })()`); over {
		t.Error("a line of the group label is wider than its node")
	}
	do(t, tab, chromedp.Evaluate[chromedp.Void](`weir.app.graph.expand("noop")`, chromedp.EvalAwaitPromise))
	waitJS(t, tab, "noop expanded", `weir.app.graph.cy.getElementById("block:noop").children().length === 2000`)

	// Expanded, 2,000 tasks are a block: a grid, one edge into it labelled
	// once, its counts in a label legible at Fit.
	if n := eval[int](t, tab, `weir.app.graph.cy.edges().length`); n != 1 {
		t.Errorf("%d edges into the expanded stage, want 1 (bundled)", n)
	}
	waitJS(t, tab, "the block's counts", `weir.app.graph.cy.getElementById("block:noop").data("label").includes("2 failed · 1,998 cancelled")`)
	do(t, tab, chromedp.Click(chromedp.ID("fit")))
	if px := eval[float64](t, tab, `weir.app.graph.cy.getElementById("block:noop").numericStyle("font-size") * weir.app.graph.cy.zoom()`); px < 9 {
		t.Errorf("the block's label is %.1f px at Fit, want at least 9", px)
	}
	grid := eval[map[string]float64](t, tab, `(() => { const ns = weir.app.graph.cy.getElementById("block:noop").children();
		const xs = new Set(ns.map(n => Math.round(n.position("x")))), ys = new Set(ns.map(n => Math.round(n.position("y"))));
		let overlaps = 0; const seen = new Set();
		ns.forEach(n => { const k = Math.round(n.position("x")) + "," + Math.round(n.position("y")); if (seen.has(k)) overlaps++; seen.add(k); });
		return { cols: xs.size, rows: ys.size, overlaps }; })()`)
	if grid["cols"] < 10 || grid["rows"] < 10 || grid["overlaps"] != 0 {
		t.Errorf("the block's tasks: %v, want a grid of at least 10x10 with no two in one place", grid)
	}
	waitJS(t, tab, "the try count", `weir.state("noop[417]").label === "noop[417]\n2 tries"`)
	if got := eval[string](t, tab, `weir.state("noop[5]").label`); got != "noop[5]" {
		t.Errorf("a task tried once is labelled %q", got)
	}
}

// TestBrowserLogView checks the log in the panel: the stream with text
// is shown first (stdout for prep), search marks the matches, the pane is
// resizable, and Download serves the whole file.
func TestBrowserLogView(t *testing.T) {
	tab := openWide(t, "/")
	do(t, tab, chromedp.Evaluate[chromedp.Void](`weir.select("prep")`))
	waitJS(t, tab, "prep's stdout", `(document.querySelector("#panel pre.log") || {}).textContent === "split the input into 2000 shards\n"`)
	if on := eval[string](t, tab, `document.querySelector("#panel .tab.on").textContent`); on != "stdout" {
		t.Errorf("the %s tab is chosen, want stdout (stderr is empty)", on)
	}
	if rs := eval[string](t, tab, `getComputedStyle(document.querySelector("#panel pre.log")).resize`); rs != "vertical" {
		t.Errorf("log pane resize %q, want vertical", rs)
	}
	do(t, tab, chromedp.Evaluate[chromedp.Void](`weir.select("noop[417]")`))
	waitJS(t, tab, "noop[417]'s stderr", `(document.querySelector("#panel pre.log") || {}).textContent?.includes("corrupt")`)
	setField(t, tab, "#panel .log-search", "SHARD")
	waitJS(t, tab, "the matches", `document.querySelectorAll("#panel pre.log mark").length === 2`)
	if got := eval[string](t, tab, `document.querySelector("#panel .log-hits").textContent`); got != "2 matches" {
		t.Errorf("hits %q", got)
	}
	body, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](`(async () => { const a = document.querySelector("#panel .log-download");
		const r = await fetch(a.href); return a.getAttribute("download") + "|" + r.headers.get("content-disposition") + "|" + await r.text(); })()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	want := "noop_417_.2.stderr.log|attachment; filename=noop_417_.2.stderr.log|reading shard 417\nshard 417 is corrupt (attempt 2)\n"
	if body != want {
		t.Errorf("download: %q, want %q", body, want)
	}
}
