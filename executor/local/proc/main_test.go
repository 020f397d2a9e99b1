//go:build linux

package proc_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/weirflow/weir/executor/local/proc"
)

// The test binary calls proc.Init, whose reaper would steal the children of
// os/exec: nothing in this process may use os/exec. Tests that need os/exec
// (or a second engine) re-exec the binary as a helper, chosen by
// $WEIR_PROC_HELPER, which TestMain runs instead of the tests.
const helperEnv = "WEIR_PROC_HELPER"

// Keep the main goroutine on the main thread, as the engine does (package
// cgroup asks for it); the "mainthread" helper relies on it.
func init() { runtime.LockOSThread() }

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		if err := helper(mode, os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if err := proc.Init(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// testEnv is the environment of test children.
var testEnv = []string{"PATH=/usr/bin:/bin"}

func helper(mode string, args []string) error {
	switch mode {
	case "engine":
		// A second engine that starts `sleep 60` and waits to be killed.
		if err := proc.Init(); err != nil {
			return err
		}
		// Start from a goroutine that ends at once, as the executor will.
		res := make(chan *proc.Process)
		errc := make(chan error)
		go func() {
			p, err := proc.Start(proc.Attr{Argv: []string{"sleep", "60"}, Env: testEnv})
			if err != nil {
				errc <- err
				return
			}
			res <- p
		}()
		select {
		case err := <-errc:
			return err
		case p := <-res:
			fmt.Printf("%d %d\n", p.Pid, p.StartTime)
		}
		time.Sleep(time.Hour)
		return nil
	case "mainthread":
		// On the main thread, a spawn must move off it before Before runs.
		if syscall.Gettid() != os.Getpid() {
			return errors.New("TestMain is not on the main thread")
		}
		if err := proc.Init(); err != nil {
			return err
		}
		var tid int
		before := func(*syscall.SysProcAttr) (func() error, error) {
			tid = syscall.Gettid()
			return func() error { return nil }, nil
		}
		p, err := proc.StartHere(proc.Attr{Argv: []string{"true"}, Env: testEnv, Before: before})
		if err != nil {
			return err
		}
		p.Wait()
		switch {
		case tid == os.Getpid():
			return errors.New("forked on the main thread")
		case syscall.Gettid() != os.Getpid():
			return errors.New("the caller lost its thread lock")
		}
		fmt.Println("ok")
		return nil
	case "nofile":
		// Print the RLIMIT_NOFILE of a child started by proc.
		if err := proc.Init(); err != nil {
			return err
		}
		p, err := proc.Start(proc.Attr{Argv: []string{"sleep", "10"}, Env: testEnv})
		if err != nil {
			return err
		}
		defer p.Wait()
		defer p.SignalGroup(syscall.SIGKILL)
		return printNofile(p.Pid)
	case "nofile-osexec":
		// The same for a child of os/exec: Go restores the original soft limit.
		cmd := exec.Command("sleep", "10")
		if err := cmd.Start(); err != nil {
			return err
		}
		defer cmd.Wait()
		defer cmd.Process.Kill()
		return printNofile(cmd.Process.Pid)
	case "osexec-bench":
		// Spawn and reap `true` N times, 2 at a time, with os/exec; print ns.
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return err
		}
		start := time.Now()
		err = twoAtATime(n, func() error { return exec.Command("true").Run() })
		fmt.Println(time.Since(start).Nanoseconds())
		return err
	}
	return fmt.Errorf("unknown mode %q", mode)
}

func printNofile(pid int) error {
	soft, hard, err := nofile(pid)
	if err != nil {
		return err
	}
	fmt.Println(soft, hard)
	return nil
}

// nofile reads the "Max open files" line of /proc/<pid>/limits.
func nofile(pid int) (soft, hard string, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Max open files"); ok {
			fs := strings.Fields(rest)
			return fs[0], fs[1], nil
		}
	}
	return "", "", fmt.Errorf("no Max open files in /proc/%d/limits", pid)
}

// twoAtATime runs f n times on two goroutines and returns the first error.
func twoAtATime(n int, f func() error) error {
	var mu sync.Mutex
	var first error
	next := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range next {
				if err := f(); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for range n {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	return first
}

// helperArgv is the argv and env that re-exec this binary as a helper.
func helperArgv(t testing.TB, mode string, args ...string) (argv, env []string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Under -race, a race-enabled binary sleeps 1s at exit unless told not to.
	env = append([]string{helperEnv + "=" + mode, "GORACE=atexit_sleep_ms=0"}, testEnv...)
	return append([]string{self}, args...), env
}
