package ui

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
)

// defaultWideStage is how many tasks a for_each stage may have before the
// overview sends it as a summary: beyond it, a page that drew the stage's
// tasks could not read them, and the first view would wait for them.
const defaultWideStage = dag.OutlineWide

// LiteTask is what the page needs of a task to place it and fill its row;
// the rest of its definition comes with the task's panel.
type LiteTask struct {
	ID     string `json:"id"`
	Stage  string `json:"stage"`
	Key    string `json:"key,omitempty"`
	Keyed  bool   `json:"keyed,omitempty"`
	Pool   string `json:"pool"`
	Memory int64  `json:"memory,omitempty"`
}

// liteEdge is an edge of graph.json: the same fields as an outline's.
type liteEdge = dag.OutlineEdge

// liteGraph is graph.json without the task definitions: decoded into
// these fields only, it costs a fraction of the whole.
type liteGraph struct {
	Name     string          `json:"name"`
	Settings json.RawMessage `json:"settings"`
	Pools    json.RawMessage `json:"pools"`
	Tasks    []LiteTask      `json:"tasks"`
	Edges    []liteEdge      `json:"edges"`

	index  map[string]int // task id -> its place in Tasks
	stages []string       // in order of first appearance
	size   map[string]int // tasks per stage
}

// liteDoc parses graph.json once into its lite form.
func (h *hub) liteDoc() (*liteGraph, error) {
	h.mu.Lock()
	g := h.lite
	h.mu.Unlock()
	if g != nil {
		return g, nil
	}
	b, err := h.graphBytes()
	if err != nil {
		return nil, err
	}
	g = &liteGraph{}
	if err := json.Unmarshal(b, g); err != nil {
		return nil, fmt.Errorf("run %s: graph.json: %w", h.id, err)
	}
	g.index = make(map[string]int, len(g.Tasks))
	g.size = map[string]int{}
	for i, t := range g.Tasks {
		g.index[t.ID] = i
		if g.size[t.Stage] == 0 {
			g.stages = append(g.stages, t.Stage)
		}
		g.size[t.Stage]++
	}
	h.mu.Lock()
	h.lite = g
	h.mu.Unlock()
	return g, nil
}

// Group is a for_each stage sent as a summary: how many tasks it has and
// where they are.
type Group struct {
	Stage   string                  `json:"stage"`
	Pool    string                  `json:"pool"`
	Tasks   int                     `json:"tasks"`
	Counts  map[event.TaskState]int `json:"counts"` // tasks past pending, by state
	Retried int                     `json:"retried"`
}

// Overview is the graph as the page first draws it: every task of the
// narrow stages, and each wide for_each stage as one Group. Edges to and
// from a group's tasks end at "stage:NAME", once per pair, so the
// overview's size follows the stages, not the tasks.
type Overview struct {
	Name     string          `json:"name"`
	Settings json.RawMessage `json:"settings,omitempty"`
	Pools    json.RawMessage `json:"pools"`
	Tasks    []LiteTask      `json:"tasks"`
	Edges    []liteEdge      `json:"edges"`
	Groups   []Group         `json:"groups"`
	// All is how many tasks the run has, in groups or not.
	All int `json:"all"`
}

// wide reports whether stage is sent as a summary.
func (g *liteGraph) wide(stage string, limit int) bool {
	return g.size[stage] > limit
}

// overview builds the Overview with the run's counts as they are now.
func (h *hub) overview(limit int) (*Overview, error) {
	g, err := h.liteDoc()
	if err != nil {
		return nil, err
	}
	if err := h.refresh(); err != nil {
		return nil, err
	}
	o := &Overview{Name: g.Name, Settings: g.Settings, Pools: g.Pools, Tasks: []LiteTask{}, Edges: []liteEdge{}, Groups: []Group{}, All: len(g.Tasks)}
	for _, t := range g.Tasks {
		if !t.Keyed || !g.wide(t.Stage, limit) {
			o.Tasks = append(o.Tasks, t)
		}
	}
	o.Groups = h.groups(g, limit)
	end := func(id string) string {
		if i, ok := g.index[id]; ok && g.Tasks[i].Keyed && g.wide(g.Tasks[i].Stage, limit) {
			return dag.GroupPrefix + g.Tasks[i].Stage
		}
		return id
	}
	var edges dag.EdgeFolder
	for _, e := range g.Edges {
		edges.Add(end(e.From), end(e.To), e.Segments)
	}
	o.Edges = edges.Edges()
	return o, nil
}

// groups counts the states of each wide stage's tasks.
func (h *hub) groups(g *liteGraph, limit int) []Group {
	out := []Group{}
	at := map[string]int{}
	for _, s := range g.stages {
		if !g.wide(s, limit) {
			continue
		}
		at[s] = len(out)
		out = append(out, Group{Stage: s, Tasks: g.size[s], Counts: map[event.TaskState]int{}})
	}
	if len(out) == 0 {
		return out
	}
	for _, t := range g.Tasks {
		if i, ok := at[t.Stage]; ok && t.Keyed && out[i].Pool == "" {
			out[i].Pool = t.Pool
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, v := range h.model.tasks {
		j, ok := g.index[id]
		if !ok {
			continue
		}
		i, ok := at[g.Tasks[j].Stage]
		if !ok || !g.Tasks[j].Keyed {
			continue
		}
		if v.State != event.Pending {
			out[i].Counts[v.State]++
		}
		if len(v.Attempts) > 1 {
			out[i].Retried++
		}
	}
	return out
}

// wideLimit is the server's threshold, or the request's ?wide=N (tests
// use small runs).
func (s *Server) wideLimit(r *http.Request) int {
	if n, err := intParam(r.URL.Query().Get("wide"), 0); err == nil && n > 0 {
		return int(n)
	}
	if s.o.WideStage > 0 {
		return s.o.WideStage
	}
	return defaultWideStage
}

func (s *Server) apiOverview(w http.ResponseWriter, r *http.Request) {
	h, err := s.checkRun(r.PathValue("run"))
	if err != nil {
		writeError(w, err)
		return
	}
	limit := s.wideLimit(r)
	if q := h.quick(); q != nil && limit <= q.outline.Wide {
		writeJSON(w, q.overview(limit))
		return
	}
	o, err := h.overview(limit)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, o)
}

// apiGroups answers the wide stages' counts and the run's: what a page that drew the
// overview polls while the run goes on.
func (s *Server) apiGroups(w http.ResponseWriter, r *http.Request) {
	h, err := s.checkRun(r.PathValue("run"))
	if err != nil {
		writeError(w, err)
		return
	}
	limit := s.wideLimit(r)
	if q := h.quick(); q != nil && limit <= q.outline.Wide {
		writeJSON(w, GroupCounts{Groups: q.groupsOf(limit), Run: q.run})
		return
	}
	g, err := h.liteDoc()
	if err == nil {
		err = h.refresh()
	}
	if err != nil {
		writeError(w, err)
		return
	}
	groups := h.groups(g, limit)
	snap, _ := h.snapshotOf(func(string, *TaskView) bool { return false })
	writeJSON(w, GroupCounts{Groups: groups, Run: snap.Run})
}

// GroupCounts is the wide stages' counts and the run's, which a page
// without the tasks of wide stages cannot count itself.
type GroupCounts struct {
	Groups []Group `json:"groups"`
	Run    RunInfo `json:"run"`
}

// maxFailedShown bounds the failed tasks of wide stages in a partial
// snapshot; the table finds the rest.
const maxFailedShown = 1000

// partialKeep keeps the tasks of narrow stages and the first failures of
// wide ones in a snapshot.
func partialKeep(g *liteGraph, limit int) func(id string, v *TaskView) bool {
	failed := 0
	return func(id string, v *TaskView) bool {
		i, ok := g.index[id]
		if !ok || !g.Tasks[i].Keyed || !g.wide(g.Tasks[i].Stage, limit) {
			return true
		}
		if v.State != event.TaskFailed || failed >= maxFailedShown {
			return false
		}
		failed++
		return true
	}
}

// collapse groups the keyed tasks of stages of more than limit tasks
// (size: tasks per stage) and ends their edges at the group, once per
// pair; the groups of pre, made before, stay.
func collapse(tasks []LiteTask, edges []liteEdge, pre []dag.OutlineGroup, limit int, size map[string]int) ([]LiteTask, []liteEdge, []Group) {
	groups := []Group{}
	at := map[string]bool{}
	for _, g := range pre {
		at[g.Stage] = true
		groups = append(groups, Group{Stage: g.Stage, Pool: g.Pool, Tasks: g.Tasks, Counts: map[event.TaskState]int{}})
	}
	outT := []LiteTask{}
	node := map[string]string{} // a grouped task -> its group's node
	for _, t := range tasks {
		if !t.Keyed || size[t.Stage] <= limit {
			outT = append(outT, t)
			continue
		}
		if !at[t.Stage] {
			at[t.Stage] = true
			groups = append(groups, Group{Stage: t.Stage, Pool: t.Pool, Tasks: size[t.Stage], Counts: map[event.TaskState]int{}})
		}
		node[t.ID] = dag.GroupPrefix + t.Stage
	}
	end := func(id string) string {
		if g, ok := node[id]; ok {
			return g
		}
		return id
	}
	var outE dag.EdgeFolder
	for _, e := range edges {
		outE.Add(end(e.From), end(e.To), e.Segments)
	}
	return outT, outE.Edges(), groups
}
