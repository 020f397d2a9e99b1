package dsl

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/weirflow/weir/dag"
)

// linked is what engine.Why decides for id: the tasks of p linked to it by
// dependencies either way.
func linked(p *dag.Plan, id string) []string {
	in := map[string]bool{id: true}
	for todo := []string{id}; len(todo) > 0; {
		cur := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		t := p.Task(cur)
		if t == nil {
			continue
		}
		for _, next := range append(slices.Clone(t.Deps), p.Graph.Successors(cur)...) {
			if !in[next] {
				in[next] = true
				todo = append(todo, next)
			}
		}
	}
	var out []string
	for id := range in {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// focusWorkflows cover the ways a task reaches others: by key, whole
// stages, depends_on, for_each over another stage, and values from
// locals, variables, the environment and files.
var focusWorkflows = []struct {
	name string
	src  string
	opts Options
	// wide is the stages whose instances a focus on one of them should
	// build one of, not all.
	wide []string
}{
	{"by key, then a whole stage", `
locals {
  keys = toset(["a", "b", "c"])
}
stage "prep" {
  for_each = local.keys
  command  = ["prep", each.key]
  output "x" {}
}
stage "work" {
  for_each = local.keys
  command  = ["work", stage.prep[each.key].output.x, "${stage.prep[each.key].output.x}/in"]
  env      = { IN = stage.prep[each.key].output.x }
  input "p" { from = stage.prep[each.key].output.x }
  output "y" {}
}
stage "sum" {
  command = concat(["sum"], [for w in stage.work : w.output.y])
}
stage "other" {
  for_each = range(4)
  command  = ["other", each.key]
}
`, Options{}, []string{"other"}},
	{"by key only", `
stage "prep" {
  for_each = range(2, 20, 3)
  command  = ["prep", each.key, each.value]
  output "x" { publish = "out/${each.key}.x" }
}
stage "work" {
  for_each = range(5)
  script   = "cat ${stage.prep[each.key].output.x} > $WEIR_OUTPUT_Y"
  output "y" {}
}
stage "last" {
  for_each = range(4)
  command  = ["last", stage.work[each.key].output.y]
}
`, Options{}, []string{"prep", "work", "last"}},
	{"a function around the reference", `
stage "prep" {
  for_each = toset(["a", "b"])
  command  = ["prep", each.key]
  output "x" {}
}
stage "work" {
  for_each = toset(["a", "b"])
  command  = ["work", upper(stage.prep[each.key].output.x)]
}
`, Options{}, nil},
	{"depends_on and for_each over a stage", `
stage "gen" {
  for_each = { one = 1, two = 2, three = 3 }
  command  = ["gen", each.key, each.value]
  output "o" {}
}
stage "per" {
  for_each   = stage.gen
  command    = ["per", each.value.output.o]
}
stage "after" {
  command    = ["after"]
  depends_on = [stage.gen["two"]]
}
stage "alone" {
  for_each = toset(["p", "q"])
  command  = ["alone", each.key]
  depends_on = [stage.after]
}
`, Options{}, nil},
	{"variables, environment, files and nested for_each", `
variable "n" {
  default = 2
}
variable "tag" {
  default = "t"
}
locals {
  pairs = { for p in setproduct(["x", "y"], range(var.n)) : "${p[0]}-${p[1]}" => p }
  text  = trimspace(file("${path.root}/words.txt"))
}
stage "split" {
  for_each = local.pairs
  command  = ["split", each.value[0], each.value[1], local.text, var.tag, path.cwd]
  memory   = "${64 + each.value[1]}MiB"
  output "part" {}
}
stage "merge" {
  for_each = local.pairs
  command  = ["merge", "${var.tag}:${stage.split[each.key].output.part}"]
  output "m" { keep = true }
}
stage "lone" {
  for_each = toset(["y-1"])
  command  = ["lone", stage.split[each.key].output.part]
}
`, Options{Vars: []string{"n=3"}, Env: []string{"WEIR_VAR_tag=fromenv"}, Cwd: "/somewhere"}, []string{"split", "merge"}},
}

// TestFocusMatchesWholeLoad loads each workflow whole, then once focused on
// each of its tasks: every task the focus links to must be there, equal
// to the whole load's, with the same links.
func TestFocusMatchesWholeLoad(t *testing.T) {
	for _, tc := range focusWorkflows {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "words.txt"), []byte("hello world\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "w.hcl")
			if err := os.WriteFile(path, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			tc.opts.NumCPU = 4
			whole, diags := NewParser().Load(path, tc.opts)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			for _, want := range whole.Tasks {
				opts := tc.opts
				opts.Focus = want.ID
				part, diags := NewParser().Load(path, opts)
				if diags.HasErrors() {
					t.Fatalf("focus %s: %s", want.ID, diags.Error())
				}
				ids := linked(whole, want.ID)
				if got := linked(part, want.ID); !slices.Equal(got, ids) {
					t.Errorf("focus %s links %v, want %v", want.ID, got, ids)
				}
				for _, id := range ids {
					w, g := whole.Task(id), part.Task(id)
					if g == nil {
						t.Errorf("focus %s: no task %s", want.ID, id)
						continue
					}
					if g.DefHash() != w.DefHash() || !reflect.DeepEqual(g, w) {
						t.Errorf("focus %s: task %s differs:\n got %+v\nwant %+v", want.ID, id, g, w)
					}
				}
				if slices.Contains(tc.wide, want.Stage) && len(part.Tasks) >= len(whole.Tasks) {
					t.Errorf("focus %s built %d tasks, as many as the whole load", want.ID, len(part.Tasks))
				}
			}
		})
	}
}

// TestFocusMissingKey builds nothing for a key the stage does not have,
// and a stage or form the workflow does not have loads whole, so that why
// answers as it did before.
func TestFocusMissingKey(t *testing.T) {
	src := `
stage "prep" {
  for_each = range(3)
  command  = ["prep", each.key]
}
stage "one" {
  command = ["one"]
}
`
	for _, tc := range []struct {
		focus string
		tasks int
	}{
		{"prep[3]", 0},
		{"prep[01]", 0},
		{"prep[x]", 0},
		{"prep", 4},   // a keyed stage without a key: loaded whole
		{"one[1]", 4}, // an unkeyed stage with one
		{"nope[1]", 4},
		{"prep[1]", 1},
	} {
		p, _ := mustLoad(t, src, Options{Focus: tc.focus})
		if len(p.Tasks) != tc.tasks {
			t.Errorf("focus %s: %d tasks, want %d", tc.focus, len(p.Tasks), tc.tasks)
		}
	}
}

// TestFocusBuildsOneKey counts the tasks a load builds: a focus on one
// task of a wide stage builds that task, not the stage.
func TestFocusBuildsOneKey(t *testing.T) {
	for _, tc := range []struct {
		name, forEach, id string
	}{
		{"range", "range(20000)", "work[19999]"},
		{"map", `{ for i in range(20000) : "k${i}" => i }`, "work[k19999]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := `
stage "prep" {
  for_each = ` + tc.forEach + `
  command  = ["prep", each.key]
  output "x" {}
}
stage "work" {
  for_each = ` + tc.forEach + `
  command  = ["work", stage.prep[each.key].output.x]
}
`
			before := TasksBuilt.Load()
			p, _ := mustLoad(t, src, Options{Focus: tc.id})
			if n := TasksBuilt.Load() - before; n != 2 || len(p.Tasks) != 2 {
				t.Errorf("focus %s built %d tasks, planned %d; want 2", tc.id, n, len(p.Tasks))
			}
		})
	}
}

// TestFocusFallsBack takes the way back to a whole load, which a built
// task that does not name the instance byKey promised takes: the plan is
// then the whole load's, task for task.
func TestFocusFallsBack(t *testing.T) {
	defer func(f func(*loader, *stageDecl) bool) { namesByKey = f }(namesByKey)
	namesByKey = func(*loader, *stageDecl) bool { return false }
	for _, tc := range focusWorkflows {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "words.txt"), []byte("hello world\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "w.hcl")
			if err := os.WriteFile(path, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			tc.opts.NumCPU = 4
			whole, diags := NewParser().Load(path, tc.opts)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			for _, want := range whole.Tasks {
				opts := tc.opts
				opts.Focus = want.ID
				part, diags := NewParser().Load(path, opts)
				if diags.HasErrors() {
					t.Fatalf("focus %s: %s", want.ID, diags.Error())
				}
				if len(part.Tasks) != len(whole.Tasks) {
					t.Fatalf("focus %s: %d tasks, want the whole load's %d", want.ID, len(part.Tasks), len(whole.Tasks))
				}
				for i, w := range whole.Tasks {
					if !reflect.DeepEqual(part.Tasks[i], w) {
						t.Errorf("focus %s: task %s differs:\n got %+v\nwant %+v", want.ID, w.ID, part.Tasks[i], w)
					}
				}
			}
		})
	}
}
