package shm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/units"
)

// partialSuffix marks a segment its producer is still writing.
const partialSuffix = ".partial"

// Run is the segment directory of one run: <shm_dir>/<run id>/<task>/<output>.
type Run struct {
	dir  string
	pool *Pool // nil: released segments are removed

	freeing atomic.Int64   // bytes of removed segments whose pages are not freed yet
	frees   sync.WaitGroup // the goroutines freeing them
}

// Reuse makes the run recycle its released segments into pool, and give
// producers that declare their output's size the pool's pages.
func (r *Run) Reuse(pool *Pool) { r.pool = pool }

// Held implements executor.Segments: the bytes of released segments the
// run keeps in its pool or is still freeing, memory it still holds.
func (r *Run) Held() int64 {
	n := r.freeing.Load()
	if r.pool != nil {
		n += r.pool.Held()
	}
	return n
}

// Wait waits until the pages of every segment released are freed.
func (r *Run) Wait() { r.frees.Wait() }

// OpenRun creates (or opens, on resume) the segment directory of a run. The
// run directory is private (0700): segments can hold anything a stage
// computes.
func OpenRun(shmDir, runID string) (*Run, error) {
	if !validComponent(runID) {
		return nil, fmt.Errorf("shm: invalid run id %q", runID)
	}
	if err := ensureDir(shmDir); err != nil {
		return nil, err
	}
	dir := filepath.Join(shmDir, runID)
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("shm: create %s: %w", dir, err)
	}
	// On resume the directory exists: it must be ours, and not a link.
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() || fi.Sys().(*syscall.Stat_t).Uid != uint32(os.Geteuid()) {
		return nil, fmt.Errorf("shm: %s is not a directory of yours; remove it, or set shm_dir elsewhere", dir)
	}
	return &Run{dir: dir}, nil
}

// Dir is the run's segment directory.
func (r *Run) Dir() string { return r.dir }

// Path is where the committed segment ref is read.
func (r *Run) Path(ref dag.SegmentRef) string {
	return filepath.Join(r.dir, dag.Slug(ref.Task), ref.Output)
}

// Partial is where the producer of ref writes it.
func (r *Run) Partial(ref dag.SegmentRef) string { return r.Path(ref) + partialSuffix }

// Prepare makes the directory of t's segments and removes what an earlier
// attempt left half-written, so every attempt starts from nothing.
func (r *Run) Prepare(t *dag.Task) error {
	if len(t.Outputs) == 0 {
		return nil
	}
	dir := filepath.Join(r.dir, dag.Slug(t.ID))
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("shm: create %s: %w", dir, err)
	}
	r.Discard(t)
	if r.pool == nil {
		return nil
	}
	for _, o := range t.Outputs {
		if o.Size > 0 {
			r.pool.Take(r.Partial(dag.SegmentRef{Task: t.ID, Output: o.Name})+ZeroedSuffix, o.Size)
		}
	}
	return nil
}

// Commit renames t's written outputs into place, makes them read-only and
// hashes them. A segment larger than one hash chunk (64 MiB) is committed
// without its hash, which the caller computes with Hash while the
// segment's readers already run: its bytes can no longer change, and
// hashing a GiB takes a while. When any output is missing, larger than its
// size or smaller than its min_size, nothing is committed and missing
// names the offenders.
func (r *Run) Commit(t *dag.Task) (committed []event.Committed, missing []string, err error) {
	for _, o := range t.Outputs {
		ref := dag.SegmentRef{Task: t.ID, Output: o.Name}
		fi, err := os.Stat(r.Partial(ref))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, o.Name)
		case err != nil:
			return nil, nil, fmt.Errorf("shm: %w", err)
		case !fi.Mode().IsRegular():
			missing = append(missing, o.Name+" (not a regular file)")
		case o.Size > 0 && fi.Size() > o.Size:
			missing = append(missing, fmt.Sprintf("%s (%d bytes, more than its declared size %d)", o.Name, fi.Size(), o.Size))
		case fi.Size() < o.MinSize:
			// A producer that stopped early or a truncated write: its
			// readers would take the short file for the whole.
			missing = append(missing, fmt.Sprintf("%s in full: wrote %s, less than its min_size of %s",
				o.Name, sizeAndBytes(fi.Size()), sizeAndBytes(o.MinSize)))
		}
	}
	if len(missing) > 0 {
		return nil, missing, nil
	}
	for _, o := range t.Outputs {
		ref := dag.SegmentRef{Task: t.ID, Output: o.Name}
		final := r.Path(ref)
		if err := os.Chmod(r.Partial(ref), 0o444); err != nil {
			return nil, nil, fmt.Errorf("shm: protect %s: %w", final, err)
		}
		fi, err := os.Stat(r.Partial(ref))
		if err != nil {
			return nil, nil, fmt.Errorf("shm: commit %s: %w", final, err)
		}
		size, hash := fi.Size(), ""
		if size <= hashChunk {
			if _, hash, err = Hash(r.Partial(ref)); err != nil {
				return nil, nil, err
			}
		}
		if err := os.Rename(r.Partial(ref), final); err != nil {
			return nil, nil, fmt.Errorf("shm: commit %s: %w", final, err)
		}
		protect(final)
		committed = append(committed, event.Committed{Name: o.Name, Path: final, Size: size, Hash: hash})
	}
	r.returnZeroed(t)
	return committed, nil, nil
}

// sizeAndBytes is "1 MiB (1048576 bytes)": the unit for reading, the
// bytes for records of a fixed size (a rounded unit hides a byte short).
func sizeAndBytes(n int64) string {
	if n < 1024 {
		return units.Plural(int(n), "byte")
	}
	return fmt.Sprintf("%s (%d bytes)", units.Size(n), n)
}

// Discard removes the partial outputs of t.
func (r *Run) Discard(t *dag.Task) {
	for _, o := range t.Outputs {
		os.Remove(r.Partial(dag.SegmentRef{Task: t.ID, Output: o.Name}))
	}
	r.returnZeroed(t)
}

// returnZeroed gives the pool back the zeroed files t's producer did not
// take over. It may have written into one all the same, so they are zeroed
// again like any released segment.
func (r *Run) returnZeroed(t *dag.Task) {
	if r.pool == nil {
		return // only a pool puts such files there
	}
	for _, o := range t.Outputs {
		if o.Size > 0 {
			r.recycle(r.Partial(dag.SegmentRef{Task: t.ID, Output: o.Name}) + ZeroedSuffix)
		}
	}
}

// recycle gives the file at path to the pool, or removes it.
func (r *Run) recycle(path string) error {
	if r.pool != nil {
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if r.pool.Put(path) == nil {
			return nil
		}
	}
	return r.removeLater(path)
}

// removeLater removes the file at path and frees its pages in the
// background: on tmpfs the last close of a file frees them, 0.05 s a GiB
// that its caller need not wait for. Until they are freed they count in
// Held; Wait waits for them. A file with another name keeps its pages
// (and its immutable attribute).
func (r *Run) removeLater(path string) error {
	fd, size, last, err := unlink(path)
	if err != nil || fd < 0 {
		return err
	}
	if !last {
		unix.Close(fd)
		return nil
	}
	r.freeing.Add(size)
	r.frees.Go(func() {
		unix.Close(fd)
		r.freeing.Add(-size)
	})
	return nil
}

// Remove deletes the run's segments, except the paths in keep.
func (r *Run) Remove(keep map[string]bool) error {
	if len(keep) == 0 {
		return RemoveAll(r.dir)
	}
	return filepath.WalkDir(r.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || keep[path] {
			return err
		}
		return remove(path)
	})
}

func validComponent(s string) bool {
	return s != "" && s != "." && s != ".." && filepath.Base(s) == s
}

// Adopt makes the committed segment at path, left by an earlier run, the
// segment ref of this run, as resume does for a task it reuses: a hard link
// when both are on one filesystem (no copy, whatever the size), else a
// copy. The earlier run's directory can then be removed independently.
func (r *Run) Adopt(ref dag.SegmentRef, path string) error {
	dest := r.Path(ref)
	if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
		return fmt.Errorf("shm: adopt %s: %w", path, err)
	}
	remove(dest)
	// An immutable file cannot get another name; both names share one
	// inode, so protecting it again covers both.
	wasProtected := Protected(path)
	if wasProtected {
		setImmutable(path, false)
	}
	err := os.Link(path, dest)
	if wasProtected {
		protect(path)
	}
	if err == nil {
		return nil
	}
	if err := Publish(path, dest); err != nil {
		return fmt.Errorf("shm: adopt %s: %w", path, err)
	}
	if err := os.Chmod(dest, 0o444); err != nil {
		return fmt.Errorf("shm: adopt %s: %w", path, err)
	}
	protect(dest)
	return nil
}
