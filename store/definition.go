package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Layout 3 keeps what a task's definition is apart from where the task
// is: the definition (a few KiB: its command, environment, script) is
// written once, before the task runs, and every later change of the task
// rewrites only its small state record. Before, each of a task's five or
// so changes read and rewrote its definition too, and a run of 100,000
// tasks read its way through 1.8 KiB of the database's map a task.

// defRecord is a task's entry in its run's defs bucket: the parts of its
// definition and the hashes of its inputs. Its DefHash stays in the
// TaskRecord, which a resume compares for every task.
type defRecord struct {
	Inputs     map[string]string `json:"inputs,omitempty"`
	Definition []DefPart         `json:"definition,omitempty"`
}

func (d *defRecord) empty() bool { return len(d.Inputs) == 0 && len(d.Definition) == 0 }

// joinDef fills t's Inputs and Definition from the definition of task in
// defs, the run's defs bucket.
func joinDef(t *TaskRecord, task string, defs *bolt.Bucket, run string) error {
	if defs == nil {
		return nil
	}
	raw := defs.Get([]byte(task))
	if raw == nil {
		return nil
	}
	var d defRecord
	if err := json.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("store: run %s task %q definition: %w: %v", run, task, ErrCorrupt, err)
	}
	t.Inputs, t.Definition = d.Inputs, d.Definition
	return nil
}

// txDef is a definition a transaction changes, written once at its end.
type txDef struct {
	defRecord
	dirty bool
}

// def returns the definition of task as the transaction has it, loading
// it at first use.
func (r *txRun) def(task string) (*txDef, error) {
	if d := r.defRecs[task]; d != nil {
		return d, nil
	}
	d := &txDef{}
	if raw := r.defs.Get([]byte(task)); raw != nil {
		if err := json.Unmarshal(raw, &d.defRecord); err != nil {
			return nil, fmt.Errorf("store: run %s task %s definition: %w: %v", r.rec.ID, task, ErrCorrupt, err)
		}
	}
	r.defRecs[task] = d
	return d, nil
}

// writeDefs writes the definitions the transaction changed, and returns
// the bytes written.
func (r *txRun) writeDefs() (int, error) {
	n := 0
	for task, d := range r.defRecs {
		if !d.dirty {
			continue
		}
		if d.empty() {
			if err := r.defs.Delete([]byte(task)); err != nil {
				return n, err
			}
			continue
		}
		raw, err := json.Marshal(&d.defRecord)
		if err != nil {
			return n, err
		}
		if err := r.defs.Put([]byte(task), raw); err != nil {
			return n, err
		}
		n += len(raw)
	}
	return n, nil
}
