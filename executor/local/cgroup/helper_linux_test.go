package cgroup

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weirflow/weir/internal/testenv"
	"golang.org/x/sys/unix"
)

// The test binary doubles as the programs tests start inside cgroups:
// with helperEnv set it runs one helper and exits instead of the tests.
const helperEnv = "WEIR_CGROUP_TEST_HELPER"

// Lock the main goroutine to the main thread, as the engine must: then no
// test goroutine runs on the thread-group leader, which EnterThread refuses.
func init() { runtime.LockOSThread() }

// mainThreadErr is what EnterThread said on the main thread, tried in
// TestMain (the only place still on it).
var mainThreadErr error

func TestMain(m *testing.M) {
	if h := os.Getenv(helperEnv); h != "" {
		os.Exit(helper(h))
	}
	// Orphans of the tests' process trees come to us, so that tests can
	// reap them and see that nothing is left, whatever PID 1 does.
	unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	if os.Geteuid() == 0 {
		if mgr, err := Detect(); err == nil {
			if c, err := mgr.New("main-thread", 0); err == nil {
				if restore, err := c.EnterThread(); err == nil {
					restore()
				} else {
					mainThreadErr = err
				}
			}
			mgr.Close()
		}
	}
	os.Exit(m.Run())
}

// helper runs one helper program; mode is "name" or "name:arg".
func helper(mode string) int {
	name, arg, _ := strings.Cut(mode, ":")
	switch name {
	case "alloc": // touch arg bytes of anonymous memory, off the Go heap
		n, _ := strconv.Atoi(arg)
		b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		for i := 0; i < n; i += os.Getpagesize() {
			b[i] = 1
		}
		return 0
	case "shm": // write arg ("path,bytes") into a tmpfs file
		path, size, _ := strings.Cut(arg, ",")
		n, _ := strconv.Atoi(size)
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		chunk := make([]byte, 1<<20)
		for i := range chunk {
			chunk[i] = 1
		}
		for w := 0; w < n; w += len(chunk) {
			if _, err := f.Write(chunk); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		return 0
	case "tree": // start a daemon that setsids and leaves a grandchild, then sleep
		fmt.Println("tree", os.Getpid())
		d := exec.Command(os.Args[0])
		d.Env = append(os.Environ(), helperEnv+"=daemon")
		d.Stdout = os.Stdout
		if err := d.Run(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("ready")
		time.Sleep(time.Hour)
		return 0
	case "daemon": // setsid, then double-fork: the grandchild outlives us
		if _, err := unix.Setsid(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("daemon", os.Getpid())
		g := exec.Command(os.Args[0])
		g.Env = append(os.Environ(), helperEnv+"=sleep")
		g.Stdout = os.Stdout
		g.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := g.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("grandchild", g.Process.Pid)
		return 0
	case "sleep":
		time.Sleep(time.Hour)
		return 0
	case "term": // say ready, exit 7 on SIGTERM
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM)
		fmt.Println("ready")
		<-c
		return 7
	}
	fmt.Fprintln(os.Stderr, "unknown helper", mode)
	return 2
}

// newManager detects cgroups or skips (fails under WEIR_REQUIRE_ALL=1),
// and checks at cleanup that Close left nothing.
func newManager(t testing.TB) *Manager {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root, to make cgroups", "run the tests as root")
	}
	m, err := Detect()
	if err != nil {
		testenv.Missing(t, "a writable memory cgroup", err.Error()+"; run as root on a host with the cgroup v1 memory controller or delegated cgroup v2 memory")
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if exists(m.Dir()) {
			t.Errorf("Close left %s", m.Dir())
		}
	})
	return m
}

// helperCmd is the test binary run as helper mode.
func helperCmd(mode string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	return cmd
}

// startIn starts cmd inside c the way the engine does: on a locked thread,
// Prepare before the fork, after once it returned.
func startIn(c *Cgroup, cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		after, err := c.Prepare(cmd.SysProcAttr)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		err = cmd.Start()
		if aerr := after(); aerr != nil {
			// The thread may still be in c: stay locked, so that it
			// ends with this goroutine.
			errc <- errors.Join(err, aerr)
			return
		}
		runtime.UnlockOSThread()
		errc <- err
	}()
	return <-errc
}

// cgroupLine returns the path of the v1 memory line, or of the v2 line,
// of a /proc/.../cgroup file.
func cgroupLine(t testing.TB, file string, mode Mode) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if (mode == V1 && parts[1] == "memory") || (mode == V2 && parts[0] == "0" && parts[1] == "") {
			return parts[2]
		}
	}
	t.Fatalf("%s: no %v line in %q", file, mode, b)
	return ""
}

// gone waits until pid has exited and been reaped (we are the subreaper of
// orphans), then checks kill(pid, 0) and /proc agree.
func gone(t testing.TB, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		if err == unix.ECHILD && unix.Kill(pid, 0) == unix.ESRCH {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d still exists: kill(0) = %v, wait4 = %v", pid, unix.Kill(pid, 0), err)
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("/proc/%d still exists (%v)", pid, err)
	}
}

// reapOrphans reaps every child that is a zombie already (orphans
// reparented to us), without waiting for running ones.
func reapOrphans() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err != nil || pid <= 0 {
			return
		}
	}
}

// readLines reads "key value" lines from r until "ready".
func readLines(t testing.TB, sc *bufio.Scanner) map[string]int {
	t.Helper()
	out := map[string]int{}
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		if k == "ready" {
			return out
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("helper said %q", sc.Text())
		}
		out[k] = n
	}
	t.Fatalf("helper ended before ready: %v", sc.Err())
	return nil
}
