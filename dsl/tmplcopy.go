package dsl

import (
	"runtime"
	"sync"

	"github.com/weirflow/weir/dag"
)

// copyParallelMin is the fewest tasks copyTemplate shares out among the
// CPUs; a variable so that a test can compare with the serial copy.
var copyParallelMin = 1 << 15

// copyTemplate copies a stage's first task into every slot of rest, which
// buildTask then fills with each task's own parts. At a million tasks rest
// is some 400 MB touched for the first time, 1.3 s of a resume's load
// spent faulting its pages in: the CPUs do it side by side.
func copyTemplate(rest []dag.Task, tmpl *dag.Task) {
	n := len(rest)
	k := min(runtime.GOMAXPROCS(0), n/copyParallelMin+1)
	if n < copyParallelMin || k < 2 {
		for i := range rest {
			rest[i] = *tmpl
		}
		return
	}
	var wg sync.WaitGroup
	for p := range k {
		part := rest[p*n/k : (p+1)*n/k]
		wg.Go(func() {
			for i := range part {
				part[i] = *tmpl
			}
		})
	}
	wg.Wait()
}
