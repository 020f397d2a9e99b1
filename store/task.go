package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/weirflow/weir/event"
	bolt "go.etcd.io/bbolt"
)

// TaskRecord is one task of a run: where it is, and what a later run needs
// to decide whether it can be reused.
type TaskRecord struct {
	ID       string          `json:"id"`
	State    event.TaskState `json:"state"`
	Attempts int             `json:"attempts,omitempty"` // attempts begun (recorded running)
	// DefHash is the hash of the task's definition, and Inputs the hash of
	// each input segment by reference ("task.output.name"); both set by the
	// caller (SetTaskHashes or SetDefinition) before the task runs. A task
	// a resume reused untouched has neither: its record in the run it was
	// reused from holds them.
	DefHash string            `json:"def_hash,omitempty"`
	Inputs  map[string]string `json:"inputs,omitempty"`
	// Definition is what DefHash digests, part by part (SetDefinition).
	Definition []DefPart `json:"definition,omitempty"`
	// Outputs are the committed outputs: from the successful attempt's
	// AttemptEnded event, or set by the caller (SetOutputs).
	Outputs []OutputRecord `json:"outputs,omitempty"`
	Last    *event.Result  `json:"last,omitempty"` // how the last attempt ended
	Message string         `json:"message,omitempty"`
	// Seq is the last event applied: an event with a lower Seq does not
	// move State back.
	Seq uint64 `json:"seq,omitempty"`
}

// DefPart is one named part of a task's definition: "command[2]",
// "env.LC_ALL", "script line 4".
type DefPart struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// OutputRecord is one committed output of a task. It has the fields of
// event.Committed, which events carry, and converts from it.
type OutputRecord struct {
	Name string `json:"name"`
	Path string `json:"path"`
	Size int64  `json:"size"`
	Hash string `json:"hash,omitempty"`
}

// AttemptRecord is one attempt of a task. An attempt with a Handle and no
// Result was running when its engine stopped: a later engine finds it again
// by its Handle.
type AttemptRecord struct {
	Task    string          `json:"task"`
	N       int             `json:"n"` // 1-based
	Handle  json.RawMessage `json:"handle,omitempty"`
	Memory  int64           `json:"memory,omitempty"` // cap in bytes
	Started time.Time       `json:"started,omitzero"`
	Result  *event.Result   `json:"result,omitempty"`
}

// applyTask updates t for event e of the task.
func applyTask(t *TaskRecord, e *event.Event) {
	if t.ID == "" {
		t.ID = e.Task
	}
	if e.Attempt > t.Attempts { // TaskChanged running already names attempt n
		t.Attempts = e.Attempt
	}
	if e.Seq < t.Seq {
		return // an older event recorded late: keep the newer state
	}
	t.Seq = e.Seq
	switch e.Kind {
	case event.TaskChanged:
		t.State, t.Message = e.State, e.Message
	case event.AttemptEnded:
		t.Last = e.Result
		if e.Result != nil && e.Result.OK() && len(e.Outputs) > 0 {
			t.Outputs = make([]OutputRecord, len(e.Outputs))
			for i, c := range e.Outputs {
				t.Outputs[i] = OutputRecord(c)
			}
		}
	case event.OutputsHashed:
		for _, c := range e.Outputs {
			for i := range t.Outputs {
				if t.Outputs[i].Name == c.Name && t.Outputs[i].Path == c.Path {
					t.Outputs[i].Hash = c.Hash
				}
			}
		}
	}
}

// applyAttempt updates a for an AttemptStarted or AttemptEnded event.
func applyAttempt(a *AttemptRecord, e *event.Event) {
	a.Task, a.N = e.Task, e.Attempt
	if e.Memory != 0 {
		a.Memory = e.Memory
	}
	switch e.Kind {
	case event.AttemptStarted:
		a.Handle, a.Started = e.Handle, e.Time
	case event.AttemptEnded:
		a.Result = e.Result
		if a.Started.IsZero() && e.Result != nil {
			a.Started = e.Result.Start // an attempt that never started
		}
	}
}

// Replay computes where each task of a run is from its events, as the
// journal does for the database: weir status uses it on the events of
// ReadEvents. The records have no hashes, which events do not carry, and
// only the tasks that have events.
func Replay(events []event.Event) map[string]TaskRecord {
	tasks := make(map[string]TaskRecord)
	for i := range events {
		e := &events[i]
		if e.Task == "" {
			continue
		}
		t := tasks[e.Task]
		applyTask(&t, e)
		tasks[e.Task] = t
	}
	return tasks
}

// attemptKey is task 0x00 n (BE): a task's attempts are adjacent, in order.
func attemptKey(task string, n int) []byte {
	k := make([]byte, 0, len(task)+9)
	k = append(k, task...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, uint64(n))
}

// Tasks returns the tasks of run id that have a record, by ID.
func (s *Store) Tasks(id string) (map[string]TaskRecord, error) {
	tasks := make(map[string]TaskRecord)
	err := s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, id)
		if err != nil {
			return err
		}
		return rb.Bucket(bucketTasks).ForEach(func(k, v []byte) error {
			t, err := s.decodeTask(rb, id, string(k), v)
			if err != nil {
				return err
			}
			tasks[t.ID] = t
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return tasks, nil
}

// Task returns one task of run id; ErrNotFound when it has no record.
func (s *Store) Task(id, task string) (TaskRecord, error) {
	var t TaskRecord
	err := s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, id)
		if err != nil {
			return err
		}
		raw := rb.Bucket(bucketTasks).Get([]byte(task))
		if raw == nil {
			return fmt.Errorf("store: run %s task %s: %w", id, task, ErrNotFound)
		}
		t, err = s.decodeTask(rb, id, task, raw)
		return err
	})
	return t, err
}

// Attempts returns the attempts of a task of run id, first first.
func (s *Store) Attempts(id, task string) ([]AttemptRecord, error) {
	var out []AttemptRecord
	err := s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, id)
		if err != nil {
			return err
		}
		prefix := append([]byte(task), 0)
		c := rb.Bucket(bucketAttempts).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8; k, v = c.Next() {
			var a AttemptRecord
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("store: run %s task %s attempt: %w: %v", id, task, ErrCorrupt, err)
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// Events returns the events of run id in Seq order.
func (s *Store) Events(id string) ([]event.Event, error) {
	var out []event.Event
	err := s.view(func(tx *bolt.Tx) error {
		rb, err := runBucket(tx, id)
		if err != nil {
			return err
		}
		return rb.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
			var e event.Event
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("store: run %s event %d: %w: %v", id, binary.BigEndian.Uint64(k), ErrCorrupt, err)
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}
