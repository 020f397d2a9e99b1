package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/bench/internal/uibench"
	"github.com/weirflow/weir/internal/browser"
	"github.com/weirflow/weir/internal/median"
)

// weirBuild is a whole build of weir (`weir ui`: its server and its
// embedded page) and what it measured, per round.
type weirBuild struct {
	name, bin string
	cmd       *exec.Cmd
	base      string // where the browser asks: the server, or its logging proxy
	traffic   *trafficLog

	cold, warm       []time.Duration // wall time to interactive
	coldCPU, warmCPU []time.Duration // browser and server CPU time to interactive
	coldSrv, warmSrv []time.Duration // the server's alone
}

// weirBench shows the generated run of stages stages with each build's
// `weir ui` over one state dir, in one browser, alternating the builds
// round by round as -dist does; each round writes a new run, and each
// build shows it first with its layouts cleared and then again (a
// reload). Builds are name=binary pairs, the first the baseline.
func weirBench(spec string, stages, rounds int, traffic bool) {
	builds := parseWeirBuilds(spec)
	dir, err := os.MkdirTemp("", "weir-uireload-")
	check(err)
	defer os.RemoveAll(dir)
	path, err := browser.Path()
	check(err)
	tab, err := browser.Start(context.Background(), path, 1400, 900)
	check(err)
	defer tab.Close()
	for _, b := range builds {
		check(b.start(dir, traffic))
		defer b.stop()
	}
	fmt.Printf("load average at start: %s\n", uibench.LoadAvg())
	for r := range rounds {
		id := fmt.Sprintf("run%d", r)
		check(uibench.WriteRun(dir, id, stages))
		for i := range builds {
			b := builds[(r+i)%len(builds)]
			check(uibench.ClearLayouts(tab, b.base))
			if b.traffic != nil {
				b.traffic.take() // the clock starts at the first view
			}
			var parts []string
			for k, cold := range []bool{true, false} {
				wall, cpu, srv := b.view(tab, fmt.Sprintf("/?view=%d-%d#run=%s", r, k, id))
				what := "reload"
				if cold {
					what = "first view"
					b.cold, b.coldCPU, b.coldSrv = append(b.cold, wall), append(b.coldCPU, cpu), append(b.coldSrv, srv)
				} else {
					b.warm, b.warmCPU, b.warmSrv = append(b.warm, wall), append(b.warmCPU, cpu), append(b.warmSrv, srv)
				}
				parts = append(parts, fmt.Sprintf("%s %v (CPU %v, the server's %v)", what, wall.Round(time.Millisecond), cpu.Round(10*time.Millisecond), srv.Round(time.Millisecond)))
				if b.traffic != nil {
					fmt.Printf("round %d %s %s, the requests:\n%s", r+1, b.name, what, b.traffic.take())
				}
			}
			fmt.Printf("round %d %-8s %s; load %s\n", r+1, b.name, strings.Join(parts, "; "), uibench.LoadAvg())
		}
	}
	fmt.Printf("load average at the end: %s\n\n", uibench.LoadAvg())
	fmt.Printf("%d stages, %d rounds: medians, and the median of the ratios to %s paired by round (their least and greatest)\n", stages, rounds, builds[0].name)
	base := builds[0]
	for _, b := range builds {
		fmt.Printf("%-8s first view %v %s, CPU %v %s (the server's %v %s)\n", b.name,
			median.Of(b.cold).Round(time.Millisecond), spread(b.cold, base.cold), median.Of(b.coldCPU).Round(10*time.Millisecond), spread(b.coldCPU, base.coldCPU),
			median.Of(b.coldSrv).Round(time.Millisecond), spread(b.coldSrv, base.coldSrv))
		fmt.Printf("%-8s reload     %v %s, CPU %v %s (the server's %v %s)\n", "",
			median.Of(b.warm).Round(time.Millisecond), spread(b.warm, base.warm), median.Of(b.warmCPU).Round(10*time.Millisecond), spread(b.warmCPU, base.warmCPU),
			median.Of(b.warmSrv).Round(time.Millisecond), spread(b.warmSrv, base.warmSrv))
	}
	if errs := tab.Errors(); len(errs) > 0 {
		fmt.Fprintln(os.Stderr, "console errors:", errs)
	}
}

// view loads path of b's page and returns the wall time to interactive
// and the CPU time the browser and b's server spent up to then, and the
// server's alone. It then waits for the edges, so that they do not fall
// in the next load's figures.
func (b *weirBuild) view(tab *browser.Tab, path string) (wall, cpu, srv time.Duration) {
	b0, s0 := uibench.BrowserTicks(tab), uibench.Tree(b.cmd.Process.Pid)
	check(chromedp.Do(tab.Ctx, chromedp.Navigate(b.base+path)))
	wall, err := uibench.Ready(tab)
	check(err)
	b1, s1 := uibench.BrowserTicks(tab), uibench.Tree(b.cmd.Process.Pid)
	_, err = uibench.EdgesDrawn(tab)
	check(err)
	srv = s1.Since(s0)
	return wall, b1.Since(b0) + srv, srv
}

// spread is the median of the ratios xs[i]/base[i] and their range.
func spread(xs, base []time.Duration) string {
	rs := make([]float64, len(xs))
	for i := range xs {
		rs[i] = float64(xs[i]) / float64(max(base[i], 1))
	}
	lo, hi := rs[0], rs[0]
	for _, r := range rs {
		lo, hi = min(lo, r), max(hi, r)
	}
	return fmt.Sprintf("(%.2fx, %.2f-%.2fx)", median.Of(rs), lo, hi)
}

func parseWeirBuilds(spec string) []*weirBuild {
	var builds []*weirBuild
	for _, kv := range strings.Split(spec, ",") {
		name, bin, ok := strings.Cut(kv, "=")
		if !ok {
			check(fmt.Errorf("-weir %q: want name=binary (built with `go build -o BIN ./cmd/weir` in each tree)", kv))
		}
		if _, err := os.Stat(bin); err != nil {
			check(fmt.Errorf("-weir %s: %w (build it with `go build -o %s ./cmd/weir` in its tree)", name, err, bin))
		}
		builds = append(builds, &weirBuild{name: name, bin: bin})
	}
	return builds
}

// start runs `weir ui` of b on a free loopback port over stateDir, and
// reads its address from the line it prints. With traffic, the browser
// goes through a proxy that logs each request.
func (b *weirBuild) start(stateDir string, traffic bool) error {
	b.cmd = exec.Command(b.bin, "--state-dir", stateDir, "ui", "--no-token", "--addr", "127.0.0.1:0")
	b.cmd.Stderr = os.Stderr
	// Ended with this process, should it exit on an error.
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	out, err := b.cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := b.cmd.Start(); err != nil {
		return fmt.Errorf("-weir %s: %w", b.name, err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		// weir ui: http://127.0.0.1:PORT/ (state dir DIR); Ctrl-C stops it
		if rest, ok := strings.CutPrefix(sc.Text(), "weir ui: "); ok {
			b.base = strings.TrimSuffix(strings.Fields(rest)[0], "/")
			break
		}
	}
	if b.base == "" {
		b.cmd.Process.Kill()
		b.cmd.Wait()
		return fmt.Errorf("-weir %s: `weir ui` printed no address", b.name)
	}
	go func() { // keep its output drained
		for sc.Scan() {
		}
	}()
	if traffic {
		u, err := url.Parse(b.base)
		if err != nil {
			return err
		}
		p := httputil.NewSingleHostReverseProxy(u)
		p.FlushInterval = -1 // the event streams
		b.traffic = &trafficLog{next: p, pid: b.cmd.Process.Pid, t0: time.Now()}
		b.base = httptest.NewServer(b.traffic).URL
	}
	return nil
}

func (b *weirBuild) stop() {
	b.cmd.Process.Signal(syscall.SIGINT)
	b.cmd.Wait()
}
