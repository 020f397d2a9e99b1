package dsl

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkLoad measures parse + decode + graph build of generated
// workflows (bench/genworkflow): 10,000 stages with about 30,000 edges.
func BenchmarkLoad10k(b *testing.B) { benchmarkLoad(b, 10000) }

// BenchmarkLoad100k is the same at 100,000 stages; skipped with -short.
func BenchmarkLoad100k(b *testing.B) {
	if testing.Short() {
		b.Skip("large")
	}
	benchmarkLoad(b, 100000)
}

func benchmarkLoad(b *testing.B, stages int) {
	path := filepath.Join(b.TempDir(), "w.hcl")
	out, err := exec.Command("go", "run", "../bench/genworkflow", "-stages", itoa(stages)).Output()
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ResetTimer()
	for b.Loop() {
		plan, diags := NewParser().Load(path, Options{NumCPU: 2, HostMemory: 1 << 40})
		if diags.HasErrors() {
			b.Fatal(diags.Error())
		}
		plan.Graph.Order()
	}
}

func itoa(n int) string { return string(appendInt(nil, n)) }

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}
