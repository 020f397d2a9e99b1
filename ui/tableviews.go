package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// tableRows answers a table request from the run's task table: the page's
// rows carry their whole views, read from their own events' byte ranges.
func (h *hub) tableRows(t *taskTable, q rowQuery) (*Rows, error) {
	pick := t.query(q)
	out := t.frame(q, pick)
	page := pick[min(q.offset, len(pick)):min(q.offset+q.limit, len(pick))]
	views, err := h.tableViews(t, page)
	if err != nil {
		return nil, err
	}
	for _, i := range page {
		out.Rows = append(out.Rows, Row{Task: t.lite(int(i)), Order: int(i), View: rowView(views[i])})
	}
	return out, nil
}

// tableViews reads tasks' views from events.jsonl, each task's lines
// found within the byte range the table noted for it; overlapping ranges
// are read once.
func (h *hub) tableViews(t *taskTable, tasks []int32) (map[int32]*TaskView, error) {
	out := make(map[int32]*TaskView, len(tasks))
	type span struct{ from, to int64 }
	var spans []span
	want := map[string]int32{}
	for _, i := range tasks {
		out[i] = &TaskView{State: event.Pending}
		if t.first[i] >= 0 {
			spans = append(spans, span{t.first[i], t.first[i] + int64(t.span[i])})
			want[t.id(int(i))] = i
		}
	}
	if len(spans) == 0 {
		return out, nil
	}
	slices.SortFunc(spans, func(a, b span) int { return int(min(max(a.from-b.from, -1), 1)) })
	merged := spans[:1]
	for _, s := range spans[1:] {
		if last := &merged[len(merged)-1]; s.from <= last.to {
			last.to = max(last.to, s.to)
		} else {
			merged = append(merged, s)
		}
	}
	path := filepath.Join(h.dir, "events.jsonl")
	f, err := h.open(path)
	if err != nil {
		return nil, fmt.Errorf("ui: run %s: %w", h.id, err)
	}
	defer f.Close()
	var evs []event.Event
	for _, s := range merged {
		buf := make([]byte, s.to-s.from)
		if _, err := f.ReadAt(buf, s.from); err != nil {
			return nil, fmt.Errorf("ui: %s: the task table's range %d-%d: %v; the log changed since the table was made: reload the page", path, s.from, s.to, err)
		}
		for line := range bytes.Lines(buf) {
			if task, ok := lineTask(line); ok {
				if _, in := want[string(task)]; task == nil || !in {
					continue
				}
			}
			var e event.Event
			if err := json.Unmarshal(line, &e); err != nil {
				return nil, fmt.Errorf("ui: %s past byte %d is not an event: %v; the log changed since the table was made: reload the page", path, s.from, err)
			}
			if _, ok := want[e.Task]; ok {
				evs = append(evs, e)
			}
		}
	}
	m := newModel(store.RunRecord{ID: h.id})
	for _, e := range store.InSeqOrder(evs) {
		m.apply(&e)
	}
	for id, i := range want {
		if v := m.tasks[id]; v != nil {
			out[i] = v
		}
	}
	return out, nil
}
