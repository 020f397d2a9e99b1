package shm

import (
	"os"
	"path/filepath"
	"syscall"
)

// Prune removes the run's directories that hold nothing: the task
// directories whose segments were released, and the run's own directory
// once those are gone. A run that did not succeed keeps what it made for a
// resume; an empty directory keeps nothing, and a resume makes it again,
// whereas left behind it outlives the state dir that recorded it. Files
// are never removed here, and no link is followed: rmdir removes only an
// empty directory, and only directories are tried.
func (r *Run) Prune() {
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() { // a link to a directory is not one
			syscall.Rmdir(filepath.Join(r.dir, e.Name()))
		}
	}
	syscall.Rmdir(r.dir)
}
