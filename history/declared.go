package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/weirflow/weir/dag"
)

// declared is Declared for a run with groups: each stage's first task
// found in graph.json by its "id" line (dag.WriteJSON puts it on the line
// after the object's opening brace) and that object alone decoded, the
// search stopping once every stage of the outline is found; a million
// tasks' graph.json is never parsed whole.
func (w *wideRun) declared(dir string) (map[string]Limits, []string, error) {
	want := map[string]bool{}
	for _, t := range w.tasks {
		want[t.Stage] = true
	}
	for _, g := range w.groups {
		want[g.Stage] = true
	}
	path := filepath.Join(dir, "runs", w.id, "graph.json")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("history: %w", err)
	}
	defer f.Close()
	out := map[string]Limits{}
	var order []string
	r := bufio.NewReaderSize(f, 1<<20)
	prefix := []byte(`"id": `)
	var off, prev int64 // where this line and the one before start
	for len(order) < len(want) {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			rest, err2 := r.ReadBytes('\n')
			line, err = append(slices.Clone(line), rest...), err2
		}
		if t := bytes.TrimLeft(line, " "); bytes.HasPrefix(t, prefix) {
			var id string
			if json.Unmarshal(bytes.TrimRight(t[len(prefix):], ",\n"), &id) == nil {
				if s := stageOf(id); want[s] {
					if _, seen := out[s]; !seen {
						var task dag.Task
						if derr := json.NewDecoder(io.NewSectionReader(f, prev, 1<<62)).Decode(&task); derr != nil {
							return nil, nil, fmt.Errorf("history: %s: task %q: %w", path, id, derr)
						}
						out[s] = Limits{Memory: task.Memory, Timeout: task.Timeout}
						order = append(order, s)
					}
				}
			}
		}
		prev, off = off, off+int64(len(line))
		if err != nil {
			break
		}
	}
	return out, order, nil
}
