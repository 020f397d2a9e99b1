package engine

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
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
//
// The target follows the live heap after every collection: a workflow of a
// few lines can expand to 100,000 tasks while it loads, and a target set
// once, for the small heap before, let the heap grow to five times the
// plan's.
const (
	runHeapBudget   = 64 << 20
	maxRunGCPercent = 400
)

// heapTuner sets the collector's target after every collection while it
// has users.
var heapTuner struct {
	mu    sync.Mutex
	users int
	prev  int // the target before the first user
	gen   int // which tuning is current; a finalizer of an older one stops
	plan  planHeap
}

// TuneHeap keeps the collector's target at runGCPercent of the live heap,
// from now until the returned function is called; the target in force
// before is then restored. Calls nest: the outermost restores, and each
// sets the target at once, over one that code in between set for itself
// (loading a small file sets a high one).
func TuneHeap() (restore func()) {
	heapTuner.mu.Lock()
	defer heapTuner.mu.Unlock()
	heapTuner.users++
	prev := debug.SetGCPercent(tunedPercent())
	if heapTuner.plan.on {
		prev = heapTuner.plan.prevPercent
	}
	if heapTuner.users == 1 {
		heapTuner.gen++
		heapTuner.prev = prev
		armHeapTuner(heapTuner.gen)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			heapTuner.mu.Lock()
			defer heapTuner.mu.Unlock()
			if heapTuner.users--; heapTuner.users == 0 {
				heapTuner.gen++
				if heapTuner.plan.on {
					heapTuner.plan.prevPercent = heapTuner.prev
					return
				}
				debug.SetGCPercent(heapTuner.prev)
			}
		})
	}
}

// gcSentinel is garbage from birth: its finalizer runs after the next
// collection. It holds a pointer so that it is not a tiny allocation,
// which may never be finalized.
type gcSentinel struct{ gen *int }

func armHeapTuner(gen int) {
	s := &gcSentinel{gen: &gen}
	runtime.SetFinalizer(s, func(s *gcSentinel) {
		heapTuner.mu.Lock()
		defer heapTuner.mu.Unlock()
		if heapTuner.users == 0 || heapTuner.gen != *s.gen {
			return
		}
		endPlanHeapLocked() // a collection ran: the plan's heap reached its limit
		debug.SetGCPercent(runGCPercent(liveHeap()))
		armHeapTuner(*s.gen)
	})
}

// liveHeap is the heap the last collection found live; 0 before the first.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		return s[0].Value.Uint64()
	}
	return 0
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
