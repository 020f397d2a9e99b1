package uibench

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/internal/browser"
)

// Timeout bounds each wait for the page: at a load average of 25, a
// 5,000-stage first view has taken 77 s, and a 100,000-task one more.
const Timeout = 300 * time.Second

// Ready waits until the page in tab is interactive (laid out and drawn)
// and returns when that was, from the start of its navigation (the
// page's weir.readyAt).
func Ready(tab *browser.Tab) (time.Duration, error) {
	at, err := chromedp.Run(tab.Ctx, chromedp.Poll[float64](`window.weir && weir.ready && weir.readyAt`,
		chromedp.WithPollingTimeout(Timeout), chromedp.WithPollingInterval(5*time.Millisecond)))
	if err != nil {
		return 0, fmt.Errorf("waiting for the page to be interactive: %w", err)
	}
	return time.Duration(at * float64(time.Millisecond)), nil
}

// EdgesDrawn waits until every edge of the page's graph is drawn (a big
// graph's edges are added after its nodes) and returns when that was, from
// the start of the navigation. Waiting for them keeps their cost out of
// the next load's figures.
func EdgesDrawn(tab *browser.Tab) (time.Duration, error) {
	at, err := chromedp.Run(tab.Ctx, chromedp.Poll[float64](
		`weir.app.graph.cy.edges().length === weir.app.graph.edgeData.length && performance.now()`,
		chromedp.WithPollingTimeout(Timeout), chromedp.WithPollingInterval(5*time.Millisecond)))
	if err != nil {
		return 0, fmt.Errorf("waiting for the page's edges: %w", err)
	}
	return time.Duration(at * float64(time.Millisecond)), nil
}

// ClearLayouts empties the layouts the page keeps for origin base (an
// address such as http://127.0.0.1:7450), so that its next load is a
// first view. It asks the browser, rather than opening the page to clear
// them from there: that load would start reading a run.
func ClearLayouts(tab *browser.Tab, base string) error {
	return chromedp.Do(tab.Ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, storage.ClearDataForOrigin, storage.ClearDataForOriginParams{Origin: base, StorageTypes: "local_storage"})
		return err
	}))
}
