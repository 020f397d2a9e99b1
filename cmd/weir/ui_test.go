package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/internal/browser"
	"github.com/weirflow/weir/ui"
)

type noActions struct{ ui.Actions }

// TestServeUI starts the server weir run --ui uses and checks that it asks
// for a token everywhere, loopback included: every local user reaches it.
func TestServeUI(t *testing.T) {
	tests := []struct {
		name      string
		addr      string
		actions   ui.Actions
		env       string
		wantToken string // "" none, "any" generated, else this one
	}{
		{"loopback", "127.0.0.1:0", nil, "", "any"},
		{"loopback with actions", "127.0.0.1:0", noActions{}, "", "any"},
		{"every address", "0.0.0.0:0", nil, "", "any"},
		{"every address, token from env", "0.0.0.0:0", nil, "WEIR_UI_TOKEN=fromenv0123456789", "fromenv0123456789"},
	}
	url := regexp.MustCompile(`http://[^ ]+:(\d+)/(\?token=(\w+))?`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			o := &options{stdout: &stderr, stderr: &stderr, env: []string{tt.env}}
			stop, err := serveUI(o, tt.addr, t.TempDir(), "", tt.actions)
			if err != nil {
				t.Fatal(err)
			}
			m := url.FindStringSubmatch(stderr.String())
			if m == nil {
				stop()
				t.Fatalf("no address in %q", stderr.String())
			}
			port, token := m[1], m[3]
			switch {
			case tt.wantToken == "" && token != "",
				tt.wantToken == "any" && len(token) < 32,
				tt.wantToken != "" && tt.wantToken != "any" && token != tt.wantToken:
				t.Errorf("token %q, want %q", token, tt.wantToken)
			}
			get := func(q string) int {
				resp, err := http.Get("http://127.0.0.1:" + port + "/api/runs" + q)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			if token != "" {
				if got := get(""); got != http.StatusUnauthorized {
					t.Errorf("without the token: %d, want 401", got)
				}
				if got := get("?token=" + token); got != http.StatusOK {
					t.Errorf("with the token: %d, want 200", got)
				}
			} else if got := get(""); got != http.StatusOK {
				t.Errorf("GET: %d, want 200", got)
			}
			if err := stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
			if _, err := http.Get("http://127.0.0.1:" + port + "/api/runs"); err == nil {
				t.Error("still serving after stop")
			}
		})
	}
}

const goodWorkflow = `workflow "w" {}

stage "a" {
  command = ["/bin/true"]
  output "x" {}
}

stage "b" {
  command = ["/bin/true"]
  input "x" {
    from = stage.a.output.x
  }
}
`

// A reference to a stage that does not exist, on line 11.
const badWorkflow = `workflow "w" {}

stage "a" {
  command = ["/bin/true"]
  output "x" {}
}

stage "b" {
  command = ["/bin/true"]
  input "x" {
    from = stage.nope.output.x
  }
}
`

// TestAuthoringView edits a workflow under weir ui FILE's server and
// watches the page: the graph, then the diagnostic at its line, then the
// graph redrawn once fixed.
func TestAuthoringView(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.hcl")
	if err := os.WriteFile(path, []byte(goodWorkflow), 0o644); err != nil {
		t.Fatal(err)
	}
	o := &options{env: os.Environ()}
	lf := &loadFlags{}
	wf := &ui.Workflow{Path: path, Load: func() ui.WorkflowView { return loadView(o, lf, path) }}
	srv, err := ui.New(ui.Options{StateDir: filepath.Join(dir, ".weir"), Workflow: wf})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	defer srv.Close()

	view := func(version int) ui.WorkflowView {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			resp, err := http.Get(hs.URL + "/api/workflow")
			if err != nil {
				t.Fatal(err)
			}
			var v ui.WorkflowView
			err = json.NewDecoder(resp.Body).Decode(&v)
			resp.Body.Close()
			if err == nil && v.Version >= version {
				return v
			}
		}
		t.Fatalf("no version %d of the workflow within 10s", version)
		return ui.WorkflowView{}
	}
	v := view(1)
	if len(v.Graph) == 0 || len(v.Diagnostics) != 0 {
		t.Fatalf("first load: graph %d bytes, diagnostics %+v", len(v.Graph), v.Diagnostics)
	}

	tab := browserOrSkip(t)
	if tab != nil {
		if err := chromedp.Do(tab.Ctx, chromedp.Navigate(hs.URL+"/")); err != nil {
			t.Fatal(err)
		}
		poll(t, tab, `document.body.dataset.drawn === "1" && weir.app.graph.cy.nodes().length === 2`)
	}

	if err := os.WriteFile(path, []byte(badWorkflow), 0o644); err != nil {
		t.Fatal(err)
	}
	v = view(2)
	if len(v.Diagnostics) == 0 || v.Diagnostics[0].Severity != "error" || v.Diagnostics[0].Line != 11 || len(v.Graph) != 0 {
		t.Fatalf("after the bad save: %+v", v.Diagnostics)
	}
	if tab != nil {
		poll(t, tab, `(document.querySelector(".src-line.on") || {}).dataset?.line === "11"`)
		text := run[string](t, tab, `document.querySelector(".diag").textContent`)
		if !strings.Contains(text, "stage.nope") || !strings.Contains(text, v.Diagnostics[0].Summary) {
			t.Errorf("diagnostic shown as %q", text)
		}
	}

	// An editor that saves by renaming a new file over the old one.
	tmp := path + ".new"
	os.WriteFile(tmp, []byte(strings.Replace(goodWorkflow, `"/bin/true"]`+"\n  output", `"/bin/true", "again"]`+"\n  output", 1)), 0o644)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	v = view(3)
	if len(v.Graph) == 0 || len(v.Diagnostics) != 0 {
		t.Fatalf("after the fix: graph %d bytes, diagnostics %+v", len(v.Graph), v.Diagnostics)
	}
	if tab != nil {
		poll(t, tab, `Number(document.body.dataset.drawn) >= 3 && document.querySelector(".diag") === null`)
		if errs := tab.Errors(); len(errs) > 0 {
			t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
		}
	}
}

// browserOrSkip is a headless Chromium, or nil where there is none (the
// API half of a test still runs); under WEIR_REQUIRE_ALL=1 a missing
// Chromium fails the test.
func browserOrSkip(t *testing.T) *browser.Tab {
	if _, err := browser.Path(); err != nil {
		if os.Getenv("WEIR_REQUIRE_ALL") == "1" {
			t.Fatalf("chromium is missing and WEIR_REQUIRE_ALL=1: %s", browser.Install)
		}
		t.Logf("chromium is missing; the page is not checked (%s)", browser.Install)
		return nil
	}
	return browser.New(t)
}

func poll(t *testing.T, tab *browser.Tab, js string) {
	t.Helper()
	if _, err := chromedp.Run(tab.Ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("waiting for %s: %v\nconsole:\n%s", js, err, tab.Console())
	}
}

func run[T any](t *testing.T, tab *browser.Tab, js string) T {
	t.Helper()
	v, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}
