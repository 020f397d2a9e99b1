package dsl

import (
	"context"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/weirflow/weir/dag"
)

// loader holds the state of one Load: declarations as they are decoded, and
// every diagnostic found so far. Each step appends to diags and keeps going,
// so one run of validate reports every independent problem.
type loader struct {
	parser *Parser
	path   string // as given
	abs    string
	dir    string // the workflow file's directory: relative paths resolve here
	opts   Options
	funcs  map[string]function.Function
	diags  hcl.Diagnostics

	workflow *hcl.Block
	vars     map[string]*variable
	varOrder []string
	varVal   cty.Value // object of every variable's value

	localExprs map[string]*hcl.Attribute
	localVal   cty.Value
	pathVal    cty.Value

	pools   map[string]*poolDecl
	poolSeq []*poolDecl

	stages   []*stageDecl
	stageIdx map[string]int

	settings      dag.Settings
	publishRanges []publishAt

	// ctx stops an analysis whose text an edit has replaced; nil for a
	// load that always runs to its end.
	ctx context.Context

	src    []byte                // the file's, for the memo's keys
	ifaces map[*stageDecl]uint64 // fullIface of expanded stages
	decls  map[*stageDecl]string // declIface of every stage
}

// stopped reports whether the load was cancelled. It is asked between
// steps and every few stages, so a cancelled load ends within
// milliseconds; its result is never used.
func (l *loader) stopped() bool { return l.ctx != nil && l.ctx.Err() != nil }

func newLoader(p *Parser, path, abs string, opts Options) *loader {
	dir := filepath.Dir(abs)
	return &loader{
		parser:     p,
		path:       path,
		abs:        abs,
		dir:        dir,
		opts:       opts,
		funcs:      functions(dir),
		vars:       map[string]*variable{},
		localExprs: map[string]*hcl.Attribute{},
		pools:      map[string]*poolDecl{},
		stageIdx:   map[string]int{},
	}
}

func (l *loader) add(diags hcl.Diagnostics) { l.diags = append(l.diags, diags...) }

func (l *loader) load(file *hcl.File) *dag.Plan {
	content, diags := file.Body.Content(rootSchema)
	l.add(diags)
	l.src = file.Bytes
	if m := l.parser.memo; m != nil {
		m.gen++
		m.reused = 0
	}

	// Declarations first, so every reference can be checked against the
	// complete set of names whatever order the blocks come in.
	for _, b := range content.Blocks {
		switch b.Type {
		case "workflow":
			l.declareWorkflow(b)
		case "variable":
			l.declareVariable(b)
		case "locals":
			l.declareLocals(b)
		case "pool":
			l.declarePool(b)
		case "stage":
			l.declareStage(b)
		}
	}
	l.assignVariables()
	l.evalLocals()
	l.settings = l.decodeWorkflow()
	l.decodePools()
	l.checkEnv()
	for i, s := range l.stages {
		if i%256 == 0 && l.stopped() {
			return nil
		}
		if !l.reuseScan(s) {
			l.scanStage(s)
		}
	}
	order, ok := l.stageOrder()
	if !ok || l.stopped() {
		return nil
	}
	memOrigins := l.memoryOrigins() // before expand drops the syntax trees
	tasks, focused := l.expandFocusIf(order)
	if !focused {
		tasks = l.expand(order)
	}
	if l.diags.HasErrors() || l.stopped() {
		return nil
	}
	g, err := dag.New(tasks)
	if err != nil {
		l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid task graph", Detail: err.Error()}})
		return nil
	}
	return &dag.Plan{
		Name:     l.workflowName(),
		File:     l.abs,
		Settings: l.settings,
		Stages:   l.declaredStages(),
		Pools:    l.planPools(),
		Tasks:    tasks,
		Graph:    g,

		MemoryOrigins: memOrigins,
	}
}

func (l *loader) memoryOrigins() map[string]dag.Pos {
	out := map[string]dag.Pos{}
	for _, s := range l.stages {
		if s.hit != nil {
			if r, ok := s.recalledMemory(); ok {
				out[s.name] = pos(r)
			}
		} else if attr, ok := s.attrs["memory"]; ok {
			out[s.name] = pos(attr.Range)
		}
	}
	return out
}

// baseContext is what every expression may see: variables, locals, path.*
// and the functions. Callers may add to its Variables.
func (l *loader) baseContext() *hcl.EvalContext {
	if l.pathVal == cty.NilVal {
		l.pathVal = cty.ObjectVal(map[string]cty.Value{
			"root": cty.StringVal(l.dir),
			"cwd":  cty.StringVal(l.opts.Cwd),
		})
	}
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": l.varVal, "local": l.localVal, "path": l.pathVal},
		Functions: l.funcs,
	}
}

func (l *loader) workflowName() string {
	if l.workflow != nil {
		return l.workflow.Labels[0]
	}
	return strings.TrimSuffix(filepath.Base(l.abs), filepath.Ext(l.abs))
}

// duplicate reports a second declaration of the same name.
func duplicate(kind, name string, first, again hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Duplicate " + kind,
		Detail:   "A " + kind + " named \"" + name + "\" was already declared at " + first.String() + ". Names must be unique; rename one of them.",
		Subject:  again.Ptr(),
	}
}

func (l *loader) varNames() []string { return sortedKeys(l.vars) }

func (l *loader) localNames() []string { return sortedKeys(l.localExprs) }

// stageNames lists the declared stages, sorted for suggestions.
func (l *loader) stageNames() []string { return sortedKeys(l.stageIdx) }

func (l *loader) declaredStages() []string {
	names := make([]string, len(l.stages))
	for i, s := range l.stages {
		names[i] = s.name
	}
	return names
}

func (l *loader) poolNames() []string { return sortedKeys(l.pools) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// identifier reports whether s is a plain name: a letter or underscore, then
// letters, digits and underscores. Names become environment variables and
// file names, so nothing else is allowed.
func identifier(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// upperName is a name as it appears in an environment variable:
// WEIR_OUTPUT_<upperName>.
func upperName(s string) string { return strings.ToUpper(s) }
