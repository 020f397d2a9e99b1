package executortest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/executortest"
)

func TestCheck(t *testing.T) {
	plan := &dag.Plan{
		Pools: []*dag.Pool{{Name: "p", Executor: "local", Processes: 1, Memory: 10}},
		Tasks: []*dag.Task{{ID: "a", Pool: "p"}, {ID: "b", Pool: "p"}},
	}
	ev := func(seq uint64, kind executor.EventKind, task string, state executor.TaskState, mem int64) executor.Event {
		return executor.Event{Seq: seq, Kind: kind, Task: task, State: state, Memory: mem}
	}
	run := func(task string, seq uint64, mem int64) []executor.Event {
		return []executor.Event{
			ev(seq, executor.TaskChanged, task, executor.Ready, 0),
			ev(seq+1, executor.TaskChanged, task, executor.Running, 0),
			ev(seq+2, executor.AttemptStarted, task, "", mem),
		}
	}
	end := func(task string, seq uint64) []executor.Event {
		return []executor.Event{
			ev(seq, executor.AttemptEnded, task, "", 0),
			ev(seq+1, executor.TaskChanged, task, executor.TaskSucceeded, 0),
		}
	}
	cat := func(parts ...[]executor.Event) []executor.Event {
		var out []executor.Event
		for _, p := range parts {
			out = append(out, p...)
		}
		return append(out, executor.Event{Seq: 100, Kind: executor.RunEnded})
	}
	tests := []struct {
		name   string
		budget int64
		events []executor.Event
		want   string // "" = no error
	}{
		{"one after the other", 0, cat(run("a", 1, 6), end("a", 4), run("b", 6, 6), end("b", 9)), ""},
		{"too many at once", 0, cat(run("a", 1, 1), run("b", 4, 1), end("a", 7), end("b", 9)), "2 attempts running"},
		{"over the pool", 0, cat(run("a", 1, 11), end("a", 4), run("b", 6, 1), end("b", 9)), "caps of 11 bytes running in pool"},
		{"over the budget", 5, cat(run("a", 1, 6), end("a", 4), run("b", 6, 1), end("b", 9)), "against a budget of 5"},
		{"illegal move", 0, cat([]executor.Event{ev(1, executor.TaskChanged, "a", executor.Running, 0)}), "illegal task transition pending -> running"},
		{"unknown task", 0, cat([]executor.Event{ev(1, executor.TaskChanged, "zz", executor.Ready, 0)}), "unknown task"},
		{"sequence", 0, cat([]executor.Event{ev(2, executor.RunStarted, "", "", 0), ev(2, executor.RunStarted, "", "", 0)}), "sequence number"},
		{"left running", 0, cat(run("a", 1, 1)), "task a ended the run running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := executortest.Check(plan, tt.budget, tt.events)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFakeHandle(t *testing.T) {
	t.Run("ends on its own", func(t *testing.T) {
		h := executortest.NewHandle(nil, executortest.Behavior{Duration: time.Millisecond, Result: executor.Result{Reason: executor.OOM}})
		if r := h.Wait(); r.Reason != executor.OOM || r.End.Before(r.Start) || !h.Waited() {
			t.Errorf("result %+v", r)
		}
	})
	t.Run("stop ends it with the cause", func(t *testing.T) {
		h := executortest.NewHandle(nil, executortest.Behavior{Duration: -1})
		h.Stop(executor.Timeout, time.Hour)
		if r := h.Wait(); r.Reason != executor.Timeout {
			t.Errorf("result %+v", r)
		}
	})
	t.Run("ignoring SIGTERM lasts the grace", func(t *testing.T) {
		h := executortest.NewHandle(nil, executortest.Behavior{Duration: -1, IgnoreTerm: true})
		h.Stop(executor.Cancelled, time.Hour)
		select {
		case <-h.Done():
			t.Fatal("ended before its grace")
		case <-time.After(time.Millisecond):
		}
		h.Stop(executor.Cancelled, 0)
		if r := h.Wait(); r.Reason != executor.Cancelled || len(h.Stops()) != 2 {
			t.Errorf("result %+v, stops %v", r, h.Stops())
		}
		if h.End(executor.Result{}) {
			t.Error("End after the end reported running")
		}
	})
}
