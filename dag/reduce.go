package dag

import "slices"

// ReduceLimit is the largest graph Reduce reduces. Reduction keeps a
// reachability bitset per task, n²/8 bytes in all: 50 MB at this size.
const ReduceLimit = 20000

// Reduce returns the edges of the transitive reduction, the fewest edges with
// the same reachability: an edge a -> c goes when a -> b -> ... -> c says the
// same. It is for display; runs use every edge. Edges are ordered by the
// dependency's declaration, then the dependent's.
//
// Above ReduceLimit tasks it returns every edge and reduced == false.
func (g *Graph) Reduce() (edges [][2]string, reduced bool) {
	if len(g.tasks) > ReduceLimit {
		return g.Edges(), false
	}
	kept := reduceIndex(g.succ, g.topo)
	for u, ss := range kept {
		for _, v := range ss {
			edges = append(edges, [2]string{g.tasks[u].ID, g.tasks[v].ID})
		}
	}
	return edges, true
}

// reduceIndex returns, for each node, the successors that stay in the
// transitive reduction, in their order in succ (a duplicated edge stays
// once). topo must be a topological order of succ.
//
// Nodes are visited in reverse topological order, so the nodes a node can
// reach are done before it. A node's successors are taken nearest first (by
// topological position): one that is already reachable through an earlier
// one is redundant, since any path to it goes through nodes before it.
// Cost: O(V + E·V/64) time, V²/8 bytes.
func reduceIndex(succ [][]int32, topo []int32) [][]int32 {
	n := len(succ)
	words := (n + 63) / 64
	reach := make([]uint64, n*words) // row v: v and everything after it
	pos := make([]int32, n)
	for i, v := range topo {
		pos[v] = int32(i)
	}
	total := 0
	for _, ss := range succ {
		total += len(ss)
	}
	flat := make([]int32, 0, total)
	kept := make([][]int32, n)
	keep := make([]bool, n) // scratch: is successor v of the current node kept?
	var near []int32        // scratch: successors, nearest first
	for i := len(topo) - 1; i >= 0; i-- {
		u := topo[i]
		row := reach[int(u)*words : int(u+1)*words]
		near = append(near[:0], succ[u]...)
		slices.SortFunc(near, func(a, b int32) int { return int(pos[a] - pos[b]) })
		for _, v := range near {
			if row[v/64]&(1<<(v%64)) != 0 {
				continue
			}
			keep[v] = true
			for w, bits := range reach[int(v)*words : int(v+1)*words] {
				row[w] |= bits
			}
		}
		row[u/64] |= 1 << (u % 64)
		start := len(flat)
		for _, v := range succ[u] {
			if keep[v] {
				flat = append(flat, v)
				keep[v] = false
			}
		}
		kept[u] = flat[start:len(flat):len(flat)]
	}
	return kept
}
