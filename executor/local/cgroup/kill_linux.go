package cgroup

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// killWait bounds Kill. SIGKILLed processes leave within milliseconds
// unless stuck in uninterruptible sleep (a hung NFS server, a device).
const killWait = 5 * time.Second

// Procs lists the processes in c and in any cgroups below it.
func (c *Cgroup) Procs() ([]int, error) {
	pids, err := c.procs()
	if err != nil {
		return nil, fmt.Errorf("cgroup: procs: %w", err)
	}
	if len(pids) == 0 {
		c.emptied.Store(true)
	}
	return pids, nil
}

// procs is procsTree for c: when no cgroup is below c (its kept
// directory descriptor says so), its own cgroup.procs is all there is.
func (c *Cgroup) procs() ([]int, error) {
	if subs, err := c.hasSubdirs(); err != nil || subs {
		return procsTree(c.dir)
	}
	var a [256]byte
	b, err := c.readOwn("cgroup.procs", a[:0])
	if err != nil {
		return nil, err
	}
	pids, err := parsePids(b)
	if err != nil {
		return nil, fmt.Errorf("%s/cgroup.procs: %w", c.dir, err)
	}
	return pids, nil
}

// procsTree reads cgroup.procs of dir and of the cgroups below it. Tasks
// rarely make cgroups of their own, but a root task can.
func procsTree(dir string) ([]int, error) {
	var a [256]byte
	b, err := readFile(dir+"/cgroup.procs", a[:0])
	if err != nil {
		return nil, err
	}
	pids, err := parsePids(b)
	if err != nil {
		return nil, fmt.Errorf("%s/cgroup.procs: %w", dir, err)
	}
	subs, err := subdirs(dir)
	if err != nil {
		return nil, err
	}
	for _, s := range subs {
		p, err := procsTree(s)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		pids = append(pids, p...)
	}
	return pids, nil
}

// Signal sends sig to every process in c. Processes that exit meanwhile
// are not an error. The engine itself is never signalled.
func (c *Cgroup) Signal(sig syscall.Signal) error {
	pids, err := c.Procs()
	if err != nil {
		return err
	}
	self := os.Getpid()
	var errs []error
	for _, p := range pids {
		if p == self {
			continue
		}
		if err := unix.Kill(p, sig); err != nil && err != unix.ESRCH {
			errs = append(errs, fmt.Errorf("cgroup: signal %d: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// Kill SIGKILLs everything in c and waits, up to 5 s, until c is empty
// (its processes have exited; reaping them is the reaper's job). The error
// wraps ErrBusy and names the survivors.
//
// v2 with cgroup.kill: one write kills the whole subtree atomically, forks
// included. Otherwise Kill loops: read cgroup.procs, SIGKILL each, until
// nothing is left. No freezer is needed to stop a fork bomb: a process with
// SIGKILL pending can no longer fork (copy_process fails on a pending fatal
// signal), so each pass leaves only children forked between its read and
// its kill, and the next pass takes those. Measured (TestKillSpawner): a
// shell loop forking `sleep` with about 100 processes emptied in 12 ms, and
// a fork bomb (each process forks two) of about 500 in 31 ms, 7 passes
// each. The freezer would cost v1 a second hierarchy to join at every
// start for no gain here.
func (c *Cgroup) Kill() error {
	_, err := c.kill(time.Now().Add(killWait))
	return err
}

// kill returns how many passes over cgroup.procs it made.
func (c *Cgroup) kill(deadline time.Time) (passes int, err error) {
	if c.m.feat.CgroupKill {
		switch err := writeFile(c.dir+"/cgroup.kill", []byte("1")); {
		case err == nil:
		case errors.Is(err, os.ErrNotExist):
			return 0, nil
		default:
			return 0, fmt.Errorf("cgroup: kill: %w", err)
		}
	}
	self := os.Getpid()
	pause := 50 * time.Microsecond
	for {
		pids, err := c.procs()
		if errors.Is(err, os.ErrNotExist) {
			return passes, nil
		}
		if err != nil {
			return passes, fmt.Errorf("cgroup: kill: %w", err)
		}
		if len(pids) == 0 {
			return passes, nil
		}
		if len(pids) == 1 && pids[0] == self {
			return passes, fmt.Errorf("cgroup: kill %s: the engine itself is in the cgroup", c.dir)
		}
		if time.Now().After(deadline) {
			return passes, fmt.Errorf("cgroup: kill %s: %w after %d passes: pids %v", c.dir, ErrBusy, passes, pids)
		}
		if !c.m.feat.CgroupKill {
			passes++
			for _, p := range pids {
				if p != self {
					unix.Kill(p, unix.SIGKILL)
				}
			}
		}
		time.Sleep(pause)
		pause = min(2*pause, 10*time.Millisecond)
	}
}
