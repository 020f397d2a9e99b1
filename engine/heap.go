package engine

import (
	"runtime/debug"
	"runtime/metrics"
)

// A run allocates a little for every task (its events, its result) and
// keeps little of it, so at the default target the collector runs often
// against a small live heap: 2% of the wall time of 1,000 short tasks on
// two cores. A small run can afford a larger heap, so during a run the
// target is raised as far as keeps the heap goal, reckoned from the live
// heap the last collection found, under runHeapBudget; never below the
// default, never above maxRunGCPercent. From about 5,000 tasks on the live
// heap nears the budget and the target stays near the default: at 10,000
// tasks the engine's RSS is what it was without (114-124 MiB).
const (
	runHeapBudget   = 64 << 20
	maxRunGCPercent = 400
)

// setRunGCPercent sets the collector target for the run and returns a
// function that puts the previous one back.
func setRunGCPercent() (restore func()) {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	var live uint64
	if s[0].Value.Kind() == metrics.KindUint64 {
		live = s[0].Value.Uint64()
	}
	old := debug.SetGCPercent(runGCPercent(live))
	return func() { debug.SetGCPercent(old) }
}

// runGCPercent is the target that fits a heap of live bytes into
// runHeapBudget, within [100, maxRunGCPercent].
func runGCPercent(live uint64) int {
	if live == 0 {
		return maxRunGCPercent
	}
	p := int(100*runHeapBudget/live) - 100
	return min(max(p, 100), maxRunGCPercent)
}
