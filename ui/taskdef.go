package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/weirflow/weir/dag"
)

// graph.json of a million tasks is 480 MB: parsed whole for one task's
// panel it took seconds and gigabytes. A panel of a finished run finds its
// task's object by a byte search and decodes that object alone.

// scanChunk is how much of graph.json is searched at a time.
const scanChunk = 4 << 20

// findTaskDef returns task id's definition from the run's graph.json;
// errNotFound when the graph has no such task.
func (h *hub) findTaskDef(id string) (*dag.Task, error) {
	var enc bytes.Buffer
	e := json.NewEncoder(&enc)
	e.SetEscapeHTML(false) // as dag.WriteJSON writes it
	if err := e.Encode(id); err != nil {
		return nil, err
	}
	needle := append(append([]byte(`"id": `), bytes.TrimSuffix(enc.Bytes(), []byte("\n"))...), ',')
	f, err := h.open(filepath.Join(h.dir, "graph.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, h.noGraph()
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, scanChunk+len(needle))
	var off int64 // where buf[0] is in the file
	keep := 0     // bytes carried over from the last chunk
	for {
		n, rerr := io.ReadFull(f, buf[keep:])
		data := buf[:keep+n]
		if i := bytes.Index(data, needle); i >= 0 {
			start := bytes.LastIndexByte(data[:i], '{')
			if start < 0 {
				return nil, fmt.Errorf("run %s: graph.json: task %q is not in an object", h.id, id)
			}
			var t dag.Task
			dec := json.NewDecoder(io.NewSectionReader(f, off+int64(start), 1<<62))
			if err := dec.Decode(&t); err != nil {
				return nil, fmt.Errorf("run %s: graph.json: task %q: %w", h.id, id, err)
			}
			return &t, nil
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("run %s has no task %q: %w", h.id, id, errNotFound)
			}
			return nil, rerr
		}
		// Keep the tail, which may hold the start of the needle, and the
		// object's opening brace just before it.
		keep = min(len(needle)+256, len(data))
		copy(buf, data[len(data)-keep:])
		off += int64(len(data) - keep)
	}
}

// findTaskDefs returns the definitions of the tasks in ids that graph.json
// has, in one pass: dag.WriteJSON puts a task's "id" on the line after
// its object's opening brace.
func (h *hub) findTaskDefs(ids map[string]bool) (map[string]*dag.Task, error) {
	out := map[string]*dag.Task{}
	if len(ids) == 0 {
		return out, nil
	}
	f, err := h.open(filepath.Join(h.dir, "graph.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, h.noGraph()
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	err = dag.ScanTasks(f, func(id string) bool { return ids[id] }, func(t *dag.Task) bool {
		out[t.ID] = t
		return len(out) < len(ids)
	})
	if err != nil {
		return nil, fmt.Errorf("run %s: graph.json: %w", h.id, err)
	}
	return out, nil
}
