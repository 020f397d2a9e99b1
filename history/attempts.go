package history

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// Attempt is one attempt of a task in a run, as its events tell it.
type Attempt struct {
	Run   string
	Task  string
	Stage string
	Key   string
	Pool  string
	N     int   // 1-based
	Cap   int64 // memory cap in force, bytes; 0 = none
	// Timeout is the task's declared timeout; 0 = none.
	Timeout time.Duration
	Started time.Time
	// Result is nil for an attempt that has not ended (or whose engine
	// died before it could say how).
	Result *event.Result
}

// Attempts returns every attempt of run id in state dir dir, ordered by
// start, then task, then attempt number.
func Attempts(dir, id string) ([]Attempt, error) {
	tasks, _, err := readGraph(dir, id)
	if err != nil {
		return nil, err
	}
	events, err := store.ReadEvents(dir, id)
	if err != nil {
		return nil, err
	}
	return fromEvents(id, tasks, events), nil
}

// readGraph reads the tasks of run id from its graph.json, and their IDs
// in declaration order.
func readGraph(dir, id string) (map[string]*dag.Task, []string, error) {
	doc, err := dag.ReadJSON(filepath.Join(dir, "runs", id, "graph.json"))
	if errors.Is(err, os.ErrNotExist) {
		// Runs recorded before graph.json was kept: stage and pool are
		// unknown, the task IDs still tell the stage.
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("history: %w", err)
	}
	out := make(map[string]*dag.Task, len(doc.Tasks))
	order := make([]string, len(doc.Tasks))
	for i, t := range doc.Tasks {
		out[t.ID] = t
		order[i] = t.ID
	}
	return out, order, nil
}

// Limits are what a stage declares.
type Limits struct {
	Memory  int64 // bytes, 0 = none
	Timeout time.Duration
}

// Declared returns each stage's cap and timeout as run id declared them
// (its first task's), and the stages in declaration order; none for a run
// recorded without graph.json.
func Declared(dir, id string) (map[string]Limits, []string, error) {
	if w := readWide(dir, id); w != nil {
		return w.declared(dir)
	}
	tasks, order, err := readGraph(dir, id)
	if err != nil {
		return nil, nil, err
	}
	out := map[string]Limits{}
	var stages []string
	for _, tid := range order {
		t := tasks[tid]
		if _, ok := out[t.Stage]; !ok {
			out[t.Stage] = Limits{Memory: t.Memory, Timeout: t.Timeout}
			stages = append(stages, t.Stage)
		}
	}
	return out, stages, nil
}

func fromEvents(run string, tasks map[string]*dag.Task, events []event.Event) []Attempt {
	type key struct {
		task string
		n    int
	}
	index := map[key]int{}
	var out []Attempt
	get := func(e event.Event) *Attempt {
		k := key{e.Task, e.Attempt}
		if i, ok := index[k]; ok {
			return &out[i]
		}
		t, ok := tasks[e.Task]
		if !ok {
			t = &dag.Task{ID: e.Task, Stage: stageOf(e.Task)}
		}
		index[k] = len(out)
		out = append(out, Attempt{Run: run, Task: e.Task, Stage: t.Stage, Key: t.Key, Pool: t.Pool, N: e.Attempt, Timeout: t.Timeout})
		return &out[len(out)-1]
	}
	for _, e := range events {
		if e.Task == "" || e.Attempt == 0 {
			continue
		}
		switch e.Kind {
		case event.AttemptStarted:
			a := get(e)
			a.Cap, a.Started = e.Memory, e.Time
		case event.AttemptEnded:
			if e.Result != nil {
				a := get(e)
				r := *e.Result
				a.Result = &r
				if a.Started.IsZero() {
					a.Started = r.Start
				}
				if a.Cap == 0 {
					a.Cap = e.Memory
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Started.Equal(b.Started) {
			return a.Started.Before(b.Started)
		}
		if a.Task != b.Task {
			return a.Task < b.Task
		}
		return a.N < b.N
	})
	return out
}

// stageOf is the stage of a task ID: "stage" or "stage[key]".
func stageOf(task string) string {
	for i := range len(task) {
		if task[i] == '[' {
			return task[:i]
		}
	}
	return task
}
