// Command bigstore makes the state dir of a finished run of many tasks
// (1,000,000 by default) through the store's Journal, the code path an
// engine's run takes, since a real run that size takes hours on two cores;
// then it times the commands that read it against their goals, and reports
// the store's bytes per task. The state dir can be kept (-dir) for other
// measurements: `weir ui` in it, or the page.
//
//	go build -o /tmp/weir ./cmd/weir && go run ./bench/bigstore -weir /tmp/weir
//	go run ./bench/bigstore -weir /tmp/weir -tasks 10000 -rounds 5
//	go run ./bench/bigstore -tasks 1000000 -dir /tmp/big -only gen   # the state dir alone
//	go run ./bench/bigstore -weir /tmp/weir -base /tmp/weir-old -tasks 100000 -only why,resume
//
// With -base, why and resume are measured with both binaries in the same
// run (resume each on its own copy of the state dir, since it adds a run),
// and the ratio of their CPU times is reported.
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/weirflow/weir/internal/units"
)

func main() {
	weir := flag.String("weir", "weir", "weir binary to measure")
	n := flag.Int("tasks", 1_000_000, "tasks in the generated run")
	failEvery := flag.Int("fail-every", 1000, "one task in this many fails")
	rounds := flag.Int("rounds", 3, "rounds per command; the median is reported")
	dirFlag := flag.String("dir", "", "make the state dir here and keep it (default: a temporary directory, removed)")
	only := flag.String("only", "", "comma-separated steps: gen, runs, status, failed, why, report, gc, resume (default all)")
	reuse := flag.Bool("reuse", false, "measure the state dir -dir already holds instead of making one")
	base := flag.String("base", "", "a weir binary to compare why and resume with, in the same run")
	flag.Parse()

	dir := *dirFlag
	if dir == "" {
		d, err := os.MkdirTemp("", "weir-bigstore-")
		check(err)
		defer os.RemoveAll(d)
		dir = d
	} else {
		check(os.MkdirAll(dir, 0o755))
	}
	want := func(step string) bool {
		return *only == "" || strings.Contains(","+*only+",", ","+step+",")
	}

	var g generated
	if *reuse {
		g = generated{run: "(reused)", failed: []string{"?"}}
	} else {
		var err error
		g, err = gen(dir, *n, *failEvery)
		check(err)
		// A child's peak RSS starts from this process's RSS when it forks
		// (Linux keeps the larger of the two across exec): hand what gen
		// held back to the system, or every command measured after it
		// shows gen's hundreds of MiB.
		debug.FreeOSMemory()
	}
	size := dirSize(filepath.Join(dir, ".weir"))
	db := fileSize(filepath.Join(dir, ".weir", "weir.db"))
	if !*reuse {
		fmt.Printf("generated run %s: %d tasks, %d failed, in %v through the journal\n", g.run, *n, len(g.failed), g.took.Round(time.Millisecond))
	}
	fmt.Printf("state dir %s: %s (%.0f bytes a task), of which weir.db %s (%.0f bytes a task)\n\n",
		units.Size(size), filepath.Join(dir, ".weir"), float64(size)/float64(*n), units.Size(db), float64(db)/float64(*n))
	if *only == "gen" {
		return
	}

	fmt.Printf("| command | binary | goal | wall, median of %d | CPU (user+sys) | peak RSS | rounds |\n|---|---|---|---|---|---|---|\n", *rounds)
	task := "work[" + fmt.Sprint(*n/2) + "]"
	bins := []string{*weir}
	if *base != "" {
		bins = append(bins, *base)
	}
	row := func(what, bin string, goal time.Duration, m measured) {
		fmt.Printf("| %s | %s | %v | %v | %v | %s | %s |\n", what, bin, goal, m.median.Round(time.Millisecond),
			m.cpu.Round(10*time.Millisecond), units.Size(m.rss), m.rounds())
	}
	ratio := func(what string, cpu []time.Duration) {
		if len(cpu) == 2 && cpu[1] > 0 {
			fmt.Printf("|   | %s: CPU of %s / %s = %.3fx | | | | | |\n", what, bins[0], bins[1], float64(cpu[0])/float64(cpu[1]))
		}
	}
	for _, c := range []struct {
		step string
		args []string
		goal time.Duration
	}{
		{"runs", []string{"runs"}, 200 * time.Millisecond},
		{"status", []string{"status"}, time.Second},
		{"failed", []string{"status", "--failed"}, time.Second},
		{"why", []string{"why", task}, time.Second},
		// A key the stage does not have: the answer names it, as fast.
		{"why", []string{"why", "work[" + fmt.Sprint(*n) + "]"}, time.Second},
		{"report", []string{"report"}, 10 * time.Second},
		{"gc", []string{"gc"}, 10 * time.Second},
	} {
		if !want(c.step) {
			continue
		}
		use := bins[:1]
		if c.step == "why" {
			use = bins
		}
		var cpu []time.Duration
		for _, bin := range use {
			m := measure(bin, dir, c.args, *rounds)
			row("`weir "+strings.Join(c.args, " ")+"`", bin, c.goal, m)
			if m.out != "" {
				fmt.Printf("|   | output: %s | | | | | |\n", m.out)
			}
			cpu = append(cpu, m.cpu)
		}
		ratio("why", cpu)
	}
	if want("resume") && len(g.failed) > 0 {
		var cpu []time.Duration
		for _, bin := range bins {
			// Each resume adds a run: each binary resumes its own copy,
			// under a name of its own, so that two benches on one -dir
			// do not remove each other's.
			cp, err := os.MkdirTemp(dir, "resume-copy-")
			check(err)
			check(copyTree(dir, cp))
			// The copy leaves gigabytes of dirty pages; a user's state
			// dir has none, and the resume's first fsync would wait for
			// them all.
			syscall.Sync()
			m, err := resumeStart(bin, cp)
			check(err)
			check(os.RemoveAll(cp))
			row("`weir resume`, until its first task starts", bin, 5*time.Second, m)
			fmt.Printf("|   | up to its first task: CPU %v, peak RSS %s (the rest: recording the reuse, stopping) | | | | | |\n",
				m.cpuFirst.Round(10*time.Millisecond), units.Size(m.rssFirst))
			cpu = append(cpu, m.cpuFirst)
		}
		ratio("resume, CPU up to the first task", cpu)
	}
}

// copyTree copies the workflow and the state dir of dir into to, with
// cp -a: a resume writes to the database in place.
func copyTree(dir, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	out, err := exec.Command("cp", "-a", filepath.Join(dir, "wf.hcl"), filepath.Join(dir, ".weir"), to).CombinedOutput()
	if err != nil {
		return fmt.Errorf("copy %s: %v: %s", dir, err, out)
	}
	return nil
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bigstore:", err)
		os.Exit(1)
	}
}
