package uibench

import (
	"encoding/json"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// WriteGraph writes the graph.json of a generated workflow of n stages:
// stage i depends on up to three random earlier stages, the lowest of
// them through a segment. The same n gives the same bytes, so that every
// round, and every build compared, lays out the same graph; the page's
// layout cache, keyed by the graph, then holds from one load to the next.
func WriteGraph(w io.Writer, n int) error {
	r := rand.New(rand.NewPCG(1, 1))
	tasks := make([]*dag.Task, n)
	for i := range n {
		t := &dag.Task{ID: "s" + strconv.Itoa(i), Stage: "s" + strconv.Itoa(i), Pool: "cpu", Memory: 64 << 20,
			Argv: []string{"process", "--shard", strconv.Itoa(i)}, Retry: dag.Retry{Attempts: 1},
			Outputs: []dag.Output{{Name: "out", Size: 1 << 20}}}
		picked := map[int]bool{}
		for len(picked) < min(3, i) {
			picked[r.IntN(i)] = true
		}
		// Sorted, not in the map's order: which dependency carries the
		// segment decides which edges the graph's reduction keeps.
		for _, d := range slices.Sorted(maps.Keys(picked)) {
			t.Deps = append(t.Deps, "s"+strconv.Itoa(d))
		}
		if len(t.Deps) > 0 {
			t.Inputs = []dag.Input{{Name: "in", From: []dag.SegmentRef{{Task: t.Deps[0], Output: "out"}}}}
		}
		slices.Sort(t.Deps) // as strings, as the engine keeps them
		tasks[i] = t
	}
	plan := &dag.Plan{Name: "bench", Pools: []*dag.Pool{{Name: "cpu", Processes: 2, Memory: 8 << 30}}, Tasks: tasks}
	return dag.WriteJSON(w, plan, dag.ExportOptions{})
}

// WriteRun writes run id of the generated workflow of n stages into
// stateDir/runs/id, running (its engine is this process) with only its
// start recorded, as a run looks just after it starts.
func WriteRun(stateDir, id string, n int) error {
	dir := filepath.Join(stateDir, "runs", id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "graph.json"))
	if err != nil {
		return err
	}
	if err := WriteGraph(f, n); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	rec := store.RunRecord{ID: id, Name: "bench", Tasks: n, Started: time.Now(), State: store.RunRunning, Engine: store.Self()}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "run.json"), b, 0o600); err != nil {
		return err
	}
	line, err := json.Marshal(event.Event{Seq: 1, RunID: id, Time: time.Now(), Kind: event.RunStarted})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "events.jsonl"), append(line, '\n'), 0o600)
}
