package shm

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// On a disk and on tmpfs (where Open fills the page tables at once).
func TestSegmentRoundTrip(t *testing.T) {
	for name, dir := range shmDirs(t) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, "seg")
			w, err := Create(path, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			b := w.Bytes()
			for i := range b {
				b[i] = byte(i)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(path); err != nil || fi.Size() != 1<<20 {
				t.Fatalf("file: %v %v", fi, err)
			}
			r, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got := r.Bytes()
			for i := range got {
				if got[i] != byte(i) {
					t.Fatalf("byte %d = %d", i, got[i])
				}
			}
		})
	}
}

// TestOpenIsReadOnly: a consumer that writes to its input faults at once,
// whoever it runs as: the mapping itself is read-only.
func TestOpenIsReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seg")
	os.WriteFile(path, []byte("committed"), 0o444)
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	faulted := func() (f bool) {
		defer func() { f = recover() != nil }()
		r.Bytes()[0] = 'X'
		return false
	}()
	if !faulted {
		t.Error("writing to a segment opened read-only did not fault")
	}
	if b, _ := os.ReadFile(path); string(b) != "committed" {
		t.Errorf("segment changed to %q", b)
	}
}

func TestEmptyAndBadSegments(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o444)
	s, err := Open(empty)
	if err != nil || len(s.Bytes()) != 0 || s.Close() != nil {
		t.Errorf("empty segment: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "missing")); err == nil {
		t.Error("opening a missing segment succeeded")
	}
	if _, err := Create(filepath.Join(dir, "zero"), 0); err == nil {
		t.Error("creating a zero-byte mapping succeeded")
	}
}
