package dsl

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

func TestRangeBeyond1024(t *testing.T) {
	p, _ := mustLoad(t, `
stage "shard" {
  for_each = range(2000)
  command  = ["echo", each.key]
}
`, Options{})
	if len(p.Tasks) != 2000 || p.Task("shard[1999]") == nil {
		t.Fatalf("got %d tasks", len(p.Tasks))
	}
}

func TestTooManyTasks(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		detail    []string
	}{
		{"one stage", `
stage "shard" {
  for_each = range(11)
  command  = ["echo", each.key]
}
`, 3, []string{`Stage "shard" fans out to 11 tasks; a workflow holds at most 10 tasks.`, "batch of keys", "chunklist"}},
		{"after others", `
stage "first" {
  for_each = toset(["a", "b", "c", "d", "e", "f"])
  command  = ["echo", each.key]
}
stage "second" {
  for_each = { for i in range(6) : "k${i}" => i }
  command  = ["echo", each.key]
  depends_on = [stage.first]
}
`, 7, []string{`Stage "second" fans out to 6 tasks, after 6 in the stages before it; a workflow holds at most 10 tasks.`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, diags := loadSrc(t, tc.src, Options{MaxTasks: 10})
			if len(diags) != 1 {
				t.Fatalf("want one diagnostic, got %s", diags.Error())
			}
			d := diags[0]
			if d.Summary != "Too many tasks" || d.Subject == nil || d.Subject.Start.Line != tc.line {
				t.Errorf("got %q at %v", d.Summary, d.Subject)
			}
			for _, want := range tc.detail {
				if !strings.Contains(d.Detail, want) {
					t.Errorf("detail %q lacks %q", d.Detail, want)
				}
			}
		})
	}
	// At the limit is fine.
	mustLoad(t, `
stage "shard" {
  for_each = range(10)
  command  = ["echo", each.key]
}
`, Options{MaxTasks: 10})
}

func TestSetStringsFastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 1; n < 300; n += 7 {
		vals := make([]cty.Value, n)
		for i := range vals {
			vals[i] = cty.StringVal(fmt.Sprintf("%x", r.IntN(n*2)))
		}
		set := cty.SetVal(vals)
		got, ok := setStrings(set)
		if !ok {
			t.Fatal("setStrings does not read this go-cty's sets: wide for_each over a set will be slow")
		}
		var want []string
		for it := set.ElementIterator(); it.Next(); {
			_, e := it.Element()
			want = append(want, e.AsString())
		}
		if !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	for _, v := range []cty.Value{
		cty.SetVal([]cty.Value{cty.StringVal("a"), cty.UnknownVal(cty.String)}),
		cty.SetVal([]cty.Value{cty.StringVal("a"), cty.NullVal(cty.String)}),
		cty.SetVal([]cty.Value{cty.NumberIntVal(1)}),
		cty.SetValEmpty(cty.String),
		cty.UnknownVal(cty.Set(cty.String)),
		cty.NullVal(cty.Set(cty.String)),
		cty.ListVal([]cty.Value{cty.StringVal("a")}),
		cty.SetVal([]cty.Value{cty.StringVal("a")}).Mark("x"),
	} {
		got, ok := setStrings(v)
		if v.Type().Equals(cty.Set(cty.String)) && v.IsKnown() && !v.IsNull() && !v.IsMarked() && v.LengthInt() == 0 {
			if !ok || len(got) != 0 {
				t.Errorf("%#v: got %q, %v", v, got, ok)
			}
			continue
		}
		if ok {
			t.Errorf("%#v: got %q, want no fast path", v, got)
		}
	}
}

// TestSharedTaskParts checks that tasks of one stage share what does not
// depend on the key, and differ in what does.
func TestSharedTaskParts(t *testing.T) {
	p, dir := mustLoad(t, `
stage "up" {
  command = ["true"]
  output "o" {}
}
stage "fan" {
  for_each = toset(["a", "b", "c"])
  env      = { MODE = "fast", IN = stage.up.output.o }
  command  = ["work", each.key, self.output.part]
  memory   = "64MiB"
  timeout  = "1m"
  retry {
    attempts = 2
  }
  output "part" {
    publish = "out/${each.key}.bin"
  }
}
stage "script" {
  for_each = range(2)
  script   = "echo hi"
}
`, Options{})
	a, b := task(t, p, "fan[a]"), task(t, p, "fan[b]")
	if reflect.ValueOf(a.Env).Pointer() != reflect.ValueOf(b.Env).Pointer() {
		t.Error("env not shared")
	}
	if a.Memory != 64<<20 || b.Memory != 64<<20 || b.Timeout != time.Minute || b.Retry.Attempts != 2 {
		t.Errorf("caps: %+v", b)
	}
	if b.Argv[1] != "b" || !strings.Contains(b.Argv[2], "fan[b]") || b.Key != "b" || !slices.Equal(b.Deps, []string{"up"}) {
		t.Errorf("task b: %q key %q deps %q", b.Argv, b.Key, b.Deps)
	}
	if b.Outputs[0].Publish != filepath.Join(dir, "out/b.bin") || a.Outputs[0].Publish != filepath.Join(dir, "out/a.bin") {
		t.Errorf("publish: %q %q", a.Outputs[0].Publish, b.Outputs[0].Publish)
	}
	s1 := task(t, p, "script[1]")
	if s1.Argv[4] != "script[1]" || s1.Argv[3] != "echo hi" || task(t, p, "script[0]").Argv[4] != "script[0]" {
		t.Errorf("script argv %q", s1.Argv)
	}
}
