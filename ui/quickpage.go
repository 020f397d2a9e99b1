package ui

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"sort"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// A finished run's table page past its failures (its first page, when
// there are fewer failures than a page; every page of a run that did not
// fail) read the whole run: minutes and gigabytes at a million tasks. The
// whole read orders rows by state rank (failed runs) and then by
// declaration order. When each wide stage's tasks that did not fail are
// all in one state (its counts say so), a task's rank follows from its
// stage alone, so the page's tasks are found by walking graph.json's task
// ids in order, and only their events are decoded.

// quickPage answers an unfiltered, unsorted table request of a finished
// run, or of one wide stage, from the outline, the summary, graph.json's
// ids and the events of the page's tasks; nil when it cannot.
func (h *hub) quickPage(q *quickRun, rq rowQuery) (*Rows, error) {
	if rq.state != "" || rq.q != "" || rq.sort != "" || rq.find != "" || !q.sum.Complete ||
		rq.stage != "" && !q.grouped[rq.stage] || rq.limit == 0 {
		return nil, nil
	}
	// The state of a wide stage's tasks that did not fail.
	rest := map[string]event.TaskState{}
	for _, s := range q.sum.Stages {
		if !q.grouped[s.Stage] {
			continue
		}
		var states []event.TaskState
		n := 0
		for st, c := range s.Counts {
			n += c
			if st != event.TaskFailed && c > 0 {
				states = append(states, st)
			}
		}
		if n < q.size[s.Stage] {
			states = append(states, event.Pending)
		}
		switch len(states) {
		case 0:
		case 1:
			rest[s.Stage] = states[0]
		default:
			return nil, nil // its order needs each task's state
		}
	}
	failedRun := q.run.State == string(store.RunFailed)
	stateOf := func(id string) event.TaskState {
		if v := q.views[id]; v != nil {
			return v.State
		}
		return rest[store.StageOf(id)]
	}
	level := func(id string) int {
		if !failedRun {
			return 0 // declaration order alone
		}
		return rankOf(stateOf(id))
	}
	// How many of the request's tasks each rank has.
	sizes := map[int]int{}
	for id := range q.views {
		if rq.stage == "" || store.StageOf(id) == rq.stage {
			sizes[level(id)]++
		}
	}
	for stage, st := range rest {
		if rq.stage != "" && stage != rq.stage {
			continue
		}
		n := q.size[stage]
		for _, s := range q.sum.Stages {
			if s.Stage == stage {
				n -= s.Counts[event.TaskFailed]
			}
		}
		if failedRun {
			sizes[rankOf(st)] += n
		} else {
			sizes[0] += n
		}
	}
	levels := make([]int, 0, len(sizes))
	for l := range sizes {
		levels = append(levels, l)
	}
	sort.Ints(levels)

	// The page's tasks, level by level, each level in declaration order.
	type at struct {
		id    string
		order int
	}
	var page []at
	start := 0
	for _, l := range levels {
		from, to := max(rq.offset, start), min(rq.offset+rq.limit, start+sizes[l])
		if from < to {
			k := 0 // place within the level
			err := h.walkTaskIDs(func(order int, id string) bool {
				if rq.stage != "" && store.StageOf(id) != rq.stage || level(id) != l {
					return true
				}
				if p := start + k; p >= from {
					page = append(page, at{id, order})
				}
				k++
				return start+k < to
			})
			if err != nil {
				return nil, err
			}
		}
		start += sizes[l]
	}

	views := map[string]*TaskView{}
	want := map[string]bool{}
	for _, p := range page {
		if v := q.views[p.id]; v != nil {
			views[p.id] = v
		} else {
			want[p.id] = true
		}
	}
	if len(want) > 0 {
		m := newModel(store.RunRecord{ID: h.id})
		if err := h.scanEvents(func(task []byte) bool { return want[string(task)] }, m.apply); err != nil {
			return nil, err
		}
		for id := range want {
			if views[id] = m.tasks[id]; views[id] == nil {
				views[id] = &TaskView{State: event.Pending}
			}
		}
	}
	out := q.frame(rq)
	out.Total = q.outline.All
	if rq.stage != "" {
		out.Total = q.size[rq.stage]
	}
	out.Rows = make([]Row, 0, len(page))
	for _, p := range page {
		t, _ := q.liteOf(p.id)
		out.Rows = append(out.Rows, Row{Task: t, Order: p.order, View: rowView(views[p.id])})
	}
	return out, nil
}

// walkTaskIDs calls fn with each task id of graph.json and its place, in
// declaration order, until fn returns false: dag.WriteJSON puts a task's
// "id" on the line after its object's opening brace. Nothing else of the
// graph is decoded.
func (h *hub) walkTaskIDs(fn func(order int, id string) bool) error {
	f, err := h.open(filepath.Join(h.dir, "graph.json"))
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	// The indentation tells the top level's "tasks" array, and a task's
	// own "id" from any nested object's.
	open, closing, prefix := []byte(`  "tasks": [`), []byte(`  ]`), []byte(`      "id": `)
	inTasks := false
	order := 0
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			rest, err2 := r.ReadBytes('\n')
			line, err = append(slices.Clone(line), rest...), err2
		}
		switch {
		case !inTasks:
			inTasks = bytes.HasPrefix(line, open)
		case bytes.HasPrefix(line, closing):
			return nil
		case bytes.HasPrefix(line, prefix):
			var id string
			if json.Unmarshal(bytes.TrimRight(line[len(prefix):], ",\n"), &id) == nil {
				if !fn(order, id) {
					return nil
				}
				order++
			}
		}
		if err != nil {
			return nil
		}
	}
}
