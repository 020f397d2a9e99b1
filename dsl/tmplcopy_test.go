package dsl

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
)

// TestTemplateCopiesMatchSerial: a stage whose tasks start as copies made
// on several goroutines has the tasks, in the order, and the diagnostics
// of one whose copies are made one by one.
func TestTemplateCopiesMatchSerial(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one CPU: the copies are serial either way")
	}
	for _, tc := range []struct{ name, src string }{
		{"range", `
stage "a" {
  for_each = range(50)
  command  = ["true", each.key, "${each.value * 2}"]
  memory   = "64MiB"
}`},
		{"map with env and outputs", `
stage "a" {
  for_each = { for i in range(40) : "k${i}" => "v${i}" }
  command  = ["w", each.value, self.output.o]
  env      = { K = each.key, FIXED = "1" }
  output "o" { size = "1KiB" }
}
stage "b" {
  for_each = { for i in range(40) : "k${i}" => i }
  script   = "cat ${stage.a[each.key].output.o}"
}`},
		{"the first keys fail", `
stage "a" {
  for_each = { for i in range(30) : "k${i}" => i < 3 ? "" : "x${i}" }
  command  = [each.value, each.key]
}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "w.hcl")
			if err := os.WriteFile(path, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			load := func(least int) (any, string) {
				copyParallelMin = least
				defer func() { copyParallelMin = 1 << 15 }()
				plan, diags := NewParser().Load(path, Options{NumCPU: 2})
				if plan == nil {
					return nil, diags.Error()
				}
				return plan.Tasks, diags.Error()
			}
			shared, sharedDiags := load(2)
			serial, serialDiags := load(math.MaxInt)
			if sharedDiags != serialDiags {
				t.Errorf("diagnostics differ:\nshared: %s\nserial: %s", sharedDiags, serialDiags)
			}
			if !reflect.DeepEqual(shared, serial) {
				t.Errorf("tasks differ:\nshared: %+v\nserial: %+v", shared, serial)
			}
		})
	}
}
