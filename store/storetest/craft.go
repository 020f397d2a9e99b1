// Package storetest writes store records as a copied or edited state dir
// holds them, past the journal's own checks, for tests of what weir does
// with a store it must not trust.
package storetest

import (
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/weirflow/weir/store"
)

// Records are what Put writes: runs, and the tasks and attempts of each by
// run id.
type Records struct {
	Runs     []store.RunRecord
	Tasks    map[string][]store.TaskRecord
	Attempts map[string][]store.AttemptRecord
}

// Put creates a store in state if there is none and writes recs into it
// raw, in the layout of store/doc.go. The store must not be open.
func Put(t testing.TB, state string, recs Records) {
	t.Helper()
	if err := PutErr(state, recs); err != nil {
		t.Fatal(err)
	}
}

// PutErr is Put for callers without a testing.TB at hand (fuzz seeds).
func PutErr(state string, recs Records) error {
	st, err := store.Open(state, store.Options{})
	if err != nil {
		return err
	}
	st.Close()
	db, err := bolt.Open(filepath.Join(state, store.DBFile), 0o600, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(func(tx *bolt.Tx) error {
		put := func(b *bolt.Bucket, k []byte, v any) error {
			j, err := json.Marshal(v)
			if err != nil {
				return err
			}
			return b.Put(k, j)
		}
		runs := tx.Bucket([]byte("runs"))
		for _, r := range recs.Runs {
			if r.ID == "" {
				continue // bbolt refuses an empty key
			}
			if err := put(runs, []byte(r.ID), r); err != nil {
				return err
			}
		}
		run, err := tx.CreateBucketIfNotExists([]byte("run"))
		if err != nil {
			return err
		}
		sub := func(id, name string) (*bolt.Bucket, error) {
			rb, err := run.CreateBucketIfNotExists([]byte(id))
			if err != nil {
				return nil, err
			}
			for _, b := range []string{"tasks", "attempts", "events"} {
				if _, err := rb.CreateBucketIfNotExists([]byte(b)); err != nil {
					return nil, err
				}
			}
			return rb.Bucket([]byte(name)), nil
		}
		for id, tasks := range recs.Tasks {
			if id == "" {
				continue
			}
			b, err := sub(id, "tasks")
			if err != nil {
				return err
			}
			for _, task := range tasks {
				if task.ID == "" {
					continue
				}
				if err := put(b, []byte(task.ID), task); err != nil {
					return err
				}
			}
		}
		for id, attempts := range recs.Attempts {
			if id == "" {
				continue
			}
			b, err := sub(id, "attempts")
			if err != nil {
				return err
			}
			for _, a := range attempts {
				k := append([]byte(a.Task), 0)
				k = binary.BigEndian.AppendUint64(k, uint64(a.N))
				if err := put(b, k, a); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
