package executor

import (
	"path/filepath"
	"strconv"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/shm"
)

// Layout places what the attempts of a run leave on disk.
type Layout interface {
	// Logs are the stdout and stderr files of an attempt.
	Logs(task string, attempt int) (stdout, stderr string)
	// TmpDir is the private temporary directory of an attempt.
	TmpDir(task string, attempt int) string
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
	Commit(t *dag.Task) (committed []shm.Committed, missing []string, err error)
	// Discard removes what a failed attempt of t wrote.
	Discard(t *dag.Task)
}

// DirLayout keeps an attempt's logs and temporary directory under one run
// directory: logs/<task>.<attempt>.stdout|.stderr and tmp/<task>.<attempt>.
// Logs sit in one flat directory: a directory per task would cost a mkdir
// per task, a fifth of a millisecond on an ext4 disk.
type DirLayout struct {
	Root string // the run's directory in the state dir
}

// Logs implements Layout.
func (d DirLayout) Logs(task string, attempt int) (stdout, stderr string) {
	base := filepath.Join(d.Root, "logs", dag.Slug(task)+"."+strconv.Itoa(attempt))
	return base + ".stdout", base + ".stderr"
}

// TmpDir implements Layout.
func (d DirLayout) TmpDir(task string, attempt int) string {
	return filepath.Join(d.Root, "tmp", dag.Slug(task)+"."+strconv.Itoa(attempt))
}
