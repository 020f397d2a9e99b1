package dsl

import (
	"strings"
	"testing"
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
