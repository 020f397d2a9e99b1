package lsp

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/dsl"
)

// waitAnalysis bounds how long a request waits for the analysis of the
// newest text before it answers from an older one.
const waitAnalysis = 2 * time.Second

func (s *Server) hover(p positionParams) (*Hover, error) {
	snap, off, err := s.at(p)
	if err != nil || snap == nil {
		return nil, err
	}
	var text string
	var sp span
	snap.readTree(func() { text, sp = hoverText(snap, off) })
	if text == "" {
		return nil, nil
	}
	h := &Hover{Contents: *markdown(text)}
	if sp.end > sp.start {
		r := snap.text.span(sp.start, sp.end)
		h.Range = &r
	}
	return h, nil
}

// at returns the snapshot of the newest text and the byte offset of a
// position in it.
func (s *Server) at(p positionParams) (*snapshot, int, error) {
	d := s.doc(p.TextDocument.URI)
	if d == nil {
		return nil, 0, rpcError(codeInvalidParams, "%s is not open", p.TextDocument.URI)
	}
	snap := d.latest(waitAnalysis)
	if snap == nil {
		return nil, 0, nil
	}
	off, err := snap.text.offset(p.Position)
	if err != nil {
		return nil, 0, rpcError(codeInvalidParams, "%v", err)
	}
	return snap, off, nil
}

// hoverText is the hover of what is at off, and the span it covers.
func hoverText(snap *snapshot, off int) (string, span) {
	ref := languageReference()
	a := snap.analysis
	if k, sp, ok := snap.index.at(off); ok {
		return symbolHover(snap, k), sp
	}
	pl := locate(snap.index.file, off)
	switch {
	case pl.onType:
		b := pl.block()
		return "**" + b.Type + "** block\n\n" + ref.blocks[b.Type], rangeSpan(b.TypeRange)
	case pl.attr != nil && pl.onName:
		typ, name := pl.blockType(), pl.attr.Name
		var parts []string
		if d, ok := ref.attribute(typ, name); ok {
			parts = append(parts, d.markdown(typ, name))
		}
		if stage := pl.stage(); stage != "" && typ == "stage" {
			if f, ok := a.Stages[stage]; ok {
				switch name {
				case "for_each":
					parts = append(parts, fmt.Sprintf("Makes **%s**.", plural(f.Tasks, "task")))
				case "memory":
					parts = append(parts, "Resolved cap: **"+bytesText(f.Memory)+"** per task.")
					if used := usedText(snap.usage, stage, f.Memory); used != "" {
						parts = append(parts, used)
					}
				case "pool":
					parts = append(parts, "Resolved: "+poolText(a, f.Pool))
				}
			}
		}
		return strings.Join(parts, "\n\n"), rangeSpan(pl.attr.NameRange)
	case pl.node != nil:
		switch n := pl.node.(type) {
		case *hclsyntax.FunctionCallExpr:
			if in(n.NameRange, off) {
				return functionHover(n.Name), rangeSpan(n.NameRange)
			}
		case *hclsyntax.ScopeTraversalExpr:
			root := n.Traversal[0]
			if in(root.SourceRange(), off) {
				if text := ref.roots[n.Traversal.RootName()]; text != "" {
					return text, rangeSpan(root.SourceRange())
				}
			}
		}
	}
	return "", span{}
}

func functionHover(name string) string {
	ref := languageReference()
	for _, f := range dsl.Functions() {
		if f.Name == name {
			return "```\n" + f.Signature + "\n```\n\n" + ref.funcs[name] + ". " + ref.notes["Functions"]
		}
	}
	return ""
}

// symbolHover describes a declared name with what the load resolved.
func symbolHover(snap *snapshot, k symKey) string {
	a := snap.analysis
	switch k.kind {
	case symStage:
		f, ok := a.Stages[k.name]
		head := "**stage " + quote(k.name) + "**"
		if !ok {
			return head + ": not declared"
		}
		text := head + "\n\n" + stageText(a, f)
		if used := usedText(snap.usage, k.name, f.Memory); used != "" {
			text += "\n\n" + used
		}
		return text
	case symPool:
		return "**pool " + quote(k.name) + "**: " + poolText(a, k.name)
	case symVariable:
		head := "**var." + k.name + "**"
		if v, ok := a.Vars[k.name]; ok {
			return head + " = `" + v.Text + "` (from " + v.Source + ")"
		}
		return head + ": no value"
	case symLocal:
		head := "**local." + k.name + "**"
		if v, ok := a.Locals[k.name]; ok {
			return head + " = `" + v.Text + "`"
		}
		return head + ": not evaluated (see the diagnostics)"
	case symOutput:
		return "**output " + quote(k.name) + "** of stage " + quote(k.stage) + ": a segment; its producer writes `$WEIR_OUTPUT_" + strings.ToUpper(k.name) + "`"
	}
	return ""
}

func stageText(a *dsl.Analysis, f dsl.StageFacts) string {
	var parts []string
	switch {
	case f.Tasks == 0:
		parts = append(parts, "No tasks yet: the stage has errors or depends on one that has.")
	case f.Keyed:
		parts = append(parts, fmt.Sprintf("%s (for_each)", plural(f.Tasks, "task")))
	default:
		parts = append(parts, "1 task")
	}
	if f.Tasks > 0 {
		if f.Memory > 0 {
			parts = append(parts, "memory cap "+bytesText(f.Memory)+" per task")
		} else {
			parts = append(parts, "no memory cap")
		}
		if f.CPUs > 0 {
			parts = append(parts, fmt.Sprintf("%g CPUs", f.CPUs))
		}
	}
	pool := f.Pool
	if pool == "" {
		pool = dag.DefaultPool
	}
	return strings.Join(parts, ", ") + "\n\npool " + quote(pool) + ": " + poolText(a, pool)
}

func poolText(a *dsl.Analysis, name string) string {
	pl, ok := a.Pools[name]
	if !ok {
		if name == dag.DefaultPool {
			return "the default pool"
		}
		return "not declared"
	}
	s := pl.Executor
	if s == "" {
		s = "local"
	}
	if pl.Processes > 0 {
		s += ", " + plural(pl.Processes, "process") + " at once"
	}
	if pl.Memory > 0 {
		s += ", " + bytesText(pl.Memory) + " of caps"
	}
	return s
}

func quote(s string) string { return `"` + s + `"` }

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "s") {
		return fmt.Sprintf("%d %ses", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// bytesText writes a size in binary units: "1.5 GiB".
func bytesText(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	f := float64(n)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".") + " " + units[i]
}
