package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/weirflow/weir/dag"
)

// noTask says that the workflow has no task id. A plan loaded for why holds
// only the tasks linked to id, so when id's stage is declared the message
// names the stage and the key it lacks, instead of guessing a name among
// tasks that were never built.
func noTask(plan *dag.Plan, id string) error {
	name, key, keyed := strings.Cut(strings.TrimSuffix(id, "]"), "[")
	keyed = keyed && strings.HasSuffix(id, "]")
	if t := plan.Task(name); keyed && t != nil && !t.Keyed {
		return fmt.Errorf("the workflow has no task %q: stage %q has no for_each; did you mean %q?", id, name, name)
	}
	if keyed && slices.Contains(plan.Stages, name) {
		return fmt.Errorf("the workflow has no task %q: stage %q of %s has no key %q; check its for_each (weir status lists the run's tasks)", id, name, plan.File, key)
	}
	return fmt.Errorf("the workflow has no task %q%s", id, suggestTask(id, planTasks(plan)))
}
