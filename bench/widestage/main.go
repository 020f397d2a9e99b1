// Command widestage measures `weir validate` and `weir plan` on a workflow
// with one wide stage: a for_each over N keys written in each of the idioms
// docs/language.md teaches. It prints the median wall time and peak RSS of
// each command over the rounds, as a Markdown table.
//
//	go build -o /tmp/weir ./cmd/weir && go run ./bench/widestage -weir /tmp/weir
//	go run ./bench/widestage -weir /tmp/weir -keys 1000000 -idioms flatten -rounds 3
package main

import (
	"bytes"
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

// idioms are the for_each expressions measured, each making n keys.
var idioms = map[string]func(n int) string{
	// Samples times chunks, flattened into a set of strings.
	"flatten": func(n int) string {
		return fmt.Sprintf(`toset(flatten([for s in range(%d) : [for c in range(100) : format("s%%06d-c%%03d", s, c)]]))`, n/100)
	},
	// A map comprehension: key to each.value.
	"map": func(n int) string {
		return fmt.Sprintf(`{ for i in range(%d) : format("k%%07d", i) => i }`, n)
	},
	// A list: keys are the indexes.
	"range": func(n int) string { return fmt.Sprintf(`range(%d)`, n) },
}

const workflow = `workflow "wide" {}

stage "prepare" {
  command = ["prepare"]
  output "data" {}
}

stage "work" {
  for_each = %s
  command  = ["process", "--shard", each.key, stage.prepare.output.data]
  env      = { MODE = "fast", LC_ALL = "C" }
  memory   = "64MiB"
  timeout  = "10m"
}
`

func main() {
	weir := flag.String("weir", "weir", "weir binary to measure")
	keys := flag.String("keys", "10000,100000,1000000", "comma-separated key counts")
	which := flag.String("idioms", "flatten,map,range", "comma-separated idioms: flatten, map, range")
	cmds := flag.String("cmds", "validate,plan", "comma-separated weir commands")
	rounds := flag.Int("rounds", 3, "rounds per cell; the median is reported")
	flag.Parse()

	dir, err := os.MkdirTemp("", "widestage")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)

	fmt.Printf("| idiom | keys | command | wall time | peak RSS |\n|---|---|---|---|---|\n")
	for _, idiom := range strings.Split(*which, ",") {
		gen, ok := idioms[idiom]
		if !ok {
			fail(fmt.Errorf("unknown idiom %q", idiom))
		}
		for _, ks := range strings.Split(*keys, ",") {
			n, err := strconv.Atoi(ks)
			if err != nil {
				fail(err)
			}
			path := filepath.Join(dir, fmt.Sprintf("%s-%d.hcl", idiom, n))
			if err := os.WriteFile(path, fmt.Appendf(nil, workflow, gen(n)), 0o644); err != nil {
				fail(err)
			}
			for _, cmd := range strings.Split(*cmds, ",") {
				var walls []time.Duration
				var rss []int64
				for range *rounds {
					w, r, err := measure(*weir, cmd, path, n)
					if err != nil {
						fail(fmt.Errorf("%s %s at %d keys: %w", cmd, idiom, n, err))
					}
					walls = append(walls, w)
					rss = append(rss, r)
				}
				fmt.Printf("| %s | %s | %s | %.2f s | %d MiB |\n", idiom, units.Thousands(n), cmd,
					median(walls).Seconds(), median(rss)>>20)
			}
		}
	}
}

// measure runs one command and returns its wall time and peak RSS in bytes.
// It checks the output: validate counts the tasks, plan's summary names them.
func measure(weir, cmd, path string, n int) (time.Duration, int64, error) {
	var out, errb bytes.Buffer
	c := exec.Command(weir, cmd, path)
	c.Stdout, c.Stderr = &out, &errb
	c.Dir = filepath.Dir(path)
	start := time.Now()
	err := c.Run()
	wall := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%v: %s", err, errb.String())
	}
	want := "tasks: " + units.Thousands(n+1)
	if cmd == "validate" {
		want = fmt.Sprintf("%d tasks", n+1)
	}
	if !strings.Contains(out.String(), want) {
		return 0, 0, fmt.Errorf("output does not mention %q:\n%.2000s", want, out.String())
	}
	ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return wall, 0, nil
	}
	return wall, ru.Maxrss << 10, nil // KiB on Linux
}

func median[T int64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "widestage:", err)
	os.Exit(1)
}
