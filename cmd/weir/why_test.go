package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/dsl"
	"github.com/weirflow/weir/engine"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// finishedRun writes wf.hcl in dir with src and, in state, a run of it in
// which every task succeeded, recorded through the store's journal as an
// engine records one.
func finishedRun(t *testing.T, dir, state, src string) {
	t.Helper()
	wf := filepath.Join(dir, "wf.hcl")
	if err := os.WriteFile(wf, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	plan, diags := dsl.NewParser().Load(wf, dsl.Options{NumCPU: runtime.NumCPU()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	st, err := store.Open(state, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now().Add(-time.Minute)
	id := start.Format("20060102-150405") + "-0why00"
	j, err := st.Journal(store.RunRecord{ID: id, Workflow: wf, Name: plan.Name, PlanHash: engine.PlanHash(plan),
		Tasks: len(plan.Tasks), Started: start, ShmDir: filepath.Join(dir, "shm", id)})
	if err != nil {
		t.Fatal(err)
	}
	events := []event.Event{{Kind: event.RunStarted}}
	for _, task := range plan.Tasks {
		if err := st.SetDefinition(id, task.ID, task.DefHash(), engine.DefParts(task)); err != nil {
			t.Fatal(err)
		}
		res := &event.Result{Reason: event.Succeeded, Start: start, End: start.Add(time.Millisecond)}
		events = append(events,
			event.Event{Kind: event.TaskChanged, Task: task.ID, State: event.Running, Attempt: 1},
			event.Event{Kind: event.AttemptEnded, Task: task.ID, Attempt: 1, Result: res},
			event.Event{Kind: event.TaskChanged, Task: task.ID, State: event.TaskSucceeded, Attempt: 1})
	}
	events = append(events, event.Event{Kind: event.RunEnded, Message: "succeeded"})
	var wait func() error
	for i, e := range events {
		e.Seq, e.RunID, e.Time = uint64(i+1), id, start.Add(time.Duration(i)*time.Millisecond)
		if wait, err = j.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestWhyBuildsOnlyItsTasks counts the tasks the workflow's load builds
// for weir why: the asked task and those linked to it, never the whole
// stage, and none for a key that does not exist, which the message names.
func TestWhyBuildsOnlyItsTasks(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, ".weir")
	finishedRun(t, dir, state, `
stage "prep" {
  for_each = range(300)
  command  = ["true", each.key]
  output "x" {}
}
stage "work" {
  for_each = { for i in range(300) : tostring(i) => i }
  command  = ["true", each.key, stage.prep[each.key].output.x]
}
stage "alone" {
  command = ["true"]
}
`)
	for _, tc := range []struct {
		task, out string
		built     int64
	}{
		{"prep[17]", "prep[17] would be reused", 2},
		{"work[250]", "work[250] would be reused", 2},
		{"work[300]", `the workflow has no task "work[300]": stage "work" of ` + filepath.Join(dir, "wf.hcl") + ` has no key "300"`, 0},
		{"alone", "alone would be reused", 1},
		// Not a task form of the stage: loaded whole, as before.
		{"alone[1]", `the workflow has no task "alone[1]": stage "alone" has no for_each; did you mean "alone"?`, 601},
	} {
		var out, errb bytes.Buffer
		before := dsl.TasksBuilt.Load()
		realMain([]string{"why", tc.task, "--state-dir", state}, &out, &errb)
		got := out.String() + errb.String()
		if !strings.Contains(got, tc.out) {
			t.Errorf("why %s: %q, want %q", tc.task, got, tc.out)
		}
		if n := dsl.TasksBuilt.Load() - before; n != tc.built {
			t.Errorf("why %s built %d tasks, want %d", tc.task, n, tc.built)
		}
	}
}
