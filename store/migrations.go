package store

import (
	"encoding/binary"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// migration brings the layout from version-1 to version.
type migration struct {
	version uint64
	name    string
	migrate func(tx *bolt.Tx) error
}

// migrations is every layout change, in order. The list MUST be ordered by
// version, from 1 up without gaps, and each entry MUST have its own test in
// migrations_test.go. A store at version v gets migrations[v:] on Open, all
// in one transaction: it is at the old layout or the new one, never between.
// Layout 0 is the empty file.
var migrations = []migration{
	{version: 1, name: "meta, runs and per-run buckets", migrate: createV1},
	{version: 2, name: "stage counts and failed tasks of each run", migrate: summarizeRuns},
	{version: 3, name: "task definitions apart from task states", migrate: separateDefinitions},
}

// createV1 creates the top buckets of layout 1 (see doc.go).
func createV1(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketMeta, bucketRuns, bucketRun} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

// summarizeRuns gives every run the stage counts and failed index of
// layout 2, from its task records.
func summarizeRuns(tx *bolt.Tx) error { return eachRun(tx, summarize) }

// eachRun calls migrate with each run's bucket. The runs' ids are taken
// first: bbolt forbids writing to a bucket under a cursor.
func eachRun(tx *bolt.Tx, migrate func(*bolt.Bucket) error) error {
	run := tx.Bucket(bucketRun)
	var ids [][]byte
	err := run.ForEach(func(k, v []byte) error {
		if v == nil { // a nested bucket: a run
			ids = append(ids, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := migrate(run.Bucket(id)); err != nil {
			return fmt.Errorf("run %s: %w", id, err)
		}
	}
	return nil
}

// layoutOf reads the layout version: 0 for a store with no meta bucket.
func layoutOf(tx *bolt.Tx) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, nil
	}
	v := meta.Get(keyVersion)
	if len(v) != 8 {
		return 0, fmt.Errorf("meta version is %d bytes, not 8", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// upgrade checks the layout and migrates it, for a writable store marking
// runs of dead engines lost in the same transaction.
func (s *Store) upgrade() error {
	migs := s.o.migrations
	latest := migs[len(migs)-1].version
	check := func(tx *bolt.Tx) (uint64, error) {
		// A file cut short (a copy that stopped, a full disk under a
		// careless tool) still opens, and its missing pages would fault
		// when read.
		if st, err := os.Stat(s.path); err == nil && st.Size() < tx.Size() {
			return 0, s.corrupt(fmt.Errorf("truncated: %d bytes of %d", st.Size(), tx.Size()))
		}
		v, err := layoutOf(tx)
		if err != nil {
			return 0, s.corrupt(err)
		}
		if v > latest {
			return 0, explain(ErrNewerLayout, "store: store at %s was written by a newer weir (layout %d, this weir reads up to %d); "+
				"upgrade weir or use another --state-dir", s.path, v, latest)
		}
		return v, nil
	}
	if s.o.ReadOnly {
		return s.db.View(func(tx *bolt.Tx) error {
			v, err := check(tx)
			if err == nil && v < latest {
				err = explain(ErrOlderLayout, "store: store at %s has layout %d and this weir reads %d; "+
					"a weir run on this state dir upgrades it", s.path, v, latest)
			}
			return err
		})
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		v, err := check(tx)
		if err != nil {
			return err
		}
		for _, m := range migs {
			if m.version <= v {
				continue
			}
			if err := m.migrate(tx); err != nil {
				return fmt.Errorf("store: migrate %s to layout %d (%s): %w", s.path, m.version, m.name, err)
			}
		}
		if v < latest {
			meta, err := tx.CreateBucketIfNotExists(bucketMeta)
			if err != nil {
				return fmt.Errorf("store: migrate %s: %w", s.path, err)
			}
			if err := meta.Put(keyVersion, u64(latest)); err != nil {
				return fmt.Errorf("store: migrate %s: %w", s.path, err)
			}
		}
		lost, err := markLost(tx)
		s.lostAtOpen = lost
		return err
	})
}
