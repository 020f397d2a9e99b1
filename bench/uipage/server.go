package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/weirflow/weir/bench/internal/uibench"
	"github.com/weirflow/weir/internal/median"
	"github.com/weirflow/weir/store"
	"github.com/weirflow/weir/ui"
)

// serverBench measures the server's side of the first view of the newest
// run of state dir dir, with no browser: the requests the page waits for
// (the overview and its snapshot) and the table filtered to the failures,
// from a fresh server each time. It shows
// the run as it is (outline.json and summary.json beside its events) and
// from a copy without those two files (the events alone: the server
// before them), in alternating order, with the wall and CPU time of each,
// since on a loaded machine the CPU time says more. Without baseline the
// copy is left out: at a million tasks it reads for many minutes.
func serverBench(dir string, rounds int, baseline bool) {
	runs, err := store.ListRunFiles(dir)
	check(err)
	if len(runs) == 0 {
		check(fmt.Errorf("no runs in %s", dir))
	}
	id := runs[0].ID
	bare, err := os.MkdirTemp("", "weir-uipage-events-")
	check(err)
	defer os.RemoveAll(bare)
	check(os.MkdirAll(filepath.Join(bare, "runs", id), 0o700))
	for _, f := range []string{"graph.json", "run.json", "events.jsonl"} {
		check(os.Link(filepath.Join(dir, "runs", id, f), filepath.Join(bare, "runs", id, f)))
	}
	type form struct {
		name, dir         string
		first, filter     []time.Duration
		firstCPU, filtCPU []time.Duration
		page, pageCPU     []time.Duration
		heap              []uint64
	}
	forms := []*form{{name: "outline and summary", dir: dir}, {name: "events alone", dir: bare}}
	if !baseline {
		forms = forms[:1]
	}
	for r := range rounds {
		for k := range forms {
			fm := forms[(k+r)%len(forms)]
			srv, err := ui.New(ui.Options{StateDir: fm.dir})
			check(err)
			h := srv.Handler()
			get := func(path string) {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("GET", "/api/runs/"+id+path, nil))
				if w.Code != http.StatusOK {
					check(fmt.Errorf("%s: %d %s", path, w.Code, w.Body.String()))
				}
			}
			wall, cpu := time.Now(), cputime()
			// What the page waits for before it is interactive; its table's
			// first page comes after.
			get("/overview")
			get("/events?overview=1")
			first, firstCPU := time.Since(wall), cputime()-cpu
			wall, cpu = time.Now(), cputime()
			get("/tasks?state=failed&offset=0&limit=200")
			filter, filtCPU := time.Since(wall), cputime()-cpu
			// The table's first page, which the page asks for after its
			// first view: past the failures when they are fewer than a page.
			wall, cpu = time.Now(), cputime()
			get("/tasks?offset=0&limit=200")
			page, pageCPU := time.Since(wall), cputime()-cpu
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			srv.Close()
			fm.first, fm.firstCPU = append(fm.first, first), append(fm.firstCPU, firstCPU)
			fm.filter, fm.filtCPU = append(fm.filter, filter), append(fm.filtCPU, filtCPU)
			fm.heap = append(fm.heap, ms.HeapInuse)
			fm.page, fm.pageCPU = append(fm.page, page), append(fm.pageCPU, pageCPU)
			fmt.Printf("server round %d, %s: first view %v (CPU %v), failures %v (CPU %v), the table's first page %v (CPU %v), heap after %.0f MiB\n", r+1, fm.name,
				first.Round(time.Millisecond), firstCPU.Round(time.Millisecond), filter.Round(100*time.Microsecond), filtCPU.Round(100*time.Microsecond),
				page.Round(time.Millisecond), pageCPU.Round(time.Millisecond), float64(ms.HeapInuse)/(1<<20))
			runtime.KeepAlive(srv)
		}
	}
	fmt.Printf("\nthe server, %d tasks (%s), medians of %d, load average at the end %s:\n", runs[0].Tasks, id, rounds, uibench.LoadAvg())
	for _, fm := range forms {
		fmt.Printf("  %-20s first view %v (CPU %v), table filtered to the failures %v (CPU %v)", fm.name,
			median.Of(fm.first).Round(time.Millisecond), median.Of(fm.firstCPU).Round(time.Millisecond),
			median.Of(fm.filter).Round(100*time.Microsecond), median.Of(fm.filtCPU).Round(100*time.Microsecond))
		fmt.Printf(", the table's first page %v (CPU %v)", median.Of(fm.page).Round(time.Millisecond), median.Of(fm.pageCPU).Round(time.Millisecond))
		if len(forms) > 1 {
			fmt.Printf(" (%.3fx and %.3fx of the events' CPU)", float64(median.Of(fm.firstCPU))/float64(median.Of(forms[1].firstCPU)),
				float64(median.Of(fm.filtCPU))/float64(max(median.Of(forms[1].filtCPU), 1)))
		}
		fmt.Println()
	}
}

// cputime is the CPU time this process has used, user and system.
func cputime() time.Duration {
	var ru syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
