package executor_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/executortest"
	"github.com/weirflow/weir/internal/units"
)

// failing fails attempts 1..n of every task with r, then succeeds.
func failing(n int, r event.Result) func(*executor.Spec) executortest.Behavior {
	return func(s *executor.Spec) executortest.Behavior {
		if s.Attempt <= n {
			return executortest.Behavior{Result: r}
		}
		return executortest.Behavior{}
	}
}

var exit1 = event.Result{Reason: event.Exit, ExitCode: 1}

func TestRetryBackoffDoubles(t *testing.T) {
	tk := task("a")
	tk.Retry = dag.Retry{Attempts: 4, Backoff: 10 * time.Millisecond}
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, tk)
	h := newHarness(plan, failing(3, exit1))
	var mu sync.Mutex
	var delays []time.Duration
	h.opts.After = func(d time.Duration) <-chan time.Time {
		mu.Lock()
		delays = append(delays, d)
		mu.Unlock()
		return fired()
	}
	sum := h.mustRun(t)
	a := sum.Task("a")
	if a.State != event.TaskSucceeded || len(a.Attempts) != 4 {
		t.Fatalf("a: %+v", a)
	}
	if want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}; !slices.Equal(delays, want) {
		t.Errorf("backoffs %v, want %v", delays, want)
	}
	for i, s := range h.fake.Specs() {
		if s.Attempt != i+1 || !slices.Contains(s.Env, "WEIR_ATTEMPT="+string(rune('1'+i))) {
			t.Errorf("start %d: attempt %d, env %v", i, s.Attempt, s.Env)
		}
	}
	retry := h.journal.Await(t, "retry", func(e event.Event) bool {
		return e.Kind == event.TaskChanged && e.State == event.Ready && e.Attempt == 2
	})
	if !strings.Contains(retry.Message, "exit 1") || !strings.Contains(retry.Message, "10ms") {
		t.Errorf("retry message %q", retry.Message)
	}
}

func TestRetryOn(t *testing.T) {
	tests := []struct {
		name     string
		on       []string
		result   event.Result
		attempts int // made in all
		final    event.TaskState
	}{
		{"every failure by default", nil, exit1, 2, event.TaskSucceeded},
		{"start failures too by default", nil, event.Result{Reason: event.StartFailed}, 2, event.TaskSucceeded},
		{"a reason not listed", []string{"oom", "timeout"}, exit1, 1, event.TaskFailed},
		{"a listed reason", []string{"oom", "timeout"}, event.Result{Reason: event.Timeout}, 2, event.TaskSucceeded},
		{"exit code listed", []string{"exit:3"}, event.Result{Reason: event.Exit, ExitCode: 3}, 2, event.TaskSucceeded},
		{"other exit code", []string{"exit:3"}, event.Result{Reason: event.Exit, ExitCode: 4}, 1, event.TaskFailed},
		{"output missing listed", []string{"output_missing"}, event.Result{Reason: event.OutputMissing}, 2, event.TaskSucceeded},
		{"cancelled never", nil, event.Result{Reason: event.Cancelled}, 1, event.TaskCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := task("a")
			tk.Retry = dag.Retry{Attempts: 3, On: tt.on}
			plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, tk)
			h := newHarness(plan, failing(1, tt.result))
			a := h.mustRun(t).Task("a")
			if a.State != tt.final || len(a.Attempts) != tt.attempts {
				t.Errorf("a ended %s after %d attempts, want %s after %d", a.State, len(a.Attempts), tt.final, tt.attempts)
			}
			if a.Attempts[0].Reason != tt.result.Reason {
				t.Errorf("first attempt %v, want %v", a.Attempts[0], tt.result)
			}
		})
	}
}

func TestRetryExhausted(t *testing.T) {
	tk := task("a")
	tk.Retry = dag.Retry{Attempts: 3}
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, tk)
	h := newHarness(plan, failing(99, event.Result{Reason: event.Exit, ExitCode: 2, Detail: "bad input"}))
	a := h.mustRun(t).Task("a")
	if a.State != event.TaskFailed || len(a.Attempts) != 3 {
		t.Fatalf("a: %+v", a)
	}
	if a.Message != "attempt 3/3: exit 2: bad input" {
		t.Errorf("message %q", a.Message)
	}
}

// TestBackoffHoldsNoSlot: while a task waits for its retry, another task
// of its one-slot pool runs.
func TestBackoffHoldsNoSlot(t *testing.T) {
	a, b := task("a"), task("b")
	a.Estimate = 5 * time.Second // a first
	a.Retry = dag.Retry{Attempts: 2, Backoff: time.Hour}
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, a, b)
	h := newHarness(plan, func(s *executor.Spec) executortest.Behavior {
		if s.Task.ID == "a" && s.Attempt == 1 {
			return executortest.Behavior{Result: exit1}
		}
		return executortest.Behavior{}
	})
	timer := make(chan time.Time, 1)
	h.opts.After = func(d time.Duration) <-chan time.Time {
		if d != time.Hour {
			t.Errorf("backoff %v, want 1h", d)
		}
		return timer
	}
	wait := h.runAsync(t, t.Context())
	h.journal.Await(t, "b succeeded", isTask(event.TaskChanged, "b", event.TaskSucceeded))
	timer <- time.Now()
	sum, err := wait()
	if err != nil || !sum.OK() {
		t.Fatalf("err %v, states %v", err, states(sum))
	}
	if got := startOrder(h.journal.Events()); !slices.Equal(got, []string{"a", "b", "a"}) {
		t.Errorf("start order %v, want a b a", got)
	}
}

func TestMemoryGrowth(t *testing.T) {
	oom := event.Result{Reason: event.OOM, Detail: "exceeded its memory cap"}
	tests := []struct {
		name     string
		pool     *dag.Pool
		budget   int64
		memory   int64
		growth   float64
		result   event.Result
		attempts int
		want     []int64 // cap of each attempt
	}{
		{"grows by the factor, stops at the pool", pool("p", 1, 5*GiB/2), 0, GiB, 1.5, oom, 5,
			[]int64{GiB, 3 * GiB / 2, 9 * GiB / 4, 5 * GiB / 2, 5 * GiB / 2}},
		{"stops at the budget", pool("p", 1, 0), 2 * GiB, GiB, 1.5, oom, 3,
			[]int64{GiB, 3 * GiB / 2, 2 * GiB}},
		{"stops at the smaller of pool and budget", pool("p", 1, 8*GiB), 3 * GiB, 2 * GiB, 2, oom, 3,
			[]int64{2 * GiB, 3 * GiB, 3 * GiB}},
		{"unbounded without limits", pool("p", 1, 0), 0, GiB, 2, oom, 3,
			[]int64{GiB, 2 * GiB, 4 * GiB}},
		{"a fair share grows too", pool("p", 2, 4*GiB), 0, 0, 1.5, oom, 3,
			[]int64{2 * GiB, 3 * GiB, 4 * GiB}},
		{"only after an oom", pool("p", 1, 4*GiB), 0, GiB, 2, exit1, 3,
			[]int64{GiB, GiB, GiB}},
		{"no growth factor", pool("p", 1, 4*GiB), 0, GiB, 0, oom, 3,
			[]int64{GiB, GiB, GiB}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := task("a")
			tk.Memory = tt.memory
			tk.Retry = dag.Retry{Attempts: tt.attempts, MemoryGrowth: tt.growth}
			plan := mkPlan(t, []*dag.Pool{tt.pool}, tk)
			h := newHarness(plan, failing(99, tt.result))
			h.opts.Budget = tt.budget
			sum := h.mustRun(t)
			var caps, journal []int64
			for _, s := range h.fake.Specs() {
				caps = append(caps, s.Memory)
			}
			for _, e := range h.journal.Events() {
				if e.Kind == event.AttemptStarted {
					journal = append(journal, e.Memory)
				}
			}
			if !slices.Equal(caps, tt.want) || !slices.Equal(journal, tt.want) {
				t.Errorf("caps %v, journal %v, want %v", caps, journal, tt.want)
			}
			if a := sum.Task("a"); a.State != event.TaskFailed || len(a.Attempts) != tt.attempts {
				t.Errorf("a: %s after %d attempts", a.State, len(a.Attempts))
			}
			if tt.want[1] != tt.want[0] {
				retry := h.journal.Await(t, "retry", func(e event.Event) bool { return e.State == event.Ready && e.Attempt == 2 })
				if want := "with a cap of " + units.Size(tt.want[1]); !strings.Contains(retry.Message, want) || retry.Memory != tt.want[1] {
					t.Errorf("retry event %q (memory %d), want %q", retry.Message, retry.Memory, want)
				}
			}
		})
	}
}

func TestOutputMissing(t *testing.T) {
	producer, consumer := task("producer"), task("consumer", "producer")
	producer.Outputs = []dag.Output{{Name: "rows"}, {Name: "index"}}
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, producer, consumer)
	h := newHarness(plan, nil)
	h.segs.CommitFn = func(*dag.Task) ([]string, error) { return []string{"rows", "index"}, nil }
	sum := h.mustRun(t)
	p := sum.Task("producer")
	if p.State != event.TaskFailed || len(p.Attempts) != 1 {
		t.Fatalf("producer: %+v", p)
	}
	r := p.Attempts[0]
	if r.Reason != event.OutputMissing || !strings.Contains(r.Detail, "rows, index") {
		t.Errorf("result %+v, want output_missing naming rows and index", r)
	}
	if want := []string{"prepare producer", "commit producer", "discard producer"}; !slices.Equal(h.segs.Calls(), want) {
		t.Errorf("segment calls %v, want %v", h.segs.Calls(), want)
	}
	if c := sum.Task("consumer"); c.State != event.TaskCancelled {
		t.Errorf("consumer %s, want cancelled", c.State)
	}
	ended := h.journal.Await(t, "attempt end", isTask(event.AttemptEnded, "producer", ""))
	if ended.Result.Reason != event.OutputMissing {
		t.Errorf("journal has %v", ended.Result)
	}
}

func TestOutputMissingRetried(t *testing.T) {
	tk := task("a")
	tk.Outputs = []dag.Output{{Name: "rows"}}
	tk.Retry = dag.Retry{Attempts: 2, On: []string{"output_missing"}}
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, tk)
	h := newHarness(plan, nil)
	var n int
	h.segs.CommitFn = func(*dag.Task) ([]string, error) {
		if n++; n == 1 {
			return []string{"rows"}, nil
		}
		return nil, nil
	}
	a := h.mustRun(t).Task("a")
	if a.State != event.TaskSucceeded || len(a.Attempts) != 2 || a.Attempts[0].Reason != event.OutputMissing {
		t.Fatalf("a: %+v", a)
	}
	// Succeeded only after the commit that worked.
	events := h.journal.Events()
	if seqOf(events, event.TaskChanged, "a", event.TaskSucceeded) < seqOf(events, event.AttemptStarted, "a", "") {
		t.Error("succeeded recorded before the attempt")
	}
}
