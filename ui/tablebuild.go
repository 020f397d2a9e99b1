package ui

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
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
