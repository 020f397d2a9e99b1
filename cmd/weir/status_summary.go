package main

import (
	"slices"
	"strings"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// A million-task run's failed tasks lie all over a 2.6 GiB database:
// fetching 1,000 records took seconds of a cold disk. Once a run has
// ended, its summary.json lists them, with their attempts, in one small
// file.

// fromSummary is run's stage counts, and its failed tasks yielded in task
// id order as the database's index has them, as its summary.json says;
// ok is false when the summary cannot say it all: none, written before
// the run ended or by an older weir, or cut at store.MaxSummaryFailures.
func fromSummary(dir string, run store.RunSummary) (stages []store.StageSummary, failed func(func(store.TaskRecord) error) error, ok bool) {
	sum, err := store.ReadRunSummary(dir, run.ID)
	if err != nil || !sum.Ended || !sum.Complete {
		return nil, nil, false
	}
	tasks := make([]store.TaskRecord, 0, len(sum.Failures))
	for _, f := range sum.Failures {
		if f.Begun == 0 {
			return nil, nil, false // a summary of an older weir: its attempts counted unknown
		}
		t := store.TaskRecord{ID: f.Task, State: event.TaskFailed, Message: f.Message, Attempts: f.Begun}
		last := 0
		for _, a := range f.Attempts {
			if a.Result != nil && a.N >= last {
				t.Last, last = a.Result, a.N
			}
		}
		tasks = append(tasks, t)
	}
	slices.SortFunc(tasks, func(a, b store.TaskRecord) int { return strings.Compare(a.ID, b.ID) })
	return sum.Stages, func(fn func(store.TaskRecord) error) error {
		for _, t := range tasks {
			if err := fn(t); err != nil {
				return err
			}
		}
		return nil
	}, true
}
