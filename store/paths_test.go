package store

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// putRawRun writes r into the store's runs bucket as a copied or edited
// state dir would hold it, past the journal's own checks.
func putRawRun(t *testing.T, s *Store, r RunRecord) {
	t.Helper()
	v, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketRuns).Put([]byte(r.ID), v) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestCheckRun(t *testing.T) {
	state := t.TempDir()
	shmDir := t.TempDir()
	victim := t.TempDir() // what a crafted record points at
	mkdir := func(p string) string {
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mkdir(filepath.Join(shmDir, "good"))
	mkdir(filepath.Join(state, "runs", "good", "tmp"))
	mkdir(filepath.Join(victim, "linked"))
	if err := os.Symlink(filepath.Join(victim, "linked"), filepath.Join(shmDir, "linked")); err != nil {
		t.Fatal(err)
	}
	mkdir(filepath.Join(state, "runs", "tmplink"))
	if err := os.Symlink(victim, filepath.Join(state, "runs", "tmplink", "tmp")); err != nil {
		t.Fatal(err)
	}
	foreign := mkdir(filepath.Join(shmDir, "foreign"))
	viaLink := filepath.Join(t.TempDir(), "hop")
	if err := os.Symlink(shmDir, viaLink); err != nil {
		t.Fatal(err)
	}
	mkdir(filepath.Join(shmDir, "hopped"))
	root := os.Geteuid() == 0
	if root { // a directory and a link of someone else's
		if err := os.Chown(foreign, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(viaLink, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name     string
		rec      RunRecord
		ok       bool
		needRoot bool
	}{
		{"own run", RunRecord{ID: "good", ShmDir: filepath.Join(shmDir, "good")}, true, false},
		{"gone already", RunRecord{ID: "gone", ShmDir: filepath.Join(shmDir, "gone")}, true, false},
		{"id climbs", RunRecord{ID: "../../../x"}, false, false},
		{"id dot dot", RunRecord{ID: ".."}, false, false},
		{"id slash", RunRecord{ID: "a/b"}, false, false},
		{"id empty", RunRecord{ID: ""}, false, false},
		{"shm_dir not the run's", RunRecord{ID: "r1", ShmDir: "/some/dir"}, false, false},
		{"pool dir not the run's", RunRecord{ID: "r1", PoolShmDirs: []string{"/other"}}, false, false},
		{"relative", RunRecord{ID: "r1", ShmDir: "shm/r1"}, false, false},
		{"unclean", RunRecord{ID: "r1", ShmDir: shmDir + "/x/../r1"}, false, false},
		{"root shm_dir", RunRecord{ID: "r1", ShmDir: "/r1"}, false, false},
		{"segment dir a link", RunRecord{ID: "linked", ShmDir: filepath.Join(shmDir, "linked")}, false, false},
		{"tmp a link", RunRecord{ID: "tmplink"}, false, false},
		{"foreign owner", RunRecord{ID: "foreign", ShmDir: foreign}, false, true},
		{"through a foreign link", RunRecord{ID: "hopped", ShmDir: filepath.Join(viaLink, "hopped")}, false, true},
	}
	s, err := Open(state, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needRoot && !root {
				t.Skip("needs root to make a file of another user")
			}
			if tt.rec.ID != "" {
				putRawRun(t, s, tt.rec)
			}
			d, err := CheckRun(state, tt.rec)
			if tt.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if len(d.Segments) != 1 || d.Segments[0] != tt.rec.ShmDir || d.Tmp != filepath.Join(state, "runs", tt.rec.ID, "tmp") {
					t.Fatalf("dirs %+v", d)
				}
				return
			}
			if !errors.Is(err, ErrUnsafe) {
				t.Fatalf("got %v, want a refusal", err)
			}
		})
	}
	// The crafted records stay readable: refusing is the checker's job.
	if _, err := s.Runs(); err != nil {
		t.Fatal(err)
	}
}

// CheckRunID accepts exactly the ids of its grammar: what the regexp
// `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$` matches, less those with "..".
func TestCheckRunID(t *testing.T) {
	grammar := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	ids := []string{"20261126-071512-3fa9c1", "a", "A.b_c-d", "9", strings.Repeat("a", 128),
		strings.Repeat("a", 129), "", ".", "..", "a..b", ".a", "-a", "_a", "a/b", "a b", "é",
		"a\x00", "a.", "a-", "ab\n", "../x"}
	for _, id := range ids {
		want := grammar.MatchString(id) && !strings.Contains(id, "..")
		if got := CheckRunID(id) == nil; got != want {
			t.Errorf("CheckRunID(%q) accepts: %v, want %v", id, got, want)
		}
	}
}

func FuzzCheckRunID(f *testing.F) {
	grammar := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	f.Add("20261126-071512-3fa9c1")
	f.Add("a..b")
	f.Fuzz(func(t *testing.T, id string) {
		want := grammar.MatchString(id) && !strings.Contains(id, "..")
		if got := CheckRunID(id) == nil; got != want {
			t.Errorf("CheckRunID(%q) accepts: %v, want %v", id, got, want)
		}
	})
}
