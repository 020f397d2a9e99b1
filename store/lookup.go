package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A resume of a run of a million tasks with one left, or weir why of one
// task, needs a few records, not every one: these read records by key, and
// the store counts every task record it decodes (TaskReads), so that a
// test can tell a reader that went back to reading them all.

// TasksByID returns the records of run id among ids, by ID, in one read
// transaction; a task without a record is left out.
func (s *Store) TasksByID(id string, ids []string) (map[string]TaskRecord, error) {
	out := make(map[string]TaskRecord, len(ids))
	err := s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, id)
		if err != nil {
			return err
		}
		tasks := rb.Bucket(bucketTasks)
		for _, task := range ids {
			raw := tasks.Get([]byte(task))
			if raw == nil {
				continue
			}
			t, err := s.decodeTask(rb, id, task, raw)
			if err != nil {
				return err
			}
			out[task] = t
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FailedIDs returns the tasks of run id that are failed, in task id
// order, from the failed index alone.
func (s *Store) FailedIDs(id string) ([]string, error) {
	var out []string
	err := s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, id)
		if err != nil {
			return err
		}
		return rb.Bucket(bucketFailed).ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}

// EachTaskID calls fn with the ID of each task of run id that has a
// record, in order, until fn returns an error; it decodes no record.
func (s *Store) EachTaskID(id string, fn func(task string) error) error {
	return s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, id)
		if err != nil {
			return err
		}
		return rb.Bucket(bucketTasks).ForEach(func(k, _ []byte) error { return fn(string(k)) })
	})
}

// TaskReads is the number of task records this Store has decoded for its
// readers since Open.
func (s *Store) TaskReads() uint64 { return s.taskReads.Load() }

// decodeTask decodes the record of task in run, with its definition from
// the run's bucket rb, and counts it.
func (s *Store) decodeTask(rb *bolt.Bucket, run, task string, raw []byte) (TaskRecord, error) {
	s.taskReads.Add(1)
	var t TaskRecord
	if err := json.Unmarshal(raw, &t); err != nil {
		return t, fmt.Errorf("store: run %s task %q: %w: %v", run, task, ErrCorrupt, err)
	}
	return t, joinDef(&t, task, rb.Bucket(bucketDefs), run)
}
