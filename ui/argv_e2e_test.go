package ui

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/browser"
)

// TestBrowserCommandAsArgv opens the panel of tasks whose command is a
// list and checks each argument is shown once, as the program gets it,
// without shell quoting; a script shows as its text.
func TestBrowserCommandAsArgv(t *testing.T) {
	tab := browser.New(t)
	do(t, tab, chromedp.Navigate("about:blank"))
	dir := t.TempDir()
	list := task("list")
	list.Argv = []string{"python3", "-c", "print(b'x')", "a b", "", " pad", "tab\there"}
	script := task("script")
	script.Script = "echo 'hi' | tr a-z A-Z"
	script.Argv = []string{"/bin/sh", "-eu", "-c", script.Script, "script"}
	r := newFakeRun(t, dir, "r1", list, script)
	r.add(event.Event{Kind: event.RunStarted})
	_, hs := startServer(t, Options{StateDir: dir})
	do(t, tab, chromedp.Navigate(hs.URL+"/#run=r1"))
	waitJS(t, tab, "the page", `document.body.dataset.ready === "1"`)
	for _, tc := range []struct {
		task string
		args []string // what the boxes say
		pre  string   // or the script's text
	}{
		// Readable as they are, but for what a box would hide: the empty
		// argument, a space at an end, a tab.
		{task: "list", args: []string{"python3", "-c", "print(b'x')", "a b", `""`, `" pad"`, `"tab\there"`}},
		{task: "script", pre: "echo 'hi' | tr a-z A-Z"},
	} {
		t.Run(tc.task, func(t *testing.T) {
			b, _ := json.Marshal(tc.task)
			do(t, tab, chromedp.Evaluate[chromedp.Void](`weir.select(`+string(b)+`)`))
			waitJS(t, tab, "the panel", `document.querySelector("#panel .task-name")?.textContent === `+string(b))
			args := eval[[]string](t, tab, `[...document.querySelectorAll("#panel ol.argv-list li.arg")].map(e => e.textContent)`)
			if tc.args != nil && !slices.Equal(args, tc.args) {
				t.Errorf("arguments shown %q, want %q", args, tc.args)
			}
			pre := eval[string](t, tab, `document.querySelector("#panel pre.argv")?.textContent || ""`)
			if pre != tc.pre {
				t.Errorf("command text %q, want %q", pre, tc.pre)
			}
		})
	}
}
