package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/engine"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/testenv"
)

// The live view's screen at moments of a scripted run, at a fixed time,
// against testdata/live/*.golden (colors stripped; WEIR_UPDATE_GOLDEN=1
// rewrites them). Memory samples come from files as the runner writes them.
func TestLiveRenderGolden(t *testing.T) {
	for _, tc := range []struct {
		name          string
		script        func(*runScript)
		until         float64 // apply the events up to this second
		now           float64
		width, height int
		shmFree       int64 // > 0: shm_dir is RAM with this much free
	}{
		// extract runs alone; the shards wait on it.
		{"start", scriptRetry, 0.5, 0.75, 100, 30, 0},
		// two shards run, two wait for a slot; shard[1] failed and waits
		// out its backoff.
		{"retry", scriptRetry, 1.8, 2.1, 100, 30, 0},
		// shard[2]'s second attempt takes 800 MiB: with 300 MiB held in
		// pool work's 1 GiB it waits for memory, and holds shard[3] back.
		{"memory", scriptMemory, 3, 3.6, 100, 30, 0},
		// the same on a small screen: the panels give up rows.
		{"memory-small", scriptMemory, 3, 3.6, 60, 14, 0},
		// pool work may run 4, but the 800 MiB budget holds only two
		// shards: the third waits for the budget, the fourth behind it.
		{"budget", scriptBudget, 1.5, 1.6, 100, 30, 0},
		// extract's 900 MiB segment lives in RAM until every shard has
		// read it: beside two running shards it leaves no budget for a
		// third.
		{"segments", scriptSegments, 1.5, 1.6, 100, 30, 8 << 30},
		// extract declares 900 MiB of outputs; shm_dir has 100 MiB free.
		{"room", scriptSegments, 0, 0.1, 100, 30, 100 * mib},
		{"failed", scriptRetry, 9.5, 9.5, 100, 30, 0},
		{"ok", scriptOK, 3.2, 3.2, 100, 30, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := newRunScript(t)
			tc.script(rs)
			st := newLiveState(rs.plan, engine.RunDir(rs.plan, rs.runID), rs.plan.Settings.MemoryBudget)
			if tc.shmFree > 0 {
				st.inRAM = true
				st.shmFree = func() (int64, bool) { return tc.shmFree, true }
			}
			var printed []string
			for _, e := range rs.events {
				if e.Time.After(at(tc.until)) {
					break
				}
				if f := st.apply(e); f != nil {
					printed = append(printed, failureText(f))
				}
			}
			mem := func(task string, attempt int) (int64, bool) {
				if task == "shard[0]" { // one running task has samples, the others none yet
					return 123 * mib, true
				}
				return 0, false
			}
			screen := ansi.Strip(st.render(at(tc.now), mem, tc.width, tc.height))
			for i, l := range strings.Split(screen, "\n") {
				if w := ansi.StringWidth(l); w > tc.width {
					t.Errorf("line %d is %d columns wide, more than %d: %q", i+1, w, tc.width, l)
				}
				if i >= tc.height {
					t.Errorf("%d lines, more than %d", i+1, tc.height)
					break
				}
			}
			got := screen + "\n"
			if len(printed) > 0 {
				got += "--- printed above the view\n" + ansi.Strip(strings.Join(printed, "\n")) + "\n"
			}
			golden(t, filepath.Join("testdata", "live", tc.name+".golden"), strings.ReplaceAll(got, rs.dir, "$STATE"))
		})
	}
}

// scriptMemory: extract is done, shard[0] runs with 300 MiB, and shard[2]
// is back for its second attempt with a cap of 800 MiB: more than pool
// work has free.
func scriptMemory(rs *runScript) {
	rs.add(0, event.Event{Kind: event.RunStarted})
	rs.state(0, "extract", event.Ready, "")
	rs.start(0, "extract", 1, 600*mib)
	rs.end(1, "extract", 1, 0, ok(420*mib, time.Second))
	for _, s := range []string{"shard[0]", "shard[1]", "shard[2]", "shard[3]"} {
		rs.state(1, s, event.Ready, "")
	}
	rs.start(1, "shard[0]", 1, 300*mib)
	rs.start(1, "shard[2]", 1, 300*mib)
	rs.end(1.5, "shard[2]", 1, 1, event.Result{Reason: event.OOM, Detail: "exceeded its memory cap of 300 MiB (peak 300 MiB)", PeakMemory: 300 * mib})
	rs.add(1.5, event.Event{Kind: event.TaskChanged, Task: "shard[2]", State: event.Ready, Attempt: 2, Memory: 800 * mib,
		Message: "attempt 1/3 ended: oom; retrying with a cap of 800 MiB in 2s"})
	rs.start(1.5, "shard[1]", 1, 300*mib)
	rs.end(2, "shard[1]", 1, 1.5, ok(100*mib, time.Second))
	// shard[2]'s backoff ends at 3.5: then it is first in line, does not
	// fit, and holds shard[3] back with it.
}

// scriptBudget: with room for four in pool work and a budget of 800 MiB,
// two shards run and two wait for memory.
func scriptBudget(rs *runScript) {
	rs.plan.Settings.MemoryBudget = 800 * mib
	rs.plan.Pool("work").Processes = 4
	rs.add(0, event.Event{Kind: event.RunStarted})
	rs.state(0, "extract", event.Ready, "")
	rs.start(0, "extract", 1, 600*mib)
	rs.end(1, "extract", 1, 0, ok(420*mib, time.Second))
	for _, s := range []string{"shard[0]", "shard[1]", "shard[2]", "shard[3]"} {
		rs.state(1, s, event.Ready, "")
	}
	rs.start(1, "shard[0]", 1, 300*mib)
	rs.start(1, "shard[1]", 1, 300*mib)
}

// scriptSegments: extract writes a 900 MiB segment that every shard
// reads; pool work may run 4, the budget is 1.6 GiB.
func scriptSegments(rs *runScript) {
	rs.plan.Pool("work").Processes = 4
	rs.plan.Settings.MemoryBudget = 1600 * mib
	rows := dag.SegmentRef{Task: "extract", Output: "rows"}
	rs.plan.Task("extract").Outputs = []dag.Output{{Name: "rows", Size: 900 * mib}}
	rs.plan.Task("extract").Memory = 1 << 30
	for _, s := range []string{"shard[0]", "shard[1]", "shard[2]", "shard[3]"} {
		rs.plan.Task(s).Inputs = []dag.Input{{Name: "rows", From: []dag.SegmentRef{rows}}}
	}
	rs.add(0, event.Event{Kind: event.RunStarted})
	rs.state(0, "extract", event.Ready, "")
	rs.start(0.2, "extract", 1, 1<<30)
	r := ok(950*mib, time.Second)
	r.Start, r.End = at(0.2), at(1)
	rs.add(1, event.Event{Kind: event.AttemptEnded, Task: "extract", Attempt: 1, Result: &r,
		Outputs: []event.Committed{{Name: "rows", Path: "/dev/shm/weir/x/extract/rows", Size: 900 * mib, Hash: "0123456789abcdef"}}})
	rs.state(1, "extract", event.TaskSucceeded, "")
	for _, s := range []string{"shard[0]", "shard[1]", "shard[2]", "shard[3]"} {
		rs.state(1, s, event.Ready, "")
	}
	rs.start(1, "shard[0]", 1, 300*mib)
	rs.start(1, "shard[1]", 1, 300*mib)
}

func TestLastSample(t *testing.T) {
	long := strings.Repeat("1764140100000 1000\n", 40) + "1764140100500 2048\n"
	for _, tc := range []struct {
		name, content string
		want          int64
		ok            bool
	}{
		{"empty", "", 0, false},
		{"one", "1764140100000 4096\n", 4096, true},
		{"newest", "1764140100000 4096\n1764140100250 8192\n", 8192, true},
		{"half written", "1764140100000 4096\n1764140100250 81", 4096, true},
		{"only half", "1764140100000 40", 0, false},
		{"garbage line", "1764140100000 4096\nnot a sample\n", 4096, true},
		{"long file", long, 2048, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.mem")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got, ok := lastSample(path)
			if got != tc.want || ok != tc.ok {
				t.Errorf("lastSample = %d, %v; want %d, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	if _, ok := lastSample(filepath.Join(t.TempDir(), "missing")); ok {
		t.Error("a missing file has a sample")
	}
}

// The view as a program, on an output that is no terminal: every event is
// taken in, the last frame is empty, the summary follows it, and nothing
// is left running.
func TestLiveViewCloses(t *testing.T) {
	before := runtime.NumGoroutine()
	rs := newRunScript(t)
	scriptRetry(rs)
	var out, errOut bytes.Buffer
	o := &options{stdout: &out, stderr: &errOut, stdin: nil, env: []string{"TERM=xterm", "NO_COLOR=1"}, stderrTTY: true}
	v := newView(o, progressLive, false, false, rs.plan, engine.RunDir(rs.plan, rs.runID), rs.plan.Settings.MemoryBudget)
	lv, isLive := v.(*liveView)
	if !isLive {
		t.Fatalf("--progress=live made a %T", v)
	}
	for _, e := range rs.events {
		if err := v.Record(e); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Fprintln(o.stderr, "weir: a warning while the view is drawn")
	v.Close()
	v.Close() // a second Close (the deferred one) does nothing
	fmt.Fprintln(o.stderr, "weir: a warning after it")

	if n := len(lv.take()); n != 0 {
		t.Errorf("%d events were never shown", n)
	}
	if got, want := lv.model.st.done(), len(rs.plan.Tasks); got != want {
		t.Errorf("the view saw %d tasks end, want %d", got, want)
	}
	screen := ansi.Strip(out.String())
	for _, want := range []string{
		"failed  shard[2] attempt 3/3: oom",
		"| allocating 1 GiB",
		"weir: a warning while the view is drawn",
		"07:15:09 run took 9.5s; at most 2 tasks at once, holding 675 MiB of the 2 GiB budget; 4 failed attempts\n",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("the output lacks %q:\n%s", want, screen)
		}
	}
	if !strings.HasSuffix(screen, "4 failed attempts\n") {
		t.Errorf("the summary is not the last thing printed:\n%q", screen[max(len(screen)-300, 0):])
	}
	if got := errOut.String(); got != "weir: a warning after it\n" {
		t.Errorf("stderr = %q, want only what came after the view", got)
	}
	// Bubbletea's tick commands end within a tick of the program.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines left running after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// A view closed before any event never started: nothing is printed.
func TestLiveViewUnused(t *testing.T) {
	rs := newRunScript(t)
	var out bytes.Buffer
	o := &options{stdout: &out, stderr: &out, env: []string{"TERM=xterm"}}
	v := newView(o, progressLive, false, false, rs.plan, rs.dir, 0)
	v.Close()
	if out.Len() != 0 {
		t.Errorf("an unused view printed %q", out.String())
	}
}

func TestNewViewPicks(t *testing.T) {
	rs := newRunScript(t)
	for _, tc := range []struct {
		mode        progressMode
		json, quiet bool
		want        string
	}{
		{progressAuto, false, false, "plain"}, // a buffer is no terminal
		{"", false, false, "plain"},
		{progressPlain, false, false, "plain"},
		{progressLive, false, false, "live"},
		{progressLive, true, false, "json"},
		{progressLive, false, true, "plain"}, // --quiet is errors only, as lines
	} {
		var out bytes.Buffer
		o := &options{stdout: &out, stderr: &out, env: nil}
		v := newView(o, tc.mode, tc.json, tc.quiet, rs.plan, rs.dir, 0)
		got := "other"
		switch v.(type) {
		case *liveView:
			got = "live"
		case *queuedView:
			got = "plain"
		case *jsonView:
			got = "json"
		}
		v.Close()
		if got != tc.want {
			t.Errorf("mode %q json %v quiet %v: %s view, want %s", tc.mode, tc.json, tc.quiet, got, tc.want)
		}
	}
	var m progressMode
	if err := m.Set("fancy"); err == nil {
		t.Error(`--progress=fancy was accepted`)
	}
}

// The plain lines never make the engine wait: Record returns while the
// reader is stuck. A reader that keeps up gets a line per start and end;
// one that stops gets, past progressQueueMax queued events, the routine
// lines folded into counts per stage, while every failure keeps its line,
// in order, and the [done/total] count stays true.
func TestQueuedViewNeverWaits(t *testing.T) {
	const n = 3000
	var tasks []*dag.Task
	for i := range n {
		tasks = append(tasks, &dag.Task{ID: fmt.Sprintf("work[%d]", i), Stage: "work", Argv: []string{"true"}, Retry: dag.Retry{Attempts: 1}})
	}
	g, err := dag.New(tasks)
	if err != nil {
		t.Fatal(err)
	}
	plan := &dag.Plan{Name: "p", Tasks: tasks, Graph: g}
	for _, tc := range []struct {
		name      string
		stuck     bool
		wantLines int  // start and done lines
		wantFold  bool // fewer, and a folded line
	}{
		{"a reader that keeps up", false, 2*n - n/500, false}, // a failure has a start line
		{"a reader that stops reading", true, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGate()
			q := newQueuedView(newProgress(g, plan, false))
			if tc.stuck {
				g.set(true)
			}
			most := 0
			for i, task := range tasks {
				at := scriptStart.Add(time.Duration(i) * time.Millisecond)
				r := &event.Result{Reason: event.Succeeded, Start: at, End: at}
				end := event.TaskSucceeded
				if i%500 == 499 {
					r.Reason, r.ExitCode, end = event.Exit, 3, event.TaskFailed
				}
				for _, e := range []event.Event{
					{Kind: event.TaskChanged, Task: task.ID, State: event.Ready},
					{Kind: event.TaskChanged, Task: task.ID, State: event.Running, Attempt: 1},
					{Kind: event.AttemptStarted, Task: task.ID, Attempt: 1},
					{Kind: event.AttemptEnded, Task: task.ID, Attempt: 1, Result: r},
					{Kind: event.TaskChanged, Task: task.ID, State: end},
				} {
					e.Time = at
					q.Record(e) // would hang here if it waited
				}
				if !tc.stuck {
					// A reader that keeps up: the writer drains as it goes.
					for !q.empty() {
						time.Sleep(10 * time.Microsecond)
					}
				}
				q.mu.Lock()
				most = max(most, len(q.queue))
				q.mu.Unlock()
			}
			g.set(false)
			q.Close()
			q.Close()
			q.Record(event.Event{Kind: event.AttemptStarted, Task: "work[0]"}) // after Close: dropped, no panic

			// Past the bound only the failures and a fold entry between
			// them are queued.
			if limit := progressQueueMax + 2*(n/500)*2 + 1; most > limit {
				t.Errorf("%d entries queued at most, want at most %d", most, limit)
			}
			out := g.buf.String()
			lines := strings.Count(out, "start   ") + strings.Count(out, "done    ")
			if tc.wantFold && lines >= 2*n-n/500 || !tc.wantFold && lines != tc.wantLines {
				t.Errorf("%d start and done lines, want %d (folded %v)", lines, tc.wantLines, tc.wantFold)
			}
			if got := strings.Contains(out, "while the output was behind"); got != tc.wantFold {
				t.Errorf("a folded line: %v, want %v", got, tc.wantFold)
			}
			var failed []string
			for _, l := range strings.Split(out, "\n") {
				if _, rest, ok := strings.Cut(l, "FAILED  "); ok {
					failed = append(failed, rest)
				}
			}
			var want []string
			for i := 499; i < n; i += 500 {
				want = append(want, fmt.Sprintf("work[%d] [%d/%d]", i, i+1, n))
			}
			if diff := cmp.Diff(want, failed); diff != "" {
				t.Errorf("FAILED lines (-want +got):\n%s\n%s", diff, out[max(0, len(out)-2000):])
			}
		})
	}
}

// empty reports whether the writer has taken everything queued.
func (q *queuedView) empty() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue) == 0
}

// The live view in a real terminal: tmux runs the weir binary, and
// capture-pane reads the screen.
func TestLiveTerminal(t *testing.T) {
	tmux := testenv.LookPath(t, "tmux", "scripts/tmux-setup installs it")
	if testing.Short() {
		t.Skip("builds weir and runs workflows in tmux")
	}
	weir := buildWeir(t)

	t.Run("bar advances, screen clean on exit", func(t *testing.T) {
		term := startTerm(t, tmux, weir, "steps.hcl")
		var seen []int
		screen := term.waitFor("the run to end", 60*time.Second, func(s string) bool {
			if m := doneRe.FindStringSubmatch(s); m != nil {
				n, _ := strconv.Atoi(m[1])
				if len(seen) == 0 || seen[len(seen)-1] != n {
					seen = append(seen, n)
				}
			}
			return strings.Contains(s, "EXIT=")
		})
		if len(seen) < 3 || seen[0] >= seen[len(seen)-1] {
			t.Errorf("the bar went through %v tasks done; want it to advance in steps", seen)
		}
		assertClean(t, screen, "EXIT=0")
		for _, want := range []string{"of steps: 8 tasks", " run took ", "; at most 2 tasks at once", "succeeded: 8 succeeded"} {
			if !strings.Contains(screen, want) {
				t.Errorf("the screen after the run lacks %q:\n%s", want, screen)
			}
		}
	})

	t.Run("a failure with its log tail", func(t *testing.T) {
		term := startTerm(t, tmux, weir, "fail.hcl", "--keep-going")
		// While slow still runs, the failure is on the screen twice: printed
		// above the view with its log, and in the view's panel.
		screen := term.waitFor("the failure", 30*time.Second, func(s string) bool {
			return strings.Contains(s, "Failed attempts (1)")
		})
		for _, want := range []string{"failed  bad attempt 1/1: exit 3", "| disk full, giving up", "Running (1)", "slow"} {
			if !strings.Contains(screen, want) {
				t.Errorf("the screen lacks %q:\n%s", want, screen)
			}
		}
		screen = term.waitFor("the run to end", 30*time.Second, func(s string) bool { return strings.Contains(s, "EXIT=") })
		assertClean(t, screen, "EXIT=1")
		if !strings.Contains(screen, "| disk full, giving up") {
			t.Errorf("the failure's log tail did not stay on the screen:\n%s", screen)
		}
	})

	t.Run("Ctrl-C leaves a clean screen", func(t *testing.T) {
		term := startTerm(t, tmux, weir, "steps.hcl", "--var", "seconds=60")
		term.waitFor("two tasks to run", 30*time.Second, func(s string) bool { return strings.Contains(s, "Running (2)") })
		term.keys("C-c")
		screen := term.waitFor("the run to end", 30*time.Second, func(s string) bool { return strings.Contains(s, "EXIT=") })
		assertClean(t, screen, "EXIT=130")
		for _, want := range []string{"weir: stopping: no new tasks", "cancelled: 8 cancelled"} {
			if !strings.Contains(screen, want) {
				t.Errorf("the screen after Ctrl-C lacks %q:\n%s", want, screen)
			}
		}
	})
}

var doneRe = regexp.MustCompile(`(\d+)/8 tasks`)

// assertClean checks that nothing of the live view is left on the screen,
// and that the run's shell saw the exit status want.
func assertClean(t *testing.T, screen, want string) {
	t.Helper()
	if !strings.Contains(screen, want) {
		t.Errorf("want %s on the screen:\n%s", want, screen)
	}
	for _, part := range []string{string(barFull), string(barEmpty), "Running (", "Waiting", "Failed attempts", "weir run "} {
		if strings.Contains(screen, part) {
			t.Errorf("the live view left %q on the screen:\n%s", part, screen)
		}
	}
}

func buildWeir(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "weir")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// tmuxTerm is a tmux server of its own (its socket in a temp dir) with one
// 100x40 window running weir run on a workflow from testdata/live.
type tmuxTerm struct {
	t    *testing.T
	tmux string
	sock string
}

func startTerm(t *testing.T, tmux, weir, workflow string, args ...string) *tmuxTerm {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "live", workflow))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, workflow), src, 0o644); err != nil {
		t.Fatal(err)
	}
	run := append([]string{weir, "run", workflow}, args...)
	for i, a := range run {
		run[i] = shellQuote(a)
	}
	// The shell stays after weir, so that the screen can be read.
	script := fmt.Sprintf("%s; echo EXIT=$?; sleep 600", strings.Join(run, " "))
	tm := &tmuxTerm{t: t, tmux: tmux, sock: filepath.Join(dir, "tmux.sock")}
	tm.run("-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "40", "-c", dir, "sh", "-c", script)
	t.Cleanup(tm.kill)
	return tm
}

func (tm *tmuxTerm) run(args ...string) string {
	tm.t.Helper()
	cmd := exec.Command(tm.tmux, append([]string{"-S", tm.sock}, args...)...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	out, err := cmd.CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (tm *tmuxTerm) screen() string { return tm.run("capture-pane", "-p") }

func (tm *tmuxTerm) keys(keys ...string) { tm.run(append([]string{"send-keys"}, keys...)...) }

// waitFor reads the screen until cond holds, and fails the test with the
// last screen when it does not within limit.
func (tm *tmuxTerm) waitFor(what string, limit time.Duration, cond func(string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		s := tm.screen()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("waited %s for %s; the screen:\n%s", limit, what, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the tmux server and everything in it, and checks it is gone.
func (tm *tmuxTerm) kill() {
	exec.Command(tm.tmux, "-S", tm.sock, "kill-server").Run()
	for range 100 {
		if exec.Command(tm.tmux, "-S", tm.sock, "has-session").Run() != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tm.t.Errorf("the tmux server on %s is still there", tm.sock)
}

// What a frame of the live view costs with half the tasks ready and the
// rest done: the view draws ten a second, however wide the run.
func BenchmarkLiveRender(b *testing.B) {
	for _, n := range []int{2000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var tasks []*dag.Task
			for i := range n {
				tasks = append(tasks, &dag.Task{ID: fmt.Sprintf("t[%d]", i), Stage: "t", Pool: "two", Memory: 64 * mib, Retry: dag.Retry{Attempts: 1}})
			}
			g, err := dag.New(tasks)
			if err != nil {
				b.Fatal(err)
			}
			plan := &dag.Plan{Name: "noop", Pools: []*dag.Pool{{Name: "two", Processes: 2}}, Tasks: tasks, Graph: g}
			st := newLiveState(plan, b.TempDir(), 8<<30)
			st.apply(event.Event{Kind: event.RunStarted, Time: scriptStart, RunID: "20261126-071500-abcdef"})
			for i, t := range tasks {
				switch {
				case i < n/2-2:
					st.apply(event.Event{Kind: event.TaskChanged, Task: t.ID, State: event.Ready, Time: scriptStart})
					st.apply(event.Event{Kind: event.TaskChanged, Task: t.ID, State: event.Running, Attempt: 1, Memory: t.Memory, Time: scriptStart})
					st.apply(event.Event{Kind: event.TaskChanged, Task: t.ID, State: event.TaskSucceeded, Time: scriptStart})
				case i < n/2:
					st.apply(event.Event{Kind: event.TaskChanged, Task: t.ID, State: event.Ready, Time: scriptStart})
					st.apply(event.Event{Kind: event.TaskChanged, Task: t.ID, State: event.Running, Attempt: 1, Memory: t.Memory, Time: scriptStart})
				default:
					st.apply(event.Event{Kind: event.TaskChanged, Task: t.ID, State: event.Ready, Time: scriptStart})
				}
			}
			mem := func(string, int) (int64, bool) { return 10 * mib, true }
			b.ResetTimer()
			for b.Loop() {
				st.render(at(5), mem, 120, 40)
			}
		})
	}
}
