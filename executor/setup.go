package executor

import (
	"runtime"
	"sync"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/hugepages"
)

// newTaskRuns makes the scheduler's state of every task of g, in
// declaration order, linked to the tasks after it by place. The runs are
// one allocation: 100,000 small ones cost a fifth more, in the rounding of
// their size class. At a million tasks that allocation is some 170 MB
// touched for the first time, most of the set-up's time before a resume
// can start its first task; the tasks are shared out among the CPUs, which
// fault their pages in side by side.
func newTaskRuns(g *dag.Graph, tasks []*dag.Task, pools map[string]*poolRun) []*taskRun {
	rem := g.Remaining(nil)
	trs := make([]*taskRun, len(tasks))
	runs := make([]taskRun, len(tasks))
	hugepages.Advise(runs)
	parts(len(tasks), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			t := tasks[i]
			runs[i] = taskRun{t: t, idx: int32(i), prio: rem[i], pool: pools[t.Pool], state: event.Pending}
			trs[i] = &runs[i]
		}
	})
	// By place, not by id: at a million tasks a map of them and a string
	// per edge cost seconds of the set-up.
	parts(len(tasks), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			tr := trs[i]
			tr.deps = int32(len(g.PredecessorsAt(i)))
			if succ := g.SuccessorsAt(i); len(succ) > 0 {
				tr.succ = make([]*taskRun, len(succ))
				for j, v := range succ {
					tr.succ[j] = trs[v]
				}
			}
		}
	})
	return trs
}

// parts calls f on consecutive ranges of [0, n) that together cover it, on
// up to GOMAXPROCS goroutines, and returns when all have returned.
func parts(n int, f func(lo, hi int)) {
	const least = 16384 // fewer tasks a goroutine cost more than they save
	k := min(runtime.GOMAXPROCS(0), (n+least-1)/least)
	if k <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range k {
		wg.Go(func() { f(p*n/k, (p+1)*n/k) })
	}
	wg.Wait()
}
