package metrics

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/weirflow/weir/executor"
	"github.com/weirflow/weir/store"
)

// Follow feeds m from the runs of state dir dir until ctx is done: every
// interval it looks for runs in progress and applies the events they wrote
// since the last look, read from their event logs, so it works beside the
// engine as well as inside it. A run already in progress when Follow
// starts is taken from its first event.
func (m *Metrics) Follow(ctx context.Context, dir string, interval time.Duration) {
	f := follower{m: m, dir: dir, seen: map[string]uint64{}}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		f.poll()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type follower struct {
	m    *Metrics
	dir  string
	seen map[string]uint64 // run -> last seq applied
}

func (f *follower) poll() {
	runs, err := store.ListRuns(f.dir)
	if err != nil {
		return
	}
	for _, r := range runs {
		last, following := f.seen[r.ID]
		if !following && r.State != store.RunRunning && r.State != "" {
			continue // ended before we looked: not ours to count
		}
		events, err := store.ReadEvents(f.dir, r.ID)
		if err != nil {
			continue
		}
		if !following {
			f.m.Start(r.ID, r.Name, taskIDs(f.dir, r.ID, events), budgetOf(f.dir, r.ID))
		}
		for _, e := range events {
			if e.Seq > last {
				f.m.Observe(e)
				last = e.Seq
			}
		}
		f.seen[r.ID] = last
		if !f.m.inProgress(r.ID) {
			// Ended: keep its seq so that it is not started again, but
			// nothing more is read from it.
			f.seen[r.ID] = ^uint64(0)
		}
	}
}

// inProgress reports whether run id is in progress in m.
func (m *Metrics) inProgress(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.live[id]
	return ok
}

// taskIDs are the run's tasks, from its graph.json, else from its events.
func taskIDs(dir, id string, events []executor.Event) []string {
	var doc struct {
		Tasks []struct {
			ID string `json:"id"`
		} `json:"tasks"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "runs", id, "graph.json")); err == nil && json.Unmarshal(b, &doc) == nil {
		ids := make([]string, len(doc.Tasks))
		for i, t := range doc.Tasks {
			ids[i] = t.ID
		}
		return ids
	}
	seen := map[string]bool{}
	var ids []string
	for _, e := range events {
		if e.Task != "" && !seen[e.Task] {
			seen[e.Task] = true
			ids = append(ids, e.Task)
		}
	}
	return ids
}

// budgetOf is the memory budget the run's plan declared (0 = the engine's
// default, which the run's files do not record).
func budgetOf(dir, id string) int64 {
	var doc struct {
		Settings struct {
			MemoryBudget int64 `json:"memory_budget"`
		} `json:"settings"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "runs", id, "graph.json")); err == nil && json.Unmarshal(b, &doc) == nil {
		return doc.Settings.MemoryBudget
	}
	return 0
}
