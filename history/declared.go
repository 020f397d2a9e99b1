package history

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/weirflow/weir/dag"
	"github.com/weirflow/weir/internal/beneath"
)

// declared is Declared for a run with groups: each stage's first task
// in graph.json (dag.ScanTasks decodes those objects alone), the search
// stopping once every stage of the outline is found; a million tasks'
// graph.json is never parsed whole.
func (w *wideRun) declared(dir string) (map[string]Limits, []string, error) {
	want := map[string]bool{}
	for _, t := range w.tasks {
		want[t.Stage] = true
	}
	for _, g := range w.groups {
		want[g.Stage] = true
	}
	if len(want) == 0 {
		return map[string]Limits{}, nil, nil
	}
	path := filepath.Join(dir, "runs", w.id, "graph.json")
	// Not through a symlink, nor out of the state dir: it may be a copy.
	f, err := beneath.Open(dir, path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("history: %w", err)
	}
	defer f.Close()
	out := map[string]Limits{}
	var order []string
	wanted := func(id string) bool {
		s := stageOf(id)
		_, seen := out[s]
		return want[s] && !seen
	}
	err = dag.ScanTasks(f, wanted, func(t *dag.Task) bool {
		s := stageOf(t.ID)
		out[s] = Limits{Memory: t.Memory, Timeout: t.Timeout}
		order = append(order, s)
		return len(order) < len(want)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("history: %s: %w", path, err)
	}
	return out, order, nil
}
