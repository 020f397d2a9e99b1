package executortest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor/executortest"
)

func TestCheck(t *testing.T) {
	plan := &dag.Plan{
		Pools: []*dag.Pool{{Name: "p", Executor: "local", Processes: 1, Memory: 10}},
		Tasks: []*dag.Task{{ID: "a", Pool: "p"}, {ID: "b", Pool: "p"}},
	}
	ev := func(seq uint64, kind event.EventKind, task string, state event.TaskState, mem int64) event.Event {
		return event.Event{Seq: seq, Kind: kind, Task: task, State: state, Memory: mem}
	}
	run := func(task string, seq uint64, mem int64) []event.Event {
		return []event.Event{
			ev(seq, event.TaskChanged, task, event.Ready, 0),
			ev(seq+1, event.TaskChanged, task, event.Running, 0),
			ev(seq+2, event.AttemptStarted, task, "", mem),
		}
	}
	end := func(task string, seq uint64) []event.Event {
		return []event.Event{
			ev(seq, event.AttemptEnded, task, "", 0),
			ev(seq+1, event.TaskChanged, task, event.TaskSucceeded, 0),
		}
	}
	cat := func(parts ...[]event.Event) []event.Event {
		var out []event.Event
		for _, p := range parts {
			out = append(out, p...)
		}
		return append(out, event.Event{Seq: 100, Kind: event.RunEnded})
	}
	tests := []struct {
		name   string
		budget int64
		events []event.Event
		want   string // "" = no error
	}{
		{"one after the other", 0, cat(run("a", 1, 6), end("a", 4), run("b", 6, 6), end("b", 9)), ""},
		{"too many at once", 0, cat(run("a", 1, 1), run("b", 4, 1), end("a", 7), end("b", 9)), "2 attempts running"},
		{"over the pool", 0, cat(run("a", 1, 11), end("a", 4), run("b", 6, 1), end("b", 9)), "caps of 11 bytes running in pool"},
		{"over the budget", 5, cat(run("a", 1, 6), end("a", 4), run("b", 6, 1), end("b", 9)), "against a budget of 5"},
		{"illegal move", 0, cat([]event.Event{ev(1, event.TaskChanged, "a", event.Running, 0)}), "illegal task transition pending -> running"},
		{"unknown task", 0, cat([]event.Event{ev(1, event.TaskChanged, "zz", event.Ready, 0)}), "unknown task"},
		{"sequence", 0, cat([]event.Event{ev(2, event.RunStarted, "", "", 0), ev(2, event.RunStarted, "", "", 0)}), "sequence number"},
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
		h := executortest.NewHandle(nil, executortest.Behavior{Duration: time.Millisecond, Result: event.Result{Reason: event.OOM}})
		if r := h.Wait(); r.Reason != event.OOM || r.End.Before(r.Start) || !h.Waited() {
			t.Errorf("result %+v", r)
		}
	})
	t.Run("stop ends it with the cause", func(t *testing.T) {
		h := executortest.NewHandle(nil, executortest.Behavior{Duration: -1})
		h.Stop(event.Timeout, time.Hour)
		if r := h.Wait(); r.Reason != event.Timeout {
			t.Errorf("result %+v", r)
		}
	})
	t.Run("ignoring SIGTERM lasts the grace", func(t *testing.T) {
		h := executortest.NewHandle(nil, executortest.Behavior{Duration: -1, IgnoreTerm: true})
		h.Stop(event.Cancelled, time.Hour)
		select {
		case <-h.Done():
			t.Fatal("ended before its grace")
		case <-time.After(time.Millisecond):
		}
		h.Stop(event.Cancelled, 0)
		if r := h.Wait(); r.Reason != event.Cancelled || len(h.Stops()) != 2 {
			t.Errorf("result %+v, stops %v", r, h.Stops())
		}
		if h.End(event.Result{}) {
			t.Error("End after the end reported running")
		}
	})
}
