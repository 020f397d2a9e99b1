package dsl

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/weirflow/weir/internal/hugepages"
	"github.com/weirflow/weir/internal/units"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/weirflow/weir/dag"
)

// DefaultGrace is how long a task has between SIGTERM and SIGKILL.
const DefaultGrace = 10 * time.Second

// buildTasks builds the tasks of stage s. The first task evaluates every
// attribute; the others evaluate only what depends on them (each or self)
// and share the rest with the first: its command, env, caps, retry and
// segments. On a wide stage that is most of the time and memory a task
// would cost.
func (l *loader) buildTasks(s *stageDecl, stageCtx *hcl.EvalContext) {
	vary := l.perTaskParts(s)
	TasksBuilt.Add(int64(len(s.keys)))
	slab := make([]dag.Task, len(s.keys))
	hugepages.Advise(slab)
	s.tasks = make([]*dag.Task, 0, len(s.keys))
	var tmpl *dag.Task
	for i := range s.keys {
		t := &slab[i]
		var ok bool
		if tmpl == nil {
			ok = l.buildTask(s, i, t, stageCtx, nil)
			if ok {
				tmpl = t
				copyTemplate(slab[i+1:], tmpl) // each of the rest starts as a copy
			}
		} else {
			ok = l.buildTask(s, i, t, stageCtx, vary)
		}
		if ok {
			s.tasks = append(s.tasks, t)
			s.keys[i] = t.Key // one copy of the key, inside the ID
		}
	}
}

// perTaskParts names the attributes and blocks of s whose value depends on
// the task: those that refer to each or self. An output with publish counts
// as per task, so that every task's path is checked against the others.
func (l *loader) perTaskParts(s *stageDecl) map[string]bool {
	vary := map[string]bool{}
	for name, attr := range s.attrs {
		vary[name] = s.perTask(attr.Expr)
	}
	block := func(kind string, b *hcl.Block) {
		attrs, diags := b.Body.JustAttributes()
		if diags.HasErrors() {
			vary[kind] = true
			s.usesSelf = true // can't tell
			return
		}
		for name, a := range attrs {
			if s.perTask(a.Expr) || kind == "output" && name == "publish" {
				vary[kind] = true
			}
		}
	}
	if s.retry != nil {
		block("retry", s.retry)
	}
	for _, b := range s.outputs {
		block("output", b)
	}
	for _, b := range s.inputs {
		block("input", b)
	}
	return vary
}

// perTask reports whether expr refers to each or self, and notes a
// reference to self in s.
func (s *stageDecl) perTask(expr hcl.Expression) bool {
	found := false
	for _, tr := range expr.Variables() {
		switch tr.RootName() {
		case "self":
			s.usesSelf = true
			found = true
		case "each":
			found = true
		}
	}
	return found
}

// buildTask fills t with the i-th instance of stage s. With vary nil it
// evaluates every attribute; otherwise t holds a copy of the stage's first
// task and only the parts vary names are evaluated again.
func (l *loader) buildTask(s *stageDecl, i int, t *dag.Task, stageCtx *hcl.EvalContext, vary map[string]bool) bool {
	key := s.keys[i]
	id := dag.TaskID(s.name, key, s.keyed)
	if vary == nil {
		*t = dag.Task{
			Stage:  s.name,
			Keyed:  s.keyed,
			Pool:   s.pool,
			Dir:    l.dir,
			Grace:  DefaultGrace,
			Retry:  dag.Retry{Attempts: 1},
			Origin: pos(s.defRange),
		}
	}
	t.ID, t.Key = id, key
	if s.keyed {
		t.Key = id[len(s.name)+1 : len(id)-1]
	}
	sc := &taskScope{s: s, stage: stageCtx, key: t.Key}
	if s.each != nil {
		sc.value = s.each[i]
	} else if s.span != nil {
		sc.span, sc.idx = s.span, i
	}
	want := func(part string) bool { return vary == nil || vary[part] }
	before := len(l.diags)
	l.decodeRun(s, t, sc, want)
	l.decodeLimits(s, t, sc, want)
	if s.retry != nil && want("retry") {
		l.decodeRetry(s.retry, t, sc.ctx())
	}
	if want("output") {
		t.Outputs = nil
		for _, b := range s.outputs {
			l.decodeOutput(b, t, sc.ctx())
		}
	}
	if want("input") {
		t.Inputs = nil
		for _, b := range s.inputs {
			l.decodeInput(b, s, t, sc.ctx())
		}
	}
	return !l.diags[before:].HasErrors()
}

// taskScope is what a task's expressions see beyond the stage's context:
// each and self. The evaluation context is built only when an expression
// needs one; most of a wide stage's per-task parts render from a strPlan.
type taskScope struct {
	s     *stageDecl
	stage *hcl.EvalContext
	key   string
	value cty.Value // each.value; cty.NilVal when it is each.key
	built *hcl.EvalContext
	// span, when not nil, makes value (a number of a range) on first use:
	// a million of them cost a second of the load.
	span *stageKeys
	idx  int
}

// each is each.value: cty.NilVal when it is each.key.
func (sc *taskScope) each() cty.Value {
	if sc.span != nil {
		sc.value, sc.span = sc.span.value(sc.idx), nil
	}
	return sc.value
}

// planValue is what a strPlan is given as each.value: a range's number is
// made only for a plan that reads it, and then makes the plan fall back.
func (sc *taskScope) planValue(p *strPlan) cty.Value {
	if sc.span != nil && !p.readsValue() {
		return cty.NilVal // not read
	}
	return sc.each()
}

func (sc *taskScope) ctx() *hcl.EvalContext {
	if sc.built != nil {
		return sc.built
	}
	ctx := sc.stage.NewChild()
	ctx.Variables = map[string]cty.Value{}
	if sc.s.usesSelf {
		ctx.Variables["self"] = sc.s.selfValue(sc.key)
	}
	if sc.s.keyed {
		each := cty.StringVal(sc.key)
		if v := sc.each(); v != cty.NilVal {
			each = v
		}
		ctx.Variables["each"] = cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(sc.key), "value": each})
	}
	sc.built = ctx
	return ctx
}

// strings evaluates a list-of-strings attribute, from its plan when it has
// one.
func (sc *taskScope) strings(attr *hcl.Attribute) ([]string, hcl.Diagnostics) {
	if p := sc.s.plan(attr, compileList, sc.stage); p != nil {
		if out, ok := p.strings(sc.key, sc.planValue(p)); ok {
			return out, nil
		}
	}
	return evalStrings(attr, sc.ctx())
}

// string evaluates a string attribute, from its plan when it has one.
func (sc *taskScope) string(attr *hcl.Attribute) (string, hcl.Diagnostics) {
	if p := sc.s.plan(attr, compileOne, sc.stage); p != nil {
		if out, ok := p.elems[0].render(sc.key, sc.planValue(p)); ok {
			return out, nil
		}
	}
	return evalString(attr, sc.ctx())
}

// stringMap evaluates a map-of-strings attribute, from its plan when it has
// one.
func (sc *taskScope) stringMap(attr *hcl.Attribute) (map[string]string, hcl.Diagnostics) {
	if p := sc.s.plan(attr, compileMap, sc.stage); p != nil {
		if out, ok := p.stringMap(sc.key, sc.planValue(p)); ok {
			return out, nil
		}
	}
	return evalStringMap(attr, sc.ctx())
}

// plan is the compiled form of a keyed stage's attribute, made on first use;
// nil when the attribute has another shape.
func (s *stageDecl) plan(attr *hcl.Attribute, compile func(hcl.Expression, *hcl.EvalContext) *strPlan, ctx *hcl.EvalContext) *strPlan {
	if !fastPaths || !s.keyed || s.usesSelf {
		return nil
	}
	if p, ok := s.plans[attr.Name]; ok {
		return p
	}
	if s.plans == nil {
		s.plans = map[string]*strPlan{}
	}
	p := compile(attr.Expr, ctx)
	s.plans[attr.Name] = p
	return p
}

// decodeRun reads what the task executes and in which environment.
func (l *loader) decodeRun(s *stageDecl, t *dag.Task, sc *taskScope, want func(string) bool) {
	if t.Script != "" && !want("script") {
		// The task ID is $0: this part differs however the script is written.
		t.Argv = []string{"/bin/sh", "-eu", "-c", t.Script, t.ID}
	}
	get := func(name string) (*hcl.Attribute, bool) {
		attr, ok := s.attrs[name]
		return attr, ok && want(name)
	}
	if attr, ok := get("description"); ok {
		v, d := sc.string(attr)
		l.add(d)
		t.Description = v
	}
	if attr, ok := get("command"); ok {
		argv, d := sc.strings(attr)
		l.add(d)
		switch {
		case d.HasErrors():
		case len(argv) == 0:
			l.add(hcl.Diagnostics{attrError(attr, "Empty command", "command needs at least the program to run, as in [\"python3\", \"clean.py\"].")})
		case strings.TrimSpace(argv[0]) == "":
			l.add(hcl.Diagnostics{attrError(attr, "Empty program name", "The first element of command is the program to run; it is empty.")})
		default:
			t.Argv = argv
		}
	}
	if attr, ok := get("script"); ok {
		v, d := sc.string(attr)
		l.add(d)
		if !d.HasErrors() && strings.TrimSpace(v) == "" {
			l.add(hcl.Diagnostics{attrError(attr, "Empty script", "script has no commands in it.")})
		} else if !d.HasErrors() {
			t.Script = v
			// The task ID becomes $0, so the shell's own messages name the task.
			t.Argv = []string{"/bin/sh", "-eu", "-c", v, t.ID}
		}
	}
	if attr, ok := get("env"); ok {
		env, d := sc.stringMap(attr)
		l.add(d)
		for _, k := range sortedKeys(env) {
			if problem := envNameProblem(k); problem != "" {
				d := attrError(attr, "Invalid environment variable name", fmt.Sprintf("%q %s.", k, problem))
				d.Subject = keyRange(attr.Expr, k)
				l.add(hcl.Diagnostics{d})
			}
		}
		t.Env = env
	}
	if attr, ok := get("env_passthrough"); ok {
		names, d := sc.strings(attr)
		l.add(d)
		for i, k := range names {
			if problem := envNameProblem(k); problem != "" {
				d := attrError(attr, "Invalid environment variable name", fmt.Sprintf("%q %s.", k, problem))
				d.Subject = elemRange(attr.Expr, i)
				l.add(hcl.Diagnostics{d})
			}
		}
		t.EnvPassthrough = names
	}
	if attr, ok := get("dir"); ok {
		v, d := sc.string(attr)
		l.add(d)
		if !d.HasErrors() {
			t.Dir = resolve(l.dir, v)
		}
	}
}

func envNameProblem(k string) string {
	switch {
	case !identifier(k):
		return "is not a valid name (letters, digits and underscores, not starting with a digit)"
	case strings.HasPrefix(k, "WEIR_"):
		return "starts with WEIR_, which weir reserves for the variables it sets itself"
	}
	return ""
}

// decodeLimits reads caps and times, and checks the cap against the pool,
// the workflow's budget and the host.
func (l *loader) decodeLimits(s *stageDecl, t *dag.Task, sc *taskScope, want func(string) bool) {
	pool := l.pools[s.pool]
	get := func(name string) (*hcl.Attribute, bool) {
		attr, ok := s.attrs[name]
		return attr, ok && want(name)
	}
	if attr, ok := get("memory"); ok {
		n, d := evalSize(attr, sc.ctx())
		l.add(d)
		if !d.HasErrors() {
			t.Memory = n
			l.checkCap(attr, s, pool, n)
		}
	}
	if attr, ok := get("cpus"); ok {
		n, d := evalNumber(attr, sc.ctx())
		l.add(d)
		switch {
		case d.HasErrors():
		case n <= 0:
			l.add(hcl.Diagnostics{attrError(attr, "Invalid CPU count", "cpus must be above zero.")})
		case pool != nil && len(pool.pool.CPUSet) > 0 && n > float64(len(pool.pool.CPUSet)):
			l.add(hcl.Diagnostics{attrError(attr, "More CPUs than the pool has",
				fmt.Sprintf("Stage %q asks for %g CPUs; pool %q is pinned to %d. Lower cpus, or widen the pool's cpus list.", s.name, n, s.pool, len(pool.pool.CPUSet)))})
		default:
			t.CPUs = n
		}
	}
	for _, name := range []string{"timeout", "grace", "estimate"} {
		attr, ok := get(name)
		if !ok {
			continue
		}
		d, diags := evalDuration(attr, sc.ctx(), name != "grace")
		l.add(diags)
		switch name {
		case "timeout":
			t.Timeout = d
		case "grace":
			t.Grace = d
		case "estimate":
			t.Estimate = d
		}
	}
}

func (l *loader) checkCap(attr *hcl.Attribute, s *stageDecl, pool *poolDecl, n int64) {
	fail := func(summary, detail string) { l.add(hcl.Diagnostics{attrError(attr, summary, detail)}) }
	if pool != nil && pool.pool.Memory > 0 && n > pool.pool.Memory {
		fail("Memory cap larger than its pool", fmt.Sprintf(
			"Stage %q asks for %s; pool %q holds %s in all, so it could never start.\nLower memory here, or raise pool %q memory to at least %s.",
			s.name, units.Size(n), s.pool, units.Size(pool.pool.Memory), s.pool, units.Size(n)))
		return
	}
	if budget := l.budget(); budget > 0 && n > budget {
		fail("Memory cap larger than the workflow's budget", fmt.Sprintf(
			"Stage %q asks for %s; memory_budget is %s, so it could never start.\nLower memory here, or raise memory_budget.",
			s.name, units.Size(n), units.Size(budget)))
		return
	}
	if host := l.opts.HostMemory; host > 0 && n > host && (pool == nil || pool.pool.Executor != "slurm") {
		fail("Memory cap larger than this host", fmt.Sprintf(
			"Stage %q asks for %s; this machine has %s of memory in all.\nLower memory here, or run the stage in a Slurm pool.",
			s.name, units.Size(n), units.Size(host)))
	}
}

// budget is the workflow's memory_budget as decoded, 0 when unset.
func (l *loader) budget() int64 { return l.settings.MemoryBudget }

func (l *loader) decodeRetry(b *hcl.Block, t *dag.Task, ctx *hcl.EvalContext) {
	content, diags := b.Body.Content(retrySchema)
	l.add(diags)
	r := dag.Retry{Attempts: 1}
	if attr, ok := content.Attributes["attempts"]; ok {
		n, d := evalInt(attr, ctx, 1)
		l.add(d)
		r.Attempts = n
	}
	if attr, ok := content.Attributes["backoff"]; ok {
		d, diags := evalDuration(attr, ctx, false)
		l.add(diags)
		r.Backoff = d
	}
	if attr, ok := content.Attributes["on"]; ok {
		reasons, d := evalStrings(attr, ctx)
		l.add(d)
		for i, reason := range reasons {
			if !validRetryReason(reason) {
				d := attrError(attr, "Unknown retry reason",
					fmt.Sprintf("%q is not a failure reason. Use %s, or \"exit:N\" for one exit code.%s",
						reason, strings.Join(quoteAll(dag.RetryReasons), ", "), didYouMean(reason, dag.RetryReasons)))
				d.Subject = elemRange(attr.Expr, i)
				l.add(hcl.Diagnostics{d})
			}
		}
		r.On = reasons
	}
	if attr, ok := content.Attributes["memory_growth"]; ok {
		f, d := evalNumber(attr, ctx)
		l.add(d)
		if !d.HasErrors() && f < 1 {
			l.add(hcl.Diagnostics{attrError(attr, "Invalid memory_growth",
				"memory_growth multiplies the cap after an oom; it must be at least 1 (1.5 means 50% more).")})
		}
		r.MemoryGrowth = f
	}
	t.Retry = r
}

func validRetryReason(s string) bool {
	for _, r := range dag.RetryReasons {
		if s == r {
			return true
		}
	}
	code, ok := strings.CutPrefix(s, "exit:")
	if !ok {
		return false
	}
	n, err := strconv.Atoi(code)
	return err == nil && n >= 1 && n <= 255 && strconv.Itoa(n) == code
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = `"` + s + `"`
	}
	return out
}

func (l *loader) decodeOutput(b *hcl.Block, t *dag.Task, ctx *hcl.EvalContext) {
	content, diags := b.Body.Content(outputSchema)
	l.add(diags)
	o := dag.Output{Name: b.Labels[0]}
	if attr, ok := content.Attributes["size"]; ok {
		n, d := evalSize(attr, ctx)
		l.add(d)
		o.Size = n
	}
	if attr, ok := content.Attributes["min_size"]; ok {
		n, d := evalSize(attr, ctx)
		l.add(d)
		o.MinSize = n
		if !d.HasErrors() && o.Size > 0 && n > o.Size {
			l.add(hcl.Diagnostics{attrError(attr, "Output min_size larger than its size",
				fmt.Sprintf("Output %q must hold at least %s but at most %s, which no file can. Lower min_size to at most %s (equal to size: exactly that many bytes), or raise size.",
					o.Name, units.Size(n), units.Size(o.Size), units.Size(o.Size)))})
		}
	}
	if attr, ok := content.Attributes["keep"]; ok {
		v, d := evalBool(attr, ctx)
		l.add(d)
		o.Keep = v
	}
	if attr, ok := content.Attributes["publish"]; ok {
		v, d := evalString(attr, ctx)
		l.add(d)
		if !d.HasErrors() {
			if v == "" {
				l.add(hcl.Diagnostics{attrError(attr, "Empty publish path", "publish names the file the output is copied to when the run succeeds.")})
			} else {
				o.Publish = resolve(l.dir, v)
				l.publishRanges = append(l.publishRanges, publishAt{path: o.Publish, written: v, task: t.ID, rng: attr.Expr.Range()})
			}
		}
	}
	t.Outputs = append(t.Outputs, o)
}

// decodeInput reads `from`: one segment, or a list of segments, each an
// output of another stage.
func (l *loader) decodeInput(b *hcl.Block, s *stageDecl, t *dag.Task, ctx *hcl.EvalContext) {
	content, diags := b.Body.Content(inputSchema)
	l.add(diags)
	attr, ok := content.Attributes["from"]
	if !ok {
		return
	}
	v, d := attr.Expr.Value(ctx)
	l.add(d)
	if d.HasErrors() {
		return
	}
	var paths []string
	if v.Type() == cty.String {
		single, d := evalString(attr, ctx)
		l.add(d)
		paths = []string{single}
	} else {
		list, d := evalStrings(attr, ctx)
		l.add(d)
		if d.HasErrors() {
			return
		}
		paths = list
	}
	in := dag.Input{Name: b.Labels[0]}
	for _, p := range paths {
		refs := dag.Refs(p)
		if len(refs) != 1 || dag.Placeholder(refs[0]) != p {
			l.add(hcl.Diagnostics{attrError(attr, "Input not from a stage output",
				"from must name an output of another stage, as in stage.extract.output.table (or a list of them). To read a plain file, pass its path in command or env instead.")})
			return
		}
		if st, _ := l.stageOfTask(refs[0].Task); st == s {
			l.add(hcl.Diagnostics{attrError(attr, "Input from the same stage",
				fmt.Sprintf("Stage %q cannot read its own output as an input.", s.name))})
			return
		}
		in.From = append(in.From, refs[0])
	}
	t.Inputs = append(t.Inputs, in)
}

// resolveDeps gives every task its Deps: the instances its values name, all
// instances of a stage it refers to without naming one, and depends_on.
func (l *loader) resolveDeps() {
	for _, s := range l.stages {
		for _, t := range s.tasks {
			deps := map[string]bool{}
			named := map[string]bool{} // stages with a specific instance named
			for _, r := range taskRefs(t) {
				st, ok := l.stageOfTask(r.Task)
				if !ok || st == s {
					continue
				}
				deps[r.Task] = true
				named[st.name] = true
			}
			for _, r := range s.refs {
				if !named[r.stage] {
					for _, dt := range l.stages[l.stageIdx[r.stage]].tasks {
						deps[dt.ID] = true
					}
				}
			}
			for _, d := range s.dependsOn {
				target := l.stages[l.stageIdx[d.stage]]
				if d.key == nil {
					for _, dt := range target.tasks {
						deps[dt.ID] = true
					}
					continue
				}
				id := dag.TaskID(target.name, *d.key, true)
				if !target.keyed || !target.hasKey(*d.key) {
					l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Reference to undeclared instance",
						Detail:  fmt.Sprintf("Stage %q has no instance %q.%s", target.name, *d.key, didYouMean(*d.key, target.keys)),
						Subject: d.rng.Ptr()}})
					continue
				}
				deps[id] = true
			}
			t.Deps = nil
			for id := range deps {
				t.Deps = append(t.Deps, id)
			}
			sort.Strings(t.Deps)
		}
	}
}

// taskRefs lists every segment named in the task's evaluated strings.
func taskRefs(t *dag.Task) []dag.SegmentRef {
	var refs []dag.SegmentRef
	for _, a := range t.Argv {
		refs = append(refs, dag.Refs(a)...)
	}
	for _, v := range t.Env {
		refs = append(refs, dag.Refs(v)...)
	}
	refs = append(refs, dag.Refs(t.Dir)...)
	for _, in := range t.Inputs {
		refs = append(refs, in.From...)
	}
	return refs
}

type publishAt struct {
	path    string // absolute, to compare
	written string // as in the file, to show
	task    string
	rng     hcl.Range
}

// checkPublish rejects two outputs published to one path: the second copy
// would silently replace the first.
func (l *loader) checkPublish([]*dag.Task) {
	first := map[string]publishAt{}
	for _, p := range l.publishRanges {
		if prev, ok := first[p.path]; ok {
			l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Two outputs publish to one path",
				Detail: fmt.Sprintf("Tasks %q and %q both publish to %s; the second would replace the first. In a for_each stage, put each.key in the path.",
					prev.task, p.task, p.written),
				Subject: p.rng.Ptr()}})
			continue
		}
		first[p.path] = p
	}
}
