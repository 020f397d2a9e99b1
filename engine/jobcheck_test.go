package engine

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/executor/local/proc"
	"github.com/weirflow/weir/store"
	"github.com/weirflow/weir/store/storetest"
)

func TestCheckJobHandle(t *testing.T) {
	tests := []struct {
		name   string
		handle string
		ok     bool
	}{
		{"job", `{"job_id":"4711","job_name":"weir-r1-extract-1"}`, true},
		{"array element", `{"job_id":"4711_3","job_name":"weir-r1-shard-array"}`, true},
		{"name only", `{"job_name":"weir-r1-extract-2"}`, true},
		{"an option for an id", `{"job_id":"--me","job_name":"weir-r1-extract-1"}`, false},
		{"a list of ids", `{"job_id":"4711,4712","job_name":"weir-r1-extract-1"}`, false},
		{"an array range", `{"job_id":"4711_[0-9]","job_name":"weir-r1-extract-1"}`, false},
		{"another run's name", `{"job_id":"4711","job_name":"weir-r2-extract-1"}`, false},
		{"a name that is a prefix", `{"job_id":"4711","job_name":"weir-r1"}`, false},
		{"a name with a comma", `{"job_id":"4711","job_name":"weir-r1-a,weir-r2-b"}`, false},
		{"no name", `{"job_id":"4711"}`, false},
		{"nothing", `{}`, false},
		{"not JSON", `4711`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checkJobHandle("r1", "extract", 1, []byte(tt.handle), false)
			if (err == nil) != tt.ok {
				t.Fatalf("checkJobHandle = %v, want ok %v", err, tt.ok)
			}
			if err != nil && (!errors.Is(err, store.ErrUnsafe) || !strings.Contains(err.Error(), "run r1, task extract, attempt 1")) {
				t.Errorf("error %q does not name the record", err)
			}
		})
	}
}

// TestEndLostJobsRefusesCraftedHandles: a lost run's handles that name no
// job of that run are not cancelled, and the warning says which; a sound
// one is cancelled by its name, for the user's own jobs only.
func TestEndLostJobsRefusesCraftedHandles(t *testing.T) {
	if err := proc.Init(); err != nil { // the Slurm client runs its commands through proc
		t.Fatal(err)
	}
	bin := t.TempDir()
	calls := filepath.Join(bin, "calls")
	script := "#!/bin/sh\necho \"$@\" >> " + calls + "\n"
	if err := os.WriteFile(filepath.Join(bin, "scancel"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	lost := map[string][]store.AttemptRecord{"r1": {
		{Task: "a", N: 1, Handle: []byte(`{"job_id":"--me","job_name":"weir-r1-a-1"}`)},
		{Task: "b", N: 1, Handle: []byte(`{"job_id":"9","job_name":"weir-other-b-1"}`)},
		{Task: "c", N: 2, Handle: []byte(`{"job_id":"12","job_name":"weir-r1-c-2"}`)},
		{Task: "d", N: 1, Handle: []byte(`{"pid":42,"start_time":7}`)}, // a local attempt's
	}}
	var log bytes.Buffer
	endLostJobs(&log, []string{"PATH=" + bin, "USER=me"}, lost, "")
	b, _ := os.ReadFile(calls)
	if got, want := string(b), "--name=weir-r1-c-2 --user=me\n"; got != want {
		t.Errorf("scancel ran with %q, want %q", got, want)
	}
	for _, want := range []string{"task a, attempt 1", "task b, attempt 1", "cancelled 1 job"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log %q does not say %q", log.String(), want)
		}
	}
}

// TestReattachRefusesLinks: the old run's log directory or a partial
// output its job wrote that is a link is refused, and nothing is linked,
// moved or removed through it.
func TestReattachRefusesLinks(t *testing.T) {
	root := t.TempDir()
	task := &dag.Task{ID: "watched", Stage: "watched", Pool: "hpc", Outputs: []dag.Output{{Name: "rows"}}}
	g, err := dag.New([]*dag.Task{task})
	if err != nil {
		t.Fatal(err)
	}
	plan := &dag.Plan{Name: "ra", Tasks: []*dag.Task{task}, Graph: g,
		Pools:    []*dag.Pool{{Name: "hpc", Executor: "slurm", Processes: 2}},
		Settings: dag.Settings{ShmDir: filepath.Join(root, "shm"), StateDir: filepath.Join(root, "state")}}
	victim := filepath.Join(root, "victim")
	write(t, filepath.Join(victim, "secret"), "secret")
	oldSegs, err := openSegments(plan, "old")
	if err != nil {
		t.Fatal(err)
	}
	oldLayout := store.DirLayout{Root: RunDir(plan, "old")}
	olds := map[string]oldAttempt{"watched": {n: 1, layout: oldLayout, segs: oldSegs}}

	// The log bucket of the old run is a link to the victim's directory.
	stdout, _ := oldLayout.Logs("watched", 1)
	if err := os.MkdirAll(filepath.Dir(filepath.Dir(stdout)), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Dir(stdout)); err != nil {
		t.Fatal(err)
	}
	if err := linkOldFiles(RunDir(plan, "new"), olds); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("linkOldFiles = %v, want a refusal of the link", err)
	}
	if ents, _ := os.ReadDir(victim); len(ents) != 1 {
		t.Errorf("the victim's directory holds %d files, want its 1", len(ents))
	}

	// The partial output the job wrote is a link to the victim's file.
	partial := oldSegs.Partial(dag.SegmentRef{Task: "watched", Output: "rows"})
	if err := os.MkdirAll(filepath.Dir(partial), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(victim, "secret"), partial); err != nil {
		t.Fatal(err)
	}
	newSegs, err := openSegments(plan, "new")
	if err != nil {
		t.Fatal(err)
	}
	for name, step := range map[string]func(s reattachSegments) error{
		"Commit":  func(s reattachSegments) error { _, _, err := s.Commit(task); return err },
		"Prepare": func(s reattachSegments) error { return s.Prepare(task) },
	} {
		s := reattachSegments{segmentRouter: newSegs, old: map[string]oldAttempt{"watched": olds["watched"]}}
		if err := step(s); err == nil || !strings.Contains(err.Error(), "is a symbolic link") {
			t.Errorf("%s = %v, want a refusal of the link", name, err)
		}
		if _, err := os.Lstat(partial); err != nil {
			t.Errorf("%s removed or moved the link: %v", name, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(victim, "secret")); string(b) != "secret" {
		t.Errorf("the victim's file reads %q", b)
	}
}

// TestFindReattachRefusesCraftedHandles: a resume whose run records a
// Slurm attempt with a handle naming no job of that run refuses to
// re-attach, naming the record, instead of watching (and later
// cancelling) whatever job the handle names.
func TestFindReattachRefusesCraftedHandles(t *testing.T) {
	tests := []struct {
		name   string
		handle string
		ok     bool
	}{
		{"its own job", `{"job_id":"4711","job_name":"weir-r1-a-1"}`, true},
		{"another run's job", `{"job_id":"4711","job_name":"weir-r0-a-1"}`, false},
		{"an option", `{"job_id":"-u","job_name":"weir-r1-a-1"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			state := filepath.Join(root, "state")
			task := &dag.Task{ID: "a", Stage: "a", Pool: "hpc", Argv: []string{"true"}}
			g, err := dag.New([]*dag.Task{task})
			if err != nil {
				t.Fatal(err)
			}
			plan := &dag.Plan{Name: "ra", Tasks: []*dag.Task{task}, Graph: g,
				Pools:    []*dag.Pool{{Name: "hpc", Executor: "slurm", Processes: 1}},
				Settings: dag.Settings{ShmDir: filepath.Join(root, "shm"), StateDir: state}}
			from := store.RunRecord{ID: "r1", Workflow: "/w/ra.hcl", State: store.RunLost}
			storetest.Put(t, state, storetest.Records{
				Runs:     []store.RunRecord{from},
				Tasks:    map[string][]store.TaskRecord{"r1": {{ID: "a", State: event.TaskFailed, Attempts: 1}}},
				Attempts: map[string][]store.AttemptRecord{"r1": {{Task: "a", N: 1, Handle: []byte(tt.handle), Result: &event.Result{Reason: event.Lost}}}},
			})
			st, err := store.Open(state, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			states, _, err := findReattach(st, plan, from, nil)
			if tt.ok {
				if err != nil || string(states["a"]) != tt.handle {
					t.Fatalf("findReattach = %q, %v; want the job", states["a"], err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "run r1, task a, attempt 1") {
				t.Fatalf("findReattach = %q, %v; want a refusal naming the record", states, err)
			}
		})
	}
}

// isSlurmJobName accepts exactly what `^[A-Za-z0-9._%-]{1,512}$` matches.
func TestIsSlurmJobName(t *testing.T) {
	grammar := regexp.MustCompile(`^[A-Za-z0-9._%-]{1,512}$`)
	names := []string{"weir-20261126-071512-3fa9c1-align_s1-1", "a", "%", strings.Repeat("x", 512),
		strings.Repeat("x", 513), "", "a b", "a/b", "a\n", "a*", "é", "a,b", "a|b"}
	for _, n := range names {
		if got, want := isSlurmJobName(n), grammar.MatchString(n); got != want {
			t.Errorf("isSlurmJobName(%q) = %v, want %v", n, got, want)
		}
	}
}
