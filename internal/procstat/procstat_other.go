//go:build !linux

package procstat

import (
	"errors"
	"syscall"
)

// Alive reports whether a process with this pid exists; without a start
// time a recycled pid is not told apart.
func Alive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}

// Read is not supported off Linux.
func Read(pid int) (state byte, start uint64, err error) {
	return 0, 0, errors.ErrUnsupported
}

// Group is not supported off Linux.
func Group(pid int) (int, error) {
	return 0, errors.ErrUnsupported
}

// Entry is one process of the process table.
type Entry struct {
	Pid, Ppid int
	State     byte
	Comm      string
}

// Table is not supported off Linux.
func Table() ([]Entry, error) { return nil, errors.ErrUnsupported }

// Children is not supported off Linux.
func Children(pid int) ([]int, bool) { return nil, false }

// Env finds no environment off Linux.
func Env(pid int, name string) (string, bool) { return "", false }

// EnvHas finds no environment off Linux.
func EnvHas(pid int, kvs ...string) bool { return false }
