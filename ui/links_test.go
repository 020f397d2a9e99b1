package ui

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// TestLinksNotFollowed: a log, a sample file or a run directory replaced
// by a symbolic link to another file of the user's is not served.
func TestLinksNotFollowed(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	r := newFakeRun(t, state, "r1", task("a"))
	r.add(event.Event{Kind: event.AttemptStarted, Task: "a", Attempt: 1})
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("TOPSECRET 1 2\n"), 0o600)
	layout := store.DirLayout{Root: filepath.Join(state, "runs", "r1")}
	out, errp := layout.Logs("a", 1)
	os.MkdirAll(filepath.Dir(out), 0o700)
	for _, p := range []string{out, errp, layout.Samples("a", 1)} {
		if err := os.Symlink(secret, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(state, "runs", "r1"), filepath.Join(state, "runs", "r2")); err != nil {
		t.Fatal(err)
	}
	_, hs := startServer(t, Options{StateDir: state})
	for _, p := range []string{
		"/api/runs/r1/logs?task=a&attempt=1&stream=stdout",
		"/api/runs/r1/logs?task=a&attempt=1&stream=stderr",
		"/api/runs/r1/memory?task=a&attempt=1",
		"/api/runs/r2/logs?task=a&attempt=1&stream=stdout",
	} {
		resp, err := http.Get(hs.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "TOPSECRET") || resp.StatusCode < 400 && !strings.Contains(p, "memory") {
			t.Errorf("GET %s: %d %q, want a refusal", p, resp.StatusCode, b)
		}
	}
}
