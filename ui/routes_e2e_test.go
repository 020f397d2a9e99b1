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

// drawnEdges reads what the page drew: each edge's points, from its
// source's side through its bends to its target's, and the box of every
// node it must not cross (all but its own ends and their tasks).
const drawnEdges = `(() => {
	const cy = weir.app.graph.cy;
	const box = (n) => { const b = n.boundingBox({ includeLabels: false, includeOverlays: false }); return [b.x1, b.y1, b.x2, b.y2]; };
	const nodes = cy.nodes().map(n => ({ id: n.id(), parent: n.isChild() ? n.parent().id() : "", box: box(n) }));
	return cy.edges().map(e => {
		const s = e.source().id(), t = e.target().id();
		const pts = [e.sourceEndpoint(), ...(e.segmentPoints() || []), e.targetEndpoint()].map(p => [p.x, p.y]);
		return { from: s, to: t, routed: e.hasClass("routed") || e.hasClass("routed-straight"), pts,
			ends: [box(e.source()), box(e.target())],
			others: nodes.filter(n => n.id !== s && n.id !== t && n.parent !== s && n.parent !== t).map(n => ({ id: n.id, box: n.box })) };
	});
})()`

type drawnEdge struct {
	From   string      `json:"from"`
	To     string      `json:"to"`
	Routed bool        `json:"routed"`
	Pts    [][]float64 `json:"pts"`
	Ends   [][]float64 `json:"ends"`
	Others []struct {
		ID  string    `json:"id"`
		Box []float64 `json:"box"`
	} `json:"others"`
}

// crosses says whether the segment a-b passes through the inside of box
// [x1, y1, x2, y2], shrunk by its border (Liang-Barsky clipping).
func crosses(a, b, box []float64) bool {
	const border = 3
	x1, y1, x2, y2 := box[0]+border, box[1]+border, box[2]-border, box[3]-border
	t0, t1 := 0.0, 1.0
	dx, dy := b[0]-a[0], b[1]-a[1]
	for _, c := range [][2]float64{{-dx, a[0] - x1}, {dx, x2 - a[0]}, {-dy, a[1] - y1}, {dy, y2 - a[1]}} {
		p, q := c[0], c[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		r := q / p
		if p < 0 {
			t0 = max(t0, r)
		} else {
			t1 = min(t1, r)
		}
	}
	return t0 < t1
}

// onSide says whether p lies on the outline of box, within a few pixels.
func onSide(p, box []float64) bool {
	const near = 3
	in := func(v, lo, hi float64) bool { return v >= lo-near && v <= hi+near }
	if !in(p[0], box[0], box[2]) || !in(p[1], box[1], box[3]) {
		return false
	}
	return p[0]-box[0] < near || box[2]-p[0] < near || p[1]-box[1] < near || box[3]-p[1] < near
}

// TestBrowserRoutedEdges reads the laid-out geometry of a 20-way fan-out,
// a diamond with a shortcut, a for_each stage of 8 tasks expanded (drawn
// as nodes) and one of 20 (a block): every edge follows its orthogonal
// route from its source's side to its target's, and no edge passes
// through a node but its own ends, so that shard[1] -> shard[0] never
// reads as a chain. Into and out of a block goes one edge each.
func TestBrowserRoutedEdges(t *testing.T) {
	keyed := func(stage string, n int, deps ...string) []*dag.Task {
		var ts []*dag.Task
		for i := range n {
			tk := task(stage+"["+strconv.Itoa(i)+"]", deps...)
			tk.Key = strconv.Itoa(i)
			ts = append(ts, tk)
		}
		return ts
	}
	ids := func(ts []*dag.Task) []string {
		var out []string
		for _, tk := range ts {
			out = append(out, tk.ID)
		}
		return out
	}
	fan := func() []*dag.Task {
		ts := []*dag.Task{task("src")}
		var ps []string
		for i := range 20 {
			p := "p" + strconv.Itoa(i)
			ps = append(ps, p)
			ts = append(ts, task(p, "src"))
		}
		return append(ts, task("sink", ps...))
	}
	shards := keyed("shard", 8, "src")
	wide := keyed("wide", 20, "src")
	for _, c := range []struct {
		name   string
		tasks  []*dag.Task
		expand []string
		blocks map[string][2]string // block -> the one edge in and out
	}{
		{name: "20-way fan-out", tasks: fan()},
		{name: "diamond with a shortcut", tasks: []*dag.Task{task("a"), task("b", "a"), task("c", "a"), task("d", "a", "b", "c")}},
		{name: "8 shards expanded", tasks: append(append([]*dag.Task{task("src")}, shards...), task("merge", ids(shards)...)), expand: []string{"shard"}},
		{
			name:   "20 as a block",
			tasks:  append(append([]*dag.Task{task("src"), task("side", "src")}, wide...), task("join", append(ids(wide), "side")...)),
			expand: []string{"wide"},
			blocks: map[string][2]string{"block:wide": {"src", "join"}},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			tab := browser.New(t)
			do(t, tab, chromedp.Navigate("about:blank"))
			dir := t.TempDir()
			r := newFakeRun(t, dir, "r1", c.tasks...)
			r.add(event.Event{Kind: event.RunStarted})
			_, hs := startServer(t, Options{StateDir: dir})
			do(t, tab, chromedp.Navigate(hs.URL+"/"))
			waitJS(t, tab, "the page", `document.body.dataset.ready === "1"`)
			for _, s := range c.expand {
				do(t, tab, chromedp.Evaluate[chromedp.Void](`weir.app.graph.expand("`+s+`")`, chromedp.EvalAwaitPromise))
			}
			screenshot(t, tab, "ui-routes-"+strings.ReplaceAll(c.name, " ", "-")+".png", chromedp.FullScreenshot(100))
			edges := eval[[]drawnEdge](t, tab, drawnEdges)
			if len(edges) == 0 {
				t.Fatal("no edges drawn")
			}
			into := map[string][]string{}
			for _, e := range edges {
				name := e.From + " -> " + e.To
				into[e.To] = append(into[e.To], e.From)
				into[e.From] = append(into[e.From], e.To)
				if !e.Routed {
					t.Errorf("%s is not routed", name)
				}
				for i := 1; i < len(e.Pts); i++ {
					a, b := e.Pts[i-1], e.Pts[i]
					if dx, dy := b[0]-a[0], b[1]-a[1]; dx*dx > 0.25 && dy*dy > 0.25 {
						t.Errorf("%s: segment %v-%v is not orthogonal", name, a, b)
					}
					for _, n := range e.Others {
						if crosses(a, b, n.Box) {
							t.Errorf("%s crosses node %s (segment %v-%v, box %v)", name, n.ID, a, b, n.Box)
						}
					}
				}
				if first, last := e.Pts[0], e.Pts[len(e.Pts)-1]; !onSide(first, e.Ends[0]) || !onSide(last, e.Ends[1]) {
					t.Errorf("%s runs from %v to %v, want from the side of %v to the side of %v", name, first, last, e.Ends[0], e.Ends[1])
				}
			}
			for b, ends := range c.blocks {
				if got := into[b]; len(got) != 2 || got[0] != ends[0] && got[1] != ends[0] || got[0] != ends[1] && got[1] != ends[1] {
					t.Errorf("edges of %s: %v, want one from %s and one to %s", b, got, ends[0], ends[1])
				}
			}
		})
	}
}
