package shm

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/weirflow/weir/dag"
)

// segDir is a temporary shm_dir whose protected segments are unprotected
// before the testing package removes it.
func segDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() { Unprotect(dir) })
	return dir
}

// shmDirs are the filesystems segments live on in practice: the test's
// temporary directory (a disk) and /dev/shm (tmpfs) where there is one.
func shmDirs(t *testing.T) map[string]string {
	dirs := map[string]string{"disk": segDir(t)}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "weir-test-")
		if err == nil {
			t.Cleanup(func() { RemoveAll(dir) })
			dirs["tmpfs"] = dir
		}
	}
	return dirs
}

// A committed segment cannot be written, truncated, renamed, removed or
// linked to, by root either; RemoveAll and Adopt still work.
func TestCommittedSegmentsAreImmutable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root may set the immutable attribute; as others, mode 0444 protects segments")
	}
	for fsName, shmDir := range shmDirs(t) {
		t.Run(fsName, func(t *testing.T) {
			r, err := OpenRun(shmDir, "r1")
			if err != nil {
				t.Fatal(err)
			}
			task := &dag.Task{ID: "gen", Outputs: []dag.Output{{Name: "rows"}}}
			ref := dag.SegmentRef{Task: "gen", Output: "rows"}
			r.Prepare(task)
			os.WriteFile(r.Partial(ref), []byte("committed bytes"), 0o644)
			if _, _, err := r.Commit(task); err != nil {
				t.Fatal(err)
			}
			path := r.Path(ref)
			if !Protected(path) {
				t.Skipf("%s: this filesystem has no immutable attribute", fsName)
			}
			for what, try := range map[string]func() error{
				"open for writing": func() error {
					f, err := os.OpenFile(path, os.O_WRONLY, 0)
					if err == nil {
						f.Close()
					}
					return err
				},
				"truncate": func() error { return os.Truncate(path, 0) },
				"rename":   func() error { return os.Rename(path, path+".moved") },
				"remove":   func() error { return os.Remove(path) },
				"link":     func() error { return os.Link(path, path+".link") },
				"chmod":    func() error { return os.Chmod(path, 0o644) },
			} {
				if err := try(); !errors.Is(err, fs.ErrPermission) && !errors.Is(err, syscall.EPERM) {
					t.Errorf("%s of a committed segment as root: %v, want EPERM", what, err)
				}
			}
			if b, _ := os.ReadFile(path); string(b) != "committed bytes" {
				t.Errorf("the segment reads %q", b)
			}

			// A resume adopts it by hard link, and the old run's removal
			// leaves the adopted name intact and still protected.
			next, _ := OpenRun(shmDir, "r2")
			if err := next.Adopt(ref, path); err != nil {
				t.Fatal(err)
			}
			if err := r.Remove(nil); err != nil {
				t.Fatalf("removing the old run: %v", err)
			}
			if !Protected(next.Path(ref)) {
				t.Error("the adopted segment lost its protection")
			}
			if err := next.Release(ref); err != nil {
				t.Fatalf("release: %v", err)
			}
			if _, err := os.Stat(next.Path(ref)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("released segment still there: %v", err)
			}
			if err := RemoveAll(filepath.Join(shmDir, "r2")); err != nil {
				t.Fatal(err)
			}
		})
	}
}
