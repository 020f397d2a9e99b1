package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/weirflow/weir/store"
)

// errNotYet is what will exist in a moment: the server answers 503 with
// Retry-After, and the page asks again.
var errNotYet = errors.New("not written yet")

// noGraph is the error for a run whose graph.json is absent. A run still
// going writes it once its first task has started (at a million tasks,
// seconds after the run began), so the page is told to ask again; a run
// that ended without one was recorded by an older weir.
func (h *hub) noGraph() error {
	b, err := h.readFile(filepath.Join(h.dir, "run.json"))
	var rec store.RunRecord
	if err == nil && json.Unmarshal(b, &rec) == nil && rec.Ended.IsZero() && rec.Engine.Alive() {
		return fmt.Errorf("run %s: its graph.json is being written (a run writes it once its first task has started); ask again in a moment: %w", h.id, errNotYet)
	}
	return fmt.Errorf("run %s has no graph.json (a run of an older weir): %w", h.id, errNotFound)
}
