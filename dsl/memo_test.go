package dsl

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMemoMatchesLoad edits workflows at random, as a person typing
// would, mostly keeping them parseable: names swapped for other names of
// the file (undeclared references, duplicates, cycles, renamed outputs),
// digits changed, lines inserted, deleted and repeated. After every edit an
// editor parser, kept across the edits, must give exactly what a load from
// scratch gives: the diagnostics weir validate prints, and the same plan.
func TestMemoMatchesLoad(t *testing.T) {
	files, _ := filepath.Glob("../workflows/*/*.hcl")
	files = append(files, "../workflows/quickstart.hcl", "testdata/invalid/cycle.hcl", "testdata/invalid/io.hcl")
	srcs := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs[f] = string(b)
	}
	gen, err := exec.Command("go", "run", "../bench/genworkflow", "-stages", "60").Output()
	if err != nil {
		t.Skipf("go run ../bench/genworkflow: %v", err)
	}
	srcs["generated"] = string(gen)
	srcs["wide"] = wideMemoWorkflow
	edits := 150
	if testing.Short() {
		edits = 30
	}
	for name, src := range srcs {
		t.Run(filepath.Base(name), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(len(src)), 7))
			p := NewEditorParser()
			reused, good := 0, src
			for i := range edits {
				// A text that does not parse is fixed soon, as a
				// person fixes a typo: the next edit starts from the
				// last text that parsed.
				if _, d := parseConfig([]byte(src), "w.hcl", chunkSize); d.HasErrors() {
					src = good
				} else {
					good = src
				}
				src = memoEdit(r, src)
				a := p.Analyze([]byte(src), "w.hcl", testOptions)
				reused += p.memo.reused
				plan, want := NewParser().LoadSource([]byte(src), "w.hcl", testOptions)
				// HCL reports unexpected attributes of a block in map
				// order, which differs from one load to the next.
				if diff := cmp.Diff(sorted(summarize(want)), sorted(summarize(a.Diags))); diff != "" {
					t.Fatalf("edit %d: diagnostics (-from scratch +editor):\n%s\ntext:\n%s", i, diff, src)
				}
				if got, want := planJSON(t, a.Plan), planJSON(t, plan); got != want {
					t.Fatalf("edit %d: plans differ (-from scratch +editor):\n%s\ntext:\n%s", i, cmp.Diff(want, got), src)
				}
			}
			t.Logf("%d stages reused in %d edits", reused, edits)
			if reused == 0 && name != "testdata/invalid/io.hcl" {
				t.Errorf("no stage was reused in %d edits: the memo is not used", edits)
			}
		})
	}
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}

// planJSON is what a plan holds, as text to compare.
func planJSON(t *testing.T, p interface{}) string {
	b, err := json.MarshalIndent(p, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var memoWord = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// memoEdit makes one random edit to src.
func memoEdit(r *rand.Rand, src string) string {
	lines := strings.SplitAfter(src, "\n")
	switch r.IntN(10) {
	case 0, 1, 2: // a name for another name of the file
		words := memoWord.FindAllStringIndex(src, -1)
		if len(words) < 2 {
			break
		}
		at := words[r.IntN(len(words))]
		with := words[r.IntN(len(words))]
		return src[:at[0]] + src[with[0]:with[1]] + src[at[1]:]
	case 3, 4: // a digit
		var digits []int
		for i, c := range src {
			if c >= '0' && c <= '9' {
				digits = append(digits, i)
			}
		}
		if len(digits) == 0 {
			break
		}
		at := digits[r.IntN(len(digits))]
		return src[:at] + fmt.Sprint(r.IntN(10)) + src[at+1:]
	case 5: // a line inserted: every block below moves
		i := r.IntN(len(lines))
		return strings.Join(lines[:i], "") + "\n" + strings.Join(lines[i:], "")
	case 6: // a line deleted
		i := r.IntN(len(lines))
		return strings.Join(lines[:i], "") + strings.Join(lines[i+1:], "")
	case 7: // a line repeated
		i := r.IntN(len(lines))
		return strings.Join(lines[:i+1], "") + lines[i] + strings.Join(lines[i+1:], "")
	case 8: // a character typed, often breaking the syntax for a while
		at := r.IntN(len(src) + 1)
		pieces := []string{"x", "\"", "{", "}", "=", "1", ".", "["}
		return src[:at] + pieces[r.IntN(len(pieces))] + src[at:]
	}
	return src
}

// wideMemoWorkflow has for_each stages over variables and locals, and
// references between instances, so that keys flow from stage to stage.
const wideMemoWorkflow = `variable "n" {
  type    = number
  default = 3
}

locals {
  names = ["a", "b", "c"]
}

pool "p" {
  processes = 2
  memory    = "2GiB"
}

stage "gen" {
  for_each = toset(local.names)
  pool     = pool.p
  memory   = "64MiB"
  command  = ["gen", each.key]
  output "out" {}
}

stage "shard" {
  for_each = range(var.n)
  command  = ["shard", each.key, stage.gen["a"].output.out]
  output "part" {
    publish = "results/part-${each.key}.txt"
  }
}

stage "sum" {
  command = ["sum"]
  input "parts" { from = values(stage.shard)[*].output.part }
  depends_on = [stage.gen["b"]]
  output "total" {}
}

stage "report" {
  script = "cat $WEIR_INPUT_T"
  input "t" { from = stage.sum.output.total }
  memory = "128MiB"
}
`

// TestMemoEdits makes, to a text an editor parser analyzed, edits that
// change what other, unchanged stages read: each must be analyzed as a
// load from scratch analyzes it.
func TestMemoEdits(t *testing.T) {
	tests := []struct {
		name, from, to string
		reused         int // stages the edited text reuses
	}{
		{"keys of a referenced stage", "range(3)", "range(4)", 3},
		{"keys of a depends_on target", `toset(["a", "b", "c"])`, `toset(["a", "c"])`, 2},
		{"a referenced output renamed", `output "total" {}`, `output "totals" {}`, 3},
		{"a referenced stage removed", "stage \"sum\" {", "stage \"summ\" {", 3},
		{"a cycle closed", `command  = ["gen", each.key]`, `command  = ["gen", each.key, stage.report]`, 0}, // no tasks: the cycle stops the load
		{"a path published twice", `publish = "results/part-${each.key}.txt"`, `publish = "results/r.txt"`, 4},
		{"every block moved", "variable \"n\"", "\n\nvariable \"n\"", 5},
		{"a variable", "default = 3", "default = 2", 0},
		{"a pool", `memory    = "2GiB"`, `memory    = "100MiB"`, 0},
		{"no change", "", "", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewEditorParser()
			p.Analyze([]byte(memoEditsWorkflow), "w.hcl", testOptions)
			if !strings.Contains(memoEditsWorkflow, tt.from) {
				t.Fatalf("%q is not in the workflow", tt.from)
			}
			src := strings.Replace(memoEditsWorkflow, tt.from, tt.to, 1)
			a := p.Analyze([]byte(src), "w.hcl", testOptions)
			plan, want := NewParser().LoadSource([]byte(src), "w.hcl", testOptions)
			if diff := cmp.Diff(summarize(want), summarize(a.Diags)); diff != "" {
				t.Errorf("diagnostics (-from scratch +editor):\n%s", diff)
			}
			if got, want := planJSON(t, a.Plan), planJSON(t, plan); got != want {
				t.Errorf("plans differ (-from scratch +editor):\n%s", cmp.Diff(want, got))
			}
			if p.memo.reused != tt.reused {
				t.Errorf("reused %d stages, want %d", p.memo.reused, tt.reused)
			}
		})
	}
}

const memoEditsWorkflow = `variable "n" {
  type    = number
  default = 3
}

pool "p" {
  processes = 2
  memory    = "2GiB"
}

stage "gen" {
  for_each = toset(["a", "b", "c"])
  pool     = pool.p
  memory   = "64MiB"
  command  = ["gen", each.key]
  output "out" {}
}

stage "shard" {
  for_each = range(3)
  command  = ["shard", each.key, stage.gen["a"].output.out, var.n]
  output "part" {
    publish = "results/part-${each.key}.txt"
  }
}

stage "sum" {
  command = ["sum"]
  input "parts" { from = values(stage.shard)[*].output.part }
  depends_on = [stage.gen["b"]]
  output "total" {}
}

stage "report" {
  script = "cat $WEIR_INPUT_T"
  input "t" { from = stage.sum.output.total }
  memory = "128MiB"
}

stage "other" {
  command = ["true"]
  memory  = "1GiB"
  output "x" {
    publish = "results/r.txt"
  }
}
`
