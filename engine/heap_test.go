package engine

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

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

// gcPercent is the collector's target in force.
func gcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// The target follows the live heap from one collection to the next, and
// the one before comes back at the end.
func TestTuneHeapFollowsTheLiveHeap(t *testing.T) {
	before := debug.SetGCPercent(150)
	defer debug.SetGCPercent(before)
	restore := TuneHeap()
	var keep [][]byte
	// Code that sets a target of its own, then a nested tuning: the
	// target is the tuner's again at once.
	for range 32 {
		keep = append(keep, make([]byte, 1<<20))
	}
	runtime.GC()
	time.Sleep(50 * time.Millisecond) // the finalizer
	debug.SetGCPercent(maxRunGCPercent)
	inner := TuneHeap()
	if got := gcPercent(); got != 100 {
		t.Errorf("target %d with 32 MiB live after a nested TuneHeap, want 100", got)
	}
	for _, tc := range []struct {
		name string
		live int // MiB kept live
		want int
	}{
		{"small", 0, maxRunGCPercent},
		{"a quarter of the budget", 16, 300},
		{"the budget", 64, 100},
		{"small again", 0, maxRunGCPercent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keep = nil
			for range tc.live {
				keep = append(keep, make([]byte, 1<<20))
			}
			got := 0
			// The target is set by a finalizer, after the collection.
			for range 100 {
				runtime.GC()
				if got = gcPercent(); abs(got-tc.want) <= tc.want/10 {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if abs(got-tc.want) > tc.want/10 {
				t.Errorf("target %d with %d MiB live, want about %d", got, tc.live, tc.want)
			}
		})
	}
	runtime.KeepAlive(keep)
	inner()
	if got := gcPercent(); got == 150 {
		t.Errorf("the inner restore ended the tuning")
	}
	restore()
	restore() // twice: once
	if got := gcPercent(); got != 150 {
		t.Errorf("target %d after the tuning, want the 150 before", got)
	}
}

func abs(x int) int { return max(x, -x) }
