package ui

import (
	"fmt"
	"slices"
	"sync"

	"github.com/weirflow/weir/store"
)

// maxTables bounds the task tables held at once, the most recently built
// kept: at a million tasks one holds about a hundred megabytes.
const maxTables = 2

// tableHold is a run's task table: built once, in the background when a
// request can be answered without it, and dropped when newer tables
// push it out.
type tableHold struct {
	mu   sync.Mutex
	t    *taskTable
	err  error
	done chan struct{} // closed when a build ends; nil before one starts
}

// held are the holds with a table, oldest first.
var held struct {
	mu   sync.Mutex
	list []*tableHold
}

func keep(th *tableHold) {
	held.mu.Lock()
	defer held.mu.Unlock()
	held.list = append(slices.DeleteFunc(held.list, func(x *tableHold) bool { return x == th }), th)
	for len(held.list) > maxTables {
		old := held.list[0]
		held.list = held.list[1:]
		old.mu.Lock()
		old.t, old.done = nil, nil
		old.mu.Unlock()
	}
}

// builtTable is q's table if it is ready, nil otherwise.
func (q *quickRun) builtTable() *taskTable {
	q.tab.mu.Lock()
	defer q.tab.mu.Unlock()
	return q.tab.t
}

// table returns q's task table, starting its build if none has started;
// with wait false it returns at once (nil while the build runs).
func (h *hub) table(q *quickRun, wait bool) (*taskTable, error) {
	th := &q.tab
	th.mu.Lock()
	if t := th.t; t != nil {
		th.mu.Unlock()
		return t, nil
	}
	if th.done == nil {
		done := make(chan struct{})
		th.done, th.err = done, nil
		go func() {
			t, err := h.makeTable(q.run.State == string(store.RunFailed))
			th.mu.Lock()
			th.t, th.err = t, err
			close(done)
			th.mu.Unlock()
			if t != nil {
				keep(th)
			}
		}()
	}
	done := th.done
	th.mu.Unlock()
	if !wait {
		return nil, nil
	}
	<-done
	th.mu.Lock()
	defer th.mu.Unlock()
	if th.err != nil && th.done == done {
		th.done = nil // the next request tries again
	}
	if th.t == nil && th.err == nil {
		// Pushed out by newer tables as soon as built: build again.
		th.mu.Unlock()
		t, err := h.table(q, true)
		th.mu.Lock()
		return t, err
	}
	return th.t, th.err
}

// makeTable reads the run's table.bin if it is up to date, else builds
// the table and saves it. A state dir the server may not write to keeps
// the table in memory only, so a failed save is no error.
func (h *hub) makeTable(failedRun bool) (*taskTable, error) {
	src, err := h.sources()
	if err != nil {
		return nil, fmt.Errorf("ui: run %s: the task table needs graph.json and events.jsonl: %w", h.id, err)
	}
	if t, err := h.loadTable(src, failedRun); t != nil || err != nil {
		return t, err
	}
	t, err := h.buildTable(failedRun)
	if err != nil {
		return nil, err
	}
	_ = h.saveTable(t, src)
	return t, nil
}
