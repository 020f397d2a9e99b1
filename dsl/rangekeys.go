package dsl

import (
	"strconv"

	"github.com/hashicorp/hcl/v2"
)

// rangeForEach sets the keys of a stage whose for_each is range(...) from
// the range's bounds, as evalForEach would from the list range returns,
// without making that list: a million numbers, each a big.Float in a
// cty.Value, cost about a second of a whole load's CPU and its collector.
// each.value is made from the bounds when a task reads it (taskScope).
// false leaves the stage to evalForEach, which reports what is wrong.
func (l *loader) rangeForEach(s *stageDecl, ctx *hcl.EvalContext, before int) bool {
	if !fastPaths {
		return false
	}
	r, ok := rangeKeys(s.forEach, ctx)
	if !ok || before+r.n > l.maxTasks() {
		return false
	}
	s.keyed, s.span, s.each = true, r, nil
	s.keys = make([]string, r.n)
	for i := range s.keys {
		s.keys[i] = strconv.Itoa(i)
	}
	return true
}
