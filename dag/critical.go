package dag

import (
	"math"
	"time"
)

// Remaining returns, for each task in declaration order (like Tasks), the
// longest time from its start to the end of the graph: its own weight plus
// the largest Remaining of the tasks that depend on it. A nil weight means
// Task.Weight; negative weights count as zero, and sums saturate instead of
// overflowing.
func (g *Graph) Remaining(weight func(*Task) time.Duration) []time.Duration {
	return g.remaining(weight)
}

func (g *Graph) remaining(weight func(*Task) time.Duration) []time.Duration {
	if weight == nil {
		weight = (*Task).Weight
	}
	rem := make([]time.Duration, len(g.tasks))
	for i := len(g.topo) - 1; i >= 0; i-- {
		v := g.topo[i]
		var tail time.Duration
		for _, s := range g.succ[v] {
			tail = max(tail, rem[s])
		}
		rem[v] = addSat(max(weight(g.tasks[v]), 0), tail)
	}
	return rem
}

// CriticalPath returns a longest chain of dependent tasks by weight, first
// task first, and its total weight. Where several chains tie, it takes the
// first-declared task at each step. A nil weight means Task.Weight.
func (g *Graph) CriticalPath(weight func(*Task) time.Duration) ([]*Task, time.Duration) {
	if len(g.tasks) == 0 {
		return nil, 0
	}
	rem := g.remaining(weight)
	// The longest chain starts at a task without dependencies: with weights
	// of zero or more, a dependency's Remaining is at least its dependent's.
	start := int32(-1)
	for v := range g.tasks {
		if len(g.pred[v]) == 0 && (start < 0 || rem[v] > rem[start]) {
			start = int32(v)
		}
	}
	path := []*Task{g.tasks[start]}
	for v := start; len(g.succ[v]) > 0; {
		next := g.succ[v][0]
		for _, s := range g.succ[v][1:] {
			if rem[s] > rem[next] {
				next = s
			}
		}
		path = append(path, g.tasks[next])
		v = next
	}
	return path, rem[start]
}

// addSat adds two non-negative durations, stopping at the largest one.
func addSat(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
