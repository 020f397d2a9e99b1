package executor

import (
	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/shm"
)

// Layout places what the attempts of a run leave on disk.
type Layout interface {
	// Logs are the stdout and stderr files of an attempt.
	Logs(task string, attempt int) (stdout, stderr string)
	// TmpDir is the private temporary directory of the attempt that holds
	// a slot of a pool. One attempt at a time holds a slot, and a runner
	// may keep the emptied directory for the slot's next attempt: making
	// and removing one costs more than a short task's whole start.
	TmpDir(pool string, slot int) string
	// Samples is the file where the runner appends the attempt's memory
	// use while it runs (see Spec.Samples).
	Samples(task string, attempt int) string
}

// AttemptTmpDirs is a Layout that gives some attempts a temporary directory
// of their own, named by task and attempt, instead of their slot's. An
// attempt that outlives its engine (a cluster job) is found again by what
// the store records of it, and the store records no slots: a later engine
// that takes the job over must name the directory the job was given.
type AttemptTmpDirs interface {
	// AttemptTmpDir is the attempt's directory; false leaves it to TmpDir.
	AttemptTmpDir(task, pool string, attempt int) (dir string, ok bool)
}

// TmpDirOf is the temporary directory l gives an attempt of task in pool
// that holds slot.
func TmpDirOf(l Layout, task, pool string, slot, attempt int) string {
	if a, ok := l.(AttemptTmpDirs); ok {
		if dir, ok := a.AttemptTmpDir(task, pool, attempt); ok {
			return dir
		}
	}
	return l.TmpDir(pool, slot)
}

// Segments manages the named outputs tasks hand to each other.
type Segments interface {
	// Path is where a committed segment is read.
	Path(ref dag.SegmentRef) string
	// Partial is where the producer writes it (WEIR_OUTPUT_<NAME>).
	Partial(ref dag.SegmentRef) string
	// Prepare readies t's outputs before an attempt: directories made,
	// partial files of an earlier attempt removed.
	Prepare(t *dag.Task) error
	// Commit makes t's outputs visible to consumers after a successful
	// attempt and says what it committed. missing names outputs the task
	// did not write; then nothing is committed.
	Commit(t *dag.Task) (committed []event.Committed, missing []string, err error)
	// Discard removes what a failed attempt of t wrote.
	Discard(t *dag.Task)
	// Release removes (or recycles) the committed segment ref: every task
	// that reads it has succeeded. It returns quickly; freeing the pages
	// may go on after it, counted in Held.
	Release(ref dag.SegmentRef) error
	// Size is the size of the committed segment ref, or -1 when there is
	// none (a resumed run's segment released before).
	Size(ref dag.SegmentRef) int64
	// Space tells how much room is left where segments are written, and
	// whether that room is RAM.
	Space() (shm.Space, error)
	// Held is the bytes of released segments still in memory: kept for
	// reuse by later producers (see shm.Pool), or being freed.
	Held() int64
}
