package dsl

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/weirflow/weir/dag"
)

// Options are the inputs of a load besides the file itself.
type Options struct {
	Vars     []string // "name=value" from --var, in order
	VarFiles []string // --var-file paths, in order
	Env      []string // the environment, for WEIR_VAR_name
	// HostMemory is the machine's memory in bytes; a stage cap above it is an
	// error. 0 skips the check.
	HostMemory int64
	NumCPU     int    // default pool slots and the affinity check; 0 = runtime.NumCPU()
	Cwd        string // path.cwd; "" = the process's working directory
	// MaxTasks is the most tasks the workflow may have; 0 = dag.MaxTasks.
	MaxTasks int
	// Focus, a task ID, makes the plan hold only the tasks linked to that
	// task by dependencies either way (all that weir why decides), each as
	// a whole load builds it; none when its key does not exist. Problems
	// in the tasks left out are not looked for.
	Focus string
}

// Parser loads workflow files and keeps their sources, so that diagnostics
// can quote the offending lines.
type Parser struct {
	p      *hclparse.Parser
	blocks *blockCache // NewEditorParser's; nil otherwise
	memo   *stageMemo  // NewEditorParser's; nil otherwise
}

// NewParser returns a Parser with an empty source cache.
func NewParser() *Parser { return &Parser{p: hclparse.NewParser()} }

// Load parses, decodes and checks the workflow at path. It reports every
// problem it finds; the plan is nil when any of them is an error.
func (p *Parser) Load(path string, opts Options) (*dag.Plan, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read workflow file",
			Detail: fmt.Sprintf("%s. Check the path; a workflow is one .hcl file.", err)}}
	}
	return p.LoadSource(src, path, opts)
}

// LoadSource is Load for a workflow already in memory; filename names it in
// messages, and its directory is the workflow's directory.
func (p *Parser) LoadSource(src []byte, filename string, opts Options) (*dag.Plan, hcl.Diagnostics) {
	abs, err := filepath.Abs(filename)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid workflow path", Detail: err.Error()}}
	}
	if opts.NumCPU <= 0 {
		opts.NumCPU = runtime.NumCPU()
	}
	if opts.Cwd == "" {
		opts.Cwd, _ = os.Getwd()
	}
	// The parser keys sources by the name given, so diagnostics show the
	// path as the user typed it.
	file, diags := p.parse(src, filename)
	if file != nil {
		// Messages need the bytes and the block headers, not the tree.
		p.p.AddFile(filename, &hcl.File{Bytes: file.Bytes, Nav: file.Nav})
	}
	if diags.HasErrors() {
		return nil, diags
	}
	l := newLoader(p, filename, abs, opts)
	plan := l.load(file)
	diags = append(diags, l.diags...)
	failed := diags.HasErrors()
	diags = dedupe(diags)
	if failed {
		return nil, diags
	}
	return plan, diags
}

// dedupe drops repeats: a bad expression in a for_each stage fails the same
// way for every instance, and one message is enough.
func dedupe(diags hcl.Diagnostics) hcl.Diagnostics {
	suggestFunctions(diags)
	type key struct {
		summary, detail, file string
		offset                int
	}
	seen := make(map[key]bool, len(diags))
	out := diags[:0:0]
	for _, d := range diags {
		if d == consequence {
			continue
		}
		k := key{summary: d.Summary, detail: d.Detail}
		if d.Subject != nil {
			k.file, k.offset = d.Subject.Filename, d.Subject.Start.Byte
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}
