package dsl

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the user and system time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFocusLoad loads a two-stage workflow of a million keys (work
// reads prep by key, both with the same for_each) whole and focused on one
// task, for each for_each idiom the docs teach: what weir why pays to know
// that a key exists.
// Skipped with -short.
//
//	go test ./dsl -run '^$' -bench FocusLoad -benchtime 1x
func BenchmarkFocusLoad(b *testing.B) {
	if testing.Short() {
		b.Skip("large")
	}
	const n = 1_000_000
	for _, idiom := range []struct{ name, forEach, key string }{
		{"range", fmt.Sprintf("range(%d)", n), "500000"},
		{"map", fmt.Sprintf(`{ for i in range(%d) : "k${i}" => i }`, n), "k500000"},
		{"toset-for", fmt.Sprintf(`toset([for i in range(%d) : "k${i}"])`, n), "k500000"},
		{"toset-flatten", fmt.Sprintf(`toset(flatten([for i in range(%d) : ["k${i}"]]))`, n), "k500000"},
	} {
		src := fmt.Sprintf(`
stage "prep" {
  for_each = %s
  command  = ["prep", each.key]
  output "x" {}
}
stage "work" {
  for_each = %s
  command  = ["work", each.key, stage.prep[each.key].output.x]
}
`, idiom.forEach, idiom.forEach)
		path := filepath.Join(b.TempDir(), "w.hcl")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			b.Fatal(err)
		}
		for _, focus := range []string{"", "work[" + idiom.key + "]"} {
			name := idiom.name + "/whole"
			if focus != "" {
				name = idiom.name + "/focus"
			}
			b.Run(name, func(b *testing.B) {
				before, cpu := TasksBuilt.Load(), cpuTime()
				for b.Loop() {
					_, diags := NewParser().Load(path, Options{NumCPU: 2, Focus: focus})
					if diags.HasErrors() {
						b.Fatal(diags.Error())
					}
				}
				// CPU time, which others' load on the machine inflates less
				// than the wall time.
				b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
				b.ReportMetric(float64(TasksBuilt.Load()-before)/float64(b.N), "tasks/op")
			})
		}
	}
}
