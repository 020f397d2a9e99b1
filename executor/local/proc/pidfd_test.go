//go:build linux

package proc_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/weirflow/weir/executor/local/proc"
	"golang.org/x/sys/unix"
)

// A child's exit wakes its waiter through its pidfd: the first
// BlockingWaiters children at a time are waited for by a thread blocked
// in ppoll on it, the rest through the runtime's poller; a pidfd in
// neither would fall back, silently, on the reaper's sweep every 100 ms.
// Once they are reaped, a new child is waited for in ppoll again.
func TestExitWait(t *testing.T) {
	fd, err := unix.PidfdOpen(unix.Getpid(), 0)
	if err != nil {
		t.Skipf("no pidfds here: %v", err)
	}
	unix.Close(fd)
	// Children of other tests not reaped yet count against the limit.
	n := proc.BlockingWaiters() - proc.Blocked()
	// Children that outlive the checks: one that has exited may be reaped
	// by a sweep first, which closes its pidfd.
	var ps []*proc.Process
	for range n + 2 {
		ps = append(ps, start(t, proc.Attr{Argv: []string{"sleep", "10"}}))
	}
	for i, p := range ps {
		want := "blocked"
		if i >= n {
			want = "polled"
		}
		if got := proc.ExitWait(p); got != want {
			t.Errorf("child %d of %d (%d more waited for in ppoll at most): its exit is %q, want %q", i+1, len(ps), n, got, want)
		}
	}
	// Both kinds of waiter see the exit, and a deadline passes in both.
	for _, p := range []*proc.Process{ps[0], ps[n]} {
		if p.WaitUntil(time.Now().Add(20 * time.Millisecond)) {
			t.Fatalf("pid %d reaped while it sleeps", p.Pid)
		}
		p.SignalGroup(syscall.SIGKILL)
		if exit := wait(t, p); !exit.Status.Signaled() || exit.Status.Signal() != syscall.SIGKILL {
			t.Errorf("pid %d: %v, want killed by SIGKILL", p.Pid, exit.Status)
		}
	}
	for _, p := range ps {
		p.SignalGroup(syscall.SIGKILL)
		wait(t, p)
	}
	if got := proc.ExitWait(start(t, proc.Attr{Argv: []string{"sleep", "10"}})); got != "blocked" {
		t.Errorf("a child started after the others were reaped: its exit is %q, want blocked", got)
	}
}
