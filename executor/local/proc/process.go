package proc

import (
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// Attr describes a child to start.
type Attr struct {
	// Argv is the program and its arguments. An Argv[0] without a slash is
	// looked up in the PATH of Env (the child's, not weir's); one with a
	// slash is relative to Dir.
	Argv []string
	// Env is the child's complete environment, KEY=VALUE. nil is an empty
	// environment: nothing of weir's leaks into a task. Of duplicate keys the
	// last wins.
	Env []string
	// Dir is the working directory; "" keeps weir's.
	Dir string
	// Stdin, Stdout and Stderr become fds 0, 1 and 2; nil is /dev/null.
	// The caller keeps ownership and may close its copies once Start
	// returns.
	Stdin, Stdout, Stderr *os.File
	// CPUSet is the child's CPU affinity; empty inherits weir's.
	CPUSet []int
	// Before, if set, runs on the locked OS thread that forks, right before
	// the fork (a task cgroup's Prepare: on cgroup v1 it moves the thread
	// into the task's cgroup, on v2 it sets UseCgroupFD). after runs on the
	// same thread right after the fork and must undo what Before did to the
	// thread. If Before fails it must leave the thread as it found it.
	Before func(attr *syscall.SysProcAttr) (after func() error, err error)
	// Pdeathsig is sent to the child when weir dies; 0 means SIGKILL.
	Pdeathsig syscall.Signal
}

// Process is a started child. Its exit is collected by the reaper.
type Process struct {
	Pid int
	// StartTime is field 22 of /proc/<pid>/stat (clock ticks since boot):
	// with Pid it tells this child from a later process that reuses the pid
	// (see Alive).
	StartTime uint64

	done chan struct{}
	exit Exit  // set before done is closed
	err  error // set before done is closed

	// exited is the child's pidfd: it turns readable when the child
	// exits, which wakes the goroutine waiting in WaitUntil directly,
	// blocked in ppoll on it (blocking) or through the runtime's poller
	// (see pidfdFile). nil where the kernel has no pidfds; then SIGCHLD
	// drives the reaper. Closed when the child is reaped.
	exited   *os.File
	blocking bool
	// polling is held by the goroutine waiting on exited (its read
	// deadline is one for the whole file); other waiters wait for done.
	polling sync.Mutex
}

// Exit is how a child ended and what it used.
type Exit struct {
	Status syscall.WaitStatus
	Rusage Rusage
}

// Rusage is what wait4 reports for the child and those of its descendants
// it waited for itself (orphans reaped by weir are not included; a task's
// cgroup accounts for its whole tree).
type Rusage struct {
	User, System time.Duration // CPU time
	MaxRSS       int64         // peak resident set in bytes
}

// CPU is the total CPU time, user plus system.
func (r Rusage) CPU() time.Duration { return r.User + r.System }

// Success reports whether the child exited with status 0.
func (e Exit) Success() bool { return e.Status.Exited() && e.Status.ExitStatus() == 0 }

// String is "exit N" or "signal N (name)".
func (e Exit) String() string {
	switch {
	case e.Status.Exited():
		return fmt.Sprintf("exit %d", e.Status.ExitStatus())
	case e.Status.Signaled():
		return fmt.Sprintf("signal %d (%v)", int(e.Status.Signal()), e.Status.Signal())
	}
	return fmt.Sprintf("wait status %v", e.Status)
}

// Wait blocks until the child has been reaped and reports how it ended. It
// may be called any number of times, from any goroutine. The error is
// non-nil only if the child was reaped by someone else (os/exec used after
// Init), in which case its exit is unknown.
func (p *Process) Wait() (Exit, error) {
	p.WaitUntil(time.Time{})
	return p.exit, p.err
}

// waitReaped waits for someone else's reap of the child: true once it is
// reaped, false when deadline (never, if zero) has passed first.
func (p *Process) waitReaped(deadline time.Time) bool {
	if deadline.IsZero() {
		<-p.done
		return true
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
		return false
	}
}

// reaped reports whether the child has been reaped.
func (p *Process) reaped() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// NotFoundError is returned by Start when Argv[0] is not in the child's
// PATH.
type NotFoundError struct {
	Program string
	Path    string // the child's PATH value
	Set     bool   // whether the child's environment has PATH at all
}

func (e *NotFoundError) Error() string {
	path := e.Path
	switch {
	case !e.Set:
		path = "PATH is not set"
	case path == "":
		path = "PATH is empty"
	}
	return fmt.Sprintf("proc: program %q not found in the task's PATH (%s)", e.Program, path)
}
