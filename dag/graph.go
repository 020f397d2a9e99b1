package dag

import (
	"fmt"
	"sync"

	"github.com/dominikbraun/graph"
)

// Graph is the checked, acyclic graph of a plan's tasks. Edges run from a
// dependency to its dependent: the dependency runs first.
//
// The algorithms run on a compact index (task i is Tasks()[i], succ and pred
// hold indices), which costs a few bytes per edge and no hashing. The
// dominikbraun/graph copy of the same vertices and edges, for callers that
// want that library's API, is built on the first call to Lib: it costs maps
// per vertex and per edge, and nothing in a run needs it.
//
// A Graph is immutable after New and safe for concurrent use.
type Graph struct {
	tasks []*Task
	index map[string]int32
	succ  [][]int32 // dependents of each task, in declaration order
	pred  [][]int32 // dependencies of each task, in the order of its Deps
	topo  []int32   // stable topological order, from New
	edges int

	libOnce sync.Once
	lib     graph.Graph[string, *Task]
}

// New checks tasks and builds their graph from each task's Deps. It fails on
// a nil task, an empty or duplicate ID, a dependency on an unknown ID, and on
// a cycle, which it reports as a *CycleError (not wrapped, so a type switch
// finds it). Duplicate entries in one task's Deps count once.
func New(tasks []*Task) (*Graph, error) {
	n := len(tasks)
	if int64(n) > maxNodes {
		return nil, fmt.Errorf("dag: %d tasks, more than the %d a graph can hold", n, maxNodes)
	}
	g := &Graph{
		tasks: make([]*Task, n),
		index: make(map[string]int32, n),
	}
	copy(g.tasks, tasks)
	for i, t := range g.tasks {
		if t == nil {
			return nil, fmt.Errorf("dag: task #%d is nil", i)
		}
		if t.ID == "" {
			return nil, fmt.Errorf("dag: task #%d (stage %q) has an empty id", i, t.Stage)
		}
		if _, dup := g.index[t.ID]; dup {
			return nil, fmt.Errorf("dag: duplicate task id %q", t.ID)
		}
		g.index[t.ID] = int32(i)
	}

	// Predecessors go into one flat array and successors into another, so
	// the whole index is four allocations however large the graph.
	predOff := make([]int32, n+1)
	var predFlat []int32
	outdeg := make([]int32, n)
	seen := make([]int32, n) // seen[d] == v+1: d is already a dependency of v
	for v, t := range g.tasks {
		for _, dep := range t.Deps {
			d, ok := g.index[dep]
			if !ok {
				return nil, fmt.Errorf("dag: task %q depends on unknown task %q", t.ID, dep)
			}
			if seen[d] == int32(v)+1 {
				continue
			}
			seen[d] = int32(v) + 1
			predFlat = append(predFlat, d)
			outdeg[d]++
		}
		if int64(len(predFlat)) > maxNodes {
			return nil, fmt.Errorf("dag: more than %d edges", maxNodes)
		}
		predOff[v+1] = int32(len(predFlat))
	}
	g.edges = len(predFlat)

	succPos := seen // reuse: write position of each task's successors
	var off int32
	for d := range n {
		succPos[d] = off
		off += outdeg[d]
	}
	succFlat := make([]int32, len(predFlat))
	g.pred = make([][]int32, n)
	g.succ = make([][]int32, n)
	for v := range n {
		lo, hi := predOff[v], predOff[v+1]
		g.pred[v] = predFlat[lo:hi:hi]
		for _, d := range g.pred[v] {
			succFlat[succPos[d]] = int32(v)
			succPos[d]++
		}
	}
	for d := range n {
		hi := succPos[d]
		g.succ[d] = succFlat[hi-outdeg[d] : hi : hi]
	}

	topo, cyc := sortIndex(g.succ)
	if cyc != nil {
		return nil, g.cycleError(cyc)
	}
	g.topo = topo
	return g, nil
}

func (g *Graph) cycleError(cyc []int32) *CycleError {
	path := make([]string, len(cyc))
	for i, v := range cyc {
		path[i] = g.tasks[v].ID
	}
	return &CycleError{Path: path}
}

// Len is the number of tasks.
func (g *Graph) Len() int { return len(g.tasks) }

// EdgeCount is the number of edges.
func (g *Graph) EdgeCount() int { return g.edges }

// Task returns the task with the given ID.
func (g *Graph) Task(id string) (*Task, bool) {
	i, ok := g.index[id]
	if !ok {
		return nil, false
	}
	return g.tasks[i], true
}

// Tasks returns the tasks in declaration order. The slice is a copy; the
// tasks are shared and must not be modified.
func (g *Graph) Tasks() []*Task {
	return append([]*Task(nil), g.tasks...)
}

// Successors returns the IDs of the tasks that depend on id, in declaration
// order; nil for an unknown id.
func (g *Graph) Successors(id string) []string {
	i, ok := g.index[id]
	if !ok {
		return nil
	}
	return g.ids(g.succ[i])
}

// Predecessors returns the IDs of the tasks id depends on, in the order of
// its Deps; nil for an unknown id.
func (g *Graph) Predecessors(id string) []string {
	i, ok := g.index[id]
	if !ok {
		return nil
	}
	return g.ids(g.pred[i])
}

// Edges returns every edge as {dependency, dependent}, ordered by the
// dependency's declaration, then the dependent's.
func (g *Graph) Edges() [][2]string {
	out := make([][2]string, 0, g.edges)
	for u, ss := range g.succ {
		for _, v := range ss {
			out = append(out, [2]string{g.tasks[u].ID, g.tasks[v].ID})
		}
	}
	return out
}

func (g *Graph) ids(idx []int32) []string {
	out := make([]string, len(idx))
	for i, v := range idx {
		out[i] = g.tasks[v].ID
	}
	return out
}

// Lib returns the graph in github.com/dominikbraun/graph form, keyed by task
// ID, with an edge from each dependency to its dependent. It is built on the
// first call (about 0.04s and 22 MB for 10,000 tasks, 0.7s and 220 MB for
// 100,000) and shared afterwards: treat it as read-only, since changes to it
// don't reach this Graph.
func (g *Graph) Lib() graph.Graph[string, *Task] {
	g.libOnce.Do(func() { g.lib = g.buildLib() })
	return g.lib
}

func (g *Graph) buildLib() graph.Graph[string, *Task] {
	// No graph.PreventCycles: its check is a search per edge, and New has
	// already proved the graph acyclic.
	lg := graph.New(func(t *Task) string { return t.ID }, graph.Directed())
	for _, t := range g.tasks {
		// Can't fail: IDs are unique and the store starts empty.
		_ = lg.AddVertex(t)
	}
	for u, ss := range g.succ {
		for _, v := range ss {
			// Can't fail: both ends exist and edges are deduplicated.
			_ = lg.AddEdge(g.tasks[u].ID, g.tasks[v].ID)
		}
	}
	return lg
}
