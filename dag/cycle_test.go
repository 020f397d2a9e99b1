package dag

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestCycles(t *testing.T) {
	tests := []struct {
		name  string
		tasks []*Task
		want  string
	}{
		{"self loop", []*Task{tk("a"), tk("b", "b")}, "cycle: b -> b"},
		{"two", []*Task{tk("a", "b"), tk("b", "a")}, "cycle: a -> b -> a"},
		{
			"long", []*Task{tk("e", "d"), tk("a", "e"), tk("b", "a"), tk("c", "b"), tk("d", "c")},
			// Starts at the first-declared member, in edge direction.
			"cycle: e -> a -> b -> c -> d -> e",
		},
		{
			"behind an acyclic prefix",
			[]*Task{tk("p0"), tk("p1", "p0"), tk("p2", "p1"), tk("x", "p2", "z"), tk("y", "x"), tk("z", "y"), tk("after", "z")},
			"cycle: x -> y -> z -> x",
		},
		{
			"downstream of a cycle declared first",
			[]*Task{tk("tail", "c"), tk("b", "c"), tk("c", "b")},
			"cycle: b -> c -> b",
		},
		{
			"keyed ids",
			[]*Task{tk("s[x]", `s[y "q"]`), tk(`s[y "q"]`, "s[x]")},
			`cycle: s[x] -> s[y "q"] -> s[x]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.tasks)
			var ce *CycleError
			if !errors.As(err, &ce) {
				t.Fatalf("New: got %v, want a *CycleError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("got %q, want %q", err, tt.want)
			}
			if ce.Path[0] != ce.Path[len(ce.Path)-1] {
				t.Errorf("path %v isn't closed", ce.Path)
			}
		})
	}
}

// Every reported cycle must be made of real edges, on random graphs with a
// few back edges added.
func TestCyclePathIsReal(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for iter := range 300 {
		n := 2 + r.IntN(40)
		tasks := randomDAG(r, n, 3, false)
		for range 1 + r.IntN(3) {
			i := r.IntN(n)
			j := i + r.IntN(n-i) // a task depends on a later one (or itself)
			tasks[i].Deps = append(tasks[i].Deps, tasks[j].ID)
		}
		r.Shuffle(n, func(i, j int) { tasks[i], tasks[j] = tasks[j], tasks[i] })
		g, err := New(tasks)
		if err == nil {
			if len(g.Order()) != n {
				t.Fatalf("iter %d: order incomplete", iter)
			}
			continue // the back edges happened to close no cycle
		}
		var ce *CycleError
		if !errors.As(err, &ce) {
			t.Fatalf("iter %d: %v", iter, err)
		}
		deps := map[string][]string{}
		for _, tt := range tasks {
			deps[tt.ID] = tt.Deps
		}
		p := ce.Path
		if len(p) < 2 || p[0] != p[len(p)-1] {
			t.Fatalf("iter %d: path %v not closed", iter, p)
		}
		for k := 0; k+1 < len(p); k++ {
			// Edge p[k] -> p[k+1]: p[k+1] depends on p[k].
			if !slices.Contains(deps[p[k+1]], p[k]) {
				t.Fatalf("iter %d: %v: %s does not depend on %s", iter, p, p[k+1], p[k])
			}
		}
		if seen := map[string]bool{}; true {
			for _, id := range p[1:] {
				if seen[id] {
					t.Fatalf("iter %d: path %v repeats %s", iter, p, id)
				}
				seen[id] = true
			}
		}
	}
}

func TestSortIndex(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		succ  [][]int32
		want  []int32
		cycle string
	}{
		{"empty", nil, nil, []int32{}, ""},
		{"already sorted", []string{"a", "b", "c"}, [][]int32{{1}, {2}, nil}, []int32{0, 1, 2}, ""},
		// Ties go to the lowest index: 3 is ready from the start but 1 and 2
		// come first once 0 is done.
		{"stable", []string{"a", "b", "c", "d"}, [][]int32{{2, 1}, nil, nil, nil}, []int32{0, 1, 2, 3}, ""},
		{"reversed", []string{"a", "b", "c"}, [][]int32{nil, {0}, {1}}, []int32{2, 1, 0}, ""},
		{"duplicates", []string{"a", "b"}, [][]int32{{1, 1}, nil}, []int32{0, 1}, ""},
		{"names longer than succ", []string{"a", "b", "c"}, [][]int32{{2}}, []int32{0, 1, 2}, ""},
		{"out of range ignored", []string{"a", "b"}, [][]int32{{5, -1, 1}, {99}}, []int32{0, 1}, ""},
		{"cycle", []string{"a", "b", "c"}, [][]int32{{1}, {2}, {1}}, nil, "cycle: b -> c -> b"},
		{"unnamed cycle", []string{"a"}, [][]int32{nil, {2}, {1}}, nil, "cycle: #1 -> #2 -> #1"},
		{"self", []string{"a"}, [][]int32{{0}}, nil, "cycle: a -> a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ce := SortIndex(tt.names, tt.succ)
			if tt.cycle != "" {
				if ce == nil || ce.Error() != tt.cycle || got != nil {
					t.Fatalf("got %v, %v; want cycle %q", got, ce, tt.cycle)
				}
				return
			}
			if ce != nil {
				t.Fatalf("unexpected %v", ce)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// A long chain must not recurse: the cycle search walks 200,000 nodes deep.
func TestLongCycleIterative(t *testing.T) {
	const n = 200000
	succ := make([][]int32, n)
	for i := range succ {
		succ[i] = []int32{int32((i + 1) % n)}
	}
	_, ce := SortIndex(nil, succ)
	if ce == nil || len(ce.Path) != n+1 || ce.Path[0] != "#0" {
		t.Fatalf("long cycle not found whole")
	}
}

func TestMinHeap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h minHeap
	var want []int32
	for range 1000 {
		v := int32(r.IntN(100))
		h.push(v)
		want = append(want, v)
	}
	slices.Sort(want)
	for i, w := range want {
		if got := h.pop(); got != w {
			t.Fatalf("pop %d = %d, want %d", i, got, w)
		}
	}
}
