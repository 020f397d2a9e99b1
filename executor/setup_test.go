package executor

import (
	"fmt"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
)

// TestNewTaskRuns: the task runs made by several goroutines are each
// task's own, in declaration order, linked as the graph is, whichever
// goroutine made the task at either end of an edge.
func TestNewTaskRuns(t *testing.T) {
	for _, c := range []struct {
		name string
		n    int
		deps func(i int) []int // the places task i depends on
	}{
		{"none", 0, nil},
		{"one", 1, nil},
		{"wide", 40000, nil},
		{"chain across the parts", 40000, func(i int) []int {
			if i == 0 {
				return nil
			}
			return []int{i - 1}
		}},
		{"fan-in from both ends", 40000, func(i int) []int {
			if i == 20000 {
				return []int{0, 39999, 1}
			}
			return nil
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tasks := make([]*dag.Task, c.n)
			for i := range tasks {
				tasks[i] = &dag.Task{ID: fmt.Sprint("t", i), Pool: "p"}
				if c.deps != nil {
					for _, d := range c.deps(i) {
						tasks[i].Deps = append(tasks[i].Deps, fmt.Sprint("t", d))
					}
				}
			}
			g, err := dag.New(tasks)
			if err != nil {
				t.Fatal(err)
			}
			pool := &poolRun{}
			trs := newTaskRuns(g, g.Tasks(), map[string]*poolRun{"p": pool})
			if len(trs) != c.n {
				t.Fatalf("%d runs for %d tasks", len(trs), c.n)
			}
			for i, tr := range trs {
				if tr.t != tasks[i] || int(tr.idx) != i || tr.pool != pool || tr.state != event.Pending {
					t.Fatalf("run %d: task %s, idx %d, pool %p, state %q", i, tr.t.ID, tr.idx, tr.pool, tr.state)
				}
				if int(tr.deps) != len(g.PredecessorsAt(i)) {
					t.Fatalf("run %d: %d deps, want %d", i, tr.deps, len(g.PredecessorsAt(i)))
				}
				succ := g.SuccessorsAt(i)
				if len(tr.succ) != len(succ) {
					t.Fatalf("run %d: %d successors, want %d", i, len(tr.succ), len(succ))
				}
				for j, v := range succ {
					if tr.succ[j] != trs[v] {
						t.Fatalf("run %d: successor %d is %s, want %s", i, j, tr.succ[j].t.ID, trs[v].t.ID)
					}
				}
			}
		})
	}
}
