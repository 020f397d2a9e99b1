package median

import (
	"slices"
	"testing"
	"time"
)

func TestOf(t *testing.T) {
	xs := []time.Duration{5, 1, 4, 2, 3}
	if got := Of(xs); got != 3 {
		t.Errorf("Of(%v) = %v, want 3", xs, got)
	}
	if !slices.Equal(xs, []time.Duration{5, 1, 4, 2, 3}) {
		t.Errorf("Of sorted its argument: %v", xs)
	}
	if got := Of([]float64{2, 1}); got != 2 {
		t.Errorf("Of of two = %v, want the upper one", got)
	}
	if got := Of([]int{7}); got != 7 {
		t.Errorf("Of of one = %v", got)
	}
}
