package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/browser"
)

// TestBrowserWaitsForGraph: a page opened on a run whose graph.json is not
// written yet (a run writes it once its first task has started) draws the
// graph when it comes, instead of stopping at an error.
func TestBrowserWaitsForGraph(t *testing.T) {
	tab := browser.New(t)
	do(t, tab, chromedp.Navigate("about:blank"))
	dir := t.TempDir()
	r := newFakeRun(t, dir, "r1", task("a"), task("b", "a"))
	r.add(event.Event{Kind: event.RunStarted})
	graph := filepath.Join(dir, "runs", "r1", "graph.json")
	b, err := os.ReadFile(graph)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(graph); err != nil {
		t.Fatal(err)
	}
	_, hs := startServer(t, Options{StateDir: dir})
	do(t, tab, chromedp.Navigate(hs.URL+"/"))
	// Asked twice while absent: Chromium logs each 503 on the console.
	for deadline := time.Now().Add(30 * time.Second); strings.Count(tab.Console(), "status of 503") < 2; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the page did not ask again for the graph; console:\n%s", tab.Console())
		}
	}
	if err := os.WriteFile(graph+".tmp", b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(graph+".tmp", graph); err != nil {
		t.Fatal(err)
	}
	waitJS(t, tab, "the graph", `document.body.dataset.ready === "1" && weir.app.graph.cy.nodes().length === 2`)
	for _, e := range tab.Errors() {
		if !strings.Contains(e, "status of 503") {
			t.Errorf("console error: %s", e)
		}
	}
}
