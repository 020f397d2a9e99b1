package dsl

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad runs parse, decode, expansion and graph building on arbitrary
// input. Any input may be rejected; none may panic or hang.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.hcl")
	examples, _ := filepath.Glob("../workflows/*.hcl")
	more, _ := filepath.Glob("../workflows/*/*.hcl")
	for _, path := range append(append(seeds, examples...), more...) {
		if src, err := os.ReadFile(path); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte(`stage "a" { for_each = range(3) command = ["x", each.key] output "o" {} }`))
	dir := f.TempDir()
	name := filepath.Join(dir, "fuzz.hcl")
	f.Fuzz(func(t *testing.T, src []byte) {
		plan, diags := NewParser().LoadSource(src, name, Options{NumCPU: 2, HostMemory: 1 << 34, Cwd: dir})
		if plan == nil && !diags.HasErrors() {
			t.Fatal("no plan and no error")
		}
		if plan != nil {
			if diags.HasErrors() {
				t.Fatal("a plan despite errors")
			}
			plan.Graph.Order()
		}
	})
}
