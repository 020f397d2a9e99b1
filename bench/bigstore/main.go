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
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

	fmt.Printf("| command | goal | median of %d | rounds |\n|---|---|---|---|\n", *rounds)
	task := "work[" + fmt.Sprint(*n/2) + "]"
	for _, c := range []struct {
		step string
		args []string
		goal time.Duration
	}{
		{"runs", []string{"runs"}, 200 * time.Millisecond},
		{"status", []string{"status"}, time.Second},
		{"failed", []string{"status", "--failed"}, time.Second},
		{"why", []string{"why", task}, time.Second},
		{"report", []string{"report"}, 10 * time.Second},
		{"gc", []string{"gc"}, 10 * time.Second},
	} {
		if !want(c.step) {
			continue
		}
		m := measure(*weir, dir, c.args, *rounds)
		fmt.Printf("| `weir %s` | %v | %v | %s |\n", strings.Join(c.args, " "), c.goal, m.median.Round(time.Millisecond), m.rounds())
		if m.out != "" {
			fmt.Printf("|   | output: %s | | |\n", m.out)
		}
	}
	if want("resume") && len(g.failed) > 0 {
		took, err := resumeStart(*weir, dir)
		check(err)
		fmt.Printf("| `weir resume`, until its first task starts | 5s | %v | 1 |\n", took.Round(time.Millisecond))
	}
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
