package dsl

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/weirflow/weir/dag"
)

// loadSrc writes src as a workflow file in a fresh directory and loads it.
func loadSrc(t *testing.T, src string, opts Options) (*dag.Plan, string, hcl.Diagnostics) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "w.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if opts.NumCPU == 0 {
		opts.NumCPU = 4
	}
	plan, diags := NewParser().Load(path, opts)
	return plan, dir, diags
}

func mustLoad(t *testing.T, src string, opts Options) (*dag.Plan, string) {
	t.Helper()
	plan, dir, diags := loadSrc(t, src, opts)
	if diags.HasErrors() || plan == nil {
		t.Fatalf("load failed: %s", diags.Error())
	}
	return plan, dir
}

func task(t *testing.T, p *dag.Plan, id string) *dag.Task {
	t.Helper()
	tk := p.Task(id)
	if tk == nil {
		var ids []string
		for _, x := range p.Tasks {
			ids = append(ids, x.ID)
		}
		t.Fatalf("no task %q; have %v", id, ids)
	}
	return tk
}

func TestLoadStage(t *testing.T) {
	p, dir := mustLoad(t, `
workflow "etl" {
  state_dir     = "state"
  memory_budget = "8GiB"
}
pool "cpu" {
  processes = 2
  memory    = "4GiB"
  cpus      = "0-1"
}
stage "gen" {
  description     = "make rows"
  pool            = pool.cpu
  command         = ["python3", "gen.py", "--rows", 10, true]
  env             = { LC_ALL = "C" }
  env_passthrough = ["HOME"]
  dir             = "sub"
  memory          = "1GiB"
  cpus            = 2
  timeout         = "5m"
  grace           = "3s"
  estimate        = "1m"
  retry {
    attempts      = 3
    backoff       = "2s"
    on            = ["oom", "exit:3"]
    memory_growth = 1.5
  }
  output "table" {
    size    = "800MiB"
    publish = "out/table.bin"
  }
}
`, Options{})
	if p.Name != "etl" || p.Settings.StateDir != filepath.Join(dir, "state") || p.Settings.MemoryBudget != 8<<30 || p.Settings.ShmDir != DefaultShmDir {
		t.Errorf("settings: name %q %+v", p.Name, p.Settings)
	}
	cpu := p.Pool("cpu")
	if cpu == nil || cpu.Processes != 2 || cpu.Memory != 4<<30 || !slices.Equal(cpu.CPUSet, []int{0, 1}) || cpu.Executor != "local" {
		t.Errorf("pool cpu = %+v", cpu)
	}
	if def := p.Pool(dag.DefaultPool); def == nil || def.Processes != 4 {
		t.Errorf("default pool = %+v", def)
	}
	g := task(t, p, "gen")
	want := dag.Task{
		ID: "gen", Stage: "gen", Argv: []string{"python3", "gen.py", "--rows", "10", "true"},
		Env: map[string]string{"LC_ALL": "C"}, EnvPassthrough: []string{"HOME"}, Dir: filepath.Join(dir, "sub"),
		Pool: "cpu", Memory: 1 << 30, CPUs: 2, Timeout: 5 * time.Minute, Grace: 3 * time.Second, Estimate: time.Minute,
		Retry:       dag.Retry{Attempts: 3, Backoff: 2 * time.Second, On: []string{"oom", "exit:3"}, MemoryGrowth: 1.5},
		Outputs:     []dag.Output{{Name: "table", Size: 800 << 20, Publish: filepath.Join(dir, "out/table.bin")}},
		Description: "make rows", Origin: g.Origin,
	}
	if diff := cmpDiff(want, *g); diff != "" {
		t.Errorf("task (-want +got):\n%s", diff)
	}
	if g.Origin.Line != 11 || !strings.HasSuffix(g.Origin.File, "w.hcl") {
		t.Errorf("origin = %v", g.Origin)
	}
}

func TestScriptStage(t *testing.T) {
	p, _ := mustLoad(t, `
stage "report" {
  script = <<-EOT
    echo "done" > "$WEIR_TMPDIR/x"
  EOT
}
`, Options{})
	r := task(t, p, "report")
	want := []string{"/bin/sh", "-eu", "-c", "echo \"done\" > \"$WEIR_TMPDIR/x\"\n", "report"}
	if !slices.Equal(r.Argv, want) || r.Grace != DefaultGrace || r.Retry.Attempts != 1 || r.Pool != dag.DefaultPool {
		t.Errorf("task = %+v", r)
	}
}

func TestForEachKeys(t *testing.T) {
	tests := []struct {
		name, expr string
		keys       []string
	}{
		{"set", `toset(["b", "a"])`, []string{"a", "b"}},
		{"set of numbers", `toset([3, 1])`, []string{"1", "3"}},
		{"map", `{ x = 1, y = 2 }`, []string{"x", "y"}},
		{"list", `["p", "q", "p"]`, []string{"0", "1", "2"}},
		{"range", `range(3)`, []string{"0", "1", "2"}},
		{"empty", `[]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := mustLoad(t, `
stage "s" {
  for_each = `+tt.expr+`
  command  = ["echo", each.key, each.value]
}`, Options{})
			var keys []string
			for _, tk := range p.Tasks {
				keys = append(keys, tk.Key)
				if tk.ID != "s["+tk.Key+"]" || !tk.Keyed || tk.Argv[1] != tk.Key {
					t.Errorf("task %+v", tk)
				}
			}
			if !slices.Equal(keys, tt.keys) {
				t.Errorf("keys = %v, want %v", keys, tt.keys)
			}
		})
	}
}

// TestEdges checks which tasks each task waits for: the instances its values
// name, every instance of a stage referenced without naming one, and
// depends_on.
func TestEdges(t *testing.T) {
	p, _ := mustLoad(t, `
stage "gen" {
  command = ["gen"]
  output "data" {}
}
stage "shard" {
  for_each = toset(["a", "b"])
  command  = ["split", stage.gen.output.data, each.key]
  output "part" {}
}
stage "zip" {
  for_each = stage.shard
  command  = ["cat", each.value.output.part]
}
stage "count" {
  command = ["echo", length(stage.shard)]
}
stage "reduce" {
  command = ["reduce"]
  input "parts" { from = values(stage.shard)[*].output.part }
}
stage "one" {
  command    = ["true"]
  depends_on = [stage.shard["b"], stage.gen]
}
stage "self" {
  command = ["w", self.output.o]
  output "o" {}
}
`, Options{})
	want := map[string][]string{
		"gen":      {},
		"shard[a]": {"gen"},
		"shard[b]": {"gen"},
		"zip[a]":   {"shard[a]"},
		"zip[b]":   {"shard[b]"},
		"count":    {"shard[a]", "shard[b]"},
		"reduce":   {"shard[a]", "shard[b]"},
		"one":      {"gen", "shard[b]"},
		"self":     {},
	}
	for id, deps := range want {
		if got := task(t, p, id).Deps; !slices.Equal(got, deps) {
			t.Errorf("%s deps = %v, want %v", id, got, deps)
		}
	}
	r := task(t, p, "reduce")
	if len(r.Inputs) != 1 || len(r.Inputs[0].From) != 2 || r.Inputs[0].From[1] != (dag.SegmentRef{Task: "shard[b]", Output: "part"}) {
		t.Errorf("reduce inputs = %+v", r.Inputs)
	}
	if got := dag.Display(task(t, p, "shard[a]").Argv[1]); got != "${gen.output.data}" {
		t.Errorf("placeholder displays as %q", got)
	}
	if got := dag.Refs(task(t, p, "self").Argv[1]); len(got) != 1 || got[0].Task != "self" {
		t.Errorf("self refs = %v", got)
	}
}

// TestVariablePrecedence: default < WEIR_VAR_ < --var-file (in order) < --var (in order).
func TestVariablePrecedence(t *testing.T) {
	src := `
variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" { default = "default" }
variable "n" {
  type    = list(number)
  default = [1]
}
stage "s" { command = ["echo", var.a, var.b, var.c, var.d, jsonencode(var.n)] }
`
	dir := t.TempDir()
	f1 := filepath.Join(dir, "one.hcl")
	f2 := filepath.Join(dir, "two.hcl")
	os.WriteFile(f1, []byte("b = \"file1\"\nc = \"file1\"\n"), 0o644)
	os.WriteFile(f2, []byte("c = \"file2\"\n"), 0o644)
	p, _ := mustLoad(t, src, Options{
		Env:      []string{"WEIR_VAR_a=env", "WEIR_VAR_b=env", "WEIR_VAR_unrelated=x", "HOME=/root"},
		VarFiles: []string{f1, f2},
		Vars:     []string{"d=flag1", "d=flag2", "n=[2, 3]"},
	})
	got := task(t, p, "s").Argv[1:]
	want := []string{"env", "file1", "file2", "flag2", "[2,3]"}
	if !slices.Equal(got, want) {
		t.Errorf("values = %v, want %v", got, want)
	}
}

func TestVariableErrors(t *testing.T) {
	src := `
variable "rows" { type = number }
stage "s" { command = ["echo", var.rows] }
`
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"missing", Options{}, "--var rows=VALUE"},
		{"undeclared", Options{Vars: []string{"rows=1", "rwos=2"}}, `Did you mean "rows"?`},
		{"malformed", Options{Vars: []string{"rows"}}, "NAME=VALUE"},
		{"wrong type", Options{Vars: []string{"rows=many"}}, "not a valid number"},
		{"missing file", Options{Vars: []string{"rows=1"}, VarFiles: []string{"/nonexistent.hcl"}}, "--var-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, _, diags := loadSrc(t, src, tt.opts)
			if plan != nil || !strings.Contains(diags.Error(), tt.want) {
				t.Errorf("diags = %s, want one containing %q", diags.Error(), tt.want)
			}
		})
	}
}

func TestFunctionsAndPaths(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "query.sql"), []byte("select 1\n"), 0o644)
	src := `
locals {
  q = trimspace(file("query.sql"))
}
stage "s" {
  command = ["run", local.q, abspath("x/y"), basename("/a/b.txt"), dirname("/a/b.txt"), path.root, path.cwd,
             format("%03d", 7), upper(join("-", ["a", "b"])), tostring(fileexists("query.sql"))]
}
`
	path := filepath.Join(dir, "w.hcl")
	os.WriteFile(path, []byte(src), 0o644)
	p, diags := NewParser().Load(path, Options{Cwd: "/here"})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := []string{"run", "select 1", filepath.Join(dir, "x/y"), "b.txt", "/a", dir, "/here", "007", "A-B", "true"}
	if got := p.Tasks[0].Argv; !slices.Equal(got, want) {
		t.Errorf("argv = %q\nwant %q", got, want)
	}
}

func TestMissingFile(t *testing.T) {
	_, diags := NewParser().Load("/nonexistent/w.hcl", Options{})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "Cannot read workflow file") {
		t.Errorf("diags = %v", diags)
	}
}
