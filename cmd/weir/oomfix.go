package main

import (
	"fmt"

	"github.com/weirflow/weir/dag"
)

// oomFix sends the user to the line that set the cap an oom went past:
// the stage's memory attribute, else the pool memory or the budget it was
// a share of (executor.ShareCap), since the stage's first line is not
// where a cap is raised.
func oomFix(plan *dag.Plan, t *dag.Task) string {
	const retry = `retry { on = ["oom"], memory_growth = 1.5 }`
	if at, ok := plan.MemoryOrigins[t.Stage]; ok {
		return fmt.Sprintf("raise memory at %s (or add %s)", at, retry)
	}
	set := fmt.Sprintf("set memory in the stage at %s", t.Origin)
	if p := plan.Pool(t.Pool); p != nil && p.Memory > 0 && p.MemoryOrigin.Line > 0 {
		return fmt.Sprintf("%s, or raise pool %q memory at %s (a stage without memory gets memory / processes of its pool)", set, p.Name, p.MemoryOrigin)
	}
	if at := plan.Settings.MemoryBudgetOrigin; at.Line > 0 {
		return fmt.Sprintf("%s, or raise memory_budget at %s (a stage without memory gets a share of it)", set, at)
	}
	return set + " (without it the cap is a share of the memory available when the run started)"
}
