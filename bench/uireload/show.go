package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/bench/internal/uibench"
	"github.com/weirflow/weir/internal/browser"
)

var once sync.Once

// show opens run id in the tab, with the layout cache cleared first when
// cold, and returns the time from navigation to interactive (the page's
// weir.readyAt) and the seconds of CPU its main thread spent meanwhile
// (TaskDuration in thread ticks, which other work on the machine does not
// inflate as it does wall time). With prof, V8's profiler samples the load.
func show(tab *browser.Tab, base, id string, cold, prof bool) (time.Duration, float64, *profile, map[string]float64) {
	once.Do(func() {
		// The page adds a big graph's edges in the first idle moment after
		// it is interactive; put that off, so that the CPU read at
		// interactive is the load's alone.
		check(chromedp.Do(tab.Ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
				Source: `window.requestIdleCallback = (f) => setTimeout(f, 3000);`,
			})
			return err
		})))
	})
	if cold {
		check(uibench.ClearLayouts(tab, base))
	}
	check(chromedp.Do(tab.Ctx, chromedp.Navigate("about:blank")))
	// Metrics start from zero when enabled, so each load counts its own.
	check(chromedp.Do(tab.Ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, performance.Disable, cdp.Empty{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, performance.Enable, performance.EnableParams{TimeDomain: performance.EnableTimeDomainThreadTicks})
		return err
	})))
	if prof {
		check(chromedp.Do(tab.Ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, profiler.Enable, cdp.Empty{}); err != nil {
				return err
			}
			if _, err := cdp.Call(ctx, t, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 200}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, profiler.Start, cdp.Empty{})
			return err
		})))
	}
	check(chromedp.Do(tab.Ctx, chromedp.Navigate(fmt.Sprintf("%s/?cold=%v&t=%d#run=%s", base, cold, time.Now().UnixNano(), id))))
	ready, err := uibench.Ready(tab)
	check(err)
	var cpu float64
	var p *profile
	check(chromedp.Do(tab.Ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		m, err := cdp.Call(ctx, t, performance.GetMetrics, cdp.Empty{})
		if err != nil {
			return err
		}
		for _, x := range m.Metrics {
			if x.Name == "TaskDuration" {
				cpu = x.Value
			}
		}
		if prof {
			res, err := cdp.Call(ctx, t, profiler.Stop, cdp.Empty{})
			if err != nil {
				return err
			}
			p = &profile{res.Profile}
		}
		return nil
	})))
	// Where the time went: the graph's answer from the server, and the
	// page's own timings (graph.js).
	parts, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[map[string]float64](`(() => {
		const r = performance.getEntriesByType('resource').find((e) => /\/(overview|graph)$/.test(new URL(e.name).pathname));
		const t = weir.timings || {};
		return { server: r ? r.responseEnd - r.startTime : -1, fetched: t.fetched, layout: t.layout, place: t.place, elements: t.elements };
	})()`))
	check(err)
	// A cold view's edges are added after it is interactive; wait for
	// them, so that they do not fall in the next load's time.
	_, err = uibench.EdgesDrawn(tab)
	check(err)
	return ready, cpu, p, parts
}
