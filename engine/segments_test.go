package engine

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weirflow/weir/dag"
)

// TestSegmentRouter checks that each task's segments live in the shm_dir
// of its pool, that readers find them there, and that the end of a run
// removes every segment of the run but what it keeps, and its close every
// directory left empty.
func TestSegmentRouter(t *testing.T) {
	root := t.TempDir()
	main, shared := filepath.Join(root, "main"), filepath.Join(root, "shared")
	tasks := []*dag.Task{
		{ID: "local", Stage: "local", Pool: "default", Outputs: []dag.Output{{Name: "rows"}}},
		{ID: "cluster", Stage: "cluster", Pool: "hpc", Outputs: []dag.Output{{Name: "sum", Keep: true}}, Deps: []string{"local"}},
		{ID: "same", Stage: "same", Pool: "alias", Outputs: []dag.Output{{Name: "page"}}},
	}
	g, err := dag.New(tasks)
	if err != nil {
		t.Fatal(err)
	}
	plan := &dag.Plan{
		Name:  "router",
		Tasks: tasks,
		Graph: g,
		Pools: []*dag.Pool{
			{Name: "default", Executor: "local", Processes: 1},
			{Name: "hpc", Executor: "slurm", Processes: 4, ShmDir: shared},
			{Name: "alias", Executor: "local", Processes: 1, ShmDir: main}, // the workflow's own: no second directory
		},
		Settings: dag.Settings{ShmDir: main},
	}
	r, err := openSegments(plan, "run1")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.poolOf) != 1 {
		t.Errorf("the router holds the pools of %d tasks, want only cluster's, whose pool has a directory of its own", len(r.poolOf))
	}
	if dirs := r.Dirs(); len(dirs) != 2 || dirs[0] != filepath.Join(main, "run1") || dirs[1] != filepath.Join(shared, "run1") {
		t.Fatalf("Dirs() = %v, want the workflow's run dir, then the hpc pool's", dirs)
	}
	for _, tt := range []struct {
		task, output, under string
	}{
		{"local", "rows", main},
		{"cluster", "sum", shared},
		{"same", "page", main},
	} {
		ref := dag.SegmentRef{Task: tt.task, Output: tt.output}
		path := r.Path(ref)
		if !strings.HasPrefix(path, filepath.Join(tt.under, "run1")+"/") {
			t.Errorf("Path(%v) = %s, want it under %s", ref, path, tt.under)
		}
		if r.Partial(ref) == path || !strings.HasPrefix(r.Partial(ref), filepath.Dir(path)) {
			t.Errorf("Partial(%v) = %s, want a different name beside %s", ref, r.Partial(ref), path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(tt.output), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := r.Size(ref); got != int64(len(tt.output)) {
			t.Errorf("Size(%v) = %d, want %d", ref, got, len(tt.output))
		}
	}
	kept := r.Path(dag.SegmentRef{Task: "cluster", Output: "sum"})
	if err := r.Remove(map[string]bool{kept: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("the kept segment is gone: %v", err)
	}
	for _, gone := range []string{r.Path(dag.SegmentRef{Task: "local", Output: "rows"}), r.Path(dag.SegmentRef{Task: "same", Output: "page"})} {
		if _, err := os.Stat(gone); err == nil {
			t.Errorf("%s is still there after Remove", gone)
		}
	}
	r.close(io.Discard)
	if _, err := os.Lstat(filepath.Join(main, "run1")); err == nil {
		t.Errorf("the workflow's run dir, left empty, is still there after close")
	}
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("close removed the kept segment: %v", err)
	}
}
