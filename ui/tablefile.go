package ui

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/weirflow/weir/event"
)

// Building a table reads the run's graph.json and every event: seconds of
// CPU at 100,000 tasks, tens at a million. The server keeps what it built
// as table.bin beside them, so that the next server (or the same one after
// it dropped the table) reads its columns instead. The file names the
// sizes of graph.json and events.jsonl it was made from; another size (a
// run resumed into the same directory, a copied state dir) makes it again.

const tableFile = "table.bin"

// tableMagic starts table.bin; its last digit is the format's version.
var tableMagic = [8]byte{'w', 'e', 'i', 'r', 't', 'b', 'l', '1'}

// tableSources are the sizes of the files a table is made from.
type tableSources struct{ graph, events int64 }

// sources stats graph.json and events.jsonl below the state dir.
func (h *hub) sources() (tableSources, error) {
	var s tableSources
	for _, x := range []struct {
		name string
		to   *int64
	}{{"graph.json", &s.graph}, {"events.jsonl", &s.events}} {
		f, err := h.open(filepath.Join(h.dir, x.name))
		if err != nil {
			return s, err
		}
		st, err := f.Stat()
		f.Close()
		if err != nil {
			return s, err
		}
		*x.to = st.Size()
	}
	return s, nil
}

// loadTable reads table.bin when it was made from the run's files as they
// are; nil, nil when there is none or it is out of date.
func (h *hub) loadTable(src tableSources, failedRun bool) (*taskTable, error) {
	path := filepath.Join(h.dir, tableFile)
	f, err := h.open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	d := &tableDecoder{r: bufio.NewReaderSize(f, 1<<20), left: st.Size()}
	var magic [8]byte
	d.read(&magic)
	var got tableSources
	d.read(&got.graph)
	d.read(&got.events)
	if d.err != nil || magic != tableMagic || got != src {
		return nil, nil // another version, or made from other files: make it again
	}
	t := &taskTable{failed: failedRun}
	var n uint32
	d.read(&n)
	t.n = int(n)
	t.ids, t.idEnd = d.blob(t.n)
	t.lower, t.lowEnd = d.blob(-1)
	t.keys, t.keyEnd = d.blob(t.n)
	t.keyed = d.column(new([]bool), t.n).([]bool)
	t.stage = d.column(new([]uint16), t.n).([]uint16)
	t.pool = d.column(new([]uint16), t.n).([]uint16)
	t.memory = d.column(new([]int64), t.n).([]int64)
	t.state = d.column(new([]uint8), t.n).([]uint8)
	t.tries = d.column(new([]uint16), t.n).([]uint16)
	t.reason = d.column(new([]uint32), t.n).([]uint32)
	t.start = d.column(new([]int64), t.n).([]int64)
	t.end = d.column(new([]int64), t.n).([]int64)
	t.peak = d.column(new([]int64), t.n).([]int64)
	t.first = d.column(new([]int64), t.n).([]int64)
	t.span = d.column(new([]uint32), t.n).([]uint32)
	t.stages, t.pools, t.texts = d.strings(), d.strings(), d.strings()
	for _, s := range d.strings() {
		t.states = append(t.states, event.TaskState(s))
	}
	if d.err == nil && d.left != 0 {
		d.err = errors.New("bytes left over")
	}
	if d.err == nil {
		d.err = t.check(src.events)
	}
	if d.err != nil {
		return nil, fmt.Errorf("ui: %s is damaged (%v): remove it, and the server makes it again from graph.json and events.jsonl", path, d.err)
	}
	t.counts = map[event.TaskState]int{}
	for i := range t.n {
		t.counts[t.states[t.state[i]]]++
	}
	return t, nil
}

// check says whether every index of t points inside its tables and every
// byte range inside the event log of size events.
func (t *taskTable) check(events int64) error {
	ends := func(what string, ends []uint32, blob []byte) error {
		prev := uint32(0)
		for _, e := range ends {
			if e < prev || int(e) > len(blob) {
				return fmt.Errorf("%s out of order", what)
			}
			prev = e
		}
		return nil
	}
	if err := ends("ids", t.idEnd, t.ids); err != nil {
		return err
	}
	if err := ends("keys", t.keyEnd, t.keys); err != nil {
		return err
	}
	if t.lower != nil {
		if len(t.lowEnd) != t.n {
			return errors.New("lower-case ids do not match the ids")
		}
		if err := ends("lower-case ids", t.lowEnd, t.lower); err != nil {
			return err
		}
	}
	for i := range t.n {
		switch {
		case int(t.stage[i]) >= len(t.stages), int(t.pool[i]) >= len(t.pools), int(t.state[i]) >= len(t.states),
			int(t.reason[i]) >= len(t.texts):
			return fmt.Errorf("task %d names a stage, pool, state or reason the file does not have", i)
		case t.first[i] < -1 || t.first[i] >= 0 && t.first[i]+int64(t.span[i]) > events:
			return fmt.Errorf("task %d's events lie outside events.jsonl", i)
		}
	}
	return nil
}

// tableDecoder reads table.bin, remembering its first error and refusing
// a length longer than what is left of the file.
type tableDecoder struct {
	r    io.Reader
	left int64
	err  error
}

func (d *tableDecoder) read(v any) {
	if d.err != nil {
		return
	}
	size := int64(binary.Size(v))
	if size < 0 || size > d.left {
		d.err = errors.New("shorter than its lengths say")
		return
	}
	d.left -= size
	d.err = binary.Read(d.r, binary.LittleEndian, v)
}

// column reads n values into a new slice of *p's type.
func (d *tableDecoder) column(p any, n int) any {
	switch p := p.(type) {
	case *[]bool:
		*p = make([]bool, d.cap(n, 1))
		d.read(*p)
		return *p
	case *[]uint8:
		*p = make([]uint8, d.cap(n, 1))
		d.read(*p)
		return *p
	case *[]uint16:
		*p = make([]uint16, d.cap(n, 2))
		d.read(*p)
		return *p
	case *[]uint32:
		*p = make([]uint32, d.cap(n, 4))
		d.read(*p)
		return *p
	case *[]int64:
		*p = make([]int64, d.cap(n, 8))
		d.read(*p)
		return *p
	}
	panic("tableDecoder.column: no such column type")
}

// cap is n when n values of size bytes fit in what is left, else 0 (and
// an error): a damaged length must not allocate gigabytes.
func (d *tableDecoder) cap(n, size int) int {
	if d.err != nil {
		return 0
	}
	if n < 0 || int64(n)*int64(size) > d.left {
		d.err = errors.New("shorter than its lengths say")
		return 0
	}
	return n
}

// blob reads a byte blob and its ends; n -1 reads the count first, and a
// count of 0 gives nil.
func (d *tableDecoder) blob(n int) ([]byte, []uint32) {
	if n < 0 {
		var c uint32
		d.read(&c)
		if n = int(c); n == 0 || d.err != nil {
			return nil, nil
		}
	}
	var size uint32
	d.read(&size)
	b := make([]byte, d.cap(int(size), 1))
	d.read(b)
	return b, d.column(new([]uint32), n).([]uint32)
}

func (d *tableDecoder) strings() []string {
	var c uint32
	d.read(&c)
	out := make([]string, 0, d.cap(int(c), 4))
	for range d.cap(int(c), 4) {
		var l uint32
		d.read(&l)
		b := make([]byte, d.cap(int(l), 1))
		d.read(b)
		out = append(out, string(b))
	}
	return out
}

// saveTable writes t as table.bin: to a temporary file in the run's
// directory, renamed over the old (a link there is replaced, never
// followed). A state dir the server may not write to keeps its table in
// memory only.
func (h *hub) saveTable(t *taskTable, src tableSources) error {
	tmp, err := os.CreateTemp(h.dir, "."+tableFile+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	w := bufio.NewWriterSize(tmp, 1<<20)
	put := func(v any) {
		if err == nil {
			err = binary.Write(w, binary.LittleEndian, v)
		}
	}
	blob := func(b []byte, ends []uint32) {
		put(uint32(len(b)))
		put(b)
		put(ends)
	}
	strs := func(ss []string) {
		put(uint32(len(ss)))
		for _, s := range ss {
			put(uint32(len(s)))
			put([]byte(s))
		}
	}
	put(tableMagic)
	put(src.graph)
	put(src.events)
	put(uint32(t.n))
	blob(t.ids, t.idEnd)
	if t.lower == nil {
		put(uint32(0))
	} else {
		put(uint32(len(t.lowEnd)))
		blob(t.lower, t.lowEnd)
	}
	blob(t.keys, t.keyEnd)
	for _, c := range []any{t.keyed, t.stage, t.pool, t.memory, t.state, t.tries, t.reason, t.start, t.end, t.peak, t.first, t.span} {
		put(c)
	}
	strs(t.stages)
	strs(t.pools)
	strs(t.texts)
	states := make([]string, len(t.states))
	for i, s := range t.states {
		states[i] = string(s)
	}
	strs(states)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Close()
	} else {
		tmp.Close()
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(h.dir, tableFile))
}
