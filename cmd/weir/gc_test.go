package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weirflow/weir/store"
	bolt "go.etcd.io/bbolt"
)

// TestGCRefusesCraftedStore: a state dir edited to name directories
// outside its runs makes gc (and --dry-run) refuse, naming the record,
// and remove nothing.
func TestGCRefusesCraftedStore(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	some := filepath.Join(dir, "some", "dir")
	other := filepath.Join(dir, "other")
	for _, p := range []string{some, other, filepath.Join(dir, "x", "tmp")} {
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "keep"), []byte("precious"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.Open(state, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := bolt.Open(filepath.Join(state, store.DBFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []store.RunRecord{
		{ID: "20261126-071512-3fa9c1", Workflow: "/w/a.hcl", ShmDir: some, PoolShmDirs: []string{other}, State: store.RunFailed},
		{ID: "../../../x", Workflow: "/w/b.hcl", State: store.RunFailed},
	} {
		v, _ := json.Marshal(r)
		if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("runs")).Put([]byte(r.ID), v) }); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	for _, args := range [][]string{{"gc", "--all", "--dry-run"}, {"gc", "--all"}} {
		var out, errb bytes.Buffer
		code := realMain(append(args, "--state-dir", state), &out, &errb)
		if code == 0 || !strings.Contains(errb.String(), "run ") || !strings.Contains(errb.String(), "by hand") {
			t.Fatalf("%v: code %d, stdout %q, stderr %q", args, code, out.String(), errb.String())
		}
		for _, p := range []string{some, other, filepath.Join(dir, "x", "tmp")} {
			if _, err := os.Stat(filepath.Join(p, "keep")); err != nil {
				t.Fatalf("%v removed %s: %v", args, p, err)
			}
		}
	}
}
