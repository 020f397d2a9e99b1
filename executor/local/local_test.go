package local_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/executor/executortest"
	"github.com/weirflow/weir/executor/local"
	"github.com/weirflow/weir/executor/local/cgroup"
	"github.com/weirflow/weir/executor/local/proc"
	"github.com/weirflow/weir/internal/shmtest"
	"github.com/weirflow/weir/internal/testenv"
	"github.com/weirflow/weir/shm"
	"github.com/weirflow/weir/store"
)

// helperEnv makes the test binary act as a task program: "alloc N" touches
// N MiB and holds them for a moment, "env" prints its environment.
const helperEnv = "WEIR_LOCAL_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		helper(mode)
		return
	}
	if err := proc.Init(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func helper(mode string) {
	switch {
	case strings.HasPrefix(mode, "alloc "):
		n, _ := strconv.Atoi(strings.TrimPrefix(mode, "alloc "))
		b := make([]byte, n<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		time.Sleep(500 * time.Millisecond)
		runtime.KeepAlive(b)
	case strings.HasPrefix(mode, "hog "):
		// Allocate 4 MiB at a time as fast as possible, logging how far it
		// got and when, until killed.
		f, err := os.OpenFile(strings.TrimPrefix(mode, "hog "), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			os.Exit(3)
		}
		var keep [][]byte
		for mib := 4; mib <= 4096; mib += 4 {
			b := make([]byte, 4<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			keep = append(keep, b)
			fmt.Fprintf(f, "%d %d\n", mib, time.Now().UnixNano())
		}
		runtime.KeepAlive(keep)
	case mode == "env":
		for _, kv := range os.Environ() {
			fmt.Println(kv)
		}
	}
	os.Exit(0)
}

// self is the test binary, run as a task program through helperEnv.
func self(t *testing.T) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// helperTask runs the test binary as a task in the given helper mode.
func helperTask(id, mode string, memory int64) *dag.Task {
	return &dag.Task{ID: id, Stage: id, Pool: dag.DefaultPool, Memory: memory, Retry: dag.Retry{Attempts: 1},
		Env: map[string]string{helperEnv: mode}, Grace: time.Second}
}

func shTask(id, script string) *dag.Task {
	return &dag.Task{ID: id, Stage: id, Pool: dag.DefaultPool, Retry: dag.Retry{Attempts: 1}, Grace: time.Second,
		Argv: []string{"/bin/sh", "-eu", "-c", script, id}, EnvPassthrough: []string{"PATH"}}
}

// cgroups returns a cgroup manager, or skips (fails under WEIR_REQUIRE_ALL)
// where this host can't make one.
func cgroups(t *testing.T) *cgroup.Manager {
	t.Helper()
	m, err := cgroup.Detect()
	if err != nil {
		testenv.Missing(t, "a writable memory cgroup", err.Error())
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("closing the cgroup manager: %v", err)
		}
	})
	return m
}

type fixture struct {
	runDir string
	shmDir string
	events []event.Event
	mu     sync.Mutex
}

// run executes tasks with the given runner and returns the summary.
func (f *fixture) run(t *testing.T, ctx context.Context, r executor.Runner, pool dag.Pool, tasks ...*dag.Task) *executor.Summary {
	t.Helper()
	for _, tk := range tasks {
		if tk.Argv == nil {
			tk.Argv = []string{self(t)}
		}
	}
	g, err := dag.New(tasks)
	if err != nil {
		t.Fatal(err)
	}
	pool.Name = dag.DefaultPool
	if pool.Processes == 0 {
		pool.Processes = 2
	}
	pool.Executor = "local"
	plan := &dag.Plan{Name: "test", Pools: []*dag.Pool{&pool}, Tasks: tasks, Graph: g}
	if f.runDir == "" {
		f.runDir, f.shmDir = t.TempDir(), shmtest.TempDir(t)
	}
	segs, err := shm.OpenRun(f.shmDir, "run")
	if err != nil {
		t.Fatal(err)
	}
	s, err := executor.Run(ctx, plan, executor.Options{
		RunID:    "run",
		Runners:  map[string]executor.Runner{"local": r},
		Budget:   8 << 30,
		Layout:   store.DirLayout{Root: f.runDir},
		Segments: segs,
		Env:      os.Environ(),
		Journal: event.JournalFunc(func(e event.Event) error {
			f.mu.Lock()
			f.events = append(f.events, e)
			f.mu.Unlock()
			return nil
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The journal of real processes obeys the same rules as the fakes':
	// legal transitions, pool slots and memory, budget at every instant.
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := executortest.Check(plan, 8<<30, f.events); err != nil {
		t.Error(err)
	}
	f.events = nil
	return s
}

func lastResult(t *testing.T, s *executor.Summary, id string) event.Result {
	t.Helper()
	ts := s.Task(id)
	if ts == nil || len(ts.Attempts) == 0 {
		t.Fatalf("task %s has no attempts: %+v", id, ts)
	}
	return ts.Attempts[len(ts.Attempts)-1]
}

func TestOOMKillsOnlyTheHog(t *testing.T) {
	r := local.New(local.Options{Cgroups: cgroups(t)})
	t.Cleanup(r.Close)
	var f fixture
	s := f.run(t, context.Background(), r, dag.Pool{Processes: 4},
		helperTask("hog", "alloc 256", 64<<20),
		helperTask("a", "alloc 8", 64<<20),
		helperTask("b", "alloc 8", 64<<20),
	)
	hog := lastResult(t, s, "hog")
	if hog.Reason != event.OOM || hog.Enforcement != event.CgroupV1 && hog.Enforcement != event.CgroupV2 {
		t.Errorf("hog: %+v", hog)
	}
	if hog.PeakMemory < 60<<20 || hog.PeakMemory > 68<<20 {
		t.Errorf("hog peak %d, want about its 64 MiB cap", hog.PeakMemory)
	}
	for _, id := range []string{"a", "b"} {
		if r := lastResult(t, s, id); !r.OK() {
			t.Errorf("%s: %+v", id, r)
		}
	}
}

func TestWatchdogKillsTheHog(t *testing.T) {
	r := local.New(local.Options{WatchdogInterval: 20 * time.Millisecond})
	t.Cleanup(r.Close)
	var f fixture
	s := f.run(t, context.Background(), r, dag.Pool{},
		helperTask("hog", "alloc 256", 64<<20),
		helperTask("ok", "alloc 8", 64<<20),
	)
	hog := lastResult(t, s, "hog")
	if hog.Reason != event.OOM || hog.Enforcement != event.Watchdog || hog.PeakMemory <= 64<<20 {
		t.Errorf("hog: %+v", hog)
	}
	if r := lastResult(t, s, "ok"); !r.OK() || r.Enforcement != event.Watchdog {
		t.Errorf("ok: %+v", r)
	}
}

// treeScript starts a child, a double-forked grandchild and a child in its
// own session, records their pids, and waits.
func treeScript(pidFile string) string {
	return fmt.Sprintf(`
sleep 100 & echo $! >> %[1]s
(sleep 101 & echo $! >> %[1]s) &
setsid sh -c 'echo $$ >> %[1]s; exec sleep 102' &
trap '' TERM
sleep 103 & echo $! >> %[1]s
wait`, pidFile)
}

// runnersUnderTest are the cgroup runner where the host has cgroups, and
// the watchdog runner always.
func runnersUnderTest(t *testing.T) map[string]executor.Runner {
	wd := local.New(local.Options{WatchdogInterval: 10 * time.Millisecond})
	t.Cleanup(wd.Close)
	rs := map[string]executor.Runner{"watchdog": wd}
	if m, err := cgroup.Detect(); err == nil {
		t.Cleanup(func() { m.Close() })
		r := local.New(local.Options{Cgroups: m})
		t.Cleanup(r.Close)
		rs["cgroup"] = r
	} else if testenv.RequireAll() {
		t.Fatalf("no cgroup: %v", err)
	}
	return rs
}

func TestTimeoutAndCancelKillTheWholeTree(t *testing.T) {
	for name, r := range runnersUnderTest(t) {
		for _, how := range []string{"timeout", "cancel"} {
			t.Run(name+"/"+how, func(t *testing.T) {
				pidFile := filepath.Join(t.TempDir(), "pids")
				task := shTask("tree", treeScript(pidFile))
				task.Grace = 200 * time.Millisecond
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if how == "timeout" {
					task.Timeout = 500 * time.Millisecond
				} else {
					time.AfterFunc(500*time.Millisecond, cancel)
				}
				var f fixture
				start := time.Now()
				s := f.run(t, ctx, r, dag.Pool{}, task)
				want := event.Timeout
				if how == "cancel" {
					want = event.Cancelled
				}
				if got := lastResult(t, s, "tree"); got.Reason != want {
					t.Errorf("reason %s, want %s (%+v)", got.Reason, want, got)
				}
				if d := time.Since(start); d > 10*time.Second {
					t.Errorf("took %v: the grace did not end in SIGKILL", d)
				}
				assertGone(t, pidFile, 4)
			})
		}
	}
}

// assertGone checks that every pid in the file is gone (not even a zombie).
func assertGone(t *testing.T, pidFile string, want int) {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pids := strings.Fields(string(b))
	if len(pids) != want {
		t.Errorf("%d pids recorded, want %d: %v", len(pids), want, pids)
	}
	deadline := time.Now().Add(2 * time.Second)
	for _, p := range pids {
		pid, _ := strconv.Atoi(p)
		for syscall.Kill(pid, 0) == nil {
			if time.Now().After(deadline) {
				stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
				t.Errorf("process %d survived its task: %s", pid, stat)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func TestIgnoredSIGTERMEndsInSIGKILL(t *testing.T) {
	for name, r := range runnersUnderTest(t) {
		t.Run(name, func(t *testing.T) {
			task := shTask("stubborn", "trap '' TERM; while :; do sleep 1; done")
			task.Timeout, task.Grace = 200*time.Millisecond, 300*time.Millisecond
			var f fixture
			s := f.run(t, context.Background(), r, dag.Pool{}, task)
			got := lastResult(t, s, "stubborn")
			if got.Reason != event.Timeout {
				t.Errorf("%+v", got)
			}
			if d := got.End.Sub(got.Start); d < 450*time.Millisecond {
				t.Errorf("ended after %v, before timeout plus grace", d)
			}
		})
	}
}

func TestEnvironmentIsClean(t *testing.T) {
	t.Setenv("WEIR_TEST_SECRET", "hunter2")
	t.Setenv("PASSED", "yes")
	r := local.New(local.Options{})
	t.Cleanup(r.Close)
	task := helperTask("env", "env", 0)
	task.Env["DECLARED"] = "1"
	task.EnvPassthrough = []string{"PASSED", "UNSET_IN_ENGINE"}
	var f fixture
	s := f.run(t, context.Background(), r, dag.Pool{}, task)
	if r := lastResult(t, s, "env"); !r.OK() {
		t.Fatalf("%+v", r)
	}
	stdout, _ := store.DirLayout{Root: f.runDir}.Logs("env", 1)
	b, err := os.ReadFile(stdout)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	if _, ok := env["WEIR_TEST_SECRET"]; ok {
		t.Error("a variable of the engine's environment reached the task")
	}
	if env["DECLARED"] != "1" || env["PASSED"] != "yes" || env["WEIR_TASK"] != "env" || env["WEIR_ATTEMPT"] != "1" || env["TMPDIR"] == "" {
		t.Errorf("environment: %v", env)
	}
	for k := range env {
		switch {
		case strings.HasPrefix(k, "WEIR_"), k == "TMPDIR", k == "DECLARED", k == "PASSED", k == helperEnv:
		case k == "PATH":
			// The system's directories, never the engine's PATH.
			if env[k] != executor.DefaultPath {
				t.Errorf("PATH=%s, want the default %s", env[k], executor.DefaultPath)
			}
		default:
			t.Errorf("unexpected variable %s", k)
		}
	}
}

// TestManyTasksLeaveNothing runs 1,000 short tasks and checks that the
// engine is as it was: no zombies, descriptors, goroutines, cgroups or
// temporary directories left.
func TestManyTasksLeaveNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 processes")
	}
	m := cgroups(t)
	unowned := testenv.OpenFDs(t)
	r := local.New(local.Options{Cgroups: m})
	t.Cleanup(r.Close)
	var f fixture
	warm := []*dag.Task{shTask("warm", "true")}
	f.run(t, context.Background(), r, dag.Pool{}, warm...)
	fds, goroutines := testenv.OpenFDs(t), runtime.NumGoroutine()

	tasks := make([]*dag.Task, 1000)
	for i := range tasks {
		tasks[i] = &dag.Task{ID: fmt.Sprintf("t%d", i), Stage: "t", Pool: dag.DefaultPool, Argv: []string{"/bin/true"}, Retry: dag.Retry{Attempts: 1}}
	}
	s := f.run(t, context.Background(), r, dag.Pool{Processes: 2}, tasks...)
	if n := s.Counts[event.TaskSucceeded]; n != 1000 {
		t.Fatalf("%d succeeded: %v", n, s.Counts)
	}
	if z := zombies(t); len(z) > 0 {
		t.Errorf("zombies: %v", z)
	}
	// The runner keeps the files of its idle cgroups open, a few for each
	// of at most a few cgroups here (two run at a time); a descriptor lost
	// per task would be hundreds.
	if got := testenv.OpenFDs(t); got > fds+16 {
		t.Errorf("engine descriptors: %d before, %d after", fds, got)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > goroutines {
		t.Errorf("goroutines: %d before, %d after", goroutines, got)
	}
	r.Close()
	if left, _ := os.ReadDir(m.Dir()); countDirs(left) > 0 {
		t.Errorf("task cgroups left in %s", m.Dir())
	}
	if got := testenv.OpenFDs(t); got > unowned {
		t.Errorf("engine descriptors after the runner closed: %d, %d before it was made", got, unowned)
	}
	// Nothing of an attempt, nor the directories kept for the slots.
	left, _ := filepath.Glob(filepath.Join(f.runDir, "tmp", "*"))
	if len(left) > 0 {
		t.Errorf("%d temporary directories left, such as %s", len(left), left[0])
	}
}

func countDirs(entries []os.DirEntry) int {
	n := 0
	for _, e := range entries {
		if e.IsDir() {
			n++
		}
	}
	return n
}

// zombies lists children of this process that exited and were not reaped.
func zombies(t *testing.T) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	me := os.Getpid()
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(b)
		rest := s[strings.LastIndexByte(s, ')')+2:]
		f := strings.Fields(rest)
		if len(f) > 1 && f[0] == "Z" && f[1] == strconv.Itoa(me) {
			out = append(out, pid)
		}
	}
	return out
}

func TestStartFailure(t *testing.T) {
	r := local.New(local.Options{})
	t.Cleanup(r.Close)
	task := &dag.Task{ID: "nope", Stage: "nope", Pool: dag.DefaultPool, Argv: []string{"no-such-program-weir"}, Retry: dag.Retry{Attempts: 1}}
	var f fixture
	s := f.run(t, context.Background(), r, dag.Pool{}, task)
	got := lastResult(t, s, "nope")
	if got.Reason != event.StartFailed || !strings.Contains(got.Detail, "not found") {
		t.Errorf("%+v", got)
	}
}

// BenchmarkIndependent runs b.N no-op tasks two at a time through the
// scheduler and the cgroup runner: the engine's cost per task.
func BenchmarkIndependent(b *testing.B) {
	m, err := cgroup.Detect()
	if err != nil {
		b.Skip(err)
	}
	defer m.Close()
	r := local.New(local.Options{Cgroups: m})
	defer r.Close()
	tasks := make([]*dag.Task, b.N)
	for i := range tasks {
		tasks[i] = &dag.Task{ID: fmt.Sprintf("t%d", i), Stage: "t", Pool: dag.DefaultPool, Argv: []string{"/bin/true"}, Retry: dag.Retry{Attempts: 1}}
	}
	g, _ := dag.New(tasks)
	plan := &dag.Plan{Name: "bench", Pools: []*dag.Pool{{Name: dag.DefaultPool, Executor: "local", Processes: 2}}, Tasks: tasks, Graph: g}
	segs, _ := shm.OpenRun(shmtest.TempDir(b), "run")
	b.ResetTimer()
	s, err := executor.Run(context.Background(), plan, executor.Options{
		RunID: "run", Runners: map[string]executor.Runner{"local": r}, Budget: 8 << 30,
		Layout: store.DirLayout{Root: b.TempDir()}, Segments: segs,
	})
	if err != nil || !s.OK() {
		b.Fatal(err, s.Counts)
	}
}

// BenchmarkCapEnforcement measures how far past its cap a task that
// allocates as fast as it can gets before it dies, and how long after it
// crossed the cap the engine has recorded the oom, with the kernel's
// cgroup limit and with the watchdog (sampling every 100 ms).
func BenchmarkCapEnforcement(b *testing.B) {
	const capMiB = 256
	runners := map[string]func() *local.Runner{
		"watchdog": func() *local.Runner { return local.New(local.Options{}) },
	}
	if m, err := cgroup.Detect(); err == nil {
		defer m.Close()
		runners["cgroup"] = func() *local.Runner { return local.New(local.Options{Cgroups: m}) }
	}
	for name, mk := range runners {
		b.Run(name, func(b *testing.B) {
			var overshoot, latency float64
			for i := 0; i < b.N; i++ {
				log := filepath.Join(b.TempDir(), "progress")
				r := mk()
				task := &dag.Task{ID: "hog", Stage: "hog", Pool: dag.DefaultPool, Memory: capMiB << 20, Retry: dag.Retry{Attempts: 1},
					Argv: []string{os.Args[0]}, Env: map[string]string{helperEnv: "hog " + log}}
				g, _ := dag.New([]*dag.Task{task})
				plan := &dag.Plan{Name: "b", Pools: []*dag.Pool{{Name: dag.DefaultPool, Executor: "local", Processes: 1}}, Tasks: []*dag.Task{task}, Graph: g}
				segs, _ := shm.OpenRun(shmtest.TempDir(b), "run")
				var recorded time.Time
				s, err := executor.Run(context.Background(), plan, executor.Options{
					RunID: "run", Runners: map[string]executor.Runner{"local": r}, Budget: 8 << 30,
					Layout: store.DirLayout{Root: b.TempDir()}, Segments: segs,
					Journal: event.JournalFunc(func(e event.Event) error {
						if e.Kind == event.AttemptEnded {
							recorded = time.Now()
						}
						return nil
					}),
				})
				r.Close()
				if err != nil || s.Tasks[0].Attempts[0].Reason != event.OOM {
					b.Fatalf("%v %+v", err, s.Tasks[0])
				}
				crossed, reached := hogProgress(b, log, capMiB)
				overshoot += float64(max(reached-capMiB, 0))
				latency += float64(recorded.Sub(crossed).Microseconds()) / 1000
			}
			b.ReportMetric(overshoot/float64(b.N), "MiB-past-cap")
			b.ReportMetric(latency/float64(b.N), "ms-to-oom")
		})
	}
}

// hogProgress reads the hog's log: when it first held more than the cap,
// and the most it held.
func hogProgress(b *testing.B, path string, capMiB int) (crossed time.Time, reached int) {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var last time.Time
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var mib int
		var ns int64
		if _, err := fmt.Sscan(line, &mib, &ns); err != nil {
			continue
		}
		if mib > capMiB && crossed.IsZero() {
			crossed = time.Unix(0, ns)
		}
		last = time.Unix(0, ns)
		reached = max(reached, mib)
	}
	if crossed.IsZero() {
		// Killed before it logged a step past the cap (the kernel stops it
		// at the cap): count from its last step, just before the kill.
		crossed = last
	}
	return crossed, reached
}

// TestLeftoversBetweenSamples: a process a task leaves behind in its
// process group before the watchdog ever sampled it is killed and counted
// when the task ends, and does not hold the task's output open; under a
// cgroup, the cgroup catches it.
func TestLeftoversBetweenSamples(t *testing.T) {
	eachEnforcement(t, func(t *testing.T, r *local.Runner) {
		t.Cleanup(r.Close)
		var f fixture
		begin := time.Now()
		s := f.run(t, context.Background(), r, dag.Pool{}, shTask("t", "sleep 300 & echo $!"))
		took := time.Since(begin)
		got := lastResult(t, s, "t")
		if got.Reason != event.Succeeded || got.Leftovers < 1 {
			t.Errorf("result %s, %d leftovers; want succeeded with at least 1", got.Reason, got.Leftovers)
		}
		if took > 900*time.Millisecond {
			t.Errorf("the attempt took %v to end: its output waited for the leftover", took)
		}
		stdout, _ := store.DirLayout{Root: f.runDir}.Logs("t", 1)
		b, err := os.ReadFile(stdout)
		if err != nil {
			t.Fatal(err)
		}
		pid := strings.TrimSpace(string(b))
		deadline := time.Now().Add(5 * time.Second)
		for {
			st, err := os.ReadFile("/proc/" + pid + "/stat")
			if err != nil || strings.Contains(string(st), ") Z ") {
				break // gone, or dead and waiting for the reaper's sweep
			}
			if time.Now().After(deadline) {
				t.Fatalf("the leftover %s still runs: %s", pid, st)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
