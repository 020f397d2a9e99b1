// Command uipage measures the browser view on a large run in headless
// Chromium: how long a 5,000-stage generated workflow (each stage depending
// on up to three earlier ones, as bench/genworkflow makes them) takes to be
// interactive (laid out and drawn), and how long after the last of a burst
// of 2,000 state events the page shows it. Goals: under 3 s and under 2 s.
// First, a finished run of 100,000 tasks: its page interactive and its task
// table filtered to the failures, goals 3 s and 100 ms, against the same
// run from its events alone and with every task in the page (table.go);
// with -state, the newest run of a state dir, such as the million tasks
// bench/bigstore makes.
//
//	go run ./bench/uipage
//	go run ./bench/bigstore -tasks 1000000 -dir /tmp/big -only gen
//	go run ./bench/uipage -stages 0 -tasks 0 -state /tmp/big/.weir
//	go run ./bench/uipage -server /tmp/big/.weir   # the server alone
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/bench/internal/uibench"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/browser"
	"github.com/weirflow/weir/internal/median"
	"github.com/weirflow/weir/ui"
)

func main() {
	stages := flag.Int("stages", 5000, "stages in the generated workflow")
	burst := flag.Int("events", 2000, "state events in the burst")
	rounds := flag.Int("rounds", 3, "page loads")
	tasks := flag.Int("tasks", 100000, "tasks in the finished run whose task table is measured (0: none)")
	baseline := flag.Bool("baseline", true, "also show that run from its events alone and with every task in the page, for comparison")
	server := flag.String("server", "", "measure only the server's side of the first view of the newest run of this state dir, no browser")
	big := flag.String("state", "", "also measure the newest run of this state dir, as the page first shows it (a run of bench/bigstore: -dir DIR/.weir)")
	flag.Parse()
	if *server != "" {
		serverBench(*server, *rounds, *baseline)
		return
	}
	path, err := browser.Path()
	check(err)
	dir, err := os.MkdirTemp("", "weir-uipage-")
	check(err)
	defer os.RemoveAll(dir)

	// One browser for every round, as a user keeps theirs: each round is a
	// fresh page of a fresh run.
	tab, err := browser.Start(context.Background(), path, 1400, 900)
	check(err)
	defer tab.Close()
	fmt.Printf("load average at start: %s\n", uibench.LoadAvg())

	// One server for every round: the page keeps layouts in localStorage,
	// which is per origin, as a user's browser keeps them for weir ui's
	// address.
	srv, err := ui.New(ui.Options{StateDir: dir})
	check(err)
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()

	if *tasks > 0 {
		tableBench(tab, base, dir, *tasks, *rounds, *baseline)
	}
	if *big != "" {
		bigBench(tab, *big, *rounds)
	}
	if *stages <= 0 {
		return
	}
	var cold, warm, lags, edged []time.Duration
	var layout, relayouts []float64
	for r := range *rounds {
		id := "run" + strconv.Itoa(r)
		check(uibench.WriteRun(dir, id, *stages))
		ev := &events{path: filepath.Join(dir, "runs", id, "events.jsonl"), run: id, seq: 1} // after its start

		// First view: nothing cached. Then a reload, as a user does in
		// the middle of a run, with the layout cached.
		var tm map[string]float64
		for i, clear := range []bool{true, false} {
			if clear {
				check(uibench.ClearLayouts(tab, base))
			}
			check(chromedp.Do(tab.Ctx, chromedp.Navigate(fmt.Sprintf("%s/?view=%d-%d#run=%s", base, r, i, id))))
			d, err := uibench.Ready(tab)
			check(err)
			if clear {
				cold = append(cold, d)
				tm, err = chromedp.Run(tab.Ctx, chromedp.Evaluate[map[string]float64](`weir.timings`))
				check(err)
				layout = append(layout, tm["layout"])
				// A big graph's edges are added once its nodes are up:
				// when every edge is in the graph too.
				all, err := uibench.EdgesDrawn(tab)
				check(err)
				edged = append(edged, all)
			} else {
				warm = append(warm, d)
			}
		}

		// The same layout again in the same page: ELK's first large layout
		// in a page costs several times its later ones.
		again, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[float64](`(async () => {
			const d = weir.app.doc, nodes = d.tasks.map(t => ({ id: t.id, w: 62, h: 34 }));
			const t0 = performance.now();
			await weir.layout(nodes, d.edges);
			return performance.now() - t0;
		})()`, chromedp.EvalAwaitPromise))
		check(err)
		relayouts = append(relayouts, again)

		// The burst: tasks become ready, then running, written in commits
		// of 100 events as the engine's group commits do.
		var es []event.Event
		for i := range *burst {
			st := event.Ready
			if i >= *burst/2 {
				st = event.Running
			}
			es = append(es, event.Event{Kind: event.TaskChanged, Task: "s" + strconv.Itoa(i%(*burst/2)), State: st})
		}
		var last time.Time
		for i := 0; i < len(es); i += 100 {
			last = ev.write(es[i:min(i+100, len(es))])
		}
		at, err := chromedp.Run(tab.Ctx, chromedp.Poll[float64](fmt.Sprintf(`weir.seq >= %d && weir.renderedAt`, ev.seq),
			chromedp.WithPollingTimeout(60*time.Second), chromedp.WithPollingInterval(5*time.Millisecond)))
		check(err)
		lags = append(lags, time.UnixMilli(int64(at)).Sub(last))
		fmt.Printf("round %d: first view interactive after %v (graph fetched at %.0f ms, layout %.0f ms, elements built during it in %.0f ms, placed and drawn in %.0f ms); reloaded %v; burst shown %v after its last event\n",
			r+1, cold[r].Round(time.Millisecond), tm["fetched"], tm["layout"], tm["elements"], tm["place"], warm[r].Round(time.Millisecond), lags[r].Round(time.Millisecond))
	}
	fmt.Printf("\n%d stages, medians of %d (goal < 3s): first view interactive in %v (layout %.0f ms; the same layout again in that page %.0f ms); reloaded, layout cached, %v\n",
		*stages, *rounds, median.Of(cold).Round(time.Millisecond), median.Of(layout), median.Of(relayouts), median.Of(warm).Round(time.Millisecond))
	fmt.Printf("every edge drawn too (nodes come first) at %v (median)\n", median.Of(edged).Round(time.Millisecond))
	fmt.Printf("%d events: shown %v after the last (median; goal < 2s)\n", *burst, median.Of(lags).Round(time.Millisecond))
	fmt.Printf("load average at the end: %s\n", uibench.LoadAvg())
	if errs := tab.Errors(); len(errs) > 0 {
		fmt.Fprintln(os.Stderr, "console errors:", errs)
	}
}

// events appends to a run's events.jsonl as the store does.
type events struct {
	path string
	run  string
	seq  uint64
}

func (e *events) write(es []event.Event) time.Time {
	var b []byte
	for _, x := range es {
		e.seq++
		x.Seq, x.RunID, x.Time = e.seq, e.run, time.Now()
		line, _ := json.Marshal(x)
		b = append(append(b, line...), '\n')
	}
	f, err := os.OpenFile(e.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	check(err)
	_, err = f.Write(b)
	check(err)
	check(f.Close())
	return time.Now()
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "uipage:", err)
		os.Exit(1)
	}
}
