package dsl

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/weirflow/weir/dag"
)

// stageDecl is a stage block as declared, and later its instances.
type stageDecl struct {
	name    string
	block   *hcl.Block
	attrs   hcl.Attributes
	retry   *hcl.Block
	inputs  []*hcl.Block
	outputs []*hcl.Block
	forEach *hcl.Attribute

	defRange  hcl.Range
	pool      string
	refs      []stageRef // stages referenced in expressions, first range each, sorted by name
	dependsOn []dependency

	broken bool // scanStage found an error: no tasks, value unknown

	// For an editor parser's memo: dirty is set when any step of this
	// stage added a diagnostic; hit is the remembered load of the same
	// block text, while the load may still reuse it.
	dirty bool
	hit   *memoStage

	// Set by expand.
	keyed    bool
	keys     []string
	each     []cty.Value         // each.value per key; nil when each.value is each.key or span's
	span     *stageKeys          // for_each = range(...): each.value of key i is span.value(i)
	usesSelf bool                // an expression of the stage refers to self
	plans    map[string]*strPlan // per-task attributes compiled by name; nil entry: evaluated as usual
	// keyIndex holds keys, built on the first hasKey.
	keyIndex map[string]struct{}
	tasks    []*dag.Task
	value    cty.Value // what stage.NAME evaluates to
}

// dependency is one element of depends_on: a whole stage, or one instance.
type dependency struct {
	stage string
	key   *string
	rng   hcl.Range
}

func (s *stageDecl) hasOutput(name string) bool {
	for _, b := range s.outputs {
		if b.Labels[0] == name {
			return true
		}
	}
	return false
}

func (s *stageDecl) outputNames() []string {
	names := make([]string, len(s.outputs))
	for i, b := range s.outputs {
		names[i] = b.Labels[0]
	}
	return names
}

func (l *loader) declareStage(b *hcl.Block) {
	name := b.Labels[0]
	if !hclsyntax.ValidIdentifier(name) {
		l.add(hcl.Diagnostics{badName("stage", name, b.LabelRanges[0])})
		return
	}
	if i, ok := l.stageIdx[name]; ok {
		l.add(hcl.Diagnostics{duplicate("stage", name, l.stages[i].defRange, b.DefRange)})
		return
	}
	s := &stageDecl{name: name, block: b, defRange: b.DefRange, pool: dag.DefaultPool}
	if !l.recall(s) {
		before := len(l.diags)
		l.declareBody(s)
		s.dirty = len(l.diags) > before
	}
	l.stageIdx[name] = len(l.stages)
	l.stages = append(l.stages, s)
}

// declareBody decodes a stage block's attributes and blocks.
func (l *loader) declareBody(s *stageDecl) {
	content, diags := s.block.Body.Content(stageSchema)
	l.add(diags)
	s.attrs = content.Attributes
	s.forEach = content.Attributes["for_each"]
	seen := map[string]*hcl.Block{}
	for _, blk := range content.Blocks {
		switch blk.Type {
		case "retry":
			if s.retry != nil {
				l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Duplicate retry block",
					Detail: "A stage has at most one retry block; the first is at " + s.retry.DefRange.String() + ".", Subject: blk.DefRange.Ptr()}})
				continue
			}
			s.retry = blk
		case "input", "output":
			label := blk.Labels[0]
			if !identifier(label) {
				l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid " + blk.Type + " name",
					Detail: fmt.Sprintf("%q cannot name an %s: the name becomes an environment variable (WEIR_%s_NAME) and a file name, so it holds only letters, digits and underscores and does not start with a digit.",
						label, blk.Type, upperName(blk.Type)),
					Subject: blk.LabelRanges[0].Ptr()}})
				continue
			}
			key := blk.Type + " " + upperName(label)
			if prev, ok := seen[key]; ok {
				l.add(hcl.Diagnostics{duplicate(blk.Type, label, prev.DefRange, blk.DefRange)})
				continue
			}
			seen[key] = blk
			if blk.Type == "input" {
				s.inputs = append(s.inputs, blk)
			} else {
				s.outputs = append(s.outputs, blk)
			}
		}
	}
}

// scanStage checks a stage's references and structure before any of it is
// evaluated, and records the stages it depends on.
func (l *loader) scanStage(s *stageDecl) {
	before := len(l.diags)
	defer func() {
		s.broken = l.diags[before:].HasErrors()
		s.dirty = s.dirty || len(l.diags) > before
	}()
	_, hasCmd := s.attrs["command"]
	script, hasScript := s.attrs["script"]
	switch {
	case hasCmd && hasScript:
		l.add(hcl.Diagnostics{attrError(script, "Both command and script",
			"A stage runs either a command (a list of arguments, no shell) or a script (run by /bin/sh -eu); remove one.")})
	case !hasCmd && !hasScript:
		l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Stage has nothing to run",
			Detail:  fmt.Sprintf("Stage %q needs command = [\"program\", \"arg\", ...] or script = <<-EOT ... EOT.", s.name),
			Subject: s.defRange.Ptr()}})
	}
	if attr, ok := s.attrs["pool"]; ok {
		l.scanPool(s, attr)
	}
	if attr, ok := s.attrs["depends_on"]; ok {
		l.scanDependsOn(s, attr)
	}
	sc := scopeVar | scopeLocal | scopePath | scopeStage | scopeSelf
	if s.forEach != nil {
		sc |= scopeEach
	}
	where := fmt.Sprintf("stage %q", s.name)
	scan := func(expr hcl.Expression, sc scope) {
		refs, diags := l.checkRefs(expr, sc, where, s)
		l.add(diags)
		for _, r := range refs {
			if r.stage == s.name {
				l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Stage refers to itself",
					Detail: fmt.Sprintf("Stage %q cannot depend on itself. To name its own outputs, use self.output.NAME.", s.name), Subject: r.rng.Ptr()}})
				continue
			}
			if _, ok := s.ref(r.stage); !ok {
				s.refs = append(s.refs, r)
			}
		}
	}
	for _, name := range sortedKeys(s.attrs) {
		switch name {
		case "pool", "depends_on":
		case "for_each":
			scan(s.attrs[name].Expr, scopeVar|scopeLocal|scopePath|scopeStage)
		default:
			scan(s.attrs[name].Expr, sc)
		}
	}
	for _, blk := range l.stageBlocks(s) {
		attrs, diags := blk.Body.JustAttributes()
		if diags.HasErrors() {
			continue // decoded with its schema later, which reports it
		}
		for _, name := range sortedKeys(attrs) {
			scan(attrs[name].Expr, sc)
		}
	}
}

func (l *loader) stageBlocks(s *stageDecl) []*hcl.Block {
	blocks := slices.Concat(s.inputs, s.outputs)
	if s.retry != nil {
		blocks = append(blocks, s.retry)
	}
	return blocks
}

func (l *loader) scanPool(s *stageDecl, attr *hcl.Attribute) {
	tr, diags := hcl.AbsTraversalForExpr(attr.Expr)
	name, ok := attrName(tr, 1)
	if diags.HasErrors() || len(tr) != 2 || tr.IsRelative() || tr.RootName() != "pool" || !ok {
		l.add(hcl.Diagnostics{attrError(attr, "Invalid pool reference",
			"pool takes a reference to a pool block, such as pool = pool.cpu (not a string).")})
		return
	}
	if _, ok := l.pools[name]; !ok && name != dag.DefaultPool {
		l.add(hcl.Diagnostics{attrError(attr, "Reference to undeclared pool",
			fmt.Sprintf("No pool %q is declared.%s Declare it with a pool \"%s\" block, or leave pool out to use the default pool.",
				name, didYouMean(name, append(l.poolNames(), dag.DefaultPool)), name))})
		return
	}
	s.pool = name
}

func (l *loader) scanDependsOn(s *stageDecl, attr *hcl.Attribute) {
	exprs, diags := hcl.ExprList(attr.Expr)
	if diags.HasErrors() {
		l.add(hcl.Diagnostics{attrError(attr, "Invalid depends_on",
			"depends_on is a list of stage references, such as [stage.extract, stage.shard[\"a\"]].")})
		return
	}
	for _, e := range exprs {
		tr, d := hcl.AbsTraversalForExpr(e)
		name, key, ok := traversalStage(tr)
		if d.HasErrors() || !ok {
			l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid depends_on element",
				Detail:  "Each element is a stage reference: stage.NAME, or stage.NAME[\"key\"] for one instance of a for_each stage.",
				Subject: e.Range().Ptr()}})
			continue
		}
		if _, ok := l.stageIdx[name]; !ok {
			l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Reference to undeclared stage",
				Detail:  fmt.Sprintf("No stage %q is declared.%s", name, didYouMean(name, l.stageNames())),
				Subject: e.Range().Ptr()}})
			continue
		}
		if name == s.name {
			l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Stage refers to itself",
				Detail: fmt.Sprintf("Stage %q cannot depend on itself.", s.name), Subject: e.Range().Ptr()}})
			continue
		}
		s.dependsOn = append(s.dependsOn, dependency{stage: name, key: key, rng: e.Range()})
	}
}

// stageOrder sorts stages so that every stage comes after those it refers
// to, and reports a cycle with the reference that closes it.
func (l *loader) stageOrder() ([]*stageDecl, bool) {
	names := make([]string, len(l.stages))
	succ := make([][]int32, len(l.stages))
	for i, s := range l.stages {
		names[i] = s.name
		for _, dep := range l.depStages(s) {
			j := l.stageIdx[dep]
			succ[j] = append(succ[j], int32(i))
		}
	}
	order, cycle := dag.SortIndex(names, succ)
	if cycle != nil {
		l.add(hcl.Diagnostics{l.cycleDiagnostic(cycle.Path)})
		return nil, false
	}
	out := make([]*stageDecl, len(order))
	for i, j := range order {
		out[i] = l.stages[j]
	}
	return out, true
}

// depStages lists the stages s depends on, each once, in a stable order.
func (l *loader) depStages(s *stageDecl) []string {
	deps := make([]string, 0, len(s.refs)+len(s.dependsOn))
	for _, r := range s.refs {
		deps = append(deps, r.stage)
	}
	slices.Sort(deps)
	for _, d := range s.dependsOn {
		if !slices.Contains(deps, d.stage) {
			deps = append(deps, d.stage)
		}
	}
	return deps
}

// refRange is where stage s refers to stage dep.
func (s *stageDecl) refRange(dep string) hcl.Range {
	if r, ok := s.ref(dep); ok {
		return r
	}
	for _, d := range s.dependsOn {
		if d.stage == dep {
			return d.rng
		}
	}
	return s.defRange
}

// ref returns where s first refers to stage name in an expression. A stage
// refers to few others, so a slice beats a map here, and there is one per
// stage.
func (s *stageDecl) ref(name string) (hcl.Range, bool) {
	for _, r := range s.refs {
		if r.stage == name {
			return r.rng, true
		}
	}
	return hcl.Range{}, false
}

// release drops the syntax tree of a stage whose tasks are built: on large
// workflows the tree is most of the memory a load holds.
func (s *stageDecl) release() {
	s.block, s.attrs, s.retry, s.inputs, s.outputs, s.forEach, s.plans = nil, nil, nil, nil, nil, nil, nil
}

// cycleDiagnostic turns a cycle path (each stage before the one that uses it,
// first == last) into a message that reads in "depends on" order and points
// at the reference that closes the loop.
func (l *loader) cycleDiagnostic(path []string) *hcl.Diagnostic {
	rev := slices.Clone(path)
	slices.Reverse(rev)
	user := l.stages[l.stageIdx[rev[0]]]
	rng := user.refRange(rev[1])
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Dependency cycle",
		Detail: fmt.Sprintf("These stages depend on each other in a loop: %s (each depends on the next). A loop can never start; remove one of these references.",
			joinArrow(rev, "stage.")),
		Subject: rng.Ptr(),
	}
}
