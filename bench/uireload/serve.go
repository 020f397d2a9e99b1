package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/weirflow/weir/bench/internal/uibench"
	"github.com/weirflow/weir/internal/median"
	"github.com/weirflow/weir/ui"
)

// serveBench measures the server's side of the page's first view and of a
// reload, without a browser: what the page asks before it is interactive
// (the overview, and the events stream up to its snapshot), from a fresh
// server (first view) and again from the same one (reload), in CPU time of
// this process, which the machine's load inflates less than wall time.
// Built in two trees, it compares their servers.
func serveBench(stages, rounds int) {
	dir, err := os.MkdirTemp("", "weir-uireload-")
	check(err)
	defer os.RemoveAll(dir)
	check(uibench.WriteRun(dir, "run0", stages))
	fmt.Printf("load average at start: %s\n", uibench.LoadAvg())
	var cold, warm, coldWall, warmWall, idle []float64
	for range rounds {
		srv, err := ui.New(ui.Options{StateDir: dir})
		check(err)
		hs := httptest.NewServer(srv.Handler())
		c, cw := firstView(hs.URL, "run0")
		w, ww := firstView(hs.URL, "run0")
		idle = append(idle, following(hs.URL, "run0", 2*time.Second))
		cold, coldWall = append(cold, c), append(coldWall, cw)
		warm, warmWall = append(warm, w), append(warmWall, ww)
		hs.Close()
		srv.Close()
	}
	fmt.Printf("load average at the end: %s\n", uibench.LoadAvg())
	fmt.Printf("%d stages, %d rounds, medians (min-max): first view CPU %.1f ms (%.1f-%.1f), wall %.1f ms (%.1f-%.1f); reload CPU %.1f ms (%.1f-%.1f), wall %.1f ms (%.1f-%.1f)\n", stages, rounds,
		median.Of(cold), slices.Min(cold), slices.Max(cold), median.Of(coldWall), slices.Min(coldWall), slices.Max(coldWall),
		median.Of(warm), slices.Min(warm), slices.Max(warm), median.Of(warmWall), slices.Min(warmWall), slices.Max(warmWall))
	fmt.Printf("following the run for 2 s, no event: CPU %.1f ms (%.1f-%.1f)\n", median.Of(idle), slices.Min(idle), slices.Max(idle))
}

// following holds the events stream open for d, as a page does while it
// lays out and after, and returns the CPU time the server spent, in ms.
func following(base, run string, d time.Duration) float64 {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/runs/"+run+"/events?overview=1", nil)
	resp, err := http.DefaultClient.Do(req)
	check(err)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") {
			break
		}
	}
	t0 := cpuNow()
	time.Sleep(d)
	return cpuNow() - t0
}

// firstView asks what the page asks before it is interactive, and returns
// the CPU time it cost and the wall time until the snapshot came, in ms.
func firstView(base, run string) (float64, float64) {
	t0, w0 := cpuNow(), time.Now()
	resp, err := http.Get(base + "/api/runs/" + run + "/overview")
	check(err)
	_, err = io.Copy(io.Discard, resp.Body)
	check(err)
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/runs/"+run+"/events?overview=1", nil)
	resp, err = http.DefaultClient.Do(req)
	check(err)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") {
			break // the snapshot
		}
	}
	check(sc.Err())
	d, w := cpuNow()-t0, time.Since(w0)
	cancel()
	resp.Body.Close()
	return d, float64(w) / 1e6
}

func cpuNow() float64 {
	var ru syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}
