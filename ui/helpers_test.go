package ui

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// fakeRun writes run id into stateDir as an engine leaves it: run.json,
// graph.json of the given tasks, and events.jsonl.
type fakeRun struct {
	t     testing.TB
	dir   string // the state dir
	id    string
	seq   uint64
	start time.Time
}

func newFakeRun(t testing.TB, stateDir, id string, tasks ...*dag.Task) *fakeRun {
	t.Helper()
	runDir := filepath.Join(stateDir, "runs", id)
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)
	rec := store.RunRecord{ID: id, Name: "fake", Workflow: "/w/fake.hcl", StateDir: stateDir, Tasks: len(tasks),
		Started: start, State: store.RunRunning, Engine: store.Self()}
	writeJSONFile(t, filepath.Join(runDir, "run.json"), rec)
	plan := &dag.Plan{Name: "fake", File: "/w/fake.hcl", Pools: []*dag.Pool{{Name: "default", Processes: 2}}, Tasks: tasks}
	f, err := os.Create(filepath.Join(runDir, "graph.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := dag.WriteJSON(f, plan, dag.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return &fakeRun{t: t, dir: stateDir, id: id, start: start}
}

func writeJSONFile(t testing.TB, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func (r *fakeRun) path() string { return filepath.Join(r.dir, "runs", r.id, "events.jsonl") }

// event numbers e and returns it as a line of events.jsonl.
func (r *fakeRun) event(e event.Event) []byte {
	r.seq++
	e.Seq, e.RunID = r.seq, r.id
	e.Time = r.start.Add(time.Duration(r.seq) * time.Millisecond)
	b, err := json.Marshal(e)
	if err != nil {
		r.t.Fatal(err)
	}
	return append(b, '\n')
}

// appendRaw appends bytes to events.jsonl as they are.
func (r *fakeRun) appendRaw(b []byte) {
	r.t.Helper()
	f, err := os.OpenFile(r.path(), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		r.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

// add appends events, each numbered in turn.
func (r *fakeRun) add(es ...event.Event) {
	r.t.Helper()
	var b []byte
	for _, e := range es {
		b = append(b, r.event(e)...)
	}
	r.appendRaw(b)
}

func task(id string, deps ...string) *dag.Task {
	stage, _, _ := strings.Cut(id, "[")
	return &dag.Task{ID: id, Stage: stage, Keyed: strings.Contains(id, "["), Argv: []string{"/bin/true"}, Pool: "default",
		Deps: deps, Retry: dag.Retry{Attempts: 1}}
}

// startServer serves o over httptest and closes both at cleanup, checking
// that nothing the server started is left running.
func startServer(t *testing.T, o Options) (*Server, *httptest.Server) {
	t.Helper()
	checkLeaks(t)
	if o.Poll == 0 {
		o.Poll = 10 * time.Millisecond
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		s.Close()
		hs.Close()
	})
	return s, hs
}

// checkLeaks fails t if, once it and its cleanups are done, more
// goroutines or file descriptors are left than before it.
func checkLeaks(t *testing.T) {
	t.Helper()
	g0, fd0 := runtime.NumGoroutine(), openFDs()
	t.Cleanup(func() {
		var g, fd int
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			http.DefaultClient.CloseIdleConnections()
			g, fd = runtime.NumGoroutine(), openFDs()
			if g <= g0 && fd <= fd0 {
				return
			}
		}
		buf := make([]byte, 1<<16)
		n := runtime.Stack(buf, true)
		t.Errorf("leak: %d goroutines (had %d), %d open files (had %d)\n%s", g, g0, fd, fd0, buf[:n])
	})
}

func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return len(ents)
}
