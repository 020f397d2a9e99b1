package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/internal/browser"
	"github.com/weirflow/weir/internal/shmtest"
	"github.com/weirflow/weir/store"
)

var (
	buildOnce sync.Once
	binDir    string
	weirBin   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir) // the weir the browser tests built
	}
	os.Exit(code)
}

// weirBinary builds cmd/weir once per test binary (or takes $WEIR_BINARY):
// the browser tests run real workflows with it.
func weirBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if weirBin = os.Getenv("WEIR_BINARY"); weirBin != "" {
			return // a weir built already, to save the build
		}
		binDir, buildErr = os.MkdirTemp("", "weir-ui-test-")
		if buildErr != nil {
			return
		}
		weirBin = filepath.Join(binDir, "weir")
		out, err := exec.Command("go", "build", "-o", weirBin, "github.com/weirflow/weir/cmd/weir").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/weir: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return weirBin
}

// artifacts is where screenshots go: $WEIR_ARTIFACTS, else a temp dir.
func artifacts(t testing.TB) string {
	if d := os.Getenv("WEIR_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// liveRun is a weir run started by a test in its own directory.
type liveRun struct {
	cmd      *exec.Cmd
	stateDir string
	stderr   bytes.Buffer
	done     chan struct{} // closed when it has exited
}

// startWeirRun runs `weir run` on workflow (copied into dir) in the
// background; the test's cleanup interrupts it if it still runs.
func startWeirRun(t *testing.T, dir, workflow string, args ...string) *liveRun {
	t.Helper()
	bin := weirBinary(t)
	src, err := os.ReadFile(workflow)
	if err != nil {
		t.Fatal(err)
	}
	wf := filepath.Join(dir, filepath.Base(workflow))
	if err := os.WriteFile(wf, src, 0o644); err != nil {
		t.Fatal(err)
	}
	r := &liveRun{stateDir: filepath.Join(dir, ".weir"), done: make(chan struct{})}
	r.cmd = exec.Command(bin, append([]string{"run", "--memory-enforcement=watchdog", wf}, args...)...)
	r.cmd.Dir = dir
	r.cmd.Stderr = &r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		r.cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			r.cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-r.done:
			case <-time.After(10 * time.Second):
				r.cmd.Process.Kill()
				<-r.done
			}
		}
	})
	return r
}

// waitTasks waits until the run's events satisfy ok.
func (r *liveRun) waitTasks(t *testing.T, what string, ok func(map[string]store.TaskRecord) bool) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		runs, err := store.ListRuns(r.stateDir)
		if err != nil || len(runs) == 0 {
			continue
		}
		events, err := store.ReadEvents(r.stateDir, runs[0].ID)
		if err == nil && ok(store.Replay(events)) {
			return runs[0].ID
		}
	}
	t.Fatalf("the run did not reach %s within 30s; stderr:\n%s", what, r.stderr.String())
	return ""
}

func (r *liveRun) wait(t *testing.T) {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the run did not end within 30s; stderr:\n%s", r.stderr.String())
	}
}

// weirStatus is `weir status --json RUN`: what the page must agree with.
func weirStatus(t *testing.T, stateDir, run string) map[string]string {
	t.Helper()
	out, err := exec.Command(weirBinary(t), "status", "--json", "--state-dir", stateDir, run).Output()
	if err != nil {
		t.Fatalf("weir status: %v", err)
	}
	var st struct {
		Tasks map[string]struct {
			State string `json:"state"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for id, tk := range st.Tasks {
		m[id] = tk.State
	}
	return m
}

// page helpers

func do(t *testing.T, tab *browser.Tab, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tab.Ctx, actions...); err != nil {
		t.Fatalf("browser: %v\nconsole:\n%s", err, tab.Console())
	}
}

func eval[T any](t *testing.T, tab *browser.Tab, js string) T {
	t.Helper()
	v, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("browser: %s: %v\nconsole:\n%s", js, err, tab.Console())
	}
	return v
}

// waitJS waits until a JavaScript expression is true.
func waitJS(t *testing.T, tab *browser.Tab, what, js string) {
	t.Helper()
	if _, err := chromedp.Run(tab.Ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("browser: waiting for %s (%s): %v\nconsole:\n%s", what, js, err, tab.Console())
	}
}

func screenshot(t *testing.T, tab *browser.Tab, name string, action chromedp.Action[[]byte]) {
	t.Helper()
	png, err := chromedp.Run(tab.Ctx, action)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(artifacts(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// pageStates is what the page shows for each task: the state it knows and
// the colour of the node that shows the task.
type pageState struct {
	State string `json:"state"` // from the page's model
	Node  string `json:"node"`  // the state its node is coloured for
	Color string `json:"color"`
	Want  string `json:"want"` // the colour for Node's state
	Label string `json:"label"`
}

func pageStates(t *testing.T, tab *browser.Tab) map[string]pageState {
	t.Helper()
	return eval[map[string]pageState](t, tab, `(() => {
		const a = weir.app, out = {};
		for (const t of a.doc.tasks) {
			const n = weir.state(t.id);
			out[t.id] = { state: a.model.task(t.id).state, node: n.state, color: n.color,
				want: weir.cssColor(weir.colors[n.state].bg), label: n.label };
		}
		return out;
	})()`)
}

// checkAgainstStatus compares the page with weir status: every task that
// has left pending has its state, and every node its state's colour.
func checkAgainstStatus(t *testing.T, tab *browser.Tab, status map[string]string) {
	t.Helper()
	page := pageStates(t, tab)
	for id, p := range page {
		want := status[id]
		if want == "" {
			want = "pending"
		}
		if p.State != want {
			t.Errorf("task %s: page says %s, weir status %s", id, p.State, want)
		}
		if strings.ReplaceAll(p.Color, " ", "") != strings.ReplaceAll(p.Want, " ", "") {
			t.Errorf("task %s: node coloured %s, want %s for %s", id, p.Color, p.Want, p.Node)
		}
		if !strings.Contains(id, "[") && p.Node != p.State {
			t.Errorf("task %s: node shows %s, task is %s", id, p.Node, p.State)
		}
	}
}

// TestBrowserLiveRun follows a real run in headless Chromium: nodes appear,
// colours follow the run, a reload mid-run shows what weir status shows,
// a failed stage's panel has its reason and log tail, and a stage name or
// log line that is markup stays text.
func TestBrowserLiveRun(t *testing.T) {
	tab := browser.New(t)
	dir := shmtest.TempDir(t) // the failed run keeps its committed segments
	gate := filepath.Join(dir, "gate")
	run := startWeirRun(t, dir, "testdata/e2e.hcl", "--var", "gate="+gate)
	id := run.waitTasks(t, "wait running", func(m map[string]store.TaskRecord) bool { return m["wait"].State == "running" })

	_, hs := startServer(t, Options{StateDir: run.stateDir})
	do(t, tab, chromedp.Navigate(hs.URL+"/"))
	waitJS(t, tab, "the page", `document.body.dataset.ready === "1"`)
	waitJS(t, tab, "wait running", `weir.state("wait").state === "running"`)
	if n := eval[int](t, tab, `weir.app.graph.cy.nodes().length`); n != 5 {
		t.Errorf("%d nodes, want 5 (fan collapsed into one)", n)
	}
	checkAgainstStatus(t, tab, weirStatus(t, run.stateDir, id))

	// A click on the collapsed for_each stage expands it.
	pos := eval[[]float64](t, tab, `(() => { const n = weir.app.graph.cy.getElementById("stage:fan");
		const p = n.renderedPosition(), r = document.getElementById("graph").getBoundingClientRect();
		return [p.x + r.left, p.y + r.top]; })()`)
	do(t, tab, chromedp.MouseClickXY(pos[0], pos[1]))
	waitJS(t, tab, "fan expanded", `weir.app.graph.cy.nodes().length === 7`)

	// The <script> key is a label, and in the panel a heading's text.
	evil := "fan[<script>window.pwned=1</script>]"
	if got := eval[string](t, tab, `weir.state("fan[<script>window.pwned=1</script>]").label`); got != evil {
		t.Errorf("label %q, want %q", got, evil)
	}
	do(t, tab, chromedp.Evaluate[chromedp.Void](`weir.select("fan[<script>window.pwned=1</script>]")`))
	waitJS(t, tab, "the panel", `document.querySelector("#panel .task-name") !== null`)
	if got := eval[string](t, tab, `document.querySelector("#panel .task-name").textContent`); got != evil {
		t.Errorf("panel heading %q, want %q", got, evil)
	}

	// A reload mid-run shows the same state as weir status, with fan still
	// expanded.
	do(t, tab, chromedp.Reload())
	waitJS(t, tab, "the page after reload", `document.body.dataset.ready === "1"`)
	checkAgainstStatus(t, tab, weirStatus(t, run.stateDir, id))
	waitJS(t, tab, "fan still expanded after the reload", `weir.app.graph.cy.nodes().length === 7`)

	// Let the run go on: broken fails, and the run stops (after is
	// cancelled).
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitJS(t, tab, "the run's end", `document.body.dataset.runState === "failed"`)
	run.wait(t)
	status := weirStatus(t, run.stateDir, id)
	if status["broken"] != "failed" || status["after"] != "cancelled" {
		t.Fatalf("weir status %v, want broken failed and after cancelled", status)
	}
	checkAgainstStatus(t, tab, status)

	do(t, tab, chromedp.Evaluate[chromedp.Void](`weir.select("broken")`))
	waitJS(t, tab, "the failed stage's log", `(document.querySelector("#panel pre.log") || {}).textContent?.includes("about to fail")`)
	if got := eval[string](t, tab, `document.querySelector("#panel td.reason").textContent`); got != "exit 3" {
		t.Errorf("reason %q, want exit 3", got)
	}
	if got := eval[string](t, tab, `document.querySelector("#panel pre.log").textContent`); !strings.Contains(got, "about to fail <script>window.pwned=2</script>") {
		t.Errorf("log tail %q, want the line as text", got)
	}
	if pwned := eval[bool](t, tab, `window.pwned !== undefined || document.querySelectorAll("script").length !== 1`); pwned {
		t.Error("markup from a stage name or log ran or was inserted")
	}
	// README's picture of a run (docs/img/ui-run.png): the table beside
	// the whole graph, with room to read it (the panel closed).
	do(t, tab, chromedp.Evaluate[chromedp.Void](`weir.select(null)`))
	do(t, tab, chromedp.Click(chromedp.ID("fit")))
	screenshot(t, tab, "ui-run.png", chromedp.FullScreenshot(100))

	// Search by name centres the match and opens its panel.
	do(t, tab, chromedp.SendKeys(chromedp.ID("search"), "wait\r"))
	waitJS(t, tab, "the searched stage's panel", `document.querySelector("#panel .task-name")?.textContent === "wait"`)
	if n := eval[int](t, tab, `weir.app.graph.cy.$(".match").length`); n != 1 {
		t.Errorf("%d nodes marked as the match, want 1", n)
	}

	// The run history lists the run with its outcome, and opens it.
	do(t, tab, chromedp.Click(chromedp.ID("runs-btn")))
	waitJS(t, tab, "the history", `document.querySelector("#history tr[data-run]") !== null`)
	if got := eval[string](t, tab, `document.querySelector("#history tr[data-run] .badge").textContent`); got != "failed" {
		t.Errorf("history shows the run %s, want failed", got)
	}
	do(t, tab, chromedp.Click(chromedp.CSS("#history tr[data-run]")))
	waitJS(t, tab, "the history closed", `document.getElementById("history").hidden`)

	if errs := tab.Errors(); len(errs) > 0 {
		t.Errorf("console errors (a CSP violation shows here):\n%s", strings.Join(errs, "\n"))
	}
	screenshot(t, tab, "ui-finished-dag.png", chromedp.FullScreenshot(100))
	screenshot(t, tab, "ui-timeline.png", chromedp.Screenshot(chromedp.ID("timeline")))
}
