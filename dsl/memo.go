package dsl

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/weirflow/weir/dag"
)

// stageMemo keeps, for an editor parser, what its loads learned of every
// stage that loaded without a diagnostic: references, keys and tasks. The
// next load reuses a stage whose syntax tree the parser's block cache
// reused (so its text came back, moved into place),
// when what the stage read is unchanged too: the variables, locals, pools
// and workflow settings (the memo's env), and the declarations and keys of
// the stages it refers to. An edit inside one stage then decodes that stage
// and the stages whose inputs it changed, not the whole workflow.
// TestMemoMatchesLoad holds the result to a load from scratch.
type stageMemo struct {
	env   *memoEnv
	items map[*hclsyntax.Body]*memoStage
	gen   int // of the newest load
	// reused counts the stages whose tasks the newest load took from the
	// memo, for tests.
	reused int
}

func newStageMemo() *stageMemo { return &stageMemo{items: map[*hclsyntax.Body]*memoStage{}} }

// memoStage is one stage as a load left it.
type memoStage struct {
	gen   int
	start hcl.Pos // of the block when remembered

	pool      string
	keyedDecl bool // declares for_each
	outNames  []string
	refs      []stageRef
	dependsOn []dependency
	memory    *hcl.Range // the memory attribute's, nil without one
	deps      []memoDep

	keyed    bool
	keys     []string
	each     []cty.Value
	span     *stageKeys
	usesSelf bool
	value    cty.Value // stage.NAME; cty.NilVal until a load needed it
	tasks    []*dag.Task
	publish  []publishAt
}

// memoDep is what a remembered stage saw of a stage it refers to.
type memoDep struct {
	name string
	decl string // declIface
	full uint64 // fullIface
}

// memoEnv is what every stage may read besides other stages.
type memoEnv struct {
	text                 string // file name and options
	vars, locals         cty.Value
	varNames, localNames []string
	pools, settings      string
}

func (e *memoEnv) equal(o *memoEnv) bool {
	return o != nil && e.text == o.text && e.pools == o.pools && e.settings == o.settings &&
		slices.Equal(e.varNames, o.varNames) && slices.Equal(e.localNames, o.localNames) &&
		rawEqual(e.vars, o.vars) && rawEqual(e.locals, o.locals)
}

func rawEqual(a, b cty.Value) bool {
	if a == cty.NilVal || b == cty.NilVal {
		return a == cty.NilVal && b == cty.NilVal
	}
	return a.RawEquals(b)
}

// env is the memo's view of what the load decoded before its stages.
func (l *loader) env() *memoEnv {
	opts := l.opts
	e := &memoEnv{
		text:       fmt.Sprintf("%s\x00%s\x00%#v", l.path, l.abs, opts),
		vars:       l.varVal,
		locals:     l.localVal,
		varNames:   l.varNames(),
		localNames: l.localNames(),
	}
	// Where a pool or setting is declared shows only in messages about
	// stages that have some, and those are never remembered.
	for _, name := range l.poolNames() {
		p := l.pools[name].pool
		p.Origin, p.MemoryOrigin = dag.Pos{}, dag.Pos{}
		e.pools += fmt.Sprintf("%+v\x00", p)
	}
	st := l.settings
	st.MemoryBudgetOrigin = dag.Pos{}
	e.settings = fmt.Sprintf("%+v", st)
	return e
}

// checkEnv compares the env with the memo's and forgets every stage when
// it changed.
func (l *loader) checkEnv() {
	m := l.parser.memo
	if m == nil {
		return
	}
	e := l.env()
	if !e.equal(m.env) {
		clear(m.items)
		m.env = e
		for _, s := range l.stages {
			l.forget(s)
		}
	}
}

// memoKey is a stage block's body. The parser's block cache hands out a
// tree again only for the same text, so the same body means the same
// block, perhaps moved.
func memoKey(b *hcl.Block) *hclsyntax.Body {
	body, _ := b.Body.(*hclsyntax.Body)
	return body
}

// blockText is the source of a stage block, from its type to its closing
// brace.
func (l *loader) blockText(b *hcl.Block) []byte {
	body, ok := b.Body.(*hclsyntax.Body)
	if !ok || l.src == nil {
		return nil
	}
	return l.src[b.DefRange.Start.Byte:body.SrcRange.End.Byte]
}

// recall declares s from the memo when its block text was remembered. The
// stage's own declaration depends on nothing else; whether the rest still
// holds is decided by reuseScan and reuseTasks.
func (l *loader) recall(s *stageDecl) bool {
	m := l.parser.memo
	if m == nil {
		return false
	}
	it := m.items[memoKey(s.block)]
	if it == nil || it.gen == m.gen {
		return false
	}
	it.gen = m.gen
	d := moveBy(it.start, s.block.DefRange.Start)
	s.hit = it
	s.pool = it.pool
	if it.keyedDecl {
		s.forEach = forEachMark
	}
	for _, name := range it.outNames {
		s.outputs = append(s.outputs, &hcl.Block{Type: "output", Labels: []string{name}})
	}
	s.refs = make([]stageRef, len(it.refs))
	for i, r := range it.refs {
		d.rng(&r.rng)
		s.refs[i] = r
	}
	s.dependsOn = make([]dependency, len(it.dependsOn))
	for i, dep := range it.dependsOn {
		d.rng(&dep.rng)
		s.dependsOn[i] = dep
	}
	return true
}

// forEachMark stands for the for_each of a recalled stage, whose syntax
// tree is not decoded: other stages only ask whether there is one.
var forEachMark = &hcl.Attribute{Name: "for_each"}

func moveBy(from, to hcl.Pos) delta {
	return delta{lines: to.Line - from.Line, bytes: to.Byte - from.Byte}
}

// forget decodes a recalled stage after all, as declareStage would have.
// Its text declared cleanly before, so this adds no diagnostic.
func (l *loader) forget(s *stageDecl) {
	if s.hit == nil {
		return
	}
	s.hit = nil
	s.forEach, s.outputs = nil, nil
	s.refs, s.dependsOn, s.pool = nil, nil, dag.DefaultPool
	l.declareBody(s)
}

// reuseScan reports whether the recalled stage s still references what it
// did: every stage it names declared as before. Otherwise s is forgotten
// and scanned again.
func (l *loader) reuseScan(s *stageDecl) bool {
	if s.hit == nil {
		return false
	}
	for _, dep := range s.hit.deps {
		i, ok := l.stageIdx[dep.name]
		if !ok || l.declIface(l.stages[i]) != dep.decl {
			l.forget(s)
			return false
		}
	}
	return true
}

// reuseTasks reports whether the recalled stage s, its references
// reused, still expands as it did: the stages it refers to have the keys
// they had. before is the number of tasks expanded so far. It sets what
// expand would; otherwise s keeps only its references.
func (l *loader) reuseTasks(s *stageDecl, before int) bool {
	it := s.hit
	if it == nil {
		return false
	}
	ok := !it.keyed || before+len(it.keys) <= l.maxTasks()
	for _, dep := range it.deps {
		if !ok {
			break
		}
		ok = l.fullIface(l.stages[l.stageIdx[dep.name]]) == dep.full
	}
	if !ok {
		refs, dependsOn, pool := s.refs, s.dependsOn, s.pool
		l.forget(s)
		s.refs, s.dependsOn, s.pool = refs, dependsOn, pool
		return false
	}
	s.keyed, s.keys, s.each, s.span, s.usesSelf = it.keyed, it.keys, it.each, it.span, it.usesSelf
	return true
}

// recalledTasks gives a reused stage its tasks and published paths, moved
// to where its block is now.
func (l *loader) recalledTasks(s *stageDecl) {
	it := s.hit
	l.parser.memo.reused++
	d := moveBy(it.start, s.block.DefRange.Start)
	s.tasks = it.tasks
	if d != (delta{}) {
		// The tasks of the last analysis stay as they were: a caller may
		// still read its plan.
		slab := make([]dag.Task, len(it.tasks))
		s.tasks = make([]*dag.Task, len(it.tasks))
		for i, t := range it.tasks {
			slab[i] = *t
			slab[i].Origin.Line += d.lines
			s.tasks[i] = &slab[i]
		}
	}
	for _, p := range it.publish {
		d.rng(&p.rng)
		l.publishRanges = append(l.publishRanges, p)
	}
}

// recalledMemory is where a recalled stage sets memory.
func (s *stageDecl) recalledMemory() (hcl.Range, bool) {
	if s.hit.memory == nil {
		return hcl.Range{}, false
	}
	r := *s.hit.memory
	moveBy(s.hit.start, s.block.DefRange.Start).rng(&r)
	return r, true
}

// usesFiles matches a call of file or fileexists: what they read can
// change on disk while the text stays the same.
var usesFiles = regexp.MustCompile(`file(exists)?\s*\(`)

// remember records s, its tasks built, for the next load; publish are the
// paths its tasks publish. Only a stage without any diagnostic is kept.
func (l *loader) remember(s *stageDecl, publish []publishAt) {
	m := l.parser.memo
	if m == nil || s.dirty || s.broken || len(s.tasks) != len(s.keys) {
		return
	}
	if it := s.hit; it != nil {
		// Reused: only where it is, and what the load added, change.
		if r, ok := s.recalledMemory(); ok {
			it.memory = &r
		}
		it.start, it.tasks, it.publish, it.refs, it.dependsOn = s.block.DefRange.Start, s.tasks, publish, s.refs, s.dependsOn
		if s.value != cty.DynamicVal {
			it.value = s.value
		}
		return
	}
	key, text := memoKey(s.block), l.blockText(s.block)
	if key == nil || text == nil || usesFiles.Match(text) {
		return
	}
	it := &memoStage{
		gen: m.gen, start: s.block.DefRange.Start,
		pool: s.pool, keyedDecl: s.forEach != nil, outNames: s.outputNames(),
		refs: s.refs, dependsOn: s.dependsOn,
		keyed: s.keyed, keys: s.keys, each: s.each, span: s.span, usesSelf: s.usesSelf, value: s.value,
		tasks: s.tasks, publish: publish,
	}
	if attr := s.attrs["memory"]; attr != nil {
		r := attr.Range
		it.memory = &r
	}
	if it.value == cty.DynamicVal {
		it.value = cty.NilVal
	}
	for _, name := range l.depStages(s) {
		t := l.stages[l.stageIdx[name]]
		it.deps = append(it.deps, memoDep{name: name, decl: l.declIface(t), full: l.fullIface(t)})
	}
	m.items[key] = it
}

// prune drops what the last load did not use, so that the memo follows
// the text.
func (m *stageMemo) prune() {
	for k, it := range m.items {
		if it.gen != m.gen {
			delete(m.items, k)
		}
	}
}

// declIface is what scanning another stage reads of s, kept from before
// expand releases the stage's syntax tree.
func (l *loader) declIface(s *stageDecl) string {
	if v, ok := l.decls[s]; ok {
		return v
	}
	if l.decls == nil {
		l.decls = map[*stageDecl]string{}
	}
	l.decls[s] = declIfaceOf(s)
	return l.decls[s]
}

func declIfaceOf(s *stageDecl) string {
	out := "-"
	if s.forEach != nil {
		out = "each"
	}
	for _, o := range s.outputNames() {
		out += "\x00" + o
	}
	return out
}

// fullIface is what building another stage's tasks reads of s, which is
// expanded by then: whether it failed, and its keys.
func (l *loader) fullIface(s *stageDecl) uint64 {
	if v, ok := l.ifaces[s]; ok {
		return v
	}
	if l.ifaces == nil {
		l.ifaces = map[*stageDecl]uint64{}
	}
	l.ifaces[s] = l.fullIfaceOf(s)
	return l.ifaces[s]
}

func (l *loader) fullIfaceOf(s *stageDecl) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%t\x00%t\x00%d", l.declIface(s), s.broken, s.keyed, len(s.keys))
	for _, k := range s.keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
	}
	return h.Sum64()
}
