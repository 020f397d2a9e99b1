package store

import (
	"bytes"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// separateDefinitions moves every task's definition and input hashes out
// of its record into its run's defs bucket: the migration to layout 3.
func separateDefinitions(tx *bolt.Tx) error { return eachRun(tx, separateRun) }

// migrateChunk is how many records separateRun collects before it writes
// them: bbolt forbids writing to a bucket under a cursor, and collecting a
// million records first would hold them all in memory.
const migrateChunk = 1024

// separateRun moves the definitions of one run's task records.
func separateRun(rb *bolt.Bucket) error {
	defs, err := rb.CreateBucketIfNotExists(bucketDefs)
	if err != nil {
		return err
	}
	tasks := rb.Bucket(bucketTasks)
	if tasks == nil {
		return nil
	}
	type moved struct {
		key      []byte
		rec, def []byte
	}
	var after []byte // the last key of the chunk before
	for {
		var chunk []moved
		c := tasks.Cursor()
		k, v := c.First()
		if after != nil {
			if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
				k, v = c.Next()
			}
		}
		for ; k != nil && len(chunk) < migrateChunk; k, v = c.Next() {
			after = append(after[:0], k...)
			var t TaskRecord
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("task %q: %w: %v", k, ErrCorrupt, err)
			}
			d := defRecord{Inputs: t.Inputs, Definition: t.Definition}
			if d.empty() {
				continue
			}
			t.Inputs, t.Definition = nil, nil
			rec, err := json.Marshal(&t)
			if err != nil {
				return err
			}
			def, err := json.Marshal(&d)
			if err != nil {
				return err
			}
			chunk = append(chunk, moved{key: append([]byte(nil), k...), rec: rec, def: def})
		}
		for _, m := range chunk {
			if err := defs.Put(m.key, m.def); err != nil {
				return err
			}
			if err := tasks.Put(m.key, m.rec); err != nil {
				return err
			}
		}
		if k == nil {
			return nil
		}
	}
}
