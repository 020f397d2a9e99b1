package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/bench/internal/uibench"
	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/engine"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/browser"
	"github.com/weirflow/weir/internal/median"
	"github.com/weirflow/weir/store"
	"github.com/weirflow/weir/ui"
)

// tableBench measures a finished run of n tasks (a for_each stage of n-2
// between "prep" and "merge", one in a thousand failed): how long its page
// takes to be interactive, and how long the task table takes to show only
// the failures once that filter is chosen (filtered, sorted and drawn).
// Each round shows the run twice, in alternating order, from two copies
// (so that neither finds the other's events read): as the page shows it,
// the wide stage as counts and the table's rows from the server, and with
// every task in the page (?wide= above n), the baseline.
func tableBench(tab *browser.Tab, base, dir string, n, rounds int, baseline bool) {
	type form struct {
		name, query string
		copy        string // the run's copy it shows: its id's suffix
		ready       []time.Duration
		filter      []time.Duration
	}
	// The overview as the page gets it now (from the run's outline and
	// summary), the same from the events alone (the server before them:
	// a copy of the run without those two files), and every task in the
	// page.
	forms := []*form{{name: "overview", query: ""}, {name: "overview from the events", query: "", copy: "-events"},
		{name: "every task in the page", query: "wide=" + strconv.Itoa(n+1) + "&", copy: "-all"}}
	if !baseline {
		forms = forms[:1]
	}
	for r := range rounds {
		id := "table" + strconv.Itoa(r)
		runDir := filepath.Join(dir, "runs", id)
		check(os.MkdirAll(runDir, 0o700))
		failed := writeWideRun(dir, id, n)
		for _, fm := range forms[1:] {
			copyDir := filepath.Join(dir, "runs", id+fm.copy)
			check(os.MkdirAll(copyDir, 0o700))
			for _, f := range []string{"graph.json", "run.json", "events.jsonl"} {
				check(os.Link(filepath.Join(runDir, f), filepath.Join(copyDir, f)))
			}
		}
		for k := range forms {
			fm := forms[(k+r)%len(forms)]
			runID := id + fm.copy
			// A URL of its own: one that differs only in its fragment would
			// not load the page again.
			ready, took, cost := showTable(tab, fmt.Sprintf("%s/?%sview=t%d-%d#run=%s", base, fm.query, r, k, runID), failed)
			fm.ready, fm.filter = append(fm.ready, ready), append(fm.filter, took)
			fmt.Printf("table round %d, %s: %d tasks interactive after %v (the graph, %.2f MB, in at %.0f ms; the snapshot, %.2f MB, in at %.0f ms, parsed in %.0f ms, modelled in %.0f ms; table built in %.0f ms); filtered to its %d failures in %v\n",
				r+1, fm.name, n, ready.Round(time.Millisecond), cost["graphBytes"]/1e6, cost["graph"], cost["bytes"]/1e6, cost["arrived"], cost["parse"], cost["model"], cost["table"],
				failed, took.Round(100*time.Microsecond))
		}
	}
	fmt.Printf("\n%d tasks, medians of %d (goals: interactive < 3s, filtered < 100ms):\n", n, rounds)
	for _, fm := range forms {
		fmt.Printf("  %-24s interactive in %v, filtered to the failures in %v", fm.name,
			median.Of(fm.ready).Round(time.Millisecond), median.Of(fm.filter).Round(100*time.Microsecond))
		if baseline {
			fmt.Printf(" (%.2fx and %.2fx the events' overview's)", float64(median.Of(fm.ready))/float64(median.Of(forms[1].ready)),
				float64(median.Of(fm.filter))/float64(median.Of(forms[1].filter)))
		}
		fmt.Println()
	}
}

// showTable opens url, waits for the page and filters its table to the
// failures; it returns when the page was interactive, how long the filter
// took, and where the first view spent its time.
func showTable(tab *browser.Tab, url string, failed int) (time.Duration, time.Duration, map[string]float64) {
	check(chromedp.Do(tab.Ctx, chromedp.Navigate(url)))
	ready, err := uibench.Ready(tab)
	check(err)
	cost, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[map[string]float64](`Object.assign({ table: weir.tableBuilt, graph: weir.timings.fetched,
		graphBytes: performance.getEntriesByType("resource").filter(e => /\/(graph|overview)$/.test(new URL(e.name).pathname)).reduce((n, e) => n + e.encodedBodySize, 0) }, weir.snapshot)`))
	check(err)
	// The time from the choice to the frame that shows it.
	took, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[float64](`(async () => {
		const t0 = performance.now();
		await weir.app.table.setFilter({ state: "failed" }); // a request to the server, for a wide run
		await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
		const took = performance.now() - t0;
		const shown = weir.app.table.view.length;
		await weir.app.table.setFilter({ state: "" });
		return shown === `+strconv.Itoa(failed)+` ? took : -1;
	})()`, chromedp.EvalAwaitPromise))
	check(err)
	if took < 0 {
		check(fmt.Errorf("the table did not filter to the %d failures", failed))
	}
	return ready, time.Duration(took * float64(time.Millisecond)), cost
}

// writeWideRun records a finished, failed run of n tasks in state dir
// dir as an engine does: graph.json and outline.json through
// engine.WriteRunGraph, the events through the store's journal (which
// leaves summary.json); it returns how many failed.
func writeWideRun(dir, id string, n int) int {
	start := time.Now().Add(-time.Hour)
	tasks := []*dag.Task{{ID: "prep", Stage: "prep", Pool: "cpu", Argv: []string{"prep"}, Retry: dag.Retry{Attempts: 1}}}
	for i := range n - 2 {
		k := strconv.Itoa(i)
		tasks = append(tasks, &dag.Task{ID: "work[" + k + "]", Stage: "work", Key: k, Keyed: true, Pool: "cpu", Memory: 64 << 20,
			Argv: []string{"work", k}, Deps: []string{"prep"}, Retry: dag.Retry{Attempts: 1}})
	}
	tasks = append(tasks, &dag.Task{ID: "merge", Stage: "merge", Pool: "cpu", Argv: []string{"merge"}, Retry: dag.Retry{Attempts: 1},
		Deps: []string{"work[0]"}})
	plan := &dag.Plan{Name: "wide", Pools: []*dag.Pool{{Name: "cpu", Processes: 2, Memory: 8 << 30}}, Tasks: tasks}
	st, err := store.Open(dir, store.Options{NoSync: true})
	check(err)
	defer st.Close()
	j, err := st.Journal(store.RunRecord{ID: id, Name: "wide", Tasks: n, Started: start})
	check(err)
	check(engine.WriteRunGraph(filepath.Join(dir, "runs", id), plan))
	var seq uint64
	var wait func() error
	put := func(e event.Event) {
		seq++
		e.Seq, e.Time = seq, start.Add(time.Duration(seq)*time.Millisecond)
		wait, err = j.Append(e)
		check(err)
		if seq%4096 == 0 {
			check(wait())
		}
	}
	put(event.Event{Kind: event.RunStarted})
	failed := 0
	for i, t := range tasks[:n-1] {
		res := &event.Result{Reason: event.Succeeded, PeakMemory: int64(20+i%40) << 20,
			Start: start.Add(time.Duration(i) * time.Millisecond), End: start.Add(time.Duration(i)*time.Millisecond + time.Duration(100+i%900)*time.Millisecond)}
		st := event.TaskSucceeded
		if i%1000 == 999 {
			res.Reason, res.ExitCode, st = event.Exit, 1, event.TaskFailed
			failed++
		}
		put(event.Event{Kind: event.AttemptStarted, Task: t.ID, Attempt: 1, Memory: t.Memory})
		put(event.Event{Kind: event.AttemptEnded, Task: t.ID, Attempt: 1, Memory: t.Memory, Result: res})
		put(event.Event{Kind: event.TaskChanged, Task: t.ID, State: st})
	}
	put(event.Event{Kind: event.TaskChanged, Task: "merge", State: event.TaskCancelled})
	put(event.Event{Kind: event.RunEnded, Message: "failed"})
	check(wait())
	check(j.Close())
	return failed
}

// bigBench measures the newest run of state dir dir as the page first
// shows it, each round from a fresh server (nothing of the run read yet).
func bigBench(tab *browser.Tab, dir string, rounds int) {
	runs, err := store.ListRunFiles(dir)
	check(err)
	if len(runs) == 0 {
		check(fmt.Errorf("no runs in %s", dir))
	}
	id := runs[0].ID
	sum, err := store.ReadRunSummary(dir, id)
	check(err)
	var ready, filter, cpus []time.Duration
	for r := range rounds {
		srv, err := ui.New(ui.Options{StateDir: dir})
		check(err)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		check(err)
		hs := &http.Server{Handler: srv.Handler()}
		go hs.Serve(ln)
		// The CPU of the browser and of this process (the server) over
		// the round: the first view, the filter and its undoing.
		b0, c0 := uibench.BrowserTicks(tab), cputime()
		rd, took, cost := showTable(tab, fmt.Sprintf("http://%s/?view=big%d#run=%s", ln.Addr(), r, id), sum.Failed)
		cpu := uibench.BrowserTicks(tab).Since(b0) + cputime() - c0
		hs.Close()
		srv.Close()
		ready, filter, cpus = append(ready, rd), append(filter, took), append(cpus, cpu)
		fmt.Printf("big round %d: %d tasks interactive after %v (the graph, %.3f MB, in at %.0f ms; the snapshot, %.3f MB, in at %.0f ms); filtered to its %d failures in %v; CPU of the browser and the server %v; load average %s\n",
			r+1, runs[0].Tasks, rd.Round(time.Millisecond), cost["graphBytes"]/1e6, cost["graph"], cost["bytes"]/1e6, cost["arrived"], sum.Failed, took.Round(100*time.Microsecond),
			cpu.Round(10*time.Millisecond), uibench.LoadAvg())
	}
	fmt.Printf("\n%d tasks (%s), medians of %d (goals: interactive < 3s, filtered < 100ms): interactive in %v, filtered to the failures in %v, CPU of the browser and the server over the round %v\n",
		runs[0].Tasks, id, rounds, median.Of(ready).Round(time.Millisecond), median.Of(filter).Round(100*time.Microsecond), median.Of(cpus).Round(10*time.Millisecond))
}
