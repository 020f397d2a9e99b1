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

// PolledExit reports whether p's exit reaches its waiter through the
// runtime's poller: its pidfd is there and takes a deadline.
func PolledExit(p *Process) bool {
	return p.exited != nil && p.exited.SetReadDeadline(time.Time{}) == nil
}
