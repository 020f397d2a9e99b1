package engine

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/shirou/gopsutil/v3/mem"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// budgetShare is the part of the host's available memory a run may cap its
// tasks at in all when the workflow sets no memory_budget: the rest is left
// for the engine, the page cache and everything else on the machine.
const budgetShare = 0.8

// defaultBudget is a share of the memory available now; 0 (no budget) when
// it cannot be read.
func defaultBudget() int64 {
	vm, err := mem.VirtualMemory()
	if err != nil {
		return 0
	}
	return int64(float64(vm.Available) * budgetShare)
}

// RunDir is where run runID of plan keeps its files: run.json, graph.json,
// logs and temporary directories.
func RunDir(plan *dag.Plan, runID string) string {
	return filepath.Join(plan.Settings.StateDir, "runs", runID)
}

// DefParts is a task's definition as the store keeps it.
func DefParts(t *dag.Task) []store.DefPart {
	def := t.Definition()
	parts := make([]store.DefPart, len(def))
	for i, c := range def {
		parts[i] = store.DefPart{Name: c.Name, Value: c.Value}
	}
	return parts
}

// newRunID is sortable by start time and unique across engines:
// 20261126-071512-3fa9c1.
func newRunID() string {
	var b [3]byte
	rand.Read(b[:])
	return time.Now().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// WriteRunGraph keeps the run's plan as graph.json (dag.WriteJSON, task
// view) in its run directory, and its outline (dag.NewOutline) as
// outline.json: the UI and reports draw a run's DAG from them, even after
// the workflow file changed, and a page's first view reads only the
// outline (a few KB where graph.json of a million tasks is 480 MB).
//
// Each is streamed to a temporary name until it is whole, so a reader
// never sees a part of it.
func WriteRunGraph(runDir string, plan *dag.Plan) error {
	err := writeWhole(filepath.Join(runDir, "graph.json"), func(f *os.File) error {
		return dag.WriteJSON(f, plan, dag.ExportOptions{})
	})
	if err == nil {
		err = writeWhole(filepath.Join(runDir, "outline.json"), func(f *os.File) error {
			return dag.WriteOutlineJSON(f, plan, dag.OutlineWide)
		})
	}
	if err != nil {
		return fmt.Errorf("cannot write the run's graph: %w", err)
	}
	return nil
}

// writeWhole writes path through write under a temporary name.
func writeWhole(path string, write func(*os.File) error) error {
	f, err := os.OpenFile(path+".tmp", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(path+".tmp", path)
	}
	if err != nil {
		os.Remove(path + ".tmp")
	}
	return err
}

// checkpointed queues every event in the store and then shows it. The
// scheduler waits for the store where it must (before it starts an
// attempt, and at the end), so a watcher may run a commit ahead of the
// checkpoint, never the engine's actions; and where the store falls far
// behind (see backlog).
type checkpointed struct {
	store   event.Appender
	watch   event.Journal
	backlog *backlog
}

// Record implements event.Journal.
func (c checkpointed) Record(e event.Event) error {
	wait, err := c.Append(e)
	if err != nil {
		return err
	}
	return wait()
}

// Append implements event.Appender.
func (c checkpointed) Append(e event.Event) (func() error, error) {
	wait, err := c.store.Append(e)
	if err != nil {
		return nil, err
	}
	if err := c.backlog.add(wait); err != nil {
		return nil, err
	}
	c.watch.Record(e)
	return wait, nil
}
