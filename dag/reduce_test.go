package dag

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestReduce(t *testing.T) {
	tests := []struct {
		name  string
		tasks []*Task
		want  [][2]string
	}{
		{
			"diamond with a shortcut",
			[]*Task{tk("a"), tk("b", "a"), tk("c", "a"), tk("d", "a", "b", "c")},
			[][2]string{{"a", "b"}, {"a", "c"}, {"b", "d"}, {"c", "d"}},
		},
		{
			"chain with every shortcut",
			[]*Task{tk("a"), tk("b", "a"), tk("c", "a", "b"), tk("d", "a", "b", "c")},
			[][2]string{{"a", "b"}, {"b", "c"}, {"c", "d"}},
		},
		{
			// The shortcut's far end comes first in declaration order, so
			// reduction must go by topological position, not by index.
			"declared out of order",
			[]*Task{tk("d", "c", "a"), tk("c", "b"), tk("b", "a"), tk("a")},
			[][2]string{{"c", "d"}, {"b", "c"}, {"a", "b"}},
		},
		{
			"nothing to drop",
			[]*Task{tk("a"), tk("b"), tk("c", "a", "b")},
			[][2]string{{"a", "c"}, {"b", "c"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := mustNew(t, tt.tasks...)
			got, reduced := g.Reduce()
			if !reduced || !slices.Equal(got, tt.want) {
				t.Errorf("Reduce = %v %v, want %v", got, reduced, tt.want)
			}
		})
	}
}

func TestReduceLimit(t *testing.T) {
	tasks := randomDAG(rand.New(rand.NewPCG(3, 3)), ReduceLimit+1, 2, false)
	g := mustNew(t, tasks...)
	edges, reduced := g.Reduce()
	if reduced || len(edges) != g.EdgeCount() {
		t.Errorf("Reduce above the limit: reduced=%v, %d of %d edges", reduced, len(edges), g.EdgeCount())
	}
}

// brute holds answers computed the slow, obvious way.
type brute struct {
	n     int
	succ  [][]int // by declaration index
	pred  [][]int
	reach [][]bool // reach[u][v]: a path of one or more edges u -> v
}

func newBrute(g *Graph) *brute {
	n := g.Len()
	b := &brute{n: n, succ: make([][]int, n), pred: make([][]int, n), reach: make([][]bool, n)}
	idx := map[string]int{}
	for i, t := range g.Tasks() {
		idx[t.ID] = i
	}
	for i, t := range g.Tasks() {
		for _, d := range t.Deps {
			b.succ[idx[d]] = append(b.succ[idx[d]], i)
			b.pred[i] = append(b.pred[i], idx[d])
		}
	}
	for u := range n {
		b.reach[u] = make([]bool, n)
		stack := slices.Clone(b.succ[u])
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !b.reach[u][v] {
				b.reach[u][v] = true
				stack = append(stack, b.succ[v]...)
			}
		}
	}
	return b
}

// order picks, again and again, the lowest ready index.
func (b *brute) order() []int {
	done := make([]bool, b.n)
	var out []int
	for len(out) < b.n {
		for v := range b.n {
			if !done[v] && allDone(b.pred[v], done) {
				done[v] = true
				out = append(out, v)
				break
			}
		}
	}
	return out
}

func allDone(vs []int, done []bool) bool {
	for _, v := range vs {
		if !done[v] {
			return false
		}
	}
	return true
}

// longest is the heaviest path weight from v, by plain recursion.
func (b *brute) longest(v int, w []time.Duration) time.Duration {
	var best time.Duration
	for _, s := range b.succ[v] {
		best = max(best, b.longest(s, w))
	}
	return w[v] + best
}

func (b *brute) depth(v int) int {
	d := 0
	for _, p := range b.pred[v] {
		d = max(d, b.depth(p)+1)
	}
	return d
}

func TestPropertiesVsBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 1))
	for iter := range 200 {
		n := 1 + r.IntN(30)
		g := mustNew(t, randomDAG(r, n, 1+r.IntN(4), true)...)
		b := newBrute(g)
		tasks := g.Tasks()
		pos := map[string]int{}
		for i, t := range tasks {
			pos[t.ID] = i
		}
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("iter %d (n=%d): %s", iter, n, fmt.Sprintf(format, args...))
		}

		// Order: the lexicographically smallest topological order.
		var order []int
		for _, t := range g.Order() {
			order = append(order, pos[t.ID])
		}
		if want := b.order(); !slices.Equal(order, want) {
			fail("Order %v, want %v", order, want)
		}

		// Layers: by longest distance from a source.
		for d, layer := range g.Layers() {
			for _, t := range layer {
				if bd := b.depth(pos[t.ID]); bd != d {
					fail("%s in layer %d, depth %d", t.ID, d, bd)
				}
			}
		}

		// Remaining and the critical path.
		w := make([]time.Duration, n)
		for i := range w {
			w[i] = time.Duration(r.IntN(5))
		}
		weight := func(t *Task) time.Duration { return w[pos[t.ID]] }
		rem := g.Remaining(weight)
		var best time.Duration
		for v := range n {
			if want := b.longest(v, w); rem[v] != want {
				fail("Remaining[%d] = %v, want %v", v, rem[v], want)
			}
			best = max(best, rem[v])
		}
		path, total := g.CriticalPath(weight)
		var sum time.Duration
		for i, t := range path {
			sum += w[pos[t.ID]]
			if i > 0 && !slices.Contains(b.succ[pos[path[i-1].ID]], pos[t.ID]) {
				fail("critical path %v has no edge into %s", ids(path), t.ID)
			}
		}
		if total != best || sum != best {
			fail("critical path %v: total %v, sum %v, want %v", ids(path), total, sum, best)
		}

		// StartOrder: a topological order that always starts the ready task
		// with the most remaining, then the first declared.
		done := make([]bool, n)
		for _, t := range g.StartOrder(weight) {
			v := pos[t.ID]
			if !allDone(b.pred[v], done) {
				fail("StartOrder starts %s before its dependencies", t.ID)
			}
			for u := range n {
				if !done[u] && u != v && allDone(b.pred[u], done) &&
					(rem[u] > rem[v] || rem[u] == rem[v] && u < v) {
					fail("StartOrder starts %s before ready %s", t.ID, tasks[u].ID)
				}
			}
			done[v] = true
		}

		// Reduce: exactly the edges no longer path implies.
		edges, reduced := g.Reduce()
		if !reduced {
			fail("not reduced")
		}
		var want [][2]string
		for u := range n {
			for _, v := range b.succ[u] {
				implied := false
				for _, m := range b.succ[u] {
					if m != v && b.reach[m][v] {
						implied = true
					}
				}
				if !implied {
					want = append(want, [2]string{tasks[u].ID, tasks[v].ID})
				}
			}
		}
		// Edges come ordered by dependency, then dependent.
		slices.SortFunc(want, func(a, c [2]string) int {
			if d := pos[a[0]] - pos[c[0]]; d != 0 {
				return d
			}
			return pos[a[1]] - pos[c[1]]
		})
		if !slices.Equal(edges, want) {
			fail("Reduce = %v, want %v", edges, want)
		}
	}
}
