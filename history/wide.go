package history

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// A finished run of a million tasks has five million events and 420 MB
// of graph.json: its report's trace and the caps learned from it took
// minutes to read them. The engine leaves beside them outline.json (each
// for_each stage of more than dag.OutlineWide tasks as one group) and
// summary.json (each stage's counts, attempt times and largest peak, the
// failed tasks with their attempts). So a stage the outline groups is read
// from those, and the other tasks from their own events alone.

// wideRun is a finished run whose outline has groups.
type wideRun struct {
	id     string
	sum    *store.RunFileSummary
	tasks  map[string]*dag.Task // the tasks the outline draws one by one
	groups []dag.OutlineGroup
}

// readWide reads the outline and summary of run id; nil when the run has
// not ended, has no group, or lacks either file (a run of an older weir),
// and must be read whole.
func readWide(dir, id string) *wideRun {
	b, err := os.ReadFile(filepath.Join(dir, "runs", id, "outline.json"))
	if err != nil {
		return nil
	}
	var o dag.Outline
	if json.Unmarshal(b, &o) != nil || len(o.Groups) == 0 {
		return nil
	}
	sum, err := store.ReadRunSummary(dir, id)
	if err != nil || !sum.Ended {
		return nil
	}
	w := &wideRun{id: id, sum: sum, groups: o.Groups, tasks: make(map[string]*dag.Task, len(o.Tasks))}
	for _, t := range o.Tasks {
		w.tasks[t.ID] = &dag.Task{ID: t.ID, Stage: t.Stage, Key: t.Key, Pool: t.Pool, Memory: t.Memory}
	}
	return w
}

// attempts returns the attempts of the tasks the outline draws, from their
// events, and of the failed tasks of its groups, as summary.json lists
// them (up to store.MaxSummaryFailures), in Attempts' order.
func (w *wideRun) attempts(dir string) ([]Attempt, error) {
	var events []event.Event
	if len(w.tasks) > 0 {
		var err error
		events, err = store.ScanEvents(dir, w.id, 0, func(task []byte) bool { return w.tasks[string(task)] != nil })
		if err != nil {
			return nil, err
		}
	}
	pools := map[string]string{}
	for _, g := range w.groups {
		pools[g.Stage] = g.Pool
	}
	tasks := w.tasks
	for _, f := range w.sum.Failures {
		if w.tasks[f.Task] != nil {
			continue // drawn: its events are read
		}
		if len(tasks) == len(w.tasks) {
			tasks = make(map[string]*dag.Task, len(w.tasks)+len(w.sum.Failures))
			for id, t := range w.tasks {
				tasks[id] = t
			}
		}
		stage := stageOf(f.Task)
		tasks[f.Task] = &dag.Task{ID: f.Task, Stage: stage, Key: keyOf(f.Task), Pool: pools[stage]}
		for _, a := range f.Attempts {
			events = append(events, event.Event{Kind: event.AttemptStarted, Task: f.Task, Attempt: a.N, Memory: a.Memory, Time: a.Started})
			if a.Result != nil {
				events = append(events, event.Event{Kind: event.AttemptEnded, Task: f.Task, Attempt: a.N, Memory: a.Memory, Result: a.Result})
			}
		}
	}
	return fromEvents(w.id, tasks, events), nil
}

// keyOf is the key of a task ID "stage[key]", "" for "stage".
func keyOf(task string) string {
	s := stageOf(task)
	if len(task) > len(s)+1 && task[len(task)-1] == ']' {
		return task[len(s)+1 : len(task)-1]
	}
	return ""
}

// StageTotal is what the summary counts of a stage the outline groups:
// its attempts are not listed one by one.
type StageTotal struct {
	Stage  string
	Pool   string
	Tasks  int
	Counts map[event.TaskState]int
	// Ended counts the stage's attempts that ended; Took is the sum of
	// their run times, TookMax the longest, Peak the largest peak memory.
	Ended   int
	Took    time.Duration
	TookMax time.Duration
	Peak    int64
	Cap     int64 // the stage's declared memory cap; 0 = none
}

func (w *wideRun) totals() []StageTotal {
	byStage := map[string]store.StageSummary{}
	for _, s := range w.sum.Stages {
		byStage[s.Stage] = s
	}
	out := make([]StageTotal, 0, len(w.groups))
	for _, g := range w.groups {
		s := byStage[g.Stage]
		out = append(out, StageTotal{Stage: g.Stage, Pool: g.Pool, Tasks: g.Tasks, Counts: s.Counts,
			Ended: s.Ended, Took: s.TookSum, TookMax: s.TookMax, Peak: s.Peak, Cap: g.Memory})
	}
	return out
}

// ReportAttempts is what a report's trace lists of run id: for a finished
// run with stages of more than dag.OutlineWide tasks, the attempts of its
// other tasks and of its failed tasks (up to store.MaxSummaryFailures),
// and a total for each wide stage, so that the trace follows the stages
// and the failures, not the tasks; for any other run every attempt, and
// no totals. Attempts (and weir trace) lists every attempt of any run.
func ReportAttempts(dir, id string) ([]Attempt, []StageTotal, error) {
	w := readWide(dir, id)
	if w == nil {
		a, err := Attempts(dir, id)
		return a, nil, err
	}
	a, err := w.attempts(dir)
	if err != nil {
		return nil, nil, err
	}
	return a, w.totals(), nil
}
