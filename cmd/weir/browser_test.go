package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/weirflow/weir/internal/browser"
)

// openreport FILE STATE BARS opens a report written by weir report in
// headless Chromium from the file itself (no server, no network) and checks
// that the page draws the DAG, ends in run state STATE, and draws at least
// BARS attempts on the timeline, with nothing refused or thrown on the
// console. A screenshot goes to $WEIR_ARTIFACTS when set.
func openreport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: openreport file state bars")
	}
	bars, err := strconv.Atoi(args[2])
	if err != nil {
		ts.Fatalf("openreport: bars: %v", err)
	}
	path, err := browser.Path()
	if err != nil {
		ts.Fatalf("openreport: %v", err)
	}
	tab, err := browser.Start(context.Background(), path, 1400, 900)
	if err != nil {
		ts.Fatalf("openreport: %v", err)
	}
	defer tab.Close()
	poll := func(what, js string) {
		if _, err := chromedp.Run(tab.Ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			ts.Fatalf("openreport: waiting for %s (%s): %v\nconsole:\n%s", what, js, err, tab.Console())
		}
	}
	url := "file://" + ts.MkAbs(args[0])
	if _, err := chromedp.Run(tab.Ctx, chromedp.Navigate(url)); err != nil {
		ts.Fatalf("openreport: %v", err)
	}
	poll("the page", `document.body.dataset.ready === "1"`)
	poll("the run's state", `document.body.dataset.runState === `+strconv.Quote(args[1]))
	poll("the DAG", `weir.app.graph.cy.nodes().length > 0`)
	poll("the timeline", `weir.app.timeline.bars.length >= `+strconv.Itoa(bars))
	if errs := tab.Errors(); len(errs) > 0 {
		ts.Fatalf("openreport: the console has errors: %q", errs)
	}
	if dir := os.Getenv("WEIR_ARTIFACTS"); dir != "" {
		png, err := chromedp.Run(tab.Ctx, chromedp.FullScreenshot(100)) // quality 100 writes PNG
		if err == nil {
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "report.png"), png, 0o644)
		}
	}
}
