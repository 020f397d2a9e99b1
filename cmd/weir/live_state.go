package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/internal/units"
)

// liveState is what the live view knows of a run, built from the plan and
// the run's events alone, the same events the store keeps. It is owned by
// the view's goroutine, never touched by the engine's.
type liveState struct {
	plan    *dag.Plan
	runDir  string
	budget  int64 // the run's memory budget, 0 = none
	runID   string
	started time.Time
	ended   time.Time // zero while the run goes on
	outcome string    // the run_ended message

	tasks      map[string]*liveTask
	order      []*liveTask        // declaration order
	byRank     []*liveTask        // the scheduler's order: longest remaining path first
	ready      bitset             // the ready tasks, by rank
	pending    bitset             // the pending tasks, by declaration order
	retrying   map[*liveTask]bool // ready tasks with a backoff to wait out
	counts     map[event.TaskState]int
	pools      map[string]*livePool
	running    map[*liveTask]bool
	budgetUsed int64 // caps of running tasks in budgeted pools
	peakBudget int64
	peakTasks  int // most tasks running at once

	failures       []liveFailure // the newest few, oldest first
	failedAttempts int

	// Segments as the scheduler counts them (executor/segments.go): where
	// shm_dir is RAM, a committed segment holds budget until its last
	// reader has succeeded.
	inRAM    bool
	shmFree  func() (int64, bool) // free bytes in shm_dir now; nil: unknown
	readers  map[dag.SegmentRef]int
	outputs  map[dag.SegmentRef]dag.Output
	live     map[dag.SegmentRef]int64
	segBytes int64
}

// maxFailures bounds the failures the view keeps for its panel; each is
// also printed into the scrollback when it happens.
const maxFailures = 20

type liveTask struct {
	t       *dag.Task
	idx     int           // declaration order, the scheduler's tie-break
	rank    int           // place in the scheduler's order (byRank)
	prio    time.Duration // longest remaining path, the scheduler's order
	state   event.TaskState
	attempt int       // the running attempt, or the next one while ready
	cap     int64     // the cap of that attempt
	since   time.Time // when it entered its state (running: its attempt started)
	wake    time.Time // ready after a failure: when the retry backoff ends
}

type livePool struct {
	p       *dag.Pool
	running int
	memory  int64 // caps of its running tasks
	ready   int   // its ready tasks
}

// liveFailure is a failed attempt as the view shows it.
type liveFailure struct {
	at       time.Time
	task     string
	attempt  int
	attempts int
	what     string   // describe(result)
	log      string   // the log file the tail comes from
	tail     []string // its last lines
}

func newLiveState(plan *dag.Plan, runDir string, budget int64) *liveState {
	s := &liveState{
		plan:     plan,
		runDir:   runDir,
		budget:   budget,
		tasks:    make(map[string]*liveTask, len(plan.Tasks)),
		counts:   map[event.TaskState]int{event.Pending: len(plan.Tasks)},
		pools:    map[string]*livePool{},
		running:  map[*liveTask]bool{},
		retrying: map[*liveTask]bool{},
		pending:  newBitset(len(plan.Tasks)),
		ready:    newBitset(len(plan.Tasks)),
		readers:  map[dag.SegmentRef]int{},
		outputs:  map[dag.SegmentRef]dag.Output{},
		live:     map[dag.SegmentRef]int64{},
	}
	var rem []time.Duration
	if plan.Graph != nil && plan.Graph.Len() == len(plan.Tasks) {
		rem = plan.Graph.Remaining(nil)
	}
	for i, t := range plan.Tasks {
		lt := &liveTask{t: t, idx: i, state: event.Pending}
		if rem != nil {
			lt.prio = rem[i]
		}
		s.tasks[t.ID] = lt
		s.order = append(s.order, lt)
		s.pending.set(i)
		for _, o := range t.Outputs {
			s.outputs[dag.SegmentRef{Task: t.ID, Output: o.Name}] = o
		}
		for _, in := range t.Inputs {
			for _, ref := range in.From {
				s.readers[ref]++
			}
		}
		if s.pools[t.Pool] == nil {
			p := plan.Pool(t.Pool)
			if p == nil {
				p = &dag.Pool{Name: t.Pool, Processes: 1}
			}
			s.pools[t.Pool] = &livePool{p: p}
		}
	}
	// The priorities never change, so neither does the scheduler's order
	// of the tasks: the ready ones are walked in it without a sort.
	s.byRank = slices.Clone(s.order)
	slices.SortStableFunc(s.byRank, func(a, b *liveTask) int { return -compareDur(a.prio, b.prio) })
	for r, t := range s.byRank {
		t.rank = r
	}
	return s
}

// apply takes one event in. It returns the failure the event reports, if
// any, for the view to print where it stays.
func (s *liveState) apply(e event.Event) *liveFailure {
	switch e.Kind {
	case event.RunStarted:
		s.runID, s.started = e.RunID, e.Time
	case event.RunEnded:
		s.ended, s.outcome = e.Time, e.Message
	case event.TaskChanged:
		s.move(e)
	case event.AttemptStarted:
		if t := s.tasks[e.Task]; t != nil && t.state == event.Running {
			t.since = e.Time // the process runs from here
		}
	case event.AttemptEnded:
		r := e.Result
		if r != nil && r.OK() && s.inRAM {
			for _, c := range e.Outputs {
				ref := dag.SegmentRef{Task: e.Task, Output: c.Name}
				s.segBytes += c.Size - s.live[ref]
				s.live[ref] = c.Size
			}
		}
		if r == nil || r.OK() || r.Reason == event.Cancelled {
			return nil
		}
		s.failedAttempts++
		f := liveFailure{at: e.Time, task: e.Task, attempt: e.Attempt, attempts: 1, what: describe(*r)}
		if t := s.tasks[e.Task]; t != nil {
			f.attempts = max(t.t.Retry.Attempts, 1)
		}
		f.log, f.tail = attemptTail(s.runDir, e.Task, e.Attempt, 5)
		s.failures = append(s.failures, f)
		if len(s.failures) > maxFailures {
			s.failures = slices.Delete(s.failures, 0, len(s.failures)-maxFailures)
		}
		return &f
	}
	return nil
}

// move applies a task's change of state, keeping slots and memory in use
// as the scheduler does: held from running until the task leaves it.
func (s *liveState) move(e event.Event) {
	t := s.tasks[e.Task]
	if t == nil || t.state == e.State {
		return
	}
	s.counts[t.state]--
	s.counts[e.State]++
	if t.state == event.Running {
		s.release(t)
	}
	s.leave(t)
	t.state, t.since, t.wake = e.State, e.Time, time.Time{}
	switch e.State {
	case event.TaskSucceeded, event.Reused:
		s.readersDone(t)
	case event.Running:
		t.attempt, t.cap = e.Attempt, e.Memory
		s.reserve(t)
	case event.Ready:
		t.attempt, t.cap = max(e.Attempt, 1), e.Memory
		if t.cap == 0 {
			t.cap = executor.FirstCap(t.t, s.pools[t.t.Pool].p, s.budget)
		}
		if e.Attempt > 1 {
			t.wake = e.Time.Add(executor.BackoffDelay(t.t.Retry.Backoff, e.Attempt-1))
		}
	}
	s.enter(t)
}

// enter and leave keep the sets of ready and pending tasks, and each
// pool's count of ready ones, as t enters or leaves its state.
func (s *liveState) enter(t *liveTask) {
	switch t.state {
	case event.Pending:
		s.pending.set(t.idx)
	case event.Ready:
		s.ready.set(t.rank)
		s.pools[t.t.Pool].ready++
		if !t.wake.IsZero() {
			s.retrying[t] = true
		}
	}
}

func (s *liveState) leave(t *liveTask) {
	switch t.state {
	case event.Pending:
		s.pending.clear(t.idx)
	case event.Ready:
		s.ready.clear(t.rank)
		s.pools[t.t.Pool].ready--
		delete(s.retrying, t)
	}
}

func (s *liveState) reserve(t *liveTask) {
	p := s.pools[t.t.Pool]
	p.running++
	p.memory += t.cap
	if executor.Budgeted(p.p) {
		s.budgetUsed += t.cap
	}
	s.running[t] = true
	s.peakBudget = max(s.peakBudget, s.budgetUsed)
	s.peakTasks = max(s.peakTasks, len(s.running))
}

func (s *liveState) release(t *liveTask) {
	p := s.pools[t.t.Pool]
	p.running--
	p.memory -= t.cap
	if executor.Budgeted(p.p) {
		s.budgetUsed -= t.cap
	}
	delete(s.running, t)
}

// readersDone releases the segments t was the last reader of, as the
// scheduler does, except those kept or published.
func (s *liveState) readersDone(t *liveTask) {
	for _, in := range t.t.Inputs {
		for _, ref := range in.From {
			if s.readers[ref]--; s.readers[ref] > 0 {
				continue
			}
			if o := s.outputs[ref]; o.Keep || o.Publish != "" {
				continue
			}
			s.segBytes -= s.live[ref]
			delete(s.live, ref)
		}
	}
}

// declaredOutputs is the sum of t's declared output sizes.
func declaredOutputs(t *dag.Task) int64 {
	var n int64
	for _, o := range t.Outputs {
		n += o.Size
	}
	return n
}

func (s *liveState) budgetOf(p *dag.Pool) int64 { return executor.PoolBudget(p, s.budget) }

// Why a ready task waits.
type waitReason int

const (
	waitNext    waitReason = iota // it fits: the scheduler is starting it
	waitSlot                      // its pool runs as many tasks as it may
	waitMemory                    // its cap does not fit its pool's memory or the budget
	waitBackoff                   // a retry waits out its backoff
	waitRoom                      // its declared outputs do not fit shm_dir now
)

// liveWait is a ready task and why it has not started. Its sentence is
// made only for the rows shown (detail): a run can have thousands ready.
type liveWait struct {
	t        *liveTask
	reason   waitReason
	pool     *dag.Pool
	running  int    // waitSlot: tasks the pool runs
	byBudget bool   // waitMemory: the budget is short, not the pool's memory
	free     int64  // waitMemory: what the pool or the budget has free
	limit    int64  // waitMemory: of how much
	blocker  string // waitMemory: the task first in line, when it is not this one
	segments int64  // waitMemory by the budget: what live segments hold of it
	need     int64  // waitMemory: the cap; waitRoom: the declared outputs
	reserved int64  // waitRoom: declared by running producers, of free
	left     time.Duration
}

func (w liveWait) detail() string {
	switch w.reason {
	case waitBackoff:
		return "retry in " + clock(w.left)
	case waitSlot:
		return fmt.Sprintf("pool %s runs %d of %d", w.pool.Name, w.running, w.pool.Processes)
	case waitMemory:
		switch {
		case w.blocker != "" && w.byBudget:
			return "behind " + w.blocker + " for the budget"
		case w.blocker != "":
			return "behind " + w.blocker + " in pool " + w.pool.Name
		case w.byBudget && w.segments > 0:
			return fmt.Sprintf("needs %s; the budget has %s of %s free, segments hold %s",
				units.Size(w.need), units.Size(w.free), units.Size(w.limit), units.Size(w.segments))
		case w.byBudget:
			return fmt.Sprintf("needs %s; the budget has %s of %s free", units.Size(w.need), units.Size(w.free), units.Size(w.limit))
		}
		return fmt.Sprintf("needs %s; pool %s has %s of %s free", units.Size(w.need), w.pool.Name, units.Size(w.free), units.Size(w.limit))
	case waitRoom:
		text := fmt.Sprintf("outputs declare %s; shm_dir has %s free", units.Size(w.need), units.Size(w.free))
		if w.reserved > 0 {
			text += fmt.Sprintf(", running tasks may write %s", units.Size(w.reserved))
		}
		return text
	}
	return "starting"
}

// waits is what the live view shows of the ready tasks: the first few in
// the order the scheduler will start them, each with why it waits, and how
// many wait for each reason.
type waits struct {
	shown  []liveWait
	counts [5]int // by waitReason
	total  int    // ready tasks
}

// waiting finds why the ready tasks wait, by replaying the scheduler's
// admission rule (executor/admission.go) over the slots and memory held
// now: a pool's first task that does not fit its memory holds back the
// rest of that pool, and one that does not fit the budget holds back every
// later task that takes budget. It keeps the first keep of them.
//
// A run can have 100,000 tasks ready, and a frame must not go through them
// all: once every pool with ready tasks left is settled (full, or held
// back), the replay changes nothing more, and each task left waits for its
// pool's reason, or for its backoff; those are counted, not replayed.
func (s *liveState) waiting(now time.Time, keep int) waits {
	type poolSim struct {
		running int
		memory  int64
		blocker string // the task holding the pool back
		seen    int    // its ready tasks replayed
	}
	pools := map[string]*poolSim{}
	for name, p := range s.pools {
		pools[name] = &poolSim{running: p.running, memory: p.memory}
	}
	used := s.budgetUsed
	budgetBlocker := ""
	// settled: nothing can start in the pool any more, so the replay of
	// its later tasks changes nothing. Where the budget applies, every
	// task has a cap (executor.ShareCap), so a budget blocker holds back
	// all of them.
	settled := func(name string, ps *poolSim) bool {
		lp := s.pools[name]
		return ps.seen == lp.ready || ps.running >= lp.p.Processes || ps.blocker != "" ||
			(budgetBlocker != "" && s.budgetOf(lp.p) > 0)
	}
	allSettled := func() bool {
		for name, ps := range pools {
			if !settled(name, ps) {
				return false
			}
		}
		return true
	}
	// shm_dir's free space, less what running producers declared and may
	// still write.
	var writing int64
	for t := range s.running {
		writing += declaredOutputs(t.t)
	}
	shmFree, shmKnown := int64(0), false
	if s.shmFree != nil {
		shmFree, shmKnown = s.shmFree()
	}
	var out waits
	last := -1 // the rank of the last task replayed
	for r := s.ready.next(0); r >= 0; r = s.ready.next(r + 1) {
		if len(out.shown) >= keep && allSettled() {
			break
		}
		t := s.byRank[r]
		last = r
		lp, ps := s.pools[t.t.Pool], pools[t.t.Pool]
		ps.seen++
		p := lp.p
		w := liveWait{t: t, pool: p, need: t.cap}
		budget := s.budgetOf(p)
		w.need = executor.CapBeside(t.t, p, s.budget, w.need, s.segBytes)
		outputs := declaredOutputs(t.t)
		switch {
		case now.Before(t.wake):
			w.reason, w.left = waitBackoff, t.wake.Sub(now)
		case ps.running >= p.Processes:
			w.reason, w.running = waitSlot, ps.running
		case ps.blocker != "":
			w.reason, w.blocker = waitMemory, ps.blocker
		case budgetBlocker != "" && budget > 0 && w.need > 0:
			w.reason, w.blocker, w.byBudget = waitMemory, budgetBlocker, true
		case p.Memory > 0 && ps.memory+w.need > p.Memory:
			w.reason, w.free, w.limit = waitMemory, p.Memory-ps.memory, p.Memory
			ps.blocker = t.t.ID
		case budget > 0 && used+s.segBytes+w.need > budget:
			w.reason, w.free, w.limit, w.byBudget = waitMemory, max(budget-used-s.segBytes, 0), budget, true
			w.segments = s.segBytes
			ps.blocker = t.t.ID
			budgetBlocker = t.t.ID
		case shmKnown && outputs > 0 && outputs > shmFree-writing:
			w.reason, w.need, w.free, w.reserved = waitRoom, outputs, max(shmFree, 0), writing
			ps.blocker = t.t.ID
		default:
			w.reason = waitNext
			ps.running++
			ps.memory += w.need
			writing += outputs
			if budget > 0 {
				used += w.need
			}
		}
		out.counts[w.reason]++
		out.total++
		if len(out.shown) < keep {
			out.shown = append(out.shown, w)
		}
	}
	// The tasks not replayed: those still in their backoff wait for it,
	// the others for their settled pool.
	backoff := map[string]int{}
	for t := range s.retrying {
		if t.rank > last && now.Before(t.wake) {
			backoff[t.t.Pool]++
		}
	}
	for name, ps := range pools {
		left := s.pools[name].ready - ps.seen
		if left == 0 {
			continue
		}
		reason := waitMemory
		if ps.running >= s.pools[name].p.Processes {
			reason = waitSlot
		}
		out.counts[waitBackoff] += backoff[name]
		out.counts[reason] += left - backoff[name]
		out.total += left
	}
	return out
}

func compareDur(a, b time.Duration) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// done is how many tasks have reached a final state.
func (s *liveState) done() int {
	n := 0
	for st, c := range s.counts {
		if st.Final() {
			n += c
		}
	}
	return n
}
