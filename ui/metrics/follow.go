package metrics

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// Follow feeds m from the runs of state dir dir until ctx is done: every
// interval it looks for runs in progress and applies the events they wrote
// since the last look, read from the end of their event logs, so it works
// beside the engine as well as inside it. A run already in progress when
// Follow starts is taken from its first event; one that ended before is
// left out.
func (m *Metrics) Follow(ctx context.Context, dir string, interval time.Duration) {
	f := follower{m: m, dir: dir, done: map[string]bool{}, tails: map[string]*tail{}}
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
	m     *Metrics
	dir   string
	done  map[string]bool  // runs not to look at again: over, or lost
	tails map[string]*tail // runs followed
}

// tail is how far a run's event log has been applied.
type tail struct {
	off  int64  // bytes of events.jsonl read
	last uint64 // the last seq applied
}

func (f *follower) poll() {
	ents, err := os.ReadDir(filepath.Join(f.dir, "runs"))
	if err != nil {
		return
	}
	for _, ent := range ents {
		id := ent.Name()
		if !ent.IsDir() || f.done[id] {
			continue
		}
		rd := filepath.Join(f.dir, "runs", id)
		t := f.tails[id]
		if t == nil {
			var rec store.RunRecord
			b, err := os.ReadFile(filepath.Join(rd, "run.json"))
			if err != nil || json.Unmarshal(b, &rec) != nil {
				continue // not written yet: look again next time
			}
			if rec.State != store.RunRunning || !rec.Engine.Alive() {
				f.done[id] = true // over before we looked, or its engine died
				continue
			}
			ids, budget := planOf(rd)
			if ids == nil {
				// The engine writes graph.json once the run's first task
				// has started: look again next time, and take the run
				// from its first event then.
				continue
			}
			f.m.Start(id, rec.Name, ids, budget)
			t = &tail{}
			f.tails[id] = t
		}
		events, err := t.read(filepath.Join(rd, "events.jsonl"))
		if err != nil {
			continue
		}
		for _, e := range events {
			if e.Seq > t.last {
				f.m.Observe(e)
				t.last = e.Seq
			}
		}
		if !f.m.inProgress(id) {
			f.done[id] = true
			delete(f.tails, id)
		}
	}
}

// read returns the events appended to path since the last read, whole
// lines only (the engine may be writing the last one), in seq order.
func (t *tail) read(path string) ([]event.Event, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	b, err := io.ReadAll(io.NewSectionReader(file, t.off, 1<<62))
	if err != nil {
		return nil, err
	}
	whole := bytes.LastIndexByte(b, '\n') + 1
	var out []event.Event
	for line := range bytes.Lines(b[:whole]) {
		var e event.Event
		if json.Unmarshal(line, &e) == nil {
			out = append(out, e)
		}
	}
	t.off += int64(whole)
	// Commits append in seq order, but two commits may land out of it.
	slices.SortStableFunc(out, func(a, b event.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

// inProgress reports whether run id is in progress in m.
func (m *Metrics) inProgress(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.live[id]
	return ok
}

// planOf reads the run's tasks and memory budget from its graph.json
// (budget 0: the engine's default, which the run's files do not record);
// nil tasks when there is no graph.json yet.
func planOf(runDir string) (ids []string, budget int64) {
	doc, err := dag.ReadJSON(filepath.Join(runDir, "graph.json"))
	if err != nil {
		return nil, 0
	}
	ids = make([]string, len(doc.Tasks))
	for i, t := range doc.Tasks {
		ids[i] = t.ID
	}
	return ids, doc.Settings.MemoryBudget
}
