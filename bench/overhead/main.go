// Command overhead measures what weir adds to running processes: 1,000
// no-op tasks (`true`), independent in a pool of 2 and as a chain, run by
// weir against a plain Go program that spawns the same processes (os/exec,
// 2 at a time or one after another) and against make -j2, all in one run,
// alternating, reporting medians and ratios of wall time and of CPU time
// (the engine's and its tasks', user and system), and of the runner's own
// CPU without its tasks'. On a loaded machine the wall times say little;
// the CPU a task costs still compares, and the runner's own CPU is what a
// change to the engine moves.
//
// With -base, a second weir binary (an earlier build) runs in the same
// rounds, next to each contender of the first (before it in even rounds,
// after it in odd ones): the before and after of a change, measured at the
// same moments.
//
//	go build -o /tmp/weir ./cmd/weir
//	go run ./bench/overhead -weir /tmp/weir
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/weirflow/weir/internal/median"
)

func main() {
	if err := measure(); err != nil {
		fail(err)
	}
}

// measure runs the rounds and prints the table; its temporary directory
// goes whatever happens.
func measure() error {
	weir := flag.String("weir", "weir", "path of the weir binary")
	base := flag.String("base", "", "path of an earlier weir binary to measure in the same rounds")
	n := flag.Int("tasks", 1000, "tasks per workflow")
	rounds := flag.Int("rounds", 5, "runs of each contender")
	modes := flag.String("enforcement", "cgroup,watchdog", "weir --memory-enforcement values to measure")
	flag.Parse()
	dir, err := os.MkdirTemp("", "weir-overhead-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	indep := filepath.Join(dir, "independent.hcl")
	chain := filepath.Join(dir, "chain.hcl")
	mk := filepath.Join(dir, "Makefile")
	for path, text := range map[string]string{indep: workflow(*n, false), chain: workflow(*n, true), mk: makefile(*n)} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}

	bins := []struct{ label, path string }{{"weir", *weir}}
	if *base != "" {
		bins = []struct{ label, path string }{{"base", *base}, {"weir", *weir}}
	}
	// A state dir for each binary: a build with a newer store layout
	// migrates the store, and an older one then refuses it.
	runWeir := func(bin string, env []string, mode, wf string) func() (cost, error) {
		state := filepath.Join(dir, "state-base")
		if bin == *weir {
			state = filepath.Join(dir, "state")
		}
		return func() (cost, error) {
			return command(env, bin, "run", "-q", "--memory-enforcement", mode, "--state-dir", state, wf)
		}
	}
	var cs []contender
	cs = append(cs,
		contender{"go loop, 2 at a time", func() (cost, error) { return loop(*n, 2) }},
		contender{"make -j2", func() (cost, error) { return command(nil, "make", "-s", "-j2", "-f", mk, "-C", dir) }},
	)
	for _, m := range strings.Split(*modes, ",") {
		for _, b := range bins {
			cs = append(cs, contender{b.label + ", independent, " + m, runWeir(b.path, nil, m, indep)})
		}
	}
	cs = append(cs, contender{"go loop, chain", func() (cost, error) { return loop(*n, 1) }})
	for _, m := range strings.Split(*modes, ",") {
		for _, b := range bins {
			cs = append(cs, contender{b.label + ", chain, " + m, runWeir(b.path, nil, m, chain)})
		}
	}
	// What durable checkpoints cost: the same chain with the store's
	// fsyncs off, in the same rounds.
	m0 := strings.Split(*modes, ",")[0]
	cs = append(cs, contender{"weir, chain, " + m0 + ", no fsync", runWeir(*weir, []string{"WEIR_UNSAFE_NO_FSYNC=1"}, m0, chain)})

	wall := make([][]time.Duration, len(cs))
	cpu := make([][]time.Duration, len(cs))
	own := make([][]time.Duration, len(cs))
	for r := 0; r < *rounds; r++ {
		for _, i := range roundOrder(cs, r) {
			c := cs[i]
			got, err := c.run()
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			wall[i] = append(wall[i], got.wall)
			cpu[i] = append(cpu[i], got.cpu)
			own[i] = append(own[i], got.own)
		}
	}
	fmt.Printf("%d tasks, median of %d rounds; CPU is user+system of the runner and its tasks, own CPU the runner's alone;\n", *n, *rounds)
	fmt.Printf("ratios are to the go loop's above\n")
	var baseWall, baseCPU, baseOwn time.Duration
	perTask := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(*n) }
	for i, c := range cs {
		w, u, o := median.Of(wall[i]), median.Of(cpu[i]), median.Of(own[i])
		if strings.HasPrefix(c.name, "go loop") {
			baseWall, baseCPU, baseOwn = w, u, o
		}
		fmt.Printf("  %-34s %7.3f s %5.2fx   CPU %6.3f ms a task %5.2fx   own CPU %6.3f ms a task %5.2fx\n", c.name,
			w.Seconds(), float64(w)/float64(baseWall), perTask(u), float64(u)/float64(baseCPU), perTask(o), float64(o)/float64(baseOwn))
	}
	return nil
}

// roundOrder is the order of the contenders in round r: as listed, but
// every other round a base contender runs after the one of this build
// that follows it, so that neither is always the one that runs second
// (after the other's writes, in a warmer or colder cache).
func roundOrder(cs []contender, r int) []int {
	order := make([]int, len(cs))
	for i := range order {
		order[i] = i
	}
	if r%2 == 0 {
		return order
	}
	for i := 0; i+1 < len(cs); i++ {
		if strings.HasPrefix(cs[i].name, "base,") && strings.HasPrefix(cs[i+1].name, "weir,") {
			order[i], order[i+1] = i+1, i
			i++
		}
	}
	return order
}

type contender struct {
	name string
	run  func() (cost, error)
}

// cost is what one run of a contender took.
type cost struct {
	wall, cpu time.Duration
	own       time.Duration // the runner's own CPU, without its children's
}

func workflow(n int, chain bool) string {
	var b strings.Builder
	b.WriteString("pool \"two\" {\n  processes = 2\n}\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "stage \"t%d\" {\n  pool    = pool.two\n  command = [\"/bin/true\"]\n  memory  = \"64MiB\"\n", i)
		if chain && i > 0 {
			fmt.Fprintf(&b, "  depends_on = [stage.t%d]\n", i-1)
		}
		b.WriteString("}\n")
	}
	return b.String()
}

func makefile(n int) string {
	var b strings.Builder
	b.WriteString(".PHONY: all")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " t%d", i)
	}
	b.WriteString("\nall:")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " t%d", i)
	}
	b.WriteString("\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "t%d:\n\t@/bin/true\n", i)
	}
	return b.String()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "overhead:", err)
	os.Exit(1)
}
