package dag

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/internal/testenv"
)

// mermaidCheckDir holds the pinned mermaid and jsdom, and check.mjs, which
// parses files with them; relative to this package's directory, where go test
// runs.
const mermaidCheckDir = "../tools/mermaid-check"

const mermaidInstall = "install Node.js >= 20.19, then run `npm ci --prefix tools/mermaid-check` from the repository root"

// mermaidChecker returns node and the path of check.mjs, or skips t (fails it
// under WEIR_REQUIRE_ALL=1) when Node or the checker's node_modules is missing.
func mermaidChecker(t *testing.T) (node, script string) {
	t.Helper()
	node = testenv.LookPath(t, "node", mermaidInstall)
	if _, err := os.Stat(filepath.Join(mermaidCheckDir, "node_modules")); err != nil {
		testenv.Missing(t, "tools/mermaid-check/node_modules", mermaidInstall)
	}
	script, err := filepath.Abs(filepath.Join(mermaidCheckDir, "check.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	return node, script
}

// runMermaidCheck runs check.mjs on files and returns its combined output.
func runMermaidCheck(t *testing.T, node, script string, files ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, append([]string{script}, files...)...).CombinedOutput()
	return string(out), err
}

// mermaidAwkward are task IDs, stage names, keys and output names that
// Mermaid could read as syntax: quotes, brackets and other shape delimiters,
// spaces and control characters, unicode, entity codes and '#', HTML,
// markdown backticks, keywords, arrows and comments.
var mermaidAwkward = []string{
	`a"b`, `"`, `""q""`, `c\`, `\"`, `\N`, "stats[p99]", "[]", "]x[", "{}", "()", "(x)", "((y))", ">z]", "[/t/]", "{{hex}}",
	"f g", "  padded  ", "d\ne", "tab\there", "f\x00g", `f\x00g`, "h\xff", "h\uFFFD",
	"×3", "日本語", "Ünïcödé", "emoji 🚀", "עברית", "zero\u200bwidth", "line\u2028sep", "nel\u0085",
	"#", "##", "a#b", "#quot;", "#35;", "#lt;", "#amp;", "&#quot;", "&", "a&amp;b", "&lt;", "<", ">", "<i>", "<br>", "<script>alert(1)</script>",
	"`", "`x`", "```", "`**md**`", "\"`md`\"",
	"end", "END", "graph", "subgraph", "flowchart", "click", "style", "classDef", "class", "linkStyle", "direction", "n0",
	"x -> y", "A-->B", "A---B", "A==>B", "A-.->B", "A--x B", "|pipe|", ":::cls", ";", "'", "%%", "%%{init: {}}%%", "a %%{ b", "@{ shape: rect }",
}

// awkwardTasks chains one stage per awkward name, every third of them a
// for_each stage of two instances (one keyed by the name itself), each task
// reading an output named like its dependency's stage.
func awkwardTasks() []*Task {
	var tasks, prev []*Task
	for i, name := range mermaidAwkward {
		var stage []*Task
		if i%3 == 0 {
			for _, key := range []string{name, "k" + strconv.Itoa(i)} {
				stage = append(stage, &Task{ID: TaskID(name, key, true), Stage: name, Key: key, Keyed: true})
			}
		} else {
			stage = append(stage, &Task{ID: name, Stage: name})
		}
		for _, t := range stage {
			t.Outputs = []Output{{Name: name}}
			for _, p := range prev {
				t.Deps = append(t.Deps, p.ID)
				t.Inputs = append(t.Inputs, Input{Name: "in", From: []SegmentRef{{Task: p.ID, Output: p.Stage}}})
			}
		}
		tasks = append(tasks, stage...)
		prev = stage
	}
	return tasks
}

// TestMermaidParses has the real mermaid library parse what WriteMermaid
// writes: the golden fixture in every view, awkward IDs in the task and
// stage views, a stage view with a cycle, a graph with more edges than
// Mermaid's default limit, and the note written above ReduceLimit.
func TestMermaidParses(t *testing.T) {
	node, script := mermaidChecker(t)
	dir := t.TempDir()
	var files []string
	write := func(name string, g *Graph, o ExportOptions) {
		t.Helper()
		var b bytes.Buffer
		if err := WriteMermaid(&b, g, o); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".mmd")
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}

	p := fixturePlan(t)
	for _, v := range exportVariants {
		write("fixture_"+v.name, p.Graph, v.o)
	}
	awkward := mustNew(t, awkwardTasks()...)
	write("awkward", awkward, ExportOptions{})
	write("awkward_full", awkward, ExportOptions{Full: true})
	write("awkward_stages", awkward, ExportOptions{Stages: true})
	cyc := mustNew(t, tk("a[x]"), tk("b", "a[x]"), tk("a[y]", "b"), tk("c", "a[y]", "a[x]"))
	write("stage_cycle", cyc, ExportOptions{Stages: true})
	// Six times Mermaid's default edge limit, which check.mjs raises.
	write("large_full", mustNew(t, randomDAG(newRand(5), 1000, 3, false)...), ExportOptions{Full: true})
	// Above ReduceLimit a %% note says the reduction was skipped. Mermaid
	// takes seconds per 10,000 nodes, so only the note and the first nodes
	// are checked.
	var huge bytes.Buffer
	if err := WriteMermaid(&huge, mustNew(t, randomDAG(newRand(5), ReduceLimit+10, 1, false)...), ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfterN(huge.String(), "\n", 203)
	if !strings.HasPrefix(lines[1], "    %% more than") {
		t.Fatalf("no %%%% note above ReduceLimit: %q", lines[1])
	}
	hugeHead := filepath.Join(dir, "huge_head.mmd")
	if err := os.WriteFile(hugeHead, []byte(strings.Join(lines[:202], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, hugeHead)

	out, err := runMermaidCheck(t, node, script, files...)
	if err != nil {
		t.Fatalf("mermaid rejects WriteMermaid's output: %v\n%s", err, out)
	}
	// Guard against a checker that exits 0 without looking at the files.
	for _, f := range files {
		if !strings.Contains(out, "ok "+f+"\n") {
			t.Errorf("check.mjs did not report %s as parsed:\n%s", f, out)
		}
	}

	// Mermaid reads "%%{" as the start of a directive wherever it stands,
	// inside a quoted label too, so a for_each key holding it breaks the file.
	t.Run("directive", func(t *testing.T) {
		g := mustNew(t, tk("s[%%{init: {}}%%]"), tk("a %%{ b", "s[%%{init: {}}%%]"))
		var b bytes.Buffer
		if err := WriteMermaid(&b, g, ExportOptions{}); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "directive.mmd")
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := runMermaidCheck(t, node, script, path); err != nil {
			t.Fatalf("mermaid rejects a label holding %%%%{: %v\n%s", err, out)
		}
	})

	// The check must be able to fail: broken text after a good file is
	// rejected by mermaid's parser (exit 1; 2 would be a setup error).
	t.Run("broken", func(t *testing.T) {
		broken := filepath.Join(t.TempDir(), "broken.mmd")
		if err := os.WriteFile(broken, []byte("flowchart LR\n  n0[\"a\" --> "), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := runMermaidCheck(t, node, script, files[0], broken)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Fatalf("broken Mermaid: got %v, want exit status 1\n%s", err, out)
		}
		for _, want := range []string{"ok " + files[0] + "\n", broken, "Parse error"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
}
