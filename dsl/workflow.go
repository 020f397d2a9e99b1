package dsl

import (
	"os"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/weirflow/weir/dag"
)

// DefaultShmDir is where segments live when the workflow names no shm_dir:
// tmpfs, so that a handoff between stages never touches a disk. One per
// user (/dev/shm/weir-<uid>, made 0700): a directory shared by every user
// would be made by the first, and lock out or expose the others.
var DefaultShmDir = "/dev/shm/weir-" + strconv.Itoa(os.Getuid())

// DefaultStateDir is the state directory, relative to the workflow file.
const DefaultStateDir = ".weir"

func (l *loader) declareWorkflow(b *hcl.Block) {
	if l.workflow != nil {
		l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Duplicate workflow block",
			Detail:  "A file has at most one workflow block; the first is at " + l.workflow.DefRange.String() + ". Merge their settings.",
			Subject: b.DefRange.Ptr()}})
		return
	}
	if !hclsyntax.ValidIdentifier(b.Labels[0]) {
		l.add(hcl.Diagnostics{badName("workflow", b.Labels[0], b.LabelRanges[0])})
	}
	l.workflow = b
}

func (l *loader) decodeWorkflow() dag.Settings {
	s := dag.Settings{
		StateDir: resolve(l.dir, DefaultStateDir),
		ShmDir:   DefaultShmDir,
	}
	if l.workflow == nil {
		return s
	}
	content, diags := l.workflow.Body.Content(workflowSchema)
	l.add(diags)
	ctx := l.baseContext()
	for _, attr := range content.Attributes {
		if _, d := l.checkRefs(attr.Expr, scopeVar|scopeLocal|scopePath, "the workflow block", nil); d.HasErrors() {
			l.add(d)
			continue
		}
		switch attr.Name {
		case "state_dir", "shm_dir":
			v, d := evalString(attr, ctx)
			l.add(d)
			if d.HasErrors() {
				continue
			}
			if v == "" {
				l.add(hcl.Diagnostics{attrError(attr, "Empty directory", attr.Name+" must name a directory.")})
				continue
			}
			if attr.Name == "state_dir" {
				s.StateDir = resolve(l.dir, v)
			} else {
				s.ShmDir = resolve(l.dir, v)
			}
		case "memory_budget":
			n, d := evalSize(attr, ctx)
			l.add(d)
			s.MemoryBudget = n
			s.MemoryBudgetOrigin = pos(attr.Range)
		case "shm_reuse":
			n, d := evalSize(attr, ctx)
			l.add(d)
			s.ShmReuse = n
		case "description":
			_, d := evalString(attr, ctx)
			l.add(d)
		}
	}
	return s
}

func badName(kind, name string, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid " + kind + " name",
		Detail:   "A " + kind + " name starts with a letter or underscore and holds only letters, digits, underscores and dashes; \"" + name + "\" does not.",
		Subject:  rng.Ptr(),
	}
}
