package ui

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// tableTasks fills the task columns from graph.json: dag.WriteJSON puts
// each field of a task on a line of its own, indented six spaces, the id
// first.
func (h *hub) tableTasks(t *taskTable) error {
	path := filepath.Join(h.dir, "graph.json")
	f, err := h.open(path)
	if err != nil {
		return fmt.Errorf("ui: run %s: the task table needs graph.json: %w", h.id, err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	open, closing := []byte(`  "tasks": [`), []byte(`  ]`)
	field := []byte(`      "`)
	stages, pools := map[string]uint16{}, map[string]uint16{}
	intern := func(m map[string]uint16, names *[]string, s string) (uint16, error) {
		if k, ok := m[s]; ok {
			return k, nil
		}
		if len(*names) >= 1<<16-1 {
			return 0, fmt.Errorf("ui: %s: more than %d stages or pools; the table cannot index them", path, 1<<16-1)
		}
		m[s] = uint16(len(*names))
		*names = append(*names, s)
		return m[s], nil
	}
	var lower strings.Builder
	anyUpper := false
	inTasks := false
	for n := 1; ; n++ {
		line, rerr := r.ReadSlice('\n')
		if errors.Is(rerr, bufio.ErrBufferFull) {
			rest, err2 := r.ReadBytes('\n')
			line, rerr = append(slices.Clone(line), rest...), err2
		}
		switch {
		case !inTasks:
			inTasks = bytes.HasPrefix(line, open)
		case bytes.HasPrefix(line, closing):
			if !anyUpper {
				t.lower, t.lowEnd = nil, nil
			} else {
				t.lower = []byte(lower.String())
			}
			return nil
		case bytes.HasPrefix(line, field):
			name, val, ok := bytes.Cut(line[len(field):], []byte(`": `))
			if !ok {
				break
			}
			val = bytes.TrimRight(val, ",\n")
			bad := func(err error) error {
				return fmt.Errorf("ui: %s line %d: task field %s: %v; the file is damaged: run the workflow again, or remove the run", path, n, name, err)
			}
			switch string(name) {
			case "id":
				id, err := jsonString(val)
				if err != nil {
					return bad(err)
				}
				t.ids = append(t.ids, id...)
				t.idEnd = append(t.idEnd, uint32(len(t.ids)))
				low := strings.ToLower(id)
				anyUpper = anyUpper || low != id
				lower.WriteString(low)
				t.lowEnd = append(t.lowEnd, uint32(lower.Len()))
				t.keyEnd = append(t.keyEnd, uint32(len(t.keys)))
				t.keyed = append(t.keyed, false)
				t.stage = append(t.stage, 0)
				t.pool = append(t.pool, 0)
				t.memory = append(t.memory, 0)
				t.n++
				if len(t.ids) > 1<<32-1<<20 {
					return fmt.Errorf("ui: %s: the task ids pass 4 GiB; the table cannot index them", path)
				}
			case "stage", "key", "pool":
				if t.n == 0 {
					break
				}
				s, err := jsonString(val)
				if err != nil {
					return bad(err)
				}
				i := t.n - 1
				switch string(name) {
				case "stage":
					t.stage[i], err = intern(stages, &t.stages, s)
				case "pool":
					t.pool[i], err = intern(pools, &t.pools, s)
				default:
					t.keys = append(t.keys, s...)
					t.keyEnd[i] = uint32(len(t.keys))
				}
				if err != nil {
					return err
				}
			case "keyed":
				if t.n > 0 {
					t.keyed[t.n-1] = string(val) == "true"
				}
			case "memory":
				if t.n > 0 {
					if err := json.Unmarshal(val, &t.memory[t.n-1]); err != nil {
						return bad(err)
					}
				}
			}
		}
		if rerr != nil {
			if inTasks {
				return fmt.Errorf("ui: %s: its task list ends early; the file is damaged or still being written", path)
			}
			return fmt.Errorf("ui: %s: no task list; the file is damaged", path)
		}
	}
}

// jsonString is a JSON string's value, decoded only when escaped.
func jsonString(v []byte) (string, error) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}
