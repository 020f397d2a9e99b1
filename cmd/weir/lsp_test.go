package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/lsp/lsptest"
)

// lspProcess starts `weir lsp` as an editor does and returns a client
// speaking to it over its stdin and stdout, and a function that waits for
// it to exit and returns its exit status.
func lspProcess(t *testing.T, args ...string) (*lsptest.Client, func() int) {
	t.Helper()
	cmd := exec.Command(weirBinary(t), append([]string{"lsp"}, args...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &testWriter{t: t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := lsptest.New(pipes{ReadCloser: stdout, WriteCloser: stdin})
	wait := func() int {
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("weir lsp did not exit")
		}
		return cmd.ProcessState.ExitCode()
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return c, wait
}

type pipes struct {
	io.ReadCloser
	io.WriteCloser
}

func (p pipes) Close() error {
	p.WriteCloser.Close()
	return p.ReadCloser.Close()
}

// testWriter logs the server's stderr in the test's output.
type testWriter struct{ t *testing.T }

func (w *testWriter) Write(b []byte) (int, error) {
	w.t.Logf("weir lsp: %s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

type lspDiagnostic struct {
	Range struct {
		Start struct{ Line, Character int }
	}
	Message string
}

func decodeDiagnostics(t *testing.T, d lsptest.Diagnostics) []lspDiagnostic {
	t.Helper()
	var out []lspDiagnostic
	for _, raw := range d.Diagnostics {
		var x lspDiagnostic
		if err := json.Unmarshal(raw, &x); err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}

// TestLspEndToEnd drives the real binary as an editor does, on the etl
// example: open, an incremental edit that breaks a reference, the same
// problem as weir validate reports it, the edit undone, formatting, shutdown
// and exit with status 0.
func TestLspEndToEnd(t *testing.T) {
	src, err := os.ReadFile("../../workflows/etl/etl.hcl")
	if err != nil {
		t.Skip("example workflows not present")
	}
	dir := t.TempDir()
	copyDir(t, "../../workflows/etl", dir)
	path := filepath.Join(dir, "etl.hcl")
	uri := "file://" + filepath.ToSlash(path)

	c, wait := lspProcess(t)
	caps, err := c.Initialize("file://"+dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if caps["documentFormattingProvider"] != true {
		t.Errorf("capabilities: %v", caps)
	}
	if err := c.Open(uri, string(src), 1); err != nil {
		t.Fatal(err)
	}
	d, err := c.Diagnostics(uri, 1, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Diagnostics) != 0 {
		t.Fatalf("diagnostics of the valid example: %s", d.Diagnostics)
	}

	// pool.python -> pool.pyhton, on the line `  pool            = pool.python`.
	lines := strings.Split(string(src), "\n")
	line, col := -1, -1
	for i, l := range lines {
		if strings.Contains(l, "= pool.python") {
			line, col = i, strings.Index(l, "pool.python")+len("pool.py")
			break
		}
	}
	if err := c.Change(uri, 2, line, col, line, col+2, "ht"); err != nil {
		t.Fatal(err)
	}
	d, err = c.Diagnostics(uri, 2, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeDiagnostics(t, d)
	if len(got) != 1 || got[0].Range.Start.Line != line {
		t.Fatalf("after the edit: %+v", got)
	}

	// weir validate says the same of the same text.
	broken := strings.Replace(string(src), "= pool.python", "= pool.pyhton", 1)
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(weirBinary(t), "validate", "--no-color", path).CombinedOutput()
	for _, part := range strings.Split(got[0].Message, "\n") {
		if !strings.Contains(strings.Join(strings.Fields(string(out)), " "), strings.Join(strings.Fields(part), " ")) {
			t.Errorf("weir validate does not say %q:\n%s", part, out)
		}
	}
	if want := "line " + itoa(line+1); !strings.Contains(string(out), want) {
		t.Errorf("weir validate does not name %s:\n%s", want, out)
	}

	if err := c.Change(uri, 3, line, col, line, col+2, "th"); err != nil {
		t.Fatal(err)
	}
	if d, err = c.Diagnostics(uri, 3, 20*time.Second); err != nil || len(d.Diagnostics) != 0 {
		t.Fatalf("after undoing the edit: %v %s", err, d.Diagnostics)
	}

	// On "python" of pool.python: completion after "pool.", hover,
	// definition, references and rename.
	at := map[string]any{"textDocument": map[string]any{"uri": uri}, "position": map[string]any{"line": line, "character": col - 2}}
	var list struct{ Items []struct{ Label string } }
	if err := c.Call("textDocument/completion", at, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) == 0 || list.Items[0].Label != "python" {
		t.Errorf("completion after pool.: %+v", list.Items)
	}
	var hover struct{ Contents struct{ Value string } }
	if err := c.Call("textDocument/hover", at, &hover); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(hover.Contents.Value, `pool "python"`) || !strings.Contains(hover.Contents.Value, "1 GiB") {
		t.Errorf("hover on pool.python: %q", hover.Contents.Value)
	}
	var defs []struct {
		Range struct{ Start struct{ Line int } }
	}
	if err := c.Call("textDocument/definition", at, &defs); err != nil {
		t.Fatal(err)
	}
	if len(defs) != 1 || !strings.HasPrefix(lines[defs[0].Range.Start.Line], `pool "python"`) {
		t.Errorf("definition of pool.python: %+v", defs)
	}
	refsAt := map[string]any{"textDocument": at["textDocument"], "position": at["position"], "context": map[string]any{"includeDeclaration": true}}
	var refs []map[string]any
	if err := c.Call("textDocument/references", refsAt, &refs); err != nil {
		t.Fatal(err)
	}
	if want := strings.Count(string(src), "pool.python") + 1; len(refs) != want {
		t.Errorf("%d references to pool python, want %d", len(refs), want)
	}
	renameAt := map[string]any{"textDocument": at["textDocument"], "position": at["position"], "newName": "py"}
	var rename struct{ Changes map[string][]map[string]any }
	if err := c.Call("textDocument/rename", renameAt, &rename); err != nil {
		t.Fatal(err)
	}
	if len(rename.Changes[uri]) != len(refs) {
		t.Errorf("rename edits %d places, want %d", len(rename.Changes[uri]), len(refs))
	}

	var edits []map[string]any
	if err := c.Call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uri}, "options": map[string]any{}}, &edits); err != nil {
		t.Fatal(err)
	}
	if len(edits) != 0 {
		t.Errorf("formatting the formatted example: %v", edits)
	}

	if err := c.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if code := wait(); code != 0 {
		t.Errorf("exit status %d after shutdown and exit, want 0", code)
	}
}

// TestLspExitWithoutShutdown wants status 1, as the protocol asks.
func TestLspExitWithoutShutdown(t *testing.T) {
	c, wait := lspProcess(t)
	if _, err := c.Initialize("", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Notify("exit", nil); err != nil {
		t.Fatal(err)
	}
	if code := wait(); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// copyDir copies the tree at src into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
