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
