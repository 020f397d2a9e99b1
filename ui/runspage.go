package ui

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/weirflow/weir/event"
)

// maxGridRuns and maxGridTasks bound the runs x tasks grid: the recent
// runs a user compares by eye, and the tasks a page can draw as cells.
const (
	maxGridRuns  = 30
	maxGridTasks = 2000
)

// TaskBrief is a task's outcome in one run: what the grid colours and the
// comparison weighs.
type TaskBrief struct {
	State event.TaskState `json:"state"`
	Tries int             `json:"tries,omitempty"`
	Took  int64           `json:"took,omitempty"` // ms, the last attempt's
	Peak  int64           `json:"peak,omitempty"` // bytes, the most of any attempt
}

// briefs is every task of a run that has events, in brief.
func (h *hub) briefs() (map[string]TaskBrief, error) {
	if err := h.refresh(); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	out := make(map[string]TaskBrief, len(h.model.tasks))
	for id, v := range h.model.tasks {
		b := TaskBrief{State: v.State, Tries: len(v.Attempts), Peak: peakOf(v)}
		if d := tookOf(v, now); d >= 0 {
			b.Took = d.Milliseconds()
		}
		out[id] = b
	}
	return out, nil
}

// Grid is the recent runs of a workflow, oldest first, against their
// tasks: States[i][j] is task i in run j ("" when the run has no such
// task).
type Grid struct {
	Workflow string              `json:"workflow"`
	Runs     []RunInfo           `json:"runs"`
	Tasks    []string            `json:"tasks"`
	States   [][]event.TaskState `json:"states"`
	More     int                 `json:"more"` // tasks left out past maxGridTasks
}

// grid builds the Grid of the last n runs of workflow. Tasks that failed in
// any of them come first, so that the rows a user looks for survive the cut.
func (s *Server) grid(workflow string, n int) (*Grid, error) {
	runs, err := s.listRuns()
	if err != nil {
		return nil, err
	}
	g := &Grid{Workflow: workflow, Runs: []RunInfo{}, Tasks: []string{}, States: [][]event.TaskState{}}
	for _, r := range runs { // newest first
		if r.Workflow == workflow && len(g.Runs) < n {
			g.Runs = append(g.Runs, r)
		}
	}
	slices.Reverse(g.Runs)
	cols := make([]map[string]TaskBrief, len(g.Runs))
	declared := make([]map[string]bool, len(g.Runs)) // the tasks of each run's plan
	failed := map[string]bool{}
	order := map[string]int{}
	var ids []string
	for j, r := range g.Runs {
		h, err := s.checkRun(r.ID)
		if err != nil {
			return nil, err
		}
		if cols[j], err = h.briefs(); err != nil {
			return nil, err
		}
		// Declaration order where the run's graph is readable.
		declared[j] = map[string]bool{}
		if lg, err := h.liteDoc(); err == nil {
			for _, t := range lg.Tasks {
				declared[j][t.ID] = true
				if _, ok := order[t.ID]; !ok {
					order[t.ID] = len(order)
					ids = append(ids, t.ID)
				}
			}
		}
		for id, b := range cols[j] {
			if _, ok := order[id]; !ok {
				order[id] = len(order)
				ids = append(ids, id)
			}
			if b.State == event.TaskFailed {
				failed[id] = true
			}
		}
	}
	slices.SortStableFunc(ids, func(a, b string) int {
		if failed[a] != failed[b] {
			if failed[a] {
				return -1
			}
			return 1
		}
		return cmp.Compare(order[a], order[b])
	})
	if len(ids) > maxGridTasks {
		g.More = len(ids) - maxGridTasks
		ids = ids[:maxGridTasks]
	}
	g.Tasks = ids
	for _, id := range ids {
		row := make([]event.TaskState, len(g.Runs))
		for j := range g.Runs {
			if b, ok := cols[j][id]; ok {
				row[j] = b.State
			} else if declared[j][id] {
				row[j] = event.Pending
			}
		}
		g.States = append(g.States, row)
	}
	return g, nil
}

func (s *Server) apiGrid(w http.ResponseWriter, r *http.Request) {
	n, err := intParam(r.URL.Query().Get("runs"), 20)
	if err != nil || n <= 0 {
		http.Error(w, "runs must be a positive integer", http.StatusBadRequest)
		return
	}
	g, err := s.grid(r.URL.Query().Get("workflow"), min(int(n), maxGridRuns))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, g)
}

// Change is a task whose outcome differs between two runs.
type Change struct {
	Task string    `json:"task"`
	A    TaskBrief `json:"a"`
	B    TaskBrief `json:"b"`
	// What changed: "state", "took", "peak".
	What []string `json:"what"`
}

// Comparison is what changed from run A to run B.
type Comparison struct {
	RunA    RunInfo  `json:"a"`
	RunB    RunInfo  `json:"b"`
	Changes []Change `json:"changes"`
	Same    int      `json:"same"` // tasks in both that did not change
}

// changed says whether two figures differ enough to matter: by a quarter
// and by more than floor, so that noise in short or small tasks is left out.
func changed(a, b, floor int64) bool {
	d := max(a, b) - min(a, b)
	return d > floor && 4*d > max(a, b)
}

// compare lists the tasks whose state changed, or whose duration or peak
// memory changed by more than a quarter, between runs a and b.
func (s *Server) compare(a, b string) (*Comparison, error) {
	ha, err := s.checkRun(a)
	if err != nil {
		return nil, err
	}
	hb, err := s.checkRun(b)
	if err != nil {
		return nil, err
	}
	ta, err := ha.briefs()
	if err != nil {
		return nil, err
	}
	tb, err := hb.briefs()
	if err != nil {
		return nil, err
	}
	sa, _ := ha.snapshotOf(func(string, *TaskView) bool { return false })
	sb, _ := hb.snapshotOf(func(string, *TaskView) bool { return false })
	c := &Comparison{RunA: sa.Run, RunB: sb.Run, Changes: []Change{}}
	ids := make([]string, 0, len(ta)+len(tb))
	for id := range ta {
		ids = append(ids, id)
	}
	for id := range tb {
		if _, ok := ta[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		x, okA := ta[id]
		y, okB := tb[id]
		if !okA {
			x.State = event.Pending
		}
		if !okB {
			y.State = event.Pending
		}
		var what []string
		if x.State != y.State {
			what = append(what, "state")
		}
		if x.Took > 0 && y.Took > 0 && changed(x.Took, y.Took, 1000) {
			what = append(what, "took")
		}
		if x.Peak > 0 && y.Peak > 0 && changed(x.Peak, y.Peak, 1<<20) {
			what = append(what, "peak")
		}
		if what == nil {
			c.Same++
			continue
		}
		c.Changes = append(c.Changes, Change{Task: id, A: x, B: y, What: what})
	}
	return c, nil
}

func (s *Server) apiCompare(w http.ResponseWriter, r *http.Request) {
	c, err := s.compare(r.URL.Query().Get("a"), r.URL.Query().Get("b"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, c)
}
