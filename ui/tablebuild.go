package ui

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/weirflow/weir/event"
	"github.com/weirflow/weir/store"
)

// buildTable reads graph.json's task lines and the run's event log into a
// taskTable: one pass over each, every event line decoded into the few
// fields the table keeps. Tasks whose events the pass cannot fold in order
// (a Seq out of order or repeated, an attempt changed after a later one
// began) are read again through the model, as the whole read does.
func (h *hub) buildTable(failedRun bool) (*taskTable, error) {
	t := &taskTable{failed: failedRun}
	if err := h.tableTasks(t); err != nil {
		return nil, err
	}
	b := newTableBuilder(t)
	if err := h.tableEvents(b); err != nil {
		return nil, err
	}
	if err := h.redoTasks(b); err != nil {
		return nil, err
	}
	b.finish()
	return t, nil
}

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

// tableEvent is what the table reads of an event line.
type tableEvent struct {
	Seq     uint64          `json:"seq"`
	Time    time.Time       `json:"time"`
	Kind    event.EventKind `json:"kind"`
	Task    string          `json:"task"`
	State   event.TaskState `json:"state"`
	Attempt int             `json:"attempt"`
	Message string          `json:"message"`
	Result  *struct {
		Reason     event.Reason `json:"reason"`
		ExitCode   int          `json:"exit_code"`
		Signal     int          `json:"signal"`
		PeakMemory int64        `json:"peak_memory"`
		Start      time.Time    `json:"start"`
		End        time.Time    `json:"end"`
	} `json:"result"`
}

// decodeTableEvent decodes an event line as encoding/json does, with the
// implementation of go-json-experiment's v1 package (encoding/json's
// semantics on the v2 engine), which takes under half of encoding/json's
// CPU on these lines: the table's build is mostly decoding, five million
// lines at a million tasks.
func decodeTableEvent(line []byte) (tableEvent, error) {
	var e tableEvent
	err := jsonv1.Unmarshal(line, &e)
	return e, err
}

// tableBuilder folds each task's events into its columns, as model.apply
// would into a view, keeping only the last attempt.
type tableBuilder struct {
	t                        *taskTable
	index                    map[string]int32
	seq                      []uint64
	seen                     []uint64 // attempts met, bit n for attempt n < 64
	lastN                    []uint16
	aStart, resStart, resEnd []int64
	hasRes                   []bool
	result, msg              []uint32 // into texts
	textID                   map[string]uint32
	stateID                  map[event.TaskState]uint8
	redo                     map[int32]bool
}

func newTableBuilder(t *taskTable) *tableBuilder {
	n := t.n
	b := &tableBuilder{t: t, index: make(map[string]int32, n), seq: make([]uint64, n), seen: make([]uint64, n),
		lastN: make([]uint16, n), aStart: make([]int64, n), resStart: make([]int64, n), resEnd: make([]int64, n),
		hasRes: make([]bool, n), result: make([]uint32, n), msg: make([]uint32, n),
		textID: map[string]uint32{}, stateID: map[event.TaskState]uint8{}, redo: map[int32]bool{}}
	all := string(t.ids) // one string the index's keys share
	for i := range n {
		b.index[all[t.from(t.idEnd, i):t.idEnd[i]]] = int32(i)
	}
	t.state, t.tries, t.reason = make([]uint8, n), make([]uint16, n), make([]uint32, n)
	t.start, t.end, t.peak = make([]int64, n), make([]int64, n), make([]int64, n)
	t.first, t.span = make([]int64, n), make([]uint32, n)
	for i := range t.first {
		t.first[i] = -1
	}
	b.text("")
	b.stateOf(event.Pending)
	return b
}

func (b *tableBuilder) text(s string) uint32 {
	if k, ok := b.textID[s]; ok {
		return k
	}
	k := uint32(len(b.t.texts))
	b.textID[s] = k
	b.t.texts = append(b.t.texts, s)
	return k
}

func (b *tableBuilder) stateOf(s event.TaskState) uint8 {
	if k, ok := b.stateID[s]; ok {
		return k
	}
	k := uint8(len(b.t.states))
	b.stateID[s] = k
	b.t.states = append(b.t.states, s)
	return k
}

// line notes an event line of task i at byte off.
func (b *tableBuilder) line(i int32, off int64, n int) {
	t := b.t
	if t.first[i] < 0 {
		t.first[i] = off
	}
	if end := off + int64(n) - t.first[i]; end < 1<<32 {
		t.span[i] = uint32(end)
	} else {
		b.redo[i] = true // its events span 4 GiB: read through the model
	}
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// apply folds e into task i, or marks i to be read again.
func (b *tableBuilder) apply(i int32, e *tableEvent) error {
	if b.redo[i] {
		return nil
	}
	if e.Seq <= b.seq[i] {
		b.redo[i] = true // out of order or recorded again
		return nil
	}
	b.seq[i] = e.Seq
	t := b.t
	switch e.Kind {
	case event.TaskChanged:
		if len(b.stateID) >= 255 {
			if _, ok := b.stateID[e.State]; !ok {
				return fmt.Errorf("more than 255 task states")
			}
		}
		t.state[i], b.msg[i] = b.stateOf(e.State), b.text(e.Message)
	case event.AttemptStarted, event.AttemptEnded:
		n := e.Attempt
		switch {
		case n < 0 || n >= 64:
			b.redo[i] = true
			return nil
		case b.seen[i]&(1<<n) == 0:
			b.seen[i] |= 1 << n
			t.tries[i]++
			b.lastN[i] = uint16(n)
			b.aStart[i], b.hasRes[i] = 0, false
		case int(b.lastN[i]) != n:
			b.redo[i] = true // an earlier attempt changed
			return nil
		}
		if e.Kind == event.AttemptStarted {
			b.aStart[i] = unixNano(e.Time)
			break
		}
		r := e.Result
		if r == nil || b.hasRes[i] {
			b.redo[i] = true // a result dropped or replaced
			return nil
		}
		b.hasRes[i] = true
		b.resStart[i], b.resEnd[i] = unixNano(r.Start), unixNano(r.End)
		b.result[i] = b.text(event.Result{Reason: r.Reason, ExitCode: r.ExitCode, Signal: r.Signal}.String())
		t.peak[i] = max(t.peak[i], r.PeakMemory)
		if b.aStart[i] == 0 {
			b.aStart[i] = b.resStart[i]
		}
	}
	return nil
}

// tableEvents reads events.jsonl once, each complete line decoded into a
// tableEvent.
func (h *hub) tableEvents(b *tableBuilder) error {
	path := filepath.Join(h.dir, "events.jsonl")
	f, err := h.open(path)
	if err != nil {
		return fmt.Errorf("ui: run %s: the task table needs its events: %w", h.id, err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var off int64
	for n := 1; ; n++ {
		line, rerr := r.ReadSlice('\n')
		if errors.Is(rerr, bufio.ErrBufferFull) {
			rest, err2 := r.ReadBytes('\n')
			line, rerr = append(slices.Clone(line), rest...), err2
		}
		if len(line) > 0 && line[len(line)-1] == '\n' && len(bytes.TrimSpace(line)) > 0 {
			if task, ok := lineTask(line); !ok || task != nil {
				e, err := decodeTableEvent(line)
				if err != nil {
					return fmt.Errorf("ui: %s line %d is not an event: %v; the log is damaged", path, n, err)
				}
				if i, ok := b.index[e.Task]; ok && e.Task != "" {
					b.line(i, off, len(line))
					if err := b.apply(i, &e); err != nil {
						return fmt.Errorf("ui: %s line %d: %v; the table cannot index the run", path, n, err)
					}
				}
			}
		}
		off += int64(len(line))
		if errors.Is(rerr, io.EOF) {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("ui: read %s: %w", path, rerr)
		}
	}
}

// lineTask is store's: an event line's task without decoding it.
func lineTask(line []byte) (task []byte, ok bool) {
	i := bytes.Index(line, []byte(`"task":"`))
	if i < 0 {
		return nil, true
	}
	rest := line[i+len(`"task":"`):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 || bytes.IndexByte(rest[:j], '\\') >= 0 {
		return nil, false
	}
	return rest[:j], true
}

// redoTasks reads the tasks the pass could not fold through the model.
func (h *hub) redoTasks(b *tableBuilder) error {
	if len(b.redo) == 0 {
		return nil
	}
	want := map[string]int32{}
	for i := range b.redo {
		want[b.t.id(int(i))] = i
	}
	m := newModel(store.RunRecord{ID: h.id})
	if err := h.scanEvents(func(task []byte) bool { _, ok := want[string(task)]; return ok }, m.apply); err != nil {
		return err
	}
	for id, i := range want {
		v := m.tasks[id]
		if v == nil {
			v = &TaskView{State: event.Pending}
		}
		t := b.t
		t.state[i], t.tries[i], t.peak[i] = b.stateOf(v.State), uint16(len(v.Attempts)), peakOf(v)
		t.reason[i] = b.text(reasonText(v))
		t.start[i], t.end[i] = 0, 0
		if len(v.Attempts) > 0 {
			a := v.Attempts[len(v.Attempts)-1]
			t.start[i] = unixNano(a.Start)
			if a.Result != nil {
				if !a.Result.Start.IsZero() {
					t.start[i] = unixNano(a.Result.Start)
				}
				t.end[i] = unixNano(a.Result.End)
			}
		}
	}
	return nil
}

// finish derives the columns the pass left as parts: reasons, times and
// counts.
func (b *tableBuilder) finish() {
	t := b.t
	t.counts = map[event.TaskState]int{}
	for i := range t.n {
		if !b.redo[int32(i)] {
			switch {
			case t.tries[i] == 0:
				t.reason[i] = b.msg[i]
			case b.hasRes[i]:
				t.reason[i] = b.result[i]
			case b.aStart[i] != 0:
				t.reason[i] = b.text("running")
			default:
				t.reason[i] = 0
			}
			t.start[i] = b.aStart[i]
			if b.hasRes[i] {
				if b.resStart[i] != 0 {
					t.start[i] = b.resStart[i]
				}
				t.end[i] = b.resEnd[i]
			}
		}
		t.counts[t.states[t.state[i]]]++
	}
}
