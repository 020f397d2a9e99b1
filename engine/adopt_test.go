package engine

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/shmtest"
	"github.com/weirflow/weir/shm"
	"github.com/weirflow/weir/store"
	"github.com/weirflow/weir/store/storetest"
)

// adoptCase is a run r1 of a one-task plan whose store says its output is
// at a path the test chooses: a state dir copied from someone else.
type adoptCase struct {
	root, state, shmDir, victim string
	plan                        *dag.Plan
	from                        store.RunRecord
}

func newAdoptCase(t *testing.T) *adoptCase {
	t.Helper()
	root := shmtest.TempDir(t)
	c := &adoptCase{root: root, state: filepath.Join(root, "state"), shmDir: filepath.Join(root, "shm"), victim: filepath.Join(root, "victim", "rows")}
	task := &dag.Task{ID: "extract", Stage: "extract", Pool: "default", Argv: []string{"true"}, Outputs: []dag.Output{{Name: "rows", Keep: true}}}
	g, err := dag.New([]*dag.Task{task})
	if err != nil {
		t.Fatal(err)
	}
	c.plan = &dag.Plan{Name: "adopt", Tasks: []*dag.Task{task}, Graph: g, Settings: dag.Settings{StateDir: c.state, ShmDir: c.shmDir}}
	c.from = store.RunRecord{ID: "r1", Workflow: "/w/adopt.hcl", ShmDir: filepath.Join(c.shmDir, "r1"), State: store.RunFailed}
	write(t, c.victim, "someone's rows")
	for _, d := range []string{filepath.Join(c.shmDir, "r1", "extract"), filepath.Join(c.state, "runs", "r1")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// put records extract as succeeded with its output at path, hashed as
// the victim is, so that only the path check stands between a resume and
// the victim.
func (c *adoptCase) put(t *testing.T, path string) {
	t.Helper()
	size, hash, err := shm.Hash(c.victim)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Put(t, c.state, storetest.Records{
		Runs: []store.RunRecord{c.from},
		Tasks: map[string][]store.TaskRecord{"r1": {{ID: "extract", State: event.TaskSucceeded, Attempts: 1, DefHash: c.plan.Tasks[0].DefHash(),
			Outputs: []store.OutputRecord{{Name: "rows", Path: path, Size: size, Hash: hash}}}}},
	})
}

func (c *adoptCase) own() string { return filepath.Join(c.shmDir, "r1", "extract", "rows") }

func links(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(fi.Sys().(*syscall.Stat_t).Nlink)
}

// TestDecideRefusesCraftedOutputs: a resume (and weir why, through
// ChainTasks) refuses a reused task whose recorded output is anywhere but
// <shm_dir>/<run>/<task>/<output>, or is reached through a link, and says
// which record; nothing is linked or adopted.
func TestDecideRefusesCraftedOutputs(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, c *adoptCase) string // the recorded path
	}{
		{"outside the run", func(t *testing.T, c *adoptCase) string { return c.victim }},
		{"a link in the run", func(t *testing.T, c *adoptCase) string {
			if err := os.Symlink(c.victim, c.own()); err != nil {
				t.Fatal(err)
			}
			return c.own()
		}},
		{"the task's directory a link", func(t *testing.T, c *adoptCase) string {
			dir := filepath.Dir(c.own())
			if err := os.Remove(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Dir(c.victim), dir); err != nil {
				t.Fatal(err)
			}
			return c.own()
		}},
		{"climbs out of the run", func(t *testing.T, c *adoptCase) string {
			return filepath.Join(c.shmDir, "r1", "extract") + "/../../../victim/rows"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newAdoptCase(t)
			path := tt.setup(t, c)
			c.put(t, path)
			st, err := store.Open(c.state, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			r, err := Decide(st, c.plan, c.from)
			if err == nil {
				t.Fatalf("Decide accepted output path %s (keep %v)", path, r.Keep.IDs())
			}
			for _, want := range []string{"run r1", "task extract", `output "rows"`, path, "weir run"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
			if _, err := ChainTasks(st, c.from); err == nil {
				t.Error("ChainTasks (weir why) accepted the record")
			}
			if n := links(t, c.victim); n != 1 {
				t.Errorf("the victim has %d links", n)
			}
		})
	}
}

// TestAdoptChecksAgain: an output that passed Decide and was replaced by a
// link before the run adopts it is refused then, and the victim gets no
// second name.
func TestAdoptChecksAgain(t *testing.T) {
	c := newAdoptCase(t)
	b, err := os.ReadFile(c.victim)
	if err != nil {
		t.Fatal(err)
	}
	write(t, c.own(), string(b))
	c.put(t, c.own())
	st, err := store.Open(c.state, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	resume, err := Decide(st, c.plan, c.from)
	if err != nil {
		t.Fatal(err)
	}
	if !resume.Keep.Has("extract") {
		t.Fatalf("the intact output is not reused: %v", resume.Why)
	}
	if err := os.Remove(c.own()); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(c.victim, c.own()); err != nil {
		t.Fatal(err)
	}
	segs, err := openSegments(c.plan, "r2")
	if err != nil {
		t.Fatal(err)
	}
	j, err := st.Journal(store.RunRecord{ID: "r2", Workflow: "/w/adopt.hcl", ShmDir: segs.Dirs()[0], Resumes: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	r := &Run{ID: "r2", o: Options{Plan: c.plan, Store: st, Resume: resume}, segments: segs}
	err = r.recordDefinitions(nil)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("recordDefinitions = %v, want a refusal of the link", err)
	}
	if n := links(t, c.victim); n != 1 {
		t.Errorf("the victim has %d links", n)
	}
	if _, err := os.Lstat(segs.Path(dag.SegmentRef{Task: "extract", Output: "rows"})); err == nil {
		t.Error("something was adopted into the new run")
	}
}
