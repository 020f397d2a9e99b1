package dsl

import (
	"maps"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/zclconf/go-cty/cty"

	"github.com/weirflow/weir/dag"
)

// TasksBuilt counts the tasks every load has built, so that a test can
// check that a focused load builds only the tasks it needs.
var TasksBuilt atomic.Int64

// focusTarget splits Options.Focus into its stage and key; ok is false
// when it names no declared stage in the form that stage's tasks have,
// and the load then builds every task, as without Focus.
func (l *loader) focusTarget() (s *stageDecl, key string, ok bool) {
	id := l.opts.Focus
	name, key := id, ""
	keyed := strings.HasSuffix(id, "]")
	if i := strings.IndexByte(id, '['); i > 0 && keyed {
		name, key = id[:i], id[i+1:len(id)-1]
	}
	i, found := l.stageIdx[name]
	if !found {
		return nil, "", false
	}
	s = l.stages[i]
	if s.broken || (s.forEach != nil) != (name != id) {
		return nil, "", false
	}
	return s, key, true
}

// expandFocus is expand for Options.Focus: it builds only the tasks
// linked to that task by dependencies either way, which is all that
// engine.Why decides. Stages outside the focus stage's component are not
// evaluated; within it, every for_each is, so a key that does not exist
// is known, but a range is held as its bounds. Where a stage refers to
// another by key (byKey), only the instances of the keys reached are
// built; otherwise every instance of both. ok is false when the focus
// names no task form of a declared stage, or a built task does not name
// the instance byKey promised: then nothing is kept and expand runs.
func (l *loader) expandFocus(order []*stageDecl) (tasks []*dag.Task, ok bool) {
	focus, key, ok := l.focusTarget()
	if !ok {
		return nil, false
	}
	diags, published := len(l.diags), len(l.publishRanges)
	broken := make([]bool, len(l.stages))
	for i, s := range l.stages {
		broken[i] = s.broken
	}
	comp := l.stageComponent(focus)
	space, done, whole := l.focusForEach(order, comp)
	need := l.focusClosure(focus, key, comp, space)
	referenced := map[string]bool{}
	for s := range comp {
		for _, r := range s.refs {
			referenced[r.stage] = true
		}
	}
	// A stage referred to gets the value of the instances built, none
	// included: a key it does not have fails as in a whole load.
	for s, k := range space {
		if whole[s.name] {
			continue
		}
		k.pick(s, need[s])
		if referenced[s.name] {
			s.value = s.instancesValue()
			done[s.name] = s.value
		}
	}
	stageCtx := l.baseContext()
	stageCtx.Variables["stage"] = cty.ObjectVal(done)
	for _, s := range l.stages {
		if _, ok := need[s]; !ok || s.broken {
			continue
		}
		before := len(l.diags)
		l.buildTasks(s, stageCtx)
		if len(l.diags) == before && !namesByKey(l, s) {
			l.unfocus(diags, published, broken)
			return nil, false
		}
		tasks = append(tasks, s.tasks...)
	}
	l.resolveDeps()
	l.checkPublish(tasks)
	return tasks, true
}

// unfocus drops what expandFocus did, for expand to start again.
func (l *loader) unfocus(diags, published int, broken []bool) {
	l.diags, l.publishRanges = l.diags[:diags], l.publishRanges[:published]
	for i, s := range l.stages {
		s.keys, s.each, s.span, s.keyIndex, s.tasks, s.plans, s.value = nil, nil, nil, nil, nil, nil, cty.NilVal
		// A for_each that failed here fails again there, and says so.
		s.broken = broken[i]
	}
}

// namesByKey is (*loader).namesByKey; a test makes it fail, to take the
// way back to a whole load.
var namesByKey = (*loader).namesByKey

// namesByKey checks what byKey promised: each task of s names an instance
// of every stage s refers to by key, so that resolveDeps makes it depend
// on that instance and not on the whole stage.
func (l *loader) namesByKey(s *stageDecl) bool {
	for _, r := range s.refs {
		if !linkByKey(s, l.stages[l.stageIdx[r.stage]]) {
			continue
		}
		for _, t := range s.tasks {
			named := false
			for _, ref := range taskRefs(t) {
				if st, ok := l.stageOfTask(ref.Task); ok && st.name == r.stage {
					named = true
					break
				}
			}
			if !named {
				return false
			}
		}
	}
	return true
}

// linkByKey reports whether d's task of key k depends on target's task of
// key k alone.
func linkByKey(d, target *stageDecl) bool { return target.forEach != nil && byKey(d, target.name) }

// stageComponent is the stages linked to s by references and depends_on,
// either way: the only ones a task of s can be linked to.
func (l *loader) stageComponent(s *stageDecl) map[*stageDecl]bool {
	users := map[string][]*stageDecl{}
	for _, u := range l.stages {
		for _, dep := range l.depStages(u) {
			users[dep] = append(users[dep], u)
		}
	}
	comp := map[*stageDecl]bool{s: true}
	for todo := []*stageDecl{s}; len(todo) > 0; {
		cur := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		next := slices.Clone(users[cur.name])
		for _, dep := range l.depStages(cur) {
			next = append(next, l.stages[l.stageIdx[dep]])
		}
		for _, n := range next {
			if !comp[n] {
				comp[n] = true
				todo = append(todo, n)
			}
		}
	}
	return comp
}

// focusForEach evaluates for_each of the stages of comp in dependency
// order, as expand does. A stage that a for_each refers to gets its value
// whole; the others get theirs once the instances to build are known.
func (l *loader) focusForEach(order []*stageDecl, comp map[*stageDecl]bool) (space map[*stageDecl]*stageKeys, done map[string]cty.Value, whole map[string]bool) {
	whole = map[string]bool{}
	for s := range comp {
		if s.forEach == nil {
			continue
		}
		for _, tr := range s.forEach.Expr.Variables() {
			if name, ok := attrName(tr, 1); ok && tr.RootName() == "stage" {
				whole[name] = true
			}
		}
	}
	space = map[*stageDecl]*stageKeys{}
	done = map[string]cty.Value{}
	total := 0
	for _, s := range order {
		if !comp[s] {
			continue
		}
		done[s.name] = cty.DynamicVal
		if s.broken {
			continue
		}
		k := &stageKeys{n: 1, keys: []string{""}}
		if s.forEach != nil {
			ctx := l.baseContext()
			if len(s.refs) > 0 {
				ctx.Variables["stage"] = cty.ObjectVal(done)
			}
			if r, ok := rangeKeys(s.forEach, ctx); ok && total+r.n <= l.maxTasks() {
				s.keyed, k = true, r
			} else if l.evalForEach(s, ctx, total) {
				k = &stageKeys{n: len(s.keys), keys: s.keys, each: s.each}
			} else {
				s.broken = true
				continue
			}
		}
		space[s] = k
		total += k.n
		if whole[s.name] {
			k.pick(s, allIndices(k.n))
			s.value = s.instancesValue()
			done[s.name] = s.value
		}
	}
	return space, done, whole
}

// focusClosure is the instances to build, by stage: those linked to the
// focus task through dependencies either way, found stage by stage, by
// key where byKey allows and whole stages elsewhere. The focus key that
// does not exist builds nothing, and the caller says so.
func (l *loader) focusClosure(focus *stageDecl, key string, comp map[*stageDecl]bool, space map[*stageDecl]*stageKeys) map[*stageDecl][]int {
	type edge struct {
		to    *stageDecl
		byKey bool
	}
	links := map[*stageDecl][]edge{} // both ways
	for s := range comp {
		for _, dep := range l.depStages(s) {
			t := l.stages[l.stageIdx[dep]]
			bk := linkByKey(s, t)
			links[s] = append(links[s], edge{t, bk})
			links[t] = append(links[t], edge{s, bk})
		}
	}
	all := map[*stageDecl]bool{}
	some := map[*stageDecl]map[int]bool{}
	type item struct {
		s   *stageDecl
		i   int // -1: every instance
		key string
	}
	var todo []item
	addAll := func(s *stageDecl) {
		if space[s] != nil && !all[s] {
			all[s] = true
			todo = append(todo, item{s, -1, ""})
		}
	}
	add := func(s *stageDecl, key string) {
		k := space[s]
		if k == nil || all[s] {
			return
		}
		i, ok := k.find(key)
		if !ok || some[s][i] {
			return
		}
		if some[s] == nil {
			some[s] = map[int]bool{}
		}
		some[s][i] = true
		todo = append(todo, item{s, i, key})
	}
	if focus.forEach == nil {
		addAll(focus)
	} else {
		add(focus, key)
	}
	for len(todo) > 0 {
		it := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, e := range links[it.s] {
			if e.byKey && it.i >= 0 {
				add(e.to, it.key)
			} else {
				addAll(e.to)
			}
		}
	}
	need := map[*stageDecl][]int{}
	for s := range all {
		need[s] = allIndices(space[s].n)
	}
	for s, idx := range some {
		if !all[s] {
			need[s] = slices.Sorted(maps.Keys(idx))
		}
	}
	return need
}

func allIndices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// expandFocusIf is expandFocus when the load has a focus; the editor's
// loads, which remember stages between edits, never do.
func (l *loader) expandFocusIf(order []*stageDecl) ([]*dag.Task, bool) {
	if l.opts.Focus == "" || l.parser.memo != nil {
		return nil, false
	}
	return l.expandFocus(order)
}
