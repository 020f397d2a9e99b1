package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/engine"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// The plain lines of a run, for fixed sequences of events at fixed times,
// against testdata/progress/*.golden (WEIR_UPDATE_GOLDEN=1 rewrites them).
func TestProgressGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		quiet bool
		run   func(*runScript)
	}{
		{"ok", false, scriptOK},
		{"retry", false, scriptRetry},
		{"retry-quiet", true, scriptRetry},
		{"cancel", false, scriptCancel},
		{"cancel-quiet", true, scriptCancel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := newRunScript(t)
			tc.run(rs)
			var out bytes.Buffer
			p := newProgress(&out, rs.plan, tc.quiet)
			for _, e := range rs.events {
				if err := p.Record(e); err != nil {
					t.Fatal(err)
				}
			}
			got := strings.ReplaceAll(out.String(), rs.dir, "$STATE")
			golden(t, filepath.Join("testdata", "progress", tc.name+".golden"), got)
		})
	}
}

// golden compares got with the file at path, or rewrites the file when
// WEIR_UPDATE_GOLDEN=1.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if os.Getenv("WEIR_UPDATE_GOLDEN") == "1" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (WEIR_UPDATE_GOLDEN=1 writes it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; WEIR_UPDATE_GOLDEN=1 rewrites it):\n%s", path, diff)
	}
}

// runScript builds the events of a run of testPlan by hand, at times
// counted in seconds from a fixed start, and writes the log files the
// views read.
type runScript struct {
	t      *testing.T
	dir    string // the state dir
	plan   *dag.Plan
	runID  string
	events []event.Event
}

var scriptStart = time.Date(2026, 11, 26, 7, 15, 0, 0, time.UTC)

func newRunScript(t *testing.T) *runScript {
	dir := t.TempDir()
	return &runScript{t: t, dir: dir, plan: testPlan(t, dir), runID: "20261126-071500-abcdef"}
}

// testPlan: extract (pool work) feeds shard[0..3] (pool work, retried on
// exit and oom with a growing cap and a backoff), which feed reduce (the
// default pool, no cap declared). Pool work runs 2 tasks in 1 GiB; the
// budget is 2 GiB.
func testPlan(t *testing.T, stateDir string) *dag.Plan {
	tasks := []*dag.Task{{ID: "extract", Stage: "extract", Pool: "work", Memory: 600 * mib, Retry: dag.Retry{Attempts: 1}}}
	var shards []string
	for _, k := range []string{"0", "1", "2", "3"} {
		id := "shard[" + k + "]"
		shards = append(shards, id)
		tasks = append(tasks, &dag.Task{ID: id, Stage: "shard", Key: k, Keyed: true, Pool: "work", Memory: 300 * mib,
			Deps: []string{"extract"}, Retry: dag.Retry{Attempts: 3, On: []string{"exit", "oom"}, MemoryGrowth: 1.5, Backoff: 2 * time.Second}})
	}
	tasks = append(tasks, &dag.Task{ID: "reduce", Stage: "reduce", Pool: dag.DefaultPool, Deps: shards, Retry: dag.Retry{Attempts: 1}})
	g, err := dag.New(tasks)
	if err != nil {
		t.Fatal(err)
	}
	return &dag.Plan{
		Name:     "etl",
		Settings: dag.Settings{StateDir: stateDir, MemoryBudget: 2 << 30},
		Pools: []*dag.Pool{
			{Name: dag.DefaultPool, Executor: "local", Processes: 2},
			{Name: "work", Executor: "local", Processes: 2, Memory: 1 << 30},
		},
		Tasks: tasks,
		Graph: g,
	}
}

func at(sec float64) time.Time { return scriptStart.Add(time.Duration(sec * float64(time.Second))) }

func (rs *runScript) add(sec float64, e event.Event) {
	e.Seq = uint64(len(rs.events) + 1)
	e.Time = at(sec)
	e.RunID = rs.runID
	rs.events = append(rs.events, e)
}

func (rs *runScript) state(sec float64, task string, st event.TaskState, msg string) {
	rs.add(sec, event.Event{Kind: event.TaskChanged, Task: task, State: st, Message: msg})
}

// start is the scheduler's start of an attempt: running, then started.
func (rs *runScript) start(sec float64, task string, attempt int, cap int64) {
	rs.add(sec, event.Event{Kind: event.TaskChanged, Task: task, State: event.Running, Attempt: attempt, Memory: cap})
	rs.add(sec+0.001, event.Event{Kind: event.AttemptStarted, Task: task, Attempt: attempt, Memory: cap})
}

// end ends an attempt started at from with r, and moves the task on when
// it succeeded.
func (rs *runScript) end(sec float64, task string, attempt int, from float64, r event.Result) {
	r.Start, r.End = at(from), at(sec)
	rs.add(sec, event.Event{Kind: event.AttemptEnded, Task: task, Attempt: attempt, Result: &r})
	if r.OK() {
		rs.state(sec, task, event.TaskSucceeded, "")
	}
}

// log writes an attempt's stderr.
func (rs *runScript) log(task string, attempt int, text string) {
	_, stderr := store.DirLayout{Root: engine.RunDir(rs.plan, rs.runID)}.Logs(task, attempt)
	if err := os.MkdirAll(filepath.Dir(stderr), 0o755); err != nil {
		rs.t.Fatal(err)
	}
	if err := os.WriteFile(stderr, []byte(text), 0o644); err != nil {
		rs.t.Fatal(err)
	}
}

func ok(peak int64, cpu time.Duration) event.Result {
	return event.Result{Reason: event.Succeeded, PeakMemory: peak, CPUTime: cpu}
}

const mib = 1 << 20

// scriptOK: everything succeeds, one task leaves a process behind.
func scriptOK(rs *runScript) {
	rs.add(0, event.Event{Kind: event.RunStarted})
	rs.state(0, "extract", event.Ready, "")
	rs.start(0, "extract", 1, 600*mib)
	rs.end(1.5, "extract", 1, 0, ok(420*mib, 1200*time.Millisecond))
	for _, s := range []string{"shard[0]", "shard[1]", "shard[2]", "shard[3]"} {
		rs.state(1.5, s, event.Ready, "")
	}
	rs.start(1.5, "shard[0]", 1, 300*mib)
	rs.start(1.5, "shard[1]", 1, 300*mib)
	rs.end(2.25, "shard[0]", 1, 1.5, ok(120*mib, 700*time.Millisecond))
	rs.start(2.25, "shard[2]", 1, 300*mib)
	r := ok(130*mib, 800*time.Millisecond)
	r.Leftovers = 2
	rs.end(2.4, "shard[1]", 1, 1.5, r)
	rs.start(2.4, "shard[3]", 1, 300*mib)
	rs.end(3, "shard[2]", 1, 2.25, ok(110*mib, 600*time.Millisecond))
	rs.end(3.1, "shard[3]", 1, 2.4, ok(100*mib, 650*time.Millisecond))
	rs.state(3.1, "reduce", event.Ready, "")
	rs.start(3.1, "reduce", 1, 1<<30)
	rs.end(3.2, "reduce", 1, 3.1, ok(2*mib, 50*time.Millisecond))
	rs.add(3.2, event.Event{Kind: event.RunEnded, Message: "succeeded"})
}

// scriptRetry: shard[1] exits 3 and succeeds on its second attempt;
// shard[2] runs out of memory three times and fails, so reduce is
// skipped.
func scriptRetry(rs *runScript) {
	rs.add(0, event.Event{Kind: event.RunStarted})
	rs.state(0, "extract", event.Ready, "")
	rs.start(0, "extract", 1, 600*mib)
	rs.end(1, "extract", 1, 0, ok(420*mib, time.Second))
	for _, s := range []string{"shard[0]", "shard[1]", "shard[2]", "shard[3]"} {
		rs.state(1, s, event.Ready, "")
	}
	rs.start(1, "shard[0]", 1, 300*mib)
	rs.start(1, "shard[1]", 1, 300*mib)
	rs.log("shard[1]", 1, "reading rows\nrow 1234: bad value \"x\"\ntraceback (most recent call last):\n  File \"shard.py\", line 9\nValueError: x\n")
	rs.end(1.8, "shard[1]", 1, 1, event.Result{Reason: event.Exit, ExitCode: 3, PeakMemory: 90 * mib, CPUTime: 500 * time.Millisecond})
	rs.add(1.8, event.Event{Kind: event.TaskChanged, Task: "shard[1]", State: event.Ready, Attempt: 2, Memory: 300 * mib,
		Message: "attempt 1/3 ended: exit 3; retrying in 2s"})
	rs.start(1.8, "shard[2]", 1, 300*mib)
	rs.end(2, "shard[0]", 1, 1, ok(150*mib, 900*time.Millisecond))
	rs.start(2, "shard[3]", 1, 300*mib)
	oom := event.Result{Reason: event.OOM, Detail: "exceeded its memory cap of 300 MiB (peak 300 MiB)", PeakMemory: 300 * mib}
	rs.end(2.5, "shard[2]", 1, 1.8, oom)
	rs.add(2.5, event.Event{Kind: event.TaskChanged, Task: "shard[2]", State: event.Ready, Attempt: 2, Memory: 450 * mib,
		Message: "attempt 1/3 ended: oom; retrying with a cap of 450 MiB in 2s"})
	rs.end(3, "shard[3]", 1, 2, ok(140*mib, 800*time.Millisecond))
	rs.start(3.8, "shard[1]", 2, 300*mib)
	rs.end(4.5, "shard[1]", 2, 3.8, ok(160*mib, 700*time.Millisecond))
	rs.start(4.5, "shard[2]", 2, 450*mib)
	oom.Detail, oom.PeakMemory = "exceeded its memory cap of 450 MiB (peak 450 MiB)", 450*mib
	rs.end(5, "shard[2]", 2, 4.5, oom)
	rs.add(5, event.Event{Kind: event.TaskChanged, Task: "shard[2]", State: event.Ready, Attempt: 3, Memory: 675 * mib,
		Message: "attempt 2/3 ended: oom; retrying with a cap of 675 MiB in 4s"})
	rs.start(9, "shard[2]", 3, 675*mib)
	rs.log("shard[2]", 3, "allocating 1 GiB\n")
	oom.Detail, oom.PeakMemory = "exceeded its memory cap of 675 MiB (peak 675 MiB)", 675*mib
	rs.end(9.5, "shard[2]", 3, 9, oom)
	rs.state(9.5, "shard[2]", event.TaskFailed, "attempt 3/3 ended: oom")
	rs.state(9.5, "reduce", event.Skipped, "dependency shard[2] failed")
	rs.add(9.5, event.Event{Kind: event.RunEnded, Message: "failed"})
}

// scriptCancel: the run is cancelled while two shards run.
func scriptCancel(rs *runScript) {
	rs.add(0, event.Event{Kind: event.RunStarted})
	rs.state(0, "extract", event.Ready, "")
	rs.start(0, "extract", 1, 600*mib)
	rs.end(1, "extract", 1, 0, ok(420*mib, time.Second))
	for _, s := range []string{"shard[0]", "shard[1]", "shard[2]", "shard[3]"} {
		rs.state(1, s, event.Ready, "")
	}
	rs.start(1, "shard[0]", 1, 300*mib)
	rs.start(1, "shard[1]", 1, 300*mib)
	rs.state(1.5, "shard[2]", event.TaskCancelled, "not started: run cancelled")
	rs.state(1.5, "shard[3]", event.TaskCancelled, "not started: run cancelled")
	rs.state(1.5, "reduce", event.TaskCancelled, "not started: run cancelled")
	for _, s := range []string{"shard[0]", "shard[1]"} {
		rs.end(1.7, s, 1, 1, event.Result{Reason: event.Cancelled, Signal: 15})
		rs.state(1.7, s, event.TaskCancelled, "attempt 1/3: cancelled")
	}
	rs.add(1.7, event.Event{Kind: event.RunEnded, Message: "cancelled"})
}
