package lsp

import (
	"runtime/debug"
	"testing"
)

// TestBoostGC checks that a small text's analysis raises the collector's
// target, a large one's does not, and that the target comes back only when
// the last of overlapping analyses ends.
func TestBoostGC(t *testing.T) {
	percent := func() int { p := debug.SetGCPercent(-1); debug.SetGCPercent(p); return p }
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tests := []struct {
		name   string
		sizes  []int // analyses under way at once
		during int
	}{
		{"small", []int{1000}, smallGCPercent},
		{"large", []int{smallText + 1}, 100},
		{"two small", []int{1000, 2000}, smallGCPercent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var restore []func()
			for _, n := range tt.sizes {
				restore = append(restore, boostGC(n))
			}
			if got := percent(); got != tt.during {
				t.Errorf("during: GC percent %d, want %d", got, tt.during)
			}
			for i, r := range restore {
				r()
				if i < len(restore)-1 && percent() != tt.during {
					t.Errorf("restored while another analysis runs")
				}
			}
			if got := percent(); got != 100 {
				t.Errorf("after: GC percent %d, want 100", got)
			}
		})
	}
}
