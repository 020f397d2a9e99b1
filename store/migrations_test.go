package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestMigrationV1 (layout 0 -> 1): a new file gets the buckets of layout 1
// and its version.
func TestMigrationV1(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{NoSync: true, migrations: migrations[:1]})
	s.Close()
	db := rawOpen(t, dir)
	db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketRuns, bucketRun} {
			if tx.Bucket(b) == nil {
				t.Errorf("bucket %s missing", b)
			}
		}
		if v, err := layoutOf(tx); err != nil || v != 1 {
			t.Errorf("layout %d, %v; want 1", v, err)
		}
		return nil
	})
}

// TestMigrationFromOlderLayout runs a fake layout change: layout 1 kept
// runs as "jobs"; layout 2 renames them. The migration runs on Open, in one
// transaction: a failing one leaves the store at the old layout.
func TestMigrationFromOlderLayout(t *testing.T) {
	dir := t.TempDir()
	db := rawOpen(t, dir)
	err := db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket(bucketMeta)
		meta.Put(keyVersion, u64(1))
		jobs, _ := tx.CreateBucket([]byte("jobs"))
		tx.CreateBucket(bucketRun)
		return jobs.Put([]byte("r1"), []byte(`{"id":"r1","name":"old","state":"succeeded"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	v1 := func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte("jobs"))
		return err
	}
	jobsToRuns := func(tx *bolt.Tx) error {
		runs, err := tx.CreateBucket(bucketRuns)
		if err != nil {
			return err
		}
		if err := tx.Bucket([]byte("jobs")).ForEach(func(k, v []byte) error { return runs.Put(k, v) }); err != nil {
			return err
		}
		return tx.DeleteBucket([]byte("jobs"))
	}
	broken := func(tx *bolt.Tx) error {
		if err := jobsToRuns(tx); err != nil {
			return err
		}
		return errors.New("half way")
	}

	// A migration that fails changes nothing.
	_, err = Open(dir, Options{migrations: []migration{{1, "jobs", v1}, {2, "jobs to runs", broken}}})
	if err == nil || !strings.Contains(err.Error(), "migrate") || !strings.Contains(err.Error(), "half way") {
		t.Fatalf("Open with a failing migration = %v", err)
	}
	db = rawOpen(t, dir)
	db.View(func(tx *bolt.Tx) error {
		if v, _ := layoutOf(tx); v != 1 || tx.Bucket([]byte("jobs")) == nil || tx.Bucket(bucketRuns) != nil {
			t.Errorf("after a failed migration: layout %d, jobs %v", v, tx.Bucket([]byte("jobs")) != nil)
		}
		return nil
	})
	db.Close()

	migs := []migration{{1, "jobs", v1}, {2, "jobs to runs", jobsToRuns}}
	// A reader does not migrate.
	if _, err := Open(dir, Options{ReadOnly: true, migrations: migs}); !errors.Is(err, ErrOlderLayout) {
		t.Errorf("read-only Open of an older layout = %v, want ErrOlderLayout", err)
	}
	s := openStore(t, dir, Options{migrations: migs})
	run, err := s.Run("r1")
	if err != nil || run.Name != "old" {
		t.Errorf("run after migration: %+v, %v", run, err)
	}
	s.Close()
	db = rawOpen(t, dir)
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if v, _ := layoutOf(tx); v != 2 || tx.Bucket([]byte("jobs")) != nil {
			t.Errorf("after migration: layout %d", v)
		}
		return nil
	})
}

func TestMigrationsOrdered(t *testing.T) {
	for i, m := range migrations {
		if m.version != uint64(i+1) || m.name == "" || m.migrate == nil {
			t.Errorf("migration %d: %+v", i, m)
		}
	}
}

// TestNewerLayoutRefused: a store from a newer weir is not read.
func TestNewerLayoutRefused(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{NoSync: true})
	s.Close()
	db := rawOpen(t, dir)
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyVersion, u64(99)) })
	db.Close()
	for _, o := range []Options{{}, {ReadOnly: true}} {
		_, err := Open(dir, o)
		if !errors.Is(err, ErrNewerLayout) {
			t.Fatalf("Open(%+v) = %v, want ErrNewerLayout", o, err)
		}
		want := fmt.Sprintf("store at %s was written by a newer weir (layout 99, this weir reads up to %d); upgrade weir or use another --state-dir",
			filepath.Join(dir, DBFile), len(migrations))
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q\nwant it to contain %q", err, want)
		}
	}
}

// TestCorrupt: a damaged file gets a message naming it and what to do,
// never a crash or a misread.
func TestCorrupt(t *testing.T) {
	t.Parallel()
	garbage := make([]byte, 64<<10)
	for i := range garbage {
		garbage[i] = byte(i*7 + i/13)
	}
	cases := map[string]func(t *testing.T, path string){
		"garbage": func(t *testing.T, path string) { write(t, path, garbage) },
		"text":    func(t *testing.T, path string) { write(t, path, []byte("not a database\n")) },
		"truncated": func(t *testing.T, path string) {
			b := full(t, path)
			write(t, path, b[:len(b)/3])
		},
		"one page left": func(t *testing.T, path string) {
			b := full(t, path)
			write(t, path, b[:5000])
		},
		"meta pages zeroed": func(t *testing.T, path string) {
			b := full(t, path)
			clear(b[:8192])
			write(t, path, b)
		},
		"leaf pages scrambled": func(t *testing.T, path string) {
			// Pages bbolt does not read on open: only reads see the damage.
			b := full(t, path)
			db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
			if err != nil {
				t.Fatal(err)
			}
			var leaves []int
			db.View(func(tx *bolt.Tx) error {
				for id := 2; ; id++ {
					p, err := tx.Page(id)
					if p == nil || err != nil {
						return nil
					}
					if p.Type == "leaf" {
						leaves = append(leaves, id)
					}
				}
			})
			ps := db.Info().PageSize
			db.Close()
			if len(leaves) == 0 {
				t.Fatal("no leaf pages found")
			}
			for _, id := range leaves {
				for i := id*ps + 16; i < (id+1)*ps; i++ { // keep the page header
					b[i] ^= 0x5a
				}
			}
			write(t, path, b)
		},
		"data pages scrambled": func(t *testing.T, path string) {
			b := full(t, path)
			for i := 8192; i < len(b); i++ {
				b[i] ^= 0x5a
			}
			write(t, path, b)
		},
		"version not 8 bytes": func(t *testing.T, path string) {
			full(t, path)
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyVersion, []byte("1")) })
			db.Close()
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, DBFile)
			damage(t, path)
			s, err := Open(dir, Options{})
			if err == nil {
				// bbolt found nothing wrong on open; reading must still not
				// misread or crash.
				defer s.Close()
				err = readAll(s)
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
			for _, want := range []string{path, "move it aside", "outputs on disk are untouched"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q lacks %q", err, want)
				}
			}
			t.Log(err)
		})
	}
}

// readAll reads every record of s.
func readAll(s *Store) error {
	runs, err := s.Runs()
	for _, r := range runs {
		if err == nil {
			_, err = s.Events(r.ID)
		}
		if err == nil {
			_, err = s.Tasks(r.ID)
		}
	}
	if err == nil {
		err = s.Check()
	}
	return err
}

// full makes a store at path with a few hundred events, and returns its
// bytes.
func full(t *testing.T, path string) []byte {
	t.Helper()
	s, err := Open(filepath.Dir(path), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	sq := &seqs{}
	for r := range 3 {
		j := newJournal(t, s, fmt.Sprintf("r%d", r))
		for i := range 40 {
			record(t, j, taskEvents(sq, fmt.Sprintf("task-%d", i))...)
		}
	}
	s.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// rawOpen opens dir's database with bbolt alone, to build or inspect a
// layout.
func rawOpen(t *testing.T, dir string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, DBFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
