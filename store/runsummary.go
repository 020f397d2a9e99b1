package store

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/weirflow/weir/event"
)

// A reader of a run of a million tasks (the page, the report) must not
// replay five million events to say how far each stage is and what
// failed. So the journal leaves runs/<id>/summary.json beside the event
// log: the stage counts the database keeps, the failures with their
// attempts, and how much of events.jsonl they cover, so that a reader
// reads only what follows.

const summaryJSON = "summary.json"

// MaxSummaryFailures bounds the failures summary.json lists; past it the
// list is the first ones and RunFileSummary.Complete is false.
const MaxSummaryFailures = 1000

// RunFileSummary is summary.json: the run after the events up to Seq.
type RunFileSummary struct {
	Seq uint64 `json:"seq"`
	// Offset is how many bytes of events.jsonl the summary covers.
	Offset int64 `json:"offset"`
	// Ended says the run's RunEnded event is covered: nothing follows.
	Ended  bool           `json:"ended,omitempty"`
	Stages []StageSummary `json:"stages"`
	// Failed counts the tasks failed now; Failures lists them, in the
	// order they failed, up to MaxSummaryFailures.
	Failed   int          `json:"failed"`
	Failures []FailedTask `json:"failures"`
	// Complete says Failures lists every failed task.
	Complete bool `json:"complete"`
}

// FailedTask is a failed task with its attempts (handles and memory
// samples left out).
type FailedTask struct {
	Task    string `json:"task"`
	Message string `json:"message,omitempty"`
	// Begun is the attempts the task began, as its record counts them: an
	// attempt can begin and fail before it has a record of its own.
	// Summaries of older weirs have none (0).
	Begun    int             `json:"begun,omitempty"`
	Attempts []AttemptRecord `json:"attempts"`
}

// ReadRunSummary reads summary.json of run id in state dir dir;
// ErrNotFound when the run has none (a run of an older weir, or one whose
// journal has not committed yet).
func ReadRunSummary(dir, id string) (*RunFileSummary, error) {
	path := filepath.Join(runDir(dir, id), summaryJSON)
	b, err := readRunFile(dir, path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("store: run %s has no %s: %w", id, summaryJSON, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var s RunFileSummary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("store: %s: %w: %v", path, ErrCorrupt, err)
	}
	return &s, nil
}

// summaryGap is the least time between two writes of summary.json, and
// summaryShare the most of the batcher's time they may take: a write
// costs what the run's stages and failures weigh.
const (
	summaryGap   = 250 * time.Millisecond
	summaryShare = 20
)

// fileSummary is a journal's summary.json in memory. Only the batcher
// goroutine touches it, after a commit succeeded.
type fileSummary struct {
	seq      uint64
	offset   int64
	ended    bool
	stages   map[string]StageSummary
	failures []FailedTask
	at       map[string]int // task -> its place in failures
	dirty    bool
	wrote    time.Time
	cost     time.Duration
}

func newFileSummary(offset int64) *fileSummary {
	return &fileSummary{offset: offset, stages: map[string]StageSummary{}, at: map[string]int{}}
}

// take adds what a committed transaction changed in run r.
func (f *fileSummary) take(r *txRun) {
	for name, s := range r.sum.recs {
		f.stages[name] = *s
		f.dirty = true
	}
	for task, ft := range r.sum.nowFailed {
		f.dirty = true
		i, listed := f.at[task]
		switch {
		case ft == nil && listed:
			f.failures = slices.Delete(f.failures, i, i+1)
			delete(f.at, task)
			for k := i; k < len(f.failures); k++ {
				f.at[f.failures[k].Task] = k
			}
		case ft != nil && listed:
			f.failures[i] = *ft
		case ft != nil && len(f.failures) < MaxSummaryFailures:
			f.at[task] = len(f.failures)
			f.failures = append(f.failures, *ft)
		}
	}
	if r.rec.Seq > f.seq {
		f.seq, f.dirty = r.rec.Seq, true
	}
	if r.ended {
		f.ended, f.dirty = true, true
	}
}

// due says whether summary.json should be written now: at the run's end
// and when the journal closes always, otherwise at most every
// summaryGap and summaryShare times what the last write took.
func (f *fileSummary) due(now time.Time, closing bool) bool {
	if !f.dirty {
		return false
	}
	return closing || f.ended || now.Sub(f.wrote) >= max(summaryGap, summaryShare*f.cost)
}

// write leaves summary.json in the run directory.
func (f *fileSummary) write(dir, id string) error {
	start := time.Now()
	out := RunFileSummary{Seq: f.seq, Offset: f.offset, Ended: f.ended, Failures: f.failures, Stages: make([]StageSummary, 0, len(f.stages))}
	if out.Failures == nil {
		out.Failures = []FailedTask{}
	}
	for _, s := range f.stages {
		out.Stages = append(out.Stages, s)
		out.Failed += s.Counts[event.TaskFailed]
	}
	slices.SortFunc(out.Stages, func(a, b StageSummary) int { return cmp.Compare(a.Stage, b.Stage) })
	out.Complete = out.Failed == len(f.failures)
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(runDir(dir, id), summaryJSON), append(b, '\n')); err != nil {
		return fmt.Errorf("run %s: %s: %w", id, summaryJSON, err)
	}
	f.dirty, f.wrote, f.cost = false, time.Now(), time.Since(start)
	return nil
}

// failedTask reads task's record and attempts as the transaction left
// them: for a task that has just failed.
func failedTask(r *txRun, task string) (*FailedTask, error) {
	t, err := r.task(task)
	if err != nil {
		return nil, err
	}
	ft := &FailedTask{Task: task, Message: t.Message, Begun: t.Attempts, Attempts: []AttemptRecord{}}
	prefix := append([]byte(task), 0)
	c := r.attempts.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		a := r.attemptRecs[string(k)]
		if a == nil {
			a = &AttemptRecord{}
			if err := json.Unmarshal(v, a); err != nil {
				return nil, fmt.Errorf("store: run %s task %s attempt: %w: %v", r.rec.ID, task, ErrCorrupt, err)
			}
		}
		c := *a
		c.Handle = nil
		if c.Result != nil && len(c.Result.Samples) > 0 {
			res := *c.Result
			res.Samples = nil
			c.Result = &res
		}
		ft.Attempts = append(ft.Attempts, c)
	}
	return ft, nil
}

// failures fills the failed tasks of the transaction with their attempts;
// run by finish, once the attempt records are written.
func (r *txRun) failures() error {
	for task, now := range r.sum.failedNow {
		if !now {
			r.sum.nowFailed[task] = nil
			continue
		}
		ft, err := failedTask(r, task)
		if err != nil {
			return err
		}
		r.sum.nowFailed[task] = ft
	}
	return nil
}

// writeSummaries writes the summary.json of the runs a commit touched
// where it is due, and of the journals it closed.
func (s *Store) writeSummaries(ops []op, w *txWriter) error {
	var errs []error
	now := time.Now()
	for _, r := range w.runs {
		if r.j != nil && r.j.sum != nil && r.j.sum.due(now, false) {
			errs = append(errs, r.j.sum.write(s.dir, r.j.run))
		}
	}
	for i := range ops {
		if o := &ops[i]; o.kind == opCloseRun && o.j.sum != nil && o.j.sum.due(now, true) {
			errs = append(errs, o.j.sum.write(s.dir, o.j.run))
		}
	}
	return errors.Join(errs...)
}
