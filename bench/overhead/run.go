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
	own := usage(syscall.RUSAGE_SELF) - self0
	cpu := own + usage(syscall.RUSAGE_CHILDREN) - kids0
	return cost{wall, cpu, own}, first
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
// output is dropped unless it fails. Its CPU is what wait4 reports for it,
// which includes the descendants it reaped (weir's tasks, make's recipes);
// its own is without them (waitOwn).
func command(env []string, name string, args ...string) (cost, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return cost{}, err
	}
	own, ownErr := waitOwn(cmd)
	err := cmd.Wait()
	wall := time.Since(start)
	if err != nil {
		return cost{}, fmt.Errorf("%v: %s", err, out.String())
	}
	if ownErr != nil {
		return cost{}, ownErr
	}
	ps := cmd.ProcessState
	return cost{wall, ps.UserTime() + ps.SystemTime(), own}, nil
}
