package dag

import (
	"encoding/json"
	"fmt"
	"os"
)

// RunGraph is WriteJSON's task view read back: what a run keeps of its plan
// in its graph.json. The readers of a run's files (the browser view, the
// history, the metrics) take from it the parts they need. Segment
// placeholders in task fields are as WriteJSON shows them.
type RunGraph struct {
	Name     string   `json:"name"`
	Settings Settings `json:"settings"`
	Pools    []*Pool  `json:"pools"`
	Tasks    []*Task  `json:"tasks"`
}

// ParseJSON parses a document WriteJSON wrote with the task view.
func ParseJSON(b []byte) (*RunGraph, error) {
	var g RunGraph
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// ReadJSON reads and parses the graph.json at path. A missing file is an
// error wrapping fs.ErrNotExist.
func ReadJSON(path string) (*RunGraph, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	g, err := ParseJSON(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}
