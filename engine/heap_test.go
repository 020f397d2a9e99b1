package engine

import "testing"

func TestRunGCPercent(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, maxRunGCPercent},       // no collection yet: a tiny heap
		{4 << 20, maxRunGCPercent}, // 4 MiB may grow 5x within the budget
		{16 << 20, 300},            // 16 MiB: 4x is the budget
		{32 << 20, 100},            // half the budget: the default
		{200 << 20, 100},           // beyond it: never below the default
	} {
		if got := runGCPercent(tc.live); got != tc.want {
			t.Errorf("runGCPercent(%d MiB) = %d, want %d", tc.live>>20, got, tc.want)
		}
	}
}
