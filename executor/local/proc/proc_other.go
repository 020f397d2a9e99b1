//go:build !linux

package proc

import (
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Init is not supported off Linux.
func Init() error { return fmt.Errorf("proc: init: %w", errors.ErrUnsupported) }

// Start is not supported off Linux.
func Start(a Attr) (*Process, error) {
	return nil, fmt.Errorf("proc: start: %w", errors.ErrUnsupported)
}

// SignalGroup is not supported off Linux.
func (p *Process) SignalGroup(sig syscall.Signal) error {
	return fmt.Errorf("proc: signal group: %w", errors.ErrUnsupported)
}

// Alive is not supported off Linux; it reports false.
func Alive(pid int, startTime uint64) bool { return false }

// WaitUntil reports whether the child was reaped by deadline; off Linux
// no child is ever started.
func (p *Process) WaitUntil(deadline time.Time) bool { return p.waitReaped(deadline) }

// Orphan is a process a task left behind.
type Orphan struct {
	Pid   int
	Comm  string
	State byte
	Task  string
}

// ReapOrphans has nothing to do off Linux, where no child is started.
func ReapOrphans(grace, wait time.Duration) (ended, left []Orphan, err error) {
	return nil, nil, nil
}

// EndOrphansOf has nothing to end off Linux.
func EndOrphansOf(kvs ...string) int { return 0 }
