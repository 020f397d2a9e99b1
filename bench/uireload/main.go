// Command uireload compares builds of the page (ui/dist directories) on the
// 5,000-stage generated run of bench/uipage, served by one server from this
// tree, in one browser, alternating the builds round by round, so that the
// load other work puts on the machine falls on all of them alike. For each
// build and round it times the first view (nothing cached) and a reload
// (the layout cached), wall time to interactive and the renderer's CPU time
// (Chrome's TaskDuration) up to then, and prints medians of the ratios to
// the first build. With -profile it also samples the reload of each build
// with V8's CPU profiler and prints the functions with the most self time.
//
//	git archive 298f25f ui/dist | tar -x -C /tmp/old --strip-components=2
//	go run ./bench/uireload -dist old=/tmp/old,new=ui/dist -rounds 9
//
// With -weir it compares whole builds instead (`weir ui` of each, its
// server and its embedded page, over one state dir), and reads the CPU
// time of the browser's processes and of each server from /proc; -traffic
// adds every request of every load, as the server answered it:
//
//	git worktree add --detach /tmp/old 298f25f && (cd /tmp/old && go build -o /tmp/weir-old ./cmd/weir)
//	go build -o /tmp/weir ./cmd/weir
//	go run ./bench/uireload -weir old=/tmp/weir-old,new=/tmp/weir -rounds 10
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/weirflow/weir/bench/internal/uibench"
	"github.com/weirflow/weir/internal/browser"
	"github.com/weirflow/weir/internal/median"
	"github.com/weirflow/weir/ui"
)

type build struct {
	name, dir string
	// per round
	cold, warm       []time.Duration
	coldCPU, warmCPU []float64 // seconds of renderer task time
}

func main() {
	dists := flag.String("dist", "", "builds to compare, name=dir,name=dir (a dir holds index.html and assets); the first is the baseline")
	stages := flag.Int("stages", 5000, "stages in the generated workflow")
	rounds := flag.Int("rounds", 5, "rounds; each shows the run with every build, in turn")
	profile := flag.Bool("profile", false, "also profile each build's reload in the last round and print its top functions by self time")
	top := flag.Int("top", 25, "functions printed per profile")
	serve := flag.Bool("serve", false, "measure only this tree's server, no browser: the CPU time of what the page asks before it is interactive")
	weirs := flag.String("weir", "", "compare whole builds instead, name=binary,name=binary (`weir ui` of each, the first the baseline)")
	traffic := flag.Bool("traffic", false, "with -weir, also print each request of each load as the server answered it")
	flag.Parse()
	if *serve {
		serveBench(*stages, *rounds)
		return
	}
	if *weirs != "" {
		weirBench(*weirs, *stages, *rounds, *traffic)
		return
	}
	var builds []*build
	for _, kv := range strings.Split(*dists, ",") {
		name, dir, ok := strings.Cut(kv, "=")
		if !ok {
			check(fmt.Errorf("-dist %q: want name=dir", kv))
		}
		if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
			check(fmt.Errorf("-dist %s: %w (build one with `node ui/web/build.mjs --out DIR`)", name, err))
		}
		builds = append(builds, &build{name: name, dir: dir})
	}
	if len(builds) == 0 {
		check(fmt.Errorf("-dist: no build given"))
	}

	path, err := browser.Path()
	check(err)
	dir, err := os.MkdirTemp("", "weir-uireload-")
	check(err)
	defer os.RemoveAll(dir)
	tab, err := browser.Start(context.Background(), path, 1400, 900)
	check(err)
	defer tab.Close()
	srv, err := ui.New(ui.Options{StateDir: dir})
	check(err)
	defer srv.Close()
	var current atomic.Pointer[build]
	current.Store(builds[0])
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	hs := &http.Server{Handler: swap(srv.Handler(), &current)}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()
	fmt.Printf("load average at start: %s\n", uibench.LoadAvg())

	for r := range *rounds {
		id := fmt.Sprintf("run%d", r)
		check(uibench.WriteRun(dir, id, *stages))
		for i := range builds {
			b := builds[(r+i)%len(builds)] // each round starts with the next build
			current.Store(b)
			prof := *profile && r == *rounds-1
			cold, coldCPU, _, cp := show(tab, base, id, true, false)
			warm, warmCPU, p, wp := show(tab, base, id, false, prof)
			b.cold, b.coldCPU = append(b.cold, cold), append(b.coldCPU, coldCPU)
			b.warm, b.warmCPU = append(b.warm, warm), append(b.warmCPU, warmCPU)
			fmt.Printf("round %d %-8s first view %v (CPU %.2f s; %s), reload %v (CPU %.2f s; %s)\n", r+1, b.name,
				cold.Round(time.Millisecond), coldCPU, parts(cp), warm.Round(time.Millisecond), warmCPU, parts(wp))
			if p != nil {
				fmt.Printf("\n%s, reload, self time by function (ms):\n%s\n", b.name, p.top(*top))
			}
		}
	}
	fmt.Printf("load average at the end: %s\n\n", uibench.LoadAvg())
	fmt.Printf("%d stages, %d rounds, medians (and medians of the ratios to %s, paired by round)\n", *stages, *rounds, builds[0].name)
	for _, b := range builds {
		fmt.Printf("%-8s first view %v (%.2fx), CPU %.2f s (%.2fx); reload %v (%.2fx), CPU %.2f s (%.2fx)\n", b.name,
			median.Of(b.cold).Round(time.Millisecond), ratio(b.cold, builds[0].cold),
			median.Of(b.coldCPU), ratio(b.coldCPU, builds[0].coldCPU),
			median.Of(b.warm).Round(time.Millisecond), ratio(b.warm, builds[0].warm),
			median.Of(b.warmCPU), ratio(b.warmCPU, builds[0].warmCPU))
	}
	if errs := tab.Errors(); len(errs) > 0 {
		fmt.Fprintln(os.Stderr, "console errors:", errs)
	}
}

// swap serves the page and its assets from the current build's directory
// and the rest from the server. Nothing is cached, so every load fetches
// and compiles its build's script, as a load of the embedded page does.
func swap(api http.Handler, current *atomic.Pointer[build]) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := current.Load()
		switch {
		case r.URL.Path == "/":
			w.Header().Set("Cache-Control", "no-store")
			http.ServeFile(w, r, filepath.Join(b.dir, "index.html"))
		case strings.HasPrefix(r.URL.Path, "/assets/"):
			w.Header().Set("Cache-Control", "no-store")
			http.ServeFile(w, r, filepath.Join(b.dir, strings.TrimPrefix(r.URL.Path, "/assets/")))
		default:
			api.ServeHTTP(w, r)
		}
	})
}

// parts says where a load's time went, in ms: the graph's answer, when
// the page had it, its layout and its placing.
func parts(m map[string]float64) string {
	return fmt.Sprintf("graph answered in %.0f, fetched at %.0f, layout %.0f, placed %.0f", m["server"], m["fetched"], m["layout"], m["place"])
}

func ratio[T time.Duration | float64](xs, base []T) float64 {
	rs := make([]float64, len(xs))
	for i := range xs {
		rs[i] = float64(xs[i]) / float64(base[i])
	}
	return median.Of(rs)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "uireload:", err)
		os.Exit(1)
	}
}
