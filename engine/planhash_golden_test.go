package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/dsl"
)

// firstPlanHash is PlanHash as runs first recorded it: over each task's
// DefHash made from its Definition's strings.
func firstPlanHash(plan *dag.Plan) string {
	h := sha256.New()
	field := func(s string) { h.Write([]byte(strconv.Itoa(len(s)) + ":" + s)) }
	for _, t := range plan.Tasks {
		d := sha256.New()
		for _, c := range t.Definition() {
			d.Write([]byte(strconv.Itoa(len(c.Name)) + ":" + c.Name + strconv.Itoa(len(c.Value)) + ":" + c.Value))
		}
		field(t.ID)
		field(hex.EncodeToString(d.Sum(nil)[:16]))
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
