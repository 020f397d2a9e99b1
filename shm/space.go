package shm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"

	"github.com/weirflow/weir/dag"
)

// Space is the room where a run's segments are written.
type Space struct {
	Free, Total int64 // bytes
	// InRAM is set for tmpfs and ramfs: segments there are memory that no
	// task's cap covers once their producer has ended.
	InRAM bool
}

// Filesystems whose files are memory: what a segment there holds is RAM
// that no task's cap covers once its producer ended.
const (
	tmpfsMagic = 0x01021994
	ramfsMagic = 0x858458f6
)

// Space implements executor.Segments: the free and total bytes of the
// filesystem of the run's segment directory, and whether it is RAM.
func (r *Run) Space() (Space, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(r.dir, &st); err != nil {
		return Space{}, fmt.Errorf("shm: statfs %s: %w", r.dir, err)
	}
	return Space{
		Free:  int64(st.Bavail) * st.Bsize,
		Total: int64(st.Blocks) * st.Bsize,
		InRAM: st.Type == tmpfsMagic || st.Type == ramfsMagic,
	}, nil
}

// Size implements executor.Segments: the size of the committed segment
// ref, -1 when there is none.
func (r *Run) Size(ref dag.SegmentRef) int64 {
	fi, err := os.Stat(r.Path(ref))
	if err != nil {
		return -1
	}
	return fi.Size()
}

// Release implements executor.Segments: it recycles (see Pool) or removes
// the committed segment ref once no task needs it. A segment already gone
// is not an error.
func (r *Run) Release(ref dag.SegmentRef) error {
	if err := r.recycle(r.Path(ref)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("shm: release %s: %w", r.Path(ref), err)
	}
	return nil
}
