package ui

import (
	"bytes"
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/browser"
	"github.com/weirflow/weir/store"
)

// reportRun is a finished run with a failed task whose key and log are
// markup.
func reportRun(t *testing.T) (stateDir string) {
	dir := t.TempDir()
	evil := "x[</script><script>window.pwned=1</script>]"
	r := newFakeRun(t, dir, "r1", task("a"), task(evil, "a"), task("c", evil))
	r.add(
		event.Event{Kind: event.RunStarted},
		event.Event{Kind: event.TaskChanged, Task: "a", State: event.Running, Attempt: 1},
		event.Event{Kind: event.AttemptStarted, Task: "a", Attempt: 1, Memory: 64 << 20},
		event.Event{Kind: event.AttemptEnded, Task: "a", Attempt: 1, Memory: 64 << 20, Result: &event.Result{Reason: event.Succeeded, PeakMemory: 3 << 20}},
		event.Event{Kind: event.TaskChanged, Task: "a", State: event.TaskSucceeded},
		event.Event{Kind: event.TaskChanged, Task: evil, State: event.Running, Attempt: 1},
		event.Event{Kind: event.AttemptStarted, Task: evil, Attempt: 1, Memory: 64 << 20},
		event.Event{Kind: event.AttemptEnded, Task: evil, Attempt: 1, Memory: 64 << 20,
			Result: &event.Result{Reason: event.OOM, PeakMemory: 64 << 20, Detail: "exceeded its memory cap of 64 MiB"}},
		event.Event{Kind: event.TaskChanged, Task: evil, State: event.TaskFailed, Message: "oom"},
		event.Event{Kind: event.TaskChanged, Task: "c", State: event.Skipped},
		event.Event{Kind: event.RunEnded, Message: "failed: 1 task failed"},
	)
	layout := store.DirLayout{Root: filepath.Join(dir, "runs", "r1")}
	_, errp := layout.Logs(evil, 1)
	os.MkdirAll(filepath.Dir(errp), 0o700)
	os.WriteFile(errp, []byte("allocating\n</script><script>window.pwned=2</script>\n"), 0o600)
	os.WriteFile(layout.Samples(evil, 1), []byte("1000 1000000\n1100 30000000\n1200 67108864\n"), 0o600)
	return dir
}

func TestReportIsSelfContained(t *testing.T) {
	dir := reportRun(t)
	var b bytes.Buffer
	if err := WriteReport(&b, dir, "r1"); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	// Two script elements: the data (not executed) and the page's own.
	if n := strings.Count(strings.ToLower(page), "<script"); n != 2 {
		t.Errorf("%d <script tags, want 2 (markup from the run got in)", n)
	}
	for _, bad := range []string{" src=", "href=\"http", "window.pwned=1</script>"} {
		if strings.Contains(page, bad) {
			t.Errorf("report contains %q", bad)
		}
	}
	// The policy allows exactly the inlined script.
	js, _ := distFile("app.js")
	if !strings.Contains(html.UnescapeString(page), "script-src '"+hashOf(js)+"'") {
		t.Error("the CSP does not name the inlined script's hash")
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" id="weir-data">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no inline data")
	}
	var d reportData
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatal(err)
	}
	evil := "x[</script><script>window.pwned=1</script>]"
	if d.Snapshot.Run.State != "failed" || d.Snapshot.Tasks[evil].State != event.TaskFailed || !d.Config.Static {
		t.Errorf("data: run %+v", d.Snapshot.Run)
	}
	if c := d.Details[evil].Logs[1]["stderr"]; c == nil || !strings.Contains(c.Text, "allocating") {
		t.Errorf("no log tail for %s: %+v", evil, d.Details[evil])
	}
	if err := WriteReport(&b, dir, "../r1"); err == nil {
		t.Error("a report of ../r1 was written")
	}
}

// TestReportInBrowser opens a report from a file: it draws with no server
// and nothing refused by its policy.
func TestReportInBrowser(t *testing.T) {
	tab := browser.New(t)
	dir := reportRun(t)
	path := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteReport(f, dir, "r1"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	do(t, tab, chromedp.Navigate("file://"+path))
	waitJS(t, tab, "the report", `document.body.dataset.ready === "1"`)
	evil := "x[</script><script>window.pwned=1</script>]"
	states := eval[map[string]string](t, tab, `Object.fromEntries(["a", "c", "x[</script><script>window.pwned=1</script>]"].map(id => [id, weir.state(id).state]))`)
	if states["a"] != "succeeded" || states[evil] != "failed" || states["c"] != "skipped" {
		t.Errorf("states %v", states)
	}
	do(t, tab, chromedp.Evaluate[chromedp.Void](`weir.select("x[</script><script>window.pwned=1</script>]")`))
	waitJS(t, tab, "the log tail", `(document.querySelector("#panel pre.log") || {}).textContent?.includes("allocating")`)
	if got := eval[string](t, tab, `document.querySelector("#panel td.reason").textContent`); got != "oom: peak 64 MiB against a cap of 64 MiB" {
		t.Errorf("reason %q", got)
	}
	if n := eval[int](t, tab, `document.querySelectorAll("#panel svg.memchart polyline").length`); n != 1 {
		t.Errorf("%d memory lines, want 1", n)
	}
	if pwned := eval[bool](t, tab, `window.pwned !== undefined`); pwned {
		t.Error("markup from the run ran")
	}
	if errs := tab.Errors(); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
	screenshot(t, tab, "ui-report.png", chromedp.FullScreenshot(100))
}

// TestReportOpensOnFailures checks that a report of a failed run starts
// with its failures, each with its reason and the end of its log, above
// the graph; whether it carries graph.json whole or, for a run with wide
// stages, its outline: then a failure's panel shows its command, and the
// table holds the failures.
func TestReportOpensOnFailures(t *testing.T) {
	tab := browser.New(t)
	for _, form := range []string{"graph.json", "outline"} {
		t.Run(form, func(t *testing.T) {
			dir := t.TempDir()
			wideRun(t, dir, "wide", 2000, 417, 1503)
			if form == "outline" {
				quick := t.TempDir()
				journaled(t, dir, quick, "wide", 100)
				dir = quick
			}
			path := filepath.Join(t.TempDir(), "report.html")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := WriteReport(f, dir, "wide"); err != nil {
				t.Fatal(err)
			}
			f.Close()
			do(t, tab, chromedp.Navigate("file://"+path))
			waitJS(t, tab, "the failures", `document.querySelectorAll("#report-failures .report-failure").length === 2`)
			got := eval[[]string](t, tab, `[...document.querySelectorAll("#report-failures .report-failure")].map(e => e.querySelector(".failed-task").textContent + "|" + e.querySelector(".why").textContent + "|" + e.querySelector("pre").textContent)`)
			want := []string{
				"noop[417]| attempt 2 of 2: exit 2|reading shard 417\nshard 417 is corrupt (attempt 2)",
				"noop[1503]| attempt 2 of 2: exit 2|reading shard 1503\nshard 1503 is corrupt (attempt 2)",
			}
			if strings.Join(got, "\n--\n") != strings.Join(want, "\n--\n") {
				t.Errorf("failures:\n%q\nwant\n%q", got, want)
			}
			if above := eval[bool](t, tab, `document.getElementById("report-failures").getBoundingClientRect().bottom <= document.getElementById("graph-wrap").getBoundingClientRect().top + 1`); !above {
				t.Error("the failures are not above the graph")
			}
			do(t, tab, chromedp.Click(chromedp.CSS(`#report-failures .failed-task`)))
			waitJS(t, tab, "noop[417]'s panel", `document.querySelector("#panel .task-name")?.textContent === "noop[417]"`)
			waitJS(t, tab, "its command", `document.querySelector("#panel").textContent.includes("/bin/true")`)
			waitJS(t, tab, "the failures in the table", `(async () => { await weir.app.table.setFilter({ state: "failed" }); return weir.app.table.view.length === 2; })()`)
			if errs := tab.Errors(); len(errs) > 0 {
				t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}

// TestReportBounded: a report of a run with wide stages carries their
// counts and the failures, not a row per task, whatever the run's size.
func TestReportBounded(t *testing.T) {
	sizes := map[int]int{}
	for _, n := range []int{300, 3000} {
		dir, quick := t.TempDir(), t.TempDir()
		wideRun(t, dir, "wide", n, 7, 21)
		journaled(t, dir, quick, "wide", 100)
		var b bytes.Buffer
		if err := WriteReport(&b, quick, "wide"); err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`<script type="application/json" id="weir-data">(.*?)</script>`).FindSubmatch(b.Bytes())
		if m == nil {
			t.Fatal("no inline data")
		}
		sizes[n] = len(m[1])
		var d reportData
		if err := json.Unmarshal(m[1], &d); err != nil {
			t.Fatal(err)
		}
		var o Overview
		if err := json.Unmarshal(d.Graph, &o); err != nil {
			t.Fatal(err)
		}
		if len(o.Groups) != 1 || o.Groups[0].Tasks != n || o.Groups[0].Counts[event.TaskCancelled] != n-2 {
			t.Errorf("n=%d: groups %+v, want noop of %d with %d cancelled", n, o.Groups, n, n-2)
		}
		if len(d.Snapshot.Tasks) != 3 || len(d.Details) != 3 {
			t.Errorf("n=%d: %d tasks and %d details, want prep and the two failures", n, len(d.Snapshot.Tasks), len(d.Details))
		}
		if def := d.Details["noop[21]"]; def == nil || def.Def == nil || def.Def.ID != "noop[21]" {
			t.Errorf("n=%d: noop[21] has no definition in the report", n)
		}
	}
	// A few bytes more for the longer numbers, no more.
	if sizes[3000] > sizes[300]+64 {
		t.Errorf("the data is %d bytes at 300 tasks and %d at 3,000: it grows with the run", sizes[300], sizes[3000])
	}
}
