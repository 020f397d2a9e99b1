package cgroup

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const mib = 1 << 20

func TestDetect(t *testing.T) {
	m := newManager(t)
	t.Logf("%v; features %+v", m, m.Features())
	if !exists(m.Dir()) {
		t.Fatalf("parent %s missing", m.Dir())
	}
	if !strings.HasPrefix(filepath.Base(m.Dir()), "weir-"+strconv.Itoa(os.Getpid())+"-") {
		t.Errorf("parent %s is not weir-<pid>-<start>", m.Dir())
	}
	// The engine itself stays out of its tasks' parent.
	if pids, err := procsTree(m.Dir()); err != nil || len(pids) != 0 {
		t.Errorf("parent holds %v (%v)", pids, err)
	}
}

// A child that allocates 300 MiB in a 100 MiB group is OOM-killed, and the
// kernel says so.
func TestOOMKill(t *testing.T) {
	m := newManager(t)
	c, err := m.New("alloc", 100*mib)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Delete()
	cmd := helperCmd("alloc:" + strconv.Itoa(300*mib))
	if err := startIn(c, cmd); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want SIGKILL", err)
	}
	kills, err := c.OOMKills()
	if err != nil || kills < 1 {
		t.Fatalf("OOMKills = %d, %v; want >= 1", kills, err)
	}
	peak, err := c.Peak()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("oom kills %d, peak %.1f MiB", kills, float64(peak)/mib)
	if peak < 90*mib || peak > 101*mib {
		t.Errorf("peak %d bytes, want near the 100 MiB cap", peak)
	}
	if err := c.Delete(); err != nil {
		t.Fatal(err)
	}
	if exists(c.Path()) {
		t.Fatalf("Delete left %s", c.Path())
	}
}

// A child within its cap is not killed, and the group reports no OOM.
func TestWithinCap(t *testing.T) {
	m := newManager(t)
	c, err := m.New("fits", 100*mib)
	if err != nil {
		t.Fatal(err)
	}
	cmd := helperCmd("alloc:" + strconv.Itoa(50*mib))
	if err := startIn(c, cmd); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	kills, err := c.OOMKills()
	if err != nil || kills != 0 {
		t.Fatalf("OOMKills = %d, %v; want 0", kills, err)
	}
	peak, _ := c.Peak()
	if peak < 50*mib {
		t.Errorf("peak %d, want >= 50 MiB", peak)
	}
	if err := c.Delete(); err != nil {
		t.Fatal(err)
	}
}

// Pages written to a tmpfs file are charged to the writer's cgroup: a
// 200 MiB file from a 100 MiB group gets the writer killed, and the charge
// stays until the file is removed.
func TestTmpfsCharged(t *testing.T) {
	m := newManager(t)
	c, err := m.New("shm", 100*mib)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Delete()
	path := fmt.Sprintf("/dev/shm/weir-cgroup-test-%d", os.Getpid())
	t.Cleanup(func() { os.Remove(path) })
	cmd := helperCmd("shm:" + path + "," + strconv.Itoa(200*mib))
	if err := startIn(c, cmd); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("writer ended with %v, want SIGKILL", err)
	}
	if kills, err := c.OOMKills(); err != nil || kills < 1 {
		t.Fatalf("OOMKills = %d, %v; want >= 1", kills, err)
	}
	held, _ := c.Usage()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	freed, _ := c.Usage()
	t.Logf("usage with the file %.1f MiB, after removing it %.1f MiB", float64(held)/mib, float64(freed)/mib)
	if held < 80*mib || freed > 10*mib {
		t.Errorf("usage %d with the file, %d without: the tmpfs charge should stay with the group until the file goes", held, freed)
	}
}

// A child whose child calls setsid and double-forks is still in Procs, and
// Kill removes all of them.
func TestKillTree(t *testing.T) {
	m := newManager(t)
	c, err := m.New("tree", 0)
	if err != nil {
		t.Fatal(err)
	}
	cmd := helperCmd("tree")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := startIn(c, cmd); err != nil {
		t.Fatal(err)
	}
	pids := readLines(t, bufio.NewScanner(out))
	if len(pids) != 3 {
		t.Fatalf("helper reported %v, want tree, daemon and grandchild", pids)
	}
	// The child started inside its cgroup; the grandchild left the
	// session and lost its parent, but not the cgroup.
	for _, who := range []string{"tree", "grandchild"} {
		line := cgroupLine(t, fmt.Sprintf("/proc/%d/cgroup", pids[who]), m.Mode())
		if !strings.HasSuffix(c.Path(), line) {
			t.Errorf("%s is in %s, want %s", who, line, c.Path())
		}
	}
	sid, _ := unix.Getsid(pids["grandchild"])
	if sid == pids["tree"] || sid == os.Getpid() {
		t.Errorf("grandchild did not leave the session")
	}
	procs, err := c.Procs()
	if err != nil {
		t.Fatal(err)
	}
	if !containsAll(procs, pids["tree"], pids["grandchild"]) || containsAll(procs, pids["daemon"]) {
		t.Fatalf("Procs = %v, want tree and grandchild (the daemon has exited), helpers %v", procs, pids)
	}
	start := time.Now()
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	t.Logf("Kill took %v", time.Since(start))
	cmd.Wait()
	for _, who := range []string{"tree", "daemon", "grandchild"} {
		gone(t, pids[who])
	}
	if procs, err := c.Procs(); err != nil || len(procs) != 0 {
		t.Fatalf("after Kill, Procs = %v, %v", procs, err)
	}
	if err := c.Delete(); err != nil {
		t.Fatal(err)
	}
}

func containsAll(procs []int, pids ...int) bool {
	for _, p := range pids {
		found := false
		for _, q := range procs {
			found = found || p == q
		}
		if !found {
			return false
		}
	}
	return true
}

// Kill empties a group whose processes fork as fast as they can: a loop
// that forks forever, and a bomb where every process forks two more.
func TestKillSpawner(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	m := newManager(t)
	for _, tc := range []struct{ name, script string }{
		{"loop", "while :; do sleep 1000 & done"},
		{"bomb", "b() { b & b & wait; }; b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The cap bounds the bomb (each sh is charged to the group).
			c, err := m.New(tc.name, 64*mib)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(sh, "-c", tc.script)
			if err := startIn(c, cmd); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			n := 0
			for n < 100 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
				p, _ := c.Procs()
				n = len(p)
			}
			start := time.Now()
			passes, err := c.kill(time.Now().Add(killWait))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d processes killed in %v, %d passes", n, time.Since(start), passes)
			cmd.Wait()
			reapOrphans()
			if err := c.Delete(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Signal reaches every process; Kill of an empty group is a no-op.
func TestSignal(t *testing.T) {
	m := newManager(t)
	c, err := m.New("term", 0)
	if err != nil {
		t.Fatal(err)
	}
	cmd := helperCmd("term")
	out, _ := cmd.StdoutPipe()
	if err := startIn(c, cmd); err != nil {
		t.Fatal(err)
	}
	readLines(t, bufio.NewScanner(out))
	if err := c.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 7 {
		t.Fatalf("exit %d, want 7 (SIGTERM handled)", code)
	}
	if err := c.Kill(); err != nil {
		t.Fatalf("Kill of an empty group: %v", err)
	}
	if err := c.Delete(); err != nil {
		t.Fatal(err)
	}
}

// On v1 the starting thread goes into the task's cgroup and back; the rest
// of the engine never moves. The main thread is refused.
func TestThreadMove(t *testing.T) {
	m := newManager(t)
	if m.Mode() != V1 {
		t.Skip("per-thread membership is cgroup v1 only")
	}
	if !errors.Is(mainThreadErr, ErrMainThread) {
		t.Errorf("EnterThread on the main thread: %v, want ErrMainThread", mainThreadErr)
	}
	c, err := m.New("thread", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Delete()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self := fmt.Sprintf("/proc/self/task/%d/cgroup", unix.Gettid())
	before := cgroupLine(t, self, V1)
	process := cgroupLine(t, "/proc/self/cgroup", V1)
	restore, err := c.EnterThread()
	if err != nil {
		t.Fatal(err)
	}
	inside := cgroupLine(t, self, V1)
	if !strings.HasSuffix(c.Path(), inside) {
		restore()
		t.Fatalf("thread in %s, want %s", inside, c.Path())
	}
	if got := cgroupLine(t, "/proc/self/cgroup", V1); got != process {
		t.Errorf("the main thread moved to %s", got)
	}
	if err := restore(); err != nil {
		t.Fatal(err)
	}
	if got := cgroupLine(t, self, V1); got != before {
		t.Fatalf("thread back in %s, want %s", got, before)
	}
	if procs, _ := c.Procs(); len(procs) != 0 {
		t.Fatalf("group still lists %v", procs)
	}
}

// Delete removes the directory, is idempotent, and refuses a busy group
// after its bounded wait.
func TestDelete(t *testing.T) {
	m := newManager(t)
	// No cap: a race-instrumented helper needs more than a small one.
	c, err := m.New("del", 0)
	if err != nil {
		t.Fatal(err)
	}
	cmd := helperCmd("sleep")
	if err := startIn(c, cmd); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = c.Delete()
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("Delete of a busy group: %v, want ErrBusy", err)
	}
	t.Logf("busy Delete gave up after %v: %v", time.Since(start).Round(time.Millisecond), err)
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if err := c.Delete(); err != nil {
		t.Fatal(err)
	}
	if exists(c.Path()) {
		t.Fatalf("%s still exists", c.Path())
	}
	if err := c.Delete(); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
}

// Delete also removes cgroups a task made below its own.
func TestDeleteNested(t *testing.T) {
	m := newManager(t)
	c, err := m.New("nested", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(c.Path()+"/inner/deeper", 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := helperCmd("sleep")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(c.Path()+"/inner/deeper/cgroup.procs", []byte(strconv.Itoa(cmd.Process.Pid))); err != nil {
		t.Fatal(err)
	}
	if procs, _ := c.Procs(); !containsAll(procs, cmd.Process.Pid) {
		t.Fatalf("Procs = %v misses %d in a nested cgroup", procs, cmd.Process.Pid)
	}
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if err := c.Delete(); err != nil {
		t.Fatal(err)
	}
	if exists(c.Path()) {
		t.Fatalf("%s still exists", c.Path())
	}
}

var safeName = regexp.MustCompile(`^[0-9]+(-[A-Za-z0-9._-]{1,48})?$`)

// Names with odd characters become safe, unique, bounded directories
// directly below the parent.
func TestOddNames(t *testing.T) {
	m := newManager(t)
	names := []string{"stats[p99]", "a/b", "a b", "../../etc", "..", ".", "", "/", "x\x00y", "naïve",
		"$(rm -rf /)", strings.Repeat("long", 100), "a/b", "tab\there", "new\nline"}
	seen := map[string]bool{}
	for _, name := range names {
		c, err := m.New(name, mib)
		if err != nil {
			t.Fatalf("New(%q): %v", name, err)
		}
		base := filepath.Base(c.Path())
		if filepath.Dir(c.Path()) != m.Dir() || !safeName.MatchString(base) || seen[base] {
			t.Errorf("New(%q) made %s", name, c.Path())
		}
		seen[base] = true
		if err := c.Delete(); err != nil {
			t.Fatal(err)
		}
	}
}

// 1,000 New+Delete cycles leave nothing behind.
func TestManyCycles(t *testing.T) {
	m := newManager(t)
	const n = 1000
	start := time.Now()
	for i := 0; i < n; i++ {
		c, err := m.New("cycle", 100*mib)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Delete(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("New+Delete: %v per cycle", time.Since(start)/n)
	subs, err := subdirs(m.Dir())
	if err != nil || len(subs) != 0 {
		t.Fatalf("left %v (%v)", subs, err)
	}
}

// Close kills and removes task cgroups the engine left.
func TestCloseRemovesLeftovers(t *testing.T) {
	m := newManager(t)
	c, err := m.New("left", 0)
	if err != nil {
		t.Fatal(err)
	}
	cmd := helperCmd("sleep")
	if err := startIn(c, cmd); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if exists(c.Path()) || exists(m.Dir()) {
		t.Fatalf("Close left %s", c.Path())
	}
}

// Sweep kills and removes the trees of the gone engines it is given (the
// lost runs of its own state dir), and leaves alone a gone engine's tree
// it was not given (another state dir's, killed while this run started)
// with its processes, another user's, and any engine's still running.
func TestSweep(t *testing.T) {
	m := newManager(t)
	mine, err := m.New("mine", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer mine.Delete()
	// Our own pid with start times that are not ours: pids reused since
	// their engines crashed.
	start, _ := startTime(os.Getpid())
	type dead struct {
		name    string
		start   uint64
		named   bool // a lost run of the state dir names its engine
		process bool // a task's child still runs in it
		foreign bool // another user's
		swept   bool
	}
	tests := []dead{
		{name: "lost run of this state dir", start: start + 1, named: true, process: true, swept: true},
		{name: "another state dir's", start: start + 2, process: true},
		{name: "another state dir's, empty", start: start + 3, swept: true},
		{name: "another user's", start: start + 4, named: true, process: true, foreign: true},
	}
	dirs := map[string]string{}
	cmds := map[string]*exec.Cmd{}
	var engines []Engine
	for _, tt := range tests {
		dir := filepath.Join(m.own, fmt.Sprintf("weir-%d-%d", os.Getpid(), tt.start))
		dirs[tt.name] = dir
		task := dir + "/1-orphan"
		if err := os.MkdirAll(task, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { removeTree(m, dir, time.Now().Add(time.Second)) })
		if !tt.process {
			os.Remove(task)
		}
		if tt.foreign {
			if err := os.Chown(dir, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}
		if tt.process {
			cmd := helperCmd("sleep")
			if err := startIn(&Cgroup{m: m, dir: task}, cmd); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			cmds[tt.name] = cmd
		}
		if tt.named {
			engines = append(engines, Engine{Pid: os.Getpid(), Start: tt.start})
		}
	}
	unrelated := filepath.Join(m.own, "weir-notanengine")
	os.Mkdir(unrelated, 0o755)
	t.Cleanup(func() { unix.Rmdir(unrelated) })
	// Our own engine, named as if it were lost: it runs, so it stays.
	engines = append(engines, Engine{Pid: os.Getpid(), Start: start})

	removed, err := m.Sweep(engines)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		dir := dirs[tt.name]
		if exists(dir) == tt.swept || slices.Contains(removed, dir) != (tt.swept && tt.named) {
			t.Errorf("%s: still there %v, reported %v; want removed %v", tt.name, exists(dir), slices.Contains(removed, dir), tt.swept)
		}
		if cmd := cmds[tt.name]; cmd != nil {
			alive := cmd.Process.Signal(syscall.Signal(0)) == nil
			if tt.swept {
				cmd.Wait()
			} else if !alive {
				t.Errorf("%s: its process was killed", tt.name)
			}
		}
	}
	if slices.Contains(removed, mine.Path()) || !exists(mine.Path()) || slices.Contains(removed, unrelated) || !exists(unrelated) {
		t.Fatalf("Sweep removed %v: ours or an unrelated directory among them", removed)
	}
}

// Open finds a task cgroup again by its path, and only below weir parents.
func TestOpen(t *testing.T) {
	m := newManager(t)
	c, err := m.New("open", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Delete()
	again, err := m.Open(c.Path())
	if err != nil || again.Path() != c.Path() {
		t.Fatalf("Open(%s) = %v, %v", c.Path(), again, err)
	}
	for _, bad := range []string{"/etc", m.own, m.Dir() + "/../../x", m.Dir() + "/nope"} {
		if _, err := m.Open(bad); err == nil {
			t.Errorf("Open(%s) succeeded", bad)
		}
	}
}

// New refuses a negative limit.
func TestNewNegativeLimit(t *testing.T) {
	m := newManager(t)
	if _, err := m.New("neg", -1); err == nil {
		t.Fatal("New with limit -1 succeeded")
	}
}
