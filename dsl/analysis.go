package dsl

import (
	"context"
	"os"
	"path/filepath"
	"runtime"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/weirflow/weir/dag"
)

// Analysis is one load of a workflow as an editor sees it: the diagnostics
// and plan that LoadSource gives, and what the load learned on the way that
// a plan does not keep (the values of variables and locals, and each
// stage's tasks even when another stage is in error).
type Analysis struct {
	Plan  *dag.Plan // nil when any diagnostic is an error
	Diags hcl.Diagnostics

	// File is the syntax tree the load read, as far as the parser
	// recovered; Parsed is false when the text has syntax errors. Editors
	// index it instead of parsing the text a second time.
	File   *hcl.File
	Parsed bool

	Vars   map[string]Value // by variable name; only those with a value
	Locals map[string]Value // by local name; only those evaluated
	Stages map[string]StageFacts
	Pools  map[string]dag.Pool // declared pools as decoded, and the default

	// Name and StateDir are the workflow's, as a plan would have them,
	// known even when the plan is not: where an editor finds past runs.
	Name     string
	StateDir string
}

// Value is a variable's or local's value written as HCL, and where it came
// from, as messages say it ("its default", a --var flag, a var file; ""
// for locals).
type Value struct {
	Text   string
	Source string
}

// StageFacts are a stage's resolved settings, known once its tasks were
// built.
type StageFacts struct {
	Pool   string
	Keyed  bool // a for_each stage
	Tasks  int  // tasks made; 0 if the stage could not be expanded
	Memory int64
	CPUs   float64
}

// Analyze loads src as LoadSource does, with the same diagnostics, and keeps
// what an editor shows beside them. TestAnalyzeDiagnostics holds the two to
// the same results.
func (p *Parser) Analyze(src []byte, filename string, opts Options) *Analysis {
	a, _ := p.AnalyzeContext(context.Background(), src, filename, opts)
	return a
}

// AnalyzeContext is Analyze that stops early, with a nil Analysis and the
// context's error, once ctx is done: an editor cancels the analysis of a
// text an edit has replaced.
func (p *Parser) AnalyzeContext(ctx context.Context, src []byte, filename string, opts Options) (*Analysis, error) {
	a := &Analysis{Vars: map[string]Value{}, Locals: map[string]Value{}, Stages: map[string]StageFacts{}, Pools: map[string]dag.Pool{}}
	abs, err := filepath.Abs(filename)
	if err != nil {
		a.Diags = hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid workflow path", Detail: err.Error()}}
		return a, nil
	}
	if opts.NumCPU <= 0 {
		opts.NumCPU = runtime.NumCPU()
	}
	if opts.Cwd == "" {
		opts.Cwd, _ = os.Getwd()
	}
	file, diags := p.parse(src, filename)
	a.File, a.Parsed = file, !diags.HasErrors()
	if file != nil {
		p.p.AddFile(filename, &hcl.File{Bytes: file.Bytes, Nav: file.Nav})
	}
	if diags.HasErrors() {
		a.Diags = diags
		return a, nil
	}
	l := newLoader(p, filename, abs, opts)
	l.ctx = ctx
	plan := l.load(file)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	diags = append(diags, l.diags...)
	failed := diags.HasErrors()
	a.Diags = dedupe(diags)
	a.Name, a.StateDir = l.workflowName(), l.settings.StateDir
	if !failed {
		a.Plan = plan
	}
	for name, v := range l.vars {
		if v.value != cty.NilVal && v.value.IsWhollyKnown() {
			a.Vars[name] = Value{Text: valueText(v.value), Source: v.source}
		}
	}
	if l.localVal != cty.NilVal && l.localVal.Type().IsObjectType() {
		for name, v := range l.localVal.AsValueMap() {
			if v.IsWhollyKnown() {
				a.Locals[name] = Value{Text: valueText(v)}
			}
		}
	}
	for name, pd := range l.pools {
		a.Pools[name] = pd.pool
	}
	if plan != nil {
		for _, pl := range plan.Pools {
			a.Pools[pl.Name] = *pl
		}
	}
	for _, s := range l.stages {
		f := StageFacts{Pool: s.pool, Keyed: s.keyed, Tasks: len(s.tasks)}
		if len(s.tasks) > 0 {
			f.Memory, f.CPUs = s.tasks[0].Memory, s.tasks[0].CPUs
			f.Pool = s.tasks[0].Pool
		}
		a.Stages[s.name] = f
	}
	return a, nil
}

// valueText writes v as an HCL expression.
func valueText(v cty.Value) string {
	return string(hclwrite.TokensForValue(v).Bytes())
}
