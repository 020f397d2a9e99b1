package engine

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
)

// percentNow is the collector's target in force, -1 when it is off.
func percentNow() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

type nopAppender struct{}

func (nopAppender) Append(event.Event) (func() error, error) { return func() error { return nil }, nil }
func (nopAppender) Record(event.Event) error                 { return nil }

// TestPlanHeap: the collector is off from PlanHeap until the first attempt
// starts, a collection happens, end is called or planHeapMax has passed, with a memory limit no
// larger than the one before; then the target and the limit are what
// they would have been without it.
func TestPlanHeap(t *testing.T) {
	for _, c := range []struct {
		name      string
		tuned     bool  // within TuneHeap, as weir resume runs it
		userLimit int64 // a memory limit set before, 0 = none
		end       string
	}{
		{"ended by its caller", false, 0, "end"},
		{"ended by the first attempt's start", true, 0, "start"},
		{"ended by a collection", true, 0, "collection"},
		{"a smaller limit of the user's is kept", true, 1 << 30, "start"},
		{"tuned, ended by its caller", true, 0, "end"},
		{"ended by its time bound, no attempt started (a reattaching resume)", true, 0, "time"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := debug.SetGCPercent(150)
			defer debug.SetGCPercent(before)
			limit := debug.SetMemoryLimit(-1)
			if c.userLimit > 0 {
				debug.SetMemoryLimit(c.userLimit)
			}
			defer debug.SetMemoryLimit(limit)
			wantLimit := debug.SetMemoryLimit(-1)

			restore := func() {}
			if c.tuned {
				restore = TuneHeap()
			}
			if c.end == "time" {
				defer func(d time.Duration) { planHeapMax = d }(planHeapMax)
				planHeapMax = 50 * time.Millisecond
			}
			end := PlanHeap()
			if got := percentNow(); got != -1 {
				t.Errorf("target %d in the plan's phase, want off", got)
			}
			if got := debug.SetMemoryLimit(-1); got != min(wantLimit, planHeapLimit) {
				t.Errorf("memory limit %d in the plan's phase, want %d", got, min(wantLimit, planHeapLimit))
			}
			if c.tuned {
				// Prepare tunes the heap again: the collector stays off.
				inner := TuneHeap()
				if got := percentNow(); got != -1 {
					t.Errorf("target %d after a nested TuneHeap, want off", got)
				}
				inner()
			}
			switch c.end {
			case "end":
				end()
			case "start":
				j := graphJournal{store: nopAppender{}, graph: &runGraph{done: make(chan struct{})}}
				j.graph.once.Do(func() {}) // writes no graph
				if _, err := j.Append(event.Event{Kind: event.AttemptStarted}); err != nil {
					t.Fatal(err)
				}
			case "time":
				deadline := time.Now().Add(5 * time.Second)
				for PlanningHeap() && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
			case "collection":
				runtime.GC()
				deadline := time.Now().Add(5 * time.Second)
				for percentNow() == -1 && time.Now().Before(deadline) {
					runtime.GC()
					time.Sleep(10 * time.Millisecond) // the finalizer
				}
			}
			want := 150
			if c.tuned {
				want = runGCPercent(liveHeap())
			}
			if got := percentNow(); got == -1 || !c.tuned && got != want {
				t.Errorf("target %d after the plan's phase, want %d", got, want)
			}
			if got := debug.SetMemoryLimit(-1); got != wantLimit {
				t.Errorf("memory limit %d after the plan's phase, want %d", got, wantLimit)
			}
			end() // again: nothing
			restore()
			if got := percentNow(); got != 150 {
				t.Errorf("target %d after TuneHeap's end, want the 150 before", got)
			}
		})
	}
}
