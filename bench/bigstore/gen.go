package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/weirflow/weir/dsl"
	"github.com/weirflow/weir/engine"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// workflow is one stage of n no-op tasks: what a run of a million tasks
// looks like to the store, since a wide for_each is how users get there.
const workflow = `workflow "big" {}

pool "two" {
  processes = 2
}

stage "work" {
  for_each = range(%d)
  pool     = pool.two
  command  = ["true", each.key]
  memory   = "64MiB"
}
`

// generated is what gen made.
type generated struct {
	run    string
	failed []string // task ids, in order
	took   time.Duration
}

// gen writes wf.hcl in dir and a finished run of it into dir/.weir
// through the store's Journal, as an engine records one: every task's
// definition first, then per task ready, running, attempt started (with a
// handle as the local runner's), attempt ended and its end state, two
// tasks at a time. One task in failEvery fails (exit 1); the run ends
// failed when any did.
func gen(dir string, n, failEvery int) (generated, error) {
	wf := filepath.Join(dir, "wf.hcl")
	if err := os.WriteFile(wf, fmt.Appendf(nil, workflow, n), 0o644); err != nil {
		return generated{}, err
	}
	plan, diags := dsl.NewParser().Load(wf, dsl.Options{NumCPU: runtime.NumCPU()})
	if diags.HasErrors() {
		return generated{}, fmt.Errorf("load %s: %s", wf, diags.Error())
	}
	stateDir := filepath.Join(dir, ".weir")
	st, err := store.Open(stateDir, store.Options{})
	if err != nil {
		return generated{}, err
	}
	defer st.Close()

	begin := time.Now()
	start := begin.Add(-time.Duration(n) * time.Millisecond)
	id := start.Format("20060102-150405") + "-b16000"
	j, err := st.Journal(store.RunRecord{ID: id, Workflow: wf, Name: plan.Name, PlanHash: engine.PlanHash(plan),
		Tasks: len(plan.Tasks), Started: start, ShmDir: filepath.Join(dir, "shm", id)})
	if err != nil {
		return generated{}, err
	}
	for _, t := range plan.Tasks {
		if err := st.SetDefinition(id, t.ID, t.DefHash(), engine.DefParts(t)); err != nil {
			return generated{}, err
		}
	}

	// The engine leaves the plan as graph.json and its outline beside the
	// run's events, for the page and the report.
	if err := engine.WriteRunGraph(filepath.Join(stateDir, "runs", id), plan); err != nil {
		return generated{}, err
	}

	g := generated{run: id}
	var seq uint64
	var wait func() error
	put := func(e event.Event) error {
		seq++
		e.Seq, e.RunID = seq, id
		if e.Time.IsZero() {
			e.Time = start.Add(time.Duration(seq) * 200 * time.Microsecond)
		}
		w, err := j.Append(e)
		if err != nil {
			return err
		}
		wait = w
		// The engine waits for the store before each attempt it starts;
		// waiting every few thousand events keeps the queue as short.
		if seq%4096 == 0 {
			return wait()
		}
		return nil
	}
	if err := put(event.Event{Kind: event.RunStarted}); err != nil {
		return g, err
	}
	for i, t := range plan.Tasks {
		at := start.Add(time.Duration(i) * time.Millisecond)
		res := &event.Result{Reason: event.Succeeded, PeakMemory: int64(256+i%512) << 10, CPUTime: 3 * time.Millisecond,
			Start: at, End: at.Add(time.Duration(2+i%5) * time.Millisecond), Enforcement: event.CgroupV1}
		end := event.TaskSucceeded
		if failEvery > 0 && i%failEvery == failEvery-1 {
			res.Reason, res.ExitCode, end = event.Exit, 1, event.TaskFailed
			g.failed = append(g.failed, t.ID)
		}
		handle := fmt.Appendf(nil, `{"pid":%d,"start_time":%d,"cgroup":"/sys/fs/cgroup/memory/weir-1-2/%d-%s.1.%d"}`,
			100000+i%400000, 4942258+i, i%2+1, t.ID, i%2+1)
		for _, e := range []event.Event{
			{Kind: event.TaskChanged, Task: t.ID, State: event.Ready},
			{Kind: event.TaskChanged, Task: t.ID, State: event.Running, Attempt: 1, Memory: t.Memory},
			{Kind: event.AttemptStarted, Task: t.ID, Attempt: 1, Memory: t.Memory, Handle: handle},
			{Kind: event.AttemptEnded, Task: t.ID, Attempt: 1, Memory: t.Memory, Result: res},
			{Kind: event.TaskChanged, Task: t.ID, State: end, Attempt: 1},
		} {
			if err := put(e); err != nil {
				return g, err
			}
		}
	}
	msg := "succeeded"
	if len(g.failed) > 0 {
		msg = fmt.Sprintf("failed: %d of %d tasks did not succeed", len(g.failed), len(plan.Tasks))
	}
	if err := put(event.Event{Kind: event.RunEnded, Message: msg}); err != nil {
		return g, err
	}
	if err := wait(); err != nil {
		return g, err
	}
	if err := j.Close(); err != nil {
		return g, err
	}
	g.took = time.Since(begin)
	return g, st.Close()
}
