package ui

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/internal/browser"
)

// denseTasks is n stages, each reading up to three earlier ones anywhere
// before it (bench/uipage's kind): long edges over many layers.
func denseTasks(n int) []*dag.Task {
	r := rand.New(rand.NewPCG(1, 1))
	ts := make([]*dag.Task, n)
	for i := range n {
		picked := map[int]bool{}
		for len(picked) < min(3, i) {
			picked[r.IntN(i)] = true
		}
		var deps []string
		for d := range picked {
			deps = append(deps, "s"+strconv.Itoa(d))
		}
		slices.Sort(deps)
		ts[i] = task("s"+strconv.Itoa(i), deps...)
	}
	return ts
}

// chainTasks is n stages in chains of length long: as many nodes, no long
// edge.
func chainTasks(n, long int) []*dag.Task {
	ts := make([]*dag.Task, n)
	for i := range n {
		id := "s" + strconv.Itoa(i)
		if i%long == 0 {
			ts[i] = task(id)
		} else {
			ts[i] = task(id, "s"+strconv.Itoa(i-1))
		}
	}
	return ts
}

// drawnLayout reads which way the page laid the graph out and how its
// edges are drawn.
const drawnLayout = `(() => {
	const g = document.getElementById("graph"), cy = weir.app.graph.cy;
	const note = document.querySelector("#graph-wrap .layout-note");
	return { path: g.dataset.layout || "", nodes: cy.nodes().length, edges: weir.app.graph.edgeData.length,
		routed: cy.edges().filter(e => e.hasClass("routed") || e.hasClass("routed-straight")).length,
		note: note ? note.textContent : "" };
})()`

type layoutSeen struct {
	Path   string `json:"path"`
	Nodes  int    `json:"nodes"`
	Edges  int    `json:"edges"`
	Routed int    `json:"routed"`
	Note   string `json:"note"`
}

// TestBrowserDenseLayout: a graph of 800 stages whose edges span many
// layers is laid out as a backbone with its edges straight (ELK routing it
// took minutes), and says so; one of as many nodes in chains keeps every
// edge routed, with no note, unless routing runs past its budget, when the
// page falls back to the backbone and says so.
func TestBrowserDenseLayout(t *testing.T) {
	for _, c := range []struct {
		name   string
		tasks  []*dag.Task
		budget string // ms the routed layout may take ("": the page's own)
		path   string
		routed bool
		note   string
	}{
		{name: "800 dense", tasks: denseTasks(800), path: "backbone", note: "too dense"},
		// The budget is the fallback's, which a loaded machine could trip:
		// here the choice is tested, not the time.
		{name: "800 in chains", tasks: chainTasks(800, 100), budget: "600000", path: "routed", routed: true},
		{name: "800 in chains, out of time", tasks: chainTasks(800, 100), budget: "1", path: "fallback", note: "took over 0.001 s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tab := browser.New(t)
			do(t, tab, chromedp.Navigate("about:blank"))
			dir := t.TempDir()
			r := newFakeRun(t, dir, "r1", c.tasks...)
			r.add(event.Event{Kind: event.RunStarted})
			_, hs := startServer(t, Options{StateDir: dir})
			// The budget is set from a page of the same origin before the
			// graph's.
			do(t, tab, chromedp.Navigate(hs.URL+"/assets/app.css"),
				chromedp.Evaluate[chromedp.Void](`localStorage.setItem("weir-layout-budget", "`+c.budget+`")`),
				chromedp.Navigate(hs.URL+"/"))
			// Longer than waitJS allows: 800 nodes on a loaded machine.
			if _, err := chromedp.Run(tab.Ctx, chromedp.Poll[chromedp.Void](`document.body.dataset.ready === "1"`, chromedp.WithPollingTimeout(90*time.Second))); err != nil {
				t.Fatalf("browser: waiting for the page: %v\nconsole:\n%s", err, tab.Console())
			}
			screenshot(t, tab, "ui-dense-"+strings.NewReplacer(" ", "-", ",", "").Replace(c.name)+".png", chromedp.FullScreenshot(100))
			got := eval[layoutSeen](t, tab, drawnLayout)
			if got.Path != c.path {
				t.Errorf("laid out as %q, want %q", got.Path, c.path)
			}
			if got.Nodes != len(c.tasks) || got.Edges == 0 {
				t.Fatalf("drew %d nodes and %d edges, want %d nodes and some edges", got.Nodes, got.Edges, len(c.tasks))
			}
			if want := map[bool]int{true: got.Edges, false: 0}[c.routed]; got.Routed != want {
				t.Errorf("%d of %d edges routed, want %d", got.Routed, got.Edges, want)
			}
			if c.note == "" && got.Note != "" || !strings.Contains(got.Note, c.note) {
				t.Errorf("note %q, want one saying %q", got.Note, c.note)
			}
		})
	}
}
