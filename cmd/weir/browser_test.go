package main

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/weirflow/weir/internal/browser"
	"github.com/weirflow/weir/internal/shmtest"
	"github.com/weirflow/weir/internal/testenv"
)

// openreport FILE STATE BARS [CAPS] opens a report written by weir report
// in headless Chromium from the file itself (no server, no network) and
// checks that the page draws the DAG, ends in run state STATE, and draws at
// least BARS attempts on the timeline, with nothing refused or thrown on
// the console; with CAPS, that its caps-from-history section contains that
// text. A screenshot goes to $WEIR_ARTIFACTS when set.
func openreport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 || len(args) > 4 {
		ts.Fatalf("usage: openreport file state bars [caps-text]")
	}
	bars, err := strconv.Atoi(args[2])
	if err != nil {
		ts.Fatalf("openreport: bars: %v", err)
	}
	path, err := browser.Path()
	if err != nil {
		ts.Fatalf("openreport: %v", err)
	}
	tab, err := browser.Start(context.Background(), path, 1400, 900)
	if err != nil {
		ts.Fatalf("openreport: %v", err)
	}
	defer tab.Close()
	poll := func(what, js string) {
		if _, err := chromedp.Run(tab.Ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			ts.Fatalf("openreport: waiting for %s (%s): %v\nconsole:\n%s", what, js, err, tab.Console())
		}
	}
	url := "file://" + ts.MkAbs(args[0])
	if _, err := chromedp.Run(tab.Ctx, chromedp.Navigate(url)); err != nil {
		ts.Fatalf("openreport: %v", err)
	}
	poll("the page", `document.body.dataset.ready === "1"`)
	poll("the run's state", `document.body.dataset.runState === `+strconv.Quote(args[1]))
	poll("the DAG", `weir.app.graph.cy.nodes().length > 0`)
	poll("the timeline", `weir.app.timeline.bars.length >= `+strconv.Itoa(bars))
	if len(args) == 4 {
		poll("the caps from history", `(document.getElementById("caps") || {}).textContent?.includes(`+strconv.Quote(args[3])+`)`)
	}
	if errs := tab.Errors(); len(errs) > 0 {
		ts.Fatalf("openreport: the console has errors: %q", errs)
	}
	if dir := os.Getenv("WEIR_ARTIFACTS"); dir != "" {
		png, err := chromedp.Run(tab.Ctx, chromedp.FullScreenshot(100)) // quality 100 writes PNG
		if err == nil {
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "report.png"), png, 0o644)
		}
	}
}

// TestRunUIInBrowser follows `weir run --ui` in headless Chromium: the page
// the engine serves shows the run's DAG live, and with --ui-actions its
// Cancel button cancels the run.
func TestRunUIInBrowser(t *testing.T) {
	path, err := browser.Path()
	if err != nil {
		testenv.Missing(t, "chromium", browser.Install)
	}
	dir := shmtest.TempDir(t)
	wf := `workflow "watched" {
  shm_dir = "shm"
}
stage "first" {
  script = "true"
}
stage "wait" {
  depends_on      = [stage.first]
  env_passthrough = ["PATH"]
  script          = "sleep 60"
}
`
	if err := os.WriteFile(filepath.Join(dir, "wf.hcl"), []byte(wf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(weirBinary(t), "run", "--ui", "127.0.0.1:0", "--ui-actions", "wf.hcl")
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		for range lines {
		}
	})
	var url string
	for url == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("weir ended before it served the browser view")
			}
			if u, found := strings.CutPrefix(line, "weir: browser view at "); found {
				url = u
			}
		case <-time.After(30 * time.Second):
			t.Fatal("weir did not print the browser view's address")
		}
	}
	if !strings.Contains(url, "?token=") {
		t.Errorf("with actions allowed the address carries a token: %s", url)
	}

	tab, err := browser.Start(context.Background(), path, 1400, 900)
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	run := func(what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if _, err := chromedp.Run(tab.Ctx, a); err != nil {
			t.Fatalf("%s: %v\nconsole:\n%s", what, err, tab.Console())
		}
	}
	poll := func(what, js string) {
		t.Helper()
		run(what, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(30*time.Second)))
	}
	run("navigate", chromedp.Navigate(url))
	poll("the page", `document.body.dataset.ready === "1"`)
	poll("two stages", `weir.app.graph.cy.nodes().length === 2`)
	poll("wait running", `weir.state("wait").state === "running"`)
	checkMetrics(t, url)
	poll("the cancel button", `!document.getElementById("cancel").hidden`)
	run("cancel", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true; document.getElementById("cancel").click()`))
	poll("the run cancelled", `document.body.dataset.runState === "cancelled"`)
	// Before weir exits: then the page's stream can only fail to reconnect.
	errs := tab.Errors()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 130 {
			t.Errorf("weir ended with %v, want exit status 130 (cancelled)", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("weir did not end after the cancel")
	}
	if len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}

// checkMetrics reads the engine's /metrics as Prometheus would, while the
// run's "wait" task runs: one task running, one succeeded.
func checkMetrics(t *testing.T, pageURL string) {
	t.Helper()
	base, token, _ := strings.Cut(pageURL, "?token=")
	want := map[string]float64{"running": 1, "succeeded": 1}
	var got map[string]float64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		req, _ := http.NewRequest("GET", base+"metrics", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("/metrics does not parse as Prometheus text: %v", err)
		}
		got = map[string]float64{}
		for _, m := range fams["weir_tasks"].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "state" {
					got[l.GetValue()] = m.GetGauge().GetValue()
				}
			}
		}
		if got["running"] == want["running"] && got["succeeded"] == want["succeeded"] {
			return
		}
	}
	t.Errorf("weir_tasks by state %v, want %v", got, want)
}
