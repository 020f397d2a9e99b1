package dag

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// tk makes a task whose stage is the part of id before any "[".
func tk(id string, deps ...string) *Task {
	stage, key, keyed := strings.Cut(id, "[")
	return &Task{ID: id, Stage: stage, Key: strings.TrimSuffix(key, "]"), Keyed: keyed, Deps: deps}
}

func mustNew(t testing.TB, tasks ...*Task) *Graph {
	t.Helper()
	g, err := New(tasks)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

func ids(ts []*Task) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// randomDAG declares n tasks, each depending on k distinct random earlier
// tasks (or all of them, for the first k), like the benchmarks' graphs. Declaration order is shuffled
// when shuffle is set, so that it isn't already topological.
func randomDAG(r *rand.Rand, n, k int, shuffle bool) []*Task {
	tasks := make([]*Task, n)
	for i := range tasks {
		tasks[i] = &Task{ID: fmt.Sprintf("t%d", i), Stage: "t"}
		seen := map[int]bool{}
		for len(seen) < min(k, i) {
			d := r.IntN(i)
			if seen[d] {
				continue
			}
			seen[d] = true
			tasks[i].Deps = append(tasks[i].Deps, fmt.Sprintf("t%d", d))
		}
	}
	if shuffle {
		r.Shuffle(n, func(i, j int) { tasks[i], tasks[j] = tasks[j], tasks[i] })
	}
	return tasks
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }
