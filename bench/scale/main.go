// Command scale measures how weir's cost per task and its peak memory grow
// with the size of a run: one for_each stage of N no-op tasks (`/bin/true`,
// keys from a map comprehension, 2 at a time, 64 MiB caps), run by weir at
// each N in one run of this program. Each size is run in rounds; the sizes
// at or above -once run once, between the first and the second half of the
// other rounds, so that the smaller sizes' figures straddle them. It
// reports medians: wall time, wall time per task against the smallest
// size's, CPU time per task (weir and its tasks) and weir's peak RSS.
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
	rss       int64 // bytes
}

func main() {
	weir := flag.String("weir", "weir", "path of the weir binary")
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

	got := map[int][]sample{}
	run := func(n int) {
		s, err := runOnce(*weir, dir, n)
		if err != nil {
			fail(fmt.Errorf("%d tasks: %w", n, err))
		}
		fmt.Fprintf(os.Stderr, "scale: %d tasks: %.2f s, cpu %.2f s, peak RSS %d MiB\n", n, s.wall.Seconds(), s.cpu.Seconds(), s.rss>>20)
		got[n] = append(got[n], s)
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

	fmt.Printf("| tasks | runs | wall time | per task | against %s tasks | CPU per task | peak RSS |\n", units.Thousands(ns[0]))
	fmt.Printf("|---|---|---|---|---|---|---|\n")
	var base float64
	for _, n := range ns {
		ss := got[n]
		wall := median(ss, func(s sample) float64 { return s.wall.Seconds() })
		cpu := median(ss, func(s sample) float64 { return s.cpu.Seconds() })
		rss := median(ss, func(s sample) float64 { return float64(s.rss) })
		per := wall / float64(n)
		if base == 0 {
			base = per
		}
		fmt.Printf("| %s | %d | %.2f s | %.3f ms | %.2fx | %.3f ms | %.0f MiB |\n", units.Thousands(n), len(ss), wall,
			per*1000, per/base, cpu/float64(n)*1000, rss/(1<<20))
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
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%v: %s", err, stderr.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return sample{}, errors.New("no resource usage on this platform")
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return sample{wall: wall, cpu: cpu, rss: ru.Maxrss << 10}, nil // KiB on Linux
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

func median(ss []sample, f func(sample) float64) float64 {
	xs := make([]float64, len(ss))
	for i, s := range ss {
		xs[i] = f(s)
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "scale:", err)
	os.Exit(1)
}
