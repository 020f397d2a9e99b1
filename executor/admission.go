package executor

import (
	"container/heap"
	"errors"
	"fmt"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/internal/units"
)

// Admission. A ready task starts when its pool has a free slot, its cap fits
// beside the caps of the pool's running tasks (when the pool has memory),
// and, for local pools, beside the caps of every running local task within
// Options.Budget.
//
// Order: ready tasks are taken longest remaining path first (dag's
// Remaining with Task.Weight), ties in declaration order, across pools. The
// rule for a task that does not fit is strict, with no backfill:
//
//   - a pool whose best ready task does not fit its pool memory or the
//     budget starts nothing else until that task has started;
//   - a task that does not fit the budget also stops every later task (in
//     priority order, any pool) that would take budget.
//
// So a big task can never be starved by a stream of small ones: from the
// moment it is first in line, the memory it waits for only drains. Slots
// and memory idle meanwhile are the price; backfill would need run-time
// estimates the plan only has as hints. A pool that is merely full does not
// block anyone: its tasks wait for its own slots.

// poolRun is a pool's state in this run.
type poolRun struct {
	p        *dag.Pool
	runner   Runner
	budgeted bool // counts against Options.Budget
	index    int  // in scheduler.pools
	running  int
	memory   int64 // sum of the caps of its running tasks
	ready    readyHeap
	// Slots number the pool's running attempts, for names that outlive
	// an attempt, such as the temporary directory its runner reuses:
	// freed slots are taken again latest first.
	freeSlots []int
	slots     int // slots ever taken
}

// Budgeted reports whether p's tasks count against the global memory
// budget: those of local pools do; Slurm jobs run on other machines.
func Budgeted(p *dag.Pool) bool { return p.Executor != "slurm" }

// CapError is a task whose memory cap could never fit its pool or the
// budget, found before anything starts.
type CapError struct {
	Task  string
	Cap   int64  // bytes
	Limit int64  // bytes
	What  string // `pool "cpu" memory` or "the memory budget"
}

func (e *CapError) Error() string {
	return fmt.Sprintf("executor: task %q could never start: its memory cap of %s is more than %s (%s)",
		e.Task, units.Size(e.Cap), e.What, units.Size(e.Limit))
}

// shareBesideSegments shrinks a share cap to what live segments leave of
// the budget (see CapBeside).
func (s *scheduler) shareBesideSegments(p *poolRun, t *taskRun) {
	t.cap = CapBeside(t.t, p.p, s.o.Budget, t.cap, s.segmentBytes())
}

// budget is the global budget as it applies to p: 0 = none.
func (s *scheduler) budget(p *poolRun) int64 {
	return PoolBudget(p.p, s.o.Budget)
}

// capLimit is the largest cap a task of p can ever hold: the smaller of
// its pool's memory and the budget, 0 = unbounded.
func (s *scheduler) capLimit(p *poolRun) int64 {
	limit, budget := p.p.Memory, s.budget(p)
	if limit == 0 || (budget > 0 && budget < limit) {
		limit = budget
	}
	return limit
}

// checkCaps sets every task's first cap and fails, naming each, when a cap
// is larger than its pool's memory or the budget.
func (s *scheduler) checkCaps() error {
	var errs []error
	for _, t := range s.tasks {
		p := t.pool
		t.cap = FirstCap(t.t, p.p, s.o.Budget)
		switch budget := s.budget(p); {
		case p.p.Memory > 0 && t.cap > p.p.Memory:
			errs = append(errs, &CapError{Task: t.t.ID, Cap: t.cap, Limit: p.p.Memory, What: fmt.Sprintf("pool %q memory", p.p.Name)})
		case budget > 0 && t.cap > budget:
			errs = append(errs, &CapError{Task: t.t.ID, Cap: t.cap, Limit: budget, What: "the memory budget"})
		}
	}
	errs = append(errs, s.checkOutputRoom()...)
	return errors.Join(errs...)
}

// admit starts ready tasks while they fit, in the order described above.
func (s *scheduler) admit() {
	blocked := make([]bool, len(s.pools))
	budgetBlocked := false
	for s.halt == "" {
		var best *poolRun
		for _, p := range s.pools {
			if blocked[p.index] || p.running >= p.p.Processes || len(p.ready) == 0 {
				continue
			}
			head := p.ready[0]
			if budgetBlocked && p.budgeted && head.cap > 0 {
				continue
			}
			if best == nil || head.before(best.ready[0]) {
				best = p
			}
		}
		if best == nil {
			return
		}
		t := best.ready[0]
		if best.p.Memory > 0 && best.memory+t.cap > best.p.Memory {
			blocked[best.index] = true
			continue
		}
		s.shareBesideSegments(best, t)
		if budget := s.budget(best); budget > 0 && s.budgetUsed+s.segmentBytes()+t.cap > budget {
			if s.running == 0 {
				// Only live segments stand in the way, and nothing runs
				// that could release them: waiting would never end.
				t.stuck = fmt.Sprintf("its cap of %s does not fit the memory budget of %s beside %s of live segments in shm_dir, which is RAM; raise memory_budget or put shm_dir on a disk",
					units.Size(t.cap), units.Size(budget), units.Size(s.segmentBytes()))
			} else {
				blocked[best.index] = true
				budgetBlocked = true
				continue
			}
		}
		if why := s.roomFor(t); why != "" && t.stuck == "" {
			if s.running == 0 {
				t.stuck = why
			} else {
				blocked[best.index] = true
				continue
			}
		}
		heap.Pop(&best.ready)
		s.start(t)
	}
}

// reserve takes a slot and t's cap for an attempt; release gives them back.
func (s *scheduler) reserve(t *taskRun) {
	p := t.pool
	t.held = t.cap
	s.segs.writing += declared(t.t)
	p.running++
	if n := len(p.freeSlots); n > 0 {
		t.slot, p.freeSlots = p.freeSlots[n-1], p.freeSlots[:n-1]
	} else {
		t.slot, p.slots = p.slots, p.slots+1
	}
	p.memory += t.held
	if p.budgeted {
		s.budgetUsed += t.held
	}
	s.running++
}

func (s *scheduler) release(t *taskRun) {
	p := t.pool
	s.segs.writing -= declared(t.t)
	p.running--
	p.freeSlots = append(p.freeSlots, t.slot)
	p.memory -= t.held
	if p.budgeted {
		s.budgetUsed -= t.held
	}
	s.running--
	t.held = 0
}

// before reports whether t goes before u: longer remaining path, then
// earlier declaration.
func (t *taskRun) before(u *taskRun) bool {
	if t.prio != u.prio {
		return t.prio > u.prio
	}
	return t.idx < u.idx
}

func (p *poolRun) push(t *taskRun) { heap.Push(&p.ready, t) }

// readyHeap holds a pool's admissible ready tasks, best first.
type readyHeap []*taskRun

func (h readyHeap) Len() int           { return len(h) }
func (h readyHeap) Less(i, j int) bool { return h[i].before(h[j]) }
func (h readyHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *readyHeap) Push(x any)        { *h = append(*h, x.(*taskRun)) }
func (h *readyHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}
