package shm

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
)

func TestCommit(t *testing.T) {
	r, err := OpenRun(segDir(t), "r1")
	if err != nil {
		t.Fatal(err)
	}
	task := &dag.Task{ID: "gen[a/b]", Outputs: []dag.Output{{Name: "table", Size: 4}, {Name: "log"}}}
	if err := r.Prepare(task); err != nil {
		t.Fatal(err)
	}
	table := dag.SegmentRef{Task: task.ID, Output: "table"}
	logRef := dag.SegmentRef{Task: task.ID, Output: "log"}
	if filepath.Dir(r.Path(table)) == r.Dir() || filepath.Dir(filepath.Dir(r.Path(table))) != r.Dir() {
		t.Errorf("segment %s escapes or flattens the run dir %s", r.Path(table), r.Dir())
	}

	os.WriteFile(r.Partial(table), []byte("12345"), 0o644)
	_, missing, err := r.Commit(task)
	if err != nil || len(missing) != 2 {
		t.Fatalf("oversized and absent outputs: missing %v, %v", missing, err)
	}
	if _, err := os.Stat(r.Path(table)); err == nil {
		t.Error("an output was committed although another was missing")
	}

	if err := r.Prepare(task); err != nil { // a new attempt starts clean
		t.Fatal(err)
	}
	if _, err := os.Stat(r.Partial(table)); err == nil {
		t.Error("Prepare left an earlier attempt's partial file")
	}
	os.WriteFile(r.Partial(table), []byte("1234"), 0o644)
	os.WriteFile(r.Partial(logRef), []byte("x"), 0o644)
	committed, missing, err := r.Commit(task)
	if err != nil || missing != nil {
		t.Fatalf("commit: %v %v", missing, err)
	}
	// xxhash64 of "1234" and of "x".
	want := []event.Committed{
		{Name: "table", Path: r.Path(table), Size: 4, Hash: "d8316e61d84f6ba4"},
		{Name: "log", Path: r.Path(logRef), Size: 1, Hash: "5c80c09683041123"},
	}
	if !slices.Equal(committed, want) {
		t.Errorf("committed %+v\nwant %+v", committed, want)
	}
	for _, ref := range []dag.SegmentRef{table, logRef} {
		fi, err := os.Stat(r.Path(ref))
		if err != nil || fi.Mode().Perm() != 0o444 {
			t.Errorf("%s: %v %v", ref, fi, err)
		}
		if _, err := os.Stat(r.Partial(ref)); err == nil {
			t.Errorf("%s: partial file left", ref)
		}
	}

	if err := r.Remove(map[string]bool{r.Path(logRef): true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.Path(logRef)); err != nil {
		t.Error("kept segment removed")
	}
	if _, err := os.Stat(r.Path(table)); err == nil {
		t.Error("segment not removed")
	}
}

func TestOpenRunRejectsBadIDs(t *testing.T) {
	for _, id := range []string{"", ".", "..", "a/b"} {
		if _, err := OpenRun(t.TempDir(), id); err == nil {
			t.Errorf("OpenRun accepted run id %q", id)
		}
	}
}

func TestPublish(t *testing.T) {
	dir := t.TempDir()
	seg := filepath.Join(dir, "seg")
	os.WriteFile(seg, []byte("data"), 0o444)
	dest := filepath.Join(dir, "results", "out.bin")
	os.MkdirAll(filepath.Dir(dest), 0o755)
	os.WriteFile(dest, []byte("old"), 0o644)
	if err := Publish(seg, dest); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dest); string(b) != "data" {
		t.Errorf("dest = %q", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(dest))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"out.bin"}) {
		t.Errorf("publish left %v", names)
	}
	if err := Publish(filepath.Join(dir, "nope"), dest); err == nil {
		t.Error("publishing a missing segment succeeded")
	}
	if b, _ := os.ReadFile(dest); string(b) != "data" {
		t.Errorf("failed publish changed dest to %q", b)
	}
}

func TestAdopt(t *testing.T) {
	shmDir := segDir(t)
	old, _ := OpenRun(shmDir, "old")
	task := &dag.Task{ID: "gen", Outputs: []dag.Output{{Name: "rows"}}}
	ref := dag.SegmentRef{Task: "gen", Output: "rows"}
	old.Prepare(task)
	os.WriteFile(old.Partial(ref), []byte("rows"), 0o644)
	if _, _, err := old.Commit(task); err != nil {
		t.Fatal(err)
	}
	r, _ := OpenRun(shmDir, "new")
	if err := r.Adopt(ref, old.Path(ref)); err != nil {
		t.Fatal(err)
	}
	if err := old.Remove(nil); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(r.Path(ref)); err != nil || string(b) != "rows" {
		t.Errorf("adopted segment: %q %v", b, err)
	}
}

// Release removes the segment at once and frees its pages in the
// background, counted in Held until Wait; a segment with another name (a
// resume adopted it) keeps its pages and its protection under that name.
func TestReleaseFreesInTheBackground(t *testing.T) {
	dir := memDir(t)
	run, err := OpenRun(dir, "r1")
	if err != nil {
		t.Fatal(err)
	}
	ref := dag.SegmentRef{Task: "a", Output: "out"}
	path := run.Path(ref)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, make([]byte, 4<<20), 0o444); err != nil {
		t.Fatal(err)
	}
	protect(path)
	other := filepath.Join(dir, "adopted")
	setImmutable(path, false)
	if err := os.Link(path, other); err != nil {
		t.Fatal(err)
	}
	protect(path)

	if err := run.Release(ref); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("released segment still there: %v", err)
	}
	run.Wait()
	if run.Held() != 0 {
		t.Errorf("Held = %d with the pages still under another name", run.Held())
	}
	if !Protected(other) {
		t.Error("the other name lost its protection")
	}

	// Its last name: the pages go, and Held says so until they have.
	if err := run.Adopt(ref, other); err != nil {
		t.Fatal(err)
	}
	remove(other)
	if err := run.Release(ref); err != nil {
		t.Fatal(err)
	}
	if n := run.Held(); n != 0 && n != 4<<20 {
		t.Errorf("Held = %d while freeing, want 0 or 4 MiB", n)
	}
	run.Wait()
	if run.Held() != 0 {
		t.Errorf("Held = %d after Wait", run.Held())
	}
}
