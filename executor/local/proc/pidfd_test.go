//go:build linux

package proc_test

import (
	"testing"

	"github.com/weirflow/weir/executor/local/proc"
	"golang.org/x/sys/unix"
)

// A child's exit wakes its waiter through its pidfd in the runtime's
// poller; a pidfd left blocking would fall back, silently, on the
// reaper's sweep every 100 ms.
func TestExitIsPolled(t *testing.T) {
	fd, err := unix.PidfdOpen(unix.Getpid(), 0)
	if err != nil {
		t.Skipf("no pidfds here: %v", err)
	}
	unix.Close(fd)
	// A child that outlives the check: one that has exited may be reaped
	// by a sweep first, which closes its pidfd.
	p := start(t, proc.Attr{Argv: []string{"sleep", "10"}})
	if !proc.PolledExit(p) {
		t.Error("the exit of a child is not polled")
	}
}
