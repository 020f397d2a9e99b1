//go:build linux

package proc_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weirflow/weir/executor/local/proc"
)

// start starts argv with testEnv and kills its group at the end of the test.
func start(t *testing.T, a proc.Attr) *proc.Process {
	t.Helper()
	if a.Env == nil {
		a.Env = testEnv
	}
	p, err := proc.Start(a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.SignalGroup(syscall.SIGKILL)
		p.Wait()
	})
	return p
}

func wait(t *testing.T, p *proc.Process) proc.Exit {
	t.Helper()
	if !p.WaitUntil(time.Now().Add(10 * time.Second)) {
		t.Fatalf("pid %d not reaped after 10s", p.Pid)
	}
	e, err := p.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// stat returns the fields of /proc/<pid>/stat from field 3 (state) on.
func stat(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	i := bytes.LastIndexByte(b, ')')
	return strings.Fields(string(b[i+1:])), nil
}

// zombies lists the children of this process in state Z.
func zombies(t *testing.T) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var z []int
	me := strconv.Itoa(os.Getpid())
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f, err := stat(pid)
		if err != nil || len(f) < 2 {
			continue // gone meanwhile
		}
		if f[0] == "Z" && f[1] == me {
			z = append(z, pid)
		}
	}
	return z
}

func countDir(t *testing.T, dir string) int {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// eventually polls cond every 10ms for up to d.
func eventually(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); ; time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

func TestExitStatus(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"true"}, "exit 0"},
		{[]string{"sh", "-c", "exit 3"}, "exit 3"},
		{[]string{"sh", "-c", "kill -KILL $$"}, "signal 9 (killed)"},
		{[]string{"sh", "-c", "kill -TERM $$"}, "signal 15 (terminated)"},
	} {
		e := wait(t, start(t, proc.Attr{Argv: tc.argv}))
		if got := e.String(); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.argv, got, tc.want)
		}
		if e.Success() != (tc.want == "exit 0") {
			t.Errorf("%q: Success() = %v", tc.argv, e.Success())
		}
	}
}

func TestSignalGroup(t *testing.T) {
	// The shell and both sleeps share the group, so all three go.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := start(t, proc.Attr{Argv: []string{"sh", "-c", "sleep 30 & echo $!; sleep 30"}, Stdout: w})
	w.Close()
	var bg int
	if _, err := fmt.Fscan(r, &bg); err != nil {
		t.Fatal(err)
	}
	f, err := stat(bg)
	if err != nil {
		t.Fatal(err)
	}
	if f[2] != strconv.Itoa(p.Pid) {
		t.Fatalf("background sleep in group %s, want %d", f[2], p.Pid)
	}
	if err := p.SignalGroup(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if e := wait(t, p); !e.Status.Signaled() || e.Status.Signal() != syscall.SIGTERM {
		t.Errorf("got %v, want SIGTERM", e)
	}
	if !eventually(5*time.Second, func() bool { _, err := stat(bg); return err != nil }) {
		t.Errorf("background sleep %d still there", bg)
	}
	// The group is gone: not an error.
	if err := p.SignalGroup(syscall.SIGKILL); err != nil {
		t.Errorf("signal to an empty group: %v", err)
	}
}

func TestRusage(t *testing.T) {
	e := wait(t, start(t, proc.Attr{Argv: []string{"sh", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done"}}))
	if !e.Success() {
		t.Fatal(e)
	}
	if e.Rusage.CPU() <= 0 || e.Rusage.MaxRSS < 100<<10 {
		t.Errorf("rusage %+v: want CPU time and a MaxRSS in bytes", e.Rusage)
	}
}

func TestOwnProcessGroupAndStartTime(t *testing.T) {
	p := start(t, proc.Attr{Argv: []string{"sleep", "30"}})
	f, err := stat(p.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if f[2] != strconv.Itoa(p.Pid) { // field 5, pgrp
		t.Errorf("pgrp %s, want %d", f[2], p.Pid)
	}
	if f[19] != strconv.FormatUint(p.StartTime, 10) || p.StartTime == 0 { // field 22
		t.Errorf("start time %d, /proc says %s", p.StartTime, f[19])
	}
	if !proc.Alive(p.Pid, p.StartTime) {
		t.Error("Alive(running child) = false")
	}
	if proc.Alive(p.Pid, p.StartTime+1) {
		t.Error("Alive with another start time = true")
	}
	p.SignalGroup(syscall.SIGKILL)
	wait(t, p)
	if proc.Alive(p.Pid, p.StartTime) {
		t.Error("Alive(reaped child) = true")
	}
}

func TestNotFoundInTaskPath(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		prog string
		want string
	}{
		{[]string{"PATH=/nonexistent:/usr/bin"}, "weir-no-such-program",
			`proc: program "weir-no-such-program" not found in the task's PATH (/nonexistent:/usr/bin)`},
		// In weir's PATH but not in the task's.
		{[]string{"PATH=/nonexistent"}, "true",
			`proc: program "true" not found in the task's PATH (/nonexistent)`},
		{[]string{"HOME=/"}, "true", `proc: program "true" not found in the task's PATH (PATH is not set)`},
		// The last PATH wins, as the child sees it.
		{[]string{"PATH=/usr/bin:/bin", "PATH=/nonexistent"}, "true",
			`proc: program "true" not found in the task's PATH (/nonexistent)`},
	} {
		_, err := proc.Start(proc.Attr{Argv: []string{tc.prog}, Env: tc.env})
		var nf *proc.NotFoundError
		if !errors.As(err, &nf) || err.Error() != tc.want {
			t.Errorf("env %q: got %v, want %s", tc.env, err, tc.want)
		}
	}
}

func TestStartErrors(t *testing.T) {
	if _, err := proc.Start(proc.Attr{Argv: []string{"true"}, Env: testEnv, Dir: "/nonexistent"}); err == nil ||
		!strings.Contains(err.Error(), "working directory") {
		t.Errorf("missing dir: %v", err)
	}
	if _, err := proc.Start(proc.Attr{Argv: []string{"/nonexistent/prog"}}); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("missing path: %v", err)
	}
	if _, err := proc.Start(proc.Attr{}); err == nil {
		t.Error("empty argv accepted")
	}
	before := func(*syscall.SysProcAttr) (func() error, error) { return nil, errors.New("no cgroup") }
	if _, err := proc.Start(proc.Attr{Argv: []string{"true"}, Env: testEnv, Before: before}); err == nil ||
		!strings.Contains(err.Error(), "no cgroup") {
		t.Errorf("failing Before: %v", err)
	}
}

func TestRelativePathEntry(t *testing.T) {
	// A relative PATH entry is relative to the task's directory, as the
	// task's own shell would see it.
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "bin"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "bin", "hello"), []byte("#!/bin/sh\nexit 7\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := wait(t, start(t, proc.Attr{Argv: []string{"hello"}, Env: []string{"PATH=/nonexistent:bin"}, Dir: dir}))
	if e.String() != "exit 7" {
		t.Errorf("got %v, want exit 7", e)
	}
}

func TestBeforeRunsOnForkingThread(t *testing.T) {
	// Before and after run on the forking thread, with the SysProcAttr of
	// the fork; after runs once.
	var beforeTID, afterTID, afters int
	before := func(attr *syscall.SysProcAttr) (func() error, error) {
		if !attr.Setpgid || attr.Pdeathsig != syscall.SIGKILL {
			return nil, fmt.Errorf("unexpected attr %+v", attr)
		}
		beforeTID = syscall.Gettid()
		return func() error { afterTID = syscall.Gettid(); afters++; return nil }, nil
	}
	wait(t, start(t, proc.Attr{Argv: []string{"true"}, Before: before}))
	if afters != 1 || beforeTID != afterTID {
		t.Errorf("after ran %d times, on thread %d; Before on %d", afters, afterTID, beforeTID)
	}
	// A failing after leaves no child behind.
	var pid int
	before = func(*syscall.SysProcAttr) (func() error, error) {
		return func() error {
			pid = lastChildOfThread(t)
			return errors.New("cannot move back")
		}, nil
	}
	if _, err := proc.Start(proc.Attr{Argv: []string{"sleep", "30"}, Env: testEnv, Before: before}); err == nil ||
		!strings.Contains(err.Error(), "cannot move back") {
		t.Fatalf("failing after: %v", err)
	}
	if pid == 0 {
		t.Fatal("after did not see the child in /proc/self/task/<tid>/children")
	}
	if _, err := stat(pid); err == nil {
		t.Errorf("child %d of a failed start still exists", pid)
	}
}

// lastChildOfThread returns the newest child of the calling thread, or 0.
func lastChildOfThread(t *testing.T) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/children", syscall.Gettid()))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	pid, _ := strconv.Atoi(f[len(f)-1])
	return pid
}

func TestNeverForksOnMainThread(t *testing.T) {
	argv, env := helperArgv(t, "mainthread")
	out, stderr, err := procOutput(t, argv, env)
	if err != nil || string(out) != "ok\n" {
		t.Errorf("%v: %s%s", err, out, stderr)
	}
}

func TestStdinDevNullAndOnlyThreeFDs(t *testing.T) {
	// A descriptor of weir's without close-on-exec must not reach the child.
	leak, err := syscall.Open("/dev/zero", syscall.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(leak)
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	p := start(t, proc.Attr{Argv: []string{"sleep", "30"}, Stdout: out})
	dir := fmt.Sprintf("/proc/%d/fd", p.Pid)
	// Right after exec the dynamic loader may still hold the libraries it
	// maps open (fd 3 -> libc.so.6); a leaked descriptor stays for good.
	var fds []string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		fds = fds[:0]
		for _, e := range ents {
			fds = append(fds, e.Name())
		}
		if slices.Equal(fds, []string{"0", "1", "2"}) || time.Now().After(deadline) {
			break
		}
	}
	if !slices.Equal(fds, []string{"0", "1", "2"}) {
		l3, _ := os.Readlink(filepath.Join(dir, "3"))
		t.Errorf("child fds %v, want [0 1 2] (3 -> %s)", fds, l3)
	}
	for fd, want := range map[string]string{"0": "/dev/null", "1": out.Name(), "2": "/dev/null"} {
		if got, err := os.Readlink(filepath.Join(dir, fd)); err != nil || got != want {
			t.Errorf("fd %s -> %q (%v), want %s", fd, got, err, want)
		}
	}
}

func TestEnvironmentIsExactlyEnv(t *testing.T) {
	os.Setenv("WEIR_PROC_SECRET", "x")
	defer os.Unsetenv("WEIR_PROC_SECRET")
	out, _, err := procOutput(t, []string{"env"}, []string{"PATH=/usr/bin:/bin", "A=1", "A=2"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(string(out)); !slices.Equal(got, []string{"PATH=/usr/bin:/bin", "A=2"}) {
		t.Errorf("child env %q", got)
	}
}

func TestAffinity(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: no affinity to narrow")
	}
	mine := threadMasks(t)
	want := mine[0]
	cpu, err := strconv.Atoi(want[strings.LastIndexAny(want, ",-")+1:]) // the last allowed CPU
	if err != nil {
		t.Fatalf("parse %q: %v", want, err)
	}
	p := start(t, proc.Attr{Argv: []string{"sleep", "30"}, CPUSet: []int{cpu}})
	if got := cpusAllowed(t, fmt.Sprintf("/proc/%d/status", p.Pid)); got != strconv.Itoa(cpu) {
		t.Errorf("child Cpus_allowed_list %q, want %d", got, cpu)
	}
	// The forking thread got its mask back.
	for _, m := range threadMasks(t) {
		if m != want {
			t.Errorf("a thread of weir kept mask %q, want %q", m, want)
		}
	}
	if _, err := proc.Start(proc.Attr{Argv: []string{"true"}, Env: testEnv, CPUSet: []int{5000}}); err == nil {
		t.Error("cpu 5000 accepted")
	}
}

func threadMasks(t *testing.T) []string {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	var masks []string
	for _, e := range ents {
		masks = append(masks, cpusAllowed(t, filepath.Join("/proc/self/task", e.Name(), "status")))
	}
	return masks
}

func cpusAllowed(t *testing.T, status string) string {
	b, err := os.ReadFile(status)
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no Cpus_allowed_list in %s", status)
	return ""
}

func TestNofileSoftIsHard(t *testing.T) {
	p := start(t, proc.Attr{Argv: []string{"sleep", "30"}})
	soft, hard, err := nofile(p.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if soft != hard {
		t.Errorf("child NOFILE soft %s, hard %s", soft, hard)
	}
}

func TestNofileAfterLowSoftLimit(t *testing.T) {
	// An engine started with a low soft limit: Go raises it at startup and
	// would put 1024 back in children; Init's Setrlimit stops that.
	run := func(mode string) []string {
		argv, env := helperArgv(t, mode)
		out, stderr, err := procOutput(t, append([]string{"sh", "-c", `ulimit -Sn 1024 && exec "$@"`, "sh"}, argv...), env)
		if err != nil {
			t.Fatalf("%s: %v\n%s", mode, err, stderr)
		}
		return strings.Fields(string(out))
	}
	got := run("nofile")
	if len(got) != 2 || got[1] == "1024" || got[0] != got[1] {
		t.Errorf("proc child: soft, hard = %v, want soft = hard > 1024", got)
	}
	if got := run("nofile-osexec"); len(got) != 2 || got[0] != "1024" {
		t.Errorf("control, os/exec child: soft, hard = %v, want soft 1024", got)
	}
}

func TestManyFastChildren(t *testing.T) {
	// Warm up: the runtime makes its threads and the reaper its map.
	if err := twoAtATime(50, func() error { return runTrue() }); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	fds, threads, goroutines := countDir(t, "/proc/self/fd"), countDir(t, "/proc/self/task"), runtime.NumGoroutine()

	if err := twoAtATime(1000, func() error { return runTrue() }); err != nil {
		t.Fatal(err)
	}

	if z := zombies(t); len(z) > 0 {
		t.Errorf("zombies: %v", z)
	}
	if got := countDir(t, "/proc/self/fd"); got != fds {
		t.Errorf("open fds %d, before %d", got, fds)
	}
	// The locked spawning threads were unlocked and reused, not leaked.
	if got := countDir(t, "/proc/self/task"); got > threads+2 {
		t.Errorf("threads %d, before %d", got, threads)
	}
	if !eventually(2*time.Second, func() bool { return runtime.NumGoroutine() <= goroutines }) {
		t.Errorf("goroutines %d, before %d", runtime.NumGoroutine(), goroutines)
	}
}

func runTrue() error {
	p, err := proc.Start(proc.Attr{Argv: []string{"true"}, Env: testEnv})
	if err != nil {
		return err
	}
	e, err := p.Wait()
	if err == nil && !e.Success() {
		err = fmt.Errorf("true: %v", e)
	}
	return err
}

func TestChildOutlivesSpawningGoroutine(t *testing.T) {
	// The fork happens on a locked thread; if that thread ended with the
	// spawning goroutine, the parent-death signal would kill the child.
	var ps []*proc.Process
	for range 20 {
		c := make(chan *proc.Process)
		errc := make(chan error)
		go func() {
			p, err := proc.Start(proc.Attr{Argv: []string{"sleep", "30"}, Env: testEnv})
			if err != nil {
				errc <- err
				return
			}
			c <- p
		}()
		select {
		case err := <-errc:
			t.Fatal(err)
		case p := <-c:
			t.Cleanup(func() { p.SignalGroup(syscall.SIGKILL); p.Wait() })
			ps = append(ps, p)
		}
	}
	runtime.GC()
	time.Sleep(200 * time.Millisecond)
	for _, p := range ps {
		if !proc.Alive(p.Pid, p.StartTime) {
			t.Errorf("child %d died with its spawning goroutine", p.Pid)
		}
	}
}

func TestOrphanedGrandchildIsReaped(t *testing.T) {
	// sh starts a background sleep and exits: the sleep reparents to us
	// (child subreaper), and is reaped when it exits.
	out, _, err := procOutput(t, []string{"sh", "-c", "sleep 0.3 >/dev/null 2>&1 & echo $!"}, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := stat(pid)
	if err != nil {
		t.Fatalf("grandchild gone already: %v", err)
	}
	if f[1] != strconv.Itoa(os.Getpid()) {
		t.Errorf("orphan's parent is %s, want us (%d)", f[1], os.Getpid())
	}
	if !eventually(5*time.Second, func() bool { _, err := stat(pid); return err != nil }) {
		f, _ := stat(pid)
		t.Errorf("orphan %d not reaped: state %v", pid, f[:1])
	}
}

func TestPdeathsigWhenEngineKilled(t *testing.T) {
	// A second engine (this binary as a helper) starts `sleep 60` and is
	// SIGKILLed: the sleep must die with it.
	argv, env := helperArgv(t, "engine")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	engine := start(t, proc.Attr{Argv: argv, Env: env, Stdout: w, Stderr: os.Stderr})
	w.Close()
	var pid int
	var st uint64
	if _, err := fmt.Fscan(r, &pid, &st); err != nil {
		t.Fatalf("engine said nothing: %v", err)
	}
	if !proc.Alive(pid, st) {
		t.Fatalf("sleep %d not running", pid)
	}
	if err := syscall.Kill(engine.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if e := wait(t, engine); e.Status.Signal() != syscall.SIGKILL {
		t.Fatalf("engine: %v", e)
	}
	if !eventually(5*time.Second, func() bool { return !proc.Alive(pid, st) }) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("sleep %d survived its engine", pid)
	}
	// It reparented to us and was reaped, not left a zombie.
	if !eventually(5*time.Second, func() bool { _, err := stat(pid); return err != nil }) {
		t.Errorf("sleep %d not reaped", pid)
	}
}
