package engine

import (
	"encoding/hex"
	"testing"

	"github.com/weirflow/weir/dag"
)

// TestPlanHash: the hash changes with everything a resume's decision
// reads of a plan, and with nothing else.
func TestPlanHash(t *testing.T) {
	plan := func(edit func(a, b *dag.Task)) *dag.Plan {
		a := &dag.Task{ID: "a", Stage: "a", Pool: "cpu", Argv: []string{"make", "a"}, Outputs: []dag.Output{{Name: "rows"}}}
		b := &dag.Task{ID: "b", Stage: "b", Pool: "cpu", Argv: []string{"make", "b"}, Deps: []string{"a"},
			Inputs: []dag.Input{{Name: "rows", From: []dag.SegmentRef{{Task: "a", Output: "rows"}}}}}
		if edit != nil {
			edit(a, b)
		}
		return &dag.Plan{Tasks: []*dag.Task{a, b}}
	}
	base := PlanHash(plan(nil))
	cases := []struct {
		name    string
		edit    func(a, b *dag.Task)
		changed bool
	}{
		{"the same plan", func(a, b *dag.Task) {}, false},
		{"a pool or memory cap, which no decision reads", func(a, b *dag.Task) { a.Pool, a.Memory = "gpu", 1<<30 }, false},
		{"a command", func(a, b *dag.Task) { a.Argv[1] = "A" }, true},
		{"a dependency", func(a, b *dag.Task) { b.Deps = nil }, true},
		{"an output kept", func(a, b *dag.Task) { a.Outputs[0].Keep = true }, true},
		{"an output published", func(a, b *dag.Task) { a.Outputs[0].Publish = "/out/rows" }, true},
		{"a task renamed", func(a, b *dag.Task) { b.ID = "c" }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := plan(c.edit)
			got := PlanHash(p)
			if (got != base) != c.changed {
				t.Errorf("hash %s, before %s: changed %v, want %v", got, base, got != base, c.changed)
			}
			if with := planHash(p, defHashes(p)); with != got {
				t.Errorf("planHash with the definitions given %s, PlanHash %s", with, got)
			}
		})
	}
}

// TestDefHashesShared: the definition hashes, worked out by several
// goroutines for a large plan, are each task's own, in order.
func TestDefHashesShared(t *testing.T) {
	for _, n := range []int{0, 1, 4096, 3*4096 + 5} {
		p := widePlan(t, n)
		defs := defHashes(p)
		if len(defs) != n {
			t.Fatalf("n=%d: %d hashes", n, len(defs))
		}
		for i, task := range p.Tasks {
			if got := hex.EncodeToString(defs[i][:]); got != task.DefHash() {
				t.Fatalf("n=%d: hash %d is %q, want task %s's %q", n, i, got, task.ID, task.DefHash())
			}
		}
	}
}
