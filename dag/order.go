package dag

import (
	"container/heap"
	"time"
)

// Order returns the tasks in topological order: every task after the tasks it
// depends on. The order is stable: of the tasks that are ready, the
// first-declared comes first, so a declaration order that is already valid
// comes back unchanged.
func (g *Graph) Order() []*Task {
	out := make([]*Task, len(g.topo))
	for i, v := range g.topo {
		out[i] = g.tasks[v]
	}
	return out
}

// Layers groups the tasks by their longest distance from a task without
// dependencies: layer 0 holds those, layer k the tasks whose longest chain of
// dependencies has k edges. Each layer is in declaration order.
func (g *Graph) Layers() [][]*Task {
	n := len(g.tasks)
	if n == 0 {
		return nil
	}
	depth := make([]int32, n)
	var top int32
	for _, v := range g.topo {
		var d int32
		for _, p := range g.pred[v] {
			d = max(d, depth[p]+1)
		}
		depth[v] = d
		top = max(top, d)
	}
	// Count first so all layers share one backing array.
	size := make([]int, top+1)
	for _, d := range depth {
		size[d]++
	}
	flat := make([]*Task, n)
	layers := make([][]*Task, top+1)
	off := 0
	for d, s := range size {
		layers[d] = flat[off : off : off+s]
		off += s
	}
	for v, d := range depth {
		layers[d] = append(layers[d], g.tasks[v])
	}
	return layers
}

// StartOrder is the order in which a run with unlimited slots would start
// tasks that become ready together: Kahn's algorithm where the ready task
// with the largest Remaining(weight) goes first, ties in declaration order.
// A nil weight means Task.Weight.
func (g *Graph) StartOrder(weight func(*Task) time.Duration) []*Task {
	rem := g.remaining(weight)
	indeg := make([]int32, len(g.tasks))
	q := &readyQueue{rem: rem}
	for v := range g.tasks {
		indeg[v] = int32(len(g.pred[v]))
		if indeg[v] == 0 {
			q.items = append(q.items, int32(v))
		}
	}
	heap.Init(q)
	out := make([]*Task, 0, len(g.tasks))
	for len(q.items) > 0 {
		// Pop and push through heap.Fix: heap.Pop and heap.Push would box
		// every int32 into an interface, an allocation per task.
		u := q.items[0]
		last := len(q.items) - 1
		q.items[0] = q.items[last]
		q.items = q.items[:last]
		if last > 0 {
			heap.Fix(q, 0)
		}
		out = append(out, g.tasks[u])
		for _, v := range g.succ[u] {
			indeg[v]--
			if indeg[v] == 0 {
				q.items = append(q.items, v)
				heap.Fix(q, len(q.items)-1)
			}
		}
	}
	return out
}

// readyQueue orders ready tasks by remaining time, longest first, then by
// declaration.
type readyQueue struct {
	items []int32
	rem   []time.Duration
}

func (q *readyQueue) Len() int { return len(q.items) }

func (q *readyQueue) Less(i, j int) bool {
	a, b := q.items[i], q.items[j]
	if q.rem[a] != q.rem[b] {
		return q.rem[a] > q.rem[b]
	}
	return a < b
}

func (q *readyQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }

// Push and Pop complete heap.Interface; StartOrder doesn't call them.
func (q *readyQueue) Push(x any) { q.items = append(q.items, x.(int32)) }

func (q *readyQueue) Pop() any {
	last := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return last
}
