package dag

import (
	"slices"
	"strconv"
)

// ExportOptions choose what WriteDOT, WriteMermaid and WriteJSON draw.
type ExportOptions struct {
	// Full draws every edge; otherwise those of the transitive reduction
	// (see Reduce), which says the same with less clutter, plus every edge
	// that carries a segment.
	Full bool
	// Stages draws one node per stage instead of one per task: a for_each
	// stage becomes "stage ×N", and edges between stages are drawn once.
	// Edges between instances of the same stage are left out.
	Stages bool
}

// view is what the writers draw: nodes and edges after the options applied.
type view struct {
	ids     []string // node IDs: task IDs, or stage names
	labels  []string
	edges   []viewEdge // by from's index, then to's
	reduced bool       // edges are a transitive reduction
	skipped bool       // reduction was asked for but the graph is too large

	// Stage view only: tasks per stage, and whether it is a for_each stage.
	count []int
	keyed []bool
}

type viewEdge struct {
	from, to int32
	segments []string // output names that flow along the edge, in order of first use
}

func newView(g *Graph, o ExportOptions) *view {
	if o.Stages {
		return stageView(g, o)
	}
	v := &view{ids: make([]string, len(g.tasks))}
	for i, t := range g.tasks {
		v.ids[i] = t.ID
	}
	v.labels = v.ids
	succ := g.succ
	switch {
	case o.Full:
	case len(g.tasks) > ReduceLimit:
		v.skipped = true
	default:
		succ = reduceIndex(g.succ, g.topo)
		v.reduced = true
	}
	v.edges = make([]viewEdge, 0, g.edges)
	for u, all := range g.succ {
		for _, s := range all {
			segs := segmentsFrom(g.tasks[s], g.tasks[u].ID, nil)
			// A reduction drops an edge that a longer path implies, but an
			// edge that carries data says more than ordering: keep it.
			if v.reduced && segs == nil && !slices.Contains(succ[u], s) {
				continue
			}
			v.edges = append(v.edges, viewEdge{from: int32(u), to: s, segments: segs})
		}
	}
	return v
}

// stageView collapses tasks into their stages, in order of each stage's
// first task.
func stageView(g *Graph, o ExportOptions) *view {
	v := &view{}
	stageIdx := map[string]int32{}
	of := make([]int32, len(g.tasks)) // task -> stage
	for i, t := range g.tasks {
		s, ok := stageIdx[t.Stage]
		if !ok {
			s = int32(len(v.ids))
			stageIdx[t.Stage] = s
			v.ids = append(v.ids, t.Stage)
			v.count = append(v.count, 0)
			v.keyed = append(v.keyed, false)
		}
		of[i] = s
		v.count[s]++
		v.keyed[s] = v.keyed[s] || t.Keyed
	}
	v.labels = make([]string, len(v.ids))
	for s, name := range v.ids {
		v.labels[s] = name
		if v.keyed[s] {
			v.labels[s] = name + " ×" + strconv.Itoa(v.count[s])
		}
	}

	// Deduplicate task edges into stage edges, gathering their segments.
	ns := len(v.ids)
	succ := make([][]int32, ns)
	segs := map[[2]int32][]string{}
	for u, ss := range g.succ {
		for _, t := range ss {
			a, b := of[u], of[t]
			if a == b {
				continue
			}
			k := [2]int32{a, b}
			have, ok := segs[k]
			if !ok {
				succ[a] = append(succ[a], b)
			}
			segs[k] = segmentsFrom(g.tasks[t], g.tasks[u].ID, have)
		}
	}
	for _, ss := range succ {
		slices.Sort(ss)
	}

	// Instances can make stages wait for each other both ways (a[x] -> b ->
	// a[y]); such a stage graph has no reduction, so it is drawn whole.
	kept := succ
	if !o.Full {
		if topo, cyc := sortIndex(succ); cyc == nil && ns <= ReduceLimit {
			kept = reduceIndex(succ, topo)
			v.reduced = true
		}
	}
	for a, ss := range succ {
		for _, b := range ss {
			k := [2]int32{int32(a), b}
			// Edges that carry data stay, as in the task view.
			if v.reduced && segs[k] == nil && !slices.Contains(kept[a], b) {
				continue
			}
			v.edges = append(v.edges, viewEdge{from: int32(a), to: b, segments: segs[k]})
		}
	}
	return v
}

// segmentsFrom appends to have the names of dep's outputs that t reads,
// skipping names already there.
func segmentsFrom(t *Task, dep string, have []string) []string {
	for _, in := range t.Inputs {
		for _, r := range in.From {
			if r.Task != dep || containsString(have, r.Output) {
				continue
			}
			have = append(have, r.Output)
		}
	}
	return have
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
