package dag

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The writers render a view by hand rather than through
// github.com/dominikbraun/graph/draw: draw.DOT walks Go maps, so its output
// changes order from run to run, and it quotes IDs without escaping them, so
// a key holding `"` or `\` breaks the file.

// WriteDOT writes the graph in Graphviz DOT, left to right, one box per task
// (or stage) labelled with its ID, edges labelled with the outputs that flow
// along them. Output is deterministic: nodes in declaration order, edges by
// their ends' declaration order.
func WriteDOT(w io.Writer, g *Graph, o ExportOptions) error {
	if g == nil {
		return errors.New("dag: write DOT: nil graph")
	}
	v := newView(g, o)
	bw := bufio.NewWriter(w)
	bw.WriteString("digraph weir {\n")
	if v.skipped {
		fmt.Fprintf(bw, "\t// more than %d tasks: every edge is drawn, not the transitive reduction\n", ReduceLimit)
	}
	bw.WriteString("\trankdir=LR;\n\tnode [shape=box];\n")
	quoted := make([]string, len(v.ids))
	for i, id := range v.ids {
		quoted[i] = dotID(id)
		writeStrings(bw, "\t", quoted[i], " [label=", dotLabel(v.labels[i]), "];\n")
	}
	for _, e := range v.edges {
		writeStrings(bw, "\t", quoted[e.from], " -> ", quoted[e.to])
		if len(e.segments) > 0 {
			writeStrings(bw, " [label=", dotLabel(strings.Join(e.segments, ", ")), "]")
		}
		bw.WriteString(";\n")
	}
	bw.WriteString("}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("dag: write DOT: %w", err)
	}
	return nil
}

// writeStrings writes to a bufio.Writer, which keeps the first error for
// Flush to report; it saves a fmt call per line on graphs of 100k tasks.
func writeStrings(w *bufio.Writer, ss ...string) {
	for _, s := range ss {
		w.WriteString(s)
	}
}

// dotID quotes s as a node ID, keeping distinct IDs distinct. In a DOT
// string only \" is an escape; backslashes are doubled too, so that one at
// the end can't eat the closing quote. Line breaks become \n, and control
// characters and invalid UTF-8 bytes, which Graphviz rejects, become \xHH:
// after a backslash comes one of \ " n x, so no two IDs quote alike.
func dotID(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1, r < 0x20 && r != '\n', r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		default:
			writeDOTRune(&b, r)
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// dotLabel quotes s as a label, where readable beats exact: control
// characters become spaces and invalid UTF-8 U+FFFD. Labels interpret \N,
// \l and the like, which doubled backslashes avoid, and decode HTML entities
// (a key "a&amp;b" would show as "a&b"), so '&' is encoded as &amp;.
func dotLabel(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r < 0x20 && r != '\n', r == 0x7f:
			b.WriteByte(' ')
		default:
			writeDOTRune(&b, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func writeDOTRune(b *strings.Builder, r rune) {
	switch r {
	case '"', '\\':
		b.WriteByte('\\')
		b.WriteRune(r)
	case '\n':
		b.WriteString(`\n`)
	default:
		b.WriteRune(r)
	}
}

// WriteMermaid writes the graph as a Mermaid flowchart, left to right. Node
// IDs are n0, n1, ... (in declaration order) with the task ID as a quoted
// label, because Mermaid IDs can't hold brackets, spaces or quotes.
func WriteMermaid(w io.Writer, g *Graph, o ExportOptions) error {
	if g == nil {
		return errors.New("dag: write Mermaid: nil graph")
	}
	v := newView(g, o)
	bw := bufio.NewWriter(w)
	bw.WriteString("flowchart LR\n")
	if v.skipped {
		fmt.Fprintf(bw, "    %%%% more than %d tasks: every edge is drawn, not the transitive reduction\n", ReduceLimit)
	}
	for i := range v.ids {
		writeStrings(bw, "    n", strconv.Itoa(i), "[", mermaidQuote(v.labels[i]), "]\n")
	}
	for _, e := range v.edges {
		writeStrings(bw, "    n", strconv.Itoa(int(e.from)), " -->")
		if len(e.segments) > 0 {
			writeStrings(bw, "|", mermaidQuote(strings.Join(e.segments, ", ")), "|")
		}
		writeStrings(bw, " n", strconv.Itoa(int(e.to)), "\n")
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("dag: write Mermaid: %w", err)
	}
	return nil
}

// mermaidQuote makes s a quoted Mermaid label. Mermaid has no backslash
// escapes, only entity codes (#quot;, #35;): '#' is encoded first so a
// literal "#quot;" in s survives, <, >, & and ` are encoded so that labels
// can't turn into HTML or markdown, and % so that "%%{" can't start a
// directive, which Mermaid finds even inside quotes.
func mermaidQuote(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '#':
			b.WriteString("#35;")
		case r == '%':
			b.WriteString("#37;")
		case r == '"':
			b.WriteString("#quot;")
		case r == '<':
			b.WriteString("#lt;")
		case r == '>':
			b.WriteString("#gt;")
		case r == '&':
			b.WriteString("#amp;")
		case r == '`':
			b.WriteString("#96;")
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// jsonGraph is the document WriteJSON writes.
type jsonGraph struct {
	Name     string      `json:"name"`
	File     string      `json:"file"`
	Settings Settings    `json:"settings"`
	Pools    []*Pool     `json:"pools"`
	Stages   []jsonStage `json:"stages,omitzero"` // stage view: never nil; the task view streams "tasks" in its place (jsonWriter)
	Edges    []jsonEdge  `json:"edges"`
	// Reduced says the edges are a transitive reduction, not every edge.
	Reduced      bool     `json:"reduced"`
	CriticalPath []string `json:"critical_path"`
}

type jsonStage struct {
	ID    string   `json:"id"`
	Label string   `json:"label"`
	Tasks int      `json:"tasks"`
	Keyed bool     `json:"keyed,omitempty"`
	Deps  []string `json:"deps,omitempty"` // the stages of its drawn in-edges, in declaration order
}

type jsonEdge struct {
	From     string   `json:"from"`
	To       string   `json:"to"`
	Segments []string `json:"segments"`
}

// WriteJSON writes the plan and its graph as indented JSON: name, file,
// settings, pools, tasks (or stages, with Stages), edges, reduced and
// critical_path (by Task.Weight). Segment placeholders in task fields are
// shown as ${stage.output.name}. If p.Graph is nil it is built from p.Tasks.
func WriteJSON(w io.Writer, p *Plan, o ExportOptions) error {
	if p == nil {
		return errors.New("dag: write JSON: nil plan")
	}
	g := p.Graph
	if g == nil {
		var err error
		if g, err = New(p.Tasks); err != nil {
			return fmt.Errorf("dag: write JSON: %w", err)
		}
	}
	v := newView(g, o)
	doc := jsonGraph{
		Name:     p.Name,
		File:     p.File,
		Settings: p.Settings,
		Pools:    p.Pools,
		Edges:    make([]jsonEdge, len(v.edges)),
		Reduced:  v.reduced,
	}
	if doc.Pools == nil {
		doc.Pools = []*Pool{}
	}
	for i, e := range v.edges {
		segs := e.segments
		if segs == nil {
			segs = []string{}
		}
		doc.Edges[i] = jsonEdge{From: v.ids[e.from], To: v.ids[e.to], Segments: segs}
	}
	path, _ := g.CriticalPath(nil)
	doc.CriticalPath = make([]string, 0, len(path))
	if o.Stages {
		doc.Stages = make([]jsonStage, len(v.ids))
		for i, id := range v.ids {
			doc.Stages[i] = jsonStage{ID: id, Label: v.labels[i], Tasks: v.count[i], Keyed: v.keyed[i]}
		}
		for _, e := range v.edges {
			doc.Stages[e.to].Deps = append(doc.Stages[e.to].Deps, v.ids[e.from])
		}
		for _, t := range path {
			if n := len(doc.CriticalPath); n == 0 || doc.CriticalPath[n-1] != t.Stage {
				doc.CriticalPath = append(doc.CriticalPath, t.Stage)
			}
		}
	} else {
		for _, t := range path {
			doc.CriticalPath = append(doc.CriticalPath, t.ID)
		}
	}

	bw := bufio.NewWriter(w)
	jw := &jsonWriter{w: bw}
	if err := jw.doc(&doc, g.tasks, !o.Stages); err != nil {
		return fmt.Errorf("dag: write JSON: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("dag: write JSON: %w", err)
	}
	return nil
}

// displayTask copies t with its placeholders (NUL-delimited, unreadable in
// JSON) replaced by the references a user wrote.
func displayTask(t *Task) *Task {
	c := *t
	c.Argv = make([]string, len(t.Argv))
	for i, a := range t.Argv {
		c.Argv[i] = Display(a)
	}
	c.Script = Display(t.Script)
	if t.Env != nil {
		c.Env = make(map[string]string, len(t.Env))
		for k, val := range t.Env {
			c.Env[k] = Display(val)
		}
	}
	c.Dir = Display(t.Dir)
	return &c
}
