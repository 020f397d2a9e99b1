//go:build !linux

package proc

import (
	"errors"
	"fmt"
	"syscall"
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
