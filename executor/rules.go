package executor

import (
	"math"
	"time"

	"github.com/weirflow/weir/dag"
)

// The rules below decide a task's cap and a retry's wait. The scheduler
// applies them, and every view that explains a run (the live terminal
// view, the page) asks them rather than keeping a copy that could drift.

// PoolBudget is the run's memory budget as it applies to pool p: the
// budget for a local pool, 0 (none) for a Slurm pool, whose jobs run on
// other machines.
func PoolBudget(p *dag.Pool, budget int64) int64 {
	if !Budgeted(p) {
		return 0
	}
	return budget
}

// ShareCap is the cap of a task of p that declares no memory: an equal
// share of its pool's memory, or else of the budget, so that a full pool
// of such tasks fits; 0 (no cap) when neither is set. A pool share is
// clamped to the budget so that it can always start.
func ShareCap(p *dag.Pool, budget int64) int64 {
	budget = PoolBudget(p, budget)
	procs := int64(max(p.Processes, 1))
	switch {
	case p.Memory > 0 && budget > 0:
		return min(p.Memory/procs, budget)
	case p.Memory > 0:
		return p.Memory / procs
	case budget > 0:
		return budget / procs
	}
	return 0
}

// FirstCap is the cap t's first attempt takes in p: its own, or the
// share of one that declares none.
func FirstCap(t *dag.Task, p *dag.Pool, budget int64) int64 {
	if t.Memory > 0 {
		return t.Memory
	}
	return ShareCap(p, budget)
}

// CapBeside is the cap a task holding cap is admitted with while live
// segments hold held bytes of the budget. A task that declared no memory
// shrinks to a share of what the segments leave: a share of the whole
// budget could never fit beside them, and the task did not ask for more.
// A declared cap is never changed.
func CapBeside(t *dag.Task, p *dag.Pool, budget, cap, held int64) int64 {
	budget = PoolBudget(p, budget)
	if t.Memory != 0 || budget == 0 || held == 0 {
		return cap
	}
	if share := (budget - held) / int64(max(p.Processes, 1)); share > 0 && share < cap {
		return share
	}
	return cap
}

// BackoffDelay is the wait before the next attempt after failed failures:
// b, doubled for each failure after the first, saturating rather than
// overflowing.
func BackoffDelay(b time.Duration, failed int) time.Duration {
	d := max(b, 0)
	for i := 1; i < failed && d > 0; i++ {
		if d > math.MaxInt64/2 {
			return math.MaxInt64
		}
		d *= 2
	}
	return d
}
