package dsl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/internal/units"
)

// expand evaluates for_each in dependency order, gives every stage the value
// that stage.NAME has in expressions, and builds the tasks in declaration
// order.
func (l *loader) expand(order []*stageDecl) []*dag.Task {
	// Only the stages some expression names need a value: for a wide stage
	// the value is a map with an object per key.
	referenced := map[string]bool{}
	for _, s := range l.stages {
		for _, r := range s.refs {
			referenced[r.stage] = true
		}
		if l.parser.memo != nil {
			l.declIface(s) // the memo's, before release drops the outputs
		}
	}
	done := map[string]cty.Value{}
	total := 0 // tasks of the stages expanded so far
	for _, s := range order {
		if s.broken {
			// Its problems are reported; what refers to it fails quietly.
			s.value = cty.DynamicVal
			done[s.name] = s.value
			continue
		}
		if l.reuseTasks(s, total) {
			total += len(s.keys)
			s.value = cty.DynamicVal
			if referenced[s.name] {
				if s.value = s.hit.value; s.value == cty.NilVal {
					s.value = s.instancesValue()
				}
			}
			done[s.name] = s.value
			continue
		}
		before := len(l.diags)
		if s.forEach == nil {
			s.keys = []string{""}
		} else {
			ctx := l.baseContext()
			if len(s.refs) > 0 {
				// Only stages that come earlier can be referenced here.
				ctx.Variables["stage"] = cty.ObjectVal(done)
			}
			ok := l.rangeForEach(s, ctx, total) || l.evalForEach(s, ctx, total)
			s.dirty = s.dirty || len(l.diags) > before
			if !ok {
				s.broken = true
				s.value = cty.DynamicVal
				done[s.name] = s.value
				continue
			}
		}
		total += len(s.keys)
		s.value = cty.DynamicVal
		if referenced[s.name] {
			s.value = s.instancesValue()
		}
		done[s.name] = s.value
	}
	stageCtx := l.baseContext()
	stageCtx.Variables["stage"] = cty.ObjectVal(done)
	tasks := make([]*dag.Task, 0, total)
	for i, s := range l.stages {
		if i%256 == 0 && l.stopped() {
			return nil
		}
		if s.broken {
			continue
		}
		published := len(l.publishRanges)
		if s.hit != nil {
			l.recalledTasks(s)
		} else {
			before := len(l.diags)
			l.buildTasks(s, stageCtx)
			s.dirty = s.dirty || len(l.diags) > before
		}
		l.remember(s, l.publishRanges[published:len(l.publishRanges):len(l.publishRanges)])
		s.release()
		tasks = append(tasks, s.tasks...)
	}
	if m := l.parser.memo; m != nil {
		m.prune()
	}
	l.resolveDeps()
	l.checkPublish(tasks)
	return tasks
}

// stageOfTask is the stage of a task ID that a value of this workflow
// holds: the name before the key.
func (l *loader) stageOfTask(id string) (*stageDecl, bool) {
	name := id
	if i := strings.IndexByte(id, '['); i > 0 {
		name = id[:i]
	}
	i, ok := l.stageIdx[name]
	if !ok {
		return nil, false
	}
	return l.stages[i], true
}

// hasKey reports whether keyed stage s has an instance with the given key.
func (s *stageDecl) hasKey(key string) bool {
	if s.keyIndex == nil {
		s.keyIndex = make(map[string]struct{}, len(s.keys))
		for _, k := range s.keys {
			s.keyIndex[k] = struct{}{}
		}
	}
	_, ok := s.keyIndex[key]
	return ok
}

// evalForEach sets keys and each.value from the for_each collection: a map
// or object by its keys, a set by its (string) elements, a list or tuple by
// index. before is the number of tasks of the stages expanded already.
func (l *loader) evalForEach(s *stageDecl, ctx *hcl.EvalContext, before int) bool {
	attr := s.forEach
	s.keyed = true
	if keys, values, ok := evalForObjectFast(attr.Expr, ctx); ok {
		if before+len(keys) > l.maxTasks() {
			l.add(hcl.Diagnostics{tooManyTasks(attr, s.name, len(keys), before, l.maxTasks())})
			return false
		}
		s.keys, s.each = keys, values
		return true
	}
	v, diags := attr.Expr.Value(ctx)
	l.add(diags)
	if diags.HasErrors() {
		return false
	}
	ok := true
	bad := func(detail string) {
		l.add(hcl.Diagnostics{attrError(attr, "Invalid for_each argument", detail)})
		ok = false
	}
	switch {
	case v.IsNull():
		bad("for_each is null; it needs a map, a set of strings or a list.")
		return false
	}
	if keys, ok := setStrings(v); ok {
		// The common wide case, without cty's sort of the set per pass.
		if before+len(keys) > l.maxTasks() {
			l.add(hcl.Diagnostics{tooManyTasks(attr, s.name, len(keys), before, l.maxTasks())})
			return false
		}
		s.keys, s.each = keys, nil // each.value is each.key
		return true
	}
	switch {
	case !v.IsWhollyKnown():
		l.add(hcl.Diagnostics{consequence})
		return false
	}
	ty := v.Type()
	if ty.IsCollectionType() || ty.IsObjectType() || ty.IsTupleType() {
		if n := v.LengthInt(); before+n > l.maxTasks() {
			l.add(hcl.Diagnostics{tooManyTasks(attr, s.name, n, before, l.maxTasks())})
			return false
		}
	}
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		s.keys = make([]string, 0, v.LengthInt())
		s.each = make([]cty.Value, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			s.keys = append(s.keys, k.AsString())
			s.each = append(s.each, e)
		}
	case ty.IsSetType():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.IsNull() || !(e.Type() == cty.String || e.Type() == cty.Number || e.Type() == cty.Bool) {
				bad(fmt.Sprintf("A set used in for_each must hold strings (they become the keys), not %s. Use a map to fan out over structured values.", e.Type().FriendlyName()))
				return false
			}
			k, _ := convert.Convert(e, cty.String) // primitives always convert
			s.keys = append(s.keys, k.AsString())
			s.each = append(s.each, e)
		}
	case ty.IsListType() || ty.IsTupleType():
		s.keys = make([]string, 0, v.LengthInt())
		s.each = make([]cty.Value, 0, v.LengthInt())
		i := 0
		for it := v.ElementIterator(); it.Next(); i++ {
			_, e := it.Element()
			s.keys = append(s.keys, strconv.Itoa(i))
			s.each = append(s.each, e)
		}
	default:
		bad(fmt.Sprintf("for_each needs a map, a set of strings or a list, not %s.", ty.FriendlyName()))
	}
	return ok
}

// maxTasks is the most tasks a workflow may have.
func (l *loader) maxTasks() int {
	if l.opts.MaxTasks > 0 {
		return l.opts.MaxTasks
	}
	return dag.MaxTasks
}

// tooManyTasks refuses a for_each wider than the workflow may be.
func tooManyTasks(attr *hcl.Attribute, stage string, n, before, limit int) *hcl.Diagnostic {
	count := fmt.Sprintf("Stage %q fans out to %s tasks", stage, units.Thousands(n))
	if before > 0 {
		count += fmt.Sprintf(", after %s in the stages before it", units.Thousands(before))
	}
	return attrError(attr, "Too many tasks", fmt.Sprintf(
		"%s; a workflow holds at most %s tasks.\nGive each task a batch of keys instead of one: for example for_each = range(ceil(N / 100)) with each task doing items each.key * 100 to each.key * 100 + 99, or chunklist(keys, 100) and each.value. Or split the work across several workflows.",
		count, units.Thousands(limit)))
}

// instancesValue is what stage.NAME means: {output = {NAME = path}}, or for
// a for_each stage a map from each key to that.
func (s *stageDecl) instancesValue() cty.Value {
	one := s.selfValue
	if !s.keyed {
		return one("")
	}
	if len(s.keys) == 0 {
		return cty.MapValEmpty(one("").Type())
	}
	m := make(map[string]cty.Value, len(s.keys))
	for _, k := range s.keys {
		m[k] = one(k)
	}
	return cty.MapVal(m)
}

// selfValue is what self means in the task with the given key:
// {output = {NAME = path}}.
func (s *stageDecl) selfValue(key string) cty.Value {
	id := dag.TaskID(s.name, key, s.keyed)
	outs := map[string]cty.Value{}
	for _, o := range s.outputNames() {
		outs[o] = cty.StringVal(dag.Placeholder(dag.SegmentRef{Task: id, Output: o}))
	}
	return cty.ObjectVal(map[string]cty.Value{"output": cty.ObjectVal(outs)})
}
