//go:build !linux

package store

import (
	"errors"
	"syscall"
)

// startTime is unknown off Linux; alive then trusts the pid alone.
func startTime(pid int) (uint64, bool, error) {
	return 0, false, errors.ErrUnsupported
}

// alive reports whether a process with this pid exists; without a start
// time a recycled pid is not told apart.
func alive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
