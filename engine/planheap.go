package engine

import (
	"runtime/debug"
	"sync/atomic"
	"time"
)

// A resume allocates its plan, the plan's graph, its decision and the
// scheduler's state before its first task starts: about a gigabyte at a
// million tasks, nearly all of it live until the run ends. The collector,
// run each time that heap doubled, took a fifth of the CPU to the first
// task (1.3 s of 6.3 s at a million tasks, bench/bigstore). From PlanHeap
// to the start of the first attempt the collector is off, with a memory
// limit as a backstop: a heap that reaches it is collected, and that
// collection ends the plan's phase (the heap tuner sees it), so a plan
// larger than the limit costs collections as before, never more. A resume
// that only reattaches to running tasks starts no attempt, and may then
// follow them for hours: planHeapMax after PlanHeap the phase ends
// whatever happened, so such an engine never gathers gigabytes of garbage
// on a shared machine. The run's start, recorded once
// the scheduler is set up, would end it too early for the first task: the
// collection that follows, of the whole plan, would run beside its start.
const planHeapLimit = 3 << 30

// planHeapMax is the longest the plan's phase lasts: a million tasks take
// seconds to plan, a reattaching engine allocates little in a minute.
var planHeapMax = time.Minute

type planHeap struct {
	on          bool
	prevPercent int         // the target before PlanHeap
	prevLimit   int64       // the memory limit before PlanHeap
	timer       *time.Timer // ends the phase at planHeapMax
}

// planning is heapTuner.plan.on, read without the lock on every attempt
// start.
var planning atomic.Bool

// PlanHeap turns the collector off until the first attempt starts (the
// run's journal ends it) or end is called, whichever comes first; the
// target and the memory limit in force before are then restored, or the
// heap tuner's target while TuneHeap is in force. A smaller memory limit
// set by the user (GOMEMLIMIT) is kept.
func PlanHeap() (end func()) {
	heapTuner.mu.Lock()
	defer heapTuner.mu.Unlock()
	if heapTuner.plan.on {
		return func() {} // the outer call ends it
	}
	limit := debug.SetMemoryLimit(-1) // reads it
	heapTuner.plan = planHeap{on: true, prevLimit: limit}
	heapTuner.plan.prevPercent = debug.SetGCPercent(-1)
	if heapTuner.users > 0 {
		heapTuner.plan.prevPercent = heapTuner.prev
	}
	debug.SetMemoryLimit(min(limit, planHeapLimit))
	heapTuner.plan.timer = time.AfterFunc(planHeapMax, endPlanHeap)
	planning.Store(true)
	return endPlanHeap
}

// PlanningHeap reports whether the collector is off for a plan
// (PlanHeap): code that sets a target of its own for a while must not.
func PlanningHeap() bool { return planning.Load() }

// endPlanHeap ends the plan's phase, if it is on.
func endPlanHeap() {
	if !planning.Load() {
		return
	}
	heapTuner.mu.Lock()
	defer heapTuner.mu.Unlock()
	endPlanHeapLocked()
}

func endPlanHeapLocked() {
	if !heapTuner.plan.on {
		return
	}
	p := heapTuner.plan
	p.timer.Stop()
	heapTuner.plan = planHeap{}
	planning.Store(false)
	debug.SetMemoryLimit(p.prevLimit)
	if heapTuner.users > 0 {
		debug.SetGCPercent(runGCPercent(liveHeap()))
	} else {
		debug.SetGCPercent(p.prevPercent)
	}
}

// tunedPercent is the heap tuner's target: off during the plan's phase.
func tunedPercent() int {
	if heapTuner.plan.on {
		return -1
	}
	return runGCPercent(liveHeap())
}
