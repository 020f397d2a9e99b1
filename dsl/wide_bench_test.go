package dsl

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkWideLoad loads one stage of a million no-op tasks, the workflow
// of bench/bigstore, whole: what weir resume of such a run pays before it
// decides. Skipped with -short.
//
//	go test ./dsl -run '^$' -bench WideLoad -benchtime 3x
func BenchmarkWideLoad(b *testing.B) {
	if testing.Short() {
		b.Skip("large")
	}
	const n = 1_000_000
	src := fmt.Sprintf(`workflow "big" {}

pool "two" {
  processes = 2
}

stage "work" {
  for_each = range(%d)
  pool     = pool.two
  command  = ["true", each.key]
  memory   = "64MiB"
}
`, n)
	path := filepath.Join(b.TempDir(), "w.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime()
	for b.Loop() {
		plan, diags := NewParser().Load(path, Options{NumCPU: 2})
		if diags.HasErrors() {
			b.Fatal(diags.Error())
		}
		if len(plan.Tasks) != n {
			b.Fatalf("%d tasks", len(plan.Tasks))
		}
	}
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
}
