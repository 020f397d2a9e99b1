package metrics_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
	"github.com/weirflow/weir/ui/metrics"
)

// writeRun writes a run's files as an engine does: run.json, graph.json
// and the events so far.
func writeRun(t *testing.T, dir, id string, state store.RunState, events []event.Event) {
	t.Helper()
	rd := filepath.Join(dir, "runs", id)
	os.MkdirAll(rd, 0o700)
	put := func(name string, v any) {
		b, _ := json.Marshal(v)
		if err := os.WriteFile(filepath.Join(rd, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	put("run.json", store.RunRecord{ID: id, Name: "etl", State: state, Started: time.Now(), Engine: store.Self()})
	put("graph.json", map[string]any{"settings": map[string]any{"memory_budget": 1 << 30},
		"tasks": []map[string]string{{"id": "a"}, {"id": "b"}}})
	var lines []byte
	for _, e := range events {
		b, _ := json.Marshal(e)
		lines = append(append(lines, b...), '\n')
	}
	if err := os.WriteFile(filepath.Join(rd, "events.jsonl"), lines, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Follow reads runs in progress from their files, as weir ui does beside a
// running engine; runs that ended before it looked are left out.
func TestFollow(t *testing.T) {
	dir := t.TempDir()
	ev := func(seq uint64, e event.Event) event.Event {
		e.Seq, e.RunID, e.Time = seq, "r2", time.Now()
		return e
	}
	t0 := time.Now()
	events := []event.Event{
		ev(1, event.Event{Kind: event.RunStarted}),
		ev(2, event.Event{Kind: event.TaskChanged, Task: "a", State: event.Ready}),
		ev(3, event.Event{Kind: event.TaskChanged, Task: "a", State: event.Running, Attempt: 1, Memory: 256 << 20}),
	}
	writeRun(t, dir, "r1", store.RunSucceeded, nil) // over before Follow began
	writeRun(t, dir, "r2", store.RunRunning, events)

	m := metrics.New()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Follow(ctx, dir, 10*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()

	waitValue(t, m, "weir_tasks", map[string]string{"workflow": "etl", "state": "running"}, 1)
	waitValue(t, m, "weir_tasks", map[string]string{"workflow": "etl", "state": "pending"}, 1)
	waitValue(t, m, "weir_running_memory_bytes", map[string]string{"workflow": "etl"}, 256<<20)
	waitValue(t, m, "weir_memory_budget_bytes", map[string]string{"workflow": "etl"}, 1<<30)

	// A line the engine is still writing is left for the next look.
	rd := filepath.Join(dir, "runs", "r2")
	f, err := os.OpenFile(filepath.Join(rd, "events.jsonl"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"seq":4,"kind":"attempt_en`)
	f.Close()
	time.Sleep(50 * time.Millisecond)
	if got := value(scrape(t, m), "weir_attempts_total", map[string]string{"workflow": "etl", "reason": "succeeded"}); got > 0 {
		t.Errorf("a torn line counted: %v", got)
	}

	events = append(events,
		ev(4, event.Event{Kind: event.AttemptEnded, Task: "a", Attempt: 1, Result: &event.Result{Reason: event.Succeeded, Start: t0, End: t0.Add(time.Second)}}),
		ev(5, event.Event{Kind: event.TaskChanged, Task: "a", State: event.TaskSucceeded}),
		ev(6, event.Event{Kind: event.RunEnded, Message: "succeeded"}),
	)
	writeRun(t, dir, "r2", store.RunSucceeded, events)
	waitValue(t, m, "weir_runs_total", map[string]string{"workflow": "etl", "outcome": "succeeded"}, 1)
	waitValue(t, m, "weir_attempts_total", map[string]string{"workflow": "etl", "reason": "succeeded"}, 1)
	time.Sleep(50 * time.Millisecond) // more polls: nothing counts twice
	if got := value(scrape(t, m), "weir_runs_total", map[string]string{"workflow": "etl", "outcome": "succeeded"}); got != 1 {
		t.Errorf("runs counted %v times", got)
	}
}

func waitValue(t *testing.T, m *metrics.Metrics, name string, labels map[string]string, want float64) {
	t.Helper()
	var got float64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if got = value(scrape(t, m), name, labels); got == want {
			return
		}
	}
	t.Fatalf("%s%v = %v, want %v", name, labels, got, want)
}

// TestFollowWaitsForGraph: a run in progress whose graph.json is not
// written yet (the engine writes it once the first task has started) is
// followed once it is, from its first event, with every task counted.
func TestFollowWaitsForGraph(t *testing.T) {
	dir := t.TempDir()
	events := []event.Event{
		{Seq: 1, RunID: "r1", Time: time.Now(), Kind: event.RunStarted},
		{Seq: 2, RunID: "r1", Time: time.Now(), Kind: event.TaskChanged, Task: "a", State: event.Ready},
		{Seq: 3, RunID: "r1", Time: time.Now(), Kind: event.TaskChanged, Task: "a", State: event.Running, Attempt: 1, Memory: 256 << 20},
	}
	writeRun(t, dir, "r1", store.RunRunning, events)
	graph := filepath.Join(dir, "runs", "r1", "graph.json")
	b, err := os.ReadFile(graph)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(graph)

	m := metrics.New()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Follow(ctx, dir, 10*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()
	time.Sleep(50 * time.Millisecond) // a few looks without graph.json

	if err := os.WriteFile(graph, b, 0o600); err != nil {
		t.Fatal(err)
	}
	waitValue(t, m, "weir_tasks", map[string]string{"workflow": "etl", "state": "running"}, 1)
	waitValue(t, m, "weir_tasks", map[string]string{"workflow": "etl", "state": "pending"}, 1)
	waitValue(t, m, "weir_memory_budget_bytes", map[string]string{"workflow": "etl"}, 1<<30)
}
