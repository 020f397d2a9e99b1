package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/shm"
	"github.com/weirflow/weir/store"
)

// chain is extract -> summarise -> report: extract's rows are read by
// summarise, summarise's sum by report, and report's page is published.
type chain struct {
	dir     string
	plan    *dag.Plan
	records map[string]store.TaskRecord
}

func newChain(t *testing.T) *chain {
	t.Helper()
	dir := t.TempDir()
	mk := func(id string, out dag.Output, from ...dag.SegmentRef) *dag.Task {
		task := &dag.Task{ID: id, Stage: id, Pool: "default", Argv: []string{"true"}, Outputs: []dag.Output{out}}
		for _, ref := range from {
			task.Deps = append(task.Deps, ref.Task)
			task.Inputs = append(task.Inputs, dag.Input{Name: ref.Output, From: []dag.SegmentRef{ref}})
		}
		return task
	}
	tasks := []*dag.Task{
		mk("extract", dag.Output{Name: "rows"}),
		mk("summarise", dag.Output{Name: "sum"}, dag.SegmentRef{Task: "extract", Output: "rows"}),
		mk("report", dag.Output{Name: "page", Publish: filepath.Join(dir, "published", "page.html")}, dag.SegmentRef{Task: "summarise", Output: "sum"}),
	}
	g, err := dag.New(tasks)
	if err != nil {
		t.Fatal(err)
	}
	c := &chain{dir: dir, plan: &dag.Plan{Name: "chain", Tasks: tasks, Graph: g}, records: map[string]store.TaskRecord{}}
	if err := os.MkdirAll(filepath.Join(dir, "published"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		out := task.Outputs[0]
		path := c.segment(task.ID)
		write(t, path, task.ID+" made "+out.Name)
		size, hash, err := shm.Hash(path)
		if err != nil {
			t.Fatal(err)
		}
		if out.Publish != "" {
			write(t, out.Publish, task.ID+" made "+out.Name)
		}
		c.records[task.ID] = store.TaskRecord{ID: task.ID, State: event.TaskSucceeded, Attempts: 1, DefHash: task.DefHash(),
			Outputs: []store.OutputRecord{{Name: out.Name, Path: path, Size: size, Hash: hash}}}
	}
	return c
}

func (c *chain) segment(task string) string { return filepath.Join(c.dir, "shm", task) }

func (c *chain) release(t *testing.T, tasks ...string) {
	t.Helper()
	for _, task := range tasks {
		if err := os.Remove(c.segment(task)); err != nil {
			t.Fatal(err)
		}
	}
}

func (c *chain) record(task string, edit func(*store.TaskRecord)) {
	r := c.records[task]
	edit(&r)
	c.records[task] = r
}

func TestDecideReuse(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, c *chain)
		// want is, per task, "" when it is reused, else a part of why it
		// runs again.
		want map[string]string
	}{{
		name:  "a failed run's segments are all there",
		setup: func(*testing.T, *chain) {},
		want:  map[string]string{"extract": "", "summarise": "", "report": ""},
	}, {
		name:  "a succeeded run released its segments and published the page",
		setup: func(t *testing.T, c *chain) { c.release(t, "extract", "summarise", "report") },
		want:  map[string]string{"extract": "", "summarise": "", "report": ""},
	}, {
		name: "the published page changed while its segment is there",
		setup: func(t *testing.T, c *chain) {
			write(t, c.plan.Task("report").Outputs[0].Publish, "edited by hand")
		},
		want: map[string]string{"extract": "", "summarise": "", "report": ""},
	}, {
		name: "the published page changed and its segment was released",
		setup: func(t *testing.T, c *chain) {
			c.release(t, "extract", "summarise", "report")
			write(t, c.plan.Task("report").Outputs[0].Publish, "edited by hand")
		},
		want: map[string]string{"extract": "output rows is gone", "summarise": "output sum is gone", "report": "output page is gone"},
	}, {
		name: "a definition changed in the middle",
		setup: func(t *testing.T, c *chain) {
			c.record("summarise", func(r *store.TaskRecord) { r.DefHash = "older" })
		},
		want: map[string]string{"extract": "", "summarise": "its definition changed", "report": "an input changed: summarise runs again"},
	}, {
		name: "a definition changed after the producer's segment was released",
		setup: func(t *testing.T, c *chain) {
			c.release(t, "extract")
			c.record("summarise", func(r *store.TaskRecord) { r.DefHash = "older" })
		},
		want: map[string]string{"extract": "output rows is gone", "summarise": "its definition changed", "report": "an input changed"},
	}, {
		name: "a task failed",
		setup: func(t *testing.T, c *chain) {
			c.record("report", func(r *store.TaskRecord) {
				r.State, r.Last = event.TaskFailed, &event.Result{Reason: event.Exit, ExitCode: 3}
			})
		},
		want: map[string]string{"extract": "", "summarise": "", "report": "failed last time (exit 3)"},
	}, {
		name: "a task was lost with its engine",
		setup: func(t *testing.T, c *chain) {
			c.record("report", func(r *store.TaskRecord) { r.State, r.Last = event.TaskFailed, &event.Result{Reason: event.Lost} })
		},
		want: map[string]string{"extract": "", "summarise": "", "report": "lost last time"},
	}, {
		name:  "a task never ran",
		setup: func(t *testing.T, c *chain) { delete(c.records, "report") },
		want:  map[string]string{"extract": "", "summarise": "", "report": "never ran"},
	}, {
		name: "a task was running when the engine stopped",
		setup: func(t *testing.T, c *chain) {
			c.record("summarise", func(r *store.TaskRecord) { r.State = event.Running })
		},
		want: map[string]string{"extract": "", "summarise": "did not finish", "report": "an input changed"},
	}, {
		name: "a segment changed after its commit, and its reader runs again",
		setup: func(t *testing.T, c *chain) {
			write(t, c.segment("extract"), "tampered")
			c.record("summarise", func(r *store.TaskRecord) { r.State = event.TaskCancelled })
		},
		want: map[string]string{"extract": "output rows changed since it was committed", "summarise": "cancelled last time", "report": "an input changed"},
	}, {
		name: "a segment was never hashed, and its reader runs again",
		setup: func(t *testing.T, c *chain) {
			c.record("extract", func(r *store.TaskRecord) { r.Outputs[0].Hash = "" })
			c.record("summarise", func(r *store.TaskRecord) { r.State = event.Skipped })
		},
		want: map[string]string{"extract": "was never verified", "summarise": "skipped last time", "report": "an input changed"},
	}, {
		name: "an output to keep was removed",
		setup: func(t *testing.T, c *chain) {
			c.plan.Task("report").Outputs[0].Keep = true
			c.record("report", func(r *store.TaskRecord) { r.DefHash = c.plan.Task("report").DefHash() })
			c.release(t, "report")
		},
		want: map[string]string{"extract": "", "summarise": "", "report": "output page is gone"},
	}} {
		t.Run(tt.name, func(t *testing.T) {
			c := newChain(t)
			tt.setup(t, c)
			r := DecideReuse(c.plan, store.RunRecord{ID: "earlier"}, c.records)
			var again []string
			for _, task := range c.plan.Tasks {
				want := tt.want[task.ID]
				switch {
				case want == "" && !r.Keep.Has(task.ID):
					t.Errorf("%s runs again (%s), want it reused", task.ID, r.Why[task.ID])
				case want != "" && r.Keep.Has(task.ID):
					t.Errorf("%s is reused, want it to run again: %s", task.ID, want)
				case want != "" && !strings.Contains(r.Why[task.ID], want):
					t.Errorf("%s runs again because %q, want %q", task.ID, r.Why[task.ID], want)
				}
				if !r.Keep.Has(task.ID) {
					again = append(again, task.ID)
				}
			}
			if strings.Join(r.Order, ",") != strings.Join(again, ",") {
				t.Errorf("Order = %v, want %v in plan order", r.Order, again)
			}
		})
	}
}
