package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/dsl"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// firstDefHash is DefHash as runs first recorded it, from Definition's
// strings.
func firstDefHash(t *dag.Task) string {
	d := sha256.New()
	for _, c := range t.Definition() {
		d.Write([]byte(strconv.Itoa(len(c.Name)) + ":" + c.Name + strconv.Itoa(len(c.Value)) + ":" + c.Value))
	}
	return hex.EncodeToString(d.Sum(nil)[:16])
}

// firstPlanHash is PlanHash as runs first recorded it: over each task's
// firstDefHash.
func firstPlanHash(plan *dag.Plan) string {
	h := sha256.New()
	field := func(s string) { h.Write([]byte(strconv.Itoa(len(s)) + ":" + s)) }
	for _, t := range plan.Tasks {
		field(t.ID)
		field(firstDefHash(t))
		field(strconv.Itoa(len(t.Deps)))
		for _, dep := range t.Deps {
			field(dep)
		}
		field(strconv.Itoa(len(t.Outputs)))
		for _, o := range t.Outputs {
			field(o.Name)
			field(strconv.FormatBool(o.Keep))
			field(o.Publish)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// TestPlanHashAsRecorded: a plan hashes as it did when its run recorded
// the hash, so that a resume of that run still takes the path that reads
// only the records it needs. The golden values were made by the first
// PlanHash; the repository's workflows, whose tasks hold the checkout's
// directory, are compared with firstPlanHash.
func TestPlanHashAsRecorded(t *testing.T) {
	seg := dag.Placeholder(dag.SegmentRef{Task: "split[a]", Output: "part"})
	golden := []struct {
		name string
		plan *dag.Plan
		want string
	}{
		{"empty", &dag.Plan{}, "e3b0c44298fc1c149afbf4c8996fb924"},
		{"wide", widePlan(t, 5000), "fa5f833bf86a89e990310a73f8cabd90"},
		{"chain with segments", &dag.Plan{Tasks: []*dag.Task{
			{ID: "split[a]", Stage: "split", Key: "a", Keyed: true, Argv: []string{"split", "a"}, Dir: "/w",
				Outputs: []dag.Output{{Name: "part", Size: 1 << 20, MinSize: 1}}},
			{ID: "merge", Stage: "merge", Script: "cat " + seg + "\necho done", Dir: "/w", Deps: []string{"split[a]"},
				Env: map[string]string{"B": "1", "A": seg}, EnvPassthrough: []string{"PATH", "HOME"},
				Inputs:  []dag.Input{{Name: "parts", From: []dag.SegmentRef{{Task: "split[a]", Output: "part"}}}},
				Outputs: []dag.Output{{Name: "all", Keep: true, Publish: "/out/all"}}},
		}}, "411063e7e43cfc3654437297ae224269"},
	}
	for _, c := range golden {
		t.Run(c.name, func(t *testing.T) {
			if got := PlanHash(c.plan); got != c.want {
				t.Errorf("PlanHash %s, recorded %s", got, c.want)
			}
		})
	}
	files, err := filepath.Glob("../workflows/*/*.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	files = append(files, "../workflows/quickstart.hcl")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			plan, diags := dsl.NewParser().Load(f, dsl.Options{})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if got, want := PlanHash(plan), firstPlanHash(plan); got != want {
				t.Errorf("PlanHash %s, as first recorded %s", got, want)
			}
		})
	}
}

// TestResumeOfARunOfTheFirstHashes: a run whose definitions and plan were
// hashed by the first DefHash and PlanHash resumes with only its failed
// tasks run again, and reads only their records (the plan hashes as it
// recorded).
func TestResumeOfARunOfTheFirstHashes(t *testing.T) {
	seg := dag.Placeholder(dag.SegmentRef{Task: "x", Output: "o"})
	var tasks []*dag.Task
	for i := range 40 {
		key := strconv.Itoa(i)
		task := &dag.Task{ID: "w[" + key + "]", Stage: "w", Key: key, Keyed: true, Pool: "default", Dir: "/w"}
		switch i % 4 {
		case 0:
			task.Argv = []string{"run", key, "--in=" + seg}
		case 1:
			task.Script = "echo " + key + "\necho done"
			task.Argv = []string{"/bin/sh", "-eu", "-c", task.Script, task.ID}
		case 2:
			task.Argv = []string{"env"}
			task.Env = map[string]string{"KEY": key, "A": "1"}
			task.EnvPassthrough = []string{"PATH", "HOME"}
		case 3:
			task.Argv = []string{"deps", key}
			task.Deps = []string{"w[" + strconv.Itoa(i-1) + "]"}
		}
		tasks = append(tasks, task)
	}
	g, err := dag.New(tasks)
	if err != nil {
		t.Fatal(err)
	}
	plan := &dag.Plan{Name: "first", Tasks: tasks, Graph: g}
	for _, c := range []struct {
		name   string
		failed []string
		want   []string
	}{
		{"one failed", []string{"w[5]"}, []string{"w[5]"}},
		{"a failed task's dependent runs again", []string{"w[6]"}, []string{"w[6]", "w[7]"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := store.Open(filepath.Join(t.TempDir(), "state"), store.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ended := map[string]event.TaskState{}
			for _, id := range c.failed {
				ended[id] = event.TaskFailed
			}
			from := journal(t, st, plan, runOf{id: "r1", planHash: firstPlanHash(plan), ended: ended, defHash: firstDefHash})
			before := st.TaskReads()
			r, err := Decide(st, plan, from)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Order, c.want) {
				t.Errorf("runs again %v, want %v", r.Order, c.want)
			}
			if reads := st.TaskReads() - before; reads > uint64(len(c.failed)) {
				t.Errorf("decoded %d records, want at most %d: the plan hash did not match", reads, len(c.failed))
			}
		})
	}
}
