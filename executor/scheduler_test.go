package executor_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/executortest"
)

func TestDependencyOrder(t *testing.T) {
	// a -> b, c -> d; e alone; f after d and e.
	plan := mkPlan(t, []*dag.Pool{pool("p", 4, 0)},
		task("a"), task("b", "a"), task("c", "a"), task("d", "b", "c"), task("e"), task("f", "d", "e"))
	h := newHarness(plan, sleepFor(200*time.Microsecond))
	sum := h.mustRun(t)
	if sum.ExitCode() != executor.ExitOK || !sum.OK() {
		t.Fatalf("exit %d, states %v", sum.ExitCode(), states(sum))
	}
	events := h.journal.Events()
	for _, task := range plan.Tasks {
		started := seqOf(events, event.AttemptStarted, task.ID, "")
		if started == 0 {
			t.Fatalf("%s never started", task.ID)
		}
		for _, dep := range task.Deps {
			done := seqOf(events, event.TaskChanged, dep, event.TaskSucceeded)
			if done == 0 || done > started {
				t.Errorf("%s started (event %d) before %s succeeded (event %d)", task.ID, started, dep, done)
			}
		}
	}
	if sum.Counts[event.TaskSucceeded] != len(plan.Tasks) {
		t.Errorf("counts %v", sum.Counts)
	}
}

// maxRunning is the largest number of attempts running at once in each
// pool, from the journal.
func maxRunning(plan *dag.Plan, events []event.Event) map[string]int {
	cur, peak := map[string]int{}, map[string]int{}
	for _, e := range events {
		switch e.Kind {
		case event.AttemptStarted:
			p := plan.Task(e.Task).Pool
			cur[p]++
			peak[p] = max(peak[p], cur[p])
		case event.AttemptEnded:
			if e.Result.Reason != event.StartFailed {
				cur[plan.Task(e.Task).Pool]--
			}
		}
	}
	return peak
}

func TestPoolSlots(t *testing.T) {
	pools := []*dag.Pool{pool("one", 1, 0), pool("three", 3, 0)}
	var tasks []*dag.Task
	for i := range 24 {
		tk := task(fmt.Sprintf("t%02d", i))
		tk.Pool = pools[i%2].Name
		tasks = append(tasks, tk)
	}
	plan := mkPlan(t, pools, tasks...)
	// Long enough that every slot fills even on a loaded machine: with
	// 1 ms tasks a slow start let the first finish before the third began.
	h := newHarness(plan, sleepFor(20*time.Millisecond))
	sum := h.mustRun(t)
	if !sum.OK() {
		t.Fatalf("states %v", states(sum))
	}
	// Check (in run) fails on more than Processes at once; this makes sure
	// the limit was reached, so that check was not vacuous.
	peak := maxRunning(plan, h.journal.Events())
	if peak["one"] != 1 || peak["three"] != 3 {
		t.Errorf("peak running per pool = %v, want one:1 three:3", peak)
	}
}

// TestMemoryAdmissionProperty runs random plans with random caps, pools
// and budgets, with attempts that oom and retry with a grown cap, and checks
// from the journal that at no instant the running caps exceed a pool's
// memory or the budget, nor the running attempts a pool's processes.
func TestMemoryAdmissionProperty(t *testing.T) {
	for seed := range uint64(60) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 7))
			var budget int64
			if rng.IntN(2) == 0 {
				budget = (4 + rng.Int64N(12)) * GiB
			}
			var pools []*dag.Pool
			for i := range 1 + rng.IntN(3) {
				p := pool(fmt.Sprintf("p%d", i), 1+rng.IntN(4), 0)
				if rng.IntN(3) > 0 {
					p.Memory = (2 + rng.Int64N(10)) * GiB
				}
				if rng.IntN(5) == 0 {
					p.Executor = "slurm" // outside the budget
				}
				pools = append(pools, p)
			}
			n := 5 + rng.IntN(25)
			var tasks []*dag.Task
			for i := range n {
				tk := task(fmt.Sprintf("t%02d", i))
				for j := range i {
					if rng.IntN(6) == 0 {
						tk.Deps = append(tk.Deps, fmt.Sprintf("t%02d", j))
					}
				}
				p := pools[rng.IntN(len(pools))]
				tk.Pool = p.Name
				limit := p.Memory
				if executor.Budgeted(p) && budget > 0 && (limit == 0 || budget < limit) {
					limit = budget
				}
				switch {
				case rng.IntN(4) == 0:
					// no declared cap: a fair share
				case limit > 0:
					tk.Memory = 1 + rng.Int64N(limit)
				default:
					tk.Memory = 1 + rng.Int64N(8*GiB)
				}
				tk.Estimate = time.Duration(1+rng.IntN(5)) * time.Second
				tk.Retry = dag.Retry{Attempts: 3, On: []string{"oom"}, MemoryGrowth: 1.7}
				tasks = append(tasks, tk)
			}
			plan := mkPlan(t, pools, tasks...)
			behave := func(s *executor.Spec) executortest.Behavior {
				// Deterministic per attempt, whatever the interleaving.
				r := rand.New(rand.NewPCG(seed, uint64(len(s.Task.ID)*31+int(s.Task.ID[len(s.Task.ID)-1])*7+s.Attempt)))
				b := executortest.Behavior{Duration: time.Duration(r.IntN(300)) * time.Microsecond}
				if r.IntN(4) == 0 {
					b.Result = event.Result{Reason: event.OOM}
				}
				return b
			}
			h := newHarness(plan, behave)
			h.opts.Budget = budget
			h.opts.KeepGoing = true
			sum := h.mustRun(t)
			if got := sum.Counts[event.TaskSucceeded] + sum.Counts[event.TaskFailed] + sum.Counts[event.Skipped]; got != n {
				t.Errorf("counts %v for %d tasks", sum.Counts, n)
			}
			for _, s := range h.fake.Specs() {
				if s.Memory > 0 && s.Task.Memory > 0 && s.Memory < s.Task.Memory {
					t.Errorf("%s attempt %d: cap %d below declared %d", s.Task.ID, s.Attempt, s.Memory, s.Task.Memory)
				}
			}
		})
	}
}

func TestCriticalPathOrder(t *testing.T) {
	est := func(tk *dag.Task, d time.Duration) *dag.Task { tk.Estimate = d; return tk }
	tests := []struct {
		name  string
		tasks []*dag.Task
		want  []string
	}{{
		name: "longest remaining path first",
		// Remaining: short 1s, mid 3s, long 1+5 = 6s, long2 5s.
		tasks: []*dag.Task{
			est(task("short"), time.Second),
			est(task("mid"), 3*time.Second),
			est(task("long"), time.Second),
			est(task("long2", "long"), 5*time.Second),
		},
		want: []string{"long", "long2", "mid", "short"},
	}, {
		name:  "ties in declaration order",
		tasks: []*dag.Task{task("c"), task("a"), task("b")},
		want:  []string{"c", "a", "b"},
	}, {
		name: "a chain of short tasks beats one longer task",
		tasks: []*dag.Task{
			est(task("big"), 3*time.Second),
			task("s1"), task("s2", "s1"), task("s3", "s2"), task("s4", "s3"),
		},
		// s1 (4s to go) before big (3s); then big ties s2 and was declared first.
		want: []string{"s1", "big", "s2", "s3", "s4"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, tt.tasks...)
			h := newHarness(plan, nil)
			h.mustRun(t)
			if got := startOrder(h.journal.Events()); !slices.Equal(got, tt.want) {
				t.Errorf("start order %v, want %v", got, tt.want)
			}
		})
	}
}

// TestBigTaskNotStarved: with strict order, a big task first in line is
// not overtaken by small ones that would fit beside the running tasks.
func TestBigTaskNotStarved(t *testing.T) {
	est := func(tk *dag.Task, d time.Duration, mem int64) *dag.Task {
		tk.Estimate, tk.Memory = d, mem
		return tk
	}
	tests := []struct {
		name    string
		pool    int64 // memory of pool p
		budget  int64
		bigPool string
	}{
		{"pool memory", 10 * GiB, 0, "p"},
		{"budget", 0, 10 * GiB, "p"},
		// big waits in its own pool for the budget; small ones of another
		// pool must not take it.
		{"budget across pools", 0, 10 * GiB, "q"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// small1 and small2 start first (longest paths); big is next in
			// line and doesn't fit beside them; small3..5 would.
			big := est(task("big"), 8*time.Second, 8*GiB)
			big.Pool = tt.bigPool
			plan := mkPlan(t, []*dag.Pool{pool("p", 4, tt.pool), pool("q", 1, 0)},
				est(task("small1"), 10*time.Second, 3*GiB),
				est(task("small2"), 9*time.Second, 3*GiB),
				big,
				est(task("small3"), time.Second, GiB),
				est(task("small4"), time.Second, GiB),
				est(task("small5"), time.Second, GiB),
			)
			h := newHarness(plan, sleepFor(time.Millisecond))
			h.opts.Budget = tt.budget
			h.mustRun(t)
			got := startOrder(h.journal.Events())
			if i := slices.Index(got, "big"); i != 2 {
				t.Errorf("start order %v: big overtaken", got)
			}
		})
	}
}

func TestStartFailed(t *testing.T) {
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, task("a"))
	plan.Tasks[0].Retry = dag.Retry{Attempts: 2}
	h := newHarness(plan, func(s *executor.Spec) executortest.Behavior {
		if s.Attempt == 1 {
			return executortest.Behavior{StartErr: errors.New("exec: \"nope\": executable file not found")}
		}
		return executortest.Behavior{}
	})
	sum := h.mustRun(t)
	a := sum.Task("a")
	if a.State != event.TaskSucceeded || len(a.Attempts) != 2 {
		t.Fatalf("a: %+v", a)
	}
	if r := a.Attempts[0]; r.Reason != event.StartFailed || !strings.Contains(r.Detail, "not found") {
		t.Errorf("first attempt %+v, want start_failed naming the error", r)
	}
}

func TestPrepareFails(t *testing.T) {
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, task("a"))
	h := newHarness(plan, nil)
	h.segs.PrepareFn = func(*dag.Task) error { return errors.New("disk full") }
	sum := h.mustRun(t)
	a := sum.Task("a")
	if a.State != event.TaskFailed || a.Attempts[0].Reason != event.StartFailed ||
		!strings.Contains(a.Attempts[0].Detail, "disk full") {
		t.Fatalf("a: %+v", a)
	}
	if len(h.fake.Specs()) != 0 {
		t.Error("Start called after Prepare failed")
	}
}

func TestBadOptions(t *testing.T) {
	plan := mkPlan(t, []*dag.Pool{pool("p", 1, 0)}, task("a"))
	tests := []struct {
		name   string
		change func(o *executor.Options, p *dag.Plan)
		want   string
	}{
		{"no runner", func(o *executor.Options, _ *dag.Plan) { o.Runners = nil }, `no runner for executor "local"`},
		{"no layout", func(o *executor.Options, _ *dag.Plan) { o.Layout = nil }, "Layout"},
		{"unknown pool", func(_ *executor.Options, p *dag.Plan) { p.Pools = nil }, `no pool "p"`},
		{"no processes", func(_ *executor.Options, p *dag.Plan) { p.Pools = []*dag.Pool{pool("p", 0, 0)} }, "at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := *plan
			h := newHarness(&p, nil)
			tt.change(&h.opts, &p)
			sum, err := executor.Run(context.Background(), &p, h.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if sum != nil || len(h.journal.Events()) != 0 {
				t.Error("something was recorded for a run that could not start")
			}
		})
	}
}

// TestNoGoroutineLeak runs successes, failures, retries that are still
// waiting when the run stops, and cancellations, and checks that the
// goroutines of attempts and retry timers are all gone afterwards.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := range 20 {
		plan := mkPlan(t, []*dag.Pool{pool("p", 3, 0)},
			task("a"), task("b", "a"), task("c"), task("d"), task("e", "c"), task("f"))
		plan.Task("c").Retry = dag.Retry{Attempts: 5, Backoff: time.Hour}
		h := newHarness(plan, func(s *executor.Spec) executortest.Behavior {
			switch s.Task.ID {
			case "c":
				return executortest.Behavior{Result: event.Result{Reason: event.Exit, ExitCode: 1}}
			case "d":
				return executortest.Behavior{Duration: -1} // until cancelled
			}
			return executortest.Behavior{Duration: 100 * time.Microsecond}
		})
		h.opts.After = time.After // a real hour: the run must not wait for it
		h.opts.KeepGoing = i%2 == 0
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			// Not Await: only the test's goroutine may fail the test. If
			// nothing comes, the run is cancelled anyway and the checks
			// below fail.
			h.journal.Wait(func(e event.Event) bool {
				return isTask(event.TaskChanged, "c", event.Ready)(e) && e.Attempt == 2
			}, 10*time.Second)
			h.journal.Wait(isTask(event.AttemptStarted, "d", ""), 10*time.Second)
			cancel()
		}()
		sum, err := h.run(t, ctx)
		cancel()
		if err != nil || !sum.Cancelled {
			t.Fatalf("err %v, summary %+v", err, sum)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

// BenchmarkRun measures the scheduler's own cost per task, with attempts
// that end at once: 1,000 independent tasks in a pool of 2, and a chain of
// 1,000.
func BenchmarkRun(b *testing.B) {
	for _, shape := range []string{"independent", "chain"} {
		b.Run(shape, func(b *testing.B) {
			var tasks []*dag.Task
			for i := range 1000 {
				tk := task(fmt.Sprintf("t%04d", i))
				if shape == "chain" && i > 0 {
					tk.Deps = []string{fmt.Sprintf("t%04d", i-1)}
				}
				tasks = append(tasks, tk)
			}
			plan := mkPlan(b, []*dag.Pool{pool("p", 2, 4*GiB)}, tasks...)
			h := newHarness(plan, nil)
			h.opts.Journal = event.JournalFunc(func(event.Event) error { return nil })
			b.ReportAllocs()
			for b.Loop() {
				sum, err := executor.Run(context.Background(), plan, h.opts)
				if err != nil || !sum.OK() {
					b.Fatal(err, sum.Counts)
				}
			}
		})
	}
}
