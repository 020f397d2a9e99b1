package dsl

import (
	"testing"

	"github.com/weirflow/weir/dag"
)

// TestOutputMinSize: min_size is read beside size, equal to it for an
// exact size, alone for a minimum; it enters the task's definition only
// when set, so that outputs without one keep their definitions.
func TestOutputMinSize(t *testing.T) {
	tests := []struct {
		name, block string
		want        dag.Output
		def         string
	}{
		{"exact", `size = "10MiB"` + "\n" + `min_size = "10MiB"`, dag.Output{Name: "rows", Size: 10 << 20, MinSize: 10 << 20}, "size=10485760,min_size=10485760"},
		{"range", `size = "10MiB"` + "\n" + `min_size = 1024`, dag.Output{Name: "rows", Size: 10 << 20, MinSize: 1024}, "size=10485760,min_size=1024"},
		{"minimum only", `min_size = "1KiB"`, dag.Output{Name: "rows", MinSize: 1024}, "size=0,min_size=1024"},
		{"none", `size = "10MiB"`, dag.Output{Name: "rows", Size: 10 << 20}, "size=10485760"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := mustLoad(t, `
stage "gen" {
  command = ["true"]
  output "rows" {
    `+tt.block+`
  }
}
`, Options{})
			tk := task(t, p, "gen")
			if len(tk.Outputs) != 1 || tk.Outputs[0] != tt.want {
				t.Fatalf("outputs %+v, want %+v", tk.Outputs, tt.want)
			}
			for _, c := range tk.Definition() {
				if c.Name == "output.rows" && c.Value != tt.def {
					t.Errorf("definition %q, want %q", c.Value, tt.def)
				}
			}
		})
	}
}
