package proc

import (
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// How the waiter of a child learns of its exit. Through the runtime's
// poller, the pidfd's readiness is found by whichever thread polls next,
// and the waiting goroutine queued behind whatever that thread runs: when
// two tasks end together, one waits for the engine's work on the other
// while a CPU idles (1,000 two-at-a-time no-op tasks: 150 ms of idle CPU
// against 64 ms for a loop of os/exec, whose threads block in wait). A
// waiter that blocks its own thread in ppoll(2) on the pidfd is woken by
// the kernel right where it waits, on its own CPU, as that loop's is: the
// run took 0.89x the wall time, the chain 0.94x.
//
// A blocked waiter holds an OS thread, so only the first blockingWaiters
// children at a time are waited for that way; the rest, in a pool wide
// enough to run more, use the poller, where a few tens of microseconds
// weigh nothing against tasks that many.
var blockingWaiters = int32(max(8, 4*runtime.GOMAXPROCS(0)))

// blocked counts the children waited for by a blocked thread.
var blocked atomic.Int32

// pidfdFile wraps a new child's pidfd: a blocking file, waited for in
// ppoll, while fewer than blockingWaiters are; else a non-blocking one,
// which the runtime's poller watches. It reports which.
func pidfdFile(pidfd int) (f *os.File, blocking bool) {
	if blocked.Add(1) <= blockingWaiters {
		return os.NewFile(uintptr(pidfd), "pidfd"), true
	}
	blocked.Add(-1)
	// A pidfd has no other status flag: one F_SETFL, without the F_GETFL
	// of unix.SetNonblock.
	if _, err := unix.FcntlInt(uintptr(pidfd), unix.F_SETFL, unix.O_NONBLOCK); err != nil {
		unix.Close(pidfd)
		return nil, false
	}
	return os.NewFile(uintptr(pidfd), "pidfd"), false
}

// blockExit waits in ppoll on the pidfd, on this goroutine's thread, until
// the child has exited (true) or deadline has passed (false).
func (p *Process) blockExit(deadline time.Time) bool {
	rc, err := p.exited.SyscallConn()
	if err != nil {
		return true // closed: reaped already
	}
	for !p.reaped() {
		var timeout *unix.Timespec
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return false
			}
			ts := unix.NsecToTimespec(left.Nanoseconds())
			timeout = &ts
		}
		ready := false
		// Control holds the descriptor open until ppoll returns, even if
		// a sweep of the reaper's closes the file meanwhile.
		if err := rc.Control(func(fd uintptr) {
			fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			n, err := unix.Ppoll(fds[:], timeout, nil)
			ready = err == nil && n > 0
		}); err != nil || ready {
			return true
		}
		// EINTR (the runtime's preemption signal) or the timeout: look
		// again.
	}
	return true
}
