package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// threeRuns writes three finished runs of one workflow, r1 oldest: task a
// takes 1 s, then 5 s, then 1 s; b succeeds, fails, then succeeds with ten
// times the memory; c is only in r3. A run of another workflow is beside.
func threeRuns(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	type out struct {
		state event.TaskState
		took  time.Duration
		peak  int64
	}
	for i, plan := range []map[string]out{
		{"a": {event.TaskSucceeded, time.Second, 10 << 20}, "b": {event.TaskSucceeded, time.Second, 10 << 20}},
		{"a": {event.TaskSucceeded, 5 * time.Second, 10 << 20}, "b": {event.TaskFailed, time.Second, 10 << 20}},
		{"a": {event.TaskSucceeded, time.Second, 10 << 20}, "b": {event.TaskSucceeded, time.Second, 100 << 20}, "c": {event.TaskSucceeded, time.Second, 1 << 20}},
	} {
		tasks := []string{"a", "b"}
		if i == 2 {
			tasks = append(tasks, "c")
		}
		var ts []*dag.Task
		for _, id := range tasks {
			ts = append(ts, task(id))
		}
		r := newFakeRun(t, dir, fmt.Sprintf("2026112%d-070000-aaaaa%d", i+1, i), ts...)
		r.start = r.start.Add(time.Duration(i) * time.Hour)
		started := r.start
		r.add(event.Event{Kind: event.RunStarted})
		msg := "succeeded"
		for _, id := range tasks {
			o := plan[id]
			start := r.start.Add(time.Second)
			r.add(event.Event{Kind: event.AttemptStarted, Task: id, Attempt: 1},
				event.Event{Kind: event.AttemptEnded, Task: id, Attempt: 1, Result: &event.Result{Reason: event.Succeeded, Start: start, End: start.Add(o.took), PeakMemory: o.peak}},
				event.Event{Kind: event.TaskChanged, Task: id, State: o.state})
			if o.state == event.TaskFailed {
				msg = "1 task failed"
			}
		}
		r.start = r.start.Add(plan["a"].took) // the run ends as long after it started
		r.add(event.Event{Kind: event.RunEnded, Message: msg})
		// The engine writes the record again at the end.
		state := store.RunSucceeded
		if msg != "succeeded" {
			state = store.RunFailed
		}
		writeJSONFile(t, filepath.Join(dir, "runs", r.id, "run.json"), store.RunRecord{ID: r.id, Name: "fake", Workflow: "/w/fake.hcl",
			StateDir: dir, Tasks: len(tasks), Started: started, Ended: started.Add(plan["a"].took), State: state, Message: msg, Engine: store.Self()})
	}
	other := newFakeRun(t, dir, "20261124-070000-bbbbbb", task("z"))
	writeJSONFile(t, filepath.Join(dir, "runs", other.id, "run.json"), store.RunRecord{ID: other.id, Name: "other", Workflow: "/w/other.hcl",
		StateDir: dir, Tasks: 1, Started: other.start, State: store.RunRunning, Engine: store.Self()})
	other.add(event.Event{Kind: event.RunStarted})
	return dir
}

func TestGridOfRecentRuns(t *testing.T) {
	dir := threeRuns(t)
	_, hs := startServer(t, Options{StateDir: dir})
	for _, tc := range []struct {
		query string
		runs  string
		rows  []string // task: its state in each run
	}{
		// b failed once: it comes first. c was not in the older runs.
		{query: "workflow=/w/fake.hcl", runs: "20261121-070000-aaaaa0 20261122-070000-aaaaa1 20261123-070000-aaaaa2",
			rows: []string{"b: succeeded failed succeeded", "a: succeeded succeeded succeeded", "c: - - succeeded"}},
		{query: "workflow=/w/fake.hcl&runs=2", runs: "20261122-070000-aaaaa1 20261123-070000-aaaaa2",
			rows: []string{"b: failed succeeded", "a: succeeded succeeded", "c: - succeeded"}},
		{query: "workflow=/w/other.hcl", runs: "20261124-070000-bbbbbb", rows: []string{"z: pending"}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var g Grid
			getJSON(t, hs.URL+"/api/grid?"+tc.query, &g)
			var runs []string
			for _, r := range g.Runs {
				runs = append(runs, r.ID)
			}
			var rows []string
			for i, id := range g.Tasks {
				var st []string
				for _, s := range g.States[i] {
					st = append(st, cmpOr(string(s), "-"))
				}
				rows = append(rows, id+": "+strings.Join(st, " "))
			}
			if strings.Join(runs, " ") != tc.runs || strings.Join(rows, "|") != strings.Join(tc.rows, "|") {
				t.Errorf("grid runs %q rows %q; want %q %q", runs, rows, tc.runs, tc.rows)
			}
		})
	}
}

func TestCompareTwoRuns(t *testing.T) {
	dir := threeRuns(t)
	_, hs := startServer(t, Options{StateDir: dir})
	for _, tc := range []struct {
		a, b    string
		changes []string
		same    int
	}{
		{a: "20261121-070000-aaaaa0", b: "20261122-070000-aaaaa1", changes: []string{"a: took", "b: state"}},
		{a: "20261122-070000-aaaaa1", b: "20261123-070000-aaaaa2", changes: []string{"a: took", "b: state peak", "c: state"}},
		{a: "20261121-070000-aaaaa0", b: "20261121-070000-aaaaa0", same: 2},
	} {
		t.Run(tc.a+"-"+tc.b, func(t *testing.T) {
			var c Comparison
			getJSON(t, hs.URL+"/api/compare?a="+tc.a+"&b="+tc.b, &c)
			var got []string
			for _, ch := range c.Changes {
				got = append(got, ch.Task+": "+strings.Join(ch.What, " "))
			}
			if strings.Join(got, "|") != strings.Join(tc.changes, "|") || c.Same != tc.same || c.RunA.ID != tc.a {
				t.Errorf("changes %q, %d same; want %q, %d", got, c.Same, tc.changes, tc.same)
			}
		})
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
