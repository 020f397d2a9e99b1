package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Holding returns the engine that holds dir's store right now: the
// database's lock is held, and engine.lock names a live process with a
// known start time. A run.json can be crafted to name any pid; the lock
// cannot be held by a process that is not an engine of this store.
func Holding(dir string) (Engine, error) {
	db := filepath.Join(dir, DBFile)
	f, err := os.Open(db)
	if err != nil {
		return Engine{}, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	// bbolt's writer holds an exclusive flock: if ours succeeds, no engine
	// does. Ours is let go at once (closing f), before an engine would wait.
	switch err := unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB); {
	case err == nil:
		return Engine{}, fmt.Errorf("store: no engine holds %s now", db)
	case !errors.Is(err, unix.EWOULDBLOCK):
		return Engine{}, fmt.Errorf("store: lock %s: %w", db, err)
	}
	li, ok := holder(dir)
	if !ok || li.StartTime == 0 {
		return Engine{}, fmt.Errorf("store: %s names no live engine with a start time", filepath.Join(dir, lockFile))
	}
	return li.Engine, nil
}
