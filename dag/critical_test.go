package dag

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestCriticalPath(t *testing.T) {
	est := func(id string, d time.Duration, deps ...string) *Task {
		t := tk(id, deps...)
		t.Estimate = d
		return t
	}
	tests := []struct {
		name  string
		tasks []*Task
		path  []string
		total time.Duration
	}{
		{"single", []*Task{est("a", 3*time.Second)}, []string{"a"}, 3 * time.Second},
		{
			"heavier branch wins",
			[]*Task{est("src", time.Second), est("fast", 2*time.Second, "src"), est("slow", 9*time.Second, "src"), est("sink", time.Second, "fast", "slow")},
			[]string{"src", "slow", "sink"}, 11 * time.Second,
		},
		{
			// No estimates: each task weighs 1s, so the longest chain by count.
			"default weight counts tasks",
			[]*Task{tk("a"), tk("b", "a"), tk("c", "b"), tk("x"), tk("y", "x")},
			[]string{"a", "b", "c"}, 3 * time.Second,
		},
		{
			"ties go to the first declared",
			[]*Task{tk("p"), tk("q"), tk("r", "p"), tk("s", "q")},
			[]string{"p", "r"}, 2 * time.Second,
		},
		{
			"separate heavy source",
			[]*Task{tk("a"), tk("b", "a"), est("big", time.Hour)},
			[]string{"big"}, time.Hour,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := mustNew(t, tt.tasks...)
			path, total := g.CriticalPath(nil)
			if got := ids(path); !slices.Equal(got, tt.path) || total != tt.total {
				t.Errorf("CriticalPath = %v %v, want %v %v", got, total, tt.path, tt.total)
			}
		})
	}
}

func TestRemaining(t *testing.T) {
	g := mustNew(t, tk("c", "b"), tk("a"), tk("b", "a"), tk("x", "a"))
	w := map[string]time.Duration{"a": 1, "b": 2, "c": 4, "x": 10}
	got := g.Remaining(func(t *Task) time.Duration { return w[t.ID] })
	// Indexed like Tasks: c, a, b, x.
	want := []time.Duration{4, 11, 6, 10}
	if !slices.Equal(got, want) {
		t.Errorf("Remaining = %v, want %v", got, want)
	}
}

func TestRemainingSaturates(t *testing.T) {
	g := mustNew(t, tk("a"), tk("b", "a"), tk("c", "b"))
	huge := func(*Task) time.Duration { return math.MaxInt64 / 2 }
	for i, d := range g.Remaining(huge) {
		if d < 0 {
			t.Errorf("Remaining[%d] overflowed: %v", i, d)
		}
	}
	neg := func(*Task) time.Duration { return -time.Hour }
	for i, d := range g.Remaining(neg) {
		if d != 0 {
			t.Errorf("negative weight: Remaining[%d] = %v, want 0", i, d)
		}
	}
}
