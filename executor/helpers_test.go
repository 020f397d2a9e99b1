package executor_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/executortest"
)

const (
	MiB = int64(1) << 20
	GiB = int64(1) << 30
)

func pool(name string, processes int, memory int64) *dag.Pool {
	return &dag.Pool{Name: name, Executor: "local", Processes: processes, Memory: memory}
}

// task is a task of pool "p" running `true`, depending on deps.
func task(id string, deps ...string) *dag.Task {
	slices.Sort(deps)
	return &dag.Task{ID: id, Stage: id, Pool: "p", Argv: []string{"true"}, Deps: deps}
}

func mkPlan(tb testing.TB, pools []*dag.Pool, tasks ...*dag.Task) *dag.Plan {
	tb.Helper()
	g, err := dag.New(tasks)
	if err != nil {
		tb.Fatal(err)
	}
	return &dag.Plan{Name: "test", Pools: pools, Tasks: tasks, Graph: g}
}

// harness runs a plan against fakes and checks what every run must keep.
type harness struct {
	plan    *dag.Plan
	fake    *executortest.Fake
	journal *executortest.Journal
	segs    *executortest.Segments
	opts    executor.Options
}

func newHarness(plan *dag.Plan, behave func(*executor.Spec) executortest.Behavior) *harness {
	h := &harness{
		plan:    plan,
		fake:    &executortest.Fake{Behave: behave},
		journal: &executortest.Journal{},
		segs:    &executortest.Segments{},
	}
	h.opts = executor.Options{
		RunID:    "r1",
		Runners:  map[string]executor.Runner{"local": h.fake, "slurm": h.fake},
		Journal:  h.journal,
		Layout:   executortest.Layout{Dir: "/state"},
		Segments: h.segs,
		// Retries don't wait in tests unless a test sets its own After.
		After: func(time.Duration) <-chan time.Time { return fired() },
	}
	return h
}

// fired is a channel that delivers at once.
func fired() <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- time.Now()
	return ch
}

// run runs the plan and checks it as runAsync does.
func (h *harness) run(tb testing.TB, ctx context.Context) (*executor.Summary, error) {
	tb.Helper()
	return h.runAsync(tb, ctx)()
}

// runAsync runs the plan on another goroutine. wait, called from the
// test's goroutine, returns Run's results after checking the journal
// (legal transitions, slots, memory), that it agrees with the Summary, and
// that every attempt was waited for.
func (h *harness) runAsync(tb testing.TB, ctx context.Context) (wait func() (*executor.Summary, error)) {
	w := h.start(ctx)
	return func() (*executor.Summary, error) {
		tb.Helper()
		sum, err := w()
		if err == errHung {
			tb.Fatal(err)
		}
		h.check(tb, sum)
		return sum, err
	}
}

func (h *harness) check(tb testing.TB, sum *executor.Summary) {
	tb.Helper()
	events := h.journal.Events()
	if err := executortest.Check(h.plan, h.opts.Budget, events); err != nil {
		tb.Errorf("journal check:\n%v", err)
	}
	for _, fh := range h.fake.Handles() {
		if !fh.Waited() {
			tb.Errorf("Run returned before waiting for %s attempt %d", fh.Spec.Task.ID, fh.Spec.Attempt)
		}
	}
	if sum == nil || len(events) == 0 || events[len(events)-1].Kind != event.RunEnded {
		return
	}
	last := map[string]event.TaskState{}
	for _, e := range events {
		if e.Kind == event.TaskChanged {
			last[e.Task] = e.State
		}
	}
	for _, ts := range sum.Tasks {
		if last[ts.ID] != ts.State {
			tb.Errorf("task %s: summary says %s, journal %s", ts.ID, ts.State, last[ts.ID])
		}
	}
}

// errHung is what start's wait returns for a Run that did not return.
var errHung = errors.New("executor.Run did not return within 20s")

// start runs the plan on another goroutine; wait returns Run's results, or
// errHung when a bug keeps Run from returning, so that a test fails rather
// than hangs the suite.
func (h *harness) start(ctx context.Context) (wait func() (*executor.Summary, error)) {
	type out struct {
		sum *executor.Summary
		err error
	}
	done := make(chan out, 1)
	go func() {
		sum, err := executor.Run(ctx, h.plan, h.opts)
		done <- out{sum, err}
	}()
	return func() (*executor.Summary, error) {
		select {
		case o := <-done:
			return o.sum, o.err
		case <-time.After(20 * time.Second):
			return nil, errHung
		}
	}
}

// mustRun is run for runs that must not return an error.
func (h *harness) mustRun(tb testing.TB) *executor.Summary {
	tb.Helper()
	sum, err := h.run(tb, context.Background())
	if err != nil {
		tb.Fatalf("Run: %v", err)
	}
	return sum
}

// states returns each task's final state.
func states(sum *executor.Summary) map[string]event.TaskState {
	m := map[string]event.TaskState{}
	for _, ts := range sum.Tasks {
		m[ts.ID] = ts.State
	}
	return m
}

// startOrder is the order of admissions: the Running transitions, which
// the scheduler records as it admits (the attempts themselves start
// concurrently, so their AttemptStarted events may interleave).
func startOrder(events []event.Event) []string {
	var ids []string
	for _, e := range events {
		if e.Kind == event.TaskChanged && e.State == event.Running {
			ids = append(ids, e.Task)
		}
	}
	return ids
}

func seqOf(events []event.Event, kind event.EventKind, task string, state event.TaskState) uint64 {
	for _, e := range events {
		if e.Kind == kind && e.Task == task && (state == "" || e.State == state) {
			return e.Seq
		}
	}
	return 0
}

func isTask(kind event.EventKind, id string, state event.TaskState) func(event.Event) bool {
	return func(e event.Event) bool {
		return e.Kind == kind && e.Task == id && (state == "" || e.State == state)
	}
}

// sleepFor is a behavior that succeeds after d.
func sleepFor(d time.Duration) func(*executor.Spec) executortest.Behavior {
	return func(*executor.Spec) executortest.Behavior { return executortest.Behavior{Duration: d} }
}
