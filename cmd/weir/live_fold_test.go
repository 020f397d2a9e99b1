package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
)

// A live view held up past liveQueueMax queues at most one change per task
// besides the failures, and what it then shows is what it would have shown
// had it taken every event: the counts, each task's state, the failures.
func TestLiveViewFoldsWhenBehind(t *testing.T) {
	for _, tc := range []struct {
		name      string
		tasks     int
		wantFold  bool
		maxQueued int
	}{
		{"within the bound", 300, false, 300*6 + 1},
		{"far behind", 5000, true, liveQueueMax + 5000 + 5000/97 + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tasks []*dag.Task
			for i := range tc.tasks {
				tasks = append(tasks, &dag.Task{ID: fmt.Sprintf("w[%d]", i), Stage: "w", Pool: "two", Retry: dag.Retry{Attempts: 2}})
			}
			g, err := dag.New(tasks)
			if err != nil {
				t.Fatal(err)
			}
			plan := &dag.Plan{Name: "fold", Pools: []*dag.Pool{{Name: "two", Processes: 2}}, Tasks: tasks, Graph: g}
			var all []event.Event
			all = append(all, event.Event{Kind: event.RunStarted, Time: scriptStart, RunID: "r"})
			for i, task := range tasks {
				at := scriptStart.Add(time.Duration(i) * time.Millisecond)
				ok := &event.Result{Reason: event.Succeeded, Start: at, End: at}
				for _, e := range []event.Event{
					{Kind: event.TaskChanged, Task: task.ID, State: event.Ready, Attempt: 1},
					{Kind: event.TaskChanged, Task: task.ID, State: event.Running, Attempt: 1},
					{Kind: event.AttemptStarted, Task: task.ID, Attempt: 1},
				} {
					e.Time = at
					all = append(all, e)
				}
				if i%97 == 0 { // fails once, then succeeds
					all = append(all,
						event.Event{Kind: event.AttemptEnded, Task: task.ID, Attempt: 1, Time: at, Result: &event.Result{Reason: event.Exit, ExitCode: 1, Start: at, End: at}},
						event.Event{Kind: event.TaskChanged, Task: task.ID, State: event.Ready, Attempt: 2, Time: at},
						event.Event{Kind: event.TaskChanged, Task: task.ID, State: event.Running, Attempt: 2, Time: at},
						event.Event{Kind: event.AttemptStarted, Task: task.ID, Attempt: 2, Time: at})
				}
				all = append(all,
					event.Event{Kind: event.AttemptEnded, Task: task.ID, Attempt: 1, Time: at, Result: ok},
					event.Event{Kind: event.TaskChanged, Task: task.ID, State: event.TaskSucceeded, Time: at})
			}
			// The last task is still running at the end.
			all = all[:len(all)-2]

			dir := t.TempDir()
			v := &liveView{started: true} // held up: nothing takes its queue
			for _, e := range all {
				v.Record(e)
			}
			if n := len(v.queue); n > tc.maxQueued {
				t.Errorf("%d events queued, want at most %d", n, tc.maxQueued)
			}
			if folded := len(v.queue) < len(all); folded != tc.wantFold {
				t.Errorf("folded %v (%d of %d events queued), want %v", folded, len(v.queue), len(all), tc.wantFold)
			}
			got, want := newLiveState(plan, dir, 0), newLiveState(plan, dir, 0)
			for _, e := range v.take() {
				got.apply(e)
			}
			for _, e := range all {
				want.apply(e)
			}
			type seen struct {
				Counts   map[event.TaskState]int
				States   []event.TaskState
				Running  []string
				Failures []string
				Failed   int
			}
			view := func(s *liveState) seen {
				v := seen{Counts: s.counts, Failed: s.failedAttempts}
				for _, t := range s.order {
					v.States = append(v.States, t.state)
					if s.running[t] {
						v.Running = append(v.Running, t.t.ID)
					}
				}
				for _, f := range s.failures {
					v.Failures = append(v.Failures, fmt.Sprintf("%s %d %s", f.task, f.attempt, f.what))
				}
				return v
			}
			if diff := cmp.Diff(view(want), view(got)); diff != "" {
				t.Errorf("the view behind differs from one that took every event (-every +behind):\n%s", diff)
			}
		})
	}
}
