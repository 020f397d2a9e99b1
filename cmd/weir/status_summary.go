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
// ok is false when the summary cannot say it all: none (nil), written before
// the run ended or by an older weir, or cut at store.MaxSummaryFailures.
func fromSummary(sum *store.RunFileSummary) (stages []store.StageSummary, failed func(func(store.TaskRecord) error) error, ok bool) {
	if sum == nil || !sum.Ended || !sum.Complete {
		return nil, nil, false
	}
	failed, ok = failuresOf(sum)
	return sum.Stages, failed, ok
}

// liveSummary is what a run still going last wrote to its summary.json
// (the engine rewrites it every quarter second or so): its counts by
// stage, how many tasks have failed, and the failed tasks it lists, by
// name when it lists them all (byName), else the first to fail. ok is
// false when the run wrote none yet (sum is nil), when it has ended
// (fromSummary), or for a summary of an older weir.
func liveSummary(sum *store.RunFileSummary) (stages []store.StageSummary, nFailed int, failed func(func(store.TaskRecord) error) error, byName, ok bool) {
	if sum == nil || sum.Ended {
		return nil, 0, nil, false, false
	}
	failed, ok = failuresOf(sum)
	return sum.Stages, sum.Failed, failed, sum.Complete, ok
}

// readSummary is run's summary.json, nil when it has none that can be
// read.
func readSummary(dir string, run store.RunSummary) *store.RunFileSummary {
	sum, err := store.ReadRunSummary(dir, run.ID)
	if err != nil {
		return nil
	}
	return sum
}

// failuresOf yields the failed tasks sum lists, in task id order when it
// lists them all, else in the order they failed; ok is false for a
// summary of an older weir, whose attempts are counted unknown.
func failuresOf(sum *store.RunFileSummary) (failed func(func(store.TaskRecord) error) error, ok bool) {
	tasks := make([]store.TaskRecord, 0, len(sum.Failures))
	for _, f := range sum.Failures {
		if f.Begun == 0 {
			return nil, false
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
	if sum.Complete {
		slices.SortFunc(tasks, func(a, b store.TaskRecord) int { return strings.Compare(a.ID, b.ID) })
	}
	return func(fn func(store.TaskRecord) error) error {
		for _, t := range tasks {
			if err := fn(t); err != nil {
				return err
			}
		}
		return nil
	}, true
}
