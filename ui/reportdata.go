package ui

import (
	"encoding/json"
	"slices"

	"github.com/weirflow/weir/event"
)

// reportDetails bounds the tasks a report carries logs and memory of: the
// failed ones first, then the rest in order. A report of a million tasks
// is its counts, its failures and the tasks drawn one by one, not a
// million log tails.
const reportDetails = 200

// wholeReport is the data of a report that carries graph.json and every
// task's state: a run without wide stages, or one without an outline.
func (h *hub) wholeReport() (*reportData, error) {
	if err := h.refresh(); err != nil {
		return nil, err
	}
	graph, err := h.graphBytes()
	if err != nil {
		return nil, err
	}
	g, err := h.graphDoc()
	if err != nil {
		return nil, err
	}
	snap, _ := h.snapshot()
	d := &reportData{Graph: graph, Snapshot: snap, Details: map[string]*reportDetail{}}
	declared := func(id string) int64 {
		if t := g.byID[id]; t != nil {
			return t.Memory
		}
		return 0
	}
	order := make([]string, 0, len(g.Tasks))
	for _, t := range g.Tasks {
		order = append(order, t.ID)
	}
	return d, h.reportDetails(d, order, declared, nil)
}

// outlineReport is the data of a report of a run with wide stages: its
// outline with the groups' counts, the tasks the outline draws, and the
// failures, each failure with its definition.
func (h *hub) outlineReport(q *quickRun) (*reportData, error) {
	o := q.overview(q.outline.Wide)
	graph, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	snap := q.snapshot(q.outline.Wide)
	d := &reportData{Graph: graph, Snapshot: snap, Details: map[string]*reportDetail{}}
	declared := func(id string) int64 {
		t, _ := q.liteOf(id)
		return t.Memory
	}
	defs := map[string]bool{}
	for id := range snap.Tasks {
		if _, drawn := q.index[id]; !drawn {
			defs[id] = true
		}
	}
	return d, h.reportDetails(d, q.order, declared, defs)
}

// reportDetails adds the log tails and memory of up to reportDetails of
// the snapshot's tasks with attempts, failed ones first (order breaks
// ties), and the definitions of those in defs.
func (h *hub) reportDetails(d *reportData, order []string, declared func(string) int64, defs map[string]bool) error {
	var ids []string
	for _, id := range order {
		if t := d.Snapshot.Tasks[id]; t != nil && len(t.Attempts) > 0 {
			ids = append(ids, id)
		}
	}
	slices.SortStableFunc(ids, func(a, b string) int {
		fa, fb := d.Snapshot.Tasks[a].State == event.TaskFailed, d.Snapshot.Tasks[b].State == event.TaskFailed
		switch {
		case fa && !fb:
			return -1
		case fb && !fa:
			return 1
		}
		return 0
	})
	ids = ids[:min(len(ids), reportDetails)]
	want := map[string]bool{}
	for _, id := range ids {
		if defs[id] {
			want[id] = true
		}
	}
	found, err := h.findTaskDefs(want)
	if err != nil {
		return err
	}
	for _, id := range ids {
		t := d.Snapshot.Tasks[id]
		rd := &reportDetail{Def: found[id], Logs: map[int]map[string]*LogChunk{}, Memory: map[int]*MemorySeries{}}
		for _, a := range t.Attempts {
			rd.Logs[a.N] = map[string]*LogChunk{}
			for _, stream := range []string{"stdout", "stderr"} {
				c, err := h.readLog(id, a.N, stream, -1, reportLogTail)
				if err != nil {
					return err
				}
				rd.Logs[a.N][stream] = c
			}
			m, err := h.memoryOf(id, a.N, t.Attempts, declared(id))
			if err != nil {
				return err
			}
			m.Samples = decimate(m.Samples, reportSamples)
			rd.Memory[a.N] = m
		}
		d.Details[id] = rd
	}
	return nil
}
