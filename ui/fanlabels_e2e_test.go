package ui

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/browser"
)

// edgeLabels reads the edge labels the page draws: each edge's label text
// and the box it is drawn in (none where it has no text).
const edgeLabels = `(() => weir.app.graph.cy.edges().map(e => {
	const text = e.pstyle("label").strValue || e.pstyle("source-label").strValue || "";
	const b = e.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false, includeUnderlays: false });
	return { from: e.source().id(), to: e.target().id(), text, box: [b.x1, b.y1, b.x2, b.y2] };
}))()`

type edgeLabel struct {
	From string    `json:"from"`
	To   string    `json:"to"`
	Text string    `json:"text"`
	Box  []float64 `json:"box"`
}

// TestBrowserFanOutLabels: the edges of a fan-out, one producer's segment
// read by every task of an expanded stage (routed, so they share a trunk),
// carry that segment's name once, not once per edge bunched along the
// trunk; an edge from elsewhere keeps its own label; no two labels drawn
// overlap.
func TestBrowserFanOutLabels(t *testing.T) {
	fan := func(n int, in bool) []*dag.Task {
		src := task("src")
		src.Outputs = []dag.Output{{Name: "rows", Size: 1 << 20}}
		other := task("other")
		other.Outputs = []dag.Output{{Name: "dict", Size: 1 << 10}}
		ts := []*dag.Task{src, other}
		for i := range n {
			tk := task("shard["+strconv.Itoa(i)+"]", "src")
			tk.Key = strconv.Itoa(i)
			tk.Inputs = []dag.Input{{Name: "rows", From: []dag.SegmentRef{{Task: "src", Output: "rows"}}}}
			if i == 0 {
				tk.Deps = append(tk.Deps, "other")
				tk.Inputs = append(tk.Inputs, dag.Input{Name: "dict", From: []dag.SegmentRef{{Task: "other", Output: "dict"}}})
			}
			ts = append(ts, tk)
		}
		if in {
			// A fan-in too: every shard's part into one merge.
			merge := task("merge")
			var from []dag.SegmentRef
			for _, tk := range ts[2:] {
				tk.Outputs = []dag.Output{{Name: "part", Size: 1 << 10}}
				merge.Deps = append(merge.Deps, tk.ID)
				from = append(from, dag.SegmentRef{Task: tk.ID, Output: "part"})
			}
			merge.Inputs = []dag.Input{{Name: "parts", From: from}}
			ts = append(ts, merge)
		}
		return ts
	}
	for _, c := range []struct {
		name  string
		n     int
		in    bool           // the shards also fan in to a merge
		names map[string]int // segment -> times labelled
	}{
		{name: "8 shards", n: 8, names: map[string]int{"rows": 1, "dict": 1}},
		{name: "3 shards", n: 3, names: map[string]int{"rows": 1, "dict": 1}},
		{name: "8 shards into a merge", n: 8, in: true, names: map[string]int{"rows": 1, "dict": 1, "part": 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tab := browser.New(t)
			do(t, tab, chromedp.Navigate("about:blank"))
			dir := t.TempDir()
			r := newFakeRun(t, dir, "r1", fan(c.n, c.in)...)
			r.add(event.Event{Kind: event.RunStarted})
			_, hs := startServer(t, Options{StateDir: dir})
			do(t, tab, chromedp.Navigate(hs.URL+"/"))
			waitJS(t, tab, "the page", `document.body.dataset.ready === "1"`)
			do(t, tab, chromedp.Evaluate[chromedp.Void](`weir.app.graph.expand("shard")`, chromedp.EvalAwaitPromise))
			check := func(when string) {
				t.Helper()
				labels := eval[[]edgeLabel](t, tab, edgeLabels)
				got := map[string]int{}
				var drawn []edgeLabel
				for _, l := range labels {
					if l.Text != "" {
						name, _, _ := strings.Cut(l.Text, " ")
						got[name]++
						drawn = append(drawn, l)
					}
				}
				for name, n := range c.names {
					if got[name] != n {
						t.Errorf("%s: segment %q labelled %d times, want %d (labels: %+v)", when, name, got[name], n, labels)
					}
				}
				for i, a := range drawn {
					for _, b := range drawn[i+1:] {
						if a.Box[0] < b.Box[2] && b.Box[0] < a.Box[2] && a.Box[1] < b.Box[3] && b.Box[1] < a.Box[3] {
							t.Errorf("%s: labels overlap: %s -> %s %q at %v and %s -> %s %q at %v", when, a.From, a.To, a.Text, a.Box, b.From, b.To, b.Text, b.Box)
						}
					}
				}
			}
			check("expanded")
			// Its size, once committed, goes on the one label too.
			r.add(event.Event{Kind: event.AttemptEnded, Task: "src", Attempt: 1, Result: &event.Result{Reason: event.Succeeded},
				Outputs: []event.Committed{{Name: "rows", Path: "/x/rows", Size: 1 << 20}}})
			waitJS(t, tab, "the size on the label", `weir.app.graph.cy.edges().some(e => e.data("label").startsWith("rows "))`)
			if c.in {
				// The fan-in's one label carries every shard's part.
				for i := range c.n {
					r.add(event.Event{Kind: event.AttemptEnded, Task: "shard[" + strconv.Itoa(i) + "]", Attempt: 1, Result: &event.Result{Reason: event.Succeeded},
						Outputs: []event.Committed{{Name: "part", Path: "/x/part" + strconv.Itoa(i), Size: 1 << 10}}})
				}
				waitJS(t, tab, "the fan-in's total on its label", `weir.app.graph.cy.edges().some(e => e.data("label") === "part 8 KiB")`)
			}
			screenshot(t, tab, "ui-fan-labels-"+strings.ReplaceAll(c.name, " ", "-")+".png", chromedp.FullScreenshot(100))
			check("committed")
		})
	}
}
