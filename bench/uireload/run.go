package main

import (
	"encoding/json"
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

// newRun writes a running run of the generated workflow of n stages, as
// bench/uipage does: stage i depends on up to three random earlier stages,
// one through a segment. The same n gives the same graph, so its layout is
// cached from one round to the next.
func newRun(dir, id string, n int) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
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
		first := true
		for d := range picked {
			dep := "s" + strconv.Itoa(d)
			t.Deps = append(t.Deps, dep)
			if first {
				t.Inputs = []dag.Input{{Name: "in", From: []dag.SegmentRef{{Task: dep, Output: "out"}}}}
				first = false
			}
		}
		slices.Sort(t.Deps)
		tasks[i] = t
	}
	plan := &dag.Plan{Name: "bench", Pools: []*dag.Pool{{Name: "cpu", Processes: 2, Memory: 8 << 30}}, Tasks: tasks}
	f, err := os.Create(filepath.Join(dir, "graph.json"))
	if err != nil {
		return err
	}
	if err := dag.WriteJSON(f, plan, dag.ExportOptions{}); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	rec := store.RunRecord{ID: id, Name: "bench", Tasks: n, Started: time.Now(), State: store.RunRunning, Engine: store.Self()}
	b, _ := json.Marshal(rec)
	if err := os.WriteFile(filepath.Join(dir, "run.json"), b, 0o600); err != nil {
		return err
	}
	e := event.Event{Seq: 1, RunID: id, Time: time.Now(), Kind: event.RunStarted}
	line, _ := json.Marshal(e)
	return os.WriteFile(filepath.Join(dir, "events.jsonl"), append(line, '\n'), 0o600)
}
