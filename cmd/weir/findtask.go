package main

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/weirflow/weir/store"
)

// findTask is task's record in run: read by its name from the database
// when no engine holds it, so that a run of a million tasks costs one
// lookup; else, or when the task is not there (to suggest a name), from
// the run's event log.
func findTask(dir string, run store.RunSummary, task string) (store.TaskRecord, error) {
	st, err := store.Open(dir, store.Options{ReadOnly: true, Timeout: 100 * time.Millisecond})
	if err == nil {
		rec, err := st.Task(run.ID, task)
		st.Close()
		switch {
		case err == nil:
			return rec, nil
		case !errors.Is(err, store.ErrNotFound):
			return rec, err
		case run.Tasks > statusRows:
			return rec, fmt.Errorf("run %s has no task %q (weir status --all lists its tasks)", run.ID, task)
		}
	}
	// Only the task's own lines are decoded: a run still going has most
	// of a gigabyte of events at a million tasks.
	events, err := store.ScanEvents(dir, run.ID, 0, func(t []byte) bool { return string(t) == task })
	if err != nil {
		return store.TaskRecord{}, err
	}
	if rec, ok := store.Replay(events)[task]; ok {
		return rec, nil
	}
	if run.Tasks > statusRows {
		return store.TaskRecord{}, fmt.Errorf("run %s has no task %q (weir status --all lists its tasks)", run.ID, task)
	}
	// A small run: read it whole, to suggest a name.
	if events, err = store.ReadEvents(dir, run.ID); err != nil {
		return store.TaskRecord{}, err
	}
	tasks := store.Replay(events)
	return store.TaskRecord{}, fmt.Errorf("run %s has no task %q%s", run.ID, task, suggestTask(task, maps.Keys(tasks)))
}
