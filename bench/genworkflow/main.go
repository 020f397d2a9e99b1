// Command genworkflow writes a large synthetic workflow for benchmarks: N
// stages, each depending on up to three random earlier stages (one through an
// input segment, the rest through depends_on), so about 3N edges.
//
//	go run ./bench/genworkflow -stages 10000 > /tmp/w10k.hcl
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
)

func main() {
	stages := flag.Int("stages", 10000, "number of stages")
	deps := flag.Int("deps", 3, "dependencies per stage (fewer for the first stages)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	if err := write(w, *stages, *deps, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "genworkflow:", err)
		os.Exit(1)
	}
}

func write(w *bufio.Writer, stages, deps int, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, seed))
	fmt.Fprintf(w, "workflow \"bench\" {\n  memory_budget = \"16GiB\"\n}\n\n")
	fmt.Fprintf(w, "pool \"cpu\" {\n  processes = 2\n  memory    = \"8GiB\"\n}\n\n")
	for i := range stages {
		fmt.Fprintf(w, "stage \"s%d\" {\n  pool    = pool.cpu\n  memory  = \"64MiB\"\n", i)
		picked := map[int]bool{}
		for len(picked) < min(deps, i) {
			picked[r.IntN(i)] = true
		}
		first := true
		var rest []int
		for d := range picked {
			if first {
				fmt.Fprintf(w, "  command = [\"process\", \"--shard\", \"%d\"]\n", i)
				fmt.Fprintf(w, "  input \"in\" {\n    from = stage.s%d.output.out\n  }\n", d)
				first = false
				continue
			}
			rest = append(rest, d)
		}
		if first {
			fmt.Fprintf(w, "  command = [\"generate\", \"%d\"]\n", i)
		}
		if len(rest) > 0 {
			fmt.Fprintf(w, "  depends_on = [")
			for j, d := range rest {
				if j > 0 {
					fmt.Fprint(w, ", ")
				}
				fmt.Fprintf(w, "stage.s%d", d)
			}
			fmt.Fprintln(w, "]")
		}
		fmt.Fprintf(w, "  output \"out\" {\n    size = \"1MiB\"\n  }\n}\n\n")
	}
	return w.Flush()
}
