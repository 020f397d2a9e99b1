package ui

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/store"
)

// journaled copies run id of state dir src into dst as an engine leaves
// it: its events through a store journal (which writes summary.json), its
// graph.json and outline.json (stages of more than wide tasks as groups),
// and its logs.
func journaled(t testing.TB, src, dst, id string, wide int) {
	t.Helper()
	from := filepath.Join(src, "runs", id)
	var rec store.RunRecord
	b, err := os.ReadFile(filepath.Join(from, "run.json"))
	if err != nil || json.Unmarshal(b, &rec) != nil {
		t.Fatalf("run.json: %v", err)
	}
	events, err := store.ReadEvents(src, id)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dst, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	rec.State, rec.StateDir = "", dst
	j, err := st.Journal(rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if err := j.Record(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(dst, "runs", id)
	err = filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(from, p)
		if err != nil || d.IsDir() || rel == "run.json" || rel == "events.jsonl" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		os.MkdirAll(filepath.Dir(filepath.Join(to, rel)), 0o700)
		return os.WriteFile(filepath.Join(to, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := dag.ReadJSON(filepath.Join(to, "graph.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(to, "outline.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := dag.WriteOutlineJSON(f, &dag.Plan{Name: g.Name, Settings: g.Settings, Pools: g.Pools, Tasks: g.Tasks}, wide); err != nil {
		t.Fatal(err)
	}
}

// TestQuickMatchesEvents: a finished run with its outline and summary
// answers the first view, the table's failures and a task's panel as its
// whole event log does, without reading that log.
func TestQuickMatchesEvents(t *testing.T) {
	full, quick := t.TempDir(), t.TempDir()
	wideRun(t, full, "r1", 30, 7, 21)
	journaled(t, full, quick, "r1", dag.OutlineWide)
	_, fhs := startServer(t, Options{StateDir: full})
	qs, qhs := startServer(t, Options{StateDir: quick})

	// Each answer, reduced to what the page uses of it.
	type reduce func(t *testing.T, base string) string
	overview := func(q string) reduce {
		return func(t *testing.T, base string) string {
			var o Overview
			getJSON(t, base+"/api/runs/r1/overview"+q, &o)
			var ids, edges, groups []string
			for _, x := range o.Tasks {
				ids = append(ids, x.ID)
			}
			for _, e := range o.Edges {
				edges = append(edges, e.From+">"+e.To+fmt.Sprint(e.Segments))
			}
			for _, g := range o.Groups {
				groups = append(groups, fmt.Sprint(g.Stage, g.Pool, g.Tasks, g.Counts, g.Retried))
			}
			slices.Sort(ids)
			slices.Sort(edges)
			return fmt.Sprint(o.Name, o.All, ids, edges, groups)
		}
	}
	rows := func(q string) reduce {
		return func(t *testing.T, base string) string {
			var r Rows
			getJSON(t, base+"/api/runs/r1/tasks"+q, &r)
			var out []string
			for _, x := range r.Rows {
				out = append(out, fmt.Sprint(x.Task.ID, x.Task.Stage, x.Task.Key, x.Task.Pool, x.View.State, len(x.View.Attempts), reasonText(&x.View)))
			}
			return fmt.Sprint(r.Total, r.All, r.Counts, r.Stages, r.Index, out)
		}
	}
	detail := func(task string) reduce {
		return func(t *testing.T, base string) string {
			var d TaskDetail
			getJSON(t, base+"/api/runs/r1/task?task="+task, &d)
			return fmt.Sprint(d.Task.ID, d.Task.Argv, d.Task.Deps, d.Pool.Name, d.State, d.Message, len(d.Attempts), len(d.Logs))
		}
	}
	snapshot := func(q string) reduce {
		return func(t *testing.T, base string) string {
			ch, _, stop := openStream(t, base+"/api/runs/r1/events"+q, "")
			defer stop()
			var snap Snapshot
			if err := json.Unmarshal([]byte(next(t, ch).data), &snap); err != nil {
				t.Fatal(err)
			}
			var out []string
			for id, v := range snap.Tasks {
				out = append(out, fmt.Sprint(id, v.State, len(v.Attempts)))
			}
			slices.Sort(out)
			return fmt.Sprint(snap.Seq, snap.Run.State, snap.Run.Counts, out)
		}
	}
	for _, c := range []struct {
		name string
		get  reduce
	}{
		{"overview, grouped", overview("?wide=20")},
		{"overview, at the outline's threshold", overview("")},
		{"groups", func(t *testing.T, base string) string {
			var g GroupCounts
			getJSON(t, base+"/api/runs/r1/groups?wide=20", &g)
			return fmt.Sprint(g.Groups, g.Run.State, g.Run.Counts)
		}},
		{"snapshot of the overview", snapshot("?overview=1&wide=20")},
		{"failures in the table", rows("?state=failed&wide=20")},
		{"failures of one stage, sorted by tries", rows("?state=failed&stage=noop&sort=tries&dir=-1")},
		{"a narrow stage", rows("?stage=prep")},
		{"the first page, failures first", rows("?offset=0&limit=2")},
		{"a wide stage's first page", rows("?stage=noop&offset=0&limit=2")},
		{"the first page, past the failures", rows("?offset=0&limit=10")},
		{"a page across two states", rows("?offset=25&limit=10")},
		{"a wide stage's page past its failures", rows("?stage=noop&offset=1&limit=5")},
		{"a page past the end", rows("?offset=40&limit=10")},
		{"where a failure is", rows("?find=noop%5B21%5D&limit=0")},
		{"a search, from the task table", rows("?q=noop%5B2&limit=5")},
		{"a search of reasons", rows("?q=EXIT")},
		{"sorted by key, down", rows("?sort=key&dir=-1&offset=3&limit=6")},
		{"sorted by tries", rows("?sort=tries&dir=-1&limit=4")},
		{"the cancelled", rows("?state=cancelled&offset=2&limit=5")},
		{"a wide stage sorted by peak", rows("?stage=noop&sort=peak&dir=-1&limit=5")},
		{"the failures once the table is built", rows("?state=failed&wide=20")},
		{"a failed task's panel", detail("noop[7]")},
		{"a cancelled task's panel", detail("noop[3]")},
		{"a narrow task's panel", detail("prep")},
	} {
		t.Run(c.name, func(t *testing.T) {
			want, got := c.get(t, fhs.URL), c.get(t, qhs.URL)
			if got != want {
				t.Errorf("from the outline and summary:\n%s\nfrom the events:\n%s", got, want)
			}
		})
	}
	qs.mu.Lock()
	h := qs.hubs["r1"]
	qs.mu.Unlock()
	if h == nil || h.quick() == nil {
		t.Fatal("the run was not read from its outline and summary")
	}
	if n := len(h.events); n != 0 {
		t.Errorf("%d events read into the hub: the first view read the whole log", n)
	}
}

// TestQuickNeedsAllThree: without outline.json, summary.json or the run's
// end, the run is read from its events.
func TestQuickNeedsAllThree(t *testing.T) {
	for _, missing := range []string{"", "outline.json", "summary.json", "run.json ended"} {
		t.Run(missing, func(t *testing.T) {
			full, quick := t.TempDir(), t.TempDir()
			wideRun(t, full, "r1", 3, 1)
			journaled(t, full, quick, "r1", dag.OutlineWide)
			dir := filepath.Join(quick, "runs", "r1")
			switch {
			case strings.HasSuffix(missing, ".json"):
				if err := os.Remove(filepath.Join(dir, missing)); err != nil {
					t.Fatal(err)
				}
			case missing != "":
				var rec store.RunRecord
				b, _ := os.ReadFile(filepath.Join(dir, "run.json"))
				json.Unmarshal(b, &rec)
				rec.Ended, rec.State = time.Time{}, store.RunRunning
				writeJSONFile(t, filepath.Join(dir, "run.json"), rec)
			}
			s, err := New(Options{StateDir: quick})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			h, err := s.checkRun("r1")
			if err != nil {
				t.Fatal(err)
			}
			if got := h.quick() != nil; got != (missing == "") {
				t.Errorf("quick reading %v, want %v", got, missing == "")
			}
		})
	}
}
