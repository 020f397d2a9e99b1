package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/weirflow/weir/dsl"
	"github.com/weirflow/weir/lsp/lsptest"
)

// testLoad fixes the host, so results are the same on every machine.
var testLoad = dsl.Options{HostMemory: 16 << 30, NumCPU: 4, Cwd: "/work"}

// start runs a server on one end of a pipe and returns a client on the
// other, initialized with root dir.
func start(t testing.TB, dir string) *lsptest.Client {
	t.Helper()
	return startWith(t, dir, nil)
}

// startWith is start with initializationOptions.
func startWith(t testing.TB, dir string, options any) *lsptest.Client {
	t.Helper()
	a, b := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), a, Options{Load: testLoad}) }()
	c := lsptest.New(b)
	if _, err := c.Initialize(pathURI(dir), options); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Shutdown(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return after exit")
		}
		c.Close()
	})
	return c
}

// open sends a file's text and waits for its first diagnostics.
func open(t testing.TB, c *lsptest.Client, path, src string) []Diagnostic {
	t.Helper()
	uri := pathURI(path)
	if err := c.Open(uri, src, 1); err != nil {
		t.Fatal(err)
	}
	return diagnostics(t, c, uri, 1)
}

// diagnosticsWait bounds the wait for diagnostics; benchmarks on a busy
// machine raise it.
var diagnosticsWait = 10 * time.Second

func diagnostics(t testing.TB, c *lsptest.Client, uri string, version int32) []Diagnostic {
	t.Helper()
	got, err := c.Diagnostics(uri, version, diagnosticsWait)
	if err != nil {
		t.Fatal(err)
	}
	out := []Diagnostic{}
	for _, raw := range got.Diagnostics {
		var d Diagnostic
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// TestLspDiagnosticsAsValidate opens every invalid test workflow and every
// example, and wants the diagnostics that dsl's loader gives, which are
// what weir validate prints.
func TestLspDiagnosticsAsValidate(t *testing.T) {
	files, _ := filepath.Glob("../dsl/testdata/invalid/*.hcl")
	more, _ := filepath.Glob("../workflows/*/*.hcl")
	files = append(append(files, more...), "../workflows/quickstart.hcl")
	c := start(t, "..")
	for _, file := range files {
		abs, _ := filepath.Abs(file)
		src, err := os.ReadFile(abs)
		if err != nil {
			t.Fatal(err)
		}
		_, diags := dsl.NewParser().LoadSource(src, abs, testLoad)
		tx := newText(src, false)
		want := []Diagnostic{}
		for _, d := range diags {
			want = append(want, convert(d, tx))
		}
		// An example run in this checkout leaves runs beside it, whose
		// warnings validate cannot give.
		got := slices.DeleteFunc(open(t, c, abs, string(src)), func(d Diagnostic) bool { return d.Source == runSource })
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-validate +lsp):\n%s", file, diff)
		}
		if strings.Contains(file, "invalid") && len(got) == 0 {
			t.Errorf("%s: no diagnostics", file)
		}
	}
}

const twoStages = `stage "extract" {
  command = ["true"]
  output "table" {}
}

stage "clean" {
  command = ["true"]
  input "raw" { from = stage.extract.output.table }
}
`

// TestLspIncrementalEdits breaks a reference with an edit in the middle of
// a line, then mends it, and wants the diagnostics to follow.
func TestLspIncrementalEdits(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.hcl")
	c := start(t, dir)
	if got := open(t, c, path, twoStages); len(got) != 0 {
		t.Fatalf("valid workflow has diagnostics: %v", got)
	}
	uri := pathURI(path)
	// "extract" on line 8 starts at character 29; replace "ex" by "ax".
	if err := c.Change(uri, 2, 7, 29, 7, 31, "ax"); err != nil {
		t.Fatal(err)
	}
	got := diagnostics(t, c, uri, 2)
	if len(got) != 1 || !strings.Contains(got[0].Message, `No stage "axtract" is declared.`) || !strings.Contains(got[0].Message, `Did you mean "extract"?`) {
		t.Fatalf("after the edit: %+v", got)
	}
	if got[0].Range.Start.Line != 7 {
		t.Errorf("diagnostic on line %d, want 7", got[0].Range.Start.Line)
	}
	if err := c.Change(uri, 3, 7, 29, 7, 31, "ex"); err != nil {
		t.Fatal(err)
	}
	if got := diagnostics(t, c, uri, 3); len(got) != 0 {
		t.Fatalf("after mending: %+v", got)
	}
}

func TestLspFormatting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.hcl")
	c := start(t, dir)
	src := "stage \"a\" {\ncommand = [\"true\"]\n    memory=\"1GiB\"\n}\n"
	open(t, c, path, src)
	var edits []TextEdit
	if err := c.Call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": pathURI(path)}, "options": map[string]any{"tabSize": 2, "insertSpaces": true}}, &edits); err != nil {
		t.Fatal(err)
	}
	want, _ := dsl.NewParser().Format([]byte(src), path)
	if len(edits) != 1 || edits[0].NewText != string(want) {
		t.Fatalf("edits = %+v, want the text of weir fmt:\n%s", edits, want)
	}
	if edits[0].Range != (Range{End: Position{Line: 4}}) {
		t.Errorf("edit range = %+v, want the whole text", edits[0].Range)
	}
}

// TestLspVarFile checks a problem found in a var file given in the
// settings: it is published to the var file, and cleared once the file is
// fixed and saved.
func TestLspVarFile(t *testing.T) {
	dir := t.TempDir()
	vars := filepath.Join(dir, "prod.hcl")
	if err := os.WriteFile(vars, []byte("rowz = 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := startWith(t, dir, map[string]any{"varFiles": []string{"prod.hcl"}})
	path := filepath.Join(dir, "w.hcl")
	src := "variable \"rows\" {\n  default = 1\n}\n\nstage \"a\" {\n  command = [\"echo\", var.rows]\n}\n"
	if got := open(t, c, path, src); len(got) != 0 {
		t.Errorf("workflow diagnostics: %+v", got)
	}
	got := diagnostics(t, c, pathURI(vars), -1)
	if len(got) != 1 || !strings.Contains(got[0].Message, `Did you mean "rows"?`) || got[0].Range.Start.Line != 0 {
		t.Fatalf("var file diagnostics: %+v", got)
	}
	c.Forget(pathURI(vars))
	if err := os.WriteFile(vars, []byte("rows = 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": pathURI(vars)}}); err != nil {
		t.Fatal(err)
	}
	if got := diagnostics(t, c, pathURI(vars), -1); len(got) != 0 {
		t.Errorf("var file diagnostics after the fix: %+v", got)
	}
}

// TestLspNewRuns checks that a run that ends while a workflow is open
// reaches its warnings: the state dir is read again in the background.
func TestLspNewRuns(t *testing.T) {
	defer func(d time.Duration) { usageFresh = d }(usageFresh)
	usageFresh = 10 * time.Millisecond
	dir := t.TempDir()
	c := start(t, dir)
	path := filepath.Join(dir, "w.hcl")
	uri := pathURI(path)
	src := "stage \"fetch\" {\n  command = [\"curl\", \"x\"]\n}\n"
	if got := open(t, c, path, src); len(got) != 0 {
		t.Fatalf("diagnostics before any run: %+v", got)
	}
	// A run that could not start curl, as an engine leaves it.
	run := filepath.Join(dir, ".weir", "runs", "r1")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"run.json":   `{"id":"r1","name":"w","state":"failed","started":"2026-11-26T09:00:00Z","engine":{}}`,
		"graph.json": `{"tasks":[{"id":"fetch","stage":"fetch","pool":"default"}]}`,
		"events.jsonl": `{"seq":1,"time":"2026-11-26T09:00:00Z","run":"r1","kind":"run_started"}
{"seq":2,"time":"2026-11-26T09:00:00Z","run":"r1","kind":"attempt_started","task":"fetch","attempt":1}
{"seq":3,"time":"2026-11-26T09:00:00Z","run":"r1","kind":"attempt_ended","task":"fetch","attempt":1,"result":{"reason":"start_failed","detail":"proc: program \"curl\" not found in the task's PATH (/usr/bin:/bin)","start":"2026-11-26T09:00:00Z","end":"2026-11-26T09:00:00Z"}}
{"seq":4,"time":"2026-11-26T09:00:01Z","run":"r1","kind":"run_ended","message":"failed"}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(run, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Edits until one's diagnostics carry the run's warning.
	for v := int32(2); v < 100; v++ {
		if err := c.Change(uri, v, 0, 0, 0, 0, "\n"); err != nil {
			t.Fatal(err)
		}
		for _, d := range diagnostics(t, c, uri, v) {
			if d.Source == runSource && strings.Contains(d.Message, `program "curl" not found`) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the new run's warning never came")
}

// TestLspEditsCancelStaleAnalyses sends a burst of edits to a large
// workflow without waiting, and checks that the analyses of replaced texts
// were cancelled and that the diagnostics are those of the last text.
func TestLspEditsCancelStaleAnalyses(t *testing.T) {
	var mu sync.Mutex
	counts := map[bool]int{}
	defer func(f func(bool)) { analyzed = f }(analyzed)
	analyzed = func(cancelled bool) { mu.Lock(); counts[cancelled]++; mu.Unlock() }

	var b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&b, "stage \"s%d\" {\n  command = [\"echo\", \"%d\"]\n  memory  = \"64MiB\"\n}\n\n", i, i)
	}
	dir := t.TempDir()
	c := start(t, dir)
	path := filepath.Join(dir, "w.hcl")
	uri := pathURI(path)
	if err := c.Open(uri, b.String(), 1); err != nil {
		t.Fatal(err)
	}
	const edits = 20
	for v := int32(2); v <= edits; v++ {
		// The last edit misspells a stage reference.
		text := "\n"
		if v == edits {
			text = "stage \"x\" {\n  command = [\"echo\"]\n  depends_on = [stage.s01]\n}\n"
		}
		if err := c.Change(uri, v, 0, 0, 0, 0, text); err != nil {
			t.Fatal(err)
		}
	}
	got := diagnostics(t, c, uri, edits)
	if len(got) != 1 || !strings.Contains(got[0].Message, `No stage "s01" is declared`) {
		t.Fatalf("diagnostics of the last text: %+v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if counts[true] == 0 {
		t.Errorf("no analysis was cancelled: %d ran to their end", counts[false])
	}
}
