package dag

import (
	"bytes"
	"encoding/json"
	"flag"
	"github.com/weirflow/weir/internal/testenv"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixturePlan is a small workflow with the awkward parts: for_each
// instances, keys with quotes, backslashes, '#' and HTML, segments on edges,
// and a shortcut edge (gen -> report) that reduction drops.
func fixturePlan(t testing.TB) *Plan {
	seg := func(task, out string) SegmentRef { return SegmentRef{Task: task, Output: out} }
	gen := &Task{
		ID: "gen", Stage: "gen", Argv: []string{"python3", "gen.py", "1000"},
		Estimate: 2 * time.Minute, Grace: 10 * time.Second, Pool: DefaultPool, Retry: Retry{Attempts: 1},
		Outputs: []Output{{Name: "raw", Size: 1 << 20}},
	}
	clean := func(key string) *Task {
		return &Task{
			ID: TaskID("clean", key, true), Stage: "clean", Key: key, Keyed: true,
			Argv: []string{"clean", "--in", Placeholder(seg("gen", "raw")), "--key", key},
			Pool: "cpu", Memory: 1 << 30, Grace: 10 * time.Second, Retry: Retry{Attempts: 3, On: []string{"oom"}},
			Estimate: 5 * time.Minute,
			Inputs:   []Input{{Name: "raw", From: []SegmentRef{seg("gen", "raw")}}},
			Outputs:  []Output{{Name: "table"}},
			Deps:     []string{"gen"},
		}
	}
	ca, cb := clean("a"), clean("b")
	odd := `<b>&#quot;` + "`x`"
	stats := func(key string) *Task {
		return &Task{
			ID: TaskID("stats", key, true), Stage: "stats", Key: key, Keyed: true,
			Script: "stats " + Placeholder(seg(ca.ID, "table")) + "\n",
			Argv:   []string{"/bin/sh", "-eu", "-c", "stats " + Placeholder(seg(ca.ID, "table")) + "\n", TaskID("stats", key, true)},
			Env:    map[string]string{"IN": Placeholder(seg(cb.ID, "table"))},
			Pool:   DefaultPool, Grace: 10 * time.Second, Retry: Retry{Attempts: 1},
			Inputs:  []Input{{Name: "tables", From: []SegmentRef{seg(ca.ID, "table"), seg(cb.ID, "table")}}},
			Outputs: []Output{{Name: "summary"}},
			Deps:    []string{ca.ID, cb.ID},
		}
	}
	p99, oddStats := stats("p99"), stats(odd)
	reportKey := `my "q" \ key`
	report := &Task{
		ID: TaskID("report", reportKey, true), Stage: "report", Key: reportKey, Keyed: true,
		Argv: []string{"report"}, Pool: DefaultPool, Grace: 10 * time.Second, Retry: Retry{Attempts: 1},
		Inputs: []Input{
			{Name: "s", From: []SegmentRef{seg(p99.ID, "summary"), seg(oddStats.ID, "summary")}},
			{Name: "raw", From: []SegmentRef{seg("gen", "raw")}},
		},
		Outputs: []Output{{Name: "pdf", Keep: true, Publish: "/w/results/report.pdf"}},
		Deps:    []string{"gen", oddStats.ID, p99.ID},
	}
	notify := &Task{
		ID: "notify", Stage: "notify", Argv: []string{"/bin/sh", "-eu", "-c", "echo done", "notify"}, Script: "echo done",
		Pool: DefaultPool, Grace: 10 * time.Second, Retry: Retry{Attempts: 1},
		Deps: []string{report.ID}, Description: "tells\nsomeone",
	}
	tasks := []*Task{gen, ca, cb, p99, oddStats, report, notify}
	g, err := New(tasks)
	if err != nil {
		t.Fatal(err)
	}
	return &Plan{
		Name: "fixture", File: "/w/fixture.hcl",
		Settings: Settings{StateDir: "/w/.weir", ShmDir: "/dev/shm/weir"},
		Pools: []*Pool{
			{Name: "cpu", Executor: "local", Processes: 2, Memory: 8 << 30, Origin: Pos{File: "/w/fixture.hcl", Line: 3, Column: 1}},
			{Name: DefaultPool, Executor: "local", Processes: 4},
		},
		Tasks: tasks,
		Graph: g,
	}
}

var exportVariants = []struct {
	name string
	o    ExportOptions
}{
	{"reduced", ExportOptions{}},
	{"full", ExportOptions{Full: true}},
	{"stages", ExportOptions{Stages: true}},
	{"stages_full", ExportOptions{Stages: true, Full: true}},
}

var writers = []struct {
	ext   string
	write func(*bytes.Buffer, *Plan, ExportOptions) error
}{
	{"dot", func(b *bytes.Buffer, p *Plan, o ExportOptions) error { return WriteDOT(b, p.Graph, o) }},
	{"mmd", func(b *bytes.Buffer, p *Plan, o ExportOptions) error { return WriteMermaid(b, p.Graph, o) }},
	{"json", func(b *bytes.Buffer, p *Plan, o ExportOptions) error { return WriteJSON(b, p, o) }},
}

func TestExportGolden(t *testing.T) {
	p := fixturePlan(t)
	for _, v := range exportVariants {
		for _, w := range writers {
			name := "fixture_" + v.name + "." + w.ext
			t.Run(name, func(t *testing.T) {
				var out bytes.Buffer
				if err := w.write(&out, p, v.o); err != nil {
					t.Fatal(err)
				}
				// Deterministic: a second rendering is byte for byte the same.
				var again bytes.Buffer
				if err := w.write(&again, p, v.o); err != nil || !bytes.Equal(out.Bytes(), again.Bytes()) {
					t.Fatalf("second rendering differs (err %v)", err)
				}
				golden(t, name, out.Bytes())
				switch w.ext {
				case "dot":
					checkDOT(t, out.Bytes())
				case "mmd":
					checkMermaid(t, out.String())
				case "json":
					checkJSON(t, out.Bytes())
				}
			})
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./dag -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./dag -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// checkDOT renders with Graphviz when it is installed, and returns the SVG;
// any warning fails.
func checkDOT(t *testing.T, src []byte) []byte {
	t.Helper()
	dot := testenv.LookPath(t, "dot", "scripts/test-deps installs graphviz")
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = bytes.NewReader(src)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("dot -Tsvg: %v\n%s\ninput:\n%s", err, stderr.Bytes(), src)
	}
	if !bytes.Contains(stdout.Bytes(), []byte("<svg")) {
		t.Fatalf("dot -Tsvg wrote no SVG")
	}
	return stdout.Bytes()
}

var (
	mmdNode = regexp.MustCompile(`^    n(\d+)\["([^"]*)"\]$`)
	mmdEdge = regexp.MustCompile(`^    n(\d+) -->(?:\|"([^"]*)"\|)? n(\d+)$`)
	mmdCode = regexp.MustCompile(`#(\w+);`)
)

// checkMermaid checks the shape of each line, that edges join declared
// nodes, and that labels decode back to text without raw quotes or markup.
func checkMermaid(t *testing.T, src string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	if lines[0] != "flowchart LR" {
		t.Fatalf("first line %q", lines[0])
	}
	nodes := map[string]bool{}
	for _, l := range lines[1:] {
		if m := mmdNode.FindStringSubmatch(l); m != nil {
			nodes[m[1]] = true
			checkMermaidLabel(t, m[2])
			continue
		}
		if m := mmdEdge.FindStringSubmatch(l); m != nil {
			if !nodes[m[1]] || !nodes[m[3]] {
				t.Errorf("edge before its nodes: %q", l)
			}
			checkMermaidLabel(t, m[2])
			continue
		}
		if strings.HasPrefix(l, "    %%") {
			continue
		}
		t.Errorf("unexpected Mermaid line %q", l)
	}
}

func checkMermaidLabel(t *testing.T, label string) {
	t.Helper()
	if strings.ContainsAny(label, "\"<>&`\n") {
		t.Errorf("label %q holds a character Mermaid would read as syntax", label)
	}
	rest := mmdCode.ReplaceAllString(label, "")
	if strings.Contains(rest, "#") {
		t.Errorf("label %q has a '#' outside an entity code", label)
	}
}

// mermaidDecode undoes mermaidQuote's entity codes, as Mermaid does.
func mermaidDecode(s string) string {
	named := map[string]string{"quot": `"`, "lt": "<", "gt": ">", "amp": "&"}
	return mmdCode.ReplaceAllStringFunc(s, func(m string) string {
		name := m[1 : len(m)-1]
		if r, ok := named[name]; ok {
			return r
		}
		n, err := strconv.Atoi(name)
		if err != nil {
			return m
		}
		return string(rune(n))
	})
}

func TestMermaidQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"plain", `a "b"`, "#quot;", "#35;", "<b>x</b> & `y`", `back\slash`, "stats[p99]", "×3"} {
		q := mermaidQuote(s)
		if q[0] != '"' || q[len(q)-1] != '"' {
			t.Fatalf("%q not quoted: %s", s, q)
		}
		checkMermaidLabel(t, q[1:len(q)-1])
		if got := mermaidDecode(q[1 : len(q)-1]); got != s {
			t.Errorf("mermaidQuote(%q) = %s decodes to %q", s, q, got)
		}
	}
}

func TestDOTQuote(t *testing.T) {
	tests := []struct{ in, id, label string }{
		{"plain", `"plain"`, `"plain"`},
		{`a "b"`, `"a \"b\""`, `"a \"b\""`},
		{`trailing\`, `"trailing\\"`, `"trailing\\"`},
		{"line\nbreak", `"line\nbreak"`, `"line\nbreak"`},
		{`line\nbreak`, `"line\\nbreak"`, `"line\\nbreak"`},
		{"nul\x00x\t", `"nul\x00x\x09"`, `"nul x "`},
		{`nul\x00x`, `"nul\\x00x"`, `"nul\\x00x"`},
		{"bad\xffutf8", `"bad\xffutf8"`, "\"bad\uFFFDutf8\""},
		{`stats[p99]`, `"stats[p99]"`, `"stats[p99]"`},
		{`\N and \l`, `"\\N and \\l"`, `"\\N and \\l"`},
		{"a&amp;b ×", `"a&amp;b ×"`, `"a&amp;amp;b ×"`},
	}
	for _, tt := range tests {
		if got := dotID(tt.in); got != tt.id {
			t.Errorf("dotID(%q) = %s, want %s", tt.in, got, tt.id)
		}
		if got := dotLabel(tt.in); got != tt.label {
			t.Errorf("dotLabel(%q) = %s, want %s", tt.in, got, tt.label)
		}
	}
}

func checkJSON(t *testing.T, src []byte) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(src, &doc); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	for _, k := range []string{"name", "file", "settings", "pools", "edges", "reduced", "critical_path"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if bytes.Contains(src, []byte(`\u0000`)) {
		t.Errorf("JSON holds raw placeholders")
	}
}

// Ugly IDs must render in every format; Graphviz must accept them.
func TestExportAwkwardIDs(t *testing.T) {
	awkward := []string{"a&amp;b", `a"b`, `c\`, "d\ne", `\N`, "f\x00g", `f\x00g`, "f g", "h\xff", "h\uFFFD", "#quot;", "<i>", "end", "graph", "subgraph", "n0", "x -> y", "{}", "[]", ";", "'", "%%"}
	var tasks []*Task
	prev := ""
	for i, id := range awkward {
		tt := &Task{ID: id, Stage: "s" + strconv.Itoa(i)}
		if prev != "" {
			tt.Deps = []string{prev}
		}
		tasks = append(tasks, tt)
		prev = id
	}
	g := mustNew(t, tasks...)
	var dot, mmd bytes.Buffer
	if err := WriteDOT(&dot, g, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	// Graphviz must see as many nodes as there are IDs: none merged.
	if svg := checkDOT(t, dot.Bytes()); svg != nil {
		if n := bytes.Count(svg, []byte(`class="node"`)); n != len(awkward) {
			t.Errorf("Graphviz drew %d nodes, want %d", n, len(awkward))
		}
	}
	if err := WriteMermaid(&mmd, g, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	checkMermaid(t, mmd.String())
	if n := strings.Count(dot.String(), `" -> "`); n != len(awkward)-1 {
		t.Errorf("DOT has %d edges, want %d:\n%s", n, len(awkward)-1, dot.String())
	}
}

// Instances can make stages wait for each other both ways; the stage view
// then has a cycle and is drawn whole rather than reduced.
func TestStageViewWithStageCycle(t *testing.T) {
	g := mustNew(t, tk("a[x]"), tk("b", "a[x]"), tk("a[y]", "b"), tk("c", "a[y]", "a[x]"))
	for _, w := range writers {
		var out bytes.Buffer
		p := &Plan{Name: "cyc", Tasks: g.Tasks(), Graph: g}
		if err := w.write(&out, p, ExportOptions{Stages: true}); err != nil {
			t.Fatal(err)
		}
		if w.ext == "dot" {
			checkDOT(t, out.Bytes())
			for _, e := range []string{`"a" -> "b"`, `"b" -> "a"`, `"a" -> "c"`} {
				if !strings.Contains(out.String(), e) {
					t.Errorf("stage DOT lacks %s:\n%s", e, out.String())
				}
			}
		}
		if w.ext == "mmd" {
			checkMermaid(t, out.String())
		}
	}
}

func TestExportLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large graph")
	}
	// Above ReduceLimit every edge is drawn, with a note saying so.
	tasks := randomDAG(newRand(5), ReduceLimit+10, 3, false)
	g := mustNew(t, tasks...)
	var out bytes.Buffer
	if err := WriteDOT(&out, g, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "transitive reduction") {
		t.Errorf("no note that the reduction was skipped")
	}
	if n := strings.Count(out.String(), " -> "); n != g.EdgeCount() {
		t.Errorf("%d edges drawn, want %d", n, g.EdgeCount())
	}
}

func TestExportNil(t *testing.T) {
	var b bytes.Buffer
	if WriteDOT(&b, nil, ExportOptions{}) == nil || WriteMermaid(&b, nil, ExportOptions{}) == nil || WriteJSON(&b, nil, ExportOptions{}) == nil {
		t.Errorf("nil input accepted")
	}
	// A plan without a graph gets one built; a bad plan is an error.
	p := &Plan{Name: "x", Tasks: []*Task{tk("a"), tk("b", "a")}}
	if err := WriteJSON(&b, p, ExportOptions{}); err != nil {
		t.Errorf("WriteJSON without graph: %v", err)
	}
	p.Tasks = append(p.Tasks, tk("c", "nope"))
	if err := WriteJSON(&b, p, ExportOptions{}); err == nil || !strings.HasPrefix(err.Error(), "dag: write JSON: ") {
		t.Errorf("WriteJSON with a bad plan: %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestExportWriteError(t *testing.T) {
	p := fixturePlan(t)
	for _, err := range []error{
		WriteDOT(failWriter{}, p.Graph, ExportOptions{}),
		WriteMermaid(failWriter{}, p.Graph, ExportOptions{}),
		WriteJSON(failWriter{}, p, ExportOptions{}),
	} {
		if err == nil || !strings.HasPrefix(err.Error(), "dag: write ") {
			t.Errorf("write error not reported: %v", err)
		}
	}
}

// An empty plan still has every key, with empty lists rather than nulls.
func TestJSONEmptyPlan(t *testing.T) {
	for _, o := range []ExportOptions{{}, {Stages: true}} {
		var b bytes.Buffer
		if err := WriteJSON(&b, &Plan{Name: "empty"}, o); err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		list := "tasks"
		if o.Stages {
			list = "stages"
		}
		for _, k := range []string{list, "pools", "edges", "critical_path"} {
			if v, ok := doc[k].([]any); !ok || len(v) != 0 {
				t.Errorf("stages=%v: %q = %#v, want []", o.Stages, k, doc[k])
			}
		}
	}
}
