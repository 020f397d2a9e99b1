// Command scale measures how weir's cost per task and its peak memory grow
// with the size of a run: one for_each stage of N no-op tasks (`/bin/true`,
// keys from a map comprehension, 2 at a time, 64 MiB caps), run by weir at
// each N in one run of this program. Each size is run in rounds; the sizes
// at or above -once run once, between the first and the second half of the
// other rounds, so that the smaller sizes' figures straddle them. It
// reports medians: wall time, wall time per task against the smallest
// size's, CPU time per task (weir and its tasks) and weir's peak RSS, with
// the peaks of its anonymous memory and of its mapped files apart (sampled
// from /proc/PID/status).
//
// With -base, every run is made by both binaries, one after the other in
// alternating order, and the table gives the ratios of weir to the base.
//
//	go build -o /tmp/weir ./cmd/weir
//	go run ./bench/scale -weir /tmp/weir -tasks 1000,10000,100000
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/weirflow/weir/internal/units"
)

type sample struct {
	wall, cpu time.Duration
	rss       int64 // bytes, the kernel's peak
	peaks     rssPeaks
}

// binary is one weir measured, and its samples by size.
type binary struct {
	name, path string
	got        map[int][]sample
}

func main() {
	weir := flag.String("weir", "weir", "path of the weir binary")
	base := flag.String("base", "", "path of a second weir binary to compare with, run beside the first")
	sizes := flag.String("tasks", "1000,10000,100000", "comma-separated task counts")
	rounds := flag.Int("rounds", 4, "runs of each size below -once")
	once := flag.Int("once", 100000, "sizes from this many tasks on run once")
	flag.Parse()
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fail(fmt.Errorf("bad -tasks value %q", s))
		}
		ns = append(ns, n)
	}
	slices.Sort(ns)
	dir, err := os.MkdirTemp("", "weir-scale-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)

	bins := []*binary{{name: "weir", path: *weir, got: map[int][]sample{}}}
	if *base != "" {
		bins = append(bins, &binary{name: "base", path: *base, got: map[int][]sample{}})
	}
	turn := 0
	run := func(n int) {
		// Alternate which binary goes first, so neither always runs on
		// the page cache or the load the other left.
		order := slices.Clone(bins)
		if turn%2 == 1 {
			slices.Reverse(order)
		}
		turn++
		for _, b := range order {
			s, err := runOnce(b.path, dir, n)
			if err != nil {
				fail(fmt.Errorf("%s, %d tasks: %w", b.name, n, err))
			}
			fmt.Fprintf(os.Stderr, "scale: %s %d tasks: %.2f s, cpu %.2f s, peak RSS %d MiB (anon %d, files %d)\n", b.name, n,
				s.wall.Seconds(), s.cpu.Seconds(), s.rss>>20, s.peaks.anon>>20, s.peaks.file>>20)
			b.got[n] = append(b.got[n], s)
		}
	}
	small := func(rs int) {
		for range rs {
			for _, n := range ns {
				if n < *once {
					run(n)
				}
			}
		}
	}
	small(*rounds / 2)
	for _, n := range ns {
		if n >= *once {
			run(n)
		}
	}
	small(*rounds - *rounds/2)

	for _, b := range bins {
		fmt.Printf("\n%s (%s)\n\n", b.name, b.path)
		fmt.Printf("| tasks | runs | wall time | per task | against %s tasks | CPU per task | peak RSS | anon | files |\n", units.Thousands(ns[0]))
		fmt.Printf("|---|---|---|---|---|---|---|---|---|\n")
		var first float64
		for _, n := range ns {
			m := medians(b.got[n])
			per := m.wall.Seconds() / float64(n)
			if first == 0 {
				first = per
			}
			fmt.Printf("| %s | %d | %.2f s | %.3f ms | %.2fx | %.3f ms | %d MiB | %d MiB | %d MiB |\n", units.Thousands(n),
				len(b.got[n]), m.wall.Seconds(), per*1000, per/first, m.cpu.Seconds()/float64(n)*1000,
				m.rss>>20, m.peaks.anon>>20, m.peaks.file>>20)
		}
	}
	if len(bins) == 2 {
		w, b := bins[0], bins[1]
		fmt.Printf("\nweir against base (medians)\n\n| tasks | wall | CPU | peak RSS | anon | files |\n|---|---|---|---|---|---|\n")
		for _, n := range ns {
			mw, mb := medians(w.got[n]), medians(b.got[n])
			fmt.Printf("| %s | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx |\n", units.Thousands(n),
				mw.wall.Seconds()/mb.wall.Seconds(), mw.cpu.Seconds()/mb.cpu.Seconds(),
				ratio(mw.rss, mb.rss), ratio(mw.peaks.anon, mb.peaks.anon), ratio(mw.peaks.file, mb.peaks.file))
		}
	}
}

// runOnce runs a fresh workflow of n tasks in a fresh state dir and
// returns weir's wall time, the CPU time of weir and its tasks, and weir's
// peak RSS.
func runOnce(weir, dir string, n int) (sample, error) {
	wf := filepath.Join(dir, fmt.Sprintf("wide%d.hcl", n))
	if err := os.WriteFile(wf, []byte(workflow(n)), 0o644); err != nil {
		return sample{}, err
	}
	state := filepath.Join(dir, "state")
	if err := os.RemoveAll(state); err != nil {
		return sample{}, err
	}
	cmd := exec.Command(weir, "run", "-q", "--state-dir", state, wf)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	stop := make(chan struct{})
	peaks := sampleRSS(cmd.Process.Pid, 100*time.Millisecond, stop)
	err := cmd.Wait()
	wall := time.Since(start)
	close(stop)
	p := <-peaks
	if err != nil {
		return sample{}, fmt.Errorf("%v: %s", err, stderr.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return sample{}, errors.New("no resource usage on this platform")
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return sample{wall: wall, cpu: cpu, rss: ru.Maxrss << 10, peaks: p}, nil // KiB on Linux
}

func workflow(n int) string {
	return fmt.Sprintf(`workflow "wide%d" {}

pool "two" {
  processes = 2
}

stage "work" {
  for_each = { for i in range(%d) : format("k%%07d", i) => i }
  pool     = pool.two
  command  = ["/bin/true"]
  memory   = "64MiB"
}
`, n, n)
}

// medians is the median of each figure of ss, each taken on its own.
func medians(ss []sample) sample {
	pick := func(f func(sample) int64) int64 {
		xs := make([]int64, len(ss))
		for i, s := range ss {
			xs[i] = f(s)
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	return sample{
		wall:  time.Duration(pick(func(s sample) int64 { return int64(s.wall) })),
		cpu:   time.Duration(pick(func(s sample) int64 { return int64(s.cpu) })),
		rss:   pick(func(s sample) int64 { return s.rss }),
		peaks: rssPeaks{anon: pick(func(s sample) int64 { return s.peaks.anon }), file: pick(func(s sample) int64 { return s.peaks.file })},
	}
}

func ratio(a, b int64) float64 { return float64(a) / float64(b) }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "scale:", err)
	os.Exit(1)
}
