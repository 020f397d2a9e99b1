package ui

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRunFiles feeds damaged and crafted run files (run.json,
// events.jsonl, graph.json) of a copied state dir to the page's readers:
// none may panic (a panic in a handler fails the fuzz run).
func FuzzRunFiles(f *testing.F) {
	f.Add([]byte(`{"id":"r1","state":"running","engine":{"pid":1,"start_time":0},"shm_dir":"/etc"}`),
		[]byte(`{"seq":1,"kind":"attempt_started","task":"../../x","attempt":1}`+"\n"),
		[]byte(`{"tasks":[{"id":"a"}]}`))
	f.Add([]byte(`{`), []byte("\x00\xff\n{}\n"), []byte(`null`))
	f.Fuzz(func(t *testing.T, runJSON, events, graph []byte) {
		dir := t.TempDir()
		run := filepath.Join(dir, "runs", "r1")
		os.MkdirAll(run, 0o700)
		os.WriteFile(filepath.Join(run, "run.json"), runJSON, 0o600)
		os.WriteFile(filepath.Join(run, "events.jsonl"), events, 0o600)
		os.WriteFile(filepath.Join(run, "graph.json"), graph, 0o600)
		s, err := New(Options{StateDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		h := s.Handler()
		for _, p := range []string{"/api/runs", "/api/runs/r1", "/api/runs/r1/graph", "/api/runs/r1/task?task=a",
			"/api/runs/r1/attempts", "/api/runs/r1/logs?task=a&attempt=1", "/api/runs/r1/memory?task=a&attempt=1"} {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
		}
	})
}
