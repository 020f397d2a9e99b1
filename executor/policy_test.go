package executor_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/executortest"
)

// policyPlan: bad fails at once; slow runs until the test ends it; dep
// needs bad, dep2 needs dep; indep and join (on indep and dep) need no
// failure... except join.
func policyPlan(t *testing.T) (*dag.Plan, func(*executor.Spec) executortest.Behavior) {
	bad, slow := task("bad"), task("slow")
	bad.Estimate, slow.Estimate = time.Hour, time.Hour // both start first
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)},
		bad, slow, task("dep", "bad"), task("dep2", "dep"), task("indep"), task("join", "indep", "dep"))
	return plan, func(s *executor.Spec) executortest.Behavior {
		switch s.Task.ID {
		case "bad":
			return executortest.Behavior{Result: event.Result{Reason: event.Exit, ExitCode: 3}}
		case "slow":
			return executortest.Behavior{Duration: -1}
		}
		return executortest.Behavior{}
	}
}

func TestFailureStopsAdmissions(t *testing.T) {
	plan, behave := policyPlan(t)
	h := newHarness(plan, behave)
	wait := h.runAsync(t, t.Context())
	h.journal.Await(t, "indep cancelled", isTask(event.TaskChanged, "indep", event.TaskCancelled))
	// Attempts start on their own goroutines: wait for slow's.
	h.journal.Await(t, "slow running", isTask(event.AttemptStarted, "slow", ""))
	slow := h.fake.Handle("slow", 1)
	slow.End(event.Result{Reason: event.Succeeded})
	sum, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]event.TaskState{
		"bad": event.TaskFailed, "slow": event.TaskSucceeded, "dep": event.TaskCancelled,
		"dep2": event.TaskCancelled, "indep": event.TaskCancelled, "join": event.TaskCancelled,
	}
	for id, st := range want {
		if got := sum.Task(id); got.State != st {
			t.Errorf("%s: %s (%s), want %s", id, got.State, got.Message, st)
		}
	}
	if msg := sum.Task("indep").Message; msg != "not started: task bad failed" {
		t.Errorf("indep message %q", msg)
	}
	if len(slow.Stops()) != 0 {
		t.Errorf("slow was stopped %v; running tasks finish", slow.Stops())
	}
	if sum.Cancelled || sum.ExitCode() != executor.ExitFailed {
		t.Errorf("cancelled %v, exit %d", sum.Cancelled, sum.ExitCode())
	}
}

func TestKeepGoing(t *testing.T) {
	plan, behave := policyPlan(t)
	h := newHarness(plan, behave)
	h.opts.KeepGoing = true
	wait := h.runAsync(t, t.Context())
	h.journal.Await(t, "indep", isTask(event.TaskChanged, "indep", event.TaskSucceeded))
	h.journal.Await(t, "slow running", isTask(event.AttemptStarted, "slow", ""))
	h.fake.Handle("slow", 1).End(event.Result{Reason: event.Succeeded})
	sum, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		state event.TaskState
		msg   string
	}{
		"bad":   {event.TaskFailed, "attempt 1/1: exit 3"},
		"slow":  {event.TaskSucceeded, ""},
		"indep": {event.TaskSucceeded, ""},
		"dep":   {event.Skipped, "dependency bad failed"},
		"dep2":  {event.Skipped, "dependency dep was skipped (bad failed)"},
		"join":  {event.Skipped, "dependency dep was skipped (bad failed)"},
	}
	for id, w := range want {
		if got := sum.Task(id); got.State != w.state || got.Message != w.msg {
			t.Errorf("%s: %s %q, want %s %q", id, got.State, got.Message, w.state, w.msg)
		}
	}
	if sum.ExitCode() != executor.ExitFailed {
		t.Errorf("exit %d", sum.ExitCode())
	}
}

// TestFailureCancelsWaitingRetry: a task waiting out its backoff when
// another fails for good is not started again, and the run doesn't wait
// for its timer.
func TestFailureCancelsWaitingRetry(t *testing.T) {
	bad, flaky := task("bad"), task("flaky")
	flaky.Retry = dag.Retry{Attempts: 3, Backoff: time.Hour}
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, flaky, bad)
	h := newHarness(plan, func(s *executor.Spec) executortest.Behavior {
		if s.Task.ID == "bad" {
			return executortest.Behavior{Duration: -1}
		}
		return executortest.Behavior{Result: exit1}
	})
	h.opts.After = func(time.Duration) <-chan time.Time { return nil } // never
	wait := h.runAsync(t, t.Context())
	h.journal.Await(t, "flaky waiting", func(e event.Event) bool {
		return isTask(event.TaskChanged, "flaky", event.Ready)(e) && e.Attempt == 2
	})
	h.journal.Await(t, "bad running", isTask(event.AttemptStarted, "bad", ""))
	h.fake.Handle("bad", 1).End(exit1)
	sum, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	f := sum.Task("flaky")
	if f.State != event.TaskCancelled || len(f.Attempts) != 1 || f.Message != "not started: task bad failed" {
		t.Errorf("flaky: %+v", f)
	}
}

func TestCancel(t *testing.T) {
	a, b := task("a"), task("b")
	a.Grace, b.Grace = 3*time.Second, 5*time.Second
	a.Estimate, b.Estimate = time.Hour, time.Hour
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, a, b, task("c"), task("d", "a"))
	h := newHarness(plan, func(*executor.Spec) executortest.Behavior { return executortest.Behavior{Duration: -1} })
	ctx, cancel := context.WithCancel(t.Context())
	wait := h.runAsync(t, ctx)
	h.journal.Await(t, "a", isTask(event.AttemptStarted, "a", ""))
	h.journal.Await(t, "b", isTask(event.AttemptStarted, "b", ""))
	cancel()
	sum, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	for id, grace := range map[string]time.Duration{"a": 3 * time.Second, "b": 5 * time.Second} {
		if got := h.fake.Handle(id, 1).Stops(); !slices.Equal(got, []executortest.Stop{{Cause: event.Cancelled, Grace: grace}}) {
			t.Errorf("%s stops %v, want cancelled with grace %v", id, got, grace)
		}
		if ts := sum.Task(id); ts.State != event.TaskCancelled || ts.Attempts[0].Reason != event.Cancelled {
			t.Errorf("%s: %+v", id, ts)
		}
	}
	for _, id := range []string{"c", "d"} {
		if ts := sum.Task(id); ts.State != event.TaskCancelled || ts.Message != "not started: run cancelled" {
			t.Errorf("%s: %s %q", id, ts.State, ts.Message)
		}
	}
	if !sum.Cancelled || sum.ExitCode() != executor.ExitCancelled {
		t.Errorf("cancelled %v, exit %d", sum.Cancelled, sum.ExitCode())
	}
	if last := h.journal.Events(); last[len(last)-1].Message != "cancelled" {
		t.Errorf("run ended %q", last[len(last)-1].Message)
	}
}

func TestKill(t *testing.T) {
	tests := []struct {
		name      string
		cancelCtx bool // Ctrl-C before the kill
		want      []executortest.Stop
	}{
		{"second Ctrl-C", true, []executortest.Stop{{Cause: event.Cancelled, Grace: time.Hour}, {Cause: event.Cancelled}}},
		{"kill alone", false, []executortest.Stop{{Cause: event.Cancelled}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := task("a")
			a.Grace = time.Hour
			plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, a, task("b"))
			h := newHarness(plan, func(*executor.Spec) executortest.Behavior {
				return executortest.Behavior{Duration: -1, IgnoreTerm: true}
			})
			kill := make(chan struct{})
			h.opts.Kill = kill
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			wait := h.runAsync(t, ctx)
			h.journal.Await(t, "a", isTask(event.AttemptStarted, "a", ""))
			if tt.cancelCtx {
				cancel()
				// Stopped with the hour of grace, a ignores SIGTERM: it
				// only ends on the kill.
				for len(h.fake.Handle("a", 1).Stops()) == 0 {
					time.Sleep(50 * time.Microsecond)
				}
			}
			close(kill)
			sum, err := wait()
			if err != nil {
				t.Fatal(err)
			}
			if got := h.fake.Handle("a", 1).Stops(); !slices.Equal(got, tt.want) {
				t.Errorf("stops %v, want %v", got, tt.want)
			}
			if !sum.Cancelled || sum.Task("a").State != event.TaskCancelled || sum.Task("b").State != event.TaskCancelled {
				t.Errorf("summary %+v", sum)
			}
		})
	}
}

func TestJournalErrorStopsRun(t *testing.T) {
	broken := errors.New("disk on fire")
	tests := []struct {
		name    string
		failOn  func(e event.Event) bool
		started []string // attempts that ran
	}{
		{"run start", func(e event.Event) bool { return e.Kind == event.RunStarted }, nil},
		{"first task running", func(e event.Event) bool { return isTask(event.TaskChanged, "a", event.Running)(e) }, nil},
		{"second attempt started", func(e event.Event) bool { return isTask(event.AttemptStarted, "b", "")(e) }, []string{"a", "b"}},
		{"attempt ended", func(e event.Event) bool { return isTask(event.AttemptEnded, "a", "")(e) }, []string{"a", "b"}},
		{"succeeded", func(e event.Event) bool { return isTask(event.TaskChanged, "a", event.TaskSucceeded)(e) }, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := task("a"), task("b")
			a.Estimate = time.Hour // a first
			b.Grace = 7 * time.Second
			plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, a, b, task("c", "a"), task("d"))
			// a ends only once b's start has reached the journal: else,
			// on a slow machine, a's end could free its slot for c before
			// b's start is recorded and the journal fails.
			bRecorded := make(chan struct{})
			var once sync.Once
			h := newHarness(plan, func(s *executor.Spec) executortest.Behavior {
				if s.Task.ID == "a" {
					return executortest.Behavior{Duration: time.Millisecond, OnWait: func() {
						select {
						case <-bRecorded:
						case <-time.After(10 * time.Second):
						}
					}}
				}
				return executortest.Behavior{Duration: -1} // until stopped
			})
			failed := false
			h.journal.Fail = func(e event.Event) error {
				if isTask(event.AttemptStarted, "b", "")(e) {
					once.Do(func() { close(bRecorded) })
				}
				if failed || tt.failOn(e) {
					failed = true // a journal that breaks stays broken
					return broken
				}
				return nil
			}
			sum, err := h.run(t, t.Context())
			if !errors.Is(err, broken) || !strings.Contains(err.Error(), "journal") {
				t.Fatalf("err = %v, want the journal error", err)
			}
			var ran []string
			for _, s := range h.fake.Specs() {
				ran = append(ran, s.Task.ID)
			}
			slices.Sort(ran)
			if !slices.Equal(ran, tt.started) {
				t.Errorf("attempts %v, want %v", ran, tt.started)
			}
			if b := h.fake.Handle("b", 1); b != nil {
				if got := b.Stops(); len(got) == 0 || got[0] != (executortest.Stop{Cause: event.Cancelled, Grace: 7 * time.Second}) {
					t.Errorf("b stops %v, want cancelled with its grace", got)
				}
			}
			for _, ts := range sum.Tasks {
				if !ts.State.Final() {
					t.Errorf("%s left %s", ts.ID, ts.State)
				}
			}
			if st := sum.Task("d").State; st != event.TaskCancelled {
				t.Errorf("d %s, want cancelled: nothing starts after the journal broke", st)
			}
		})
	}
}

func TestCommitErrorStopsRun(t *testing.T) {
	a, b := task("a"), task("b")
	a.Estimate = time.Hour
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, a, b, task("c"))
	h := newHarness(plan, func(s *executor.Spec) executortest.Behavior {
		if s.Task.ID == "a" {
			return executortest.Behavior{Duration: time.Millisecond}
		}
		return executortest.Behavior{Duration: -1}
	})
	broken := errors.New("rename: read-only file system")
	h.segs.CommitFn = func(*dag.Task) ([]string, error) { return nil, broken }
	sum, err := h.run(t, t.Context())
	if !errors.Is(err, broken) || !strings.Contains(err.Error(), `task "a": committing outputs`) {
		t.Fatalf("err = %v", err)
	}
	if st := sum.Task("a").State; st != event.TaskFailed {
		t.Errorf("a %s, want failed", st)
	}
	if st := sum.Task("b").State; st != event.TaskCancelled {
		t.Errorf("b %s, want cancelled", st)
	}
	if !slices.Contains(h.segs.Calls(), "discard a") {
		t.Errorf("outputs of a not discarded: %v", h.segs.Calls())
	}
}

// TestNoRetryAfterFailure: once a task has failed for good, a running task
// that fails is not tried again: a retry would be a new admission.
func TestNoRetryAfterFailure(t *testing.T) {
	bad, flaky := task("bad"), task("flaky")
	flaky.Retry = dag.Retry{Attempts: 3}
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, bad, flaky, task("later"))
	h := newHarness(plan, func(s *executor.Spec) executortest.Behavior {
		if s.Task.ID == "bad" {
			return executortest.Behavior{Result: exit1}
		}
		return executortest.Behavior{Duration: -1}
	})
	wait := h.runAsync(t, t.Context())
	h.journal.Await(t, "later cancelled", isTask(event.TaskChanged, "later", event.TaskCancelled))
	h.journal.Await(t, "flaky running", isTask(event.AttemptStarted, "flaky", ""))
	h.fake.Handle("flaky", 1).End(exit1)
	sum, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	if f := sum.Task("flaky"); f.State != event.TaskFailed || len(f.Attempts) != 1 {
		t.Errorf("flaky: %s after %d attempts, want failed after 1", f.State, len(f.Attempts))
	}
}

func TestCancelledBeforeStart(t *testing.T) {
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, task("a"), task("b", "a"))
	h := newHarness(plan, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	sum, err := h.run(t, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.fake.Specs()) != 0 || sum.Counts[event.TaskCancelled] != 2 || sum.ExitCode() != executor.ExitCancelled {
		t.Errorf("started %d, summary %+v", len(h.fake.Specs()), sum)
	}
}

// TestCancelDuringStart: a start abandoned because the run was cancelled
// ends the task cancelled, not failed, and is not retried.
func TestCancelDuringStart(t *testing.T) {
	a := task("a")
	a.Retry = dag.Retry{Attempts: 3}
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, a, task("b"))
	h := newHarness(plan, nil)
	ctx, cancel := context.WithCancel(t.Context())
	h.opts.Runners["local"] = &executortest.Runner{StartFn: func(ctx context.Context, _ *executor.Spec) (executor.Handle, error) {
		cancel() // Ctrl-C while the runner starts the process
		return nil, ctx.Err()
	}}
	sum, err := h.run(t, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ts := sum.Task("a"); ts.State != event.TaskCancelled || len(ts.Attempts) != 1 || ts.Attempts[0].Reason != event.Cancelled {
		t.Errorf("a: %+v", ts)
	}
	if sum.Task("b").State != event.TaskCancelled || sum.ExitCode() != executor.ExitCancelled {
		t.Errorf("summary %+v", sum)
	}
}

// TestCommittedOutputsAreRecorded: the journal learns what a successful
// attempt committed with the attempt's end, so a store can keep it for
// resume; a failed attempt commits nothing.
func TestCommittedOutputsAreRecorded(t *testing.T) {
	ok, bad := task("ok"), task("bad")
	ok.Outputs = []dag.Output{{Name: "table"}, {Name: "log"}}
	bad.Outputs = []dag.Output{{Name: "table"}}
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, ok, bad)
	h := newHarness(plan, func(s *executor.Spec) executortest.Behavior {
		if s.Task.ID == "bad" {
			return executortest.Behavior{Result: event.Result{Reason: event.Exit, ExitCode: 1}}
		}
		return executortest.Behavior{}
	})
	h.mustRun(t)
	for _, e := range h.journal.Events() {
		if e.Kind != event.AttemptEnded {
			continue
		}
		var names []string
		for _, c := range e.Outputs {
			names = append(names, c.Name)
		}
		want := map[string][]string{"ok": {"table", "log"}, "bad": nil}[e.Task]
		if !slices.Equal(names, want) {
			t.Errorf("%s ended with outputs %v, want %v", e.Task, names, want)
		}
	}
}

// TestReuse: reused tasks end at once without running and count as done for
// the tasks after them; a reuse that would keep a task whose input is
// recomputed is refused before anything starts.
func TestReuse(t *testing.T) {
	plan := mkPlan(t, []*dag.Pool{pool("p", 2, 0)}, task("a"), task("b", "a"), task("c", "b"), task("d", "a"))
	h := newHarness(plan, nil)
	h.opts.Reuse = map[string]string{"a": "from run r0", "d": "from run r0"}
	sum := h.mustRun(t)
	if got := startOrder(h.journal.Events()); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("started %v, want [b c]", got)
	}
	if sum.Counts[event.Reused] != 2 || !sum.OK() {
		t.Errorf("summary %+v", sum)
	}
	if a := sum.Task("a"); a.State != event.Reused || a.Message != "from run r0" || len(a.Attempts) != 0 {
		t.Errorf("a: %+v", a)
	}

	h = newHarness(plan, nil)
	h.opts.Reuse = map[string]string{"b": "from run r0"}
	if _, err := executor.Run(t.Context(), plan, h.opts); err == nil || !strings.Contains(err.Error(), `"b" cannot be reused while "a"`) {
		t.Errorf("err = %v", err)
	}
	if n := len(h.fake.Specs()); n != 0 {
		t.Errorf("%d attempts started", n)
	}
}
