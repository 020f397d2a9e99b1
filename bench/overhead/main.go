// Command overhead measures what weir adds to running processes: 1,000
// no-op tasks (`true`), independent in a pool of 2 and as a chain, run by
// weir against a plain Go program that spawns the same processes (os/exec,
// 2 at a time or one after another) and against make -j2, all in one run,
// alternating, reporting medians and ratios.
//
//	go build -o /tmp/weir ./cmd/weir
//	go run ./bench/overhead -weir /tmp/weir
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/weirflow/weir/internal/median"
)

func main() {
	weir := flag.String("weir", "weir", "path of the weir binary")
	n := flag.Int("tasks", 1000, "tasks per workflow")
	rounds := flag.Int("rounds", 5, "runs of each contender")
	modes := flag.String("enforcement", "cgroup,watchdog", "weir --memory-enforcement values to measure")
	flag.Parse()
	dir, err := os.MkdirTemp("", "weir-overhead-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	indep := filepath.Join(dir, "independent.hcl")
	chain := filepath.Join(dir, "chain.hcl")
	mk := filepath.Join(dir, "Makefile")
	must(os.WriteFile(indep, []byte(workflow(*n, false)), 0o644))
	must(os.WriteFile(chain, []byte(workflow(*n, true)), 0o644))
	must(os.WriteFile(mk, []byte(makefile(*n)), 0o644))

	type contender struct {
		name string
		run  func() error
	}
	var cs []contender
	cs = append(cs,
		contender{"go loop, 2 at a time", func() error { return loop(*n, 2) }},
		contender{"make -j2", func() error { return command("make", "-s", "-j2", "-f", mk, "-C", dir) }},
	)
	for _, m := range strings.Split(*modes, ",") {
		m := m
		cs = append(cs, contender{"weir, independent, " + m, func() error {
			return command(*weir, "run", "-q", "--memory-enforcement", m, "--state-dir", filepath.Join(dir, "state"), indep)
		}})
	}
	cs = append(cs, contender{"go loop, chain", func() error { return loop(*n, 1) }})
	for _, m := range strings.Split(*modes, ",") {
		m := m
		cs = append(cs, contender{"weir, chain, " + m, func() error {
			return command(*weir, "run", "-q", "--memory-enforcement", m, "--state-dir", filepath.Join(dir, "state"), chain)
		}})
	}
	// What durable checkpoints cost: the same chain with the store's
	// fsyncs off, in the same rounds.
	m0 := strings.Split(*modes, ",")[0]
	cs = append(cs, contender{"weir, chain, " + m0 + ", no fsync", func() error {
		return commandEnv([]string{"WEIR_UNSAFE_NO_FSYNC=1"}, *weir, "run", "-q", "--memory-enforcement", m0, "--state-dir", filepath.Join(dir, "state"), chain)
	}})

	times := make([][]time.Duration, len(cs))
	for r := 0; r < *rounds; r++ {
		for i, c := range cs {
			start := time.Now()
			if err := c.run(); err != nil {
				fail(fmt.Errorf("%s: %w", c.name, err))
			}
			times[i] = append(times[i], time.Since(start))
		}
	}
	fmt.Printf("%d tasks, median of %d rounds\n", *n, *rounds)
	base := map[bool]time.Duration{}
	for i, c := range cs {
		med := median.Of(times[i])
		chainCase := strings.Contains(c.name, "chain")
		if strings.HasPrefix(c.name, "go loop") {
			base[chainCase] = med
		}
		fmt.Printf("  %-32s %7.3f s  %5.2fx the go loop  (%.2f ms per task)\n", c.name, med.Seconds(),
			float64(med)/float64(base[chainCase]), float64(med.Microseconds())/1000/float64(*n))
	}
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

// loop is the floor: spawn n `true` processes, par at a time.
func loop(n, par int) error {
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := exec.Command("/bin/true").Run(); err != nil {
				mu.Lock()
				first = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

func command(name string, args ...string) error { return commandEnv(nil, name, args...) }

// commandEnv runs name with env added to this program's environment; its
// stderr is dropped unless it fails.
func commandEnv(env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%v: %s%s", err, out, stderr.String())
	}
	return nil
}

func must(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "overhead:", err)
	os.Exit(1)
}
