package ui

import (
	"slices"
	"strings"
	"testing"
)

// TestBrowserTimelineRetries checks that the timeline marks every attempt
// after a task's first, where it starts, and says how many there are.
func TestBrowserTimelineRetries(t *testing.T) {
	tab := openWide(t, "/")
	waitJS(t, tab, "the timeline", `(weir.app.timeline.marks || []).length > 0`)
	marks := eval[[]string](t, tab, `weir.app.timeline.marks.map(m => m.task + " #" + m.n)`)
	slices.Sort(marks)
	if want := []string{"noop[1503] #2", "noop[417] #2"}; !slices.Equal(marks, want) {
		t.Errorf("retry marks %q, want %q", marks, want)
	}
	// Drawn where it says: the mark's colour at the start of its bar.
	drawn := eval[[]bool](t, tab, `weir.app.timeline.marks.map(m => { const c = weir.app.timeline.canvas, d = window.devicePixelRatio || 1;
		const p = c.getContext("2d").getImageData(Math.round((m.x + 1.5) * d), Math.round((m.y + 3) * d), 1, 1).data;
		return p[0] === 0xfa && p[1] === 0xb0 && p[2] === 0x05; })`)
	if len(drawn) != 2 || !drawn[0] || !drawn[1] {
		t.Errorf("marks drawn %v, want both in the retry colour", drawn)
	}
	if info := eval[string](t, tab, `document.querySelector("#timeline .timeline-info").textContent`); !strings.Contains(info, "2 retries") {
		t.Errorf("timeline says %q, want it to count 2 retries", info)
	}
}
