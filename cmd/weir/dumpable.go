package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// hideFromTasks makes this process not dumpable. A task runs as the same
// user as weir, and any process of that user may otherwise read
// /proc/<weir pid>/environ (secrets exported before weir run, which the
// task's own clean environment does not hold), its memory and its file
// descriptors. A non-dumpable process's /proc entries are root's; its
// children get back the default when they exec, so tasks are unaffected.
// Every weir command does this first, before any task starts: the engine,
// and weir ui, which may hold a token.
func hideFromTasks() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("cannot hide weir's memory and environment from its tasks (prctl PR_SET_DUMPABLE): %w", err)
	}
	return nil
}
