package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// loop is the floor: spawn n `true` processes, par at a time. Its CPU is
// this process's own and that of the children it reaped meanwhile.
func loop(n, par int) (cost, error) {
	self0, kids0 := usage(syscall.RUSAGE_SELF), usage(syscall.RUSAGE_CHILDREN)
	start := time.Now()
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := exec.Command("/bin/true").Run(); err != nil {
				mu.Lock()
				first = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	cpu := usage(syscall.RUSAGE_SELF) - self0 + usage(syscall.RUSAGE_CHILDREN) - kids0
	return cost{wall, cpu}, first
}

// usage is the user and system time getrusage reports for who.
func usage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		fail(fmt.Errorf("getrusage: %w", err))
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// command runs name with env added to this program's environment; its
// stderr is dropped unless it fails. Its CPU is what wait4 reports for it,
// which includes the descendants it reaped (weir's tasks, make's recipes).
func command(env []string, name string, args ...string) (cost, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	wall := time.Since(start)
	if err != nil {
		return cost{}, fmt.Errorf("%v: %s%s", err, out, stderr.String())
	}
	ps := cmd.ProcessState
	return cost{wall, ps.UserTime() + ps.SystemTime()}, nil
}
