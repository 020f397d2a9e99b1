package executor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
)

// Options configure one Run.
type Options struct {
	// RunID names the run in every event and in WEIR_RUN_ID.
	RunID string
	// Runners start attempts, by pool executor ("local", "slurm"). A pool
	// with an empty Executor is local.
	Runners map[string]Runner
	// Budget is the global memory budget in bytes: the caps of the running
	// tasks of all local pools add up to at most this. 0 = unlimited. Slurm
	// pools don't count: their tasks run on other machines.
	Budget int64
	// KeepGoing runs everything that does not depend on a failed task;
	// without it the first task that fails for good stops admissions.
	KeepGoing bool
	// Journal records every transition before the scheduler acts on it;
	// nil records nothing. A Record error stops the run.
	Journal event.Journal
	// Layout places logs and temporary directories; required.
	Layout Layout
	// Segments prepares, commits and discards outputs; required.
	Segments Segments
	// Env is the engine's own environment (KEY=VALUE), read only for the
	// names a task lists in env_passthrough.
	Env []string
	// Reuse names the tasks an earlier run of the same workflow finished
	// and whose definition, inputs and outputs are unchanged, with why (the
	// run they come from): they end Reused without running. Resume decides
	// which; every task depending on a task not reused must not be in it.
	Reuse map[string]string
	// RunAgain, when not nil, is Reuse the other way round, for a resume
	// that keeps most of a large plan: every task not in it is reused,
	// with ReusedWhy as why. Reuse must then be nil.
	RunAgain  map[string]bool
	ReusedWhy string
	// Reattach names tasks an earlier engine started an attempt of that may
	// still be running, or may have ended while no engine watched (a Slurm
	// job), with the State of that attempt's handle. The task's first
	// attempt in this run finds that one again through its runner's
	// Reattacher instead of starting another; when the runner no longer
	// knows it, a new attempt starts.
	Reattach map[string][]byte
	// Kill, once closed, stops every running attempt at once (grace 0) and
	// cancels the run: the second Ctrl-C. nil never fires.
	Kill <-chan struct{}
	// Now stamps events; nil = time.Now.
	Now func() time.Time
	// After delays retries; nil = time.After. Tests pass a fake clock.
	After func(time.Duration) <-chan time.Time
}

// Run executes plan and returns when every task has reached a final state
// and no attempt is running. Ready tasks are admitted by pool slots and
// memory (see admission.go), longest remaining path first; failed attempts
// are retried as the task's retry block says (retry.go).
//
// Cancelling ctx stops admissions and stops every running attempt with
// cause Cancelled and the task's grace; closing Options.Kill does the same
// with grace 0. ctx is also passed to Runner.Start, only to abandon a start
// in progress: a started attempt ends by itself or by Handle.Stop.
//
// A task failing is not an error of Run: it shows in the Summary. Run
// returns an error when the run cannot go on safely or cannot start: bad
// options, a memory cap that could never fit (a *CapError, before anything
// starts), a Journal that fails, outputs that cannot be committed. The
// Summary is nil only when nothing was started.
func Run(ctx context.Context, plan *dag.Plan, o Options) (*Summary, error) {
	s, err := newScheduler(ctx, plan, o)
	if err != nil {
		return nil, err
	}
	s.run()
	return s.summary(), s.err
}

// scheduler holds the state of one run. Everything in it is owned by the
// goroutine in run; the goroutines of running attempts and retry timers
// only send on results and wakes.
type scheduler struct {
	ctx   context.Context
	o     Options
	tasks []*taskRun // declaration order
	pools []*poolRun
	seq   uint64

	budgetUsed int64 // sum of the caps of running tasks of budgeted pools
	segs       segmentState
	running    int // attempts holding a slot, started or starting
	starting   int // attempts whose start goroutine has not reported
	backoffs   int // tasks waiting out a retry delay

	results chan attemptEnd
	started chan startDone
	hashed  chan hashDone
	hashing int             // outputs being hashed after their commit
	wakes   chan *taskRun   // a retry delay is over
	quit    chan struct{}   // closed when retry timers should give up
	timers  sync.WaitGroup  // retry timer goroutines
	ctxDone <-chan struct{} // ctx.Done() until seen, then nil
	kill    <-chan struct{} // Options.Kill until seen, then nil

	// halt says why admissions stopped ("task x failed", "run cancelled");
	// empty while the run admits.
	halt      string
	swept     bool  // not-started tasks were cancelled after halt
	stopping  bool  // running attempts have been told to stop
	killed    bool  // ...with grace 0
	cancelled bool  // ctx or Kill ended the run
	err       error // the first error of the engine itself; Run returns it
	// journalBroken is set at the first Record error: nothing more is
	// written, since the journal no longer tells the whole story.
	journalBroken bool
	// durable waits until the last event appended is durable (Appender
	// journals); nil when every event was recorded synchronously.
	durable func() error
	reusing int // tasks reused (markReused)
	// reusedAt is the first task whose reuse may not be recorded yet
	// (settleReused, recordReused); len(tasks) once all are.
	reusedAt int
}

// taskRun is a task's state in this run.
type taskRun struct {
	t        *dag.Task
	prio     time.Duration // longest remaining path from here, higher first
	pool     *poolRun
	succ     []*taskRun
	state    event.TaskState
	message  string
	cap      int64 // memory cap of the next or current attempt
	held     int64 // cap reserved while it holds a slot
	slot     int   // in its pool, while it holds one
	attempts []event.Result
	handle   Handle // the running attempt, nil when none
	// stuck says why t can never start as things are (see admit); its
	// next attempt ends start_failed with it.
	stuck string
	// The small fields last, packed: a run holds one taskRun a task.
	idx     int32 // declaration order, the tie-break of priority
	deps    int32 // dependencies not yet succeeded
	backoff bool  // ready, but waiting out its retry delay
	reused  bool  // in Options.Reuse (markReused); its message says why
}

// attemptEnd is what an attempt's waiter goroutine sends back.
type attemptEnd struct {
	t *taskRun
	r event.Result
}

func newScheduler(ctx context.Context, plan *dag.Plan, o Options) (*scheduler, error) {
	if plan == nil {
		return nil, errors.New("executor: no plan")
	}
	if o.Layout == nil || o.Segments == nil {
		return nil, errors.New("executor: Options.Layout and Options.Segments are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Reattach = maps.Clone(o.Reattach) // start takes entries out
	if o.After == nil {
		o.After = time.After
	}
	g := plan.Graph
	if g == nil {
		var err error
		if g, err = dag.New(plan.Tasks); err != nil {
			return nil, fmt.Errorf("executor: %w", err)
		}
	}
	s := &scheduler{
		ctx:     ctx,
		o:       o,
		results: make(chan attemptEnd),
		started: make(chan startDone),
		hashed:  make(chan hashDone),
		wakes:   make(chan *taskRun),
		quit:    make(chan struct{}),
		ctxDone: ctx.Done(),
		kill:    o.Kill,
	}
	pools, err := s.preparePools(plan, g)
	if err != nil {
		return nil, err
	}
	s.tasks = newTaskRuns(g, g.Tasks(), pools)
	if s.reusing, err = s.markReused(g); err != nil {
		return nil, err
	}
	if err := s.initSegments(); err != nil {
		return nil, err
	}
	if err := s.checkCaps(); err != nil {
		return nil, err
	}
	return s, nil
}

// preparePools checks that every pool a task uses exists, has slots and a
// runner, and returns the pools by name.
func (s *scheduler) preparePools(plan *dag.Plan, g *dag.Graph) (map[string]*poolRun, error) {
	byName := make(map[string]*poolRun)
	for _, t := range g.Tasks() {
		if _, ok := byName[t.Pool]; ok {
			continue
		}
		p := plan.Pool(t.Pool)
		if p == nil {
			return nil, fmt.Errorf("executor: task %q: no pool %q in the plan", t.ID, t.Pool)
		}
		if p.Processes < 1 {
			return nil, fmt.Errorf("executor: pool %q has %d processes; it needs at least 1", p.Name, p.Processes)
		}
		exec := p.Executor
		if exec == "" {
			exec = "local"
		}
		r := s.o.Runners[exec]
		if r == nil {
			return nil, fmt.Errorf("executor: pool %q: no runner for executor %q", p.Name, exec)
		}
		pr := &poolRun{p: p, runner: r, budgeted: Budgeted(p), index: len(s.pools)}
		s.pools = append(s.pools, pr)
		byName[p.Name] = pr
	}
	return byName, nil
}

// run is the scheduler's loop. It returns when no attempt is running and no
// retry is waiting, so every Handle.Wait has returned.
func (s *scheduler) run() {
	defer func() {
		s.closeQuit()
		s.timers.Wait()
	}()
	s.record(event.Event{Kind: event.RunStarted})
	s.settleReused()
	s.reusedSegments()
	for _, t := range s.tasks {
		if t.deps == 0 && t.state == event.Pending {
			s.makeReady(t)
		}
	}
	for {
		s.pollSignals()
		if s.halt == "" {
			s.admit()
		}
		if s.halt != "" {
			s.sweep()
		}
		if s.running == 0 && s.backoffs == 0 && s.hashing == 0 {
			break
		}
		select {
		case <-s.reuseLeft():
			s.recordReused(reuseChunk)
		case d := <-s.started:
			s.onStarted(d)
		case d := <-s.hashed:
			s.onHashed(d)
		case e := <-s.results:
			s.finish(e.t, e.r)
		case t := <-s.wakes:
			s.wake(t)
		case <-s.ctxDone:
			s.cancel(false)
		case <-s.kill:
			s.cancel(true)
		}
	}
	s.recordReused(-1)
	for _, t := range s.tasks {
		if !t.state.Final() && s.err == nil {
			// Admission guarantees progress (checkCaps); a task left over
			// here is a scheduler bug, and saying so beats a silent success.
			s.fail(fmt.Errorf("executor: internal: task %q left %s with nothing running", t.t.ID, t.state))
		}
	}
	s.sweep()
	s.record(event.Event{Kind: event.RunEnded, Message: s.outcome()})
	if s.durable != nil && !s.journalBroken {
		if err := s.durable(); err != nil {
			s.journalBroken = true
			if s.err == nil {
				s.err = fmt.Errorf("%w: committing the run's last events: %w", errJournal, err)
			}
		}
	}
}

// pollSignals notices a cancel or kill that came while the scheduler was
// busy, before it admits anything more.
func (s *scheduler) pollSignals() {
	select {
	case <-s.kill:
		s.cancel(true)
	default:
	}
	select {
	case <-s.ctxDone:
		s.cancel(false)
	default:
	}
}

// cancel stops the run: no more admissions, every running attempt stopped
// with its grace, or at once when kill is set.
func (s *scheduler) cancel(kill bool) {
	s.cancelled = true
	s.ctxDone = nil
	if kill {
		s.kill = nil
		s.killed = true
	}
	s.stop("run cancelled", true)
}

// fail stops the run for an error of the engine itself: nothing more
// starts and running attempts are stopped. The first error is kept.
func (s *scheduler) fail(err error) {
	if s.err == nil {
		s.err = err
	}
	s.stop("run stopped: "+err.Error(), true)
}

// stop ends admissions, giving why for the tasks that will not start, and
// with running set also stops the running attempts.
func (s *scheduler) stop(why string, running bool) {
	if s.halt == "" {
		s.halt = why
	}
	if !running {
		return
	}
	s.stopping = true
	for _, t := range s.tasks {
		if t.handle != nil {
			t.handle.Stop(event.Cancelled, s.grace(t))
		}
	}
}

// grace is how long a stopped attempt of t gets between SIGTERM and SIGKILL.
func (s *scheduler) grace(t *taskRun) time.Duration {
	if s.killed {
		return 0
	}
	return t.t.Grace
}

// sweep cancels every task that has not started and will not: after a halt,
// once; retry timers are released.
func (s *scheduler) sweep() {
	if s.swept || s.halt == "" {
		return
	}
	s.swept = true
	s.closeQuit()
	s.backoffs = 0
	msg := "not started: " + s.halt
	for _, t := range s.tasks {
		if t.state == event.Pending || t.state == event.Ready {
			t.backoff = false
			s.setState(t, event.TaskCancelled, msg, event.Event{})
		}
	}
}

func (s *scheduler) closeQuit() {
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
}

// makeReady moves a task whose dependencies have all succeeded to Ready and
// queues it for admission.
func (s *scheduler) makeReady(t *taskRun) {
	if s.halt != "" {
		return // sweep cancels it
	}
	if s.setState(t, event.Ready, "", event.Event{}) {
		t.pool.push(t)
	}
}

// wake ends a retry delay.
func (s *scheduler) wake(t *taskRun) {
	if !t.backoff {
		return // swept while its timer ran
	}
	t.backoff = false
	s.backoffs--
	if t.state == event.Ready && s.halt == "" {
		t.pool.push(t)
	}
}

// record writes e to the journal, numbered and stamped, and reports
// whether it did. A failure stops the run; nothing is written after it.
func (s *scheduler) record(e event.Event) bool {
	if s.journalBroken {
		return false
	}
	s.seq++
	e.Seq = s.seq
	e.Time = s.o.Now()
	e.RunID = s.o.RunID
	if s.o.Journal == nil {
		return true
	}
	var err error
	if a, ok := s.o.Journal.(event.Appender); ok {
		var wait func() error
		if wait, err = a.Append(e); err == nil {
			s.durable = wait
		}
	} else {
		err = s.o.Journal.Record(e)
	}
	if err != nil {
		s.journalBroken = true
		what := string(e.Kind)
		if e.Task != "" {
			what += " " + e.Task
		}
		s.fail(fmt.Errorf("%w: recording %s: %w", errJournal, what, err))
		return false
	}
	return true
}

// errJournal marks a journal failure in the error Run returns.
var errJournal = errors.New("executor: journal")

// setState moves t to state to, recording the change with the fields of
// ev. The move is applied when recorded, and also when the journal has
// already failed: the run is winding down then, and the Summary must still
// say where each task ended. It reports whether the change was recorded.
func (s *scheduler) setState(t *taskRun, to event.TaskState, msg string, ev event.Event) bool {
	if err := event.CheckTransition(t.state, to); err != nil {
		s.fail(fmt.Errorf("executor: internal: task %q: %w", t.t.ID, err))
		return false
	}
	ev.Kind, ev.Task, ev.State, ev.Message = event.TaskChanged, t.t.ID, to, msg
	ok := s.record(ev)
	if ok || s.journalBroken {
		t.state, t.message = to, msg
	}
	return ok
}

// outcome is the RunEnded message.
func (s *scheduler) outcome() string {
	switch {
	case s.err != nil:
		return "stopped: " + s.err.Error()
	case s.cancelled:
		return "cancelled"
	}
	failed := 0
	for _, t := range s.tasks {
		if t.state != event.TaskSucceeded && t.state != event.Reused {
			failed++
		}
	}
	if failed == 0 {
		return "succeeded"
	}
	return fmt.Sprintf("failed: %d of %d tasks did not succeed", failed, len(s.tasks))
}
