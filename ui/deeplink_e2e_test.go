package ui

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDeepLinks opens a link naming a run, a task, its first
// attempt's stderr, an expanded stage and a table filter, and finds each
// shown; then what the user changes is written back to the address, and
// a reload restores it.
func TestBrowserDeepLinks(t *testing.T) {
	tab := openWide(t, "/#run=wide&task=noop%5B1503%5D&attempt=1&stream=stderr&expand=noop&state=failed")
	waitJS(t, tab, "noop expanded", `weir.app.graph.cy.getElementById("block:noop").children().length === 2000`)
	waitJS(t, tab, "attempt 1's log", `(document.querySelector("#panel pre.log") || {}).textContent?.includes("shard 1503 is corrupt (attempt 1)")`)
	if got := eval[string](t, tab, `document.querySelector("#panel table.attempts tr.current td").textContent`); got != "1" {
		t.Errorf("attempt %s chosen, want 1", got)
	}
	if got := eval[string](t, tab, `document.querySelector("#tasks .tt-info").textContent`); got != "2 of 2,001" {
		t.Errorf("table shows %q, want the 2 failed", got)
	}

	// The user's choices go to the address.
	do(t, tab, chromedp.Click(chromedp.CSS(`#failures .failed-task[data-task="noop[417]"]`)))
	waitJS(t, tab, "noop[417]'s panel", `document.querySelector("#panel .task-name")?.textContent === "noop[417]"`)
	setField(t, tab, "#tasks .tt-search", "417")
	hash := eval[string](t, tab, `location.hash`)
	v, err := url.ParseQuery(strings.TrimPrefix(hash, "#"))
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"run": {"wide"}, "task": {"noop[417]"}, "expand": {"noop"}, "state": {"failed"}, "q": {"417"}}
	if v.Encode() != want.Encode() {
		t.Errorf("address %s, want %s", v.Encode(), want.Encode())
	}
	do(t, tab, chromedp.Reload())
	waitJS(t, tab, "the page after reload", `document.body.dataset.ready === "1"`)
	waitJS(t, tab, "noop[417]'s panel after reload", `document.querySelector("#panel .task-name")?.textContent === "noop[417]"`)
	waitJS(t, tab, "the filter after reload", `document.querySelector("#tasks .tt-info").textContent === "1 of 2,001" && document.querySelector("#tasks .tt-search").value === "417"`)
}
