package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// A finished run of a million tasks has 480 MB of graph.json and five
// million events; read whole, its first view took minutes and gigabytes.
// The engine leaves beside them outline.json (the graph with wide stages
// as groups) and summary.json (stage counts, the failures with their
// attempts), so a finished run's first view reads those, and the events of
// the few tasks the outline draws one by one. What they cannot answer (a
// table sorted over every task, a search by text) comes from the run's
// task table (table.go), built once; only a run still going, or one
// without an outline and summary, is read whole.

// quickRun is a finished run as its outline and summary tell it.
type quickRun struct {
	outline *dag.Outline
	sum     *store.RunFileSummary
	run     RunInfo
	size    map[string]int       // tasks per stage
	index   map[string]int       // outline task -> its place
	grouped map[string]bool      // stages the outline made groups
	views   map[string]*TaskView // outline tasks with events, and the listed failures
	order   []string             // views' tasks: the outline's, then the failures as listed
	quiet   map[string]bool      // outline tasks without events: pending, and out of snapshots
	details details
	tab     tableHold // every task as columns, for searches, sorts and filters
}

// quickState is the hub's quick reading, kept once it applies. A run
// that has not ended is tried again after quickRetry: it may end while
// the server runs.
type quickState struct {
	mu    sync.Mutex
	q     *quickRun
	tried time.Time
}

const quickRetry = time.Second

// maxDetails bounds the task details a quick reading keeps: a panel asks
// for its task's detail with each of its requests (task, log, memory).
const maxDetails = 256

// details keeps the last details asked for, each found by a search of
// graph.json and the event log.
type details struct {
	mu sync.Mutex
	m  map[string]*TaskDetail
}

func (c *details) get(id string) *TaskDetail {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id]
}

func (c *details) put(id string, d *TaskDetail) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxDetails {
		c.m = map[string]*TaskDetail{}
	}
	c.m[id] = d
}

// quick returns the run's quick reading, nil when the run has not ended
// or lacks its outline or summary (a live run, a run of an older weir).
func (h *hub) quick() *quickRun {
	h.mu.Lock()
	qs := h.qs
	if qs == nil {
		qs = &quickState{}
		h.qs = qs
	}
	h.mu.Unlock()
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if qs.q == nil && time.Since(qs.tried) >= quickRetry {
		qs.q, qs.tried = h.readQuick(), time.Now()
	}
	return qs.q
}

// readQuick reads run.json, outline.json and summary.json, and the events
// of the outline's tasks.
func (h *hub) readQuick() *quickRun {
	b, err := h.readFile(filepath.Join(h.dir, "run.json"))
	if err != nil {
		return nil
	}
	var rec store.RunRecord
	if json.Unmarshal(b, &rec) != nil || rec.Ended.IsZero() {
		return nil
	}
	b, err = h.readFile(filepath.Join(h.dir, "outline.json"))
	if err != nil {
		return nil
	}
	q := &quickRun{outline: &dag.Outline{}}
	if json.Unmarshal(b, q.outline) != nil {
		return nil
	}
	if q.sum, err = store.ReadRunSummary(h.s.o.StateDir, h.id); err != nil || !q.sum.Ended {
		return nil
	}
	q.size, q.index, q.grouped = map[string]int{}, map[string]int{}, map[string]bool{}
	for i, t := range q.outline.Tasks {
		q.index[t.ID] = i
		q.size[t.Stage]++
	}
	for _, g := range q.outline.Groups {
		q.size[g.Stage] += g.Tasks
		q.grouped[g.Stage] = true
	}
	m := newModel(rec)
	if len(q.outline.Tasks) > 0 {
		if err := h.scanEvents(func(task []byte) bool { _, ok := q.index[string(task)]; return ok }, m.apply); err != nil {
			return nil
		}
	}
	q.run = m.run
	q.run.Seq = max(q.run.Seq, q.sum.Seq)
	q.run.Counts = map[event.TaskState]int{}
	for _, s := range q.sum.Stages {
		for st, n := range s.Counts {
			q.run.Counts[st] += n
		}
	}
	q.views, q.quiet = map[string]*TaskView{}, map[string]bool{}
	for _, t := range q.outline.Tasks {
		v := m.tasks[t.ID]
		if v == nil {
			v = &TaskView{State: event.Pending}
			q.quiet[t.ID] = true
		}
		q.views[t.ID] = v
		q.order = append(q.order, t.ID)
	}
	for _, f := range q.sum.Failures {
		if _, ok := q.views[f.Task]; ok {
			continue
		}
		v := &TaskView{State: event.TaskFailed, Message: f.Message}
		for _, a := range f.Attempts {
			v.Attempts = append(v.Attempts, AttemptView{N: a.N, Memory: a.Memory, Start: a.Started, Result: a.Result})
		}
		q.views[f.Task] = v
		q.order = append(q.order, f.Task)
	}
	return q
}

// scanEvents calls apply, in Seq order, with the events of events.jsonl
// that concern the run (no task) or a task want keeps. Other lines are
// not decoded (store.ScanEvents): a million tasks' events are 1 GB.
func (h *hub) scanEvents(want func(task []byte) bool, apply func(*event.Event)) error {
	evs, err := store.ScanEvents(filepath.Dir(filepath.Dir(h.dir)), h.id, 0, want)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for i := range evs {
		apply(&evs[i])
	}
	return nil
}

// overview is the Overview from the outline, with stages of more than
// limit tasks grouped; limit must not exceed the outline's.
func (q *quickRun) overview(limit int) *Overview {
	tasks := make([]LiteTask, len(q.outline.Tasks))
	for i, t := range q.outline.Tasks {
		tasks[i] = LiteTask(t)
	}
	edges := q.outline.Edges
	settings, _ := json.Marshal(q.outline.Settings)
	pools, _ := json.Marshal(q.outline.Pools)
	o := &Overview{Name: q.outline.Name, Settings: settings, Pools: pools, All: q.outline.All}
	o.Tasks, o.Edges, o.Groups = collapse(tasks, edges, q.outline.Groups, limit, q.size)
	counts := map[string]store.StageSummary{}
	for _, s := range q.sum.Stages {
		counts[s.Stage] = s
	}
	for i := range o.Groups {
		s := counts[o.Groups[i].Stage]
		maps := map[event.TaskState]int{}
		for st, n := range s.Counts {
			maps[st] = n
		}
		o.Groups[i].Counts, o.Groups[i].Retried = maps, s.Retried
	}
	return o
}

// grouped says whether task id's stage is a group at limit.
func (q *quickRun) isGrouped(id string, limit int) bool {
	if i, ok := q.index[id]; ok {
		t := q.outline.Tasks[i]
		return t.Keyed && q.size[t.Stage] > limit
	}
	return true // not drawn one by one in the outline: in a group
}

// snapshot is what the overview's event stream sends first: the outline's
// tasks that are not grouped at limit, and the failures.
func (q *quickRun) snapshot(limit int) Snapshot {
	s := Snapshot{Run: q.run, Tasks: map[string]*TaskView{}, Seq: q.run.Seq}
	failed := 0
	for _, id := range q.order {
		v := q.views[id]
		if q.quiet[id] {
			continue
		}
		if q.isGrouped(id, limit) {
			if v.State != event.TaskFailed || failed >= maxFailedShown {
				continue
			}
			failed++
		}
		c := *v
		c.Attempts = slices.Clone(v.Attempts)
		s.Tasks[id] = &c
	}
	return s
}

// liteOf is task id's row fields: from the outline, or made from its id
// for a task of a group.
func (q *quickRun) liteOf(id string) (LiteTask, int) {
	if i, ok := q.index[id]; ok {
		return LiteTask(q.outline.Tasks[i]), i
	}
	stage := store.StageOf(id)
	t := LiteTask{ID: id, Stage: stage, Keyed: true}
	if len(id) > len(stage)+1 {
		t.Key = id[len(stage)+1 : len(id)-1]
	}
	for _, g := range q.outline.Groups {
		if g.Stage == stage {
			t.Pool, t.Memory = g.Pool, g.Memory
		}
	}
	return t, len(q.outline.Tasks) + slices.Index(q.order, id)
}

// known says whether every task that passes the filters of rq is among
// the views, so that the table's answer needs nothing else, and how many
// tasks pass them in all.
func (q *quickRun) known(rq rowQuery) (total int, ok bool) {
	if rq.stage != "" && !q.grouped[rq.stage] && rq.state == "" {
		return -1, true // a stage drawn task by task: all of it is in the outline
	}
	if rq.state == "" {
		// Unfiltered, in a failed run's order: failures come first, so a
		// page within them needs no other task.
		failed, all := q.run.Counts[event.TaskFailed], q.outline.All
		if rq.stage != "" {
			failed, all = 0, q.size[rq.stage]
			for _, s := range q.sum.Stages {
				if s.Stage == rq.stage {
					failed = s.Counts[event.TaskFailed]
				}
			}
		}
		if rq.find != "" {
			if v := q.views[rq.find]; v == nil || v.State != event.TaskFailed {
				return 0, false
			}
		}
		return all, rq.sort == "" && rq.q == "" && q.run.State == string(store.RunFailed) &&
			q.sum.Complete && rq.offset+rq.limit <= failed
	}
	for _, s := range q.sum.Stages {
		if !q.grouped[s.Stage] || rq.stage != "" && rq.stage != s.Stage {
			continue
		}
		if n := s.Counts[event.TaskState(rq.state)]; n > 0 && (rq.state != string(event.TaskFailed) || !q.sum.Complete) {
			return 0, false
		}
	}
	return -1, true
}

// rows answers a table request from the views, or nil when it cannot.
func (q *quickRun) rows(rq rowQuery) *Rows {
	total, ok := q.known(rq)
	if !ok {
		return nil
	}
	out := q.frame(rq)
	tasks := make([]LiteTask, len(q.order))
	views := make([]*TaskView, len(q.order))
	var pick []int
	for i, id := range q.order {
		tasks[i], _ = q.liteOf(id)
		views[i] = q.views[id]
		t, v := tasks[i], views[i]
		if rq.state != "" && string(v.State) != rq.state || rq.stage != "" && t.Stage != rq.stage {
			continue
		}
		if rq.q != "" && !containsFold(t.ID, rq.q) && !containsFold(reasonText(v), rq.q) {
			continue
		}
		pick = append(pick, i)
	}
	g := &liteGraph{Tasks: tasks}
	if by := sortKey(rq.sort, g, views, pick); by != nil {
		slices.SortStableFunc(pick, func(a, b int) int { return rq.dir * by(a, b) })
	} else if q.run.State == string(store.RunFailed) {
		slices.SortStableFunc(pick, func(a, b int) int { return rankOf(views[a].State) - rankOf(views[b].State) })
	}
	out.Total = len(pick)
	if total >= 0 {
		out.Total = total // the rest follow the failures
	}
	if rq.find != "" {
		for k, i := range pick {
			if q.order[i] == rq.find {
				out.Index = k
			}
		}
	}
	out.Rows = []Row{}
	for _, i := range pick[min(rq.offset, len(pick)):min(rq.offset+rq.limit, len(pick))] {
		_, order := q.liteOf(q.order[i])
		out.Rows = append(out.Rows, Row{Task: tasks[i], Order: order, View: rowView(views[i])})
	}
	return out
}

// frame is an answer to rq without its rows and total: the run's counts
// (pending included) and stages.
func (q *quickRun) frame(rq rowQuery) *Rows {
	stages := slices.Clone(q.stageNames())
	out := &Rows{All: q.outline.All, Counts: map[event.TaskState]int{}, Stages: stages, Index: -1, Offset: rq.offset}
	for st, n := range q.run.Counts {
		out.Counts[st] = n
	}
	known := 0
	for _, n := range out.Counts {
		known += n
	}
	if p := q.outline.All - known; p > 0 {
		out.Counts[event.Pending] += p
	}
	return out
}

// stageNames are the stages in the outline's order.
func (q *quickRun) stageNames() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, t := range q.outline.Tasks {
		add(t.Stage)
	}
	for _, g := range q.outline.Groups {
		add(g.Stage)
	}
	return out
}

// groupsOf is the groups at limit with their counts.
func (q *quickRun) groupsOf(limit int) []Group {
	return q.overview(limit).Groups
}

// view is task id's view: from the views, or read from the events of that
// task alone (a task of a group that did not fail).
func (h *hub) quickView(q *quickRun, id string) (TaskView, error) {
	if v := q.views[id]; v != nil {
		c := *v
		c.Attempts = slices.Clone(v.Attempts)
		return c, nil
	}
	m := newModel(store.RunRecord{ID: h.id})
	err := h.scanEvents(func(task []byte) bool { return string(task) == id }, func(e *event.Event) {
		if e.Task == id {
			m.apply(e)
		}
	})
	if err != nil {
		return TaskView{}, fmt.Errorf("ui: run %s: %w", h.id, err)
	}
	if v := m.tasks[id]; v != nil {
		return *v, nil
	}
	return TaskView{State: event.Pending}, nil
}
