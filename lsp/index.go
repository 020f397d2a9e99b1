package lsp

import (
	"maps"
	"slices"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// symKind is what a name declares.
type symKind int

const (
	symStage symKind = iota
	symOutput
	symPool
	symVariable
	symLocal
)

func (k symKind) String() string {
	return [...]string{"stage", "output", "pool", "variable", "local"}[k]
}

// symKey names one declaration: outputs are named within their stage.
type symKey struct {
	kind  symKind
	stage string // outputs only
	name  string
}

// span is a byte range of the source.
type span struct{ start, end int }

func (s span) contains(off int) bool { return s.start <= off && off <= s.end }

// decl is a declaration: the name's span (inside the quotes of a label) and
// the whole block's or attribute's span.
type decl struct {
	key   symKey
	name  span
	whole span
}

// ref is a use of a declared name, at the name itself: "extract" in
// stage.extract.output.table.
type ref struct {
	key symKey
	at  span
}

// index is what the syntax tree of one text declares and references.
type index struct {
	file   *hcl.File
	parsed bool // the text parsed without errors
	decls  map[symKey]*decl
	order  []*decl // declaration order
	refs   []ref
}

// buildIndex indexes the syntax tree f of src; parsed says whether src
// parsed without errors. A text with syntax errors is indexed as far as
// the parser recovered.
func buildIndex(f *hcl.File, src []byte, parsed bool) *index {
	return buildIndexWith(f, src, parsed, nil)
}

// refCache keeps the references found in each top-level block of the last
// index, by block, at offsets from the block's start: an editor parser
// hands the same block back when its text did not change, perhaps moved,
// and its references move with it.
type refCache map[*hclsyntax.Block][]ref

// buildIndexWith is buildIndex reusing, and then refilling, the references
// of the blocks in cache; a nil cache finds them all.
func buildIndexWith(f *hcl.File, src []byte, parsed bool, cache refCache) *index {
	x := &index{file: f, parsed: parsed, decls: map[symKey]*decl{}}
	if f == nil {
		return x
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return x
	}
	for _, b := range body.Blocks {
		switch b.Type {
		case "variable", "pool", "stage":
			if len(b.Labels) != 1 {
				break
			}
			kind := map[string]symKind{"variable": symVariable, "pool": symPool, "stage": symStage}[b.Type]
			x.declare(symKey{kind: kind, name: b.Labels[0]}, labelSpan(src, b.LabelRanges[0]), rangeSpan(b.Range()))
			if b.Type == "stage" {
				for _, o := range b.Body.Blocks {
					if o.Type == "output" && len(o.Labels) == 1 {
						x.declare(symKey{kind: symOutput, stage: b.Labels[0], name: o.Labels[0]}, labelSpan(src, o.LabelRanges[0]), rangeSpan(o.Range()))
					}
				}
			}
		case "locals":
			for _, a := range b.Body.Attributes {
				x.declare(symKey{kind: symLocal, name: a.Name}, rangeSpan(a.NameRange), rangeSpan(a.SrcRange))
			}
		}
	}
	next := refCache{}
	for _, b := range body.Blocks {
		start := b.TypeRange.Start.Byte
		if c, ok := cache[b]; ok {
			for _, r := range c {
				r.at.start += start
				r.at.end += start
				x.refs = append(x.refs, r)
			}
			next[b] = c
			continue
		}
		stage := ""
		if b.Type == "stage" && len(b.Labels) == 1 {
			stage = b.Labels[0]
		}
		n := len(x.refs)
		x.walkBody(b.Body, stage)
		if cache != nil {
			// Kept from the block's start, which an edit above it moves.
			rel := slices.Clone(x.refs[n:])
			for i := range rel {
				rel[i].at.start -= start
				rel[i].at.end -= start
			}
			next[b] = rel
		}
	}
	if cache != nil {
		clear(cache)
		maps.Copy(cache, next)
	}
	for _, a := range body.Attributes {
		x.walkExpr(a.Expr, "")
	}
	// Attributes come from maps: put everything in source order.
	sort.SliceStable(x.order, func(i, j int) bool { return x.order[i].name.start < x.order[j].name.start })
	sort.SliceStable(x.refs, func(i, j int) bool { return x.refs[i].at.start < x.refs[j].at.start })
	return x
}

func (x *index) declare(k symKey, name, whole span) {
	if _, dup := x.decls[k]; dup {
		return // the first declaration is the one; Load reports the second
	}
	d := &decl{key: k, name: name, whole: whole}
	x.decls[k] = d
	x.order = append(x.order, d)
}

func (x *index) walkBody(b *hclsyntax.Body, stage string) {
	for _, a := range b.Attributes {
		x.walkExpr(a.Expr, stage)
	}
	for _, nested := range b.Blocks {
		x.walkBody(nested.Body, stage)
	}
}

func (x *index) walkExpr(e hclsyntax.Expression, stage string) {
	hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
		switch n := n.(type) {
		case *hclsyntax.ScopeTraversalExpr:
			x.traversal(n.Traversal, stage)
		case *hclsyntax.SplatExpr:
			// values(stage.X)[*].output.Y and stage.X[*].output.Y
			if src := splatStage(n.Source); src != "" {
				if rel, ok := n.Each.(*hclsyntax.RelativeTraversalExpr); ok {
					x.outputRef(src, rel.Traversal)
				}
			}
		}
		return nil
	})
}

// traversal records the references of one traversal.
func (x *index) traversal(t hcl.Traversal, stage string) {
	if len(t) < 2 {
		return
	}
	name, at, ok := attrStep(t[1])
	if !ok {
		return
	}
	switch t.RootName() {
	case "stage":
		x.refs = append(x.refs, ref{key: symKey{kind: symStage, name: name}, at: at})
		rest := t[2:]
		if len(rest) > 0 {
			if _, isIndex := rest[0].(hcl.TraverseIndex); isIndex {
				rest = rest[1:]
			}
		}
		x.outputRef(name, rest)
	case "self":
		x.outputRef(stage, t[1:])
	case "pool":
		x.refs = append(x.refs, ref{key: symKey{kind: symPool, name: name}, at: at})
	case "var":
		x.refs = append(x.refs, ref{key: symKey{kind: symVariable, name: name}, at: at})
	case "local":
		x.refs = append(x.refs, ref{key: symKey{kind: symLocal, name: name}, at: at})
	}
}

// outputRef records Y in a traversal that goes on with .output.Y.
func (x *index) outputRef(stage string, t hcl.Traversal) {
	if stage == "" || len(t) < 2 {
		return
	}
	if kw, _, ok := attrStep(t[0]); !ok || kw != "output" {
		return
	}
	if name, at, ok := attrStep(t[1]); ok {
		x.refs = append(x.refs, ref{key: symKey{kind: symOutput, stage: stage, name: name}, at: at})
	}
}

// splatStage returns X when e is stage.X or values(stage.X).
func splatStage(e hclsyntax.Expression) string {
	if call, ok := e.(*hclsyntax.FunctionCallExpr); ok && call.Name == "values" && len(call.Args) == 1 {
		e = call.Args[0]
	}
	st, ok := e.(*hclsyntax.ScopeTraversalExpr)
	if !ok || st.Traversal.RootName() != "stage" || len(st.Traversal) != 2 {
		return ""
	}
	name, _, _ := attrStep(st.Traversal[1])
	return name
}

// attrStep returns the name of a .name step and the span of the name
// without its dot.
func attrStep(s hcl.Traverser) (string, span, bool) {
	a, ok := s.(hcl.TraverseAttr)
	if !ok {
		return "", span{}, false
	}
	r := rangeSpan(a.SrcRange)
	r.start = r.end - len(a.Name)
	return a.Name, r, true
}

func rangeSpan(r hcl.Range) span { return span{start: r.Start.Byte, end: r.End.Byte} }

// labelSpan is a label's span without its quotes.
func labelSpan(src []byte, r hcl.Range) span {
	s := rangeSpan(r)
	if s.end-s.start >= 2 && s.end <= len(src) && src[s.start] == '"' && src[s.end-1] == '"' {
		s.start++
		s.end--
	}
	return s
}

// at returns the declaration whose name or reference covers off.
func (x *index) at(off int) (symKey, span, bool) {
	for _, r := range x.refs {
		if r.at.contains(off) {
			return r.key, r.at, true
		}
	}
	for _, d := range x.order {
		if d.name.contains(off) {
			return d.key, d.name, true
		}
	}
	return symKey{}, span{}, false
}

// uses returns every reference to k, in source order.
func (x *index) uses(k symKey) []span {
	var out []span
	for _, r := range x.refs {
		if r.key == k {
			out = append(out, r.at)
		}
	}
	return out
}

// names lists the declared names of a kind, in declaration order; outputs
// of one stage.
func (x *index) names(kind symKind, stage string) []*decl {
	var out []*decl
	for _, d := range x.order {
		if d.key.kind == kind && (kind != symOutput || d.key.stage == stage) {
			out = append(out, d)
		}
	}
	return out
}
