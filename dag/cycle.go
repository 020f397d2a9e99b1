package dag

import (
	"math"
	"strconv"
	"strings"
)

// maxNodes bounds the graph so that int32 indices and offsets can't wrap.
const maxNodes = math.MaxInt32

// CycleError reports a dependency cycle. Path starts and ends with the same
// ID, beginning at the cycle's first-declared member: ["a", "b", "a"] for a
// waits for b waits for a; ["a", "a"] for a task that waits for itself.
type CycleError struct {
	Path []string
}

func (e *CycleError) Error() string {
	return "cycle: " + strings.Join(e.Path, " -> ")
}

// SortIndex orders the nodes 0..n-1 of a small index-level graph
// topologically, where succ[u] lists the nodes that must come after u and n
// is the larger of len(names) and len(succ). The order is stable: of the
// nodes that are ready, the lowest index comes first, so an order that is
// already valid is kept as it is. Successors outside 0..n-1 are ignored;
// duplicates are harmless.
//
// On a cycle it returns a nil order and a *CycleError naming one cycle with
// names (a node without a name is shown as "#i"). Note that assigning a nil
// *CycleError to an error gives a non-nil error: test the pointer.
func SortIndex(names []string, succ [][]int32) ([]int32, *CycleError) {
	n := max(len(names), len(succ))
	if int64(n) > maxNodes {
		// Unreachable in practice (it wouldn't fit in memory); int32
		// indices can't name such a graph, so refuse rather than wrap.
		return nil, &CycleError{Path: []string{"#too-many-nodes"}}
	}
	order, cyc := sortNodes(n, succ)
	if cyc == nil {
		return order, nil
	}
	path := make([]string, len(cyc))
	for i, v := range cyc {
		if int(v) < len(names) {
			path[i] = names[v]
		} else {
			path[i] = "#" + strconv.Itoa(int(v))
		}
	}
	return nil, &CycleError{Path: path}
}

// sortIndex is SortIndex for a graph whose node count is len(succ).
func sortIndex(succ [][]int32) (order, cycle []int32) {
	return sortNodes(len(succ), succ)
}

// sortNodes is Kahn's algorithm with a min-heap of ready nodes, which makes
// it stable at O((V+E) log V). On a cycle it returns the cycle as a closed
// walk of node indices (first == last).
func sortNodes(n int, succ [][]int32) (order, cycle []int32) {
	indeg := make([]int32, n)
	for _, ss := range succ {
		for _, v := range ss {
			if v >= 0 && int(v) < n {
				indeg[v]++
			}
		}
	}
	// Sources in increasing order already form a valid min-heap.
	ready := make(minHeap, 0, 64)
	for v := range n {
		if indeg[v] == 0 {
			ready = append(ready, int32(v))
		}
	}
	order = make([]int32, 0, n)
	for len(ready) > 0 {
		u := ready.pop()
		order = append(order, u)
		if int(u) >= len(succ) {
			continue
		}
		for _, v := range succ[u] {
			if v < 0 || int(v) >= n {
				continue
			}
			indeg[v]--
			if indeg[v] == 0 {
				ready.push(v)
			}
		}
	}
	if len(order) == n {
		return order, nil
	}
	return nil, findCycle(n, succ, indeg)
}

// findCycle finds a cycle among the nodes Kahn's algorithm couldn't place
// (indeg > 0) by an iterative depth-first search, so that long chains can't
// exhaust the stack. Every unplaced node waits for another unplaced node, so
// there is always a cycle to find. It is rotated to start at its lowest
// index, so the report doesn't depend on where the search began.
func findCycle(n int, succ [][]int32, indeg []int32) []int32 {
	const (
		white = iota
		grey  // on the stack
		black // done, or placed by Kahn
	)
	color := make([]uint8, n)
	for v := range n {
		if indeg[v] == 0 {
			color[v] = black
		}
	}
	var stack []int32 // nodes on the current path
	var next []int    // next successor to look at, per stack entry
	for start := range n {
		if color[start] != white {
			continue
		}
		stack = append(stack[:0], int32(start))
		next = append(next[:0], 0)
		color[start] = grey
		for len(stack) > 0 {
			top := len(stack) - 1
			u := stack[top]
			var ss []int32
			if int(u) < len(succ) {
				ss = succ[u]
			}
			if next[top] == len(ss) {
				color[u] = black
				stack, next = stack[:top], next[:top]
				continue
			}
			v := ss[next[top]]
			next[top]++
			if v < 0 || int(v) >= n {
				continue
			}
			switch color[v] {
			case white:
				color[v] = grey
				stack = append(stack, v)
				next = append(next, 0)
			case grey:
				i := len(stack) - 1
				for stack[i] != v {
					i--
				}
				return closeCycle(stack[i:])
			}
		}
	}
	return nil // unreachable when indeg is Kahn's leftover
}

// closeCycle rotates a cycle to start at its lowest node and repeats that
// node at the end.
func closeCycle(c []int32) []int32 {
	lo := 0
	for i, v := range c {
		if v < c[lo] {
			lo = i
		}
	}
	out := make([]int32, 0, len(c)+1)
	out = append(out, c[lo:]...)
	out = append(out, c[:lo]...)
	return append(out, c[lo])
}

// minHeap is a binary min-heap of node indices, hand-rolled to keep
// container/heap's interface calls off the sort's hot path.
type minHeap []int32

func (h *minHeap) push(v int32) {
	s := append(*h, v)
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p] <= v {
			break
		}
		s[i] = s[p]
		i = p
	}
	s[i] = v
	*h = s
}

func (h *minHeap) pop() int32 {
	s := *h
	top := s[0]
	last := s[len(s)-1]
	s = s[:len(s)-1]
	i := 0
	for {
		c := 2*i + 1
		if c >= len(s) {
			break
		}
		if c+1 < len(s) && s[c+1] < s[c] {
			c++
		}
		if last <= s[c] {
			break
		}
		s[i] = s[c]
		i = c
	}
	if len(s) > 0 {
		s[i] = last
	}
	*h = s
	return top
}
