package ui

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// TestGraphNotYetWritten: a run still going writes graph.json once its
// first task has started, so until then the server says 503 with
// Retry-After (the page asks again); a run that ended without one was
// recorded by an older weir: 404.
func TestGraphNotYetWritten(t *testing.T) {
	dir := t.TempDir()
	r := newFakeRun(t, dir, "r1", task("a"), task("b", "a"))
	r.add(event.Event{Kind: event.RunStarted})
	graph := filepath.Join(dir, "runs", "r1", "graph.json")
	if err := os.Remove(graph); err != nil {
		t.Fatal(err)
	}
	_, hs := startServer(t, Options{StateDir: dir})
	get := func(path string) (int, string, string) {
		t.Helper()
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
	}
	for _, path := range []string{"/api/runs/r1/graph", "/api/runs/r1/overview", "/api/runs/r1/task?task=a"} {
		if code, after, body := get(path); code != http.StatusServiceUnavailable || after != "1" || !strings.Contains(body, "being written") {
			t.Errorf("%s while the run goes: %d, Retry-After %q, %q; want 503, 1, being written", path, code, after, body)
		}
	}

	rec := store.RunRecord{ID: "r1", Name: "fake", StateDir: dir, Tasks: 2, Started: time.Now().Add(-time.Minute),
		Ended: time.Now(), State: store.RunFailed, Engine: store.Self()}
	writeJSONFile(t, filepath.Join(dir, "runs", "r1", "run.json"), rec)
	if code, after, body := get("/api/runs/r1/graph"); code != http.StatusNotFound || after != "" || !strings.Contains(body, "older weir") {
		t.Errorf("once the run ended: %d, Retry-After %q, %q; want 404 naming an older weir", code, after, body)
	}
}
