package dag

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Outline is a run's graph as a page first draws it: every task of the
// stages of up to Wide tasks, and each for_each stage past that as one
// group, with the edges to and from its tasks ending at "stage:NAME",
// once per pair. Its size follows the stages, not the tasks: graph.json of
// a million tasks is 480 MB, its outline a few KB.
type Outline struct {
	Name     string         `json:"name"`
	Settings Settings       `json:"settings"`
	Pools    []*Pool        `json:"pools"`
	Tasks    []OutlineTask  `json:"tasks"`
	Edges    []OutlineEdge  `json:"edges"`
	Groups   []OutlineGroup `json:"groups"`
	All      int            `json:"all"`  // tasks in the plan
	Wide     int            `json:"wide"` // the threshold the groups were made with
}

// OutlineTask is what a page needs of a task to place it and fill its
// table row; the rest of its definition is in graph.json.
type OutlineTask struct {
	ID     string `json:"id"`
	Stage  string `json:"stage"`
	Key    string `json:"key,omitempty"`
	Keyed  bool   `json:"keyed,omitempty"`
	Pool   string `json:"pool"`
	Memory int64  `json:"memory,omitempty"`
}

// OutlineEdge is an edge between tasks or groups ("stage:NAME").
type OutlineEdge struct {
	From     string   `json:"from"`
	To       string   `json:"to"`
	Segments []string `json:"segments"`
}

// OutlineGroup is a for_each stage of more than Wide tasks.
type OutlineGroup struct {
	Stage  string `json:"stage"`
	Pool   string `json:"pool"`
	Tasks  int    `json:"tasks"`
	Memory int64  `json:"memory,omitempty"`
}

// OutlineWide is how many tasks a for_each stage may have before an
// outline makes it a group: beyond it, a page that drew the stage's tasks
// could not read them, and its first view would wait for them.
const OutlineWide = 5000

// GroupPrefix starts the node ID of a group in an outline's edges.
const GroupPrefix = "stage:"

// NewOutline makes the outline of p with for_each stages of more than
// wide tasks as groups; edges are those graph.json draws.
func NewOutline(p *Plan, wide int) (*Outline, error) {
	if p == nil {
		return nil, errors.New("dag: outline: nil plan")
	}
	g := p.Graph
	if g == nil {
		var err error
		if g, err = New(p.Tasks); err != nil {
			return nil, fmt.Errorf("dag: outline: %w", err)
		}
	}
	o := &Outline{Name: p.Name, Settings: p.Settings, Pools: p.Pools, Tasks: []OutlineTask{}, Edges: []OutlineEdge{},
		Groups: []OutlineGroup{}, All: len(g.tasks), Wide: wide}
	if o.Pools == nil {
		o.Pools = []*Pool{}
	}
	size := map[string]int{}
	for _, t := range g.tasks {
		size[t.Stage]++
	}
	grouped := func(t *Task) bool { return t.Keyed && size[t.Stage] > wide }
	at := map[string]int{}
	for _, t := range g.tasks {
		if !grouped(t) {
			o.Tasks = append(o.Tasks, OutlineTask{ID: t.ID, Stage: t.Stage, Key: t.Key, Keyed: t.Keyed, Pool: t.Pool, Memory: t.Memory})
			continue
		}
		if _, ok := at[t.Stage]; !ok {
			at[t.Stage] = len(o.Groups)
			o.Groups = append(o.Groups, OutlineGroup{Stage: t.Stage, Pool: t.Pool, Tasks: size[t.Stage], Memory: t.Memory})
		}
	}
	end := func(i int32) string {
		if t := g.tasks[i]; grouped(t) {
			return GroupPrefix + t.Stage
		}
		return g.tasks[i].ID
	}
	var edges EdgeFolder
	for _, e := range newView(g, ExportOptions{}).edges {
		edges.Add(end(e.from), end(e.to), e.segments)
	}
	o.Edges = edges.Edges()
	return o, nil
}

// EdgeFolder folds edges whose ends fall on the same pair of nodes (the
// tasks of a group all end at its node) into one edge carrying the union
// of their segments, in the order first seen; an edge within one node is
// dropped. The zero value is ready to use.
type EdgeFolder struct {
	edges []OutlineEdge
	at    map[[2]string]int
}

// Add folds the edge from -> to into the edges so far.
func (f *EdgeFolder) Add(from, to string, segments []string) {
	if from == to {
		return
	}
	if f.at == nil {
		f.at = map[[2]string]int{}
	}
	k := [2]string{from, to}
	i, ok := f.at[k]
	if !ok {
		i = len(f.edges)
		f.at[k] = i
		f.edges = append(f.edges, OutlineEdge{From: from, To: to, Segments: []string{}})
	}
	for _, s := range segments {
		if !slices.Contains(f.edges[i].Segments, s) {
			f.edges[i].Segments = append(f.edges[i].Segments, s)
		}
	}
}

// Edges are the folded edges; never nil, so that JSON has a list.
func (f *EdgeFolder) Edges() []OutlineEdge {
	if f.edges == nil {
		return []OutlineEdge{}
	}
	return f.edges
}

// WriteOutlineJSON writes the outline of p (see NewOutline) as JSON.
func WriteOutlineJSON(w io.Writer, p *Plan, wide int) error {
	o, err := NewOutline(p, wide)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(w).Encode(o); err != nil {
		return fmt.Errorf("dag: write outline: %w", err)
	}
	return nil
}
