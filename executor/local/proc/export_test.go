//go:build linux

package proc

import "time"

// SetWaitDelay shortens Output's wait for pipes held open after exit.
func SetWaitDelay(d time.Duration) (restore func()) {
	old := waitDelay
	waitDelay = d
	return func() { waitDelay = old }
}

// StartHere is Start with the spawn run on the calling goroutine, to test
// the hand-over from the main thread.
func StartHere(a Attr) (*Process, error) {
	s, err := newSpawn(a)
	if err != nil {
		return nil, err
	}
	s.run(nil)
	res := <-s.res
	return res.p, res.err
}

// ExitWait says how p's exit reaches its waiter: "blocked" (its pidfd,
// a blocking file, waited for in ppoll), "polled" (its pidfd in the
// runtime's poller: a non-blocking file takes a deadline) or "" (no pidfd:
// the reaper's sweep).
func ExitWait(p *Process) string {
	switch {
	case p.exited == nil:
		return ""
	case p.blocking && p.exited.SetReadDeadline(time.Time{}) != nil:
		return "blocked"
	case !p.blocking && p.exited.SetReadDeadline(time.Time{}) == nil:
		return "polled"
	}
	return "inconsistent"
}

// BlockingWaiters is how many children at a time are waited for in ppoll,
// and Blocked how many are now.
func BlockingWaiters() int { return int(blockingWaiters) }
func Blocked() int         { return int(blocked.Load()) }
