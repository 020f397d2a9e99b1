package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/shm"
	"github.com/weirflow/weir/store"
)

func TestLastSlurmAttempt(t *testing.T) {
	task := &dag.Task{ID: "shard[a/b]"}
	lost := &event.Result{Reason: event.Lost}
	exit := &event.Result{Reason: event.Exit, ExitCode: 3}
	tests := []struct {
		name     string
		begun    int
		attempts []store.AttemptRecord
		want     string // the handle state re-attached to; "" = none
	}{
		{"never started", 0, nil, ""},
		{"running with its job id", 1, []store.AttemptRecord{{N: 1, Handle: []byte(`{"job_id":"7"}`)}}, `{"job_id":"7"}`},
		{"marked lost when its engine died", 2, []store.AttemptRecord{{N: 1, Result: exit}, {N: 2, Handle: []byte(`{"job_id":"9"}`), Result: lost}}, `{"job_id":"9"}`},
		{"ended while watched", 1, []store.AttemptRecord{{N: 1, Handle: []byte(`{"job_id":"7"}`), Result: exit}}, ""},
		// The engine died between sbatch and the journal's record of the
		// job id: the job is found by its name.
		{"job id never recorded", 2, []store.AttemptRecord{{N: 1, Result: exit}}, `{"job_name":"weir-r1-shard%5Ba%2Fb%5D-2"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := lastSlurmAttempt("r1", task, store.TaskRecord{ID: task.ID, Attempts: tt.begun}, tt.attempts)
			got := ""
			if ok {
				got = string(a.Handle)
				if a.N != tt.begun {
					t.Errorf("attempt %d, want %d", a.N, tt.begun)
				}
			}
			if got != tt.want {
				t.Errorf("state %q, want %q", got, tt.want)
			}
		})
	}
}

// TestReattachedFiles checks that a re-attached attempt is pointed at the
// files its job writes in the old run, and that what it wrote there is
// committed in the new run, while a task whose job is gone starts afresh.
func TestReattachedFiles(t *testing.T) {
	root := t.TempDir()
	tasks := []*dag.Task{
		{ID: "watched", Stage: "watched", Pool: "hpc", Outputs: []dag.Output{{Name: "rows"}}},
		{ID: "afresh", Stage: "afresh", Pool: "hpc", Outputs: []dag.Output{{Name: "rows"}}},
	}
	g, err := dag.New(tasks)
	if err != nil {
		t.Fatal(err)
	}
	plan := &dag.Plan{Name: "ra", Tasks: tasks, Graph: g,
		Pools:    []*dag.Pool{{Name: "hpc", Executor: "slurm", Processes: 2}},
		Settings: dag.Settings{ShmDir: filepath.Join(root, "shm"), StateDir: filepath.Join(root, "state")}}
	oldSegs, err := openSegments(plan, "old")
	if err != nil {
		t.Fatal(err)
	}
	newSegs, err := openSegments(plan, "new")
	if err != nil {
		t.Fatal(err)
	}
	// Committed segments are immutable: only shm.RemoveAll removes them.
	t.Cleanup(func() { shm.RemoveAll(plan.Settings.ShmDir) })
	oldLayout := store.DirLayout{Root: RunDir(plan, "old")}
	olds := map[string]oldAttempt{
		"watched": {n: 2, layout: oldLayout, segs: oldSegs},
		"afresh":  {n: 1, layout: oldLayout, segs: oldSegs},
	}
	// What the jobs wrote before the engine died: a log line and a partial
	// output each.
	for task, o := range olds {
		stdout, _ := o.layout.Logs(task, o.n)
		write(t, stdout, task+" says hello\n")
		write(t, oldSegs.Partial(dag.SegmentRef{Task: task, Output: "rows"}), task+" rows")
	}

	newDir := RunDir(plan, "new")
	if err := linkOldFiles(newDir, olds); err != nil {
		t.Fatal(err)
	}
	stdout, _ := store.DirLayout{Root: newDir}.Logs("watched", 1)
	if b, err := os.ReadFile(stdout); err != nil || string(b) != "watched says hello\n" {
		t.Errorf("the new run's log of the re-attached attempt reads %q, %v", b, err)
	}
	// The scheduler asks the layout by pool and slot, and the slot the
	// new run gives the attempt is not the one the old run gave its job.
	oldRun := newRunLayout(plan, RunDir(plan, "old"))
	layout := newRunLayout(plan, newDir)
	layout.old = olds
	for _, tt := range []struct {
		name          string
		task          string
		slot, attempt int
		want          string
	}{
		{"the re-attached attempt", "watched", 0, 1, executor.TmpDirOf(oldRun, "watched", "hpc", 1, 2)},
		{"a later attempt", "watched", 0, 2, executor.TmpDirOf(newRunLayout(plan, newDir), "watched", "hpc", 1, 2)},
		{"an attempt of a task not re-attached", "other", 1, 1, filepath.Join(newDir, "tmp", "task", "other.1")},
	} {
		if got := executor.TmpDirOf(layout, tt.task, "hpc", tt.slot, tt.attempt); got != tt.want {
			t.Errorf("%s: temporary directory %s, want %s", tt.name, got, tt.want)
		}
	}
	if got, want := executor.TmpDirOf(oldRun, "watched", "hpc", 1, 2), executor.TmpDirOf(oldRun, "watched", "hpc", 0, 2); got != want {
		t.Errorf("a Slurm attempt's temporary directory depends on its slot: %s and %s", got, want)
	}

	segs := reattachSegments{segmentRouter: newSegs, old: olds}
	// The job of "afresh" was gone: its attempt starts over, and the old
	// partial output must not be taken for the new attempt's.
	if err := segs.Prepare(tasks[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(oldSegs.Partial(dag.SegmentRef{Task: "afresh", Output: "rows"})); err == nil {
		t.Error("the old job's partial output is still there after a fresh start")
	}
	committed, missing, err := segs.Commit(tasks[0])
	if err != nil || len(missing) > 0 {
		t.Fatalf("Commit of the re-attached job's output: %v, missing %v", err, missing)
	}
	if len(committed) != 1 || !strings.HasPrefix(committed[0].Path, newSegs.Dirs()[0]+"/") {
		t.Fatalf("committed %+v, want one output in the new run's %s", committed, newSegs.Dirs()[0])
	}
	if b, err := os.ReadFile(committed[0].Path); err != nil || string(b) != "watched rows" {
		t.Errorf("the committed output reads %q, %v", b, err)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
