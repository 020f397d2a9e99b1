package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/weirflow/weir/event"
	bolt "go.etcd.io/bbolt"
)

// A run of a million tasks must answer "how far is it" and "what failed"
// without reading a million records. So each commit keeps, beside the
// records it changes, a count per stage (bucket stages) and an index of
// the failed tasks (bucket failed): both change by the tasks the commit
// touched, never by the size of the run.

// StageSummary counts the tasks of one stage of a run.
type StageSummary struct {
	Stage string `json:"stage"`
	// Tasks is the number of the stage's tasks with a record: every task
	// of the plan once the engine has recorded the definitions.
	Tasks int `json:"tasks"`
	// Counts is the number of those tasks in each state but pending.
	Counts map[event.TaskState]int `json:"counts,omitempty"`
	// Retried counts the tasks that began more than one attempt.
	Retried int `json:"retried,omitempty"`
	// Ended counts the attempts that ended with a result; TookSum and
	// TookMax are their run times, Peak the largest peak memory (bytes).
	// A store migrated to layout 2 counts only what came after.
	Ended   int           `json:"ended,omitempty"`
	TookSum time.Duration `json:"took_sum,omitempty"`
	TookMax time.Duration `json:"took_max,omitempty"`
	Peak    int64         `json:"peak,omitempty"`
}

// StageOf is the stage of task id: "shard" for "shard[3]" and for "shard".
func StageOf(id string) string {
	if i := strings.IndexByte(id, '['); i > 0 {
		return id[:i]
	}
	return id
}

// recount moves one task from state from to state to in counts, pending
// and the empty state counting nowhere.
func recount(counts *map[event.TaskState]int, from, to event.TaskState) {
	if from == to {
		return
	}
	if *counts == nil {
		*counts = make(map[event.TaskState]int)
	}
	c := *counts
	if from != "" && from != event.Pending {
		if c[from]--; c[from] <= 0 {
			delete(c, from)
		}
	}
	if to != "" && to != event.Pending {
		c[to]++
	}
}

// summaryWriter keeps a run's stage counts and failed index within one
// transaction: stage records are decoded once and written once, at flush.
type summaryWriter struct {
	stages, failed *bolt.Bucket
	recs           map[string]*StageSummary
	// failedNow says which tasks became failed (true) or stopped being
	// failed (false) in the transaction; nowFailed is filled from it for
	// summary.json, nil for the latter.
	failedNow map[string]bool
	nowFailed map[string]*FailedTask
}

func newSummaryWriter(rb *bolt.Bucket) (*summaryWriter, error) {
	w := &summaryWriter{stages: rb.Bucket(bucketStages), failed: rb.Bucket(bucketFailed), recs: map[string]*StageSummary{},
		failedNow: map[string]bool{}, nowFailed: map[string]*FailedTask{}}
	if w.stages == nil || w.failed == nil {
		return nil, fmt.Errorf("buckets stages and failed missing: %w", ErrCorrupt)
	}
	return w, nil
}

func (w *summaryWriter) stage(name string) (*StageSummary, error) {
	if s := w.recs[name]; s != nil {
		return s, nil
	}
	s := &StageSummary{Stage: name}
	if raw := w.stages.Get([]byte(name)); raw != nil {
		if err := json.Unmarshal(raw, s); err != nil {
			return nil, fmt.Errorf("stage %s: %w: %v", name, ErrCorrupt, err)
		}
	}
	w.recs[name] = s
	return s, nil
}

// added counts a task that got its first record.
func (w *summaryWriter) added(task string) error {
	s, err := w.stage(StageOf(task))
	if err != nil {
		return err
	}
	s.Tasks++
	return nil
}

// moved records a task's change of state.
func (w *summaryWriter) moved(task string, from, to event.TaskState) error {
	if from == to {
		return nil
	}
	s, err := w.stage(StageOf(task))
	if err != nil {
		return err
	}
	recount(&s.Counts, from, to)
	switch {
	case to == event.TaskFailed:
		w.failedNow[task] = true
		return w.failed.Put([]byte(task), nil)
	case from == event.TaskFailed:
		w.failedNow[task] = false
		return w.failed.Delete([]byte(task))
	}
	return nil
}

// attempted counts what an event says of a task's attempts: its second
// attempt makes it retried, an ended attempt adds its time and peak.
func (w *summaryWriter) attempted(task string, before, after int, res *event.Result) error {
	if before > 1 && res == nil || after <= 1 && res == nil {
		return nil
	}
	s, err := w.stage(StageOf(task))
	if err != nil {
		return err
	}
	if before <= 1 && after > 1 {
		s.Retried++
	}
	if res != nil {
		s.Ended++
		if !res.Start.IsZero() && res.End.After(res.Start) {
			took := res.End.Sub(res.Start)
			s.TookSum += took
			s.TookMax = max(s.TookMax, took)
		}
		s.Peak = max(s.Peak, res.PeakMemory)
	}
	return nil
}

// flush writes the stage records the transaction changed.
func (w *summaryWriter) flush() error {
	for name, s := range w.recs {
		if err := putJSON(w.stages, []byte(name), s); err != nil {
			return err
		}
	}
	return nil
}

// Stages returns the stage counts of run id, by stage name.
func (s *Store) Stages(id string) ([]StageSummary, error) {
	var out []StageSummary
	err := s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, id)
		if err != nil {
			return err
		}
		return rb.Bucket(bucketStages).ForEach(func(k, v []byte) error {
			var st StageSummary
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("store: run %s stage %q: %w: %v", id, k, ErrCorrupt, err)
			}
			out = append(out, st)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Stage < out[j].Stage })
	return out, err
}

// Failed calls fn with each task of run id that is failed, in task id
// order, until fn returns an error; it reads only those tasks' records.
func (s *Store) Failed(id string, fn func(TaskRecord) error) error {
	return s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, id)
		if err != nil {
			return err
		}
		tasks := rb.Bucket(bucketTasks)
		return rb.Bucket(bucketFailed).ForEach(func(k, _ []byte) error {
			raw := tasks.Get(k)
			if raw == nil {
				return fmt.Errorf("store: run %s task %s: %w", id, k, ErrNotFound)
			}
			t, err := s.decodeTask(rb, id, string(k), raw)
			if err != nil {
				return err
			}
			return fn(t)
		})
	})
}

// EachTask calls fn with each task record of run id, in task id order,
// until fn returns an error: one record in memory at a time.
func (s *Store) EachTask(id string, fn func(TaskRecord) error) error {
	return s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, id)
		if err != nil {
			return err
		}
		return rb.Bucket(bucketTasks).ForEach(func(k, v []byte) error {
			t, err := s.decodeTask(rb, id, string(k), v)
			if err != nil {
				return err
			}
			return fn(t)
		})
	})
}

// summarize builds the stage counts and failed index of run bucket rb
// from its task records: the migration to layout 2.
func summarize(rb *bolt.Bucket) error {
	for _, name := range [][]byte{bucketStages, bucketFailed} {
		if rb.Bucket(name) != nil {
			if err := rb.DeleteBucket(name); err != nil {
				return err
			}
		}
		if _, err := rb.CreateBucket(name); err != nil {
			return err
		}
	}
	w, err := newSummaryWriter(rb)
	if err != nil {
		return err
	}
	tasks := rb.Bucket(bucketTasks)
	if tasks == nil {
		return w.flush()
	}
	err = tasks.ForEach(func(k, v []byte) error {
		var t struct {
			State event.TaskState `json:"state"`
		}
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("task %q: %w: %v", k, ErrCorrupt, err)
		}
		if err := w.added(string(k)); err != nil {
			return err
		}
		return w.moved(string(k), event.Pending, t.State)
	})
	if err != nil {
		return err
	}
	return w.flush()
}
